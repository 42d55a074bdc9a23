"""Participant roles (grant, revoke, suspend) and the euro token's operator-only supply."""

from __future__ import annotations

from web3.logs import DISCARD

from marketplace.chain import errors
from marketplace.chain.deploy import DSO, FSP, MARKET_OPERATOR, METER_ORACLE
from tests.helpers import EUR, expect_revert


def _participant(market, address):
    return tuple(market.chain.call(market.market.functions.participant(address)))


def test_operator_grants_and_revokes_roles_with_events(market, accounts):
    who = accounts.stranger.address
    receipt = market.grant_role(accounts.operator, who, FSP | METER_ORACLE)
    (event,) = market.market.events.RoleGranted().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"account": who, "role": FSP | METER_ORACLE, "roles": FSP | METER_ORACLE,
                                   "operator": accounts.operator.address}
    assert market.chain.call(market.market.functions.hasRole(who, FSP))
    market.chain.transact(market.market.functions.revokeRole(who, FSP), accounts.operator)
    assert _participant(market, who) == (METER_ORACLE, False)


def test_only_an_active_operator_manages_roles(market, accounts):
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.dso.address, role=MARKET_OPERATOR):
        market.grant_role(accounts.dso, accounts.stranger.address, FSP)
    market.grant_role(accounts.operator, accounts.stranger.address, MARKET_OPERATOR)
    market.chain.transact(market.market.functions.suspend(accounts.stranger.address), accounts.operator)
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.stranger.address, role=MARKET_OPERATOR):
        market.grant_role(accounts.stranger, accounts.dso2.address, FSP)
    for fn in ("revokeRole", "suspend", "reinstate"):
        args = (accounts.dso.address, DSO) if fn == "revokeRole" else (accounts.dso.address,)
        with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.fsps[0].address, role=MARKET_OPERATOR):
            market.chain.transact(getattr(market.market.functions, fn)(*args), accounts.fsps[0])


def test_roles_must_be_known_flags_and_holders_real_addresses(market, accounts):
    for role in (0, 16, 0xFF):
        with expect_revert(errors.ParticipantRegistryInvalidRole, role=role):
            market.grant_role(accounts.operator, accounts.stranger.address, role)
    with expect_revert(errors.ParticipantRegistryInvalidRole, role=32):
        market.chain.transact(market.market.functions.revokeRole(accounts.dso.address, 32), accounts.operator)
    with expect_revert(errors.ParticipantRegistryZeroAddress):
        market.grant_role(accounts.operator, "0x" + "00" * 20, FSP)


def test_operator_cannot_lock_itself_out(market, accounts):
    op = accounts.operator
    with expect_revert(errors.ParticipantRegistrySelfLockout, account=op.address):
        market.chain.transact(market.market.functions.revokeRole(op.address, MARKET_OPERATOR), op)
    with expect_revert(errors.ParticipantRegistrySelfLockout, account=op.address):
        market.chain.transact(market.market.functions.suspend(op.address), op)


def test_suspension_blocks_every_role_until_reinstated(market, accounts):
    dso = accounts.dso.address
    market.chain.transact(market.market.functions.suspend(dso), accounts.operator)
    assert _participant(market, dso) == (DSO, True)
    assert not market.chain.call(market.market.functions.hasRole(dso, DSO))
    market.chain.transact(market.market.functions.reinstate(dso), accounts.operator)
    assert market.chain.call(market.market.functions.hasRole(dso, DSO))


def test_token_has_six_decimals_and_operator_only_supply(market, accounts):
    token = market.token
    assert market.chain.call(token.functions.decimals()) == 6
    supply = market.chain.call(token.functions.totalSupply())
    market.mint(accounts.operator, accounts.operator.address, 5 * EUR)
    market.chain.transact(token.functions.burn(2 * EUR), accounts.operator)
    assert market.chain.call(token.functions.totalSupply()) == supply + 3 * EUR
    with expect_revert(errors.OwnableUnauthorizedAccount, account=accounts.dso.address):
        market.mint(accounts.dso, accounts.dso.address, EUR)
    with expect_revert(errors.OwnableUnauthorizedAccount, account=accounts.dso.address):
        market.chain.transact(token.functions.burn(EUR), accounts.dso)

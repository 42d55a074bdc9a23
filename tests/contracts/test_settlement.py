"""Settlement: oracle attestations, payouts, penalties, reclaim, withdraw, guarantees, quorum."""

from __future__ import annotations

from dataclasses import replace

import pytest
from web3.logs import DISCARD

from marketplace import settlement
from marketplace.chain import errors
from tests.helpers import EUR, HOUR, expect_revert, open_request, sign_attestation


def _agreement(market, accounts, *, quantity=10_000, price=100 * EUR, guarantee=0, fsp_index=0, **kw):
    fsp = accounts.fsps[fsp_index]
    if guarantee:
        market.deposit_guarantee(fsp, guarantee)
    req = open_request(market, accounts.dso, quantity_wh=quantity, **kw)
    bid = req.bid(fsp, quantity, price, guarantee=guarantee)
    req.close_and_commit(accounts.operator)
    (agreement,) = req.award(accounts.operator, [(bid, bid.award())])
    return agreement


def _after_delivery(market):
    market.chain.travel(2 * HOUR + 1)


def test_successful_delivery_credits_the_fsp_and_refunds_the_rest(market, accounts):
    ag = _agreement(market, accounts, quantity=10_000, price=100 * EUR)
    dso_credit = market.credit_of(accounts.dso.address)
    _after_delivery(market)
    receipt = market.attest(accounts.oracle, ag, 9_000)
    (event,) = market.market.events.DeliveryAttested().process_receipt(receipt, errors=DISCARD)
    split = settlement.settle(100 * EUR, 10_000, 9_000)
    assert dict(event["args"]) == {"agreementId": ag.id, "deliveredWh": 9_000, "success": True,
                                   "payment": split.payment, "penalty": 0, "refund": split.refund}
    assert market.credit_of(ag.fsp) == 900_000
    assert market.credit_of(accounts.dso.address) == dso_credit + 100_000
    assert market.chain.call(market.market.functions.agreementHash(ag.id)) == b"\x00" * 32


def test_success_at_exactly_the_threshold_and_failure_just_below(market, accounts):
    ok = _agreement(market, accounts, quantity=10_000, price=100 * EUR)
    fail = _agreement(market, accounts, quantity=10_000, price=100 * EUR, fsp_index=1, ref=2, guarantee=5 * EUR)
    _after_delivery(market)
    market.attest(accounts.oracle, ok, 8_000)
    market.attest(accounts.oracle, fail, 7_999)
    assert market.credit_of(ok.fsp) == 800_000
    assert market.credit_of(fail.fsp) == 0
    # penalty = floor(10 x 100 EUR/MWh x 2,001 Wh / 1e8) = 20,010 base units, from the guarantee
    assert market.guarantee_of(fail.fsp) == (5 * EUR - 20_010, 0)


def test_over_delivery_is_paid_only_up_to_the_order(market, accounts):
    ag = _agreement(market, accounts, quantity=10_000, price=100 * EUR)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, 50_000)
    assert market.credit_of(ag.fsp) == ag.amount == 1 * EUR


def test_penalty_is_capped_at_the_agreement_guarantee(market, accounts):
    ag = _agreement(market, accounts, quantity=1_000_000, price=100 * EUR, guarantee=3 * EUR)
    dso_credit = market.credit_of(accounts.dso.address)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, 0)  # uncapped penalty would be 10 EUR
    assert market.guarantee_of(ag.fsp) == (0, 0)
    assert market.credit_of(accounts.dso.address) == dso_credit + ag.amount + 3 * EUR


def test_a_settled_agreement_cannot_be_settled_again(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, ag.quantityWh)
    with expect_revert(errors.FlexMarketUnknownAgreement, agreementId=ag.id):
        market.attest(accounts.oracle, ag, ag.quantityWh)


def test_attestation_of_altered_terms_is_refused(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    for altered in (replace(ag, pricePerMWh=ag.pricePerMWh + 1), replace(ag, successThresholdPct=0),
                    replace(ag, fsp=accounts.stranger.address)):
        with expect_revert(errors.FlexMarketUnknownAgreement, agreementId=ag.id):
            market.attest(accounts.oracle, altered, ag.quantityWh)


def test_attestation_before_delivery_end_is_refused(market, accounts):
    ag = _agreement(market, accounts)
    try:
        market.attest(accounts.oracle, ag, ag.quantityWh)
    except errors.FlexMarketDeliveryNotEnded as e:
        assert e.fields["agreementId"] == "0x" + ag.id.hex() and e.fields["deliveryEnd"] == ag.deliveryEnd
        assert e.fields["now"] < ag.deliveryEnd
    else:
        raise AssertionError("attestation before delivery end accepted")


def test_attestation_after_the_deadline_is_refused_and_the_dso_reclaims(market, accounts):
    ag = _agreement(market, accounts, guarantee=2 * EUR)
    dso_credit = market.credit_of(accounts.dso.address)
    try:
        market.reclaim(accounts.dso, ag)
    except errors.FlexMarketAttestationPending as e:
        assert e.fields["attestDeadline"] == ag.attestDeadline
    else:
        raise AssertionError("reclaim before the deadline accepted")
    market.chain.travel(31 * 24 * HOUR)
    try:
        market.attest(accounts.oracle, ag, ag.quantityWh)
    except errors.FlexMarketAttestationTooLate as e:
        assert e.fields["agreementId"] == "0x" + ag.id.hex() and e.fields["attestDeadline"] == ag.attestDeadline
    else:
        raise AssertionError("late attestation accepted")
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.stranger.address, role=1):
        market.reclaim(accounts.stranger, ag)
    receipt = market.reclaim(accounts.dso, ag)
    (event,) = market.market.events.AgreementReclaimed().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["refund"] == ag.amount
    assert market.credit_of(accounts.dso.address) == dso_credit + ag.amount
    assert market.guarantee_of(ag.fsp) == (2 * EUR, 0)  # unlocked, nothing forfeited
    with expect_revert(errors.FlexMarketUnknownAgreement, agreementId=ag.id):
        market.reclaim(accounts.dso, ag)


def test_only_meter_oracles_attest(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    for who in (accounts.operator, accounts.dso, accounts.fsps[0]):
        with expect_revert(errors.ParticipantRegistryUnauthorized, account=who.address, role=8):
            market.attest(who, ag, ag.quantityWh)


def test_signed_attestation_is_accepted_from_any_sender(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    digest = market.chain.call(market.market.functions.attestationDigest(ag.id, 9_500))
    signature = sign_attestation(market, accounts.oracle, ag.id, 9_500)
    from eth_account import Account
    assert Account._recover_hash(digest, signature=signature) == accounts.oracle.address
    market.attest_signed(accounts.fsps[3], ag, 9_500, [signature])
    assert market.credit_of(ag.fsp) == settlement.payment(ag.pricePerMWh, 9_500)


def test_signed_attestation_needs_the_quorum_of_distinct_oracles(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    market.chain.transact(market.market.functions.setOracleQuorum(2), accounts.operator)
    with expect_revert(errors.FlexMarketQuorumNotMet, agreementId=ag.id, valid=1, quorum=2):
        market.attest(accounts.oracle, ag, ag.quantityWh)
    one = sign_attestation(market, accounts.oracle, ag.id, ag.quantityWh)
    two = sign_attestation(market, accounts.oracle2, ag.id, ag.quantityWh)
    outsider = sign_attestation(market, accounts.stranger, ag.id, ag.quantityWh)
    with expect_revert(errors.FlexMarketQuorumNotMet, agreementId=ag.id, valid=1, quorum=2):
        market.attest_signed(accounts.fsps[0], ag, ag.quantityWh, [one, outsider])
    pairs = sorted([(accounts.oracle.address.lower(), one), (accounts.oracle2.address.lower(), two)])
    low, high = pairs[0], pairs[1]
    with expect_revert(errors.FlexMarketOracleSignersUnordered, agreementId=ag.id,
                       signer=accounts.oracle.address if low[1] is one else accounts.oracle2.address):
        market.attest_signed(accounts.fsps[0], ag, ag.quantityWh, [high[1], low[1]])
    with expect_revert(errors.FlexMarketOracleSignersUnordered, agreementId=ag.id,
                       signer=accounts.oracle.address if low[1] is one else accounts.oracle2.address):
        market.attest_signed(accounts.fsps[0], ag, ag.quantityWh, [low[1], low[1]])
    # Signatures over another delivered quantity do not count for this one.
    wrong = sign_attestation(market, accounts.oracle2, ag.id, 1)
    with expect_revert(errors.FlexMarketQuorumNotMet, agreementId=ag.id, valid=1, quorum=2):
        market.attest_signed(accounts.fsps[0], ag, ag.quantityWh, [one, wrong])
    market.attest_signed(accounts.fsps[0], ag, ag.quantityWh, [low[1], high[1]])
    assert market.credit_of(ag.fsp) == ag.amount


def test_oracle_quorum_is_set_by_the_operator_and_never_zero(market, accounts):
    with expect_revert(errors.FlexMarketInvalidQuorum, quorum=0):
        market.chain.transact(market.market.functions.setOracleQuorum(0), accounts.operator)
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.dso.address, role=1):
        market.chain.transact(market.market.functions.setOracleQuorum(2), accounts.dso)


def test_withdraw_pays_the_whole_credit_once(market, accounts):
    ag = _agreement(market, accounts)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, ag.quantityWh)
    before = market.balance_of(ag.fsp)
    market.withdraw(accounts.fsps[0])
    assert market.balance_of(ag.fsp) == before + ag.amount
    with expect_revert(errors.FlexMarketNothingToWithdraw, account=ag.fsp):
        market.withdraw(accounts.fsps[0])


def test_guarantee_deposit_and_withdrawal_of_the_unlocked_part(market, accounts):
    fsp = accounts.fsps[0]
    before = market.balance_of(fsp.address)
    market.deposit_guarantee(fsp, 10 * EUR)
    ag = _agreement(market, accounts, guarantee=4 * EUR)  # deposits 4 more, locks 4
    assert market.guarantee_of(fsp.address) == (14 * EUR, 4 * EUR)
    with expect_revert(errors.FlexMarketGuaranteeInsufficient, fsp=fsp.address, needed=11 * EUR, free=10 * EUR):
        market.withdraw_guarantee(fsp, 11 * EUR)
    market.withdraw_guarantee(fsp, 10 * EUR)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, ag.quantityWh)
    market.withdraw_guarantee(fsp, 4 * EUR)
    market.withdraw(fsp)
    assert market.balance_of(fsp.address) == before + ag.amount


def test_guarantee_amounts_must_be_positive_and_deposits_need_the_fsp_role(market, accounts):
    with expect_revert(errors.FlexMarketZeroGuarantee, fsp=accounts.fsps[0].address):
        market.deposit_guarantee(accounts.fsps[0], 0)
    with expect_revert(errors.FlexMarketZeroGuarantee, fsp=accounts.fsps[0].address):
        market.withdraw_guarantee(accounts.fsps[0], 0)
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.dso.address, role=4):
        market.deposit_guarantee(accounts.dso, EUR)


@pytest.mark.parametrize("delivered", [0, 5_000, 7_999, 8_000, 10_000, 12_000])
def test_contract_split_equals_the_python_settlement_module(market, accounts, delivered):
    ag = _agreement(market, accounts, quantity=10_000, price=123_456_789, guarantee=EUR // 100)
    dso_before = market.credit_of(accounts.dso.address)
    _after_delivery(market)
    market.attest(accounts.oracle, ag, delivered)
    split = settlement.settle(123_456_789, 10_000, delivered, 80, 10, EUR // 100)
    assert market.credit_of(ag.fsp) == split.payment
    assert market.credit_of(accounts.dso.address) - dso_before == split.refund + split.penalty

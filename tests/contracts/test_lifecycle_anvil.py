"""The whole money path on a real anvil node: request → commit → award → attest → withdraw."""

from __future__ import annotations

import pytest

from marketplace import settlement
from marketplace.chain import errors
from tests.helpers import EUR, HOUR, expect_revert, open_request

pytestmark = pytest.mark.anvil


def test_full_lifecycle_moves_money_only_by_rule(anvil_market, accounts):
    market = anvil_market
    dso, op, oracle = accounts.dso, accounts.operator, accounts.oracle
    cpo_a, cpo_b, cpo_c = accounts.fsps[:3]
    supply = market.chain.call(market.token.functions.totalSupply())
    dso_start = market.balance_of(dso.address)
    a_start, b_start = market.balance_of(cpo_a.address), market.balance_of(cpo_b.address)

    market.deposit_guarantee(cpo_b, 5 * EUR)
    req = open_request(market, dso, quantity_wh=200_000, cap=250 * EUR)  # 50 EUR escrowed
    a = req.bid(cpo_a, 100_000, 180 * EUR)
    b = req.bid(cpo_b, 100_000, 200 * EUR, guarantee=5 * EUR)
    req.bid(cpo_c, 100_000, 240 * EUR)
    req.close_and_commit(op)
    ag_a, ag_b = sorted(req.award(op, [(a, a.award()), (b, b.award())]), key=lambda g: g.fsp != cpo_a.address)

    market.chain.travel(2 * HOUR + 1)
    market.attest(oracle, ag_a, 95_000)  # success: paid for 95 kWh
    market.attest(oracle, ag_b, 50_000)  # 50 %: no payment, penalty from the guarantee
    with expect_revert(errors.FlexMarketUnknownAgreement, agreementId=ag_a.id):
        market.attest(oracle, ag_a, 100_000)

    pay_a = settlement.payment(180 * EUR, 95_000)
    split_b = settlement.settle(200 * EUR, 100_000, 50_000, guarantee=5 * EUR)
    assert (pay_a, split_b.payment, split_b.penalty) == (17_100_000, 0, 1 * EUR)
    for account in (cpo_a, dso):
        market.withdraw(account)
    market.withdraw_guarantee(cpo_b, 4 * EUR)
    assert market.balance_of(cpo_a.address) == a_start + pay_a
    assert market.balance_of(cpo_b.address) == b_start - 1 * EUR
    assert market.balance_of(dso.address) == dso_start - pay_a + 1 * EUR
    assert market.balance_of(market.market.address) == 0
    assert market.chain.call(market.token.functions.totalSupply()) == supply

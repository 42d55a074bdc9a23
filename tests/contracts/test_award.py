"""Awards: signed, committed bids become agreements; every way an award can be refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account
from web3.logs import DISCARD

from marketplace import settlement
from marketplace.chain import errors, typed_data
from marketplace.chain.deploy import FSP
from marketplace.chain.market import Award
from marketplace.chain.merkle import OrderBookTree
from tests.helpers import EUR, HOUR, expect_revert, make_bid, open_request, signed

ZERO = b"\x00" * 32


def _award_raw(market, caller, req, awards, digests, tree=None):
    """Send an award with the multiproof of ``digests`` in the given order (no sorting)."""
    tree = tree or req.tree
    multi = tree.multiproof(d for d in digests if d in tree)
    fn = market.market.functions.award(
        req.id, req.terms.as_tuple(), tree.root, [a.as_tuple() for a in awards], multi.proof, multi.flags
    )
    return market.chain.transact(fn, caller)


def test_bid_digest_on_chain_equals_the_wallet_signed_digest(market, accounts):
    bid = make_bid(7, accounts.fsps[0], 5_000, 90 * EUR, guarantee=3 * EUR, min_quantity_wh=1_000)
    sb = signed(market, accounts.fsps[0], bid)
    assert market.bid_digest(bid) == sb.digest
    doc = typed_data.bid_typed_data(market.chain.chain_id, market.market.address, bid)
    assert typed_data.digest(doc) == sb.digest
    assert typed_data.recover(doc, sb.signature) == accounts.fsps[0].address


def test_award_as_bid_creates_agreements_and_credits_unused_escrow(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=100_000, cap=200 * EUR)
    a = req.bid(accounts.fsps[0], 40_000, 150 * EUR)
    b = req.bid(accounts.fsps[1], 50_000, 120 * EUR)
    req.bid(accounts.fsps[2], 30_000, 190 * EUR)  # loses
    req.close_and_commit(accounts.operator)
    agreements = req.award(accounts.operator, [(a, a.award()), (b, b.award())])
    agreed = settlement.payment(150 * EUR, 40_000) + settlement.payment(120 * EUR, 50_000)
    assert agreed == 12 * EUR
    assert market.credit_of(accounts.dso.address) == req.terms.escrow - agreed
    for agreement in agreements:
        assert market.chain.call(market.market.functions.agreementHash(agreement.id)) != ZERO
    assert {ag.fsp for ag in agreements} == {accounts.fsps[0].address, accounts.fsps[1].address}
    assert market.chain.call(market.market.functions.requestWord(req.id)) == ZERO


def test_dso_awards_by_hand_in_italian_mode(market, accounts):
    req = open_request(market, accounts.dso)
    offers = [req.bid(fsp, 100_000, (100 + i) * EUR) for i, fsp in enumerate(accounts.fsps[:3])]
    req.close_and_commit(accounts.operator)
    pick = offers[2]
    (agreement,) = req.award(accounts.dso, [(pick, pick.award())])
    assert agreement.fsp == accounts.fsps[2].address and agreement.pricePerMWh == 102 * EUR


def test_award_events_report_winners_quantities_and_refund(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=100_000, cap=200 * EUR)
    a = req.bid(accounts.fsps[0], 60_000, 100 * EUR)
    tree = req.close_and_commit(accounts.operator)
    receipt = _award_raw(market, accounts.operator, req, [a.award()], [a.digest], tree)
    (done,) = market.market.events.RequestAwarded().process_receipt(receipt, errors=DISCARD)
    assert dict(done["args"]) == {
        "requestId": req.id, "by": accounts.operator.address, "winners": 1, "awardedWh": 60_000,
        "agreed": 6 * EUR, "refund": req.terms.escrow - 6 * EUR,
    }


def test_award_without_winners_refunds_everything(market, accounts):
    req = open_request(market, accounts.dso)
    req.bid(accounts.fsps[0], 10_000, 300 * EUR)
    req.close_and_commit(accounts.operator)
    assert req.award(accounts.operator, []) == []
    assert market.credit_of(accounts.dso.address) == req.terms.escrow


def test_pay_as_clear_pays_every_winner_the_clearing_price(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=100_000, cap=200 * EUR, pay_as_clear=True)
    a = req.bid(accounts.fsps[0], 50_000, 100 * EUR)
    b = req.bid(accounts.fsps[1], 50_000, 140 * EUR)
    req.close_and_commit(accounts.operator)
    agreements = req.award(accounts.operator, [(a, a.award(price=140 * EUR)), (b, b.award())])
    assert {ag.pricePerMWh for ag in agreements} == {140 * EUR}
    assert market.credit_of(accounts.dso.address) == req.terms.escrow - 14 * EUR


def test_divisible_bid_may_be_awarded_in_part_down_to_its_minimum(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=30_000)
    a = req.bid(accounts.fsps[0], 50_000, 100 * EUR, min_quantity_wh=20_000)
    req.close_and_commit(accounts.operator)
    (agreement,) = req.award(accounts.operator, [(a, a.award(quantity_wh=30_000))])
    assert agreement.quantityWh == 30_000


def test_award_rejects_callers_other_than_operator_and_requesting_dso(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    for caller in (accounts.stranger, accounts.dso2, accounts.fsps[0]):
        with expect_revert(errors.FlexMarketNotRequestParty, requestId=req.id, caller=caller.address):
            req.award(caller, [(a, a.award())])


def test_award_before_commitment_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.tree = OrderBookTree([a.digest])
    market.chain.travel(HOUR + 1)
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):
        req.award(accounts.operator, [(a, a.award())])


def test_award_against_another_root_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    late = req.bid(accounts.fsps[1], 10_000, 90 * EUR)
    other = OrderBookTree([a.digest, late.digest])
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):
        _award_raw(market, accounts.operator, req, [late.award()], [late.digest], other)


def test_award_rejects_a_bid_missing_from_the_committed_book(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    tree = req.close_and_commit(accounts.operator)
    late = signed(market, accounts.fsps[1], make_bid(req.id, accounts.fsps[1], 10_000, 90 * EUR))
    # A proof built for the committed leaf, presented with the late bid in its place.
    multi = tree.multiproof([a.digest])
    fn = market.market.functions.award(req.id, req.terms.as_tuple(), tree.root, [late.award().as_tuple()], multi.proof, multi.flags)
    with expect_revert(errors.FlexMarketBidsNotInBook, requestId=req.id, root=tree.root):
        market.chain.transact(fn, accounts.operator)


def test_award_rejects_a_bid_for_another_request(market, accounts):
    req = open_request(market, accounts.dso)
    other = open_request(market, accounts.dso, ref=2)
    foreign = other.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.bids.append(foreign)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketBidForOtherRequest, requestId=req.id, bidRequestId=other.id):
        req.award(accounts.operator, [(foreign, foreign.award())])


def test_award_rejects_awards_out_of_digest_order(market, accounts):
    req = open_request(market, accounts.dso)
    bids = [req.bid(fsp, 10_000, 100 * EUR) for fsp in accounts.fsps[:2]]
    tree = req.close_and_commit(accounts.operator)
    low, high = sorted(bids, key=lambda b: b.digest)
    with expect_revert(errors.FlexMarketAwardsUnordered, previous=high.digest, bidDigest=low.digest):
        _award_raw(market, accounts.operator, req, [high.award(), low.award()], [low.digest, high.digest], tree)


def test_award_rejects_a_signature_by_someone_else(market, accounts):
    req = open_request(market, accounts.dso)
    bid = make_bid(req.id, accounts.fsps[0], 10_000, 100 * EUR)
    forged = signed(market, accounts.fsps[1], bid)  # fsps[1] signs a bid naming fsps[0]
    req.bids.append(forged)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketInvalidBidSignature, bidDigest=forged.digest,
                       signer=accounts.fsps[1].address, fsp=accounts.fsps[0].address):
        req.award(accounts.operator, [(forged, forged.award())])


def test_award_rejects_a_bid_altered_after_signing(market, accounts):
    req = open_request(market, accounts.dso)
    honest = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    altered = replace(honest.bid, pricePerMWh=150 * EUR)
    digest = market.bid_digest(altered)
    recovered = Account._recover_hash(digest, signature=honest.signature)
    award = Award(altered, 10_000, 150 * EUR, honest.signature)
    with expect_revert(errors.FlexMarketInvalidBidSignature, bidDigest=digest, signer=recovered, fsp=accounts.fsps[0].address):
        _award_raw(market, accounts.operator, req, [award], [honest.digest])


def test_award_rejects_a_signer_without_the_fsp_role(market, accounts):
    req = open_request(market, accounts.dso)
    outsider = req.bid(accounts.stranger, 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketSignerNotFsp, bidDigest=outsider.digest, fsp=accounts.stranger.address):
        req.award(accounts.operator, [(outsider, outsider.award())])


def test_award_rejects_a_suspended_fsp(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    market.chain.transact(market.market.functions.suspend(accounts.fsps[0].address), accounts.operator)
    with expect_revert(errors.FlexMarketSignerNotFsp, bidDigest=a.digest, fsp=accounts.fsps[0].address):
        req.award(accounts.operator, [(a, a.award())])


def test_award_rejects_a_bid_above_the_cap(market, accounts):
    req = open_request(market, accounts.dso, cap=200 * EUR)
    pricey = req.bid(accounts.fsps[0], 10_000, 201 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketPriceAboveCap, requestId=req.id, price=201 * EUR, cap=200 * EUR):
        req.award(accounts.operator, [(pricey, pricey.award())])


def test_pay_as_clear_price_above_the_cap_is_refused(market, accounts):
    req = open_request(market, accounts.dso, cap=200 * EUR, pay_as_clear=True)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketPriceAboveCap, requestId=req.id, price=200 * EUR + 1, cap=200 * EUR):
        req.award(accounts.operator, [(a, a.award(price=200 * EUR + 1))])


def test_pay_as_bid_award_at_another_price_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketPriceNotAllowed, bidDigest=a.digest, price=110 * EUR, bidPrice=100 * EUR):
        req.award(accounts.operator, [(a, a.award(price=110 * EUR))])


def test_pay_as_clear_price_below_the_bid_is_refused(market, accounts):
    req = open_request(market, accounts.dso, pay_as_clear=True)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketPriceNotAllowed, bidDigest=a.digest, price=99 * EUR, bidPrice=100 * EUR):
        req.award(accounts.operator, [(a, a.award(price=99 * EUR))])


@pytest.mark.parametrize("quantity", [0, 19_999, 50_001])
def test_award_quantity_outside_the_bid_is_refused(market, accounts, quantity):
    req = open_request(market, accounts.dso, quantity_wh=100_000)
    a = req.bid(accounts.fsps[0], 50_000, 100 * EUR, min_quantity_wh=20_000)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketQuantityOutsideBid, bidDigest=a.digest, quantityWh=quantity,
                       minQuantityWh=20_000, maxQuantityWh=50_000):
        req.award(accounts.operator, [(a, a.award(quantity_wh=quantity))])


def test_indivisible_bid_cannot_be_cut(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=100_000)
    a = req.bid(accounts.fsps[0], 50_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketQuantityOutsideBid, bidDigest=a.digest, quantityWh=40_000,
                       minQuantityWh=50_000, maxQuantityWh=50_000):
        req.award(accounts.operator, [(a, a.award(quantity_wh=40_000))])


def test_award_above_the_requested_total_is_refused(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=100_000)
    a = req.bid(accounts.fsps[0], 60_000, 100 * EUR)
    b = req.bid(accounts.fsps[1], 60_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketQuantityAboveRequest, requestId=req.id, totalWh=120_000, requestedWh=100_000):
        req.award(accounts.operator, [(a, a.award()), (b, b.award())])


def test_the_same_bid_cannot_be_awarded_twice_in_one_award(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    tree = req.close_and_commit(accounts.operator)
    multi = tree.multiproof([a.digest])
    fn = market.market.functions.award(req.id, req.terms.as_tuple(), tree.root, [a.award().as_tuple()] * 2, multi.proof, multi.flags)
    with expect_revert(errors.FlexMarketBidAlreadyAwarded, agreementId=a.digest):
        market.chain.transact(fn, accounts.operator)


def test_a_request_is_awarded_once(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    b = req.bid(accounts.fsps[1], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    req.award(accounts.operator, [(a, a.award())])
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):
        req.award(accounts.operator, [(b, b.award())])


def test_award_after_the_award_deadline_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    a = req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    req.close_and_commit(accounts.operator)
    market.chain.travel(HOUR)
    try:
        req.award(accounts.operator, [(a, a.award())])
    except errors.FlexMarketAwardDeadlinePassed as e:
        assert e.fields["requestId"] == req.id and e.fields["awardDeadline"] == req.terms.awardDeadline
    else:
        raise AssertionError("award after the deadline accepted")


def test_award_locks_the_bids_guarantee(market, accounts):
    fsp = accounts.fsps[0]
    market.deposit_guarantee(fsp, 20 * EUR)
    req = open_request(market, accounts.dso)
    a = req.bid(fsp, 10_000, 100 * EUR, guarantee=15 * EUR)
    req.close_and_commit(accounts.operator)
    req.award(accounts.operator, [(a, a.award())])
    assert market.guarantee_of(fsp.address) == (20 * EUR, 15 * EUR)


def test_award_with_too_little_free_guarantee_is_refused(market, accounts):
    fsp = accounts.fsps[0]
    market.deposit_guarantee(fsp, 10 * EUR)
    req = open_request(market, accounts.dso)
    a = req.bid(fsp, 10_000, 100 * EUR, guarantee=15 * EUR)
    req.close_and_commit(accounts.operator)
    with expect_revert(errors.FlexMarketGuaranteeInsufficient, fsp=fsp.address, needed=15 * EUR, free=10 * EUR):
        req.award(accounts.operator, [(a, a.award())])


def test_many_winners_are_proven_with_one_multiproof(market, accounts):
    req = open_request(market, accounts.dso, quantity_wh=1_000_000)
    bids = [req.bid(accounts.fsps[i % 6], 10_000, (100 + i) * EUR) for i in range(13)]
    req.close_and_commit(accounts.operator)
    winners = bids[::2]
    agreements = req.award(accounts.operator, [(b, b.award()) for b in winners])
    assert sorted(a.id for a in agreements) == sorted(b.digest for b in winners)
    assert market.chain.call(market.market.functions.hasRole(accounts.fsps[0].address, FSP))

"""Request creation, cancellation and book commitment: effects and every revert path."""

from __future__ import annotations

from eth_utils import keccak
from web3.logs import DISCARD

from marketplace.chain import errors
from marketplace.chain.merkle import EMPTY_BOOK_ROOT
from tests.helpers import EUR, HOUR, expect_revert, make_request, open_request, with_terms

ZERO = b"\x00" * 32


def test_create_request_escrows_the_maximum_payment(market, accounts):
    before = market.balance_of(accounts.dso.address)
    terms = make_request(market, accounts.dso, quantity_wh=250_000, cap=120 * EUR)
    request_id = market.create_request(accounts.dso, terms, keccak(b"TR-1"))
    # 250 kWh at 120 EUR/MWh = 30 EUR
    assert terms.escrow == 30 * EUR
    assert market.balance_of(accounts.dso.address) == before - 30 * EUR
    assert market.balance_of(market.market.address) == 30 * EUR
    assert market.chain.call(market.market.functions.requestCount()) == request_id == 1


def test_create_request_emits_terms_location_and_escrow(market, accounts):
    terms = make_request(market, accounts.dso)
    receipt = market.chain.transact(market.market.functions.createRequest(terms.as_tuple(), keccak(b"TR-9")), accounts.dso)
    (event,) = market.market.events.RequestCreated().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["location"] == keccak(b"TR-9")
    assert event["args"]["escrow"] == terms.escrow
    assert tuple(event["args"]["request"].values()) == terms.as_tuple()


def test_create_request_rejects_a_caller_without_dso_role(market, accounts):
    terms = make_request(market, accounts.stranger)
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.stranger.address, role=2):
        market.create_request(accounts.stranger, terms)


def test_create_request_rejects_terms_naming_another_dso(market, accounts):
    terms = make_request(market, accounts.dso2)
    with expect_revert(errors.FlexMarketDsoNotCaller, dso=accounts.dso2.address, caller=accounts.dso.address):
        market.create_request(accounts.dso, terms)


def test_create_request_rejects_zero_quantity_and_zero_escrow(market, accounts):
    with expect_revert(errors.FlexMarketEmptyRequest, quantityWh=0, priceCapPerMWh=200 * EUR):
        market.create_request(accounts.dso, make_request(market, accounts.dso, quantity_wh=0))
    # 999 Wh at 1,000 base units/MWh is 0.999 base units: nothing to escrow.
    with expect_revert(errors.FlexMarketEmptyRequest, quantityWh=999, priceCapPerMWh=1_000):
        market.create_request(accounts.dso, make_request(market, accounts.dso, quantity_wh=999, cap=1_000))


def test_create_request_rejects_times_out_of_order(market, accounts):
    terms = make_request(market, accounts.dso)
    now = market.chain.timestamp()
    bad = [
        with_terms(terms, gateClosure=now - 1),
        with_terms(terms, awardDeadline=terms.gateClosure - 1),
        with_terms(terms, deliveryEnd=terms.awardDeadline - 1),
        with_terms(terms, attestDeadline=terms.deliveryEnd),
    ]
    for t in bad:
        try:
            market.create_request(accounts.dso, t)
        except errors.FlexMarketInvalidSchedule as e:
            assert (e.fields["gateClosure"], e.fields["awardDeadline"], e.fields["deliveryEnd"], e.fields["attestDeadline"]) == (
                t.gateClosure, t.awardDeadline, t.deliveryEnd, t.attestDeadline)
            assert e.fields["now"] >= now
        else:
            raise AssertionError(f"schedule accepted: {t}")


def test_create_request_rejects_percentages_above_100(market, accounts):
    with expect_revert(errors.FlexMarketInvalidPercentage, successThresholdPct=101, penaltyPct=10):
        market.create_request(accounts.dso, make_request(market, accounts.dso, threshold=101))
    with expect_revert(errors.FlexMarketInvalidPercentage, successThresholdPct=80, penaltyPct=101):
        market.create_request(accounts.dso, make_request(market, accounts.dso, penalty=101))


def test_create_request_without_allowance_reverts_in_the_token(market, accounts):
    market.approve(accounts.dso, 0)
    terms = make_request(market, accounts.dso)
    with expect_revert(errors.ERC20InsufficientAllowance, spender=market.market.address, allowance=0, needed=terms.escrow):
        market.create_request(accounts.dso, terms)


def test_cancel_before_gate_closure_credits_the_whole_escrow(market, accounts):
    req = open_request(market, accounts.dso)
    market.cancel_request(accounts.dso, req.id, req.terms)
    assert market.credit_of(accounts.dso.address) == req.terms.escrow
    assert market.chain.call(market.market.functions.requestWord(req.id)) == ZERO
    before = market.balance_of(accounts.dso.address)
    market.withdraw(accounts.dso)
    assert market.balance_of(accounts.dso.address) == before + req.terms.escrow


def test_operator_may_cancel_a_request(market, accounts):
    req = open_request(market, accounts.dso)
    market.cancel_request(accounts.operator, req.id, req.terms)
    assert market.credit_of(accounts.dso.address) == req.terms.escrow


def test_cancel_rejects_strangers(market, accounts):
    req = open_request(market, accounts.dso)
    with expect_revert(errors.FlexMarketNotRequestParty, requestId=req.id, caller=accounts.stranger.address):
        market.cancel_request(accounts.stranger, req.id, req.terms)


def test_cancel_after_gate_closure_is_refused_until_the_award_deadline(market, accounts):
    req = open_request(market, accounts.dso)
    market.chain.travel(HOUR + 5)
    try:
        market.cancel_request(accounts.dso, req.id, req.terms)
    except errors.FlexMarketGateClosed as e:
        assert e.fields["requestId"] == req.id and e.fields["gateClosure"] == req.terms.gateClosure
        assert e.fields["now"] > req.terms.gateClosure
    else:
        raise AssertionError("cancel after gate closure accepted")
    market.chain.travel(HOUR)  # past the award deadline: the DSO reclaims
    market.cancel_request(accounts.dso, req.id, req.terms)
    assert market.credit_of(accounts.dso.address) == req.terms.escrow


def test_committed_but_unawarded_request_is_reclaimable_after_award_deadline(market, accounts):
    req = open_request(market, accounts.dso)
    req.bid(accounts.fsps[0], 10_000, 100 * EUR)
    tree = req.close_and_commit(accounts.operator)
    market.chain.travel(HOUR)
    market.cancel_request(accounts.dso, req.id, req.terms, tree.root)
    assert market.credit_of(accounts.dso.address) == req.terms.escrow


def test_cancel_of_unknown_or_altered_request_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):
        market.cancel_request(accounts.dso, req.id, with_terms(req.terms, quantityWh=1))
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=99):
        market.cancel_request(accounts.dso, 99, req.terms)
    market.cancel_request(accounts.dso, req.id, req.terms)
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):  # no double refund
        market.cancel_request(accounts.dso, req.id, req.terms)


def test_commit_book_folds_the_root_into_the_request_word(market, accounts):
    req = open_request(market, accounts.dso)
    market.chain.travel(HOUR + 1)
    receipt = market.commit_book(accounts.operator, req.id, req.terms, EMPTY_BOOK_ROOT)
    (event,) = market.market.events.BookCommitted().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["root"] == EMPTY_BOOK_ROOT
    word = market.chain.call(market.market.functions.requestWord(req.id))
    terms_hash = keccak(market.chain.w3.codec.encode(
        ["(address,uint64,uint64,uint64,uint64,uint128,uint128,uint8,uint8,bool,bytes32)"], [req.terms.as_tuple()]))
    assert word == keccak(terms_hash + EMPTY_BOOK_ROOT)


def test_commit_book_is_operator_only(market, accounts):
    req = open_request(market, accounts.dso)
    market.chain.travel(HOUR + 1)
    with expect_revert(errors.ParticipantRegistryUnauthorized, account=accounts.dso.address, role=1):
        market.commit_book(accounts.dso, req.id, req.terms, EMPTY_BOOK_ROOT)


def test_commit_book_before_gate_closure_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    try:
        market.commit_book(accounts.operator, req.id, req.terms, EMPTY_BOOK_ROOT)
    except errors.FlexMarketGateOpen as e:
        assert e.fields["requestId"] == req.id and e.fields["gateClosure"] == req.terms.gateClosure
        assert e.fields["now"] < req.terms.gateClosure
    else:
        raise AssertionError("commit before gate closure accepted")


def test_commit_book_after_award_deadline_is_refused(market, accounts):
    req = open_request(market, accounts.dso)
    market.chain.travel(2 * HOUR + 1)
    try:
        market.commit_book(accounts.operator, req.id, req.terms, EMPTY_BOOK_ROOT)
    except errors.FlexMarketAwardDeadlinePassed as e:
        assert e.fields["requestId"] == req.id and e.fields["awardDeadline"] == req.terms.awardDeadline
    else:
        raise AssertionError("commit after the award deadline accepted")


def test_commit_book_rejects_a_zero_root_and_a_second_commit(market, accounts):
    req = open_request(market, accounts.dso)
    market.chain.travel(HOUR + 1)
    with expect_revert(errors.FlexMarketEmptyRoot, requestId=req.id):
        market.commit_book(accounts.operator, req.id, req.terms, ZERO)
    market.commit_book(accounts.operator, req.id, req.terms, EMPTY_BOOK_ROOT)
    with expect_revert(errors.FlexMarketUnknownRequest, requestId=req.id):
        market.commit_book(accounts.operator, req.id, req.terms, b"\x01" * 32)

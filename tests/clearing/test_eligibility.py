"""Ineligible bids: each is rejected with its own reason (seed table 11, table 8, 3.2.2.6)."""

import pytest

from marketplace.clearing import clear_book

from .books import EUR, Q, T0, bid, book, demand, rejection


def _reason(bad: dict, demands=None, **auction) -> tuple[str, str]:
    result = clear_book(book([bid("ok"), bad], demands=demands, **auction)).to_json()
    assert "ok" in {line["bid_id"] for line in result["accepted"]}
    return rejection(result, bad["id"])


def test_yellow_light_takes_short_term_and_long_term_bids_but_not_dca():
    bids = [bid("st"), bid("lt", kind="lt", lt_activation_price_per_mwh=100 * EUR), bid("dca", kind="dca")]
    result = clear_book(book(bids, traffic_light="yellow")).to_json()
    assert {line["bid_id"] for line in result["accepted"]} == {"st", "lt"}
    assert rejection(result, "dca") == ("ineligible", "kind_not_allowed")


def test_orange_light_also_takes_dca_bids():
    bids = [bid("st"), bid("lt", kind="lt", lt_activation_price_per_mwh=100 * EUR), bid("dca", kind="dca")]
    result = clear_book(book(bids, traffic_light="orange")).to_json()
    assert {line["bid_id"] for line in result["accepted"]} == {"st", "lt", "dca"}


@pytest.mark.parametrize("kind", ["st", "dca"])
def test_long_term_auction_takes_only_long_term_bids(kind):
    ok = bid("ok", kind="lt", min_quantity_wh=250)
    result = clear_book(book([ok, bid("bad", kind=kind)], product="lt_activation")).to_json()
    assert rejection(result, "bad") == ("ineligible", "kind_not_allowed")


def test_bid_at_another_location_is_ineligible():
    assert _reason(bid("bad", location="TR-22")) == ("ineligible", "location_mismatch")


def test_bid_in_the_other_direction_is_ineligible():
    assert _reason(bid("bad", direction="down")) == ("ineligible", "direction_mismatch")


def test_bid_of_an_asset_not_prequalified_is_ineligible():
    assert _reason(bid("bad", prequalified=False)) == ("ineligible", "not_prequalified")


def test_bid_above_its_qualified_power_is_ineligible():
    # 10,000 Wh in a quarter-hour is 40 kW.
    assert _reason(bid("bad", qualified_power_w=39_999)) == ("ineligible", "quantity_above_qualified")
    result = clear_book(book([bid("exact", qualified_power_w=40_000)])).to_json()
    assert result["accepted"][0]["bid_id"] == "exact"


def test_bid_outside_the_demand_intervals_is_ineligible():
    bad = bid("bad", intervals=[{"start": T0, "quantity_wh": 10_000}, {"start": T0 + Q, "quantity_wh": 10_000}])
    assert _reason(bad) == ("ineligible", "interval_outside_demand")


def test_bid_above_the_cap_is_ineligible_and_at_the_cap_is_accepted():
    assert _reason(bid("bad", price_eur=251)) == ("ineligible", "price_above_cap")
    result = clear_book(book([bid("at-cap", price_eur=250)])).to_json()
    assert result["accepted"][0]["bid_id"] == "at-cap"


def test_long_term_winner_is_judged_at_its_capped_price():
    capped = bid("capped", price_eur=300, kind="lt", lt_activation_price_per_mwh=200 * EUR)
    too_dear = bid("too-dear", price_eur=300, kind="lt", lt_activation_price_per_mwh=260 * EUR)
    result = clear_book(book([capped, too_dear])).to_json()
    assert result["accepted"][0]["bid_id"] == "capped"
    assert result["accepted"][0]["price_per_mwh"] == 200 * EUR
    assert rejection(result, "too-dear") == ("ineligible", "price_above_cap")


def test_availability_bid_above_the_availability_cap_is_ineligible():
    lt = {"kind": "lt", "min_quantity_wh": 250}
    demands = [demand(20_000, availability_price_cap_per_mw_h=10 * EUR, estimated_activation_hours=2)]
    ok = bid("ok", availability_price_per_mw_h=10 * EUR, **lt)
    bad = bid("bad", availability_price_per_mw_h=10 * EUR + 1, **lt)
    result = clear_book(book([ok, bad], demands=demands, product="lt_availability")).to_json()
    assert rejection(result, "bad") == ("ineligible", "availability_price_above_cap")
    assert result["accepted"][0]["bid_id"] == "ok"


def test_void_is_reported_before_ineligible():
    assert _reason(bid("bad", currency="USD", location="TR-22")) == ("void", "currency_not_eur")


def test_eligible_bid_that_loses_is_rejected_as_not_selected():
    result = clear_book(book([bid("cheap", quantities=100_000), bid("dear", price_eur=200)])).to_json()
    assert rejection(result, "dear") == ("not_selected", "not_selected")


def test_every_bid_is_either_accepted_or_rejected_once():
    bids = [bid("a"), bid("b", location="X"), bid("c", currency="USD"), bid("d", price_eur=300), bid("e", quantities=100_000, price_eur=200)]
    result = clear_book(book(bids)).to_json()
    accepted = {line["bid_id"] for line in result["accepted"]}
    rejected = [entry["bid_id"] for entry in result["rejected"]]
    assert len(rejected) == len(set(rejected))
    assert accepted.isdisjoint(rejected)
    assert accepted | set(rejected) == {"a", "b", "c", "d", "e"}

"""Books at the edges: nothing eligible, several demands, huge numbers."""

import random

from marketplace.clearing import clear_book

from .books import T0, accepted_by_bid, bid, book, demand


def test_demand_without_eligible_bids_is_reported_unmet():
    result = clear_book(book([bid("x", currency="USD")])).to_json()
    assert result["accepted"] == [] and result["welfare"] == 0 and result["total_cost"] == 0
    assert result["intervals"][0]["unmet_wh"] == 100_000 and result["intervals"][0]["clearing_price_per_mwh"] is None
    assert result["merit_order"][0]["steps"] == [] and result["optimal"] is True


def test_each_bid_answers_the_demand_at_its_location_and_direction():
    demands = [demand(), demand(id="D2", location="TR-9"), demand(id="D3", location="TR-9", direction="down")]
    bids = [bid("a"), bid("b", location="TR-9"), bid("c", location="TR-9", direction="down")]
    result = clear_book(book(bids, demands=demands)).to_json()
    assert {a["bid_id"]: a["demand_id"] for a in result["accepted"]} == {"a": "D1", "b": "D2", "c": "D3"}
    assert [i["demand_id"] for i in result["intervals"]] == ["D1", "D2", "D3"]


def test_prices_near_the_limit_stay_exact_beyond_64_bits():
    rng = random.Random(5)
    cap = 10**12
    bids = [
        bid(f"b{k}", None, rng.randrange(1_000, 2_400_000, 1_000), price_per_mwh=rng.randrange(cap), divisible=k % 3 == 0)
        for k in range(40)
    ]
    result = clear_book(book(bids, demands=[demand(25_000_000, price_cap_per_mwh=cap)])).to_json()
    got = accepted_by_bid(result)
    prices = {b["id"]: b["price_per_mwh"] for b in bids}
    exact = sum((cap - prices[k]) * wh for k, wh in got.items())
    assert sum((cap - prices[k]) * wh for k, wh in got.items()) > 2**63  # past int64
    assert result["optimal"] and result["welfare"] == exact // 10**6
    assert sum(got.values()) <= 25_000_000


def test_demand_interval_of_zero_accepts_nothing_there():
    result = clear_book(book([bid("a", quantities=[10_000, 10_000])], demands=[demand([0, 50_000])])).to_json()
    assert [(a["start"], a["quantity_wh"]) for a in result["accepted"]] == [(T0 + 900, 10_000)]

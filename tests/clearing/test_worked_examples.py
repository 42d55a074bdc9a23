"""Worked examples from the seed and the rules the issue spells out, with exact numbers."""

import pytest

from marketplace.clearing import clear_book

from .books import EUR, Q, T0, accepted_by_bid, auction, bid, book, demand, rejection

# Seed fig. 10 / fig. 15: service window 16-22 Feb 2025, 05:00-09:00 CET (04:00-08:00 UTC).
WINDOW = [1_739_664_000 + 86_400 * day + 4 * 3_600 + Q * k for day in range(7) for k in range(16)]


def _availability_book(capacity_w: int, hours: int, pricing: str = "pay_as_bid") -> dict:
    def offer(bid_id, agent, capacity, availability_eur, activation_eur, submitted):
        return {
            "id": bid_id,
            "fsp": agent,
            "location": "Crevillent",
            "direction": "up",
            "kind": "lt",
            "price_per_mwh": activation_eur * EUR,
            "availability_price_per_mw_h": availability_eur * EUR,
            "currency": "EUR",
            "divisible": True,
            "min_quantity_wh": 250,
            "submitted_at": submitted,
            "prequalified": True,
            "qualified_power_w": capacity,
            "intervals": [{"start": s, "quantity_wh": capacity // 4} for s in WINDOW],
        }

    return {
        "auction": auction(product="lt_availability", pricing=pricing, traffic_light="yellow"),
        "demands": [
            {
                "id": "DSO1_LP",
                "location": "Crevillent",
                "direction": "up",
                "price_cap_per_mwh": 30 * EUR,
                "availability_price_cap_per_mw_h": 25 * EUR,
                "estimated_activation_hours": hours,
                "intervals": [{"start": s, "quantity_wh": capacity_w // 4} for s in WINDOW],
            }
        ],
        "bids": [
            offer("UOL1_AGE1", "AGE1_LP", 500_000, 10, 20, 1_739_000_000),
            offer("UOL3_AG1", "AGE1_LP", 10_000, 20, 10, 1_739_000_100),
        ],
    }


def test_seed_fig15_both_long_term_bids_are_allocated_in_full_with_both_prices():
    result = clear_book(_availability_book(510_000, hours=4)).to_json()
    assert result["optimal"] and not result["rejected"]
    assert accepted_by_bid(result) == {"UOL1_AGE1": 125_000 * 112, "UOL3_AG1": 2_500 * 112}
    lines = {(a["bid_id"], a["start"]): a for a in result["accepted"]}
    first = lines[("UOL1_AGE1", WINDOW[0])]
    assert (first["availability_price_per_mw_h"], first["price_per_mwh"], first["payment"]) == (10 * EUR, 20 * EUR, 1_250_000)
    small = lines[("UOL3_AG1", WINDOW[-1])]
    assert (small["availability_price_per_mw_h"], small["price_per_mwh"], small["payment"]) == (20 * EUR, 10 * EUR, 50_000)
    # 0.5 MW x 28 h x 10 EUR = 140 EUR; 0.01 MW x 28 h x 20 EUR = 5.60 EUR.
    assert result["total_cost"] == 140 * EUR + 5_600_000
    assert all(i["unmet_wh"] == 0 for i in result["intervals"])


@pytest.mark.parametrize("hours, first, second_wh", [(4, "UOL1_AGE1", 0), (40, "UOL3_AG1", 122_500)])
def test_availability_ranking_adds_estimated_activation_hours_times_activation_price(hours, first, second_wh):
    # 0.5 MW requested. Expected cost per MW: UOL1 10 x 28 + 20 x h, UOL3 20 x 28 + 10 x h:
    # 360 vs 600 EUR at h = 4, 1,080 vs 960 EUR at h = 40.
    result = clear_book(_availability_book(500_000, hours)).to_json()
    got = accepted_by_bid(result)
    other = {"UOL1_AGE1": "UOL3_AG1", "UOL3_AG1": "UOL1_AGE1"}[first]
    full = {"UOL1_AGE1": 125_000, "UOL3_AG1": 2_500}
    assert got[first] == full[first] * 112
    assert got.get(other, 0) == second_wh * 112
    curve = result["merit_order"][0]
    assert [step["bid_id"] for step in curve["steps"]] == [first, other]


def test_availability_pay_as_clear_pays_the_highest_of_each_price():
    result = clear_book(_availability_book(510_000, hours=4, pricing="pay_as_clear")).to_json()
    interval = result["intervals"][0]
    assert interval["clearing_availability_price_per_mw_h"] == 20 * EUR
    assert interval["clearing_price_per_mwh"] == 20 * EUR
    assert {(a["availability_price_per_mw_h"], a["price_per_mwh"]) for a in result["accepted"]} == {(20 * EUR, 20 * EUR)}
    # 0.51 MW x 28 h x 20 EUR
    assert result["total_cost"] == 112 * (2_500_000 + 50_000)


def _slovenian_book(pricing: str) -> dict:
    """Seed fig. 35 (orange light): short-term, long-term and DCA bids on one merit order."""
    bids = [
        bid("sflex-1", 90, 30_000, submitted_at=T0 - 500),
        bid("lflex-1", 130, 20_000, kind="lt", lt_activation_price_per_mwh=110 * EUR, submitted_at=T0 - 400),
        bid("dca-1", 120, 25_000, kind="dca", divisible=False, submitted_at=T0 - 300),
        bid("sflex-2", 140, 40_000, submitted_at=T0 - 200),
        bid("sflex-3", 140, 40_000, submitted_at=T0 - 100),
    ]
    return book(bids, demands=[demand(100_000)], pricing=pricing)


def test_slovenian_pay_as_clear_pays_everyone_the_last_activated_bids_price():
    result = clear_book(_slovenian_book("pay_as_clear")).to_json()
    # Merit order: sflex-1 90, lflex-1 110 (capped), dca-1 120, then the two 140s by time.
    assert accepted_by_bid(result) == {"sflex-1": 30_000, "lflex-1": 20_000, "dca-1": 25_000, "sflex-2": 25_000}
    assert result["intervals"][0]["clearing_price_per_mwh"] == 140 * EUR
    assert {a["price_per_mwh"] for a in result["accepted"]} == {140 * EUR}
    assert result["total_cost"] == 14_000_000  # 100 kWh x 140 EUR/MWh
    assert rejection(result, "sflex-3") == ("not_selected", "not_selected")


def test_same_book_pay_as_bid_pays_each_its_own_price_for_the_same_selection():
    clear = clear_book(_slovenian_book("pay_as_clear")).to_json()
    paid = clear_book(_slovenian_book("pay_as_bid")).to_json()
    assert accepted_by_bid(paid) == accepted_by_bid(clear)
    assert {a["bid_id"]: a["price_per_mwh"] for a in paid["accepted"]} == {
        "sflex-1": 90 * EUR, "lflex-1": 110 * EUR, "dca-1": 120 * EUR, "sflex-2": 140 * EUR,
    }
    # 30 x 90 + 20 x 110 + 25 x 120 + 25 x 140 = 11,400 EUR/MWh x kWh / 1000
    assert paid["total_cost"] == 11_400_000
    assert paid["welfare"] == clear["welfare"] == (160 * 30 + 140 * 20 + 130 * 25 + 110 * 25) * 1_000


def test_long_term_winner_competes_at_its_long_term_price_in_a_short_term_auction():
    holder = bid("holder", 200, 50_000, kind="lt", lt_activation_price_per_mwh=80 * EUR)
    newcomer = bid("newcomer", 90, 50_000)
    result = clear_book(book([holder, newcomer], demands=[demand(50_000)])).to_json()
    assert accepted_by_bid(result) == {"holder": 50_000}
    assert result["accepted"][0]["price_per_mwh"] == 80 * EUR


def test_identical_bids_tie_by_submission_time_then_id():
    bids = [bid("c", 100, 10_000, submitted_at=T0 - 10), bid("b", 100, 10_000, submitted_at=T0 - 20), bid("a", 100, 10_000, submitted_at=T0 - 10)]
    assert accepted_by_bid(clear_book(book(bids, demands=[demand(15_000)])).to_json()) == {"b": 10_000, "a": 5_000}
    indivisible = [dict(b, divisible=False) for b in bids]
    assert accepted_by_bid(clear_book(book(indivisible, demands=[demand(20_000)])).to_json()) == {"b": 10_000, "a": 10_000}


def test_bid_priced_at_the_cap_is_accepted_when_it_fits_beside_indivisible_bids():
    bids = [
        bid("a", 100, 6_000, divisible=False),
        bid("e", 110, 6_000, divisible=False),
        bid("at-cap", 250, 4_000, divisible=False),
    ]
    result = clear_book(book(bids, demands=[demand(10_000)])).to_json()
    assert accepted_by_bid(result) == {"a": 6_000, "at-cap": 4_000}
    assert result["welfare"] == 900_000  # (250 - 100) x 6 kWh; the cap bid adds nothing


def test_indivisible_bid_is_taken_over_cheaper_divisible_quantity_when_welfare_is_higher():
    # Knapsack: merit order would take a (6) and then have no room for b or c (5 each).
    bids = [bid("a", 100, 6_000, divisible=False), bid("b", 110, 5_000, divisible=False), bid("c", 120, 5_000, divisible=False)]
    result = clear_book(book(bids, demands=[demand(10_000)])).to_json()
    assert accepted_by_bid(result) == {"b": 5_000, "c": 5_000}
    assert result["welfare"] == 1_350_000 and result["optimal"]


def test_indivisible_multi_interval_bid_is_accepted_in_all_its_intervals_or_none():
    block = bid("block", 50, [20_000, 20_000], divisible=False)
    filler = bid("filler", 200, [30_000, 30_000])
    result = clear_book(book([block, filler], demands=[demand([30_000, 10_000])])).to_json()
    assert accepted_by_bid(result) == {"filler": 40_000}
    assert rejection(result, "block") == ("not_selected", "not_selected")
    # Once the second interval has room, the block wins both.
    result = clear_book(book([block, filler], demands=[demand([30_000, 20_000])])).to_json()
    assert {(a["bid_id"], a["start"]): a["quantity_wh"] for a in result["accepted"]} == {
        ("block", T0): 20_000, ("filler", T0): 10_000, ("block", T0 + Q): 20_000,
    }


def test_overfill_only_when_the_auction_allows_it_and_welfare_gains():
    big = bid("big", 50, 12_000, divisible=False)
    assert accepted_by_bid(clear_book(book([big], demands=[demand(10_000)])).to_json()) == {}
    result = clear_book(book([big], demands=[demand(10_000)], allow_overfill=True)).to_json()
    assert accepted_by_bid(result) == {"big": 12_000}
    assert result["intervals"][0]["overfill_wh"] == 2_000 and result["intervals"][0]["unmet_wh"] == 0
    # welfare = 250 x 10 kWh - 50 x 12 kWh
    assert result["welfare"] == 1_900_000
    # Too dear to over-buy: 240 x 12 kWh > 250 x 10 kWh.
    dear = bid("dear", 240, 12_000, divisible=False)
    assert accepted_by_bid(clear_book(book([dear], demands=[demand(10_000)], allow_overfill=True)).to_json()) == {}


def test_divisible_bid_is_not_cut_below_its_minimum():
    # Merit order would cut "b" to 2 kWh, below its 5 kWh minimum: "c" takes the rest.
    bids = [bid("a", 100, 8_000), bid("b", 110, 10_000, min_quantity_wh=5_000), bid("c", 120, 10_000)]
    result = clear_book(book(bids, demands=[demand(10_000)])).to_json()
    # welfare: a 8 + c 2 = 150 x 8 + 130 x 2 = 1,460; a 5 + b 5 = 750 + 700 = 1,450
    assert accepted_by_bid(result) == {"a": 8_000, "c": 2_000}
    assert result["welfare"] == 1_460_000


def test_time_limit_marks_the_result_not_optimal_with_its_gap():
    bids = [bid("a", 100, 6_000, divisible=False), bid("b", 110, 5_000, divisible=False), bid("c", 120, 5_000, divisible=False)]
    result = clear_book(book(bids, demands=[demand(10_000)]), time_limit_s=1e-9).to_json()
    assert result["optimal"] is False
    assert result["solver"]["status"] == "time_limit"
    assert result["welfare"] == 900_000  # the merit-order walk: a alone
    assert result["solver"]["gap"] == result["solver"]["welfare_bound"] - 900_000 > 0
    assert result["solver"]["welfare_bound"] >= 1_350_000  # a true bound on the optimum

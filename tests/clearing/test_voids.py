"""Void bids: each malformed bid is rejected with its own reason, never dropped."""

import pytest

from marketplace.clearing import clear_book

from .books import EUR, T0, bid, book, demand, rejection

REQUIRED = ["fsp", "location", "direction", "kind", "price_per_mwh", "currency", "divisible", "submitted_at", "prequalified", "intervals"]


def _reason(bad: dict, **auction) -> tuple[str, str]:
    result = clear_book(book([bid("ok"), bad], **auction)).to_json()
    assert [line["bid_id"] for line in result["accepted"]] == ["ok"]
    return rejection(result, bad["id"])


@pytest.mark.parametrize("field", REQUIRED)
def test_bid_missing_a_required_parameter_is_void(field):
    bad = bid("bad")
    del bad[field]
    assert _reason(bad) == ("void", "missing_parameter")


@pytest.mark.parametrize("field", ["price_per_mwh", "currency"])
def test_null_counts_as_missing(field):
    assert _reason(bid("bad", **{field: None})) == ("void", "missing_parameter")


def test_divisible_bid_without_minimum_is_void():
    bad = bid("bad")
    del bad["min_quantity_wh"]
    assert _reason(bad) == ("void", "missing_parameter")


def test_indivisible_bid_needs_no_minimum():
    good = bid("good", divisible=False)
    del good["min_quantity_wh"]
    result = clear_book(book([good])).to_json()
    assert result["accepted"][0]["bid_id"] == "good"


def test_long_term_winner_in_short_term_auction_needs_its_long_term_price():
    assert _reason(bid("bad", kind="lt")) == ("void", "missing_parameter")


def test_availability_bid_needs_its_availability_price():
    data = book(
        [bid("bad", quantities=10_000, kind="lt")],
        demands=[demand(10_000, availability_price_cap_per_mw_h=10 * EUR, estimated_activation_hours=2)],
        product="lt_availability",
    )
    assert rejection(clear_book(data).to_json(), "bad") == ("void", "missing_parameter")


@pytest.mark.parametrize(
    "overrides",
    [
        {"price_per_mwh": -1},
        {"price_per_mwh": 1.5},
        {"price_per_mwh": "100"},
        {"price_per_mwh": True},
        {"submitted_at": -5},
        {"direction": "sideways"},
        {"kind": "spot"},
        {"divisible": "yes"},
        {"prequalified": 1},
        {"fsp": ""},
        {"qualified_power_w": -1},
        {"intervals": []},
        {"intervals": [{"start": T0 + 1, "quantity_wh": 10_000}]},
        {"intervals": [{"start": T0, "quantity_wh": 10_000.0}]},
        {"intervals": [{"start": T0, "quantity_wh": 10_000}, {"start": T0, "quantity_wh": 10_000}]},
        {"min_quantity_wh": 20_000},
        {"min_quantity_wh": -1},
        {"kind": "lt", "lt_activation_price_per_mwh": "cheap"},
    ],
)
def test_wrong_type_or_impossible_value_voids_the_bid(overrides):
    assert _reason(bid("bad", **overrides)) == ("void", "invalid_parameter")


@pytest.mark.parametrize("currency", ["USD", "eur", "GBP"])
def test_currency_other_than_eur_voids_the_bid(currency):
    assert _reason(bid("bad", currency=currency)) == ("void", "currency_not_eur")


@pytest.mark.parametrize(
    "quantity_wh, reason",
    [
        (0, "quantity_below_minimum"),  # 0 W
        (249, "quantity_below_minimum"),  # 996 W < 1 kW
        (2_500_000, "quantity_above_maximum"),  # 10,000 kW > 9,999 kW
        (10_500, "quantity_off_granularity"),  # not whole kWh
    ],
)
def test_short_term_quantity_outside_the_product_limits_is_void(quantity_wh, reason):
    bad = bid("bad", intervals=[{"start": T0, "quantity_wh": quantity_wh}], min_quantity_wh=0)
    assert _reason(bad) == ("void", reason)


def test_product_limits_edges_are_accepted():
    low = bid("low", intervals=[{"start": T0, "quantity_wh": 1_000}])
    high = bid("high", intervals=[{"start": T0, "quantity_wh": 2_499_000}])
    result = clear_book(book([low, high], demands=[demand(3_000_000)])).to_json()
    assert {line["bid_id"] for line in result["accepted"]} == {"low", "high"}


def test_long_term_granularity_is_one_kw():
    lt = {"kind": "lt", "min_quantity_wh": 250}
    ok = bid("ok", quantities=250, **lt)  # 1 kW for a quarter-hour
    bad = bid("bad", quantities=300, **lt)
    result = clear_book(book([ok, bad], product="lt_activation", traffic_light="yellow")).to_json()
    assert rejection(result, "bad") == ("void", "quantity_off_granularity")
    assert result["accepted"][0]["bid_id"] == "ok"


def test_auction_limits_override_the_defaults():
    limits = {"min_power_w": 40_000, "max_power_w": 80_000, "quantity_step_wh": 5_000}
    result = clear_book(
        book([bid("small", quantities=5_000), bid("fine", quantities=15_000), bid("big", quantities=25_000)], limits=limits)
    ).to_json()
    assert rejection(result, "small") == ("void", "quantity_below_minimum")
    assert rejection(result, "big") == ("void", "quantity_above_maximum")
    assert [line["bid_id"] for line in result["accepted"]] == ["fine"]

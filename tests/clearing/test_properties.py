"""Properties of any cleared book (hypothesis): limits, caps, pricing, order, cost, reasons."""

import json
import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from marketplace import settlement
from marketplace.clearing import clear_book

from .books import EUR, Q, T0, auction, bid, rejection

KWH = 1_000
CAP = 250 * EUR


@st.composite
def books(draw, divisible_only=False, pricing=None, with_minimums=True):
    n_intervals = draw(st.integers(1, 3))
    bids = []
    for k in range(draw(st.integers(1, 9))):
        slots = draw(st.lists(st.integers(0, n_intervals - 1), min_size=1, max_size=n_intervals, unique=True))
        quantities = {t: draw(st.integers(1, 60)) * KWH for t in slots}
        divisible = True if divisible_only else draw(st.booleans())
        kind = draw(st.sampled_from(["st", "st", "dca", "lt"]))
        b = bid(
            f"b{k}",
            intervals=[{"start": T0 + Q * t, "quantity_wh": q} for t, q in sorted(quantities.items())],
            price_per_mwh=draw(st.integers(0, 260_000)) * 1_000,  # multiples of 1,000 base units
            kind=kind,
            divisible=divisible,
            submitted_at=T0 - draw(st.integers(0, 3)),
        )
        if kind == "lt":
            b["lt_activation_price_per_mwh"] = draw(st.integers(0, 260_000)) * 1_000
        if divisible and with_minimums:
            b["min_quantity_wh"] = draw(st.integers(0, min(quantities.values()) // KWH)) * KWH
        bids.append(b)
    demand = {
        "id": "D1",
        "location": "TR-17",
        "direction": "up",
        "price_cap_per_mwh": CAP,
        "intervals": [{"start": T0 + Q * t, "quantity_wh": draw(st.integers(0, 150)) * KWH} for t in range(n_intervals)],
    }
    return {
        "auction": auction(pricing=pricing or draw(st.sampled_from(["pay_as_bid", "pay_as_clear"]))),
        "demands": [demand],
        "bids": bids,
    }


def _own_price(b: dict) -> int:
    if b["kind"] == "lt":
        return min(b["price_per_mwh"], b["lt_activation_price_per_mwh"])
    return b["price_per_mwh"]


@settings(max_examples=120, deadline=None)
@given(books())
def test_accepted_stays_within_demand_and_offers_and_caps(data):
    result = clear_book(data).to_json()
    bids = {b["id"]: b for b in data["bids"]}
    for interval, wanted in zip(result["intervals"], data["demands"][0]["intervals"]):
        assert interval["accepted_wh"] <= wanted["quantity_wh"]
        assert interval["accepted_wh"] + interval["unmet_wh"] == wanted["quantity_wh"]
        lines = [a for a in result["accepted"] if a["start"] == interval["start"]]
        assert sum(a["quantity_wh"] for a in lines) == interval["accepted_wh"]
    for line in result["accepted"]:
        offered = {i["start"]: i["quantity_wh"] for i in bids[line["bid_id"]]["intervals"]}
        assert 0 < line["quantity_wh"] <= offered[line["start"]]
        assert line["price_per_mwh"] <= CAP
        assert _own_price(bids[line["bid_id"]]) <= line["price_per_mwh"]
        assert line["payment"] == settlement.payment(line["price_per_mwh"], line["quantity_wh"])
    assert result["total_cost"] == sum(line["payment"] for line in result["accepted"])
    assert result["optimal"] is True


@settings(max_examples=100, deadline=None)
@given(books(pricing="pay_as_clear"))
def test_pay_as_clear_price_is_the_highest_accepted_price_of_the_interval(data):
    result = clear_book(data).to_json()
    bids = {b["id"]: b for b in data["bids"]}
    for interval in result["intervals"]:
        lines = [a for a in result["accepted"] if a["start"] == interval["start"]]
        if not lines:
            assert interval["clearing_price_per_mwh"] is None
            continue
        highest = max(_own_price(bids[a["bid_id"]]) for a in lines)
        assert interval["clearing_price_per_mwh"] == highest
        assert {a["price_per_mwh"] for a in lines} == {highest}


@settings(max_examples=100, deadline=None)
@given(books(pricing="pay_as_bid"))
def test_pay_as_bid_pays_each_bid_its_own_capped_price(data):
    result = clear_book(data).to_json()
    bids = {b["id"]: b for b in data["bids"]}
    for line in result["accepted"]:
        assert line["price_per_mwh"] == _own_price(bids[line["bid_id"]])
    assert all(i["clearing_price_per_mwh"] is None for i in result["intervals"])


@settings(max_examples=60, deadline=None)
@given(books(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_bid_order(data, rnd: random.Random):
    first = clear_book(data).to_json()
    shuffled = dict(data, bids=list(data["bids"]))
    rnd.shuffle(shuffled["bids"])
    assert json.dumps(clear_book(shuffled).to_json()) == json.dumps(first)


@settings(max_examples=100, deadline=None)
@given(books(divisible_only=True), st.integers(1, 60), st.data())
def test_adding_a_cheaper_bid_never_raises_total_cost(data, quantity_kwh, draw):
    # Divisible books whose demand is met; prices in 1,000 base units and whole kWh make
    # every payment exact, so the rounded total cost is compared as it is.
    if data["auction"]["pricing"] == "pay_as_clear":
        for b in data["bids"]:  # pay-as-clear is monotone when no minimum binds
            b["min_quantity_wh"] = 0
    before = clear_book(data).to_json()
    assume(before["accepted"] and all(i["unmet_wh"] == 0 for i in before["intervals"]))
    highest = max(line["price_per_mwh"] for line in before["accepted"])
    price = draw.draw(st.integers(0, highest // 1_000)) * 1_000
    slots = draw.draw(st.lists(st.sampled_from([i["start"] for i in before["intervals"]]), min_size=1, unique=True))
    cheaper = bid("new", intervals=[{"start": s, "quantity_wh": quantity_kwh * KWH} for s in sorted(slots)], price_per_mwh=price, min_quantity_wh=0)
    after = clear_book(dict(data, bids=[*data["bids"], cheaper])).to_json()
    assert after["optimal"] and before["optimal"]
    assert after["total_cost"] <= before["total_cost"]
    assert after["welfare"] >= before["welfare"]


DEFECTS = [
    ({"currency": "CHF"}, ("void", "currency_not_eur")),
    ({"price_per_mwh": None}, ("void", "missing_parameter")),
    ({"fsp": None}, ("void", "missing_parameter")),
    ({"price_per_mwh": -5}, ("void", "invalid_parameter")),
    ({"intervals": [{"start": T0, "quantity_wh": 200}]}, ("void", "quantity_below_minimum")),
    ({"intervals": [{"start": T0, "quantity_wh": 3_000_000}]}, ("void", "quantity_above_maximum")),
    ({"intervals": [{"start": T0, "quantity_wh": 1_500}]}, ("void", "quantity_off_granularity")),
    ({"location": "elsewhere"}, ("ineligible", "location_mismatch")),
    ({"direction": "down"}, ("ineligible", "direction_mismatch")),
    ({"prequalified": False}, ("ineligible", "not_prequalified")),
    ({"qualified_power_w": 1_000}, ("ineligible", "quantity_above_qualified")),
    ({"intervals": [{"start": T0 + 10 * Q, "quantity_wh": 1_000}]}, ("ineligible", "interval_outside_demand")),
    ({"price_per_mwh": CAP + 1}, ("ineligible", "price_above_cap")),
]


@settings(max_examples=80, deadline=None)
@given(books(), st.sampled_from(DEFECTS))
def test_a_defective_bid_is_rejected_with_its_reason_and_the_rest_still_clears(data, defect):
    overrides, expected = defect
    bad = bid("zz-bad", min_quantity_wh=0, **overrides)
    if "intervals" not in overrides:
        bad["intervals"] = [{"start": T0, "quantity_wh": 2_000}]
    result = clear_book(dict(data, bids=[*data["bids"], bad])).to_json()
    assert rejection(result, "zz-bad") == expected
    assert json.dumps({k: v for k, v in result.items() if k != "rejected"}) == json.dumps(
        {k: v for k, v in clear_book(data).to_json().items() if k != "rejected"}
    )

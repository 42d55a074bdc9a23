"""Verdicts worked by hand (up, down, exactly 80 %, just below, over-delivery, clipping,
missing and duplicate readings) and properties of the money split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace import settlement
from oracle import meterdata, verdict
from oracle.errors import ConflictingReadings
from oracle.verdict import Incomplete, Verdict, judge, ratio_pct, verify
from tests.oracle.support import Q, W, make_agreement, readings, window_readings


def test_up_verdict_by_hand():
    # Baseline 16:45: 5200 + 1850 = 7050 Wh. Actual: 4850, 4900, 7250, 3500.
    data = readings({
        "M1": window_readings("M1", 5200, [3000, 3100, 5400, 2600]),
        "M2": window_readings("M2", 1850, [1850, 1800, 1850, 900]),
    })
    result = verify(make_agreement(price_per_mwh=120_000_000), data)
    assert isinstance(result, Verdict)
    assert [(r.baseline_wh, r.actual_wh, r.delivered_wh) for r in result.intervals] == [
        (7050, 4850, 2200), (7050, 4900, 2150), (7050, 7250, 0), (7050, 3500, 3550)
    ]
    assert (result.delivered_wh, result.ordered_wh, result.ratio_pct, result.success) == (7900, 8000, "98.75", True)
    # amount = 120e6 x 8000 / 1e6 = 960,000; payment = 120e6 x 7900 / 1e6 = 948,000.
    assert (result.payment, result.penalty, result.refund, result.amount) == (948_000, 0, 12_000, 960_000)
    assert result.to_dict() == {
        "intervals": [
            {"start": W, "baseline_wh": 7050, "actual_wh": 4850, "delivered_wh": 2200},
            {"start": W + Q, "baseline_wh": 7050, "actual_wh": 4900, "delivered_wh": 2150},
            {"start": W + 2 * Q, "baseline_wh": 7050, "actual_wh": 7250, "delivered_wh": 0},
            {"start": W + 3 * Q, "baseline_wh": 7050, "actual_wh": 3500, "delivered_wh": 3550},
        ],
        "delivered_wh": 7900,
        "ordered_wh": 8000,
        "ratio_pct": "98.75",
        "success": True,
        "payment": 948_000,
        "penalty": 0,
        "refund": 12_000,
    }


def test_down_verdict_by_hand():
    # A battery charges harder: baseline 16:45 = -300 (discharging); actual 1500, 1700, -400.
    data = readings({"BAT": window_readings("BAT", -300, [1500, 1700, -400])})
    agreement = make_agreement(
        direction="down",
        meter_ids=["BAT"],
        price_per_mwh=80_000_000,
        intervals=[{"start": W + k * Q, "quantity_wh": 2000} for k in range(3)],
        guarantee=100_000,
    )
    result = verify(agreement, data)
    # delivered: 1500+300 = 1800, 1700+300 = 2000, -400+300 < 0 -> 0; 3800 of 6000 = 63.33 %.
    assert [r.delivered_wh for r in result.intervals] == [1800, 2000, 0]
    assert (result.delivered_wh, result.ratio_pct, result.success) == (3800, "63.33", False)
    # penalty = floor(10 x 80e6 x 2200 / 1e8) = 17,600; refund = whole amount 480,000.
    assert (result.payment, result.penalty, result.refund) == (0, 17_600, 480_000)


def _single(direction, baseline, actual, quantity=10_000, **terms):
    agreement = make_agreement(
        direction=direction, intervals=[{"start": W, "quantity_wh": quantity}], meter_ids=["M"], **terms
    )
    return verify(agreement, readings({"M": {W - Q: baseline, W: actual}}))


def test_exactly_80_percent_is_a_success_paid_for_the_delivered_energy():
    result = _single("up", 12_000, 4_000)  # delivered 8,000 of 10,000
    assert (result.ratio_pct, result.success) == ("80.00", True)
    assert (result.payment, result.penalty, result.refund) == (800_000, 0, 200_000)


def test_just_below_80_percent_fails_pays_nothing_and_is_penalised():
    result = _single("up", 12_000, 4_001)  # delivered 7,999
    assert (result.ratio_pct, result.success) == ("79.99", False)
    # penalty = floor(10 x 100e6 x 2001 / 1e8) = 20,010
    assert (result.payment, result.penalty, result.refund) == (0, 20_010, 1_000_000)


def test_penalty_is_capped_at_the_guarantee():
    result = _single("down", 5_000, 5_000, guarantee=12_345)  # nothing delivered
    assert (result.delivered_wh, result.ratio_pct) == (0, "0.00")
    assert (result.payment, result.penalty, result.refund) == (0, 12_345, 1_000_000)


def test_over_delivery_is_reported_but_paid_only_up_to_the_ordered_energy():
    result = _single("down", 0, 25_000)
    assert (result.delivered_wh, result.ratio_pct, result.success) == (25_000, "250.00", True)
    assert (result.payment, result.refund) == (1_000_000, 0)


def test_an_interval_in_the_wrong_direction_delivers_zero_not_negative():
    agreement = make_agreement(meter_ids=["M"], intervals=[{"start": W + k * Q, "quantity_wh": 1000} for k in range(2)])
    result = verify(agreement, readings({"M": window_readings("M", 1000, [0, 5000])}))
    assert [r.delivered_wh for r in result.intervals] == [1000, 0]
    assert result.delivered_wh == 1000 and result.ratio_pct == "50.00"


def test_a_custom_threshold_and_penalty_from_the_agreement_apply():
    result = _single("up", 10_000, 5_000, success_threshold_pct=50, penalty_pct=0)
    assert result.success and result.payment == 500_000
    result = _single("up", 10_000, 5_001, success_threshold_pct=50, penalty_pct=0)
    assert not result.success and result.penalty == 0


def test_missing_window_and_baseline_readings_give_no_verdict_but_every_pair():
    data = readings({"M1": {W: 1, W + Q: 1, W + 2 * Q: 1, W + 3 * Q: 1}, "M2": {W - Q: 5, W + 2 * Q: 3}})
    result = verify(make_agreement(), data)
    assert result == Incomplete(
        "0x" + "ab" * 32,
        (("M1", W - Q), ("M2", W), ("M2", W + Q), ("M2", W + 3 * Q)),
    )
    assert result.to_dict() == {
        "incomplete": True,
        "reason": "4 needed meter readings are missing",
        "missing": [
            {"meter_id": "M1", "start": W - Q},
            {"meter_id": "M2", "start": W},
            {"meter_id": "M2", "start": W + Q},
            {"meter_id": "M2", "start": W + 3 * Q},
        ],
    }


def test_declared_baseline_needs_no_reading_before_the_window():
    agreement = make_agreement(meter_ids=["M"], baseline={"method": "declared", "values_wh": [3000] * 4})
    result = verify(agreement, readings({"M": {W + k * Q: 1000 for k in range(4)}}))
    assert result.delivered_wh == 8000 and result.success


def test_x_of_y_verdict_by_hand():
    day = 86_400
    # Candidates k = 1, 2, 5 (Tue, Mon, Fri): 900, 1000, 700 Wh; high 2 of 3 -> (1000 + 900) / 2 = 950.
    series = {W - day: 900, W - 2 * day: 1000, W - 5 * day: 700, W: 150}
    agreement = make_agreement(
        meter_ids=["HP"], intervals=[{"start": W, "quantity_wh": 1000}], baseline={"method": "x_of_y", "x": 2, "y": 3}
    )
    result = verify(agreement, readings({"HP": series}))
    assert (result.intervals[0].baseline_wh, result.delivered_wh, result.ratio_pct) == (950, 800, "80.00")
    assert result.success


def test_identical_duplicate_rows_do_not_change_the_verdict_but_conflicting_ones_are_refused():
    header = "meter_id,interval_start,energy_wh\n"
    rows = "M,2025-01-15T16:45:00Z,12000\nM,2025-01-15T17:00:00Z,4000\n"
    agreement = make_agreement(meter_ids=["M"], intervals=[{"start": W, "quantity_wh": 10_000}])
    once = verify(agreement, meterdata.parse_text(header + rows))
    twice = verify(agreement, meterdata.parse_text(header + rows + rows))
    assert once == twice and once.delivered_wh == 8000
    with pytest.raises(ConflictingReadings):
        meterdata.parse_text(header + rows + "M,2025-01-15T17:00:00Z,3999\n")


@pytest.mark.parametrize(
    "delivered, ordered, expected",
    [(0, 1, "0.00"), (7999, 10_000, "79.99"), (8000, 10_000, "80.00"), (2, 3, "66.66"), (1, 3, "33.33"),
     (1, 10**9, "0.00"), (10**9 - 1, 10**9, "99.99"), (5, 4, "125.00"), (1, 7, "14.28")],
)
def test_ratio_is_an_exact_two_decimal_string_rounded_down(delivered, ordered, expected):
    assert ratio_pct(delivered, ordered) == expected


def test_judge_refuses_series_of_the_wrong_length():
    with pytest.raises(ValueError):
        judge(make_agreement(), [1, 2, 3], [1, 2, 3, 4])


# ------------------------------------------------------------------------------ properties
energies = st.integers(min_value=-(10**7), max_value=10**7)


@st.composite
def cases(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    quantities = draw(st.lists(st.integers(min_value=0, max_value=10**6), min_size=n, max_size=n))
    if sum(quantities) == 0:
        quantities[0] = 1
    agreement = make_agreement(
        direction=draw(st.sampled_from(["up", "down"])),
        price_per_mwh=draw(st.integers(min_value=0, max_value=10**12)),
        intervals=[{"start": W + k * Q, "quantity_wh": q} for k, q in enumerate(quantities)],
        success_threshold_pct=draw(st.integers(min_value=0, max_value=100)),
        penalty_pct=draw(st.integers(min_value=0, max_value=100)),
        guarantee=draw(st.integers(min_value=0, max_value=10**12)),
    )
    baseline = draw(st.lists(energies, min_size=n, max_size=n))
    actual = draw(st.lists(energies, min_size=n, max_size=n))
    return agreement, baseline, actual


@settings(max_examples=300, deadline=None)
@given(cases())
def test_money_properties_hold_for_any_readings(case):
    agreement, baseline, actual = case
    result = judge(agreement, baseline, actual)
    amount = settlement.payment(agreement.price_per_mwh, agreement.ordered_wh)
    assert all(row.delivered_wh >= 0 for row in result.intervals)
    assert result.delivered_wh == sum(row.delivered_wh for row in result.intervals)
    assert result.amount == amount
    assert 0 <= result.payment <= amount
    assert result.payment + result.refund == amount
    assert 0 <= result.penalty <= agreement.guarantee
    assert (result.payment == 0 or result.success) and (result.penalty == 0 or not result.success)
    assert result.success == (result.delivered_wh * 100 >= result.ordered_wh * agreement.success_threshold_pct)
    # The rounded ratio agrees with the exact success test.
    hundredths = int(result.ratio_pct.replace(".", ""))
    assert result.success == (hundredths >= agreement.success_threshold_pct * 100)
    # The split is the one marketplace.settlement computes for the attested energy.
    split = settlement.settle(
        agreement.price_per_mwh, agreement.ordered_wh, result.delivered_wh,
        agreement.success_threshold_pct, agreement.penalty_pct, agreement.guarantee,
    )
    assert (result.success, result.payment, result.penalty, result.refund) == (
        split.success, split.payment, split.penalty, split.refund
    )


@settings(max_examples=200, deadline=None)
@given(energies, energies, st.sampled_from(["up", "down"]))
def test_delivered_is_the_clipped_change_in_the_ordered_direction(baseline, actual, direction):
    delivered = verdict.delivered_in_interval(direction, baseline, actual)
    change = baseline - actual if direction == "up" else actual - baseline
    assert delivered == max(0, change) >= 0

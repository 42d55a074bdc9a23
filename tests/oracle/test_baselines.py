"""Baselines worked by hand: pre-window, X-of-Y (days, selection, floor), declared."""

from __future__ import annotations

from datetime import date

import pytest

from oracle import baselines
from oracle.errors import IncompleteReadings
from tests.oracle.support import DAY, Q, W, make_agreement, readings

D = 86_400
STARTS = [W, W + Q]


def test_pre_window_repeats_the_interval_before_the_window_summed_over_meters():
    data = readings({"M1": {W - Q: 5200, W - 2 * Q: 1}, "M2": {W - Q: -150}})
    assert baselines.pre_window(data, ["M1", "M2"], [W, W + Q, W + 2 * Q]) == [5050, 5050, 5050]


def test_pre_window_names_the_missing_meter_and_interval():
    data = readings({"M1": {W - Q: 5200}, "M2": {W: 3}})
    with pytest.raises(IncompleteReadings) as caught:
        baselines.pre_window(data, ["M1", "M2", "M3"], STARTS)
    assert caught.value.missing == [("M2", W - Q), ("M3", W - Q)]
    assert caught.value.code == "incomplete_readings"


def test_x_of_y_candidate_days_skip_weekends_and_excluded_dates():
    # The delivery day 2025-01-15 is a Wednesday: k=1 Tue 14, k=2 Mon 13, k=3 Sun, k=4 Sat,
    # k=5 Fri 10, k=6 Thu 9, k=7 Wed 8.
    assert baselines.x_of_y_days(W, 4) == [1, 2, 5, 6]
    assert baselines.x_of_y_days(W, 4, excluded_dates=[date(2025, 1, 13)]) == [1, 5, 6, 7]
    assert baselines.x_of_y_days(W, 4, working_days_only=False) == [1, 2, 3, 4]
    assert baselines.x_of_y_days(W, 4, working_days_only=False, excluded_dates={date(2025, 1, 12)}) == [1, 2, 4, 5]


def test_x_of_y_candidate_day_is_the_date_of_the_shifted_window_start():
    # A window starting at 23:45 UTC on Monday 2025-01-13: k=1 is Sunday 23:45 -> skipped,
    # k=2 Saturday skipped, k=3 Friday 10 January.
    monday_late = DAY - 2 * D + 23 * 3600 + 2700
    assert baselines.x_of_y_days(monday_late, 2) == [3, 4]


def _history(days=range(1, 11)):
    """M1 reads 100k (+1 in the second interval), M2 10 (-3) on the day k days back."""
    m1, m2 = {}, {}
    for k in days:
        m1[W - k * D], m1[W + Q - k * D] = 100 * k, 100 * k + 1
        m2[W - k * D], m2[W + Q - k * D] = 10, -3
    return readings({"M1": m1, "M2": m2})


@pytest.mark.parametrize(
    "x, y, select, expected",
    [
        # candidates k = 1, 2, 5, 6; day totals per interval: 100k + 10 and 100k - 2.
        (2, 4, "high", [(610 + 510) // 2, (598 + 498) // 2]),  # days 6 and 5
        (2, 4, "low", [(110 + 210) // 2, (98 + 198) // 2]),  # days 1 and 2
        (2, 4, "recent", [160, 148]),  # days 1 and 2
        (3, 4, "high", [1330 // 3, 1294 // 3]),  # days 6, 5, 2: 443.3 -> 443, 431.3 -> 431
        (4, 4, "recent", [(110 + 210 + 510 + 610) // 4, (98 + 198 + 498 + 598) // 4]),
        (5, 10, "high", [(1410 + 1310 + 1210 + 910 + 810) // 5, (1398 + 1298 + 1198 + 898 + 798) // 5]),
    ],
)
def test_x_of_y_selects_and_averages_days_by_hand(x, y, select, expected):
    # For y=10: candidates k = 1,2,5,6,7,8,9,12,13,14 (weekends k = 3,4,10,11 skipped).
    data = _history(range(1, 15))
    assert baselines.x_of_y(data, ["M1", "M2"], STARTS, x=x, y=y, select=select) == expected


def test_x_of_y_average_rounds_down_toward_minus_infinity():
    data = readings({"PV": {W - D: -7, W - 2 * D: -8}})
    assert baselines.x_of_y(data, ["PV"], [W], x=2, y=2, select="recent") == [-8]  # -7.5 -> -8
    data = readings({"PV": {W - D: 7, W - 2 * D: 8}})
    assert baselines.x_of_y(data, ["PV"], [W], x=2, y=2, select="recent") == [7]  # 7.5 -> 7


def test_x_of_y_ties_go_to_the_more_recent_day():
    data = readings({"M": {W - D: 50, W - 2 * D: 50, W - 5 * D: 10}})
    assert baselines.x_of_y(data, ["M"], [W], x=1, y=3, select="high") == [50]
    data = readings({"M": {W - D: 5, W - 2 * D: 7, W - 5 * D: 5}})
    assert baselines.x_of_y(data, ["M"], [W], x=1, y=3, select="low") == [5]


def test_x_of_y_selection_ranks_days_by_their_whole_window():
    # Day 1 is higher in the first interval, day 2 over the whole window: "high" takes day 2.
    data = readings({"M": {W - D: 100, W + Q - D: 0, W - 2 * D: 60, W + Q - 2 * D: 60}})
    assert baselines.x_of_y(data, ["M"], STARTS, x=1, y=2, select="high") == [60, 60]


def test_x_of_y_missing_reading_on_a_candidate_day_is_incomplete():
    data = _history(range(1, 11))
    del data["M2"][W + Q - 5 * D]
    with pytest.raises(IncompleteReadings) as caught:
        baselines.x_of_y(data, ["M1", "M2"], STARTS, x=2, y=4, select="high")
    assert caught.value.missing == [("M2", W + Q - 5 * D)]


def test_x_of_y_needs_no_reading_of_a_non_candidate_day():
    data = _history([1, 2, 5, 6])  # weekends (k = 3, 4) have no data and are not needed
    assert baselines.x_of_y(data, ["M1", "M2"], STARTS, x=1, y=4, select="recent") == [110, 98]


def test_x_of_y_defaults_to_high_for_up_and_low_for_down():
    data = _history(range(1, 8))
    spec = {"method": "x_of_y", "x": 2, "y": 4}
    up = make_agreement(intervals=[{"start": s, "quantity_wh": 1} for s in STARTS], baseline=spec)
    down = make_agreement(
        intervals=[{"start": s, "quantity_wh": 1} for s in STARTS], baseline=spec, direction="down"
    )
    assert baselines.agreement_baseline(up, data) == [560, 548]
    assert baselines.agreement_baseline(down, data) == [160, 148]


def test_x_of_y_honours_the_agreement_parameters():
    data = _history(range(1, 8))
    spec = {"method": "x_of_y", "x": 1, "y": 2, "select": "low", "excluded_dates": ["2025-01-14"]}
    agreement = make_agreement(intervals=[{"start": s, "quantity_wh": 1} for s in STARTS], baseline=spec)
    assert baselines.agreement_baseline(agreement, data) == [210, 198]  # days 2 and 5; low = day 2


def test_declared_baseline_as_one_list_or_per_meter():
    assert baselines.declared([7000, 6900], ["M1", "M2"], STARTS) == [7000, 6900]
    per_meter = {"M1": [5000, 5100], "M2": [1800, -200]}
    assert baselines.declared(per_meter, ["M1", "M2"], STARTS) == [6800, 4900]
    agreement = make_agreement(
        intervals=[{"start": s, "quantity_wh": 1} for s in STARTS],
        baseline={"method": "declared", "values_wh": per_meter},
    )
    assert baselines.agreement_baseline(agreement, readings({})) == [6800, 4900]


def test_actual_sums_meters_and_names_all_missing_readings():
    data = readings({"M1": {W: 10, W + Q: 11}, "M2": {W: -4}})
    assert baselines.actual(data, ["M1", "M2"], [W]) == [6]
    with pytest.raises(IncompleteReadings) as caught:
        baselines.actual(data, ["M1", "M2"], STARTS)
    assert caught.value.missing == [("M2", W + Q)]

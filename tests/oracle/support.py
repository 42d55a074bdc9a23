"""Builders shared by the oracle tests: agreements and readings written out by hand."""

from __future__ import annotations

from typing import Any

from oracle.agreement import Agreement, agreement_from_dict
from oracle.meterdata import MeterReadings

#: 2025-01-15 00:00 UTC, a Wednesday.
DAY = 1_736_899_200
#: 2025-01-15 17:00 UTC: the delivery window of most examples starts here.
W = DAY + 17 * 3600
#: One 15-min interval, s.
Q = 900
AGREEMENT_ID = "0x" + "ab" * 32


def agreement_dict(**overrides: Any) -> dict[str, Any]:
    """Agreement terms: up, 4 x 2000 Wh from 17:00 UTC on two meters, pre-window baseline,
    100 EUR/MWh, 80 % / 10 %, guarantee 0.5 EUR; ``overrides`` replace fields."""
    data: dict[str, Any] = {
        "id": AGREEMENT_ID,
        "direction": "up",
        "price_per_mwh": 100_000_000,
        "meter_ids": ["M1", "M2"],
        "intervals": [{"start": W + k * Q, "quantity_wh": 2000} for k in range(4)],
        "baseline": {"method": "pre_window"},
        "success_threshold_pct": 80,
        "penalty_pct": 10,
        "guarantee": 500_000,
    }
    data.update(overrides)
    return data


def make_agreement(**overrides: Any) -> Agreement:
    return agreement_from_dict(agreement_dict(**overrides))


def readings(values: dict[str, dict[int, int]]) -> MeterReadings:
    """Readings from ``{meter_id: {interval_start: energy_wh}}``."""
    return MeterReadings({meter: dict(series) for meter, series in values.items()})


def window_readings(meter: str, before: int, window: list[int], start: int = W) -> dict[int, int]:
    """One meter's readings: ``before`` in the interval before ``start``, then ``window``."""
    series = {start - Q: before}
    series.update({start + k * Q: value for k, value in enumerate(window)})
    return series

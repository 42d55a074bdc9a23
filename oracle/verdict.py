"""Delivery verdicts: baseline, actual and delivered energy per interval, and the money split.

For each 15-min interval of an agreement's delivery window (energies in Wh, summed over the
agreement's meters, consumption positive):

- ``baseline_wh`` from the agreement's baseline method (:mod:`oracle.baselines`);
- ``actual_wh``, the metered energy;
- ``delivered_wh`` = ``baseline - actual`` for ``up`` and ``actual - baseline`` for ``down``,
  clipped at 0 (an interval that went the wrong way delivers nothing, and takes nothing away
  from the other intervals).

The agreement's ``delivered_wh`` is the sum over its intervals (uncapped: over-delivery is
reported as metered and is what the oracle attests; the settlement pays at most the ordered
energy). ``ratio_pct`` = delivered / ordered x 100 as a decimal string with two decimals,
rounded down (floor). ``success`` when delivered x 100 >= ordered x threshold — exactly, never
from the rounded ratio (the two agree: 80.00 is representable, so floor(r) >= 80.00 iff r >=
80). Payment, penalty and refund come from :func:`marketplace.settlement.settle`, the one home
of that arithmetic, the same numbers the contract computes from the attested delivered energy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marketplace import settlement
from oracle import baselines
from oracle.agreement import Agreement
from oracle.errors import IncompleteReadings
from oracle.meterdata import MeterReadings


@dataclass(frozen=True)
class IntervalResult:
    """One interval of a verdict: ``start`` Unix s; energies in Wh."""

    start: int
    quantity_wh: int
    baseline_wh: int
    actual_wh: int
    delivered_wh: int

    def to_dict(self) -> dict[str, int]:
        """The interval as ``flexmarket oracle verify`` reports it."""
        return {
            "start": self.start,
            "baseline_wh": self.baseline_wh,
            "actual_wh": self.actual_wh,
            "delivered_wh": self.delivered_wh,
        }


@dataclass(frozen=True)
class Verdict:
    """The oracle's verdict on one agreement.

    Energies in Wh; ``payment`` (to the FSP), ``penalty`` (from the FSP's guarantee to the
    DSO), ``refund`` (of the agreement's amount to the DSO) and ``amount`` (the agreement's
    escrowed value, = payment + refund) in token base units.
    """

    agreement_id: str
    direction: str
    intervals: tuple[IntervalResult, ...]
    delivered_wh: int
    ordered_wh: int
    ratio_pct: str
    success: bool
    payment: int
    penalty: int
    refund: int
    amount: int

    def to_dict(self) -> dict[str, Any]:
        """The verdict as ``flexmarket oracle verify --json`` writes it (documented fields)."""
        return {
            "intervals": [interval.to_dict() for interval in self.intervals],
            "delivered_wh": self.delivered_wh,
            "ordered_wh": self.ordered_wh,
            "ratio_pct": self.ratio_pct,
            "success": self.success,
            "payment": self.payment,
            "penalty": self.penalty,
            "refund": self.refund,
        }


@dataclass(frozen=True)
class Incomplete:
    """No verdict yet: readings needed for the baseline or the window are missing.

    ``missing`` holds ``(meter_id, interval_start)`` pairs, interval starts in Unix s, sorted.
    The agreement stays pending; the oracle tries again when data arrives, until its
    attestation deadline.
    """

    agreement_id: str
    missing: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "incomplete": True,
            "reason": missing_reason(len(self.missing)),
            "missing": [{"meter_id": meter_id, "start": start} for meter_id, start in self.missing],
        }


def missing_reason(count: int) -> str:
    """"1 needed meter reading is missing" / "N needed meter readings are missing"."""
    return f"{count} needed meter reading is missing" if count == 1 else f"{count} needed meter readings are missing"


def delivered_in_interval(direction: str, baseline_wh: int, actual_wh: int) -> int:
    """Energy delivered in one interval, Wh: the change against the baseline in the ordered
    direction (up: baseline - actual; down: actual - baseline), clipped at 0."""
    if direction == "up":
        return max(0, baseline_wh - actual_wh)
    if direction == "down":
        return max(0, actual_wh - baseline_wh)
    raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")


def ratio_pct(delivered_wh: int, ordered_wh: int) -> str:
    """delivered / ordered in percent as an exact decimal string with two decimals, rounded
    down: ``ratio_pct(7999, 10000) == "79.99"``, ``ratio_pct(2, 3) == "66.66"``."""
    if ordered_wh <= 0 or delivered_wh < 0:
        raise ValueError("ordered energy must be positive and delivered energy not negative")
    hundredths = delivered_wh * 10_000 // ordered_wh
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def judge(agreement: Agreement, baseline_wh: Sequence[int], actual_wh: Sequence[int]) -> Verdict:
    """The verdict of ``agreement`` from its baseline and metered energy per interval (Wh)."""
    if not len(baseline_wh) == len(actual_wh) == len(agreement.intervals):
        raise ValueError("baseline and actual energy need one value per interval of the agreement")
    rows = tuple(
        IntervalResult(
            start=interval.start,
            quantity_wh=interval.quantity_wh,
            baseline_wh=base,
            actual_wh=metered,
            delivered_wh=delivered_in_interval(agreement.direction, base, metered),
        )
        for interval, base, metered in zip(agreement.intervals, baseline_wh, actual_wh)
    )
    delivered = sum(row.delivered_wh for row in rows)
    ordered = agreement.ordered_wh
    split = settlement.settle(
        agreement.price_per_mwh,
        ordered,
        delivered,
        agreement.success_threshold_pct,
        agreement.penalty_pct,
        agreement.guarantee,
    )
    return Verdict(
        agreement_id=agreement.id,
        direction=agreement.direction,
        intervals=rows,
        delivered_wh=delivered,
        ordered_wh=ordered,
        ratio_pct=ratio_pct(delivered, ordered),
        success=split.success,
        payment=split.payment,
        penalty=split.penalty,
        refund=split.refund,
        amount=split.amount,
    )


def verify(agreement: Agreement, readings: MeterReadings) -> Verdict | Incomplete:
    """The verdict of ``agreement`` on ``readings``, or :class:`Incomplete` naming every
    missing (meter, interval) pair the window and the baseline need."""
    missing: list[tuple[str, int]] = []
    try:
        actual_wh = baselines.actual(readings, agreement.meter_ids, agreement.starts)
    except IncompleteReadings as exc:
        missing += exc.missing
    try:
        baseline_wh = baselines.agreement_baseline(agreement, readings)
    except IncompleteReadings as exc:
        missing += exc.missing
    if missing:
        return Incomplete(agreement.id, tuple(sorted(set(missing))))
    return judge(agreement, baseline_wh, actual_wh)

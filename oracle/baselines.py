"""Baselines: the energy an agreement's meters would have drawn without the activation.

Each method returns one baseline per interval of the delivery window, in Wh, for the
agreement as a whole (the sum over its meters; consumption positive, injection negative).
A method that needs a reading that is not there raises :class:`IncompleteReadings` naming
every missing (meter, interval) pair it needed — never a guess.

- :func:`pre_window` — the seed's method (D4.2, 3.3.3.3): the metered energy of the 15-min
  interval just before the window, for every interval of the window.
- :func:`x_of_y` — the average of ``x`` same-interval days chosen among the last ``y``
  eligible days.
- :func:`declared` — the FSP's declared values.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Literal

from oracle.agreement import Agreement, DeclaredBaseline, PreWindowBaseline, XOfYBaseline
from oracle.errors import IncompleteReadings
from oracle.meterdata import INTERVAL_S, MeterReadings

#: Seconds in a day: X-of-Y candidate days are the window shifted back by whole days.
DAY_S = 86_400


class _Totals:
    """Sums readings over a set of meters, remembering every missing (meter, interval)."""

    def __init__(self, readings: MeterReadings, meter_ids: Sequence[str]) -> None:
        self.series = [(meter_id, readings.get(meter_id, {})) for meter_id in meter_ids]
        self.missing: list[tuple[str, int]] = []

    def total_wh(self, start: int) -> int:
        """Energy of all meters in the interval starting at ``start``; a missing reading counts 0
        here and is recorded (the caller raises before using the sum)."""
        total = 0
        for meter_id, series in self.series:
            value = series.get(start)
            if value is None:
                self.missing.append((meter_id, start))
            else:
                total += value
        return total

    def raise_if_missing(self) -> None:
        if self.missing:
            raise IncompleteReadings(self.missing)


def actual(readings: MeterReadings, meter_ids: Sequence[str], starts: Sequence[int]) -> list[int]:
    """Metered energy per interval at ``starts`` (Unix s), summed over ``meter_ids``, Wh."""
    totals = _Totals(readings, meter_ids)
    values = [totals.total_wh(start) for start in starts]
    totals.raise_if_missing()
    return values


def pre_window(readings: MeterReadings, meter_ids: Sequence[str], starts: Sequence[int]) -> list[int]:
    """The seed's baseline: every interval's baseline is the energy metered in the 15-min
    interval just before the window (``starts[0] - 900``), summed over ``meter_ids``, Wh.

    D4.2 3.3.3.3: "the average 15-minute measurement prior to the activation will be compared
    to the activation timeslot". With 15-min readings the average power of that interval is
    its energy, so the same value applies to every interval of the window.
    """
    totals = _Totals(readings, meter_ids)
    value = totals.total_wh(starts[0] - INTERVAL_S)
    totals.raise_if_missing()
    return [value] * len(starts)


def x_of_y_days(
    window_start: int, y: int, *, working_days_only: bool = True, excluded_dates: Collection[date] = ()
) -> list[int]:
    """The ``y`` candidate days of an X-of-Y baseline, as day offsets ``k`` (most recent first).

    Candidate day ``k`` (k = 1, 2, ...) is the delivery window shifted back by ``k`` x 86,400 s;
    its date is the UTC date of the shifted window start. A day is eligible unless
    ``working_days_only`` and its date is a Saturday or Sunday, or its date is in
    ``excluded_dates`` (holidays, earlier activation days). The first ``y`` eligible days are
    the candidates. The delivery day itself (k = 0) is never one.
    """
    excluded = set(excluded_dates)
    days: list[int] = []
    k = 0
    while len(days) < y:
        k += 1
        day = datetime.fromtimestamp(window_start - k * DAY_S, UTC).date()
        if (working_days_only and day.weekday() >= 5) or day in excluded:
            continue
        days.append(k)
    return days


def x_of_y(
    readings: MeterReadings,
    meter_ids: Sequence[str],
    starts: Sequence[int],
    *,
    x: int,
    y: int,
    select: Literal["high", "low", "recent"],
    working_days_only: bool = True,
    excluded_dates: Collection[date] = (),
) -> list[int]:
    """X-of-Y same-interval days, summed over ``meter_ids``, Wh per interval.

    1. The ``y`` candidate days come from :func:`x_of_y_days`.
    2. Each candidate day's energy per interval is the sum over the meters of the reading at
       the same UTC time of day (``start - k x 86,400``); every one of these readings must be
       present, or the result is incomplete (no day is skipped silently).
    3. ``x`` days are selected by the day's energy over the whole window: ``high`` takes the
       x days with the most energy, ``low`` the least, ``recent`` the x most recent; ties go
       to the more recent day.
    4. Each interval's baseline is the sum of the selected days' energies in that interval
       divided by ``x``, rounded down (floor, toward minus infinity: ``//``).
    """
    if not 1 <= x <= y:
        raise ValueError(f"x-of-y needs 1 <= x <= y, got x={x}, y={y}")
    days = x_of_y_days(starts[0], y, working_days_only=working_days_only, excluded_dates=excluded_dates)
    totals = _Totals(readings, meter_ids)
    per_day = {k: [totals.total_wh(start - k * DAY_S) for start in starts] for k in days}
    totals.raise_if_missing()
    if select == "high":
        chosen = sorted(days, key=lambda k: (-sum(per_day[k]), k))[:x]
    elif select == "low":
        chosen = sorted(days, key=lambda k: (sum(per_day[k]), k))[:x]
    elif select == "recent":
        chosen = days[:x]
    else:
        raise ValueError(f"unknown x-of-y selection {select!r}")
    return [sum(per_day[k][i] for k in chosen) // x for i in range(len(starts))]


def declared(
    values_wh: Sequence[int] | Mapping[str, Sequence[int]], meter_ids: Sequence[str], starts: Sequence[int]
) -> list[int]:
    """The FSP-declared baseline, Wh per interval: one list for the agreement, or one list per
    meter summed over ``meter_ids``. Needs no reading."""
    if isinstance(values_wh, Mapping):
        lists = [values_wh[meter_id] for meter_id in meter_ids]
    else:
        lists = [values_wh]
    if any(len(values) != len(starts) for values in lists):
        raise ValueError(f"a declared baseline needs one value per interval ({len(starts)})")
    return [sum(values[i] for values in lists) for i in range(len(starts))]


def default_selection(direction: str) -> Literal["high", "low"]:
    """X-of-Y selection when the agreement names none: ``high`` for up, ``low`` for down.

    Up (less consumption) is measured as baseline minus actual: the high days are the usual
    choice of "high X of Y" methods, and leave out days when the site happened to be idle.
    Down mirrors it.
    """
    return "high" if direction == "up" else "low"


def agreement_baseline(agreement: Agreement, readings: MeterReadings) -> list[int]:
    """The baseline of ``agreement`` per interval of its window, Wh, by its stored method."""
    spec = agreement.baseline
    meter_ids, starts = agreement.meter_ids, agreement.starts
    if isinstance(spec, PreWindowBaseline):
        return pre_window(readings, meter_ids, starts)
    if isinstance(spec, XOfYBaseline):
        return x_of_y(
            readings,
            meter_ids,
            starts,
            x=spec.x,
            y=spec.y,
            select=spec.select or default_selection(agreement.direction),
            working_days_only=spec.working_days_only,
            excluded_dates=spec.excluded_dates,
        )
    if isinstance(spec, DeclaredBaseline):
        return declared(spec.values_wh, meter_ids, starts)
    raise TypeError(f"unknown baseline {spec!r}")

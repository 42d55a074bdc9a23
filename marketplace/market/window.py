"""A request's service window as quarter-hours (pure; seed fig. 10, table 6).

The DSO gives dates (first and last day, ``YYYY-MM-DD``), the days of service (ISO weekdays,
``"12345"`` = Monday to Friday), a daily period (start and end as seconds of the day, local
time in ``timezone``; the end is exclusive, and an end of 86400 means midnight), and whether
bank holidays (a list of dates) are served. Every quarter-hour of the period on each served
day is one interval, in Unix s UTC. Daylight-saving days are handled by the time zone: a
period that starts in a skipped hour starts at the next existing local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marketplace.clearing.model import INTERVAL_S

DAY_S = 86_400


class WindowError(ValueError):
    """The window cannot be expanded (bad dates, zone or period)."""


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise WindowError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(f"unknown time zone {name!r}") from None


def starts(*, start_date: str, end_date: str, days: str, start_period_s: int, end_period_s: int,
           timezone: str, bank_holidays: list[str], bank_holidays_included: bool,
           max_intervals: int = 100_000) -> list[int]:
    """The quarter-hour starts (Unix s UTC, ascending) of the service window."""
    first, last = parse_date(start_date), parse_date(end_date)
    if last < first:
        raise WindowError("the service window ends before it starts")
    if not days or any(ch not in "1234567" for ch in days) or len(set(days)) != len(days):
        raise WindowError("days of service are ISO weekday digits 1 (Monday) to 7 (Sunday), each at most once")
    if not 0 <= start_period_s < end_period_s <= DAY_S:
        raise WindowError("the daily period must start before it ends, within one day")
    if start_period_s % INTERVAL_S or end_period_s % INTERVAL_S:
        raise WindowError("the daily period starts and ends on quarter-hours")
    holidays = {parse_date(d) for d in bank_holidays}
    tz = zone(timezone)
    served = {int(d) for d in days}
    out: list[int] = []
    day = first
    while day <= last:
        if day.isoweekday() in served and (bank_holidays_included or day not in holidays):
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            for offset in range(start_period_s, end_period_s, INTERVAL_S):
                local = midnight + timedelta(seconds=offset)
                instant = int(local.astimezone(UTC).timestamp())
                if instant % INTERVAL_S == 0 and (not out or instant > out[-1]):
                    out.append(instant)
            if len(out) > max_intervals:
                raise WindowError(f"the service window has more than {max_intervals} quarter-hours")
        day += timedelta(days=1)
    if not out:
        raise WindowError("the service window holds no quarter-hour (no served day in the dates)")
    return out

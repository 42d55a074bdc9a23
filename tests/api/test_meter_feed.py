"""The simulated meter feed of the dev market: every registered asset's meter, once per interval."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace import db
from marketplace.models.meter import MeterReading
from oracle.feed import SimulatedMeterFeed
from tests.api import payloads

DAY = 86_400


def test_feed_writes_each_completed_interval_once_and_deterministically(connection, settings, world):
    database = db.Database(settings.effective_database_url, connection=connection)
    feed = SimulatedMeterFeed(database, seed=7)
    now = payloads.T0 // DAY * DAY + 10 * 3600 + 5  # 10:00:05 UTC
    stored = feed.run_once(now)
    # From yesterday's midnight up to 09:45 (the last completed quarter-hour): 24 h + 10 h.
    assert stored == (96 + 40) * 1  # the world's assets share one meter
    assert feed.run_once(now) == 0  # nothing new
    assert feed.run_once(now + 1800) == 2  # two more quarter-hours completed
    with database.new_session(writes=False) as s:
        values = dict(s.execute(select(MeterReading.interval_start, MeterReading.energy_wh)
                                .where(MeterReading.meter_id == payloads.METER)).all())
        assert s.scalar(select(func.count()).select_from(MeterReading)) == 138
    again = SimulatedMeterFeed(db.Database(settings.effective_database_url, connection=connection), seed=7)
    from oracle.simulator import simulate_meters

    day = now // DAY * DAY
    expected = simulate_meters({payloads.METER: "battery"}, seed=7, start=day, days=1)
    assert [values[t] for t in expected.starts[:40]] == expected.series[payloads.METER][:40]
    assert again.run_once(now + 1800) == 0

"""Meter data into the database and back: conflicts, duplicates, the CLI, both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace import db
from marketplace.models.meter import MeterDataBatch, MeterDataSource, MeterReading
from oracle import intake, meterdata
from oracle.errors import ConflictingReadings

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
FLEXMARKET = str(Path(sys.executable).with_name("flexmarket"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'meter.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(f"flexmarket_meter_{tmp_path.name[-12:]}")
    db.upgrade(url)
    database = db.Database(url)
    yield database
    database.dispose()


def _readings(series):
    return meterdata.MeterReadings({m: dict(v) for m, v in series.items()})


def _store(database, series, **kw):
    with database.transaction() as s:
        return intake.store(s, _readings(series), source=MeterDataSource.CLI, sha256="0" * 64, **kw)


def test_store_then_load_round_trips_and_counts_duplicates(database):
    first = _store(database, {"A": {T0: 5, T0 + 900: -7}, "B": {T0: 0}})
    assert (first.stored, first.duplicates, first.meters, first.first_interval, first.last_interval) == (
        3, 0, 2, T0, T0 + 900)
    second = _store(database, {"A": {T0 + 900: -7, T0 + 1800: 9}})
    assert (second.stored, second.duplicates) == (1, 1)
    with database.new_session(writes=False) as s:
        loaded = intake.load(s, ["A", "B", "C"], T0, T0 + 1800)
        assert dict(loaded) == {"A": {T0: 5, T0 + 900: -7, T0 + 1800: 9}, "B": {T0: 0}}
        assert intake.load(s, ["A"], T0 + 900, T0 + 900)["A"] == {T0 + 900: -7}
        assert s.scalar(select(func.count()).select_from(MeterDataBatch)) == 2


def test_a_conflicting_batch_is_refused_whole(database):
    _store(database, {"A": {T0: 5}})
    with pytest.raises(ConflictingReadings) as info:
        _store(database, {"A": {T0: 6, T0 + 900: 1}, "B": {T0: 2}})
    assert info.value.details["conflicts"] == 1
    assert info.value.details["first_conflicts"] == [
        {"meter_id": "A", "interval_start": T0, "energy_wh": 6, "stored_energy_wh": 5}]
    with database.new_session(writes=False) as s:
        assert s.scalar(select(func.count()).select_from(MeterReading)) == 1
        assert s.scalar(select(func.count()).select_from(MeterDataBatch)) == 1


def test_a_large_batch_takes_the_bulk_path(database):
    series = {f"M{i:04d}": {T0 + 900 * k: i + k for k in range(96)} for i in range(300)}
    result = _store(database, series)
    assert result.stored == 300 * 96
    with database.new_session(writes=False) as s:
        assert s.scalar(select(func.sum(MeterReading.energy_wh))) == sum(i + k for i in range(300) for k in range(96))


def test_ingest_command_stores_a_file_and_refuses_conflicts(tmp_path):
    url = f"sqlite:///{tmp_path / 'instance' / 'flexmarket.sqlite'}"
    (tmp_path / "instance").mkdir()
    csv_path = tmp_path / "day.csv"
    meterdata.write_csv(csv_path, {"IT001E1": {T0: 100, T0 + 900: 90}})
    env = {"FLEX_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([FLEXMARKET, "oracle", "ingest", "--csv", str(csv_path)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stored"] == 2
    meterdata.write_csv(csv_path, {"IT001E1": {T0: 101}})
    done = subprocess.run([FLEXMARKET, "oracle", "ingest", "--csv", str(csv_path)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 2 and "conflicting_readings" in done.stderr
    database = db.Database(url)
    with database.new_session(writes=False) as s:
        assert s.scalar(select(MeterReading.energy_wh).where(MeterReading.interval_start == T0)) == 100
    database.dispose()

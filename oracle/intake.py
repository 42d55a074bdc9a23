"""Meter data intake: parsed readings into the database, and back out for verdicts.

:func:`store` takes a batch of readings (:class:`~oracle.meterdata.MeterReadings`, parsed
from CSV or built from a JSON push) and stores each (meter, interval) once. A reading equal
to the one stored is a harmless duplicate; a reading that disagrees with the stored one
refuses the whole batch with :class:`~oracle.errors.ConflictingReadings` naming the first
conflicts, and nothing of the batch is stored. Each batch is recorded with its source and
the SHA-256 of the content received.

:func:`load` reads the readings of some meters over an interval range back into a
``MeterReadings`` for :mod:`oracle.verdict`. Energies in Wh, interval starts Unix s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from marketplace.models.meter import MeterDataBatch, MeterDataSource, MeterReading
from oracle.errors import ConflictingReadings
from oracle.meterdata import MeterReadings, format_interval_start

#: Meters looked up per query when checking a batch against stored readings.
METERS_PER_QUERY = 500
#: Rows per INSERT round trip.
ROWS_PER_INSERT = 20_000
#: Conflicts named in the error of a refused batch (the count covers all of them).
CONFLICTS_NAMED = 20


@dataclass(frozen=True)
class IngestResult:
    """What a stored batch did: ``stored`` new readings, ``duplicates`` identical ones."""

    batch_id: int
    sha256: str
    rows: int
    stored: int
    duplicates: int
    meters: int
    first_interval: int | None
    last_interval: int | None

    def to_dict(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "sha256": self.sha256,
            "rows": self.rows,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "meters": self.meters,
            "first_interval": self.first_interval,
            "last_interval": self.last_interval,
        }


def sha256_hex(content: bytes | str) -> str:
    """SHA-256 of received content (text is hashed as UTF-8), hex."""
    return hashlib.sha256(content.encode() if isinstance(content, str) else content).hexdigest()


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def store(
    session: Session,
    readings: MeterReadings,
    *,
    source: MeterDataSource,
    sha256: str,
    participant_id: int | None = None,
    user_id: int | None = None,
    api_client_id: int | None = None,
    filename: str | None = None,
) -> IngestResult:
    """Store a batch in ``session`` (the caller commits); raises on any disagreeing reading."""
    meters = sorted(readings)
    starts = [s for m in meters for s in readings[m]]
    first, last = (min(starts), max(starts)) if starts else (None, None)

    stored_values: dict[tuple[str, int], int] = {}
    if starts:
        for group in _chunks(meters, METERS_PER_QUERY):
            rows = session.execute(
                select(MeterReading.meter_id, MeterReading.interval_start, MeterReading.energy_wh).where(
                    MeterReading.meter_id.in_(group), MeterReading.interval_start.between(first, last)
                )
            )
            stored_values.update(((m, s), e) for m, s, e in rows)

    conflicts = []
    new: list[tuple[str, int, int]] = []
    duplicates = readings.duplicates
    for meter_id in meters:
        for start, energy_wh in readings[meter_id].items():
            previous = stored_values.get((meter_id, start))
            if previous is None:
                new.append((meter_id, start, energy_wh))
            elif previous == energy_wh:
                duplicates += 1
            else:
                conflicts.append((meter_id, start, energy_wh, previous))
    if conflicts:
        named = conflicts[:CONFLICTS_NAMED]
        first_conflict = named[0]
        raise ConflictingReadings(
            f"{len(conflicts)} reading(s) disagree with stored readings; nothing of this batch was stored "
            f"(first: meter {first_conflict[0]} at {format_interval_start(first_conflict[1])} reads "
            f"{first_conflict[2]} Wh, stored {first_conflict[3]} Wh)",
            details={
                "conflicts": len(conflicts),
                "first_conflicts": [
                    {"meter_id": m, "interval_start": s, "energy_wh": e, "stored_energy_wh": p} for m, s, e, p in named
                ],
            },
        )

    batch = MeterDataBatch(
        source=source,
        participant_id=participant_id,
        user_id=user_id,
        api_client_id=api_client_id,
        filename=filename,
        sha256=sha256,
        rows=readings.rows,
        stored=len(new),
        duplicates=duplicates,
        first_interval=first,
        last_interval=last,
    )
    session.add(batch)
    session.flush()
    _bulk_insert(session, new, batch.id)
    return IngestResult(batch.id, sha256, readings.rows, len(new), duplicates, len(meters), first, last)


def _bulk_insert(session: Session, rows: list[tuple[str, int, int]], batch_id: int) -> None:
    """Insert readings fast, inside the session's transaction: PostgreSQL's COPY, or the
    SQLite driver's executemany (building ORM objects for a million rows costs seconds)."""
    if not rows:
        return
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy("COPY meter_reading (meter_id, interval_start, energy_wh, batch_id) FROM STDIN") as copy:
                for meter_id, start, energy_wh in rows:
                    copy.write_row((meter_id, start, energy_wh, batch_id))
        return
    if connection.dialect.name == "sqlite":
        cursor = raw.cursor()
        try:
            for group in _chunks(rows, ROWS_PER_INSERT):
                cursor.executemany(
                    "INSERT INTO meter_reading (meter_id, interval_start, energy_wh, batch_id) VALUES (?, ?, ?, ?)",
                    [(m, s, e, batch_id) for m, s, e in group],
                )
        finally:
            cursor.close()
        return
    for group in _chunks(rows, ROWS_PER_INSERT):
        session.execute(
            insert(MeterReading),
            [{"meter_id": m, "interval_start": s, "energy_wh": e, "batch_id": batch_id} for m, s, e in group],
        )


def load(session: Session, meter_ids: Iterable[str], first_interval: int, last_interval: int) -> MeterReadings:
    """The stored readings of ``meter_ids`` with interval starts in [first, last] (Unix s)."""
    by_meter: dict[str, dict[int, int]] = {}
    wanted = sorted(set(meter_ids))
    for group in _chunks(wanted, METERS_PER_QUERY):
        rows = session.execute(
            select(MeterReading.meter_id, MeterReading.interval_start, MeterReading.energy_wh).where(
                MeterReading.meter_id.in_(group),
                MeterReading.interval_start.between(first_interval, last_interval),
            )
        )
        for meter_id, start, energy_wh in rows:
            by_meter.setdefault(meter_id, {})[start] = energy_wh
    return MeterReadings(by_meter)


def from_records(records: Iterable[tuple[str, int, int]]) -> MeterReadings:
    """Readings from (meter_id, interval_start, energy_wh) records, e.g. a JSON push.

    Identical duplicates are dropped and counted; disagreeing ones raise
    :class:`ConflictingReadings`. Validation of each value is the caller's (the API schema).
    """
    readings = MeterReadings()
    for meter_id, start, energy_wh in records:
        readings.add(meter_id, start, energy_wh)
    return readings

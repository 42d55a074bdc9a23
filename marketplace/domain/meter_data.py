"""Meter data in the market service: who may push and read which meters.

Meter data sources are meter oracles (any meter) and DSOs (the meters of assets connected
to their own grid). Readers: the operator and meter oracles (all meters), a DSO (meters of
assets in its grid), an FSP (meters of its own assets). Storage and conflict rules are
:mod:`oracle.intake`'s; each stored batch is audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.models import Asset
from marketplace.models.meter import MeterDataBatch, MeterDataSource, MeterReading
from oracle import intake
from oracle.errors import ConflictingReadings, MeterDataError
from oracle.meterdata import MeterReadings, parse_text


def parse_csv_body(raw: bytes) -> MeterReadings:
    """A CSV body in the documented format; 422 naming the line on any error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV is not UTF-8 text", code="invalid_csv", details={"byte": exc.start}) from None
    try:
        return parse_text(text)
    except ConflictingReadings as exc:
        raise Conflict(exc.message, code="conflicting_readings", details=exc.details) from None
    except MeterDataError as exc:
        raise InvalidInput(exc.message, code="invalid_meter_data", details=exc.details) from None


def readings_from_json(items) -> MeterReadings:
    try:
        return intake.from_records((r.meter_id, r.interval_start, r.energy_wh) for r in items)
    except ConflictingReadings as exc:
        raise Conflict(exc.message, code="conflicting_readings", details=exc.details) from None


def _region_meters(session: Session, principal: Principal, meter_ids: list[str]) -> set[str]:
    """The subset of ``meter_ids`` the caller's participant may see as DSO or FSP."""
    column = Asset.dso_id if principal.is_dso else Asset.fsp_id
    found: set[str] = set()
    for i in range(0, len(meter_ids), 500):
        group = meter_ids[i : i + 500]
        found.update(session.scalars(select(Asset.metering_point_id).where(
            column == principal.participant_id, Asset.metering_point_id.in_(group))))
    return found


def push(session: Session, principal: Principal, readings: MeterReadings, *, sha256: str,
         source: MeterDataSource, filename: str | None = None) -> intake.IngestResult:
    """Store a batch from a meter data source (a meter oracle, or a DSO for its own grid)."""
    if not readings.count():
        raise InvalidInput("the batch holds no readings", code="empty_batch")
    if principal.is_dso:
        meters = sorted(readings)
        foreign = sorted(set(meters) - _region_meters(session, principal, meters))
        if foreign:
            raise Forbidden(
                f"{len(foreign)} meter(s) are not meters of assets in your grid (first: {foreign[0]})",
                code="foreign_meter", details={"meters": foreign[:20], "count": len(foreign)},
            )
    try:
        result = intake.store(
            session, readings, source=source, sha256=sha256, participant_id=principal.participant_id,
            user_id=principal.acting_as_user_id, api_client_id=principal.api_client.id if principal.api_client else None,
            filename=filename,
        )
    except ConflictingReadings as exc:
        raise Conflict(exc.message, code="conflicting_readings", details=exc.details) from None
    audit.record(session, principal, "meter_data.push", "meter_data_batch", result.batch_id,
                 after={k: v for k, v in result.to_dict().items() if k != "batch_id"} | {"source": source.value})
    return result


def read(session: Session, principal: Principal, meter_id: str, start: int, end: int) -> list[MeterReading]:
    """A meter's readings over [start, end] (interval starts, Unix s)."""
    if end < start:
        raise InvalidInput("end must not be before start", details={"start": start, "end": end})
    if (end - start) // 900 + 1 > 31 * 96:
        raise InvalidInput("at most 31 days of readings per request", details={"start": start, "end": end})
    if not (principal.is_operator or principal.is_meter_oracle) and meter_id not in _region_meters(
        session, principal, [meter_id]
    ):
        raise NotFound("no such meter among yours", details={"meter_id": meter_id})
    return list(session.scalars(
        select(MeterReading).where(MeterReading.meter_id == meter_id, MeterReading.interval_start.between(start, end))
        .order_by(MeterReading.interval_start)
    ))


def batches(session: Session, principal: Principal, *, participant_id: int | None, after: int | None,
            limit: int) -> list[MeterDataBatch]:
    """Batches received: all for the operator and meter oracles, otherwise the caller's own."""
    q = select(MeterDataBatch).order_by(MeterDataBatch.id).limit(limit)
    if principal.is_operator or principal.is_meter_oracle:
        if participant_id is not None:
            q = q.where(MeterDataBatch.participant_id == participant_id)
    else:
        if participant_id not in (None, principal.participant_id):
            raise NotFound("no such participant", details={"participant_id": participant_id})
        q = q.where(MeterDataBatch.participant_id == principal.participant_id)
    if after is not None:
        q = q.where(MeterDataBatch.id > after)
    return list(session.scalars(q))

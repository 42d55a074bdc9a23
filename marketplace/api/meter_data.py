"""Meter data: push (JSON or CSV), CSV upload, readings and batches."""

from __future__ import annotations

from flask import Blueprint

from marketplace.api import present
from marketplace.api.registry import ALL_ROLES, Access, roles, route
from marketplace.db import session
from marketplace.domain import meter_data as domain
from marketplace.domain.errors import InvalidInput
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.models.meter import MeterDataSource
from marketplace.schemas.common import Page
from marketplace.schemas.meter_data import (
    BatchOut,
    BatchQuery,
    IngestOut,
    MeterDataIn,
    ReadingOut,
    ReadingsOut,
    ReadingsQuery,
    UploadForm,
)
from oracle.intake import sha256_hex

bp = Blueprint("meter_data", __name__, url_prefix="/api/v1")

#: Meter data sources: meter oracles (any meter) and DSOs (their grid's meters).
SOURCE = roles(ParticipantRole.METER_ORACLE, ParticipantRole.DSO, grant=Grant.TRADER)
#: Readers: the operator, meter oracles, DSOs (their grid) and FSPs (their assets).
READER = Access(roles=ALL_ROLES)


@route(bp, "/meter-data", "POST", summary="Push a batch of meter readings (JSON or CSV)", access=SOURCE,
       body=MeterDataIn, media=("application/json", "text/csv"), csv_raw=True, response=IngestOut, status=201,
       errors=(403, 409, 413, 415, 422))
def push(principal: Principal, body: MeterDataIn | None = None, raw: bytes | None = None):
    """Readings of 15-min intervals: JSON ``{"readings": [{meter_id, interval_start, energy_wh}]}`` or
    the CSV of docs/meter-data.md. A reading equal to a stored one is a duplicate; one that
    disagrees refuses the whole batch (409). The batch is stored with its source and SHA-256."""
    if raw is not None:
        readings, digest = domain.parse_csv_body(raw), sha256_hex(raw)
    else:
        readings = domain.readings_from_json(body.readings)
        digest = sha256_hex(body.model_dump_json())
    result = domain.push(session(), principal, readings, sha256=digest, source=MeterDataSource.API)
    return IngestOut(**result.to_dict())


@route(bp, "/meter-data/upload", "POST", summary="Upload a meter data CSV file", access=SOURCE,
       body=UploadForm, media=("multipart/form-data",), response=IngestOut, status=201,
       errors=(403, 409, 413, 415, 422))
def upload(principal: Principal, form: UploadForm, files):
    """Multipart form with the CSV in the field ``file`` (format of docs/meter-data.md)."""
    uploaded = files.getlist("file")
    if len(uploaded) != 1:
        raise InvalidInput("send exactly one file in the form field 'file'", code="file_required")
    raw = uploaded[0].read()
    readings = domain.parse_csv_body(raw)
    result = domain.push(session(), principal, readings, sha256=sha256_hex(raw), source=MeterDataSource.UPLOAD,
                         filename=(uploaded[0].filename or None))
    return IngestOut(**result.to_dict())


@route(bp, "/meter-data", "GET", summary="A meter's readings over a period", access=READER,
       query=ReadingsQuery, response=ReadingsOut, errors=(404, 422))
def read(principal: Principal, query: ReadingsQuery):
    """Operator and meter oracles: any meter; a DSO: meters in its grid; an FSP: its assets' meters."""
    rows = domain.read(session(), principal, query.meter_id, query.start, query.end)
    return ReadingsOut(meter_id=query.meter_id, readings=[ReadingOut.model_validate(r) for r in rows])


@route(bp, "/meter-data/batches", "GET", summary="Batches of meter data received", access=READER,
       query=BatchQuery, response=Page[BatchOut], errors=(404,))
def list_batches(principal: Principal, query: BatchQuery):
    """All batches for the operator and meter oracles; otherwise the caller's participant's own."""
    rows = domain.batches(session(), principal, participant_id=query.participant_id, after=query.after,
                          limit=query.limit)
    return Page[BatchOut](items=[BatchOut.model_validate(b) for b in rows], next_after=present.next_after(rows, query.limit))

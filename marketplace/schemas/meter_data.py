"""Schemas of the meter data API: readings pushed as JSON, batches, readings read back.

A reading: ``meter_id`` (the asset's metering point id), ``interval_start`` (Unix s UTC, a
multiple of 900), ``energy_wh`` (Wh drawn from the grid in that 15-min interval;
consumption positive, injection negative). The CSV form of the same data is documented in
docs/meter-data.md.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from marketplace.schemas.common import MAX_ID, Paging, Query, Request, Response
from oracle.meterdata import INTERVAL_S, MAX_ABS_ENERGY_WH

#: Readings per JSON push (larger batches: CSV, up to the request size limit).
MAX_JSON_READINGS = 100_000
#: Most readings one read returns (31 days of 15-min intervals).
MAX_READ_INTERVALS = 31 * 96

MeterId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"),
    Field(description="Metering point id (EAN/POD), 1-64 letters, digits or . _ : / -"),
]


def _aligned(start: int) -> int:
    if start % INTERVAL_S:
        raise ValueError(f"must be a multiple of {INTERVAL_S} s (a 15-minute interval start)")
    return start


IntervalStart = Annotated[
    int, Field(ge=0, le=2**40, description="Interval start, Unix s UTC, multiple of 900."), AfterValidator(_aligned)
]
EnergyWh = Annotated[
    int, Field(ge=-MAX_ABS_ENERGY_WH, le=MAX_ABS_ENERGY_WH, description="Wh drawn in the interval (injection negative).")
]


class ReadingIn(Request):
    meter_id: MeterId
    interval_start: IntervalStart
    energy_wh: EnergyWh


class MeterDataIn(Request):
    """A batch pushed as JSON."""

    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_JSON_READINGS)


class UploadForm(Request):
    """A CSV file uploaded as multipart form data (field ``file``)."""


class IngestOut(Response):
    """What a stored batch did."""

    batch_id: int
    sha256: str = Field(description="SHA-256 (hex) of the content received.")
    rows: int = Field(description="Readings in the batch.")
    stored: int = Field(description="Readings stored (new).")
    duplicates: int = Field(description="Readings equal to ones already stored (or repeated in the batch).")
    meters: int
    first_interval: int | None
    last_interval: int | None


class ReadingsQuery(Query):
    meter_id: MeterId
    start: IntervalStart = Field(description="First interval start, Unix s.")
    end: IntervalStart = Field(description="Last interval start, Unix s (inclusive).")


class ReadingOut(Response):
    interval_start: int
    energy_wh: int
    batch_id: int


class ReadingsOut(Response):
    meter_id: str
    readings: list[ReadingOut]


class BatchQuery(Paging):
    participant_id: int | None = Field(None, ge=1, le=MAX_ID, description="Batches of one participant (operator).")


class BatchOut(Response):
    id: int
    source: str
    participant_id: int | None
    filename: str | None
    sha256: str
    rows: int
    stored: int
    duplicates: int
    first_interval: int | None
    last_interval: int | None
    received_at: int

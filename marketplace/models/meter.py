"""Meter data in the database: readings and the batches they arrived in.

A reading is the net energy one meter drew from the grid in one 15-min market interval
(``energy_wh``: Wh, consumption positive, injection negative; ``interval_start``: Unix s UTC,
a multiple of 900), stored once per (meter, interval). Each batch — pushed through the API,
uploaded as CSV, or written by the meter simulator — is recorded with its source and the
SHA-256 of its content. Meter ids are the assets' ``metering_point_id`` (EAN / POD codes).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column


class MeterDataSource(StrEnum):
    """How a batch of readings arrived."""

    API = "api"  # pushed by a meter data source through the API (JSON or CSV body)
    UPLOAD = "upload"  # a CSV file uploaded through the API or the web UI
    CLI = "cli"  # `flexmarket oracle ingest`
    SIMULATOR = "simulator"  # the meter simulator of the demo


class MeterDataBatch(Base):
    """One batch of readings, with where it came from and the hash of what was received."""

    __tablename__ = "meter_data_batch"

    id: Mapped[int] = id_column()
    source: Mapped[MeterDataSource] = enum_column(MeterDataSource)
    participant_id: Mapped[int | None] = fk("participant.id", nullable=True)
    user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    api_client_id: Mapped[int | None] = fk("api_client.id", nullable=True, index=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    #: SHA-256 of the received content (the CSV text or the JSON body), hex.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Readings in the batch (identical duplicates inside it included).
    rows: Mapped[int] = int_column()
    #: Readings stored by this batch (the rest were identical to stored ones).
    stored: Mapped[int] = int_column()
    duplicates: Mapped[int] = int_column()
    first_interval: Mapped[int | None] = int_column(nullable=True)
    last_interval: Mapped[int | None] = int_column(nullable=True)
    received_at: Mapped[int] = time_column(default_now=True)


class MeterReading(Base):
    """The energy one meter drew in one 15-min interval (Wh, consumption positive)."""

    __tablename__ = "meter_reading"

    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    energy_wh: Mapped[int] = int_column()
    batch_id: Mapped[int] = fk("meter_data_batch.id", index=False)

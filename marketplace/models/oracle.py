"""The meter oracle's records: one verdict per agreement and oracle, and statement disputes.

An ``OracleVerdict`` holds the numbers behind an oracle's attestation — per interval the
baseline, ordered, actual and delivered energy (Wh) — the delivered total it attests, the
money split the settlement rules give (token base units), and the state of the attestation
on chain. An agreement whose readings are incomplete has a ``pending`` verdict with the
reason, tried again until the attestation deadline (then ``expired``: the DSO may reclaim).
With an M-of-N oracle quorum each oracle's row carries its EIP-712 signature.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column


class VerdictStatus(StrEnum):
    PENDING = "pending"  # readings missing (or activations not judged yet); tried again
    JUDGED = "judged"  # verdict computed; attestation being submitted (or waiting for a quorum)
    ATTESTED = "attested"  # the settlement transaction is mined
    EXPIRED = "expired"  # the attestation deadline passed without an attestation


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class OracleVerdict(Base):
    """An oracle's verdict on one agreement and its attestation."""

    __tablename__ = "oracle_verdict"
    __table_args__ = (UniqueConstraint("agreement_id", "oracle_address"),)

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = fk("agreement.id")
    oracle_address: Mapped[str] = mapped_column(String(42))
    status: Mapped[VerdictStatus] = enum_column(VerdictStatus, index=True)
    #: Why there is no verdict yet (pending) or why it expired.
    reason: Mapped[str | None] = mapped_column(Text)
    #: Missing readings as [[meter_id, interval_start], ...] (the first 100).
    missing: Mapped[list[Any] | None] = mapped_column(JSON)
    missing_count: Mapped[int] = int_column(default=0)
    #: [{start, ordered_wh, baseline_wh, actual_wh, delivered_wh}, ...] of the verdict.
    intervals: Mapped[list[Any] | None] = mapped_column(JSON)
    ordered_wh: Mapped[int | None] = int_column(nullable=True)
    delivered_wh: Mapped[int | None] = int_column(nullable=True)
    #: The delivered energy attested on chain (availability: the Wh-equivalent earned).
    attested_wh: Mapped[int | None] = int_column(nullable=True)
    ratio_pct: Mapped[str | None] = mapped_column(String(16))
    success: Mapped[bool | None] = mapped_column(Boolean)
    payment: Mapped[int | None] = int_column(nullable=True)
    penalty: Mapped[int | None] = int_column(nullable=True)
    refund: Mapped[int | None] = int_column(nullable=True)
    #: This oracle's EIP-712 attestation signature (0x-hex, 65 bytes) in quorum mode.
    signature: Mapped[str | None] = mapped_column(String(132))
    tx_key: Mapped[str | None] = mapped_column(String(200))
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    checks: Mapped[int] = int_column(default=0)
    first_checked_at: Mapped[int] = time_column(default_now=True)
    judged_at: Mapped[int | None] = int_column(nullable=True)
    attested_at: Mapped[int | None] = int_column(nullable=True)
    updated_at: Mapped[int] = time_column(default_now=True)


class StatementDispute(Base):
    """A participant's dispute of an agreement's settlement statement, with its reason."""

    __tablename__ = "statement_dispute"

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = fk("agreement.id")
    participant_id: Mapped[int] = fk("participant.id")
    user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    api_client_id: Mapped[int | None] = fk("api_client.id", nullable=True, index=False)
    status: Mapped[DisputeStatus] = enum_column(DisputeStatus, index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    resolution: Mapped[str | None] = mapped_column(String(1000))
    resolved_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    created_at: Mapped[int] = time_column(default_now=True)
    resolved_at: Mapped[int | None] = int_column(nullable=True)

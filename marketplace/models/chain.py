"""The chain bridge's durable state: the transaction outbox, indexer cursors, indexed events.

``ChainTransaction`` rows make every transaction the service sends durable and idempotent:
the signed bytes are stored before they are sent, so a crash or a node restart leads to the
same transaction being sent again (never a new one with the same effect), and a unique
``key`` per intended effect means asking twice sends once. ``ChainEvent`` rows are the
market contract's logs, unique per (chain, tx hash, log index); ``ChainCursor`` records how
far each indexer got. Amounts in wei or token base units, times Unix seconds.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base
from marketplace.models.base import enum_column, id_column, int_column, time_column


class TxStatus(StrEnum):
    """Where an outbox transaction stands."""

    SIGNED = "signed"  # signed and recorded, not known to be sent
    SENT = "sent"  # accepted by a node, no receipt yet
    MINED = "mined"  # receipt with status 1
    FAILED = "failed"  # receipt with status 0 (reverted on chain)
    DROPPED = "dropped"  # its nonce was used by another transaction; it can never be mined


class ChainTransaction(Base):
    """One transaction the service signs, keyed by the effect it is meant to have."""

    __tablename__ = "chain_transaction"
    __table_args__ = (UniqueConstraint("chain_id", "sender", "nonce"),)

    id: Mapped[int] = id_column()
    #: The intended effect, unique: e.g. ``commit:request:12``. Asking again returns this row.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(100))
    chain_id: Mapped[int] = int_column()
    sender: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = int_column()
    to_address: Mapped[str | None] = mapped_column(String(42))
    #: Signed raw transaction, 0x-hex; re-sent as it is, never re-signed.
    raw: Mapped[str] = mapped_column(Text)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    gas_limit: Mapped[int] = int_column()
    status: Mapped[TxStatus] = enum_column(TxStatus)
    block_number: Mapped[int | None] = int_column(nullable=True)
    gas_used: Mapped[int | None] = int_column(nullable=True)
    #: Contract address created by a deployment, if any.
    contract_address: Mapped[str | None] = mapped_column(String(42))
    error: Mapped[str | None] = mapped_column(Text)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[int] = time_column(default_now=True)
    updated_at: Mapped[int] = time_column(default_now=True)


class ChainCursor(Base):
    """How far an event indexer has processed the chain: every block up to ``block``."""

    __tablename__ = "chain_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    chain_id: Mapped[int] = int_column()
    contract: Mapped[str] = mapped_column(String(42))
    block: Mapped[int] = int_column()
    updated_at: Mapped[int] = time_column(default_now=True)


class ChainEvent(Base):
    """One decoded log of the market contract, stored once.

    ``args`` holds the event's arguments as JSON: integers as numbers, bytes as 0x-hex,
    addresses checksummed, structs as objects.
    """

    __tablename__ = "chain_event"
    __table_args__ = (UniqueConstraint("chain_id", "tx_hash", "log_index"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = int_column()
    address: Mapped[str] = mapped_column(String(42))
    event: Mapped[str] = mapped_column(String(64), index=True)
    block_number: Mapped[int] = int_column(index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = int_column()
    args: Mapped[dict] = mapped_column(JSON)
    #: True once the handlers of this event ran (in the same transaction as its insert).
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = time_column(default_now=True)

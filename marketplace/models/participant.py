"""Participants (registered organisations), their users and their registration documents.

A participant is the entity of seed table 1 — a company or natural person registered as a
market agent (FSP), a DSO, a meter oracle or the market operator. Its users act for it with
a grant (read-only, trader, admin); each user signs in with one wallet, bound to the
participant by a signature. Personal data and documents stay in this database and the
instance folder, never on chain.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column
from marketplace.models.enums import DocumentKind, FspKind, Grant, ParticipantRole, ParticipantStatus


class Participant(Base):
    """A registered organisation (seed table 1) and where its registration stands."""

    __tablename__ = "participant"

    id: Mapped[int] = id_column()
    role: Mapped[ParticipantRole] = enum_column(ParticipantRole, index=True)
    fsp_kind: Mapped[FspKind | None] = enum_column(FspKind, nullable=True)
    status: Mapped[ParticipantStatus] = enum_column(ParticipantStatus, index=True, default=ParticipantStatus.PENDING)
    #: Why the operator rejected the registration (or a note on the approval).
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_at: Mapped[int | None] = time_column(nullable=True)
    #: The operator user who decided (no foreign key: users and participants refer to each other).
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)

    entity_name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(9))
    iban: Mapped[str] = mapped_column(String(34))
    address: Mapped[str] = mapped_column(String(200))
    locality: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))

    representative_first_name: Mapped[str] = mapped_column(String(100))
    representative_last_name: Mapped[str] = mapped_column(String(100))
    representative_tax_id: Mapped[str] = mapped_column(String(9))
    representative_phone: Mapped[str] = mapped_column(String(32))
    representative_address: Mapped[str] = mapped_column(String(200))
    representative_email: Mapped[str] = mapped_column(String(254))

    created_at: Mapped[int] = time_column(default_now=True)
    updated_at: Mapped[int] = time_column(default_now=True)

    users: Mapped[list[User]] = relationship(
        back_populates="participant", foreign_keys="User.participant_id", order_by="User.id"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="participant", order_by="Document.id")

    @property
    def approved(self) -> bool:
        return self.status is ParticipantStatus.APPROVED


class User(Base):
    """A person acting for a participant, signing in with one wallet.

    ``wallet_bound_at`` is when the wallet's holder proved control by a signature (at
    sign-up, or at the first sign-in of a user an admin added); ``chain_role_granted_at`` and
    ``chain_role_tx`` record the registry grant for the participant's role.
    """

    __tablename__ = "user"
    __table_args__ = (UniqueConstraint("wallet_address"),)

    id: Mapped[int] = id_column()
    participant_id: Mapped[int] = fk("participant.id")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    grant: Mapped[Grant] = enum_column(Grant)
    #: Holds a power of attorney for the participant (seed fig. 7).
    power_of_attorney: Mapped[bool] = mapped_column(default=False)
    #: A contact person of the participant, responsible for user management (seed 3.3.4.2).
    is_contact: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: EIP-55 checksummed address of the user's wallet.
    wallet_address: Mapped[str] = mapped_column(String(42))
    wallet_bound_at: Mapped[int | None] = time_column(nullable=True)
    chain_role_granted_at: Mapped[int | None] = time_column(nullable=True)
    chain_role_tx: Mapped[str | None] = mapped_column(String(66))
    created_at: Mapped[int] = time_column(default_now=True)

    participant: Mapped[Participant] = relationship(back_populates="users", foreign_keys=[participant_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Document(Base):
    """A registration document stored in the instance folder under its SHA-256."""

    __tablename__ = "document"

    id: Mapped[int] = id_column()
    participant_id: Mapped[int] = fk("participant.id")
    kind: Mapped[DocumentKind] = enum_column(DocumentKind)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = int_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[int] = time_column(default_now=True)
    uploaded_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)

    participant: Mapped[Participant] = relationship(back_populates="documents")

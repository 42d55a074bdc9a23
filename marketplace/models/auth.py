"""Sign-in state: SIWE nonces, browser sessions, machine clients and their access tokens.

Secrets are never stored: sessions, CSRF tokens, client secrets and access tokens are
kept as SHA-256 hashes of 256-bit random values (high-entropy secrets need no slow hash).
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, time_column
from marketplace.models.enums import Grant
from marketplace.models.participant import Participant, User


class SiweNonce(Base):
    """A single-use nonce for one EIP-4361 message, valid until ``expires_at``."""

    __tablename__ = "siwe_nonce"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[int] = time_column(default_now=True)
    expires_at: Mapped[int] = time_column(index=True)
    used_at: Mapped[int | None] = time_column(nullable=True)


class WebSession(Base):
    """A browser session (cookie). ``impersonator_user_id`` is set when an operator acts as
    ``user_id``; every action then records both."""

    __tablename__ = "web_session"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64))
    csrf_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = fk("user.id")
    impersonator_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    created_at: Mapped[int] = time_column(default_now=True)
    expires_at: Mapped[int] = time_column()
    ended_at: Mapped[int | None] = time_column(nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    impersonator: Mapped[User | None] = relationship(foreign_keys=[impersonator_user_id])


class ApiClient(Base):
    """An OAuth2 client-credentials client of one participant, acting with ``grant``."""

    __tablename__ = "api_client"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: Mapped[int] = id_column()
    participant_id: Mapped[int] = fk("participant.id")
    client_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    grant: Mapped[Grant] = enum_column(Grant)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    created_at: Mapped[int] = time_column(default_now=True)
    revoked_at: Mapped[int | None] = time_column(nullable=True)

    participant: Mapped[Participant] = relationship()


class AccessToken(Base):
    """A bearer token issued to an :class:`ApiClient`; dies with its client's revocation."""

    __tablename__ = "access_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64))
    api_client_id: Mapped[int] = fk("api_client.id")
    created_at: Mapped[int] = time_column(default_now=True)
    expires_at: Mapped[int] = time_column()

    client: Mapped[ApiClient] = relationship()

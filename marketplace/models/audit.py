"""The audit trail: one append-only row per state-changing action.

Who (``actor_user_id`` — the person, or ``actor_api_client_id`` — the machine client), acting
as whom (``acting_as_user_id``: the impersonated user when an operator impersonates, else the
actor), for which participant, when, what (``action``, ``object_type``, ``object_id``), and the
object before and after. The database refuses UPDATE and DELETE on this table (triggers
created by the migration), and the ORM refuses them too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.db import Base
from marketplace.errors import MarketplaceError
from marketplace.models.base import id_column, time_column


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[int] = id_column()
    at: Mapped[int] = time_column(default_now=True, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_api_client_id: Mapped[int | None] = mapped_column(Integer)
    acting_as_user_id: Mapped[int | None] = mapped_column(Integer)
    participant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class AuditTrailIsAppendOnly(MarketplaceError):
    code = "audit_append_only"


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditRecord) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly("audit records cannot be changed or deleted")

"""Writing and reading the audit trail (one row per state-changing action).

``snapshot`` turns a model into the plain dict stored as ``before``/``after``: its columns,
enums as their values. Secrets are never in a model (only their hashes), and hashes are left
out of snapshots too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from marketplace.domain.principal import Principal
from marketplace.models import AuditRecord
from marketplace.models.base import now_s

#: Columns never copied into the audit trail.
_HIDDEN = frozenset({"token_hash", "csrf_hash", "secret_hash"})


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a model instance, JSON-ready."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in _HIDDEN:
            continue
        value = getattr(obj, attr.key)
        out[attr.key] = value.value if isinstance(value, Enum) else value
    return out


def _row(principal: Principal, action: str, object_type: str, object_id: Any, before: Any, after: Any,
         participant_id: int | None, at: int) -> dict[str, Any]:
    return {
        "at": at,
        "actor_user_id": principal.actor_user_id,
        "actor_api_client_id": None if principal.api_client is None else principal.api_client.id,
        "acting_as_user_id": principal.acting_as_user_id,
        "participant_id": principal.participant_id if participant_id is None else participant_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "before": before,
        "after": after,
        "remote_addr": principal.remote_addr,
    }


def record(
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    participant_id: int | None = None,
) -> None:
    """Append one audit record (flushed with the session's transaction).

    ``participant_id`` defaults to the caller's participant.
    """
    session.execute(
        insert(AuditRecord),
        [_row(principal, action, object_type, object_id, before, after, participant_id, now_s())],
    )


def record_many(
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    items: Iterable[tuple[Any, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    """Append one record per ``(object_id, before, after)`` in one statement."""
    at = now_s()
    rows = [_row(principal, action, object_type, oid, before, after, None, at) for oid, before, after in items]
    if rows:
        session.execute(insert(AuditRecord), rows)


def query(
    session: Session,
    *,
    participant_id: int | None = None,
    actor_user_id: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: int | None = None,
    until: int | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> Sequence[AuditRecord]:
    """Audit records in insertion order, filtered; keyset-paged by ``after_id``."""
    stmt = select(AuditRecord).order_by(AuditRecord.id).limit(limit)
    filters = {
        AuditRecord.participant_id: participant_id,
        AuditRecord.actor_user_id: actor_user_id,
        AuditRecord.action: action,
        AuditRecord.object_type: object_type,
        AuditRecord.object_id: object_id,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditRecord.at >= since)
    if until is not None:
        stmt = stmt.where(AuditRecord.at < until)
    if after_id is not None:
        stmt = stmt.where(AuditRecord.id > after_id)
    return session.scalars(stmt).all()

"""The audit trail, readable by the market operator."""

from __future__ import annotations

from flask import Blueprint

from marketplace.api import present
from marketplace.api.registry import roles, route
from marketplace.db import session
from marketplace.domain import audit
from marketplace.domain.principal import Principal
from marketplace.models.enums import ParticipantRole
from marketplace.schemas.audit import AuditOut, AuditQuery
from marketplace.schemas.common import Page

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


@route(bp, "/audit", "GET", summary="The audit trail (operator)", access=roles(ParticipantRole.MARKET_OPERATOR),
       query=AuditQuery, response=Page[AuditOut])
def list_audit(principal: Principal, query: AuditQuery):
    """Every state-changing action in order, append-only; filter by participant, actor,
    action, object and time (Unix s, ``since <= at < until``)."""
    filters = query.model_dump(exclude={"limit", "after"})
    rows = audit.query(session(), **filters, after_id=query.after, limit=query.limit)
    return Page[AuditOut](items=[AuditOut.model_validate(r) for r in rows],
                          next_after=present.next_after(rows, query.limit))

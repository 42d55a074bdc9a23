"""Schemas of the audit trail."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from marketplace.schemas.common import Paging, Response, UnixTime, text


class AuditOut(Response):
    """One state-changing action: who (``actor_*``), acting as whom, when, what, before/after."""

    id: int
    at: UnixTime
    actor_user_id: int | None = Field(description="The person who acted (the operator, when impersonating).")
    actor_api_client_id: int | None
    acting_as_user_id: int | None = Field(description="The user acted as (differs from the actor when impersonating).")
    participant_id: int | None
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    remote_addr: str | None


class AuditQuery(Paging):
    participant_id: int | None = Field(None, ge=1, le=2**31 - 1)
    actor_user_id: int | None = Field(None, ge=1, le=2**31 - 1)
    action: text(64) | None = None
    object_type: text(32) | None = None
    object_id: text(64) | None = None
    since: UnixTime | None = None
    until: UnixTime | None = None

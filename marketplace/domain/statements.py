"""Settlement statements and disputes in the market service: who may see and dispute what.

A statement is visible to the operator and to the agreement's DSO and FSP (others: 404).
The DSO or the FSP of an agreement may dispute its statement, with a reason; the operator
resolves a dispute, the disputing participant may withdraw it. Every change is audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.models import Agreement
from marketplace.models.base import now_s
from marketplace.models.enums import Grant
from marketplace.models.oracle import DisputeStatus, StatementDispute
from oracle import statements

#: Longest period one statement request covers, s (a year).
MAX_PERIOD_S = 366 * 86_400


def _visible_agreement(session: Session, principal: Principal, agreement_pk: int) -> Agreement:
    agreement = session.get(Agreement, agreement_pk)
    if agreement is None or not (
        principal.is_operator or principal.participant_id in (agreement.dso_id, agreement.fsp_id)
    ):
        raise NotFound("no such agreement among yours", details={"agreement_id": agreement_pk})
    return agreement


def agreement_statement(session: Session, principal: Principal, agreement_pk: int) -> dict:
    return statements.agreement_statement(session, _visible_agreement(session, principal, agreement_pk))


def period_statement(session: Session, principal: Principal, participant_id: int | None, start: int, end: int) -> dict:
    if end <= start:
        raise InvalidInput("end must be after start", details={"start": start, "end": end})
    if end - start > MAX_PERIOD_S:
        raise InvalidInput("at most a year per statement", details={"start": start, "end": end})
    if participant_id is None:
        participant_id = None if principal.is_operator else principal.participant_id
    elif not (principal.is_operator or principal.member_of(participant_id)):
        raise NotFound("no such participant", details={"participant_id": participant_id})
    return statements.period_statement(session, participant_id, start, end)


def dispute(session: Session, principal: Principal, agreement_pk: int, reason: str) -> StatementDispute:
    agreement = _visible_agreement(session, principal, agreement_pk)
    if principal.participant_id not in (agreement.dso_id, agreement.fsp_id):
        raise Forbidden("only the agreement's DSO or FSP disputes its statement", code="not_a_party")
    open_one = session.scalar(select(StatementDispute.id).where(
        StatementDispute.agreement_id == agreement.id, StatementDispute.participant_id == principal.participant_id,
        StatementDispute.status == DisputeStatus.OPEN))
    if open_one is not None:
        raise Conflict("you already have an open dispute of this statement", code="dispute_open",
                       details={"dispute_id": open_one})
    row = StatementDispute(agreement_id=agreement.id, participant_id=principal.participant_id,
                           user_id=principal.acting_as_user_id,
                           api_client_id=principal.api_client.id if principal.api_client else None,
                           status=DisputeStatus.OPEN, reason=reason)
    session.add(row)
    session.flush()
    audit.record(session, principal, "statement.dispute", "statement_dispute", row.id,
                 after={"agreement_id": agreement.agreement_id, "reason": reason})
    return row


def disputes(session: Session, principal: Principal, *, status: str | None, after: int | None,
             limit: int) -> list[StatementDispute]:
    """The operator sees every dispute; a DSO or FSP those of its agreements."""
    q = select(StatementDispute).order_by(StatementDispute.id).limit(limit)
    if not principal.is_operator:
        mine = select(Agreement.id).where((Agreement.dso_id == principal.participant_id)
                                          | (Agreement.fsp_id == principal.participant_id))
        q = q.where(StatementDispute.agreement_id.in_(mine))
    if status is not None:
        q = q.where(StatementDispute.status == DisputeStatus(status))
    if after is not None:
        q = q.where(StatementDispute.id > after)
    return list(session.scalars(q))


def _open_dispute(session: Session, dispute_id: int) -> StatementDispute:
    row = session.get(StatementDispute, dispute_id)
    if row is None:
        raise NotFound("no such dispute", details={"dispute_id": dispute_id})
    if row.status is not DisputeStatus.OPEN:
        raise Conflict(f"the dispute is {row.status.value}", code="dispute_closed", details={"dispute_id": dispute_id})
    return row


def resolve(session: Session, principal: Principal, dispute_id: int, resolution: str) -> StatementDispute:
    row = _open_dispute(session, dispute_id)
    row.status, row.resolution, row.resolved_at = DisputeStatus.RESOLVED, resolution, now_s()
    row.resolved_by_user_id = principal.actor_user_id
    audit.record(session, principal, "statement.dispute.resolve", "statement_dispute", row.id,
                 after={"resolution": resolution}, participant_id=row.participant_id)
    return row


def withdraw(session: Session, principal: Principal, dispute_id: int) -> StatementDispute:
    row = session.get(StatementDispute, dispute_id)
    if row is None or not principal.member_of(row.participant_id):
        raise NotFound("no such dispute among yours", details={"dispute_id": dispute_id})
    if not principal.covers(Grant.TRADER):
        raise Forbidden("this needs the trader grant or higher", code="grant_too_low")
    row = _open_dispute(session, dispute_id)
    row.status, row.resolved_at = DisputeStatus.WITHDRAWN, now_s()
    audit.record(session, principal, "statement.dispute.withdraw", "statement_dispute", row.id)
    return row

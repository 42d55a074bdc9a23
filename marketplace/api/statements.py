"""Settlement statements (JSON or CSV) and statement disputes."""

from __future__ import annotations

from flask import Blueprint, Response

from marketplace.api import present
from marketplace.api.registry import roles, route
from marketplace.db import session
from marketplace.domain import statements as domain
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.common import Page
from marketplace.schemas.statements import (
    DisputeIn,
    DisputeOut,
    DisputeQuery,
    PeriodQuery,
    PeriodStatementOut,
    ResolveIn,
    StatementOut,
    StatementQuery,
)
from oracle import statements

bp = Blueprint("statements", __name__, url_prefix="/api/v1")

#: The market's parties: the operator and the DSOs and FSPs of agreements.
PARTIES = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP)
DISPUTER = roles(ParticipantRole.DSO, ParticipantRole.FSP, grant=Grant.TRADER)
OPERATOR = roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER)


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@route(bp, "/agreements/<id:agreement_id>/statement", "GET", summary="An agreement's settlement statement",
       access=PARTIES, query=StatementQuery, response=StatementOut, errors=(404,))
def agreement_statement(principal: Principal, agreement_id: int, query: StatementQuery):
    """Interval table (baseline, ordered, actual, delivered, shortfall), price, payment, penalty,
    refund and transactions; ``format=csv`` for the table as CSV. The operator and the
    agreement's DSO and FSP only."""
    statement = domain.agreement_statement(session(), principal, agreement_id)
    if query.format == "csv":
        return _csv(statements.agreement_csv(statement), f"statement-{agreement_id}.csv")
    return StatementOut.model_validate(statement)


@route(bp, "/statements", "GET", summary="Your settlement statements for a period", access=PARTIES,
       query=PeriodQuery, response=PeriodStatementOut, errors=(404, 422))
def period_statement(principal: Principal, query: PeriodQuery):
    """Agreements whose delivery ended in [start, end), with totals; ``format=csv`` for one row
    per agreement. The operator may name any participant (or none: all)."""
    statement = domain.period_statement(session(), principal, query.participant_id, query.start, query.end)
    if query.format == "csv":
        return _csv(statements.period_csv(statement), f"statements-{query.start}-{query.end}.csv")
    return PeriodStatementOut.model_validate(statement)


@route(bp, "/agreements/<id:agreement_id>/disputes", "POST", summary="Dispute an agreement's statement",
       access=DISPUTER, body=DisputeIn, response=DisputeOut, status=201, errors=(403, 404, 409, 422))
def dispute(principal: Principal, agreement_id: int, body: DisputeIn):
    """The agreement's DSO or FSP flags its statement as disputed, with a reason."""
    return DisputeOut.model_validate(domain.dispute(session(), principal, agreement_id, body.reason))


@route(bp, "/disputes", "GET", summary="Statement disputes", access=PARTIES, query=DisputeQuery,
       response=Page[DisputeOut])
def list_disputes(principal: Principal, query: DisputeQuery):
    """The operator sees every dispute; a DSO or FSP those about its agreements."""
    rows = domain.disputes(session(), principal, status=query.status, after=query.after, limit=query.limit)
    return Page[DisputeOut](items=[DisputeOut.model_validate(r) for r in rows],
                            next_after=present.next_after(rows, query.limit))


@route(bp, "/disputes/<id:dispute_id>/resolve", "POST", summary="Resolve a statement dispute (operator)",
       access=OPERATOR, body=ResolveIn, response=DisputeOut, errors=(404, 409, 422))
def resolve(principal: Principal, dispute_id: int, body: ResolveIn):
    return DisputeOut.model_validate(domain.resolve(session(), principal, dispute_id, body.resolution))


@route(bp, "/disputes/<id:dispute_id>/withdraw", "POST", summary="Withdraw your statement dispute",
       access=DISPUTER, response=DisputeOut, errors=(404, 409))
def withdraw(principal: Principal, dispute_id: int):
    return DisputeOut.model_validate(domain.withdraw(session(), principal, dispute_id))

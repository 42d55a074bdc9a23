"""Prequalification of assets: requests (one or bulk), reviews, activation tests, products."""

from __future__ import annotations

from flask import Blueprint

from marketplace.api import bulk, present
from marketplace.api.registry import roles, route
from marketplace.db import session
from marketplace.domain import prequalification as domain
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.assets import (
    MAX_BULK_ITEMS,
    ActivationTestIn,
    BulkPrequalifications,
    PrequalificationIn,
    PrequalificationOut,
    PrequalificationQuery,
    Review,
)
from marketplace.schemas.common import BulkResult, Page

bp = Blueprint("prequalifications", __name__, url_prefix="/api/v1")

READER = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP)
FSP_WRITER = roles(ParticipantRole.FSP, grant=Grant.TRADER)
PREQUALIFICATION_CSV_COLUMNS = ("asset_id", "product", "direction", "path")


@route(bp, "/prequalifications", "GET", summary="Prequalification attempts (FSP own, DSO region, operator all)",
       access=READER, query=PrequalificationQuery, response=Page[PrequalificationOut])
def list_attempts(principal: Principal, query: PrequalificationQuery):
    filters = {k: getattr(query, k) for k in ("asset_id", "status", "product", "direction")}
    rows = domain.list_attempts(session(), principal, filters=filters, after=query.after, limit=query.limit)
    return Page[PrequalificationOut](items=[present.prequalification(p) for p in rows],
                                     next_after=present.next_after(rows, query.limit))


@route(bp, "/prequalifications", "POST", summary="Ask for an asset's prequalification (FSP)", access=FSP_WRITER,
       body=PrequalificationIn, response=PrequalificationOut, status=201, errors=(409, 422))
def request_prequalification(principal: Principal, body: PrequalificationIn):
    """``path=review``: the DSO and the operator each review it. ``path=test``: upload an
    activation test to ``POST /prequalifications/{id}/test``."""
    return present.prequalification(domain.request(session(), principal, body))


@route(bp, "/prequalifications/bulk", "POST", summary="Ask for many prequalifications (JSON or CSV)",
       access=FSP_WRITER, body=BulkPrequalifications, media=("application/json", "text/csv"),
       csv_columns=PREQUALIFICATION_CSV_COLUMNS, csv_max_rows=MAX_BULK_ITEMS, response=BulkResult, errors=(415, 422))
def request_bulk(principal: Principal, body: BulkPrequalifications | None = None,
                 rows: list[dict[str, str]] | None = None):
    """JSON ``{"items": [...]}`` or CSV with columns ``asset_id,product,direction,path``; a
    result and message per item (seed 3.2.2.3's automated service)."""
    items = bulk.validate_items(PrequalificationIn, None if body is None else body.items, rows)
    return bulk.result(domain.request_many(session(), principal, items), "requested")


@route(bp, "/prequalifications/<id:attempt_id>", "GET", summary="One prequalification attempt", access=READER,
       response=PrequalificationOut, errors=(404,))
def get_attempt(principal: Principal, attempt_id: int):
    return present.prequalification(domain.get(session(), principal, attempt_id))


@route(bp, "/prequalifications/<id:attempt_id>/dso-review", "POST",
       summary="Technical check by the DSO of the asset's grid", access=roles(ParticipantRole.DSO, grant=Grant.TRADER),
       body=Review, response=PrequalificationOut, errors=(404, 409, 422))
def dso_review(principal: Principal, attempt_id: int, body: Review):
    return present.prequalification(domain.dso_review(session(), principal, attempt_id, body))


@route(bp, "/prequalifications/<id:attempt_id>/operator-review", "POST", summary="Check by the market operator",
       access=roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER), body=Review, response=PrequalificationOut,
       errors=(404, 409, 422))
def operator_review(principal: Principal, attempt_id: int, body: Review):
    return present.prequalification(domain.operator_review(session(), principal, attempt_id, body))


@route(bp, "/prequalifications/<id:attempt_id>/test", "POST",
       summary="Upload an activation test; the verdict is recorded (FSP)", access=FSP_WRITER,
       body=ActivationTestIn, response=PrequalificationOut, errors=(404, 409, 422))
def run_test(principal: Principal, attempt_id: int, body: ActivationTestIn):
    """Samples of setpoint and measured power (W, consumption positive) over time (Unix s);
    judged against the product's tolerances (``GET /products``). The verdict and its numbers
    are in ``test_result``."""
    return present.prequalification(domain.run_test(session(), principal, attempt_id, body))

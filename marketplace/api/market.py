"""The market's catalogue and calendar: products, markets, flexibility needs, sessions, gate
closure and results by auction."""

from __future__ import annotations

from flask import Blueprint, Response

from marketplace.api import context, present
from marketplace.api import market_present as show
from marketplace.api.registry import PUBLIC, roles, route
from marketplace.db import session
from marketplace.domain.principal import Principal
from marketplace.market import catalogue, gate, results
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.common import Page
from marketplace.schemas.market import (
    GateClosure,
    MarketIn,
    MarketOut,
    MarketQuery,
    NeedIn,
    NeedOut,
    ProductIn,
    ProductOut,
    ProductQuery,
    ProductUpdate,
    ResultQuery,
    Rows,
    SessionIn,
    SessionOut,
    SessionQuery,
)

products_bp = Blueprint("products", __name__, url_prefix="/api/v1")
bp = Blueprint("markets", __name__, url_prefix="/api/v1")
sessions_bp = Blueprint("sessions", __name__, url_prefix="/api/v1")

OPERATOR_WRITER = roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER)
DSO_WRITER = roles(ParticipantRole.DSO, grant=Grant.TRADER)


def rows_or_csv(data: dict, fmt: str, name: str):
    """A result view as JSON rows, or as a CSV download."""
    if fmt == "csv":
        return Response(results.to_csv(data["items"]), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Rows(items=data["items"], summary=data.get("summary", {}))


# ---------------------------------------------------------------------------------- products
@route(products_bp, "/products", "GET", summary="The product catalogue (seed fig. 45) with limits and test tolerances",
       access=PUBLIC, query=ProductQuery, response=Page[ProductOut])
def list_products(principal: Principal, query: ProductQuery):
    """Each product's quantity limits and granularity (per quarter-hour), price resolution,
    preparation period, rest-time range and activation duration, and the tolerances of the
    automated prequalification test of its category."""
    rows = catalogue.list_products(session(), filters={"category": query.category, "direction": query.direction,
                                                       "active": query.active}, after=query.after, limit=query.limit)
    return Page[ProductOut](items=[show.product(p) for p in rows], next_after=present.next_after(rows, query.limit))


@route(products_bp, "/products", "POST", summary="Add a product to the catalogue (operator)", access=OPERATOR_WRITER,
       body=ProductIn, response=ProductOut, status=201, errors=(409, 422))
def create_product(principal: Principal, body: ProductIn):
    return show.product(catalogue.create_product(session(), principal, body))


@route(products_bp, "/products/<id:product_id>", "PATCH", summary="Change a product's limits or retire it (operator)",
       access=OPERATOR_WRITER, body=ProductUpdate, response=ProductOut, errors=(404, 422))
def update_product(principal: Principal, product_id: int, body: ProductUpdate):
    return show.product(catalogue.update_product(session(), principal, product_id, body))


# ---------------------------------------------------------------------------------- markets
@route(bp, "/markets", "GET", summary="Markets (public)", access=PUBLIC, query=MarketQuery, response=Page[MarketOut])
def list_markets(principal: Principal, query: MarketQuery):
    rows = catalogue.list_markets(session(), dso_id=query.dso_id, grid_element_id=query.grid_element_id,
                                  after=query.after, limit=query.limit)
    return Page[MarketOut](items=[show.market(m) for m in rows], next_after=present.next_after(rows, query.limit))


@route(bp, "/markets", "POST", summary="Initiate a market at one of your grid elements or zones (DSO)",
       access=DSO_WRITER, body=MarketIn, response=MarketOut, status=201, errors=(409, 422))
def create_market(principal: Principal, body: MarketIn):
    """Seed 3.3.4.3.1: name, grid point (or zone), validity period, products traded."""
    return show.market(catalogue.create_market(session(), principal, body))


@route(bp, "/markets/<id:market_id>", "GET", summary="One market (public)", access=PUBLIC, response=MarketOut,
       errors=(404,))
def get_market(principal: Principal, market_id: int):
    return show.market(catalogue.get_market(session(), market_id))


@route(bp, "/markets/<id:market_id>/flexibility-needs", "POST",
       summary="Push the requested flexibility at the market's element (DSO grid tool)", access=DSO_WRITER,
       body=NeedIn, response=NeedOut, status=201, errors=(404, 422))
def push_need(principal: Principal, market_id: int, body: NeedIn):
    """While the element is yellow or orange, the scheduler opens a short-term session with a
    request for these quarter-hours (validated at once); the DSO's wallet then escrows it."""
    return show.need(catalogue.push_need(session(), principal, market_id, body))


# ---------------------------------------------------------------------------------- sessions
@route(sessions_bp, "/sessions", "GET", summary="Market sessions: the auction calendar (public)", access=PUBLIC,
       query=SessionQuery, response=Page[SessionOut])
def list_sessions(principal: Principal, query: SessionQuery):
    rows = catalogue.list_sessions(session(), filters={"market_id": query.market_id, "status": query.status,
                                                       "horizon": query.horizon},
                                   start=query.from_, end=query.to, after=query.after, limit=query.limit)
    return Page[SessionOut](items=[show.session_(s) for s in rows], next_after=present.next_after(rows, query.limit))


@route(sessions_bp, "/sessions", "POST", summary="Open a session of one of your markets (DSO)", access=DSO_WRITER,
       body=SessionIn, response=SessionOut, status=201, errors=(409, 422))
def create_session(principal: Principal, body: SessionIn):
    """Gate open and close, delivery period, pricing (pay-as-bid / pay-as-clear), mode
    (``auction``: the clearing engine; ``manual_pick``: you pick offers), award and attestation
    windows, success threshold and penalty."""
    services = context.market()
    return show.session_(catalogue.create_session(session(), principal, body, services.settings, services.now()))


@route(sessions_bp, "/sessions/<id:session_id>", "GET", summary="One session (public)", access=PUBLIC,
       response=SessionOut, errors=(404,))
def get_session(principal: Principal, session_id: int):
    return show.session_(catalogue.get_session(session(), session_id))


@route(sessions_bp, "/sessions/<id:session_id>/close-gate", "POST",
       summary="Close the gate now: commit the books, clear and award (operator)", access=OPERATOR_WRITER,
       response=GateClosure, errors=(404, 409, 503))
def close_gate(principal: Principal, session_id: int):
    """What the scheduler does at gate closure (and ``flexmarket close-gate``); refused before
    the gate's time. Idempotent: a second call resumes or reports."""
    catalogue.get_session(session(), session_id)
    session().commit()
    done = gate.close_gate(context.market(), session_id)
    return GateClosure(session=show.session_(catalogue.get_session(session(), session_id)),
                       requests=done["requests"])


@route(sessions_bp, "/sessions/<id:session_id>/results", "GET",
       summary="Results by auction: the DSO its matched bids, an FSP its own, the public the aggregate",
       access=PUBLIC, query=ResultQuery, response=Rows, errors=(404,))
def session_results(principal: Principal, session_id: int, query: ResultQuery):
    catalogue.get_session(session(), session_id)
    return rows_or_csv(results.session_results(session(), principal, session_id), query.format,
                       f"session-{session_id}-results")

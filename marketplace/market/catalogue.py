"""The product catalogue (operator-managed), markets (DSO-initiated at a grid element or zone)
and their sessions (seed 3.3.4.3: market parameters, market sessions, products).

Long-term sessions are opened by hand; short-term 15-minute sessions by the scheduler for the
flexibility needs a DSO's grid tool pushes (``FlexibilityNeed``) while the element is yellow or
orange (see :mod:`marketplace.market.scheduler`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain import grid as grid_domain
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.domain.products import PRODUCTS as TEST_TOLERANCES
from marketplace.models import GridElement, Market, MarketProduct, MarketSession, Zone
from marketplace.models.base import now_s
from marketplace.models.enums import Product
from marketplace.models.market import FlexibilityNeed, Horizon, NeedStatus, SessionOrigin, SessionStatus
from marketplace.schemas.market import MarketIn, NeedIn, ProductIn, ProductUpdate, SessionIn
from marketplace.settings import Settings

#: Product categories traded in each horizon.
HORIZON_CATEGORIES = {
    Horizon.LONG_TERM: frozenset({Product.LT_AVAILABILITY, Product.LT_ACTIVATION}),
    Horizon.SHORT_TERM: frozenset({Product.ST_ENERGY}),
}


# ---------------------------------------------------------------------------------- products
def product_dict(p: MarketProduct) -> dict:
    test = TEST_TOLERANCES[p.category].to_dict()
    test.pop("product")
    test.pop("description")
    return {**{c.key: getattr(p, c.key) for c in MarketProduct.__table__.columns if c.key not in ("created_at", "updated_at")},
            "prequalification_test": test}


def list_products(session: Session, *, filters: dict, after: int | None, limit: int) -> Sequence[MarketProduct]:
    stmt = select(MarketProduct).order_by(MarketProduct.id).limit(limit)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(MarketProduct, key) == value)
    if after is not None:
        stmt = stmt.where(MarketProduct.id > after)
    return session.scalars(stmt).all()


def get_product(session: Session, product_id: int) -> MarketProduct:
    found = session.get(MarketProduct, product_id)
    if found is None:
        raise NotFound("no such product", details={"product_id": product_id})
    return found


def product_by_code(session: Session, code: str, field: str = "product") -> MarketProduct:
    found = session.scalars(select(MarketProduct).where(MarketProduct.code == code)).first()
    if found is None or not found.active:
        raise InvalidInput(f"{field}: no active product {code!r}", code="invalid_reference",
                           details={"field": field, "code": code})
    return found


def create_product(session: Session, principal: Principal, data: ProductIn) -> MarketProduct:
    if session.scalars(select(MarketProduct.id).where(MarketProduct.code == data.code)).first():
        raise Conflict(f"a product with code {data.code!r} exists", code="duplicate_code")
    product = MarketProduct(**data.model_dump(), active=True, created_at=now_s(), updated_at=now_s())
    session.add(product)
    session.flush()
    audit.record(session, principal, "product.created", "product", product.id, after=audit.snapshot(product))
    return product


def update_product(session: Session, principal: Principal, product_id: int, data: ProductUpdate) -> MarketProduct:
    product = get_product(session, product_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise InvalidInput(f"{key} cannot be removed", details={"field": key})
    before = audit.snapshot(product)
    for key, value in changes.items():
        setattr(product, key, value)
    if product.min_power_w > product.max_power_w or product.rest_time_min_s > product.rest_time_max_s:
        raise InvalidInput("the limits are not in order (min above max)", code="invalid_limits")
    product.updated_at = now_s()
    audit.record(session, principal, "product.updated", "product", product.id, before=before,
                 after=audit.snapshot(product))
    return product


# ---------------------------------------------------------------------------------- markets
def market_dict(m: Market) -> dict:
    return {**{c.key: getattr(m, c.key) for c in Market.__table__.columns if c.key != "created_by_user_id"},
            "product_ids": [p.id for p in m.products]}


def create_market(session: Session, principal: Principal, data: MarketIn) -> Market:
    dso_id = principal.participant_id
    if data.grid_element_id is not None:
        grid_domain.reference(session, dso_id, data.grid_element_id, "grid_element_id")
    else:
        zone = session.get(Zone, data.zone_id)
        if zone is None or zone.dso_id != dso_id:
            raise InvalidInput(f"zone_id: no zone {data.zone_id} of yours", code="invalid_reference",
                               details={"field": "zone_id", "id": data.zone_id})
    products = []
    for pid in dict.fromkeys(data.product_ids):
        product = session.get(MarketProduct, pid)
        if product is None or not product.active:
            raise InvalidInput(f"product_ids: no active product {pid}", code="invalid_reference",
                               details={"field": "product_ids", "id": pid})
        products.append(product)
    if session.scalars(select(Market.id).where(Market.dso_id == dso_id, Market.name == data.name)).first():
        raise Conflict(f"you already have a market named {data.name!r}", code="duplicate_name")
    market = Market(dso_id=dso_id, name=data.name, grid_element_id=data.grid_element_id, zone_id=data.zone_id,
                    valid_from=data.valid_from, valid_until=data.valid_until, created_at=now_s(),
                    created_by_user_id=principal.acting_as_user_id)
    market.products = products
    session.add(market)
    session.flush()
    audit.record(session, principal, "market.created", "market", market.id, after=market_dict(market))
    return market


def get_market(session: Session, market_id: int) -> Market:
    found = session.get(Market, market_id)
    if found is None:
        raise NotFound("no such market", details={"market_id": market_id})
    return found


def own_market(session: Session, principal: Principal, market_id: int, field: str | None = None) -> Market:
    found = session.get(Market, market_id)
    if found is None or found.dso_id != principal.participant_id:
        if field is not None:
            raise InvalidInput(f"{field}: no market {market_id} of yours", code="invalid_reference",
                               details={"field": field, "id": market_id})
        raise NotFound("no such market of yours", details={"market_id": market_id})
    return found


def list_markets(session: Session, *, dso_id: int | None, grid_element_id: int | None, after: int | None,
                 limit: int) -> Sequence[Market]:
    stmt = select(Market).order_by(Market.id).limit(limit)
    if dso_id is not None:
        stmt = stmt.where(Market.dso_id == dso_id)
    if grid_element_id is not None:
        stmt = stmt.where(Market.grid_element_id == grid_element_id)
    if after is not None:
        stmt = stmt.where(Market.id > after)
    return session.scalars(stmt).all()


def market_element(session: Session, market: Market) -> GridElement | None:
    return None if market.grid_element_id is None else session.get(GridElement, market.grid_element_id)


# ---------------------------------------------------------------------------------- sessions
def _code(market: Market, horizon: Horizon, start: int) -> str:
    tag = "LT" if horizon is Horizon.LONG_TERM else "ST"
    return f"AUC_{market.id}_{tag}_{start}_{secrets.token_hex(2)}"


def create_session(session: Session, principal: Principal | None, data: SessionIn, settings: Settings, now: int, *,
                   origin: SessionOrigin = SessionOrigin.MANUAL) -> MarketSession:
    """Open a session of one of the DSO's markets (``principal`` None: the scheduler)."""
    market = (get_market(session, data.market_id) if principal is None
              else own_market(session, principal, data.market_id, "market_id"))
    if data.delivery_start < market.valid_from or data.delivery_end > market.valid_until:
        raise InvalidInput("the delivery period must lie within the market's validity", code="outside_validity",
                           details={"valid_from": market.valid_from, "valid_until": market.valid_until})
    if data.gate_close_at <= now:
        raise InvalidInput("the gate must close in the future", code="gate_in_past",
                           details={"gate_close_at": data.gate_close_at, "now": now})
    if not any(p.category in HORIZON_CATEGORIES[data.horizon] for p in market.products):
        raise InvalidInput(f"the market trades no {data.horizon.value.replace('_', '-')} product",
                           code="horizon_not_traded")
    code = data.code or _code(market, data.horizon, data.delivery_start)
    if session.scalars(select(MarketSession.id).where(MarketSession.code == code)).first():
        raise Conflict(f"a session with code {code!r} exists", code="duplicate_code")
    award_window = data.award_window_s or settings.award_window_s
    created = MarketSession(
        market_id=market.id, code=code, horizon=data.horizon, mode=data.mode, pricing=data.pricing, origin=origin,
        status=SessionStatus.OPEN if data.gate_open_at <= now else SessionStatus.SCHEDULED,
        gate_open_at=data.gate_open_at, gate_close_at=data.gate_close_at, delivery_start=data.delivery_start,
        delivery_end=data.delivery_end, award_window_s=award_window,
        attest_window_s=data.attest_window_s or settings.attest_window_s,
        success_threshold_pct=data.success_threshold_pct, penalty_pct=data.penalty_pct, created_at=now_s(),
        created_by_user_id=None if principal is None else principal.acting_as_user_id,
    )
    session.add(created)
    session.flush()
    if principal is not None:
        audit.record(session, principal, "session.created", "market_session", created.id, after=audit.snapshot(created))
    return created


def get_session(session: Session, session_id: int) -> MarketSession:
    found = session.get(MarketSession, session_id)
    if found is None:
        raise NotFound("no such session", details={"session_id": session_id})
    return found


def list_sessions(session: Session, *, filters: dict, start: int | None, end: int | None, after: int | None,
                  limit: int) -> Sequence[MarketSession]:
    """Sessions (the calendar): by market, status, horizon, delivering within [start, end)."""
    stmt = select(MarketSession).order_by(MarketSession.id).limit(limit)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(MarketSession, key) == value)
    if start is not None:
        stmt = stmt.where(MarketSession.delivery_end > start)
    if end is not None:
        stmt = stmt.where(MarketSession.delivery_start < end)
    if after is not None:
        stmt = stmt.where(MarketSession.id > after)
    return session.scalars(stmt).all()


def open_due_sessions(session: Session, now: int) -> int:
    """Scheduled sessions whose gate has opened become open; returns how many."""
    due = session.scalars(select(MarketSession).where(MarketSession.status == SessionStatus.SCHEDULED,
                                                      MarketSession.gate_open_at <= now)).all()
    for s in due:
        s.status = SessionStatus.OPEN
    return len(due)


# ---------------------------------------------------------------------------------- needs
def push_need(session: Session, principal: Principal, market_id: int, data: NeedIn) -> FlexibilityNeed:
    """A grid tool's requested flexibility for the market's element (the scheduler opens the session)."""
    market = own_market(session, principal, market_id)
    product = session.get(MarketProduct, data.product_id)
    if product is None or product not in market.products or product.category is not Product.ST_ENERGY:
        raise InvalidInput("product_id: not a short-term energy product of this market", code="invalid_reference",
                           details={"field": "product_id", "id": data.product_id})
    starts = [i.start for i in data.intervals]
    if len(set(starts)) != len(starts):
        raise InvalidInput("an interval appears twice", code="duplicate_interval")
    need = FlexibilityNeed(
        market_id=market.id, dso_id=market.dso_id, product_id=product.id, direction=product.direction,
        price_cap_per_mwh=data.price_cap_per_mwh,
        intervals=sorted([i.start, i.quantity_wh] for i in data.intervals), status=NeedStatus.PENDING,
        created_at=now_s(), created_by_user_id=principal.acting_as_user_id,
        api_client_id=None if principal.api_client is None else principal.api_client.id,
    )
    session.add(need)
    session.flush()
    audit.record(session, principal, "flexibility_need.pushed", "flexibility_need", need.id, after=audit.snapshot(need))
    return need

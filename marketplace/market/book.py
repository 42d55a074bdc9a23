"""A request's order book in the clearing engine's JSON format (docs/clearing-format.md).

One auction per request: its product (the catalogue product's category), the session's
pricing, the traffic light (short-term: the market element's light at gate closure;
long-term auctions are not gated by the light and go as ``yellow``), the product's limits;
one demand (the request's intervals at its location); and the bids, each bid version as one
clearing bid whose ``id`` is the bid's database id. A bid's ``location`` is the request's when
its bidding unit lies at or below the request's grid element (or, for a zone, all its assets
are in the zone's postal codes); otherwise the unit's own element, which the engine then
rejects as ``location_mismatch``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.clearing.model import Kind, Pricing
from marketplace.models import Asset, Bid, BiddingUnit, FlexRequest, GridElement, ZonePostalCode
from marketplace.models.enums import Product


def demand_location(request: FlexRequest) -> str:
    return f"request-{request.id}"


def unit_within(session: Session, unit: BiddingUnit, request: FlexRequest) -> bool:
    """Whether the bidding unit lies within the request's location."""
    if unit.dso_id != request.dso_id:
        return False
    if request.grid_element_id is not None:
        node = session.get(GridElement, unit.location_element_id)
        while node is not None:
            if node.id == request.grid_element_id:
                return True
            node = node.parent
        return False
    codes = set(session.scalars(select(ZonePostalCode.postal_code).where(ZonePostalCode.zone_id == request.zone_id)))
    assets = session.scalars(select(Asset.postal_code).where(Asset.bidding_unit_id == unit.id)).all()
    return bool(assets) and all(code in codes for code in assets)


def bid_location(session: Session, unit: BiddingUnit, request: FlexRequest) -> str:
    return demand_location(request) if unit_within(session, unit, request) else f"element-{unit.location_element_id}"


def auction(request: FlexRequest, traffic_light: str) -> dict[str, Any]:
    product = request.product
    return {
        "id": f"{request.session.code}/request-{request.id}",
        "pricing": request.session.pricing.value,
        "product": product.category.value,
        "traffic_light": traffic_light,
        "allow_overfill": False,
        "limits": {"min_power_w": product.min_power_w, "max_power_w": product.max_power_w,
                   "quantity_step_wh": product.quantity_step_wh},
    }


def demand(request: FlexRequest) -> dict[str, Any]:
    out = {
        "id": f"request-{request.id}",
        "location": demand_location(request),
        "direction": request.direction.value,
        "price_cap_per_mwh": request.price_cap_per_mwh,
        "intervals": [{"start": i.start, "quantity_wh": i.quantity_wh} for i in request.intervals],
    }
    if request.product.category is Product.LT_AVAILABILITY:
        out["availability_price_cap_per_mw_h"] = request.availability_price_cap_per_mw_h
        out["estimated_activation_hours"] = request.estimated_activation_hours
    return out


def bid_entry(*, bid_id: str, fsp: str, location: str, direction: str, kind: Kind, price_per_mwh: int, divisible: bool,
              min_quantity_wh: int, submitted_at: int, qualified_power_w: int, intervals: list[tuple[int, int]],
              availability_price_per_mw_h: int | None, lt_activation_price_per_mwh: int | None,
              category: Product) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": bid_id, "fsp": fsp, "location": location, "direction": direction, "kind": kind.value,
        "price_per_mwh": price_per_mwh, "currency": "EUR", "divisible": divisible, "submitted_at": submitted_at,
        "prequalified": qualified_power_w > 0, "qualified_power_w": qualified_power_w,
        "intervals": [{"start": s, "quantity_wh": q} for s, q in intervals],
    }
    if divisible:
        entry["min_quantity_wh"] = min_quantity_wh
    if category is Product.LT_AVAILABILITY:
        entry["availability_price_per_mw_h"] = availability_price_per_mw_h
    if kind is Kind.LT and category is Product.ST_ENERGY:
        entry["lt_activation_price_per_mwh"] = lt_activation_price_per_mwh
    return entry


def entry_of(session: Session, bid: Bid, request: FlexRequest, *, location: str | None = None) -> dict[str, Any]:
    """The clearing bid of ``bid`` (``location``: its unit's, when already known)."""
    if location is None:
        location = bid_location(session, session.get(BiddingUnit, bid.bidding_unit_id), request)
    return bid_entry(
        bid_id=str(bid.id), fsp=f"participant-{bid.fsp_id}", location=location,
        direction=bid.direction.value, kind=bid.kind, price_per_mwh=bid.price_per_mwh, divisible=bid.divisible,
        min_quantity_wh=bid.min_quantity_wh, submitted_at=bid.submitted_at,
        qualified_power_w=bid.qualified_power_w or 0, intervals=[(i.start, i.quantity_wh) for i in bid.intervals],
        availability_price_per_mw_h=bid.availability_price_per_mw_h,
        lt_activation_price_per_mwh=bid.lt_activation_price_per_mwh, category=request.product.category)


def order_book(session: Session, request: FlexRequest, bids: list[Bid], traffic_light: str) -> dict[str, Any]:
    """The clearing input for ``request`` with ``bids`` (the book's valid latest versions)."""
    unit_ids = sorted({bid.bidding_unit_id for bid in bids})
    units = {}
    for k in range(0, len(unit_ids), 1000):  # the units in a few queries, each unit's location once
        units.update((u.id, u) for u in session.scalars(select(BiddingUnit).where(
            BiddingUnit.id.in_(unit_ids[k:k + 1000]))))
    if request.grid_element_id is not None:  # a unit's place depends on its DSO and element only
        by_place: dict[tuple[int, int], str] = {}
        for unit in units.values():
            key = (unit.dso_id, unit.location_element_id)
            if key not in by_place:
                by_place[key] = bid_location(session, unit, request)
        locations = {uid: by_place[(u.dso_id, u.location_element_id)] for uid, u in units.items()}
    else:
        locations = {uid: bid_location(session, unit, request) for uid, unit in units.items()}
    return {"auction": auction(request, traffic_light), "demands": [demand(request)],
            "bids": [entry_of(session, bid, request, location=locations[bid.bidding_unit_id]) for bid in bids]}


def pricing_of(request: FlexRequest) -> Pricing:
    return request.session.pricing

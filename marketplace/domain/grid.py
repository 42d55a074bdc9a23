"""A DSO's grid: topology, aggregated zones, traffic lights and congestion forecasts.

A DSO uses only its own elements and zones: it creates them, sets their traffic lights,
uploads forecasts for its own transformers, and its views are scoped to its own region (a
foreign object answers 404 as if absent; a foreign reference in a request body answers 422).
The operator, FSPs and meter oracles read every DSO's grid; zones and traffic lights are
public information (readable anonymously).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, aliased

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.models import ForecastPoint, GridElement, TrafficLightState, Zone, ZonePostalCode
from marketplace.models.base import now_s
from marketplace.models.enums import (
    PARENT_KIND,
    TRANSFORMER_KINDS,
    GridElementKind,
    TrafficLight,
    TrafficLightSource,
)
from marketplace.schemas.grid import ForecastPointIn, GridElementIn, TrafficLightIn, ZoneIn


def _scoped_dso(principal: Principal) -> int | None:
    """The DSO id a caller's grid views are limited to (None: unlimited)."""
    return principal.participant_id if principal.is_dso else None


def element(session: Session, principal: Principal, element_id: int) -> GridElement:
    """An element the caller may see (404 otherwise)."""
    found = session.get(GridElement, element_id)
    scope = _scoped_dso(principal)
    if found is None or (scope is not None and found.dso_id != scope):
        raise NotFound("no such grid element", details={"grid_element_id": element_id})
    return found


def own_element(session: Session, principal: Principal, element_id: int) -> GridElement:
    """One of the calling DSO's own elements (404 otherwise)."""
    found = session.get(GridElement, element_id)
    if found is None or found.dso_id != principal.participant_id:
        raise NotFound("no such grid element of yours", details={"grid_element_id": element_id})
    return found


def reference(session: Session, dso_id: int | None, element_id: int, field: str) -> GridElement:
    """A grid element named in a request body; ``dso_id`` limits it to one DSO's (422 otherwise)."""
    found = session.get(GridElement, element_id)
    if found is None or (dso_id is not None and found.dso_id != dso_id):
        raise InvalidInput(f"{field}: no grid element {element_id}" + (" of yours" if dso_id is not None else ""),
                           code="invalid_reference", details={"field": field, "id": element_id})
    return found


def create_element(session: Session, principal: Principal, data: GridElementIn) -> GridElement:
    dso_id = principal.participant_id
    wanted = PARENT_KIND[data.kind]
    if wanted is None and data.parent_id is not None:
        raise InvalidInput("an HV/MV substation is a root: it has no parent", code="invalid_topology")
    if wanted is not None:
        if data.parent_id is None:
            raise InvalidInput(f"a {data.kind.value} needs a parent {wanted.value}", code="invalid_topology")
        parent = reference(session, dso_id, data.parent_id, "parent_id")
        if parent.kind is not wanted:
            raise InvalidInput(f"the parent of a {data.kind.value} must be a {wanted.value}, not a {parent.kind.value}",
                               code="invalid_topology", details={"parent_id": parent.id, "parent_kind": parent.kind.value})
    if session.scalars(select(GridElement.id).where(GridElement.dso_id == dso_id, GridElement.code == data.code)).first():
        raise Conflict(f"you already have a grid element with code {data.code!r}", code="duplicate_code")
    created = GridElement(dso_id=dso_id, **data.model_dump(), created_at=now_s())
    session.add(created)
    session.flush()
    audit.record(session, principal, "grid_element.created", "grid_element", created.id, after=audit.snapshot(created))
    return created


def list_elements(session: Session, principal: Principal, *, kind: GridElementKind | None, parent_id: int | None,
                  dso_id: int | None, after: int | None, limit: int) -> Sequence[GridElement]:
    stmt = select(GridElement).order_by(GridElement.id).limit(limit)
    scope = _scoped_dso(principal)
    if scope is not None:
        stmt = stmt.where(GridElement.dso_id == scope)
    for column, value in ((GridElement.kind, kind), (GridElement.parent_id, parent_id), (GridElement.dso_id, dso_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if after is not None:
        stmt = stmt.where(GridElement.id > after)
    return session.scalars(stmt).all()


def ancestors(session: Session, start: GridElement) -> dict[GridElementKind, GridElement]:
    """The element and every element above it, by kind."""
    chain: dict[GridElementKind, GridElement] = {}
    node: GridElement | None = start
    while node is not None and node.kind not in chain:
        chain[node.kind] = node
        node = node.parent
    return chain


# -------------------------------------------------------------------- traffic lights
def set_traffic_light(session: Session, principal: Principal, element_id: int, data: TrafficLightIn) -> TrafficLightState:
    """Record a new state for one of the DSO's elements (history kept).

    Set by the DSO's staff (source ``dso``) or its grid tool through an API client
    (source ``grid_tool``).
    """
    target = own_element(session, principal, element_id)
    now = now_s()
    state = TrafficLightState(
        grid_element_id=target.id, state=data.state, valid_from=now if data.valid_from is None else data.valid_from,
        set_at=now, source=TrafficLightSource.GRID_TOOL if principal.api_client is not None else TrafficLightSource.DSO,
        set_by_user_id=principal.acting_as_user_id,
        set_by_api_client_id=None if principal.api_client is None else principal.api_client.id, note=data.note,
    )
    session.add(state)
    session.flush()
    audit.record(session, principal, "traffic_light.set", "grid_element", target.id, after=audit.snapshot(state))
    return state


def _current_state_ids(now: int):
    later = aliased(TrafficLightState)
    newest = (
        select(later.id)
        .where(later.grid_element_id == TrafficLightState.grid_element_id, later.valid_from <= now)
        .order_by(later.valid_from.desc(), later.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return TrafficLightState.id == newest


def traffic_light(session: Session, principal: Principal, element_id: int,
                  history_limit: int) -> tuple[TrafficLight, int | None, Sequence[TrafficLightState]]:
    """(current state, since, history newest first); green with no ``since`` when never set."""
    target = element(session, principal, element_id)
    now = now_s()
    history = session.scalars(
        select(TrafficLightState).where(TrafficLightState.grid_element_id == target.id)
        .order_by(TrafficLightState.valid_from.desc(), TrafficLightState.id.desc()).limit(history_limit)
    ).all()
    current = session.scalars(
        select(TrafficLightState).where(TrafficLightState.grid_element_id == target.id, _current_state_ids(now))
    ).first()
    if current is None:
        return TrafficLight.GREEN, None, history
    return current.state, current.valid_from, history


def current_lights(session: Session, principal: Principal, *, after: int | None, limit: int) -> Sequence[TrafficLightState]:
    """The current state of every element that has one (others are green), by element id."""
    stmt = (
        select(TrafficLightState)
        .where(_current_state_ids(now_s()))
        .order_by(TrafficLightState.grid_element_id)
        .limit(limit)
    )
    scope = _scoped_dso(principal)
    if scope is not None:
        stmt = stmt.join(GridElement, GridElement.id == TrafficLightState.grid_element_id).where(GridElement.dso_id == scope)
    if after is not None:
        stmt = stmt.where(TrafficLightState.grid_element_id > after)
    return session.scalars(stmt).all()


# -------------------------------------------------------------------- forecasts
def store_forecast(session: Session, principal: Principal, element_id: int, points: Sequence[ForecastPointIn]) -> int:
    """Store forecast points for one of the DSO's transformers; a point replaces an earlier
    one for the same interval. Returns how many were stored."""
    target = own_element(session, principal, element_id)
    if target.kind not in TRANSFORMER_KINDS:
        raise InvalidInput("congestion forecasts are kept for transformers (HV/MV or MV/LV substations)",
                           code="not_a_transformer", details={"kind": target.kind.value})
    starts = [p.start for p in points]
    if len(set(starts)) != len(starts):
        seen: set[int] = set()
        dup = next(s for s in starts if s in seen or seen.add(s))
        raise InvalidInput("two points for the same interval", code="duplicate_interval", details={"start": dup})
    for i in range(0, len(starts), 1000):
        session.execute(delete(ForecastPoint).where(
            ForecastPoint.grid_element_id == target.id, ForecastPoint.start.in_(starts[i:i + 1000])))
    now = now_s()
    session.execute(insert(ForecastPoint), [
        {"grid_element_id": target.id, **p.model_dump(), "issued_at": now} for p in points
    ])
    audit.record(session, principal, "forecast.stored", "grid_element", target.id,
                 after={"points": len(points), "first_start": min(starts), "last_start": max(starts)})
    return len(points)


def forecast(session: Session, principal: Principal, element_id: int, start: int | None,
             end: int | None) -> Sequence[ForecastPoint]:
    target = element(session, principal, element_id)
    if start is None:
        start = (now_s() - 86_400) // 900 * 900
    if end is None:
        end = start + 8 * 86_400
    if end <= start:
        raise InvalidInput("`to` must be after `from`", code="invalid_range")
    return session.scalars(
        select(ForecastPoint).where(ForecastPoint.grid_element_id == target.id, ForecastPoint.start >= start,
                                    ForecastPoint.start < end).order_by(ForecastPoint.start)
    ).all()


# -------------------------------------------------------------------- zones
def create_zone(session: Session, principal: Principal, data: ZoneIn) -> Zone:
    dso_id = principal.participant_id
    if session.scalars(select(Zone.id).where(Zone.dso_id == dso_id, Zone.name == data.name)).first():
        raise Conflict(f"you already have a zone named {data.name!r}", code="duplicate_name")
    zone = Zone(dso_id=dso_id, name=data.name, province=data.province, created_at=now_s(),
                postal_codes=[ZonePostalCode(postal_code=code) for code in sorted(set(data.postal_codes))])
    session.add(zone)
    session.flush()
    audit.record(session, principal, "zone.created", "zone", zone.id,
                 after={**audit.snapshot(zone), "postal_codes": [p.postal_code for p in zone.postal_codes]})
    return zone


def zone(session: Session, principal: Principal, zone_id: int) -> Zone:
    found = session.get(Zone, zone_id)
    scope = _scoped_dso(principal)
    if found is None or (scope is not None and found.dso_id != scope):
        raise NotFound("no such zone", details={"zone_id": zone_id})
    return found


def list_zones(session: Session, principal: Principal, *, dso_id: int | None, postal_code: str | None,
               after: int | None, limit: int) -> Sequence[Zone]:
    stmt = select(Zone).order_by(Zone.id).limit(limit)
    scope = _scoped_dso(principal)
    if scope is not None:
        stmt = stmt.where(Zone.dso_id == scope)
    if dso_id is not None:
        stmt = stmt.where(Zone.dso_id == dso_id)
    if postal_code is not None:
        stmt = stmt.where(Zone.id.in_(select(ZonePostalCode.zone_id).where(ZonePostalCode.postal_code == postal_code)))
    if after is not None:
        stmt = stmt.where(Zone.id > after)
    return session.scalars(stmt).all()


def delete_zone(session: Session, principal: Principal, zone_id: int) -> None:
    found = session.get(Zone, zone_id)
    if found is None or found.dso_id != principal.participant_id:
        raise NotFound("no such zone of yours", details={"zone_id": zone_id})
    before = {**audit.snapshot(found), "postal_codes": [p.postal_code for p in found.postal_codes]}
    session.delete(found)
    audit.record(session, principal, "zone.deleted", "zone", zone_id, before=before)


def zone_postal_codes(session: Session, principal: Principal, zone_id: int) -> list[str]:
    """Postal codes of a zone the caller may see (used to filter assets by zone)."""
    return [p.postal_code for p in zone(session, principal, zone_id).postal_codes]

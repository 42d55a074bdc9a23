"""The grid: topology elements, traffic lights, congestion forecasts, and zones."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import ValidationError

from marketplace.api import present
from marketplace.api.registry import ALL_ROLES, PUBLIC, Access, roles, route
from marketplace.db import session
from marketplace.domain import grid as domain
from marketplace.domain.errors import InvalidInput, validation_error
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.common import Ok, Page, Paging
from marketplace.schemas.grid import (
    MAX_FORECAST_POINTS,
    CurrentLight,
    ForecastIn,
    ForecastOut,
    ForecastPointIn,
    ForecastPointOut,
    ForecastQuery,
    ForecastStored,
    GridElementIn,
    GridElementOut,
    GridElementQuery,
    TrafficLightIn,
    TrafficLightOut,
    TrafficLightQuery,
    TrafficLightStatus,
    ZoneIn,
    ZoneOut,
    ZoneQuery,
)

bp = Blueprint("grid", __name__, url_prefix="/api/v1")
zones_bp = Blueprint("zones", __name__, url_prefix="/api/v1")

#: Reading the grid: any approved participant (a DSO sees its own region only).
READER = Access(roles=ALL_ROLES)
#: Changing the grid: a DSO's traders and admins (and its grid tools' API clients).
DSO_WRITER = roles(ParticipantRole.DSO, grant=Grant.TRADER)
FORECAST_COLUMNS = ("start", "load_w", "planning_limit_w", "operational_limit_w")


@route(bp, "/grid/elements", "GET", summary="Grid elements (a DSO sees its own)", access=READER,
       query=GridElementQuery, response=Page[GridElementOut])
def list_elements(principal: Principal, query: GridElementQuery):
    rows = domain.list_elements(session(), principal, kind=query.kind, parent_id=query.parent_id,
                                dso_id=query.dso_id, after=query.after, limit=query.limit)
    return Page[GridElementOut](items=[GridElementOut.model_validate(e) for e in rows],
                                next_after=present.next_after(rows, query.limit))


@route(bp, "/grid/elements", "POST", summary="Add an element to your topology (DSO)", access=DSO_WRITER,
       body=GridElementIn, response=GridElementOut, status=201, errors=(409, 422))
def create_element(principal: Principal, body: GridElementIn):
    """HV/MV substation → MV feeder → MV/LV secondary substation → LV feeder: each element's
    parent is one of your own elements one level up. Coordinates in micro-degrees."""
    return GridElementOut.model_validate(domain.create_element(session(), principal, body))


@route(bp, "/grid/elements/<id:element_id>", "GET", summary="One grid element", access=READER,
       response=GridElementOut, errors=(404,))
def get_element(principal: Principal, element_id: int):
    return GridElementOut.model_validate(domain.element(session(), principal, element_id))


@route(bp, "/grid/elements/<id:element_id>/traffic-light", "PUT",
       summary="Set an element's traffic light (DSO, or its grid tool)", access=DSO_WRITER,
       body=TrafficLightIn, response=TrafficLightOut, errors=(404, 422))
def set_traffic_light(principal: Principal, element_id: int, body: TrafficLightIn):
    """Green and red: no market; yellow: short-term and long-term flexibility; orange: also
    dynamic connection agreements (seed table 8). Each call adds to the history; set by an
    API client it is recorded as coming from the grid tool."""
    return TrafficLightOut.model_validate(domain.set_traffic_light(session(), principal, element_id, body))


@route(bp, "/grid/elements/<id:element_id>/traffic-light", "GET",
       summary="An element's traffic light and its history (public)", access=PUBLIC, query=TrafficLightQuery,
       response=TrafficLightStatus, errors=(404,))
def get_traffic_light(principal: Principal, element_id: int, query: TrafficLightQuery):
    state, since, history = domain.traffic_light(session(), principal, element_id, query.history_limit)
    return TrafficLightStatus(grid_element_id=element_id, state=state, since=since,
                              history=[TrafficLightOut.model_validate(h) for h in history])


@route(bp, "/grid/traffic-lights", "GET", summary="Current traffic lights of all elements that have one (public)",
       access=PUBLIC, query=Paging, response=Page[CurrentLight])
def current_lights(principal: Principal, query: Paging):
    """Elements never set are green and not listed. Paged by element id."""
    rows = domain.current_lights(session(), principal, after=query.after, limit=query.limit)
    items = [CurrentLight(grid_element_id=r.grid_element_id, state=r.state, since=r.valid_from) for r in rows]
    return Page[CurrentLight](items=items, next_after=items[-1].grid_element_id if len(items) == query.limit else None)


def _iso_or_unix(value: str) -> int | str:
    if value.isdigit():
        return int(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # left for the schema to refuse
    if parsed.tzinfo is None:
        return value
    return int(parsed.timestamp())


def _forecast_rows(rows: list[dict[str, str]]) -> list[ForecastPointIn]:
    points = []
    for line, row in enumerate(rows, start=2):
        values = {k: v for k, v in row.items() if v != ""}
        if "start" in values:
            values["start"] = _iso_or_unix(values["start"])
        try:
            points.append(ForecastPointIn.model_validate(values, strict=False))
        except ValidationError as exc:
            err = validation_error(exc)
            raise InvalidInput(f"CSV line {line}: {err.message}", details={"line": line, **err.details}) from None
    return points


@route(bp, "/grid/elements/<id:element_id>/forecast", "POST",
       summary="Push or upload a transformer's congestion forecast (DSO)", access=DSO_WRITER,
       body=ForecastIn, media=("application/json", "text/csv"), csv_columns=FORECAST_COLUMNS,
       csv_max_rows=MAX_FORECAST_POINTS, response=ForecastStored, errors=(404, 415, 422))
def store_forecast(principal: Principal, element_id: int, body: ForecastIn | None = None,
                   rows: list[dict[str, str]] | None = None):
    """JSON ``{"points": [{start, load_w, planning_limit_w, operational_limit_w}]}`` or CSV
    with those columns (``start`` as Unix seconds or ISO-8601 UTC, e.g.
    ``2025-01-15T17:00:00Z``). 15-min intervals; a point replaces an earlier one for the same
    interval. Only for transformers (HV/MV and MV/LV substations)."""
    points = body.points if body is not None else _forecast_rows(rows)
    stored = domain.store_forecast(session(), principal, element_id, points)
    return ForecastStored(grid_element_id=element_id, stored=stored)


@route(bp, "/grid/elements/<id:element_id>/forecast", "GET", summary="A transformer's congestion forecast",
       access=READER, query=ForecastQuery, response=ForecastOut, errors=(400, 404))
def get_forecast(principal: Principal, element_id: int, query: ForecastQuery):
    """Points with ``from <= start < to`` (default: from 24 h ago, for 8 days)."""
    points = domain.forecast(session(), principal, element_id, query.start, query.end)
    return ForecastOut(grid_element_id=element_id, points=[ForecastPointOut.model_validate(p) for p in points])


# ------------------------------------------------------------------ zones
@route(zones_bp, "/zones", "GET", summary="Aggregated zones (public; a DSO sees its own)", access=PUBLIC,
       query=ZoneQuery, response=Page[ZoneOut])
def list_zones(principal: Principal, query: ZoneQuery):
    rows = domain.list_zones(session(), principal, dso_id=query.dso_id, postal_code=query.postal_code,
                             after=query.after, limit=query.limit)
    return Page[ZoneOut](items=[present.zone(z) for z in rows], next_after=present.next_after(rows, query.limit))


@route(zones_bp, "/zones", "POST", summary="Create an aggregated zone from postal codes (DSO)", access=DSO_WRITER,
       body=ZoneIn, response=ZoneOut, status=201, errors=(409, 422))
def create_zone(principal: Principal, body: ZoneIn):
    """A descriptive name, the province, and the postal codes that make it up (seed fig. 8)."""
    return present.zone(domain.create_zone(session(), principal, body))


@route(zones_bp, "/zones/<id:zone_id>", "GET", summary="One zone (public)", access=PUBLIC, response=ZoneOut,
       errors=(404,))
def get_zone(principal: Principal, zone_id: int):
    return present.zone(domain.zone(session(), principal, zone_id))


@route(zones_bp, "/zones/<id:zone_id>", "DELETE", summary="Delete one of your zones (DSO)", access=DSO_WRITER,
       response=Ok, errors=(404,))
def delete_zone(principal: Principal, zone_id: int):
    domain.delete_zone(session(), principal, zone_id)
    return Ok()

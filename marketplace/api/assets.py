"""Assets (one or in bulk, JSON or CSV) and local bidding units."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from marketplace.api import bulk, present
from marketplace.api.registry import json_response, roles, route
from marketplace.db import session
from marketplace.domain import assets as domain
from marketplace.domain import grid as grid_domain
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.assets import (
    MAX_BULK_ITEMS,
    AssetIn,
    AssetOut,
    AssetQuery,
    AssetUpdate,
    BiddingUnitIn,
    BiddingUnitOut,
    BiddingUnitQuery,
    BulkAssets,
)
from marketplace.schemas.common import BulkResult, Ok, Page

bp = Blueprint("assets", __name__, url_prefix="/api/v1")
units_bp = Blueprint("bidding_units", __name__, url_prefix="/api/v1")

#: Reading assets: the FSP (own), the DSO (its region), the operator (all).
READER = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP)
#: Registering and changing assets: the FSP's traders and admins.
FSP_WRITER = roles(ParticipantRole.FSP, grant=Grant.TRADER)

#: CSV columns of a bulk registration: the asset's fields, ``cs_*`` for the charging station
#: (``cs_connectors`` separated by ``;``) and ``ev_*`` for the vehicle.
ASSET_CSV_COLUMNS = (
    *(k for k in AssetIn.model_fields if k not in {"charging_station", "vehicle"}),
    "cs_model", "cs_country", "cs_city", "cs_address", "cs_max_ac_power_w", "cs_max_dc_power_w", "cs_connectors",
    "ev_model", "ev_battery_capacity_wh", "ev_max_charging_power_w",
)


def csv_item(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as an asset: ``cs_*`` columns form ``charging_station`` (``cs_connectors``
    separated by ``;``), ``ev_*`` columns form ``vehicle``; empty cells are absent."""
    item: dict[str, Any] = {}
    station: dict[str, Any] = {}
    vehicle: dict[str, Any] = {}
    for key, value in row.items():
        if value == "":
            continue
        if key.startswith("cs_"):
            station[key[3:]] = value.split(";") if key == "cs_connectors" else value
        elif key.startswith("ev_"):
            vehicle[key[3:]] = value
        else:
            item[key] = value
    if station:
        item["charging_station"] = station
    if vehicle:
        item["vehicle"] = vehicle
    return item


@route(bp, "/assets", "GET", summary="Assets: an FSP's own, a DSO's region, or all (operator)", access=READER,
       query=AssetQuery, response=Page[AssetOut], errors=(404,))
def list_assets(principal: Principal, query: AssetQuery):
    """Each asset with its place along the topology and its prequalification per product and
    direction. ``zone_id`` filters by the zone's postal codes."""
    s = session()
    codes = None if query.zone_id is None else grid_domain.zone_postal_codes(s, principal, query.zone_id)
    filters = {k: getattr(query, k) for k in ("asset_type", "status", "grid_element_id", "postal_code", "fsp_id", "dso_id")}
    rows = domain.list_assets(s, principal, filters=filters, postal_codes=codes, after=query.after, limit=query.limit)
    next_after = rows[-1]["id"] if len(rows) == query.limit else None
    return json_response({"items": present.asset_dicts(s, rows), "next_after": next_after})


@route(bp, "/assets", "POST", summary="Register an asset (FSP)", access=FSP_WRITER, body=AssetIn,
       response=AssetOut, status=201, errors=(422,))
def register_asset(principal: Principal, body: AssetIn):
    """Fields of seed table 4 in integer units (W, var, s, V, micro-degrees), plus the
    charging station or vehicle details for EV_charging / electric_vehicle assets. The
    asset connects to ``grid_element_id`` and so belongs to that element's DSO region."""
    s = session()
    ((asset_id, error),) = domain.register(s, principal, [body])
    if error is not None:
        raise error
    return present.assets(s, [domain.get(s, principal, asset_id)])[0]


@route(bp, "/assets/bulk", "POST", summary="Register many assets (JSON or CSV), a result per item",
       access=FSP_WRITER, body=BulkAssets, media=("application/json", "text/csv"), csv_columns=ASSET_CSV_COLUMNS,
       csv_max_rows=MAX_BULK_ITEMS, response=BulkResult, errors=(415, 422))
def register_bulk(principal: Principal, body: BulkAssets | None = None, rows: list[dict[str, str]] | None = None):
    """JSON ``{"items": [asset, ...]}`` or CSV (a header of field names; ``cs_*`` columns
    for charging stations with ``;``-separated connectors, ``ev_*`` for vehicles; empty cells
    are absent). At most 10,000 items. Valid items are registered, invalid ones reported with
    their code and message; the answer is 200 either way."""
    items = bulk.validate_items(AssetIn, None if body is None else body.items, rows, csv_item)
    return bulk.result(domain.register(session(), principal, items), "registered")


@route(bp, "/assets/<id:asset_id>", "GET", summary="One asset", access=READER, response=AssetOut, errors=(404,))
def get_asset(principal: Principal, asset_id: int):
    s = session()
    return present.assets(s, [domain.get(s, principal, asset_id)])[0]


@route(bp, "/assets/<id:asset_id>", "PATCH", summary="Change an asset's name, description, status or phone (FSP)",
       access=FSP_WRITER, body=AssetUpdate, response=AssetOut, errors=(404, 422))
def update_asset(principal: Principal, asset_id: int, body: AssetUpdate):
    s = session()
    return present.assets(s, [domain.update_asset(s, principal, asset_id, body)])[0]


# ------------------------------------------------------------------ bidding units
@route(units_bp, "/bidding-units", "GET", summary="Local bidding units (FSP own, DSO region, operator all)",
       access=READER, query=BiddingUnitQuery, response=Page[BiddingUnitOut])
def list_units(principal: Principal, query: BiddingUnitQuery):
    s = session()
    rows = domain.list_bidding_units(s, principal, after=query.after, limit=query.limit)
    return Page[BiddingUnitOut](items=present.bidding_units(s, rows), next_after=present.next_after(rows, query.limit))


@route(units_bp, "/bidding-units", "POST", summary="Group assets into a local bidding unit (FSP)",
       access=FSP_WRITER, body=BiddingUnitIn, response=BiddingUnitOut, status=201, errors=(409, 422))
def create_unit(principal: Principal, body: BiddingUnitIn):
    """One or more of your assets, all on one DSO's grid and none already in a unit; the unit
    sits at the lowest grid element above all of them."""
    s = session()
    return present.bidding_units(s, [domain.create_bidding_unit(s, principal, body)])[0]


@route(units_bp, "/bidding-units/<id:unit_id>", "GET", summary="One bidding unit", access=READER,
       response=BiddingUnitOut, errors=(404,))
def get_unit(principal: Principal, unit_id: int):
    s = session()
    return present.bidding_units(s, [domain.bidding_unit(s, principal, unit_id)])[0]


@route(units_bp, "/bidding-units/<id:unit_id>", "DELETE", summary="Dissolve a bidding unit (FSP)",
       access=FSP_WRITER, response=Ok, errors=(404,))
def delete_unit(principal: Principal, unit_id: int):
    domain.delete_bidding_unit(session(), principal, unit_id)
    return Ok()

"""Assets and local bidding units.

An FSP registers its assets on a DSO's grid (one at a time or in bulk, a result per item),
groups them into local bidding units (1:1 or many:1; an asset in at most one unit; all
behind one DSO, located at the lowest grid element above all of them). Who sees what: an
FSP its own assets, a DSO the assets on its grid (its region), the operator all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, InvalidInput, NotFound, ServiceError
from marketplace.domain.principal import Principal
from marketplace.models import Asset, BiddingUnit, ChargingStation, GridElement, Prequalification, Vehicle
from marketplace.models.base import now_s
from marketplace.models.enums import AssetType, Direction, GridElementKind, PrequalificationStatus, Product
from marketplace.schemas.assets import AssetIn, AssetUpdate, BiddingUnitIn

#: Grid element kinds an asset may connect to, by voltage level (V).
CONNECTION_KINDS = {
    400: frozenset({GridElementKind.LV_FEEDER, GridElementKind.MV_LV_SUBSTATION}),
    10_000: frozenset({GridElementKind.MV_FEEDER, GridElementKind.HV_MV_SUBSTATION}),
    20_000: frozenset({GridElementKind.MV_FEEDER, GridElementKind.HV_MV_SUBSTATION}),
    35_000: frozenset({GridElementKind.MV_FEEDER, GridElementKind.HV_MV_SUBSTATION}),
}
#: Topology levels from the bottom up.
LEVELS = (
    GridElementKind.LV_FEEDER,
    GridElementKind.MV_LV_SUBSTATION,
    GridElementKind.MV_FEEDER,
    GridElementKind.HV_MV_SUBSTATION,
)
_ASSET_COLUMNS = frozenset(c.key for c in Asset.__table__.columns) - {"id"}


# -------------------------------------------------------------------- validation
# -------------------------------------------------------------------- registration
def _check_connection(data: AssetIn, element: GridElement | None) -> None:
    if element is None:
        raise InvalidInput(f"grid_element_id: no grid element {data.grid_element_id}", code="invalid_reference",
                           details={"field": "grid_element_id", "id": data.grid_element_id})
    allowed = CONNECTION_KINDS[data.voltage_level_v]
    if element.kind not in allowed:
        raise InvalidInput(
            f"a {data.voltage_level_v} V asset cannot connect to a {element.kind.value}",
            code="voltage_mismatch",
            details={"voltage_level_v": data.voltage_level_v, "kind": element.kind.value,
                     "allowed": sorted(k.value for k in allowed)},
        )


def register(session: Session, principal: Principal,
             items: Sequence[AssetIn | ServiceError]) -> list[tuple[int | None, ServiceError | None]]:
    """Register the valid items (in one transaction); each item's (asset id, error).

    ``items`` holds validated assets, or the validation error of an item that failed.
    """
    wanted = {i.grid_element_id for i in items if isinstance(i, AssetIn)}
    elements: dict[int, GridElement] = {}
    ids = sorted(wanted)
    for k in range(0, len(ids), 1000):
        for e in session.scalars(select(GridElement).where(GridElement.id.in_(ids[k:k + 1000]))):
            elements[e.id] = e
    outcomes: list[tuple[int | None, ServiceError | None]] = []
    accepted: list[tuple[int, AssetIn, GridElement]] = []
    for index, item in enumerate(items):
        if isinstance(item, ServiceError):
            outcomes.append((None, item))
            continue
        element = elements.get(item.grid_element_id)
        try:
            _check_connection(item, element)
        except ServiceError as exc:
            outcomes.append((None, exc))
            continue
        outcomes.append((None, None))
        accepted.append((index, item, element))
    if not accepted:
        return outcomes
    now = now_s()
    rows = []
    for _, item, element in accepted:
        row = item.model_dump(exclude={"charging_station", "vehicle"})
        row.update(fsp_id=principal.participant_id, dso_id=element.dso_id, created_at=now, updated_at=now)
        rows.append(row)
    new_ids = session.scalars(insert(Asset).returning(Asset.id, sort_by_parameter_order=True), rows).all()
    stations, vehicles = [], []
    for (index, item, _), asset_id, row in zip(accepted, new_ids, rows, strict=True):
        outcomes[index] = (asset_id, None)
        row["id"] = asset_id
        if item.charging_station is not None:
            stations.append({"asset_id": asset_id, **item.charging_station.model_dump(mode="json")})
            row["charging_station"] = stations[-1]
        if item.vehicle is not None:
            vehicles.append({"asset_id": asset_id, **item.vehicle.model_dump()})
            row["vehicle"] = vehicles[-1]
    if stations:
        session.execute(insert(ChargingStation), stations)
    if vehicles:
        session.execute(insert(Vehicle), vehicles)
    audit.record_many(session, principal, "asset.registered", "asset",
                      ((row["id"], None, _jsonable(row)) for row in rows))
    return outcomes


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in row.items()}


# -------------------------------------------------------------------- reading
def visible(stmt, principal: Principal, model=Asset):
    """Limit a query to what the caller may see: own (FSP), region (DSO), all (operator)."""
    if principal.is_operator:
        return stmt
    if principal.is_dso:
        return stmt.where(model.dso_id == principal.participant_id)
    if principal.is_fsp:
        return stmt.where(model.fsp_id == principal.participant_id)
    return stmt.where(False)


def get(session: Session, principal: Principal, asset_id: int) -> Asset:
    found = session.scalars(visible(select(Asset).where(Asset.id == asset_id), principal)).first()
    if found is None:
        raise NotFound("no such asset", details={"asset_id": asset_id})
    return found


def own(session: Session, principal: Principal, asset_id: int, field: str | None = None) -> Asset:
    """One of the calling FSP's assets: 404 for a path id, 422 for a ``field`` in a body."""
    found = session.get(Asset, asset_id)
    if found is None or found.fsp_id != principal.participant_id:
        if field is not None:
            raise InvalidInput(f"{field}: no asset {asset_id} of yours", code="invalid_reference",
                               details={"field": field, "id": asset_id})
        raise NotFound("no such asset of yours", details={"asset_id": asset_id})
    return found


def list_assets(session: Session, principal: Principal, *, filters: dict[str, Any], postal_codes: list[str] | None,
                after: int | None, limit: int) -> Sequence[Any]:
    """A page of the assets the caller sees, as rows of the asset table's columns (read-only,
    cheaper than model instances for long lists)."""
    stmt = visible(select(*Asset.__table__.columns), principal).order_by(Asset.id).limit(limit)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Asset, key) == value)
    if postal_codes is not None:
        stmt = stmt.where(Asset.postal_code.in_(postal_codes))
    if after is not None:
        stmt = stmt.where(Asset.id > after)
    return session.execute(stmt).mappings().all()


def details(session: Session, assets: Sequence[Any]) -> tuple[dict[int, dict], dict[int, dict]]:
    """Charging-station and vehicle details of the EV assets among ``assets``, by asset id."""
    stations: dict[int, dict] = {}
    vehicles: dict[int, dict] = {}
    ev_ids = [a["id"] for a in assets if a["asset_type"] is AssetType.EV_CHARGING]
    car_ids = [a["id"] for a in assets if a["asset_type"] is AssetType.ELECTRIC_VEHICLE]
    for model, ids, out in ((ChargingStation, ev_ids, stations), (Vehicle, car_ids, vehicles)):
        for k in range(0, len(ids), 1000):
            for row in session.execute(select(*model.__table__.columns).where(model.asset_id.in_(ids[k:k + 1000]))).mappings():
                out[row["asset_id"]] = dict(row)
    return stations, vehicles


def update_asset(session: Session, principal: Principal, asset_id: int, data: AssetUpdate) -> Asset:
    asset = own(session, principal, asset_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "status"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be removed", details={"field": key})
    before = audit.snapshot(asset)
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.updated_at = now_s()
    audit.record(session, principal, "asset.updated", "asset", asset.id, before=before, after=audit.snapshot(asset))
    return asset


def locations(session: Session, element_ids: Iterable[int]) -> dict[int, dict[str, int | None]]:
    """For each element id, the ids of it and the elements above it, by level name."""
    parents: dict[int, tuple[GridElementKind, int | None]] = {}
    frontier = set(element_ids)
    while frontier:
        ids = sorted(frontier)
        frontier = set()
        for k in range(0, len(ids), 1000):
            for eid, kind, parent in session.execute(
                select(GridElement.id, GridElement.kind, GridElement.parent_id).where(GridElement.id.in_(ids[k:k + 1000]))
            ):
                parents[eid] = (kind, parent)
                if parent is not None and parent not in parents:
                    frontier.add(parent)
    out: dict[int, dict[str, int | None]] = {}
    for start in element_ids:
        chain: dict[str, int | None] = {level.value: None for level in LEVELS}
        node = start
        while node is not None and node in parents:
            kind, parent = parents[node]
            chain[kind.value] = node
            node = parent
        out[start] = chain
    return out


#: Every (product, direction), in a fixed order.
PAIRS = tuple((product, direction) for product in Product for direction in Direction)
_NONE = (PrequalificationStatus.NOT_ATTEMPTED, None)


@dataclass(frozen=True, slots=True)
class Standing:
    """An asset's prequalification for one product and direction."""

    status: PrequalificationStatus
    pending: bool
    qualified_power_w: int | None


def standings(session: Session, asset_ids: Sequence[int]) -> dict[int, dict[tuple[Product, Direction], Standing]]:
    """Per asset, per (product, direction): the latest decided attempt and whether one is pending."""
    decided: dict[tuple[int, Product, Direction], tuple[PrequalificationStatus, int | None]] = {}
    pending: set[tuple[int, Product, Direction]] = set()
    ids = list(asset_ids)
    for k in range(0, len(ids), 1000):
        rows = session.execute(
            select(Prequalification.asset_id, Prequalification.product, Prequalification.direction,
                   Prequalification.status, Prequalification.qualified_power_w)
            .where(Prequalification.asset_id.in_(ids[k:k + 1000])).order_by(Prequalification.id)
        )
        for asset_id, product, direction, status, power in rows:
            key = (asset_id, product, direction)
            if status is PrequalificationStatus.PENDING:
                pending.add(key)
            else:
                decided[key] = (status, power if status is PrequalificationStatus.QUALIFIED else None)
    out: dict[int, dict[tuple[Product, Direction], Standing]] = {}
    for asset_id in ids:
        per: dict[tuple[Product, Direction], Standing] = {}
        for pair in PAIRS:
            key = (asset_id, *pair)
            status, power = decided.get(key, _NONE)
            per[pair] = Standing(status, key in pending, power)
        out[asset_id] = per
    return out


# -------------------------------------------------------------------- bidding units
def create_bidding_unit(session: Session, principal: Principal, data: BiddingUnitIn) -> BiddingUnit:
    if len(set(data.asset_ids)) != len(data.asset_ids):
        raise InvalidInput("an asset is listed twice", code="duplicate_asset")
    members = [own(session, principal, asset_id, "asset_ids") for asset_id in data.asset_ids]
    taken = [a.id for a in members if a.bidding_unit_id is not None]
    if taken:
        raise Conflict("assets already belong to a bidding unit", code="asset_in_bidding_unit", details={"asset_ids": taken})
    dsos = {a.dso_id for a in members}
    if len(dsos) != 1:
        raise InvalidInput("a local bidding unit groups assets on one DSO's grid", code="mixed_dso",
                           details={"dso_ids": sorted(dsos)})
    chains = locations(session, [a.grid_element_id for a in members])
    location = None
    first = chains[members[0].grid_element_id]
    for level in LEVELS:
        candidate = first[level.value]
        if candidate is not None and all(chains[a.grid_element_id][level.value] == candidate for a in members):
            location = candidate
            break
    if location is None:
        raise InvalidInput("the assets share no grid element: they are under different HV/MV substations",
                           code="no_common_location")
    if session.scalars(select(BiddingUnit.id).where(BiddingUnit.fsp_id == principal.participant_id,
                                                    BiddingUnit.name == data.name)).first():
        raise Conflict(f"you already have a bidding unit named {data.name!r}", code="duplicate_name")
    unit = BiddingUnit(fsp_id=principal.participant_id, dso_id=dsos.pop(), name=data.name,
                       location_element_id=location, created_at=now_s())
    session.add(unit)
    session.flush()
    session.execute(update(Asset).where(Asset.id.in_(data.asset_ids)).values(bidding_unit_id=unit.id))
    session.expire(unit, ["assets"])
    for a in members:
        session.refresh(a, ["bidding_unit_id"])
    audit.record(session, principal, "bidding_unit.created", "bidding_unit", unit.id,
                 after={**audit.snapshot(unit), "asset_ids": list(data.asset_ids)})
    return unit


def bidding_unit(session: Session, principal: Principal, unit_id: int) -> BiddingUnit:
    found = session.scalars(visible(select(BiddingUnit).where(BiddingUnit.id == unit_id), principal, BiddingUnit)).first()
    if found is None:
        raise NotFound("no such bidding unit", details={"bidding_unit_id": unit_id})
    return found


def list_bidding_units(session: Session, principal: Principal, *, after: int | None, limit: int) -> Sequence[BiddingUnit]:
    stmt = visible(select(BiddingUnit), principal, BiddingUnit).order_by(BiddingUnit.id).limit(limit)
    if after is not None:
        stmt = stmt.where(BiddingUnit.id > after)
    return session.scalars(stmt).all()


def delete_bidding_unit(session: Session, principal: Principal, unit_id: int) -> None:
    unit = session.get(BiddingUnit, unit_id)
    if unit is None or unit.fsp_id != principal.participant_id:
        raise NotFound("no such bidding unit of yours", details={"bidding_unit_id": unit_id})
    from marketplace.models import Bid, UnitLimitation

    if session.scalars(select(Bid.id).where(Bid.bidding_unit_id == unit.id).limit(1)).first() is not None or \
            session.scalars(select(UnitLimitation.id).where(UnitLimitation.bidding_unit_id == unit.id).limit(1)).first():
        raise Conflict("the bidding unit has bids or limitations in the market; it stays", code="bidding_unit_in_use")
    before = {**audit.snapshot(unit), "asset_ids": [a.id for a in unit.assets]}
    session.execute(update(Asset).where(Asset.bidding_unit_id == unit.id).values(bidding_unit_id=None))
    session.delete(unit)
    audit.record(session, principal, "bidding_unit.deleted", "bidding_unit", unit_id, before=before)

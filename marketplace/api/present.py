"""Models to response schemas (the shapes the API returns)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from sqlalchemy.orm import Session

from marketplace.domain import assets as asset_domain
from marketplace.models import Asset, BiddingUnit, Participant, Prequalification, Zone
from marketplace.models.enums import Direction, PrequalificationStatus, Product
from marketplace.schemas.assets import AssetOut, BiddingUnitOut, PrequalificationOut, PrequalificationSummary
from marketplace.schemas.grid import ZoneOut
from marketplace.schemas.participants import ParticipantOut, RepresentativeOut


def participant(p: Participant) -> ParticipantOut:
    rep = RepresentativeOut(
        first_name=p.representative_first_name, last_name=p.representative_last_name,
        tax_id=p.representative_tax_id, phone=p.representative_phone, address=p.representative_address,
        email=p.representative_email,
    )
    return ParticipantOut.model_validate({
        **{k: getattr(p, k) for k in ParticipantOut.model_fields if k != "representative"}, "representative": rep,
    })


def zone(z: Zone) -> ZoneOut:
    return ZoneOut(id=z.id, dso_id=z.dso_id, name=z.name, province=z.province,
                   postal_codes=[p.postal_code for p in z.postal_codes], created_at=z.created_at)


def _summaries(per: dict) -> list[dict]:
    return [
        {"product": product.value, "direction": direction.value, "status": s.status.value, "pending": s.pending,
         "qualified_power_w": s.qualified_power_w}
        for (product, direction), s in per.items()
    ]


_ASSET_COLUMNS = tuple(c.key for c in Asset.__table__.columns)
_ASSETS = TypeAdapter(list[AssetOut])


def _columns(a: Any) -> dict[str, Any]:
    if isinstance(a, Asset):
        return {k: getattr(a, k) for k in _ASSET_COLUMNS}
    return dict(a)


def asset_dicts(session: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Assets (models or rows of the asset table) as plain JSON-ready dicts in the shape of
    ``AssetOut``: with their place along the topology, their EV details and their
    prequalification standing. (Long lists go out this way, without a model per asset.)"""
    plain = [_columns(a) for a in rows]
    places = asset_domain.locations(session, {a["grid_element_id"] for a in plain})
    standing = asset_domain.standings(session, [a["id"] for a in plain])
    stations, vehicles = asset_domain.details(session, plain)
    for a in plain:
        a["location"] = places[a["grid_element_id"]]
        a["prequalification"] = _summaries(standing[a["id"]])
        a["charging_station"] = stations.get(a["id"])
        a["vehicle"] = vehicles.get(a["id"])
        for key in ("asset_type", "status", "activation_mode"):
            a[key] = a[key].value
    return plain


def assets(session: Session, rows: Sequence[Any]) -> list[AssetOut]:
    """Assets as ``AssetOut`` models (single assets)."""
    return _ASSETS.validate_python(asset_dicts(session, rows))


def bidding_units(session: Session, units: Sequence[BiddingUnit]) -> list[BiddingUnitOut]:
    out = []
    for unit in units:
        members = unit.assets
        standing = asset_domain.standings(session, [a.id for a in members])
        summary = []
        for product in Product:
            for direction in Direction:
                each = [standing[a.id][(product, direction)] for a in members]
                if each and all(s.status is PrequalificationStatus.QUALIFIED for s in each):
                    status, power = PrequalificationStatus.QUALIFIED, sum(s.qualified_power_w or 0 for s in each)
                elif any(s.status is PrequalificationStatus.FAILED for s in each):
                    status, power = PrequalificationStatus.FAILED, None
                else:
                    status, power = PrequalificationStatus.NOT_ATTEMPTED, None
                summary.append(PrequalificationSummary(product=product, direction=direction, status=status,
                                                       pending=any(s.pending for s in each), qualified_power_w=power))
        out.append(BiddingUnitOut(
            id=unit.id, fsp_id=unit.fsp_id, dso_id=unit.dso_id, name=unit.name,
            location_element_id=unit.location_element_id, asset_ids=[a.id for a in members],
            active_import_w=sum(a.active_import_w for a in members),
            active_export_w=sum(a.active_export_w for a in members),
            prequalification=summary, created_at=unit.created_at,
        ))
    return out


def prequalification(p: Prequalification) -> PrequalificationOut:
    return PrequalificationOut.model_validate(p)


def next_after(items: Sequence, limit: int) -> int | None:
    """The keyset cursor of a page: the last id when the page is full."""
    return items[-1].id if len(items) == limit and items else None

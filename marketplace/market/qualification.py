"""Qualification for an auction (seed 3.2.2.5, table 2) and the DSO's limitations (3.2.3.5).

Long term: per published request, between its publication and the opening of the auction
(the session's gate opening), an FSP qualifies prequalified assets with a qualified power at
most the asset's capacity in the request's direction. The guarantee is computed (default
EUR 50 per qualified MW, ``FLEX_GUARANTEE_PER_MW``) and deposited on chain by the FSP's own
wallet — the wallet that will sign its bids (``depositGuarantee``; the answer carries the
unsigned transactions). The DSO validates the technical part, the operator the guarantee
(it checks the FSP's free guarantee on chain covers every open qualification); both accept →
``qualified``. A bid's quantity may not exceed its unit's qualified power; its ``guarantee``
is the sum of the unit's qualified guarantees, locked on chain at award.

Short term: qualification is automatic (:func:`marketplace.market.bids.qualified_power`): a
unit's prequalified power, capped by the DSO's limitations on it (0 W excludes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.prequalification import capacity_w
from marketplace.domain.principal import Principal
from marketplace.market import notifications
from marketplace.market.services import MarketServices
from marketplace.models import Asset, BiddingUnit, FlexRequest, Prequalification, Qualification, UnitLimitation, User
from marketplace.models.base import now_s
from marketplace.models.enums import AssetStatus, Decision, PrequalificationStatus
from marketplace.models.market import Horizon, QualificationStatus, RequestSource, RequestStatus
from marketplace.schemas.market import LimitationIn, QualificationIn, ReviewIn

#: Qualifications that count against an FSP's guarantee.
OPEN = (QualificationStatus.PENDING, QualificationStatus.QUALIFIED)
#: Requests whose qualifications still hold guarantee (not yet awarded, cancelled or over).
LIVE_REQUESTS = (RequestStatus.PUBLISHED, RequestStatus.CLOSED)


def guarantee_for(power_w: int, per_mw: int) -> int:
    """Guarantee in base units for ``power_w`` W at ``per_mw`` base units per MW, rounded up."""
    return -(-power_w * per_mw // 1_000_000)


def _qualifiable(session: Session, request_id: int, now: int) -> FlexRequest:
    request = session.get(FlexRequest, request_id)
    if request is None or request.published_at is None:
        raise NotFound("no such published request", details={"request_id": request_id})
    if request.session.horizon is not Horizon.LONG_TERM:
        raise Conflict("short-term auctions qualify automatically", code="automatic_qualification")
    if request.status is not RequestStatus.PUBLISHED or now >= request.session.gate_open_at:
        raise Conflict("qualification runs from publication until the auction opens", code="qualification_closed",
                       details={"gate_open_at": request.session.gate_open_at, "now": now})
    return request


def needed_guarantee(session: Session, fsp_id: int) -> int:
    """Sum of the FSP's open qualifications' guarantees in live requests, base units."""
    return int(session.scalar(select(func.coalesce(func.sum(Qualification.guarantee), 0)).join(
        FlexRequest, FlexRequest.id == Qualification.request_id).where(
        Qualification.fsp_id == fsp_id, Qualification.status.in_(OPEN),
        FlexRequest.status.in_(LIVE_REQUESTS))) or 0)


def free_guarantee(session: Session, services: MarketServices, fsp_id: int) -> int:
    """The FSP's free guarantee on chain (total minus locked) over all its users' wallets."""
    market = services.market()
    wallets = session.scalars(select(User.wallet_address).where(User.participant_id == fsp_id)).all()
    free = 0
    for wallet in wallets:
        total, locked = market.guarantee_of(wallet)
        free += total - locked
    return free


def deposit_transactions(services: MarketServices, amount: int) -> list[dict[str, Any]]:
    if amount <= 0:
        return []
    market = services.market()
    chain_id = market.chain.chain_id
    return [
        {"purpose": "approve the guarantee", "chain_id": chain_id, "to": market.token.address,
         "data": market.token.encode_abi("approve", args=[market.market.address, amount]), "value": 0},
        {"purpose": "deposit the guarantee", "chain_id": chain_id, "to": market.market.address,
         "data": market.market.encode_abi("depositGuarantee", args=[amount]), "value": 0},
    ]


def shortfall(session: Session, services: MarketServices, fsp_id: int) -> int:
    return max(0, needed_guarantee(session, fsp_id) - free_guarantee(session, services, fsp_id))


def request_qualification(session: Session, services: MarketServices, principal: Principal, request_id: int,
                          data: QualificationIn) -> Qualification:
    request = _qualifiable(session, request_id, services.now())
    asset = session.get(Asset, data.asset_id)
    if asset is None or asset.fsp_id != principal.participant_id:
        raise InvalidInput(f"asset_id: no asset {data.asset_id} of yours", code="invalid_reference",
                           details={"field": "asset_id", "id": data.asset_id})
    if asset.dso_id != request.dso_id or asset.status is not AssetStatus.OPERATIONAL:
        raise InvalidInput("asset_id: the asset is not operational on the requesting DSO's grid",
                           code="asset_not_eligible", details={"field": "asset_id"})
    prequalified = session.scalars(select(Prequalification.id).where(
        Prequalification.asset_id == asset.id, Prequalification.product == request.product.category,
        Prequalification.direction == request.direction,
        Prequalification.status == PrequalificationStatus.QUALIFIED)).first()
    if prequalified is None:
        raise InvalidInput(f"asset_id: the asset is not prequalified for {request.product.category.value} "
                           f"{request.direction.value}", code="not_prequalified", details={"field": "asset_id"})
    capacity = capacity_w(asset, request.direction)
    if data.qualified_power_w > capacity:
        raise InvalidInput(f"qualified_power_w {data.qualified_power_w} W is above the asset's capacity {capacity} W",
                           code="above_capacity", details={"capacity_w": capacity})
    if session.scalars(select(Qualification.id).where(Qualification.request_id == request.id,
                                                      Qualification.asset_id == asset.id,
                                                      Qualification.status.in_(OPEN))).first():
        raise Conflict("the asset is already qualified (or waiting) for this auction", code="already_qualified")
    row = Qualification(request_id=request.id, asset_id=asset.id, fsp_id=principal.participant_id,
                        qualified_power_w=data.qualified_power_w,
                        guarantee=guarantee_for(data.qualified_power_w, services.settings.guarantee_per_mw),
                        status=QualificationStatus.PENDING, note=data.note, requested_at=now_s(),
                        requested_by_user_id=principal.acting_as_user_id)
    session.add(row)
    session.flush()
    audit.record(session, principal, "qualification.requested", "qualification", row.id, after=audit.snapshot(row))
    return row


def visible(stmt, principal: Principal):
    if principal.is_operator:
        return stmt
    if principal.is_dso:
        return stmt.join(FlexRequest, FlexRequest.id == Qualification.request_id).where(
            FlexRequest.dso_id == principal.participant_id)
    if principal.is_fsp:
        return stmt.where(Qualification.fsp_id == principal.participant_id)
    return stmt.where(False)


def get(session: Session, principal: Principal, qualification_id: int) -> Qualification:
    found = session.scalars(visible(select(Qualification).where(Qualification.id == qualification_id),
                                    principal)).first()
    if found is None:
        raise NotFound("no such qualification", details={"qualification_id": qualification_id})
    return found


def list_qualifications(session: Session, principal: Principal, *, filters: dict, after: int | None,
                        limit: int) -> Sequence[Qualification]:
    stmt = visible(select(Qualification), principal)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Qualification, key) == value)
    if after is not None:
        stmt = stmt.where(Qualification.id > after)
    return session.scalars(stmt.order_by(Qualification.id).limit(limit)).all()


def _settle(session: Session, row: Qualification) -> None:
    if Decision.REJECTED in (row.dso_decision, row.operator_decision):
        row.status = QualificationStatus.REJECTED
    elif row.dso_decision is Decision.ACCEPTED and row.operator_decision is Decision.ACCEPTED:
        row.status = QualificationStatus.QUALIFIED
    else:
        return
    row.decided_at = now_s()
    request = session.get(FlexRequest, row.request_id)
    notifications.notify(session, [row.fsp_id, request.dso_id], notifications.QUALIFICATION_DECIDED,
                         f"Qualification {row.id} of asset {row.asset_id} for request {row.request_id}: "
                         f"{row.status.value}",
                         {"qualification_id": row.id, "request_id": row.request_id, "asset_id": row.asset_id,
                          "status": row.status.value, "qualified_power_w": row.qualified_power_w},
                         object_type="qualification", object_id=row.id)


def dso_review(session: Session, services: MarketServices, principal: Principal, qualification_id: int,
               review: ReviewIn) -> Qualification:
    row = get(session, principal, qualification_id)
    _qualifiable(session, row.request_id, services.now())
    if row.status is not QualificationStatus.PENDING or row.dso_decision is not None:
        raise Conflict("the DSO has already reviewed this qualification", code="already_reviewed")
    before = audit.snapshot(row)
    row.dso_decision, row.dso_reason, row.dso_decided_at = review.decision, review.reason, now_s()
    row.dso_decided_by_user_id = principal.acting_as_user_id
    _settle(session, row)
    audit.record(session, principal, "qualification.dso_reviewed", "qualification", row.id, before=before,
                 after=audit.snapshot(row))
    return row


def operator_review(session: Session, services: MarketServices, principal: Principal, qualification_id: int,
                    review: ReviewIn) -> Qualification:
    """The operator's guarantee validation: accepting needs the FSP's free guarantee on chain to
    cover all its open qualifications."""
    row = get(session, principal, qualification_id)
    _qualifiable(session, row.request_id, services.now())
    if row.status is not QualificationStatus.PENDING or row.operator_decision is not None:
        raise Conflict("the operator has already reviewed this qualification", code="already_reviewed")
    if review.decision is Decision.ACCEPTED:
        needed, free = needed_guarantee(session, row.fsp_id), free_guarantee(session, services, row.fsp_id)
        if free < needed:
            raise Conflict(f"the FSP's free guarantee on chain ({free}) does not cover its qualifications ({needed})",
                           code="guarantee_missing", details={"needed": needed, "free": free})
    before = audit.snapshot(row)
    row.operator_decision, row.operator_reason, row.operator_decided_at = review.decision, review.reason, now_s()
    row.operator_decided_by_user_id = principal.acting_as_user_id
    _settle(session, row)
    audit.record(session, principal, "qualification.operator_reviewed", "qualification", row.id, before=before,
                 after=audit.snapshot(row))
    return row


# ---------------------------------------------------------------------------------- limitations
def set_limitations(session: Session, principal: Principal, items: Sequence[LimitationIn],
                    source: RequestSource) -> list[UnitLimitation]:
    """Record the DSO's limitations on bidding units behind its grid (seed 3.2.3.3)."""
    out = []
    for k, item in enumerate(items):
        unit = session.get(BiddingUnit, item.bidding_unit_id)
        if unit is None or unit.dso_id != principal.participant_id:
            raise InvalidInput(f"items[{k}].bidding_unit_id: no bidding unit {item.bidding_unit_id} on your grid",
                               code="invalid_reference", details={"field": f"items[{k}].bidding_unit_id"})
        if item.valid_until is not None and item.valid_until <= item.valid_from:
            raise InvalidInput(f"items[{k}]: valid_until must be after valid_from", code="invalid_input")
        row = UnitLimitation(dso_id=principal.participant_id, bidding_unit_id=unit.id, direction=item.direction,
                             max_power_w=item.max_power_w, valid_from=item.valid_from, valid_until=item.valid_until,
                             reason=item.reason, source=source, created_at=now_s(),
                             created_by_user_id=principal.acting_as_user_id)
        session.add(row)
        out.append(row)
    session.flush()
    audit.record_many(session, principal, "limitation.set", "unit_limitation",
                      ((row.id, None, audit.snapshot(row)) for row in out))
    return out


def list_limitations(session: Session, principal: Principal, *, after: int | None, limit: int) -> Sequence[UnitLimitation]:
    stmt = select(UnitLimitation)
    if principal.is_dso:
        stmt = stmt.where(UnitLimitation.dso_id == principal.participant_id)
    elif principal.is_fsp:
        stmt = stmt.join(BiddingUnit, BiddingUnit.id == UnitLimitation.bidding_unit_id).where(
            BiddingUnit.fsp_id == principal.participant_id)
    elif not principal.is_operator:
        stmt = stmt.where(False)
    if after is not None:
        stmt = stmt.where(UnitLimitation.id > after)
    return session.scalars(stmt.order_by(UnitLimitation.id).limit(limit)).all()


def delete_limitation(session: Session, principal: Principal, limitation_id: int) -> None:
    row = session.get(UnitLimitation, limitation_id)
    if row is None or row.dso_id != principal.participant_id:
        raise NotFound("no such limitation of yours", details={"limitation_id": limitation_id})
    before = audit.snapshot(row)
    session.delete(row)
    audit.record(session, principal, "limitation.deleted", "unit_limitation", limitation_id, before=before)

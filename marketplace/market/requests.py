"""DSO requests: entry (API, form, file), operator validation, escrow and publication, cancellation.

A DSO submits a request in one of its sessions (seed fig. 10, table 6); the operator validates
it (or rejects it with a reason). Validation fixes the published document (canonical JSON) and
prepares each on-chain leg (``ChainRequest``): the exact ``FlexRequest`` terms, ``ref`` and
``location``. The DSO's own wallet then approves the token and calls ``createRequest`` per leg
(``GET /requests/{id}/escrow`` gives the unsigned transactions); the request is *published*
when every leg's ``RequestCreated`` with its ``ref`` and terms has been seen — by the event
indexer, or at once by ``POST /requests/{id}/publish {tx_hash}``. Cancellation before gate
closure returns the escrow (the operator sends ``cancelRequest`` for legs already on chain).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain import grid as grid_domain
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.market import canonical, catalogue, notifications, terms, window
from marketplace.market.services import MarketServices
from marketplace.models import (
    ChainRequest,
    FlexRequest,
    GridElement,
    MarketProduct,
    MarketSession,
    Participant,
    RequestInterval,
    User,
    Zone,
)
from marketplace.models.base import now_s
from marketplace.models.enums import ParticipantRole, ParticipantStatus, Product
from marketplace.models.market import (
    ChainRequestStatus,
    Horizon,
    RequestSource,
    RequestStatus,
    SessionStatus,
)
from marketplace.schemas.market import RequestIn

#: Statuses in which a request is public.
PUBLIC_STATUSES = (RequestStatus.PUBLISHED, RequestStatus.CLOSED, RequestStatus.AWARDED)
#: Statuses a request can be cancelled from.
CANCELLABLE = (RequestStatus.SUBMITTED, RequestStatus.VALIDATED, RequestStatus.PUBLISHED)


# ---------------------------------------------------------------------------------- entry
def _descendant_of(session: Session, element: GridElement, ancestor_id: int) -> bool:
    node: GridElement | None = element
    while node is not None:
        if node.id == ancestor_id:
            return True
        node = node.parent
    return False


def _location(session: Session, principal_dso: int, market, data: RequestIn) -> tuple[int | None, int | None]:
    if data.grid_element_id is not None:
        element = grid_domain.reference(session, principal_dso, data.grid_element_id, "grid_element_id")
        if market.grid_element_id is not None and not _descendant_of(session, element, market.grid_element_id):
            raise InvalidInput("grid_element_id: the element is not at or below the market's element",
                               code="outside_market", details={"field": "grid_element_id"})
        return element.id, None
    if data.zone_id is not None:
        zone = session.get(Zone, data.zone_id)
        if zone is None or zone.dso_id != principal_dso:
            raise InvalidInput(f"zone_id: no zone {data.zone_id} of yours", code="invalid_reference",
                               details={"field": "zone_id", "id": data.zone_id})
        return None, zone.id
    return market.grid_element_id, market.zone_id


def _intervals(data: RequestIn, product: MarketProduct) -> list[tuple[int, int]]:
    if data.service_window is not None:
        if not data.required_power_w:
            raise InvalidInput("required_power_w: a service window needs the required capacity", code="invalid_input",
                               details={"field": "required_power_w"})
        if data.required_power_w % 4:
            raise InvalidInput("required_power_w must be a multiple of 4 W (whole Wh per quarter-hour)",
                               code="invalid_input", details={"field": "required_power_w"})
        w = data.service_window
        try:
            starts = window.starts(start_date=w.start_date, end_date=w.end_date, days=w.days,
                                   start_period_s=w.start_period_s, end_period_s=w.end_period_s, timezone=w.timezone,
                                   bank_holidays=w.bank_holidays, bank_holidays_included=w.bank_holidays_included)
        except window.WindowError as exc:
            raise InvalidInput(f"service_window: {exc}", code="invalid_service_window") from None
        return [(s, data.required_power_w // 4) for s in starts]
    out = sorted((i.start, i.quantity_wh) for i in data.intervals)
    if any(a == b for (a, _), (b, _) in zip(out, out[1:])):
        raise InvalidInput("intervals: an interval appears twice", code="duplicate_interval")
    if any(q == 0 for _, q in out):
        raise InvalidInput("intervals: every quantity_wh must be positive", code="invalid_input")
    return out


def submit(session: Session, principal: Principal, data: RequestIn, source: RequestSource, now: int) -> FlexRequest:
    """Enter a DSO request (``submitted``: it waits for the operator's validation)."""
    dso_id = principal.participant_id
    sess = session.get(MarketSession, data.session_id)
    if sess is None or sess.market.dso_id != dso_id:
        raise InvalidInput(f"session_id: no session {data.session_id} of your markets", code="invalid_reference",
                           details={"field": "session_id", "id": data.session_id})
    return _create(session, principal, sess, data, source, now)


def _create(session: Session, principal: Principal | None, sess: MarketSession, data: RequestIn,
            source: RequestSource, now: int) -> FlexRequest:
    market = sess.market
    if sess.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN) or now >= sess.gate_close_at:
        raise Conflict("the session's gate has closed: no new requests", code="session_closed",
                       details={"session_id": sess.id, "gate_close_at": sess.gate_close_at})
    product = catalogue.product_by_code(session, data.product)
    if product not in market.products:
        raise InvalidInput(f"product: {product.code} is not traded in this market", code="product_not_in_market",
                           details={"field": "product"})
    if product.category not in catalogue.HORIZON_CATEGORIES[sess.horizon]:
        raise InvalidInput(f"product: a {product.category.value} product in a {sess.horizon.value} session",
                           code="product_not_in_session", details={"field": "product"})
    element_id, zone_id = _location(session, market.dso_id, market, data)
    if product.category is Product.LT_AVAILABILITY:
        missing = [name for name in ("service_window", "required_power_w", "availability_price_cap_per_mw_h",
                                     "estimated_activation_hours") if not getattr(data, name)]
        if missing:
            raise InvalidInput(f"an availability request needs {', '.join(missing)} (at least 1 estimated hour)",
                               code="invalid_input", details={"fields": missing})
    intervals = _intervals(data, product)
    if intervals[0][0] < sess.delivery_start or intervals[-1][0] + 900 > sess.delivery_end:
        raise InvalidInput("the intervals must lie within the session's delivery period", code="outside_delivery_period",
                           details={"delivery_start": sess.delivery_start, "delivery_end": sess.delivery_end})
    if data.min_activation_price_per_mwh is not None and data.min_activation_price_per_mwh > data.price_cap_per_mwh:
        raise InvalidInput("min_activation_price_per_mwh is above the price cap", code="invalid_input")
    if data.lt_request_id is not None:
        lt = session.get(FlexRequest, data.lt_request_id)
        if (lt is None or lt.dso_id != market.dso_id or lt.product.category is not Product.LT_AVAILABILITY
                or sess.horizon is not Horizon.SHORT_TERM or lt.direction is not product.direction):
            raise InvalidInput("lt_request_id: not a long-term availability request of yours in this direction",
                               code="invalid_reference", details={"field": "lt_request_id"})
    w = data.service_window
    request = FlexRequest(
        session_id=sess.id, dso_id=market.dso_id, product_id=product.id, grid_element_id=element_id, zone_id=zone_id,
        direction=product.direction, source=source, status=RequestStatus.SUBMITTED,
        required_power_w=data.required_power_w, min_bid_power_w=data.min_bid_power_w,
        price_cap_per_mwh=data.price_cap_per_mwh, min_activation_price_per_mwh=data.min_activation_price_per_mwh,
        availability_price_cap_per_mw_h=data.availability_price_cap_per_mw_h,
        service_start_date=w.start_date if w else None, service_end_date=w.end_date if w else None,
        service_days=w.days if w else None, start_period_s=w.start_period_s if w else None,
        end_period_s=w.end_period_s if w else None, bank_holidays_included=w.bank_holidays_included if w else True,
        bank_holidays=list(w.bank_holidays) if w else [], timezone=w.timezone if w else "UTC",
        estimated_activation_hours=data.estimated_activation_hours, commitment_mandatory=data.commitment_mandatory,
        minimal_lead_time_s=data.minimal_lead_time_s, additional_info=data.additional_info,
        lt_request_id=data.lt_request_id, total_wh=sum(q for _, q in intervals), delivery_start=intervals[0][0],
        delivery_end=intervals[-1][0] + 900, created_at=now_s(),
        created_by_user_id=None if principal is None else principal.acting_as_user_id,
    )
    session.add(request)
    session.flush()
    session.add_all(RequestInterval(request_id=request.id, start=s, quantity_wh=q) for s, q in intervals)
    session.flush()
    if principal is not None:
        audit.record(session, principal, "request.submitted", "flex_request", request.id,
                     after={**audit.snapshot(request), "intervals": len(intervals)}, participant_id=request.dso_id)
    return request


# ---------------------------------------------------------------------------------- reading
def visible(stmt, principal: Principal):
    if principal.is_operator:
        return stmt
    public = FlexRequest.published_at.is_not(None)
    if principal.is_dso:
        return stmt.where(or_(public, FlexRequest.dso_id == principal.participant_id))
    return stmt.where(public)


def get(session: Session, principal: Principal, request_id: int) -> FlexRequest:
    found = session.scalars(visible(select(FlexRequest).where(FlexRequest.id == request_id), principal)).first()
    if found is None:
        raise NotFound("no such request", details={"request_id": request_id})
    return found


def own(session: Session, principal: Principal, request_id: int) -> FlexRequest:
    found = session.get(FlexRequest, request_id)
    if found is None or (found.dso_id != principal.participant_id and not principal.is_operator):
        raise NotFound("no such request of yours", details={"request_id": request_id})
    return found


def list_requests(session: Session, principal: Principal, *, filters: dict, after: int | None,
                  limit: int) -> Sequence[FlexRequest]:
    stmt = visible(select(FlexRequest), principal)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(FlexRequest, key) == value)
    if after is not None:
        stmt = stmt.where(FlexRequest.id > after)
    return session.scalars(stmt.order_by(FlexRequest.id).limit(limit)).all()


# ---------------------------------------------------------------------------------- validation
def location_of(session: Session, request: FlexRequest) -> tuple[dict[str, str], str]:
    """(the location in the published document, its on-chain hash)."""
    if request.grid_element_id is not None:
        element = session.get(GridElement, request.grid_element_id)
        return {"grid_element": element.code}, canonical.element_location(request.dso_id, element.code)
    zone = session.get(Zone, request.zone_id)
    return {"zone": zone.name}, canonical.zone_location(request.dso_id, zone.name)


def document(session: Session, request: FlexRequest, location: dict[str, str]) -> dict[str, Any]:
    """The published request document (its canonical JSON is stored and hashed into ``ref``)."""
    sess = request.session
    window_doc = None
    if request.service_start_date is not None:
        window_doc = {"start_date": request.service_start_date, "end_date": request.service_end_date,
                      "days": request.service_days, "start_period_s": request.start_period_s,
                      "end_period_s": request.end_period_s, "timezone": request.timezone,
                      "bank_holidays": list(request.bank_holidays),
                      "bank_holidays_included": request.bank_holidays_included}
    return {
        "schema": "flexmarket.request/1", "request_id": request.id, "session": sess.code, "dso_id": request.dso_id,
        "product": request.product.code, "category": request.product.category.value,
        "direction": request.direction.value, "location": location, "required_power_w": request.required_power_w,
        "min_bid_power_w": request.min_bid_power_w, "price_cap_per_mwh": request.price_cap_per_mwh,
        "min_activation_price_per_mwh": request.min_activation_price_per_mwh,
        "availability_price_cap_per_mw_h": request.availability_price_cap_per_mw_h, "service_window": window_doc,
        "estimated_activation_hours": request.estimated_activation_hours,
        "commitment_mandatory": request.commitment_mandatory, "minimal_lead_time_s": request.minimal_lead_time_s,
        "additional_info": request.additional_info, "lt_request_id": request.lt_request_id,
        "intervals": [[i.start, i.quantity_wh] for i in request.intervals], "gate_close_at": sess.gate_close_at,
        "delivery_start": request.delivery_start, "delivery_end": request.delivery_end,
        "pricing": sess.pricing.value, "mode": sess.mode.value,
    }


def dso_wallet(session: Session, dso_id: int, preferred_user_id: int | None = None) -> str:
    """The DSO wallet that will create the escrow: the submitting user's if it holds the role,
    else the first active user's with the role granted."""
    users = session.scalars(select(User).where(User.participant_id == dso_id, User.active.is_(True),
                                               User.chain_role_granted_at.is_not(None)).order_by(User.id)).all()
    for user in users:
        if user.id == preferred_user_id:
            return user.wallet_address
    if not users:
        raise Conflict("the DSO has no wallet holding the DSO role on chain yet", code="no_dso_wallet")
    return users[0].wallet_address


def prepare_legs(session: Session, services: MarketServices, request: FlexRequest, now: int) -> None:
    """Fix the published document and the on-chain terms of every leg (status ``pending``)."""
    market = services.market()
    sess = request.session
    if now >= sess.gate_close_at:
        raise Conflict("the session's gate has closed", code="session_closed")
    if min(sess.gate_close_at + sess.award_window_s, request.delivery_start) <= sess.gate_close_at:
        raise Conflict("delivery starts at gate closure: no time to award", code="no_award_window")
    location_doc, location_hash = location_of(session, request)
    doc = document(session, request, location_doc)
    request.canonical = canonical.canonical_json(doc)
    wallet = dso_wallet(session, request.dso_id, request.created_by_user_id)
    for leg in terms.legs_of(request.product.category):
        t = terms.request_terms(
            leg=leg, document=doc, dso_address=wallet, gate_close_at=sess.gate_close_at,
            delivery_start=request.delivery_start, delivery_end=request.delivery_end,
            award_window_s=sess.award_window_s, attest_window_s=sess.attest_window_s, total_wh=request.total_wh,
            interval_count=len(request.intervals), price_cap_per_mwh=request.price_cap_per_mwh,
            availability_price_cap_per_mw_h=request.availability_price_cap_per_mw_h,
            estimated_activation_hours=request.estimated_activation_hours,
            success_threshold_pct=sess.success_threshold_pct, penalty_pct=sess.penalty_pct, pricing=sess.pricing)
        from marketplace import settlement

        escrow = settlement.payment(t["priceCapPerMWh"], t["quantityWh"])
        if escrow == 0:
            raise InvalidInput(f"the {leg.value} leg would escrow nothing (zero quantity or cap)", code="empty_request")
        session.add(ChainRequest(
            request_id=request.id, leg=leg, chain_id=market.chain.chain_id, market_address=market.market.address,
            status=ChainRequestStatus.PENDING, dso_address=wallet, gate_closure=t["gateClosure"],
            award_deadline=t["awardDeadline"], delivery_end=t["deliveryEnd"], attest_deadline=t["attestDeadline"],
            quantity_wh=t["quantityWh"], price_cap_per_mwh=t["priceCapPerMWh"],
            success_threshold_pct=t["successThresholdPct"], penalty_pct=t["penaltyPct"], pay_as_clear=t["payAsClear"],
            ref=t["ref"], location=location_hash, escrow=escrow, updated_at=now_s()))
    session.flush()
    session.expire(request, ["legs"])


def validate(session: Session, services: MarketServices, principal: Principal, request_id: int) -> FlexRequest:
    """The operator's validation: the request's document and on-chain terms are fixed."""
    request = session.get(FlexRequest, request_id)
    if request is None:
        raise NotFound("no such request", details={"request_id": request_id})
    if request.status is not RequestStatus.SUBMITTED:
        raise Conflict(f"the request is {request.status.value}, not submitted", code="not_submitted")
    before = audit.snapshot(request)
    prepare_legs(session, services, request, services.now())
    request.status = RequestStatus.VALIDATED
    request.validated_at = now_s()
    request.validated_by_user_id = principal.acting_as_user_id
    audit.record(session, principal, "request.validated", "flex_request", request.id, before=before,
                 after=audit.snapshot(request), participant_id=request.dso_id)
    notifications.notify(session, [request.dso_id], "request.validated",
                         f"Request {request.id} validated: create its escrow to publish it",
                         {"request_id": request.id}, object_type="flex_request", object_id=request.id)
    return request


def reject(session: Session, principal: Principal, request_id: int, reason: str) -> FlexRequest:
    request = session.get(FlexRequest, request_id)
    if request is None:
        raise NotFound("no such request", details={"request_id": request_id})
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.VALIDATED) or any(
            leg.status is not ChainRequestStatus.PENDING for leg in request.legs):
        raise Conflict(f"the request is {request.status.value}: it can no longer be rejected", code="not_submitted")
    before = audit.snapshot(request)
    request.status, request.status_reason = RequestStatus.REJECTED, reason
    audit.record(session, principal, "request.rejected", "flex_request", request.id, before=before,
                 after=audit.snapshot(request), participant_id=request.dso_id)
    notifications.notify(session, [request.dso_id], "request.rejected", f"Request {request.id} rejected: {reason}",
                         {"request_id": request.id, "reason": reason}, object_type="flex_request", object_id=request.id)
    return request


# ---------------------------------------------------------------------------------- escrow, publication
def escrow_transactions(session: Session, services: MarketServices, principal: Principal, request_id: int,
                        wallet: str | None) -> dict[str, Any]:
    """The unsigned approve + createRequest transactions for the DSO's wallet."""
    request = own(session, principal, request_id)
    if request.status is not RequestStatus.VALIDATED:
        raise Conflict(f"the request is {request.status.value}; escrow is created for validated requests",
                       code="not_validated")
    pending = [leg for leg in request.legs if leg.status is ChainRequestStatus.PENDING]
    if wallet is not None:
        wallet = to_checksum_address(wallet)
        holder = session.scalars(select(User).where(User.participant_id == request.dso_id,
                                                    User.wallet_address == wallet, User.active.is_(True))).first()
        if holder is None or holder.chain_role_granted_at is None:
            raise InvalidInput("wallet: not a wallet of yours holding the DSO role", code="invalid_reference",
                               details={"field": "wallet"})
        for leg in pending:
            leg.dso_address = wallet
    market = services.market()
    txs = []
    total = sum(leg.escrow for leg in pending)
    if pending:
        txs.append({"purpose": "approve the escrow", "chain_id": market.chain.chain_id, "to": market.token.address,
                    "data": market.token.encode_abi("approve", args=[market.market.address, total]), "value": 0})
    for leg in pending:
        txs.append({"purpose": f"create the {leg.leg.value} request", "chain_id": market.chain.chain_id,
                    "to": market.market.address,
                    "data": market.market.encode_abi("createRequest",
                                                     args=[canonical.flex_request_tuple(leg_terms(leg)),
                                                           canonical.hex_bytes(leg.location)]),
                    "value": 0})
    return {"request_id": request.id, "dso_address": pending[0].dso_address if pending else request.legs[0].dso_address,
            "escrow_total": total, "transactions": txs}


def leg_terms(leg: ChainRequest) -> dict[str, Any]:
    """The leg's ``FlexRequest`` by the contract's field names."""
    return {"dso": leg.dso_address, "gateClosure": leg.gate_closure, "awardDeadline": leg.award_deadline,
            "deliveryEnd": leg.delivery_end, "attestDeadline": leg.attest_deadline, "quantityWh": leg.quantity_wh,
            "priceCapPerMWh": leg.price_cap_per_mwh, "successThresholdPct": leg.success_threshold_pct,
            "penaltyPct": leg.penalty_pct, "payAsClear": leg.pay_as_clear, "ref": leg.ref}


def leg_struct(leg: ChainRequest):
    """The leg as ``marketplace.chain.market.FlexRequest``."""
    from marketplace.chain.market import FlexRequest as ChainFlexRequest

    t = leg_terms(leg)
    return ChainFlexRequest(dso=t["dso"], gateClosure=t["gateClosure"], awardDeadline=t["awardDeadline"],
                            deliveryEnd=t["deliveryEnd"], attestDeadline=t["attestDeadline"],
                            quantityWh=t["quantityWh"], priceCapPerMWh=t["priceCapPerMWh"],
                            successThresholdPct=t["successThresholdPct"], penaltyPct=t["penaltyPct"],
                            payAsClear=t["payAsClear"], ref=canonical.hex_bytes(t["ref"]))


def publish(session: Session, services: MarketServices, principal: Principal, request_id: int, tx_hash: str) -> FlexRequest:
    """Check a createRequest receipt of the DSO's wallet now (instead of waiting for the indexer)."""
    from marketplace.market import sync

    request = own(session, principal, request_id)
    if request.status is not RequestStatus.VALIDATED:
        raise Conflict(f"the request is {request.status.value}, not waiting for its escrow", code="not_validated")
    applied = sync.apply_receipt(session, services, tx_hash, only=("RequestCreated",))
    session.refresh(request)
    if not any(leg.created_tx == tx_hash.lower() for leg in request.legs):
        raise InvalidInput("the transaction created none of this request's legs (ref or terms differ)",
                           code="no_matching_event", details={"tx_hash": tx_hash, "events": applied})
    audit.record(session, principal, "request.escrow_reported", "flex_request", request.id,
                 after={"tx_hash": tx_hash, "status": request.status.value}, participant_id=request.dso_id)
    return request


def fsp_audience(session: Session, request: FlexRequest) -> list[int]:
    """Participants to tell about a published request: the DSO and every approved FSP."""
    fsps = session.scalars(select(Participant.id).where(Participant.role == ParticipantRole.FSP,
                                                        Participant.status == ParticipantStatus.APPROVED)).all()
    return [request.dso_id, *fsps]


def mark_published(session: Session, request: FlexRequest) -> None:
    """All legs created: the request is public (called by the event handlers)."""
    if request.status is not RequestStatus.VALIDATED:
        return
    if any(leg.status is ChainRequestStatus.PENDING for leg in request.legs):
        return
    request.status = RequestStatus.PUBLISHED
    request.published_at = now_s()
    audit.record(session, _system(), "request.published", "flex_request", request.id,
                 after={"status": request.status.value, "legs": {leg.leg.value: leg.onchain_id for leg in request.legs}},
                 participant_id=request.dso_id)
    notifications.notify(session, fsp_audience(session, request), notifications.REQUEST_PUBLISHED,
                         f"New request {request.id}: {request.product.code} "
                         f"{request.total_wh} Wh, cap {request.price_cap_per_mwh}",
                         {"request_id": request.id, "session_id": request.session_id, "product": request.product.code,
                          "direction": request.direction.value, "total_wh": request.total_wh,
                          "gate_close_at": request.session.gate_close_at},
                         object_type="flex_request", object_id=request.id)


def _system() -> Principal:
    from marketplace.domain.principal import ANONYMOUS

    return ANONYMOUS


# ---------------------------------------------------------------------------------- cancellation
def cancel(session: Session, services: MarketServices, principal: Principal, request_id: int) -> FlexRequest:
    """Cancel before gate closure; legs on chain are cancelled by the operator (escrow credited back)."""
    request = own(session, principal, request_id)
    now = services.now()
    if request.status not in CANCELLABLE or now >= request.session.gate_close_at:
        raise Conflict("only requests whose gate is still open can be cancelled", code="not_cancellable",
                       details={"status": request.status.value})
    created = [leg for leg in request.legs if leg.status is ChainRequestStatus.CREATED]
    before = audit.snapshot(request)
    if created:
        from marketplace.market import sync

        market = services.market()
        operator = services.gateway.operator()
        plans = [(leg.onchain_id, leg_terms(leg)) for leg in created]
        session.commit()  # the sender writes its own rows; no lock may be held meanwhile
        for onchain_id, t in plans:
            record = services.sender().submit(
                f"cancel:request:{market.chain.chain_id}:{onchain_id}",
                market.market.functions.cancelRequest(onchain_id, canonical.flex_request_tuple(t), b"\x00" * 32),
                operator, purpose="cancel")
            sync.apply_receipt(session, services, record.tx_hash, only=("RequestCancelled",))
    request = session.get(FlexRequest, request_id)
    request.status, request.cancelled_at = RequestStatus.CANCELLED, now_s()
    for leg in request.legs:
        if leg.status is ChainRequestStatus.PENDING:
            leg.status = ChainRequestStatus.CANCELLED
    audit.record(session, principal, "request.cancelled", "flex_request", request.id, before=before,
                 after=audit.snapshot(request), participant_id=request.dso_id)
    return request


# ---------------------------------------------------------------------------------- documents
def store_document(session: Session, principal: Principal, request_id: int, filename: str, stream,
                   documents_path, max_bytes: int):
    """An additional document of the DSO's request (.pdf or .xml, stored under its SHA-256)."""
    from marketplace.domain.participants import save_file
    from marketplace.models import RequestDocument

    request = own(session, principal, request_id)
    if request.dso_id != principal.participant_id:
        raise NotFound("no such request of yours", details={"request_id": request_id})
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.VALIDATED, RequestStatus.PUBLISHED):
        raise Conflict("documents are added until gate closure", code="request_closed")
    media_type, size, digest, safe = save_file(filename, stream, documents_path, max_bytes)
    document = RequestDocument(request_id=request.id, filename=safe, media_type=media_type, size_bytes=size,
                               sha256=digest, uploaded_at=now_s(), uploaded_by_user_id=principal.acting_as_user_id)
    session.add(document)
    session.flush()
    audit.record(session, principal, "request.document_uploaded", "request_document", document.id,
                 after=audit.snapshot(document), participant_id=request.dso_id)
    return document


def documents_of(session: Session, request_id: int):
    from marketplace.models import RequestDocument

    return session.scalars(select(RequestDocument).where(RequestDocument.request_id == request_id)
                           .order_by(RequestDocument.id)).all()


def document_file(session: Session, principal: Principal, request_id: int, document_id: int, documents_path):
    from marketplace.models import RequestDocument

    request = get(session, principal, request_id)
    document = session.get(RequestDocument, document_id)
    if document is None or document.request_id != request.id:
        raise NotFound("no such document", details={"document_id": document_id})
    return document, documents_path / document.sha256[:2] / document.sha256

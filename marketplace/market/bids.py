"""Signed bids: terms, EIP-712 typed data, submission, versions, withdrawal, visibility.

A bid is per bidding unit and request (seed 3.2.2.6): one active version at a time; a new
signed version supersedes it, a withdrawal removes it from the book; both only while the
session's gate is open. Every version is signed by a wallet of the FSP (one of its users
holding the FSP role on chain; a machine client signs with such a user's key): one EIP-712
``Bid`` per on-chain leg of the request, all over the same ``terms`` hash (keccak256 of the
canonical terms, see :mod:`marketplace.market.canonical`). The service recovers the signer,
checks it, and stores the bid privately.

Void and ineligible bids are stored with their reason (the clearing engine's checks, run at
submission against the product's limits and the request) and take no part in the book:
``void_reason`` is a clearing reason (``quantity_below_minimum``, ``not_prequalified``,
``price_above_cap``, ...) or one of ours: ``price_off_resolution``, ``price_below_minimum``,
``price_above_lt_activation_price``, ``rest_time_out_of_range`` (long term: outside the
product's rest-time range), and at gate closure ``signer_not_fsp`` and
``guarantee_insufficient``.

Visibility: before results only the owner sees its bids (the operator too, once the gate has
closed). The DSO sees the matched (accepted) bids of its requests after results — and, in a
manual-pick session, every valid offer of its request from gate closure on, to pick from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from marketplace.chain import typed_data
from marketplace.clearing.eligibility import check_eligibility, demand_index
from marketplace.clearing.model import INTERVALS_PER_HOUR, Kind, Rejection
from marketplace.clearing.book import parse_auction, parse_demand
from marketplace.clearing.traffic_light import allowed_kinds
from marketplace.clearing.voids import validate_bid
from marketplace.domain import audit
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.market import book as book_mod
from marketplace.market import canonical, terms
from marketplace.market.services import MarketServices
from marketplace.models import (
    Agreement,
    Asset,
    Bid,
    BidInterval,
    BidLeg,
    BiddingUnit,
    FlexRequest,
    MarketSession,
    Prequalification,
    Qualification,
    UnitLimitation,
    User,
)
from marketplace.models.enums import PrequalificationStatus, Product
from marketplace.models.market import (
    AgreementKind,
    AgreementStatus,
    BidOutcome,
    BidStatus,
    Horizon,
    Leg,
    QualificationStatus,
    RequestStatus,
    SessionMode,
)
from marketplace.schemas.market import BidIn, BidTermsIn


# ---------------------------------------------------------------------------------- context
def _biddable(session: Session, request_id: int, now: int) -> FlexRequest:
    request = session.get(FlexRequest, request_id)
    if request is None or request.published_at is None:
        raise NotFound("no such published request", details={"request_id": request_id})
    sess = request.session
    if request.status is not RequestStatus.PUBLISHED or now >= sess.gate_close_at:
        raise Conflict("the gate is closed: bids can no longer be placed, changed or withdrawn", code="gate_closed",
                       details={"gate_close_at": sess.gate_close_at, "now": now})
    if now < sess.gate_open_at:
        raise Conflict("the gate is not open yet", code="gate_not_open", details={"gate_open_at": sess.gate_open_at})
    return request


def _own_unit(session: Session, principal: Principal, unit_id: int) -> BiddingUnit:
    unit = session.get(BiddingUnit, unit_id)
    if unit is None or unit.fsp_id != principal.participant_id:
        raise InvalidInput(f"terms.bidding_unit_id: no bidding unit {unit_id} of yours", code="invalid_reference",
                           details={"field": "terms.bidding_unit_id", "id": unit_id})
    return unit


def signer_user(session: Session, fsp_id: int, address: str) -> User:
    """The FSP's user whose wallet is ``address``: active, wallet bound, FSP role granted on chain."""
    user = session.scalars(select(User).where(User.wallet_address == to_checksum_address(address))).first()
    if user is None or user.participant_id != fsp_id or not user.active:
        raise InvalidInput("signer: not a wallet of your participant", code="signer_not_authorized",
                           details={"signer": address})
    if user.wallet_bound_at is None or user.chain_role_granted_at is None:
        raise InvalidInput("signer: this wallet does not hold the FSP role on chain yet", code="signer_not_authorized",
                           details={"signer": address})
    return user


def qualified_power(session: Session, request: FlexRequest, unit: BiddingUnit, starts: list[int]) -> tuple[int, int]:
    """(qualified power W, guarantee base units) of the unit for the request.

    Long-term: the sum of the unit's assets' qualifications for this request (and their
    guarantees). Short-term (automatic qualification, seed 3.2.3.5): the unit's assets'
    prequalified power in the direction (any product), capped by the DSO's limitations in force
    over the bid's intervals; no guarantee.
    """
    asset_ids = session.scalars(select(Asset.id).where(Asset.bidding_unit_id == unit.id)).all()
    if not asset_ids:
        return 0, 0
    if request.session.horizon is Horizon.LONG_TERM:
        rows = session.execute(select(func.coalesce(func.sum(Qualification.qualified_power_w), 0),
                                      func.coalesce(func.sum(Qualification.guarantee), 0)).where(
            Qualification.request_id == request.id, Qualification.asset_id.in_(asset_ids),
            Qualification.status == QualificationStatus.QUALIFIED)).one()
        return int(rows[0]), int(rows[1])
    best: dict[int, int] = {}
    for asset_id, power in session.execute(select(Prequalification.asset_id, Prequalification.qualified_power_w).where(
            Prequalification.asset_id.in_(asset_ids), Prequalification.direction == request.direction,
            Prequalification.status == PrequalificationStatus.QUALIFIED)):
        best[asset_id] = max(best.get(asset_id, 0), power or 0)
    power = sum(best.values())
    first, last = (min(starts), max(starts) + 900) if starts else (request.delivery_start, request.delivery_end)
    limits = session.scalars(select(UnitLimitation.max_power_w).where(
        UnitLimitation.bidding_unit_id == unit.id,
        or_(UnitLimitation.direction.is_(None), UnitLimitation.direction == request.direction),
        UnitLimitation.valid_from < last,
        or_(UnitLimitation.valid_until.is_(None), UnitLimitation.valid_until > first))).all()
    if limits:
        power = min(power, min(limits))
    return power, 0


def lt_activation_price(session: Session, request: FlexRequest, unit: BiddingUnit) -> int | None:
    """For a short-term request coupled to a long-term one: the unit's long-term activation price
    when it holds an active long-term agreement of that request (seed 3.2.2.6), else None."""
    if request.lt_request_id is None:
        return None
    price = session.scalar(select(Agreement.price_per_mwh).where(
        Agreement.request_id == request.lt_request_id, Agreement.bidding_unit_id == unit.id,
        Agreement.kind == AgreementKind.ACTIVATION, Agreement.status == AgreementStatus.ACTIVE))
    return None if price is None else int(price)


# ---------------------------------------------------------------------------------- terms
class Prepared:
    """A bid's terms resolved against the request: what is signed and what is stored."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def resolve(session: Session, principal: Principal, request: FlexRequest, data: BidTermsIn, signer: str) -> Prepared:
    unit = _own_unit(session, principal, data.bidding_unit_id)
    category = request.product.category
    legs = [leg for leg in request.legs]
    if any(leg.onchain_id is None for leg in legs):
        raise Conflict("the request is not on chain", code="not_published")
    if category is Product.LT_AVAILABILITY:
        if data.capacity_w is None or data.availability_price_per_mw_h is None:
            raise InvalidInput("an availability bid gives capacity_w and availability_price_per_mw_h",
                               code="invalid_input", details={"field": "terms"})
        if data.capacity_w % 4:
            raise InvalidInput("terms.capacity_w must be a multiple of 4 W (whole Wh per quarter-hour)",
                               code="invalid_input", details={"field": "terms.capacity_w"})
        intervals = [(i.start, data.capacity_w // 4) for i in request.intervals]
    else:
        if data.intervals is None or data.availability_price_per_mw_h is not None:
            raise InvalidInput("an energy bid gives intervals and no availability price", code="invalid_input",
                               details={"field": "terms"})
        intervals = sorted((i.start, i.quantity_wh) for i in data.intervals)
        if any(a == b for (a, _), (b, _) in zip(intervals, intervals[1:])):
            raise InvalidInput("terms.intervals: an interval appears twice", code="duplicate_interval")
    if request.session.horizon is Horizon.LONG_TERM:
        if data.kind != "st":
            raise InvalidInput("terms.kind: long-term auctions take long-term bids only", code="invalid_input")
        kind, lt_price = Kind.LT, None
    else:
        lt_price = lt_activation_price(session, request, unit)
        kind = Kind.DCA if data.kind == "dca" else (Kind.LT if lt_price is not None else Kind.ST)
        if kind is not Kind.LT:
            lt_price = None
    power, guarantee = qualified_power(session, request, unit, [s for s, _ in intervals])
    min_quantity = data.min_quantity_wh if data.divisible else 0
    doc = {
        "schema": "flexmarket.bid/1", "request_id": request.id,
        "legs": {leg.leg.value: leg.onchain_id for leg in legs}, "bidding_unit_id": unit.id, "version": data.version,
        "kind": kind.value, "direction": request.direction.value, "divisible": data.divisible,
        "min_quantity_wh": min_quantity, "intervals": [[s, q] for s, q in intervals], "capacity_w": data.capacity_w,
        "price_per_mwh": data.price_per_mwh, "availability_price_per_mw_h": data.availability_price_per_mw_h,
        "lt_activation_price_per_mwh": lt_price, "currency": data.currency, "rest_time_s": data.rest_time_s,
        "max_consecutive_activations": data.max_consecutive_activations, "dca_code": data.dca_code,
    }
    text = canonical.canonical_json(doc)
    terms_hash = canonical.keccak_hex(text)
    market = request.legs[0]
    leg_rows = []
    for leg in legs:
        quantity, minimum = terms.bid_leg_quantities(
            leg=leg.leg, intervals=intervals, divisible=data.divisible, min_quantity_wh=min_quantity,
            estimated_activation_hours=request.estimated_activation_hours,
            request_interval_count=len(request.intervals))
        price = data.availability_price_per_mw_h if leg.leg is Leg.AVAILABILITY else data.price_per_mwh
        leg_guarantee = guarantee if leg.leg in (Leg.AVAILABILITY, Leg.ENERGY) else 0
        struct = typed_data.Bid(requestId=leg.onchain_id, fsp=to_checksum_address(signer), quantityWh=quantity,
                                minQuantityWh=minimum, pricePerMWh=price, guarantee=leg_guarantee,
                                terms=canonical.hex_bytes(terms_hash))
        typed = typed_data.bid_typed_data(market.chain_id, market.market_address, struct)
        leg_rows.append({"chain_leg": leg, "struct": struct, "typed": typed,
                         "digest": "0x" + typed_data.digest(typed).hex()})
    return Prepared(unit=unit, category=category, kind=kind, lt_price=lt_price, intervals=intervals,
                    qualified_power_w=power, guarantee=guarantee, min_quantity_wh=min_quantity, doc=doc, text=text,
                    terms_hash=terms_hash, legs=leg_rows)


def _next_version(session: Session, request_id: int, unit_id: int) -> int:
    latest = session.scalar(select(func.max(Bid.version)).where(Bid.request_id == request_id,
                                                                Bid.bidding_unit_id == unit_id))
    return 1 if latest is None else int(latest) + 1


def prepare(session: Session, principal: Principal, request_id: int, data: BidTermsIn, signer: str | None,
            now: int) -> dict[str, Any]:
    """The canonical terms and the typed data to sign for each leg (nothing is stored)."""
    request = _biddable(session, request_id, now)
    signer = signer or (principal.user.wallet_address if principal.user is not None else None)
    if signer is None:
        raise InvalidInput("signer: name the wallet that will sign", code="invalid_input", details={"field": "signer"})
    signer_user(session, principal.participant_id, signer)
    prepared = resolve(session, principal, request, data, signer)
    return {"terms": prepared.doc, "canonical_terms": prepared.text, "terms_hash": prepared.terms_hash,
            "signer": to_checksum_address(signer),
            "legs": [{"leg": row["chain_leg"].leg, "onchain_request_id": row["chain_leg"].onchain_id,
                      "digest": row["digest"], "typed_data": row["typed"]} for row in prepared.legs]}


# ---------------------------------------------------------------------------------- void checks
def _void(session: Session, request: FlexRequest, p: Prepared, data: BidTermsIn, now: int) -> tuple[str, str] | None:
    """(reason, detail) when the bid is void or ineligible, else None."""
    product = request.product
    light = "orange"  # the widest set of kinds; the light at gate closure decides in the book
    auction = parse_auction(book_mod.auction(request, light))
    raw = book_mod.bid_entry(
        bid_id="new", fsp="fsp", location=book_mod.bid_location(session, p.unit, request),
        direction=request.direction.value, kind=p.kind, price_per_mwh=data.price_per_mwh, divisible=data.divisible,
        min_quantity_wh=p.min_quantity_wh, submitted_at=now, qualified_power_w=p.qualified_power_w,
        intervals=p.intervals, availability_price_per_mw_h=data.availability_price_per_mw_h,
        lt_activation_price_per_mwh=p.lt_price, category=product.category)
    raw["currency"] = data.currency
    valid = validate_bid(raw, auction)
    if isinstance(valid, Rejection):
        return valid.reason.value, valid.detail
    for name, value in (("price_per_mwh", data.price_per_mwh),
                        ("availability_price_per_mw_h", data.availability_price_per_mw_h)):
        if value is not None and value % product.price_step:
            return "price_off_resolution", (f"{name} {value} is not a multiple of the product's price step "
                                            f"{product.price_step}")
    if request.min_bid_power_w:
        for start, quantity in p.intervals:
            if quantity * INTERVALS_PER_HOUR < request.min_bid_power_w:
                return "quantity_below_minimum", (f"interval {start}: {quantity * INTERVALS_PER_HOUR} W is below "
                                                  f"the request's minimum {request.min_bid_power_w} W")
    if request.min_activation_price_per_mwh is not None and data.price_per_mwh < request.min_activation_price_per_mwh:
        return "price_below_minimum", (f"price {data.price_per_mwh} per MWh is below the request's minimum "
                                       f"{request.min_activation_price_per_mwh}")
    if (request.session.horizon is Horizon.LONG_TERM and data.rest_time_s is not None
            and not product.rest_time_min_s <= data.rest_time_s <= product.rest_time_max_s):
        return "rest_time_out_of_range", (f"rest time {data.rest_time_s} s is outside the product's range "
                                          f"{product.rest_time_min_s}..{product.rest_time_max_s} s")
    if p.kind is Kind.LT and p.lt_price is not None and data.price_per_mwh > p.lt_price:
        return "price_above_lt_activation_price", (f"price {data.price_per_mwh} per MWh is above your long-term "
                                                   f"activation price {p.lt_price}")
    demands = demand_index((parse_demand(book_mod.demand(request), 0, product.category),))
    eligible = check_eligibility(valid, auction, allowed_kinds(auction), demands)
    return (eligible.reason.value, eligible.detail) if isinstance(eligible, Rejection) else None


# ---------------------------------------------------------------------------------- submission
def submit(session: Session, services: MarketServices, principal: Principal, request_id: int, data: BidIn) -> Bid:
    """Store a signed bid version (void ones with their reason)."""
    now = services.now()
    request = _biddable(session, request_id, now)
    user = signer_user(session, principal.participant_id, data.signer)
    expected = _next_version(session, request.id, data.terms.bidding_unit_id)
    if data.terms.version != expected:
        raise Conflict(f"terms.version must be {expected} (the next version of this bidding unit's bid); an old "
                       f"signed version cannot be sent again", code="stale_version",
                       details={"expected": expected, "got": data.terms.version})
    p = resolve(session, principal, request, data.terms, data.signer)
    wanted = {row["chain_leg"].leg for row in p.legs}
    if set(data.signatures) != wanted:
        raise InvalidInput(f"signatures: one per leg ({', '.join(sorted(x.value for x in wanted))})",
                           code="invalid_signature", details={"legs": sorted(x.value for x in wanted)})
    for row in p.legs:
        signature = canonical.hex_bytes(data.signatures[row["chain_leg"].leg])
        try:
            recovered = typed_data.recover(row["typed"], signature)
        except Exception:  # malformed signatures raise several eth-keys/eth-account errors; all mean invalid
            recovered = None
        if recovered is None or to_checksum_address(recovered) != to_checksum_address(data.signer):
            raise InvalidInput(f"the {row['chain_leg'].leg.value} signature does not recover to the signer",
                               code="invalid_signature", details={"leg": row["chain_leg"].leg.value,
                                                                  "recovered": recovered, "signer": data.signer})
        row["signature"] = "0x" + signature.hex()
        if session.scalars(select(BidLeg.id).where(BidLeg.digest == row["digest"])).first() is not None:
            raise Conflict("this signed bid was already submitted", code="bid_replayed",
                           details={"digest": row["digest"]})
    rejection = _void(session, request, p, data.terms, now)
    session.execute(Bid.__table__.update().where(
        Bid.request_id == request.id, Bid.bidding_unit_id == p.unit.id, Bid.status == BidStatus.ACTIVE,
    ).values(status=BidStatus.SUPERSEDED))
    total = sum(q for _, q in p.intervals)
    bid = Bid(
        request_id=request.id, bidding_unit_id=p.unit.id, fsp_id=principal.participant_id, version=data.terms.version,
        status=BidStatus.ACTIVE, kind=p.kind, direction=request.direction, divisible=data.terms.divisible,
        min_quantity_wh=p.min_quantity_wh, quantity_wh=total, price_per_mwh=data.terms.price_per_mwh,
        availability_price_per_mw_h=data.terms.availability_price_per_mw_h, lt_activation_price_per_mwh=p.lt_price,
        rest_time_s=data.terms.rest_time_s, max_consecutive_activations=data.terms.max_consecutive_activations,
        dca_code=data.terms.dca_code, qualified_power_w=p.qualified_power_w, guarantee=p.guarantee, terms=p.text,
        terms_hash=p.terms_hash, signer_address=to_checksum_address(data.signer),
        void_reason=None if rejection is None else rejection[0],
        void_detail=None if rejection is None else rejection[1], submitted_at=now,
        submitted_by_user_id=user.id if principal.user is None else principal.acting_as_user_id,
        api_client_id=None if principal.api_client is None else principal.api_client.id,
    )
    session.add(bid)
    session.flush()
    session.add_all(BidInterval(bid_id=bid.id, start=s, quantity_wh=q) for s, q in p.intervals)
    for row in p.legs:
        s = row["struct"]
        session.add(BidLeg(bid_id=bid.id, chain_request_id=row["chain_leg"].id, leg=row["chain_leg"].leg,
                           onchain_request_id=s.requestId, fsp_address=s.fsp, quantity_wh=s.quantityWh,
                           min_quantity_wh=s.minQuantityWh, price_per_mwh=s.pricePerMWh, guarantee=s.guarantee,
                           terms_hash=p.terms_hash, digest=row["digest"], signature=row["signature"]))
    session.flush()
    session.expire(bid, ["intervals", "legs"])
    audit.record(session, principal, "bid.submitted", "bid", bid.id,
                 after={"request_id": request.id, "bidding_unit_id": p.unit.id, "version": bid.version,
                        "terms_hash": p.terms_hash, "void_reason": bid.void_reason,
                        "digests": [row["digest"] for row in p.legs]})
    return bid


def withdraw(session: Session, services: MarketServices, principal: Principal, bid_id: int) -> Bid:
    bid = session.get(Bid, bid_id)
    if bid is None or bid.fsp_id != principal.participant_id:
        raise NotFound("no such bid of yours", details={"bid_id": bid_id})
    _biddable(session, bid.request_id, services.now())
    if bid.status is not BidStatus.ACTIVE:
        raise Conflict(f"this bid version is {bid.status.value}", code="not_active")
    bid.status, bid.withdrawn_at = BidStatus.WITHDRAWN, services.now()
    audit.record(session, principal, "bid.withdrawn", "bid", bid.id,
                 after={"request_id": bid.request_id, "version": bid.version, "status": bid.status.value})
    return bid


# ---------------------------------------------------------------------------------- reading
def visible(stmt, principal: Principal, now: int):
    """Bids the caller may see (the statement must select from ``Bid``)."""
    if principal.is_fsp:
        return stmt.where(Bid.fsp_id == principal.participant_id)
    if principal.is_operator:
        return stmt.join(FlexRequest, FlexRequest.id == Bid.request_id).join(
            MarketSession, MarketSession.id == FlexRequest.session_id).where(MarketSession.gate_close_at <= now)
    if principal.is_dso:
        # Manual pick (seed 3.4.6): after gate closure the DSO sees the valid offers to pick from,
        # and keeps seeing them once it has picked (its history shows every offer and the
        # winner, seed fig. 62); in auctions it sees matched bids only.
        manual = and_(MarketSession.mode == SessionMode.MANUAL_PICK, MarketSession.gate_close_at <= now,
                      FlexRequest.status.in_((RequestStatus.CLOSED, RequestStatus.AWARDED)),
                      Bid.status == BidStatus.ACTIVE, Bid.void_reason.is_(None))
        return stmt.join(FlexRequest, FlexRequest.id == Bid.request_id).join(
            MarketSession, MarketSession.id == FlexRequest.session_id).where(
            FlexRequest.dso_id == principal.participant_id,
            or_(Bid.outcome == BidOutcome.ACCEPTED, manual))
    return stmt.where(False)


def get(session: Session, principal: Principal, bid_id: int, now: int) -> Bid:
    found = session.scalars(visible(select(Bid).where(Bid.id == bid_id), principal, now)).first()
    if found is None:
        raise NotFound("no such bid", details={"bid_id": bid_id})
    return found


def list_bids(session: Session, principal: Principal, now: int, *, filters: dict, after: int | None,
              limit: int) -> Sequence[Bid]:
    stmt = visible(select(Bid), principal, now)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Bid, key) == value)
    if after is not None:
        stmt = stmt.where(Bid.id > after)
    return session.scalars(stmt.order_by(Bid.id).limit(limit)).all()


def book_bids(session: Session, request_id: int) -> list[Bid]:
    """The request's book: the valid latest version of each bidding unit's bid."""
    return list(session.scalars(select(Bid).where(Bid.request_id == request_id, Bid.status == BidStatus.ACTIVE,
                                                  Bid.void_reason.is_(None)).order_by(Bid.id)))

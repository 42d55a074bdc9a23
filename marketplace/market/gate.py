"""Gate closure: freeze the books, commit them on chain, clear, award, publish results.

``close_gate(services, session_id)`` (the scheduler's job at gate closure, and
``flexmarket close-gate SESSION``) is idempotent and resumable — every step is recorded before
the next, and every transaction goes through the durable sender under one key:

1. the session and its published requests are ``closed`` (unpublished ones ``expired``); the
   short-term traffic light is recorded;
2. each request's book: the valid latest bid versions; bids whose signer lost the FSP role, or
   whose guarantee the signer's free guarantee on chain cannot cover, are voided; the sorted
   digests of each leg make an ``OrderBookTree`` whose root is stored, then committed
   (``commit:request:<chain>:<market>:<id>``);
3. auction sessions: the clearing engine runs on the book (``marketplace.market.book``); each
   winner's award — quantity = its accepted Wh, price = its bid price (pay-as-bid) or the
   quantity-weighted clearing price rounded down (pay-as-clear; never below the bid, never
   above the cap) — is written as the leg's ``award_plan`` and sent as one ``award`` with a
   multiproof (``award:request:<chain>:<market>:<id>``); the receipt's events create the
   agreements and publish the results.

Manual-pick sessions (the Italian flow) stop after step 2: the DSO picks offers
(:func:`pick`), awarded by the operator on its authenticated pick, or by the DSO's own wallet
with the prepared transaction.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.chain import typed_data
from marketplace.chain.deploy import FSP
from marketplace.chain.merkle import OrderBookTree
from marketplace.clearing import clear_book
from marketplace.clearing.errors import NoMarket
from marketplace.clearing.model import Pricing, TrafficLight
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import ANONYMOUS, Principal
from marketplace.domain import audit
from marketplace.market import bids as bid_domain
from marketplace.market import book as book_mod
from marketplace.market import canonical, notifications, sync, terms
from marketplace.market import requests as request_domain
from marketplace.market.services import MarketServices
from marketplace.models import Bid, BidLeg, ChainRequest, FlexRequest, MarketSession, TrafficLightState
from marketplace.models.base import now_s
from marketplace.models.market import (
    BidOutcome,
    BidStatus,
    ChainRequestStatus,
    Horizon,
    Leg,
    RequestStatus,
    SessionMode,
    SessionStatus,
)

log = logging.getLogger(__name__)

TERMINAL = (RequestStatus.AWARDED, RequestStatus.CANCELLED, RequestStatus.EXPIRED, RequestStatus.REJECTED)


def _key(action: str, leg: ChainRequest) -> str:
    return f"{action}:request:{leg.chain_id}:{leg.market_address}:{leg.onchain_id}"


def due_sessions(session: Session, now: int) -> list[int]:
    """Sessions whose gate has closed but that are not closed yet, or closed and not finished."""
    return list(session.scalars(select(MarketSession.id).where(
        MarketSession.gate_close_at <= now,
        MarketSession.status.in_((SessionStatus.SCHEDULED, SessionStatus.OPEN, SessionStatus.CLOSED)),
    ).order_by(MarketSession.gate_close_at, MarketSession.id)))


def current_light(session: Session, element_id: int | None) -> str:
    """The element's traffic light now (green when never set; yellow for zone markets)."""
    if element_id is None:
        return TrafficLight.YELLOW.value
    row = session.scalars(select(TrafficLightState).where(
        TrafficLightState.grid_element_id == element_id, TrafficLightState.valid_from <= now_s(),
    ).order_by(TrafficLightState.valid_from.desc(), TrafficLightState.id.desc())).first()
    return TrafficLight.GREEN.value if row is None else row.state.value


def close_gate(services: MarketServices, session_id: int) -> dict[str, Any]:
    """Close a session's gate and take it as far as it goes (see the module docstring)."""
    now = services.now()
    db = services.database
    with db.transaction() as s:
        sess = s.get(MarketSession, session_id)
        if sess is None:
            raise NotFound("no such session", details={"session_id": session_id})
        if sess.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
            if now < sess.gate_close_at:
                raise Conflict("the gate closes later", code="gate_open",
                               details={"gate_close_at": sess.gate_close_at, "now": now})
            sess.status, sess.closed_at = SessionStatus.CLOSED, now_s()
            if sess.horizon is Horizon.SHORT_TERM:
                sess.traffic_light = current_light(s, sess.market.grid_element_id)
            audience: set[int] = set()
            for request in s.scalars(select(FlexRequest).where(FlexRequest.session_id == sess.id)):
                if request.status is RequestStatus.PUBLISHED:
                    request.status, request.closed_at = RequestStatus.CLOSED, now_s()
                    audience.add(request.dso_id)
                    audience.update(s.scalars(select(Bid.fsp_id).where(Bid.request_id == request.id)))
                elif request.status in (RequestStatus.SUBMITTED, RequestStatus.VALIDATED):
                    request.status = RequestStatus.EXPIRED
                    request.status_reason = "not published (escrowed) before gate closure"
            audit.record(s, ANONYMOUS, "session.gate_closed", "market_session", sess.id,
                         after={"status": sess.status.value, "traffic_light": sess.traffic_light})
            notifications.notify(s, audience, notifications.GATE_CLOSED, f"Gate closed: session {sess.code}",
                                 {"session_id": sess.id, "code": sess.code, "traffic_light": sess.traffic_light},
                                 object_type="market_session", object_id=sess.id)
        mode = sess.mode
        request_ids = list(s.scalars(select(FlexRequest.id).where(FlexRequest.session_id == session_id,
                                                                  FlexRequest.status == RequestStatus.CLOSED)))
    for request_id in request_ids:
        commit_books(services, request_id)
        if mode is SessionMode.AUCTION:
            clear_and_award(services, request_id)
    return summary(services, session_id)


def summary(services: MarketServices, session_id: int) -> dict[str, Any]:
    with services.database.transaction() as s:
        sess = s.get(MarketSession, session_id)
        _settle_session(s, sess)
        rows = []
        for request in s.scalars(select(FlexRequest).where(FlexRequest.session_id == session_id)):
            for leg in request.legs:
                rows.append({"request_id": request.id, "request_status": request.status.value, "leg": leg.leg.value,
                             "onchain_id": leg.onchain_id, "leg_status": leg.status.value, "book_size": leg.book_size,
                             "book_root": leg.book_root, "awarded_wh": leg.awarded_wh, "agreed": leg.agreed,
                             "refund": leg.refund})
        return {"session_id": sess.id, "status": sess.status.value, "requests": rows}


def _settle_session(s: Session, sess: MarketSession) -> None:
    if sess.status is not SessionStatus.CLOSED:
        return
    statuses = list(s.scalars(select(FlexRequest.status).where(FlexRequest.session_id == sess.id)))
    if all(status in TERMINAL for status in statuses):
        sess.status, sess.results_at = SessionStatus.AWARDED, now_s()


# ---------------------------------------------------------------------------------- books
def _book_tree(s: Session, leg: ChainRequest, book: list[Bid]) -> tuple[OrderBookTree, dict[int, BidLeg]]:
    legs = {}
    for bid in book:
        for row in bid.legs:
            if row.chain_request_id == leg.id:
                legs[bid.id] = row
    return OrderBookTree(canonical.hex_bytes(row.digest) for row in legs.values()), legs


def _void(bid: Bid, reason: str, detail: str) -> None:
    bid.void_reason, bid.void_detail = reason, detail
    bid.outcome, bid.outcome_reason, bid.outcome_detail = BidOutcome.REJECTED, reason, detail


#: Calls per JSON-RPC batch when reading many roles at once.
ROLE_BATCH = 500


def has_roles(market, addresses: list[str], role: int) -> dict[str, bool]:
    """Whether each address holds ``role`` on chain (``hasRole``): read in JSON-RPC batches of
    ``eth_call`` at one block where the node's provider takes batches, else one call each."""
    chain = market.chain
    batch = None if chain.is_embedded else getattr(chain.w3.provider, "make_batch_request", None)
    if batch is None:
        return {a: bool(chain.call(market.market.functions.hasRole(a, role))) for a in addresses}
    from marketplace.chain.errors import ChainError

    from eth_abi import encode as abi_encode

    selector = market.market.encode_abi("hasRole", args=[addresses[0], role])[:10] if addresses else ""
    block = hex(chain.block_number())
    out: dict[str, bool] = {}
    for k in range(0, len(addresses), ROLE_BATCH):
        chunk = addresses[k:k + ROLE_BATCH]
        replies = batch([("eth_call", [{"to": market.market.address,
                                        "data": selector + abi_encode(["address", "uint256"], [a, role]).hex()},
                                       block]) for a in chunk])
        if not isinstance(replies, list) or len(replies) != len(chunk):
            raise ChainError("the node refused a batch of role reads", details={"reply": str(replies)[:500]})
        for address, reply in zip(chunk, replies):
            result = reply.get("result") if isinstance(reply, dict) else None
            if result is None:
                raise ChainError("the node refused a role read", details={"address": address,
                                                                          "reply": str(reply)[:500]})
            out[address] = int(result if isinstance(result, str) else "0x" + bytes(result).hex(), 16) != 0
    return out


def _screen(s: Session, services: MarketServices, request: FlexRequest, book: list[Bid]) -> None:
    """Void book bids the award could not carry: signers without the FSP role on chain, and
    guarantees the signer's free guarantee cannot cover (greedily in submission order)."""
    market = services.market()
    signers = sorted({bid.signer_address for bid in book})
    role = has_roles(market, signers, FSP)
    free = {a: None for a in signers}
    reserved: dict[str, int] = defaultdict(int)
    for other in s.scalars(select(Bid).join(FlexRequest, FlexRequest.id == Bid.request_id).where(
            FlexRequest.status == RequestStatus.CLOSED, FlexRequest.id != request.id, Bid.status == BidStatus.ACTIVE,
            Bid.void_reason.is_(None), Bid.guarantee > 0, Bid.signer_address.in_(signers))):
        reserved[other.signer_address] += other.guarantee
    for bid in sorted(book, key=lambda b: (b.submitted_at, b.id)):
        if not role[bid.signer_address]:
            _void(bid, "signer_not_fsp", f"the signer {bid.signer_address} does not hold the FSP role on chain")
            continue
        if bid.guarantee:
            if free[bid.signer_address] is None:
                total, locked = market.guarantee_of(bid.signer_address)
                free[bid.signer_address] = total - locked - reserved[bid.signer_address]
            if bid.guarantee > free[bid.signer_address]:
                _void(bid, "guarantee_insufficient",
                      f"guarantee {bid.guarantee} exceeds the signer's free guarantee {free[bid.signer_address]}")
                continue
            free[bid.signer_address] -= bid.guarantee


def commit_books(services: MarketServices, request_id: int) -> None:
    """Freeze the request's book and commit each leg's root (once)."""
    with services.database.transaction() as s:
        request = s.get(FlexRequest, request_id)
        if request.status is not RequestStatus.CLOSED:
            return
        if any(leg.book_root is None for leg in request.legs):
            book = bid_domain.book_bids(s, request.id)
            _screen(s, services, request, book)
            book = [bid for bid in book if bid.void_reason is None]
            for leg in request.legs:
                tree, _ = _book_tree(s, leg, book)
                leg.book_root, leg.book_size = "0x" + tree.root.hex(), len(tree.leaves)
        plans = [(leg.id, request_domain.leg_terms(leg), leg.onchain_id, leg.book_root, _key("commit", leg))
                 for leg in request.legs if leg.status is ChainRequestStatus.CREATED]
    if not plans:
        return
    market = services.market()
    operator = services.gateway.operator()
    for _leg_id, t, onchain_id, root, key in plans:
        record = services.sender().submit(key, market.market.functions.commitBook(
            onchain_id, canonical.flex_request_tuple(t), canonical.hex_bytes(root)), operator, purpose="commit")
        with services.database.transaction() as s:
            sync.apply_receipt(s, services, record.tx_hash, only=("BookCommitted",))


# ---------------------------------------------------------------------------------- clearing
def _weighted(lines: list[tuple[int, int]]) -> int:
    """Quantity-weighted price of (price, Wh) lines, rounded down."""
    total = sum(q for _, q in lines)
    return sum(p * q for p, q in lines) // total


def plan_from_clearing(request: FlexRequest, book: list[Bid], result: dict[str, Any]) -> dict[Leg, dict[str, Any]]:
    """Per leg, per winning bid: quantity, price and per-interval Wh of its award."""
    pay_as_clear = request.session.pricing is Pricing.PAY_AS_CLEAR
    by_bid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in result["accepted"]:
        by_bid[line["bid_id"]].append(line)
    bids = {str(b.id): b for b in book}
    plans: dict[Leg, dict[str, Any]] = {leg.leg: {} for leg in request.legs}
    for bid_id, lines in by_bid.items():
        bid = bids[bid_id]
        legs = {row.leg: row for row in bid.legs}
        intervals = [[line["start"], line["quantity_wh"]] for line in lines]
        accepted = sum(line["quantity_wh"] for line in lines)
        if accepted == 0:
            continue
        if Leg.ENERGY in plans:
            price = (_weighted([(line["price_per_mwh"], line["quantity_wh"]) for line in lines]) if pay_as_clear
                     else legs[Leg.ENERGY].price_per_mwh)
            plans[Leg.ENERGY][bid_id] = {"quantity_wh": accepted, "price_per_mwh": price, "intervals": intervals}
            continue
        availability = (_weighted([(line["availability_price_per_mw_h"], line["quantity_wh"]) for line in lines])
                        if pay_as_clear else legs[Leg.AVAILABILITY].price_per_mwh)
        plans[Leg.AVAILABILITY][bid_id] = {"quantity_wh": accepted, "price_per_mwh": availability,
                                           "intervals": intervals}
        activation_wh = terms.activation_quantity_wh(accepted, request.estimated_activation_hours,
                                                     len(request.intervals))
        if activation_wh > 0:
            activation = (_weighted([(line["price_per_mwh"], line["quantity_wh"]) for line in lines]) if pay_as_clear
                          else legs[Leg.ACTIVATION].price_per_mwh)
            plans[Leg.ACTIVATION][bid_id] = {"quantity_wh": activation_wh, "price_per_mwh": activation,
                                             "intervals": []}
    return plans


def clear_and_award(services: MarketServices, request_id: int) -> None:
    """Run the clearing on the committed book (once) and award the winners."""
    with services.database.transaction() as s:
        request = s.get(FlexRequest, request_id)
        if request.status is not RequestStatus.CLOSED or request.session.mode is not SessionMode.AUCTION:
            return
        if any(leg.status is not ChainRequestStatus.COMMITTED and leg.status is not ChainRequestStatus.AWARDED
               for leg in request.legs):
            log.warning("request %d: not every leg is committed yet; award later", request_id)
            return
        if all(leg.award_plan is not None for leg in request.legs):
            pass  # resuming: the plan is fixed
        else:
            book = bid_domain.book_bids(s, request.id)
            light = request.session.traffic_light or TrafficLight.YELLOW.value
            try:
                result = clear_book(book_mod.order_book(s, request, book, light)).to_json()
            except NoMarket as exc:
                result = {"accepted": [], "rejected": [{"bid_id": str(b.id), "status": "ineligible",
                                                        "reason": "no_market", "detail": exc.message} for b in book],
                          "no_market": True, "traffic_light": light}
            request.clearing_result = result
            for rejected in result["rejected"]:
                bid = s.get(Bid, int(rejected["bid_id"]))
                bid.outcome, bid.outcome_reason, bid.outcome_detail = (BidOutcome.REJECTED, rejected["reason"],
                                                                       rejected["detail"])
            plans = plan_from_clearing(request, book, result)
            for leg in request.legs:
                leg.award_plan = plans[leg.leg]
    award_legs(services, request_id)


# ---------------------------------------------------------------------------------- awards
def award_call(services: MarketServices, s: Session, leg: ChainRequest):
    """The prepared ``award`` call of a leg from its award plan: awards sorted by digest, one multiproof."""
    market = services.market()
    request = s.get(FlexRequest, leg.request_id)
    book = [bid for bid in bid_domain.book_bids(s, request.id)]
    tree, legs = _book_tree(s, leg, book)
    if "0x" + tree.root.hex() != leg.book_root:
        raise Conflict("the book no longer matches its committed root", code="book_mismatch",
                       details={"request_id": request.id, "leg": leg.leg.value})
    awards = []
    for bid_id, plan in (leg.award_plan or {}).items():
        row = legs[int(bid_id)]
        struct = typed_data.Bid(requestId=row.onchain_request_id, fsp=row.fsp_address, quantityWh=row.quantity_wh,
                                minQuantityWh=row.min_quantity_wh, pricePerMWh=row.price_per_mwh,
                                guarantee=row.guarantee, terms=canonical.hex_bytes(row.terms_hash))
        r, vs = typed_data.compact(canonical.hex_bytes(row.signature))
        awards.append((canonical.hex_bytes(row.digest),
                       (struct.as_tuple(), plan["quantity_wh"], plan["price_per_mwh"], r, vs)))
    awards.sort(key=lambda pair: pair[0])
    multi = tree.multiproof(d for d, _ in awards)
    return market.market.functions.award(leg.onchain_id, canonical.flex_request_tuple(request_domain.leg_terms(leg)),
                                         tree.root, [a for _, a in awards], multi.proof, multi.flags)


def award_legs(services: MarketServices, request_id: int) -> None:
    """Send the award of every committed leg whose plan is fixed (operator key, durable sender)."""
    with services.database.transaction() as s:
        request = s.get(FlexRequest, request_id)
        calls = [(award_call(services, s, leg), _key("award", leg)) for leg in request.legs
                 if leg.status is ChainRequestStatus.COMMITTED and leg.award_plan is not None]
    operator = services.gateway.operator()
    for fn, key in calls:
        record = services.sender().submit(key, fn, operator, purpose="award")
        with services.database.transaction() as s:
            sync.apply_receipt(s, services, record.tx_hash, only=("OfferAwarded", "RequestAwarded"))


def pick(session: Session, services: MarketServices, principal: Principal, request_id: int, bid_ids: list[int],
         by: str) -> tuple[FlexRequest, list[dict[str, Any]]]:
    """The DSO's pick (manual-pick sessions): the chosen offers in full at their prices.

    ``by="operator"``: the operator awards now. ``by="wallet"``: the unsigned award
    transaction(s) for the DSO's own wallet are returned (the indexer, or
    ``POST /requests/{id}/awarded``, records the outcome).
    """
    request = request_domain.own(session, principal, request_id)
    if principal.participant_id != request.dso_id:
        raise NotFound("no such request of yours", details={"request_id": request_id})
    if request.session.mode is not SessionMode.MANUAL_PICK:
        raise Conflict("this session's winners come from the clearing, not a pick", code="not_manual_pick")
    if request.status is not RequestStatus.CLOSED or any(
            leg.status is not ChainRequestStatus.COMMITTED for leg in request.legs):
        raise Conflict("offers are picked after gate closure, once the book is committed, before the award",
                       code="not_pickable", details={"status": request.status.value})
    if services.now() >= min(leg.award_deadline for leg in request.legs):
        raise Conflict("the award deadline has passed", code="award_deadline_passed")
    book = {bid.id: bid for bid in bid_domain.book_bids(session, request.id)}
    chosen = list(dict.fromkeys(bid_ids))
    missing = [b for b in chosen if b not in book]
    if missing:
        raise InvalidInput("bid_ids: not valid offers of this request", code="invalid_reference",
                           details={"bid_ids": missing})
    plans: dict[Leg, dict[str, Any]] = {leg.leg: {} for leg in request.legs}
    for bid_id in chosen:
        bid = book[bid_id]
        for row in bid.legs:
            plans[row.leg][str(bid_id)] = {
                "quantity_wh": row.quantity_wh, "price_per_mwh": row.price_per_mwh,
                "intervals": [] if row.leg is Leg.ACTIVATION else [[i.start, i.quantity_wh] for i in bid.intervals]}
    for leg in request.legs:
        total = sum(p["quantity_wh"] for p in plans[leg.leg].values())
        if total > leg.quantity_wh:
            raise InvalidInput(f"the picked offers total {total} Wh, more than the {leg.quantity_wh} Wh requested",
                               code="quantity_above_request", details={"leg": leg.leg.value, "total_wh": total})
        leg.award_plan = plans[leg.leg]
    audit.record(session, principal, "request.picked", "flex_request", request.id,
                 after={"bid_ids": chosen, "by": by}, participant_id=request.dso_id)
    session.flush()
    if by == "wallet":
        market = services.market()
        txs = [{"purpose": f"award the {leg.leg.value} request", "chain_id": market.chain.chain_id,
                "to": market.market.address, "data": award_call(services, session, leg)._encode_transaction_data(),
                "value": 0} for leg in request.legs]
        return request, txs
    session.commit()  # the sender writes its own rows
    award_legs(services, request.id)
    session.expire_all()
    return session.get(FlexRequest, request_id), []


def record_award(session: Session, services: MarketServices, principal: Principal, request_id: int,
                 tx_hash: str) -> FlexRequest:
    """Check the DSO wallet's award receipt now (instead of waiting for the indexer)."""
    request = request_domain.own(session, principal, request_id)
    if request.status is not RequestStatus.CLOSED:
        raise Conflict(f"the request is {request.status.value}, not waiting for an award", code="not_pickable")
    applied = sync.apply_receipt(session, services, tx_hash, only=("OfferAwarded", "RequestAwarded"))
    session.refresh(request)
    if not any(leg.awarded_tx == tx_hash.lower() for leg in request.legs):
        raise InvalidInput("the transaction awarded none of this request's legs", code="no_matching_event",
                           details={"tx_hash": tx_hash, "events": applied})
    audit.record(session, principal, "request.award_reported", "flex_request", request.id,
                 after={"tx_hash": tx_hash, "status": request.status.value}, participant_id=request.dso_id)
    return request

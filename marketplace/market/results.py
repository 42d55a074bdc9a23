"""Results per role (seed 3.2.2.7, 3.2.3.7, fig. 15, fig. 47), and publishing them.

When every leg of a request is awarded, :func:`finalize` marks each valid bid accepted (it
has an agreement) or rejected (with the clearing's reason, or ``not_selected``), the request
``awarded``, and tells the DSO and the bidders. The views:

- **by auction** (``/sessions/{id}/results``): the DSO sees every matched bid of its requests
  (never an unmatched one), an FSP its own bids accepted or rejected, the operator all, the
  public one aggregate row per request;
- **history** (``/results/history``): transactions (agreements) of the 7, 14 or 30 days up to
  a date; participants see theirs, the public daily aggregates;
- **incremental schedules** (``/results/schedules``): per session, the programme increments
  per bidding unit, quarter-hour and zone (short-term and firm energy agreements, and long-term
  activations);
- **trade/order history** (``/trades``, fig. 47): orders (bid versions) and trades (agreements).

Every view also answers as CSV (``?format=csv``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain.principal import Principal
from marketplace.market import notifications
from marketplace.models import (
    Activation,
    Agreement,
    Bid,
    BiddingUnit,
    FlexRequest,
    GridElement,
    MarketSession,
    Participant,
    Zone,
)
from marketplace.models.base import now_s
from marketplace.models.market import (
    ActivationStatus,
    AgreementKind,
    BidOutcome,
    BidStatus,
    RequestStatus,
    SessionMode,
    SessionStatus,
)

TERMINAL = (RequestStatus.AWARDED, RequestStatus.CANCELLED, RequestStatus.EXPIRED, RequestStatus.REJECTED)


def finalize(session: Session, request: FlexRequest) -> None:
    """Publish a request's results once all its legs are awarded (idempotent)."""
    if request.status is not RequestStatus.CLOSED:
        return
    accepted: dict[int, int] = {}
    for agreement in session.scalars(select(Agreement).where(Agreement.request_id == request.id)):
        if agreement.kind is not AgreementKind.ACTIVATION or agreement.bid_id not in accepted:
            accepted[agreement.bid_id] = sum(i.quantity_wh for i in agreement.intervals) or agreement.quantity_wh
    manual = request.session.mode is SessionMode.MANUAL_PICK
    bidders = set()
    for bid in session.scalars(select(Bid).where(Bid.request_id == request.id, Bid.status == BidStatus.ACTIVE)):
        bidders.add(bid.fsp_id)
        if bid.id in accepted:
            bid.outcome, bid.accepted_wh, bid.outcome_reason, bid.outcome_detail = (
                BidOutcome.ACCEPTED, accepted[bid.id], None, None)
        elif bid.outcome is None and bid.void_reason is not None:  # void or ineligible at submission
            bid.outcome, bid.outcome_reason, bid.outcome_detail = (BidOutcome.REJECTED, bid.void_reason,
                                                                   bid.void_detail)
            bid.accepted_wh = 0
        elif bid.outcome is None:
            bid.outcome, bid.outcome_reason = BidOutcome.REJECTED, "not_selected"
            bid.outcome_detail = "not picked by the DSO" if manual else "not in the selection"
            bid.accepted_wh = 0
    request.status, request.awarded_at = RequestStatus.AWARDED, now_s()
    session.flush()
    sess = request.session
    statuses = list(session.scalars(select(FlexRequest.status).where(FlexRequest.session_id == sess.id)))
    if sess.status is SessionStatus.CLOSED and all(s in TERMINAL for s in statuses):
        sess.status, sess.results_at = SessionStatus.AWARDED, now_s()
    notifications.notify(session, {request.dso_id, *bidders}, notifications.RESULTS_PUBLISHED,
                         f"Results of request {request.id}: {len(accepted)} accepted",
                         {"request_id": request.id, "session_id": sess.id, "accepted_bids": len(accepted)},
                         object_type="flex_request", object_id=request.id)


# ---------------------------------------------------------------------------------- by auction
def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Participant.id, Participant.entity_name).where(Participant.id.in_(ids))).all())


def _units(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(BiddingUnit.id, BiddingUnit.name).where(BiddingUnit.id.in_(ids))).all())


def _aggregate(session: Session, request: FlexRequest) -> dict[str, Any]:
    agreements = session.scalars(select(Agreement).where(Agreement.request_id == request.id)).all()
    main = [a for a in agreements if a.kind is not AgreementKind.ACTIVATION]
    awarded = sum(a.quantity_wh for a in main)
    bids = session.scalar(select(func.count()).select_from(Bid).where(
        Bid.request_id == request.id, Bid.status == BidStatus.ACTIVE)) or 0
    row = {"request_id": request.id, "session_id": request.session_id, "product": request.product.code,
           "category": request.product.category.value, "direction": request.direction.value,
           "status": request.status.value, "requested_wh": request.total_wh, "awarded_wh": awarded,
           "bids": bids, "winners": len(main),
           "average_price_per_mwh": (sum(a.price_per_mwh * a.quantity_wh for a in main) // awarded) if awarded else None,
           "agreed": sum(a.amount for a in agreements)}
    activation = [a for a in agreements if a.kind is AgreementKind.ACTIVATION]
    if activation:
        wh = sum(a.quantity_wh for a in activation)
        row["average_activation_price_per_mwh"] = sum(a.price_per_mwh * a.quantity_wh for a in activation) // wh
    return row


def session_results(session: Session, principal: Principal, session_id: int) -> dict[str, Any]:
    sess = session.get(MarketSession, session_id)
    requests = session.scalars(select(FlexRequest).where(FlexRequest.session_id == session_id,
                                                         FlexRequest.published_at.is_not(None))
                               .order_by(FlexRequest.id)).all()
    summary = {"session_id": session_id, "code": sess.code, "status": sess.status.value,
               "requests": [_aggregate(session, r) for r in requests if r.status is RequestStatus.AWARDED]}
    if principal.anonymous or not (principal.is_operator or principal.is_dso or principal.is_fsp):
        return {"items": summary["requests"], "summary": summary}
    ids = [r.id for r in requests if r.status is RequestStatus.AWARDED]
    stmt = select(Bid).where(Bid.request_id.in_(ids), Bid.status == BidStatus.ACTIVE)
    if principal.is_dso:
        own = [r.id for r in requests if r.dso_id == principal.participant_id and r.id in ids]
        stmt = select(Bid).where(Bid.request_id.in_(own), Bid.outcome == BidOutcome.ACCEPTED)
    elif principal.is_fsp:
        stmt = stmt.where(Bid.fsp_id == principal.participant_id)
    bids = session.scalars(stmt.order_by(Bid.request_id, Bid.id)).all()
    agreements = defaultdict(list)
    for a in session.scalars(select(Agreement).where(Agreement.bid_id.in_([b.id for b in bids]))):
        agreements[a.bid_id].append(a)
    names, units = _names(session, {b.fsp_id for b in bids}), _units(session, {b.bidding_unit_id for b in bids})
    items = []
    for b in bids:
        by_kind = {a.kind: a for a in agreements[b.id]}
        main = by_kind.get(AgreementKind.ENERGY) or by_kind.get(AgreementKind.AVAILABILITY)
        activation = by_kind.get(AgreementKind.ACTIVATION)
        capacity = b.qualified_power_w
        items.append({
            "request_id": b.request_id, "bid_id": b.id, "bidding_unit_id": b.bidding_unit_id,
            "bidding_unit": units.get(b.bidding_unit_id), "fsp_id": b.fsp_id, "agent": names.get(b.fsp_id),
            "outcome": None if b.outcome is None else b.outcome.value, "reason": b.outcome_reason,
            "detail": b.outcome_detail, "quantity_wh": b.quantity_wh,
            "quantity_w": max((i.quantity_wh for i in b.intervals), default=0) * 4,
            "allocated_wh": 0 if main is None else main.quantity_wh,
            "allocated_w": 0 if main is None else max((i.quantity_wh for i in main.intervals), default=0) * 4,
            "bid_price_per_mwh": b.price_per_mwh, "bid_availability_price_per_mw_h": b.availability_price_per_mw_h,
            "price_per_mwh": None if main is None else (activation.price_per_mwh if activation else main.price_per_mwh),
            "availability_price_per_mw_h": (main.price_per_mwh if main is not None and main.kind is
                                            AgreementKind.AVAILABILITY else None),
            "agreement_ids": [a.agreement_id for a in agreements[b.id]], "qualified_power_w": capacity,
        })
    return {"items": items, "summary": summary}


# ---------------------------------------------------------------------------------- history
def _day(text: str | None) -> date:
    return date.fromisoformat(text) if text else datetime.now(UTC).date()


def _window(text: str | None, days: int) -> tuple[int, int]:
    last = _day(text)
    first = last - timedelta(days=days - 1)
    start = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    end = int(datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()) + 86_400
    return start, end


def _visible_agreements(stmt, principal: Principal):
    if principal.is_operator:
        return stmt
    if principal.is_dso:
        return stmt.where(Agreement.dso_id == principal.participant_id)
    if principal.is_fsp:
        return stmt.where(Agreement.fsp_id == principal.participant_id)
    return stmt.where(False)


def history(session: Session, principal: Principal, date_text: str | None, days: int) -> dict[str, Any]:
    """Transactions (agreements) created in the ``days`` days up to ``date_text`` (UTC)."""
    start, end = _window(date_text, days)
    stmt = select(Agreement).where(Agreement.created_at >= start, Agreement.created_at < end)
    participant = principal.is_operator or principal.is_dso or principal.is_fsp
    if participant:
        rows = session.scalars(_visible_agreements(stmt, principal).order_by(Agreement.id)).all()
        names, units = _names(session, {a.fsp_id for a in rows} | {a.dso_id for a in rows}), _units(
            session, {a.bidding_unit_id for a in rows})
        codes = dict(session.execute(select(MarketSession.id, MarketSession.code)).all()) if rows else {}
        items = [{"date": datetime.fromtimestamp(a.created_at, UTC).date().isoformat(), "session": codes.get(a.session_id),
                  "request_id": a.request_id, "agreement_id": a.agreement_id, "kind": a.kind.value,
                  "direction": a.direction.value, "dso": names.get(a.dso_id), "agent": names.get(a.fsp_id),
                  "bidding_unit": units.get(a.bidding_unit_id), "quantity_wh": a.quantity_wh,
                  "price_per_mwh": a.price_per_mwh, "amount": a.amount, "status": a.status.value} for a in rows]
    else:
        daily: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"transactions": 0, "quantity_wh": 0,
                                                                             "amount": 0})
        for a in session.scalars(stmt):
            key = (datetime.fromtimestamp(a.created_at, UTC).date().isoformat(), a.kind.value)
            daily[key]["transactions"] += 1
            daily[key]["quantity_wh"] += a.quantity_wh
            daily[key]["amount"] += a.amount
        items = [{"date": d, "kind": k, **v} for (d, k), v in sorted(daily.items())]
    return {"items": items, "summary": {"from": start, "to": end, "days": days}}


# ---------------------------------------------------------------------------------- schedules
def _zone_of(session: Session, request: FlexRequest) -> str:
    if request.zone_id is not None:
        return session.get(Zone, request.zone_id).name
    element = session.get(GridElement, request.grid_element_id)
    return element.code if element is not None else ""


def schedules(session: Session, principal: Principal, *, session_id: int | None, date_text: str | None,
              zone_id: int | None, grid_element_id: int | None) -> dict[str, Any]:
    """Programme increments per bidding unit, quarter-hour and zone (signed Wh: up +, down −)."""
    stmt = select(Agreement).where(Agreement.kind == AgreementKind.ENERGY)
    if session_id is not None:
        stmt = stmt.where(Agreement.session_id == session_id)
    if date_text is not None:
        start, end = _window(date_text, 1)
        stmt = stmt.where(Agreement.delivery_start < end, Agreement.delivery_end > start)
    agreements = session.scalars(_visible_agreements(stmt, principal)).all()
    acts = select(Activation).where(Activation.status == ActivationStatus.ORDERED)
    if session_id is not None:
        acts = acts.join(FlexRequest, FlexRequest.id == Activation.request_id).where(FlexRequest.session_id == session_id)
    if date_text is not None:  # the day's activations only, as for the agreements above
        acts = acts.where(Activation.start < end, Activation.end > start)
    if principal.is_dso:
        acts = acts.where(Activation.dso_id == principal.participant_id)
    elif principal.is_fsp:
        acts = acts.where(Activation.fsp_id == principal.participant_id)
    elif not principal.is_operator:
        acts = acts.where(False)
    activations = session.scalars(acts).all()
    requests = {r.id: r for r in session.scalars(select(FlexRequest).where(FlexRequest.id.in_(
        {a.request_id for a in agreements} | {a.request_id for a in activations})))}
    units = _units(session, {a.bidding_unit_id for a in agreements} | {a.bidding_unit_id for a in activations})
    codes = dict(session.execute(select(MarketSession.id, MarketSession.code)).all()) if requests else {}
    rows = []

    def keep(request: FlexRequest) -> bool:
        return ((zone_id is None or request.zone_id == zone_id)
                and (grid_element_id is None or request.grid_element_id == grid_element_id))

    for a in agreements:
        request = requests[a.request_id]
        if not keep(request):
            continue
        sign = 1 if a.direction.value == "up" else -1
        for i in a.intervals:
            rows.append((i.start, codes.get(request.session_id), _zone_of(session, request), a.bidding_unit_id,
                         a.direction.value, sign * i.quantity_wh, "trade", a.agreement_id))
    for act in activations:
        request = requests[act.request_id]
        if not keep(request):
            continue
        sign = 1 if act.direction.value == "up" else -1
        for i in act.intervals:
            rows.append((i.start, codes.get(request.session_id), _zone_of(session, request), act.bidding_unit_id,
                         act.direction.value, sign * i.quantity_wh, "activation", str(act.id)))
    rows.sort()
    items = [{"date": datetime.fromtimestamp(start, UTC).date().isoformat(),
              "period": datetime.fromtimestamp(start, UTC).strftime("%H:%M"), "start": start, "session": code,
              "zone": zone, "bidding_unit_id": unit, "bidding_unit": units.get(unit), "direction": direction,
              "increment_wh": wh, "source": source, "reference": ref}
             for start, code, zone, unit, direction, wh, source, ref in rows]
    return {"items": items, "summary": {"rows": len(items)}}


# ---------------------------------------------------------------------------------- trades
def trades(session: Session, principal: Principal, *, session_id: int | None, kind: str | None,
           limit: int) -> dict[str, Any]:
    """The trade/order history of seed fig. 47: orders (bid versions) and trades (agreements)."""
    codes = dict(session.execute(select(MarketSession.id, MarketSession.code)).all())
    items: list[dict[str, Any]] = []
    if kind in (None, "order"):
        stmt = select(Bid, FlexRequest).join(FlexRequest, FlexRequest.id == Bid.request_id)
        if session_id is not None:
            stmt = stmt.where(FlexRequest.session_id == session_id)
        if principal.is_fsp:
            stmt = stmt.where(Bid.fsp_id == principal.participant_id)
        elif principal.is_dso:
            stmt = stmt.where(FlexRequest.dso_id == principal.participant_id, Bid.outcome == BidOutcome.ACCEPTED)
        elif not principal.is_operator:
            stmt = stmt.where(False)
        rows = session.execute(stmt.order_by(Bid.id).limit(limit)).all()
        names = _names(session, {b.fsp_id for b, _ in rows})
        units = _units(session, {b.bidding_unit_id for b, _ in rows})
        for b, r in rows:
            code = codes.get(r.session_id)
            status = ("VOID" if b.void_reason else b.outcome.value.upper() if b.outcome else b.status.value.upper())
            items.append({"id": f"O{b.id}", "market_session": code, "order_code": f"ORD_{code}_{b.fsp_id}_{b.id}",
                          "transaction_type": "Order", "order_type": "Partial" if b.divisible else "All-or-none",
                          "market_participant": names.get(b.fsp_id), "trade_status": status, "dca_code": b.dca_code,
                          "active": b.status is BidStatus.ACTIVE and not b.void_reason, "product": r.product.code,
                          "position": "Sell", "quantity": max((i.quantity_wh for i in b.intervals), default=0) * 4,
                          "quantity_unit": "W", "price": b.availability_price_per_mw_h if
                          b.availability_price_per_mw_h is not None else b.price_per_mwh,
                          "price_unit": "per MW per h" if b.availability_price_per_mw_h is not None else "per MWh",
                          "currency": "EUR", "bidding_unit": units.get(b.bidding_unit_id), "rest_time_s": b.rest_time_s,
                          "max_consecutive_activations": b.max_consecutive_activations, "version": b.version,
                          "created_at": b.submitted_at})
    if kind in (None, "trade"):
        stmt = select(Agreement)
        if session_id is not None:
            stmt = stmt.where(Agreement.session_id == session_id)
        agreements = session.scalars(_visible_agreements(stmt, principal).order_by(Agreement.id).limit(limit)).all()
        names = _names(session, {a.fsp_id for a in agreements})
        units = _units(session, {a.bidding_unit_id for a in agreements})
        products = dict(session.execute(select(FlexRequest.id, FlexRequest.product_id)).all()) if agreements else {}
        from marketplace.models import MarketProduct

        product_codes = dict(session.execute(select(MarketProduct.id, MarketProduct.code)).all())
        for a in agreements:
            code = codes.get(a.session_id)
            bid = session.get(Bid, a.bid_id)
            items.append({"id": f"T{a.id}", "market_session": code, "order_code": f"TRD_{code}_{a.fsp_id}_{a.id}",
                          "transaction_type": "Trade", "order_type": "Partial" if bid.divisible else "All-or-none",
                          "market_participant": names.get(a.fsp_id),
                          "trade_status": "APPROVED" if a.status.value == "active" else a.status.value.upper(),
                          "dca_code": bid.dca_code, "active": a.status.value == "active",
                          "product": product_codes.get(products.get(a.request_id)), "position": "Buy",
                          "quantity": a.quantity_wh, "quantity_unit": "Wh", "price": a.price_per_mwh,
                          "price_unit": "per MW per h" if a.kind is AgreementKind.AVAILABILITY else "per MWh",
                          "currency": "EUR", "bidding_unit": units.get(a.bidding_unit_id),
                          "rest_time_s": bid.rest_time_s, "max_consecutive_activations": bid.max_consecutive_activations,
                          "agreement_id": a.agreement_id, "kind": a.kind.value, "created_at": a.created_at})
    return {"items": items, "summary": {"rows": len(items)}}


def to_csv(items: list[dict[str, Any]]) -> str:
    """Rows as CSV (the union of their keys, in first-seen order, as the header)."""
    columns: list[str] = []
    for row in items:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in items:
        writer.writerow({k: ("" if v is None else ";".join(map(str, v)) if isinstance(v, list) else v)
                         for k, v in row.items()})
    return out.getvalue()

"""Activations of long-term availability (seed 3.3.3.1, table 5, table 7).

Within the service window of a long-term availability agreement, its DSO activates the
bidding unit: a block of consecutive quarter-hours with the ordered Wh in each (at most the
contracted capacity x 0.25 h), in the agreement's direction. The rules:

- the block lies within the agreement's service window (its ordered quarter-hours);
- it starts at least the product's preparation period from now, and not before the request's
  minimal lead time after the auction's gate closure (when the contract is awarded);
- it lasts at least the product's activation duration;
- activations of an agreement follow each other in time (no overlap); one that starts less
  than the bid's rest time after the previous one ends is *consecutive* with it, and a run of
  consecutive activations may not exceed the bid's maximum number of consecutive activations
  (default 1: the rest time always applies).

The activation records (agreement, quarter-hours, ordered Wh, direction) are what the oracle
judges; the long-term settlement counts them (successful ones scale the availability payment,
the delivered energy pays the activation agreement).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, InvalidInput, NotFound
from marketplace.domain.principal import Principal
from marketplace.market import notifications
from marketplace.models import Activation, ActivationInterval, Agreement, Asset, Bid, FlexRequest
from marketplace.models.market import ActivationStatus, AgreementKind, AgreementStatus
from marketplace.schemas.market import ActivationIn

INTERVAL_S = 900


def meter_ids(session: Session, bidding_unit_id: int) -> list[str]:
    """The meters of a bidding unit: its assets' metering points (distinct, in asset order)."""
    ids = session.scalars(select(Asset.metering_point_id).where(Asset.bidding_unit_id == bidding_unit_id)
                          .order_by(Asset.id)).all()
    return list(dict.fromkeys(ids))


def order(session: Session, principal: Principal, agreement_pk: int, data: ActivationIn, now: int) -> Activation:
    agreement = session.get(Agreement, agreement_pk)
    if agreement is None or agreement.dso_id != principal.participant_id:
        raise NotFound("no such agreement of yours", details={"agreement_id": agreement_pk})
    if agreement.kind is not AgreementKind.AVAILABILITY:
        raise Conflict("only long-term availability is activated", code="not_availability")
    if agreement.status is not AgreementStatus.ACTIVE:
        raise Conflict(f"the agreement is {agreement.status.value}", code="agreement_closed")
    request = session.get(FlexRequest, agreement.request_id)
    product = request.product
    bid = session.get(Bid, agreement.bid_id)
    intervals = sorted((i.start, i.quantity_wh) for i in data.intervals)
    for (a, _), (b, _) in zip(intervals, intervals[1:]):
        if b != a + INTERVAL_S:
            raise InvalidInput("an activation is one block of consecutive quarter-hours", code="not_contiguous")
    capacity = {i.start: i.quantity_wh for i in agreement.intervals}
    for start, wh in intervals:
        if start not in capacity:
            raise InvalidInput(f"interval {start} is outside the agreement's service window",
                               code="outside_service_window", details={"start": start})
        if wh <= 0 or wh > capacity[start]:
            raise InvalidInput(f"interval {start}: {wh} Wh is outside 1..{capacity[start]} (the contracted capacity)",
                               code="above_capacity", details={"start": start, "capacity_wh": capacity[start]})
    first, end = intervals[0][0], intervals[-1][0] + INTERVAL_S
    if first < now + product.preparation_s:
        raise InvalidInput(f"the activation must start at least {product.preparation_s} s from now (preparation "
                           "period)", code="preparation_period", details={"earliest": now + product.preparation_s})
    signed_at = request.session.gate_close_at  # the contract is awarded at gate closure (market clock)
    if request.minimal_lead_time_s and first < signed_at + request.minimal_lead_time_s:
        raise InvalidInput("the request's minimal lead time has not passed", code="minimal_lead_time",
                           details={"earliest": signed_at + request.minimal_lead_time_s})
    if end - first < product.activation_duration_s:
        raise InvalidInput(f"an activation lasts at least {product.activation_duration_s} s", code="too_short")
    previous = session.scalars(select(Activation).where(
        Activation.agreement_id == agreement.id, Activation.status == ActivationStatus.ORDERED,
    ).order_by(Activation.start.desc())).all()
    if previous and first < previous[0].end:
        raise Conflict("activations of an agreement follow each other in time (this one overlaps or precedes one)",
                       code="overlapping_activation", details={"after": previous[0].end})
    rest = bid.rest_time_s or 0
    limit = bid.max_consecutive_activations or 1
    run, cursor = 1, first
    for act in previous:
        if cursor - act.end < rest:
            run += 1
            cursor = act.start
        else:
            break
    if run > limit:
        raise Conflict(f"{run} consecutive activations (less than the rest time {rest} s apart) exceed the maximum "
                       f"of {limit}", code="rest_time", details={"rest_time_s": rest, "max_consecutive": limit})
    activation = Activation(
        agreement_id=agreement.id, activation_agreement_id=agreement.partner_agreement_id, request_id=request.id,
        bidding_unit_id=agreement.bidding_unit_id, dso_id=agreement.dso_id, fsp_id=agreement.fsp_id,
        direction=agreement.direction, status=ActivationStatus.ORDERED, start=first, end=end,
        total_wh=sum(q for _, q in intervals), ordered_at=now, ordered_by_user_id=principal.acting_as_user_id,
        note=data.note)
    session.add(activation)
    session.flush()
    session.add_all(ActivationInterval(activation_id=activation.id, start=s, quantity_wh=q) for s, q in intervals)
    session.flush()
    session.expire(activation, ["intervals"])
    audit.record(session, principal, "activation.ordered", "activation", activation.id,
                 after={**audit.snapshot(activation), "intervals": [[s, q] for s, q in intervals]})
    notifications.notify(session, [agreement.fsp_id], "activation.ordered",
                         f"Activation {activation.id}: {activation.total_wh} Wh {activation.direction.value} "
                         f"from {first}", {"activation_id": activation.id, "agreement_id": agreement.agreement_id,
                                           "start": first, "end": end, "total_wh": activation.total_wh},
                         object_type="activation", object_id=activation.id)
    return activation


def cancel(session: Session, principal: Principal, activation_id: int, now: int) -> Activation:
    activation = session.get(Activation, activation_id)
    if activation is None or activation.dso_id != principal.participant_id:
        raise NotFound("no such activation of yours", details={"activation_id": activation_id})
    request = session.get(FlexRequest, activation.request_id)
    if activation.status is not ActivationStatus.ORDERED or now >= activation.start - request.product.preparation_s:
        raise Conflict("only ordered activations can be cancelled, before their preparation period",
                       code="not_cancellable")
    activation.status = ActivationStatus.CANCELLED
    audit.record(session, principal, "activation.cancelled", "activation", activation.id,
                 after={"status": activation.status.value})
    return activation


def visible(stmt, principal: Principal):
    if principal.is_operator or principal.is_meter_oracle:
        return stmt
    if principal.is_dso:
        return stmt.where(Activation.dso_id == principal.participant_id)
    if principal.is_fsp:
        return stmt.where(Activation.fsp_id == principal.participant_id)
    return stmt.where(False)


def get(session: Session, principal: Principal, activation_id: int) -> Activation:
    found = session.scalars(visible(select(Activation).where(Activation.id == activation_id), principal)).first()
    if found is None:
        raise NotFound("no such activation", details={"activation_id": activation_id})
    return found


def list_activations(session: Session, principal: Principal, *, agreement_id: int | None, status, start: int | None,
                     end: int | None, after: int | None, limit: int) -> Sequence[Activation]:
    stmt = visible(select(Activation), principal)
    if agreement_id is not None:
        stmt = stmt.where(Activation.agreement_id == agreement_id)
    if status is not None:
        stmt = stmt.where(Activation.status == status)
    if start is not None:
        stmt = stmt.where(Activation.end > start)
    if end is not None:
        stmt = stmt.where(Activation.start < end)
    if after is not None:
        stmt = stmt.where(Activation.id > after)
    return session.scalars(stmt.order_by(Activation.id).limit(limit)).all()

"""After the auction: results history, incremental schedules, trade/order history, agreements,
activations, and the notifications and webhooks that announce them."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from marketplace.api import context, present
from marketplace.api import market_present as show
from marketplace.api.market import rows_or_csv
from marketplace.api.registry import ALL_ROLES, PUBLIC, Access, roles, route
from marketplace.db import session
from marketplace.domain.errors import NotFound
from marketplace.domain.principal import Principal
from marketplace.market import activations as activation_domain
from marketplace.market import notifications as notification_domain
from marketplace.market import results
from marketplace.models import Agreement
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.common import Page, Paging
from marketplace.schemas.market import (
    ActivationIn,
    ActivationOut,
    ActivationQuery,
    AgreementOut,
    AgreementQuery,
    DeliveryOut,
    HistoryQuery,
    NotificationOut,
    NotificationQuery,
    ReadAll,
    Rows,
    ScheduleQuery,
    TradeQuery,
    WebhookIn,
    WebhookOut,
)

bp = Blueprint("outcomes", __name__, url_prefix="/api/v1")
notifications_bp = Blueprint("notifications", __name__, url_prefix="/api/v1")

TRADERS = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP)
WITH_ORACLE = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP,
                    ParticipantRole.METER_ORACLE)
DSO_WRITER = roles(ParticipantRole.DSO, grant=Grant.TRADER)
MEMBERS = Access(roles=ALL_ROLES)
ADMINS = Access(roles=ALL_ROLES, grant=Grant.ADMIN)


# ---------------------------------------------------------------------------------- results
@route(bp, "/results/history", "GET",
       summary="Transactions of the 7, 14 or 30 days up to a date (participants: theirs; public: daily totals)",
       access=PUBLIC, query=HistoryQuery, response=Rows)
def history(principal: Principal, query: HistoryQuery):
    return rows_or_csv(results.history(session(), principal, query.date, query.days), query.format, "history")


@route(bp, "/results/schedules", "GET",
       summary="Incremental schedules per bidding unit, quarter-hour and zone", access=TRADERS, query=ScheduleQuery,
       response=Rows)
def schedules(principal: Principal, query: ScheduleQuery):
    return rows_or_csv(results.schedules(session(), principal, session_id=query.session_id, date_text=query.date,
                                         zone_id=query.zone_id, grid_element_id=query.grid_element_id),
                       query.format, "schedules")


@route(bp, "/trades", "GET", summary="Trade and order history (seed fig. 47)", access=TRADERS, query=TradeQuery,
       response=Rows)
def trades(principal: Principal, query: TradeQuery):
    return rows_or_csv(results.trades(session(), principal, session_id=query.session_id, kind=query.type,
                                      limit=query.limit), query.format, "trades")


# ---------------------------------------------------------------------------------- agreements
def _agreements(principal: Principal):
    stmt = select(Agreement)
    if principal.is_operator or principal.is_meter_oracle:
        return stmt
    if principal.is_dso:
        return stmt.where(Agreement.dso_id == principal.participant_id)
    if principal.is_fsp:
        return stmt.where(Agreement.fsp_id == principal.participant_id)
    return stmt.where(False)


@route(bp, "/agreements", "GET", summary="Agreements (DSO and FSP their own; operator and meter oracles all)",
       access=WITH_ORACLE, query=AgreementQuery, response=Page[AgreementOut])
def list_agreements(principal: Principal, query: AgreementQuery):
    stmt = _agreements(principal)
    for key in ("request_id", "session_id", "status", "kind"):
        if getattr(query, key) is not None:
            stmt = stmt.where(getattr(Agreement, key) == getattr(query, key))
    if query.after is not None:
        stmt = stmt.where(Agreement.id > query.after)
    rows = session().scalars(stmt.order_by(Agreement.id).limit(query.limit)).all()
    return Page[AgreementOut](items=[show.agreement(session(), a) for a in rows],
                              next_after=present.next_after(rows, query.limit))


@route(bp, "/agreements/<id:agreement_pk>", "GET", summary="One agreement, with its meters and ordered quarter-hours",
       access=WITH_ORACLE, response=AgreementOut, errors=(404,))
def get_agreement(principal: Principal, agreement_pk: int):
    found = session().scalars(_agreements(principal).where(Agreement.id == agreement_pk)).first()
    if found is None:
        raise NotFound("no such agreement", details={"agreement_id": agreement_pk})
    return show.agreement(session(), found)


@route(bp, "/agreements/<id:agreement_pk>/activations", "POST",
       summary="Activate long-term availability within its service window (DSO)", access=DSO_WRITER,
       body=ActivationIn, response=ActivationOut, status=201, errors=(404, 409, 422))
def activate(principal: Principal, agreement_pk: int, body: ActivationIn):
    """One block of consecutive quarter-hours; the preparation period, minimal lead time,
    activation duration, rest time and maximum consecutive activations apply."""
    return show.activation(session(), activation_domain.order(session(), principal, agreement_pk, body,
                                                              context.market().now()))


@route(bp, "/activations", "GET", summary="Activations (DSO and FSP their own; operator and meter oracles all)",
       access=WITH_ORACLE, query=ActivationQuery, response=Page[ActivationOut])
def list_activations(principal: Principal, query: ActivationQuery):
    rows = activation_domain.list_activations(session(), principal, agreement_id=query.agreement_id,
                                              status=query.status, start=query.from_, end=query.to,
                                              after=query.after, limit=query.limit)
    return Page[ActivationOut](items=[show.activation(session(), a) for a in rows],
                               next_after=present.next_after(rows, query.limit))


@route(bp, "/activations/<id:activation_id>", "GET", summary="One activation", access=WITH_ORACLE,
       response=ActivationOut, errors=(404,))
def get_activation(principal: Principal, activation_id: int):
    return show.activation(session(), activation_domain.get(session(), principal, activation_id))


@route(bp, "/activations/<id:activation_id>/cancel", "POST",
       summary="Cancel an activation before its preparation period (DSO)", access=DSO_WRITER,
       response=ActivationOut, errors=(404, 409))
def cancel_activation(principal: Principal, activation_id: int):
    return show.activation(session(), activation_domain.cancel(session(), principal, activation_id,
                                                               context.market().now()))


# ---------------------------------------------------------------------------------- notifications
@route(notifications_bp, "/notifications", "GET", summary="Your participant's notifications", access=MEMBERS,
       query=NotificationQuery, response=Page[NotificationOut])
def list_notifications(principal: Principal, query: NotificationQuery):
    rows = notification_domain.list_notifications(session(), principal, unread=query.unread, event=query.event,
                                                  after=query.after, limit=query.limit)
    return Page[NotificationOut](items=[show.notification(n) for n in rows],
                                 next_after=present.next_after(rows, query.limit))


@route(notifications_bp, "/notifications/<id:notification_id>/read", "POST", summary="Mark a notification read",
       access=MEMBERS, response=NotificationOut, errors=(404,))
def read(principal: Principal, notification_id: int):
    return show.notification(notification_domain.mark_read(session(), principal, notification_id))


@route(notifications_bp, "/notifications/read-all", "POST", summary="Mark every notification read", access=MEMBERS,
       response=ReadAll)
def read_all(principal: Principal):
    return ReadAll(marked=notification_domain.mark_all_read(session(), principal))


@route(notifications_bp, "/webhooks", "GET", summary="Your participant's webhooks", access=MEMBERS,
       response=Page[WebhookOut])
def list_webhooks(principal: Principal):
    return Page[WebhookOut](items=[show.webhook(w) for w in notification_domain.list_subscriptions(session(),
                                                                                                   principal)],
                            next_after=None)


@route(notifications_bp, "/webhooks", "POST", summary="Subscribe a URL to market events (signed deliveries)",
       access=ADMINS, body=WebhookIn, response=WebhookOut, status=201, errors=(422,))
def create_webhook(principal: Principal, body: WebhookIn):
    """The answer shows the HMAC-SHA256 ``secret`` once; deliveries carry
    ``X-FlexMarket-Signature: t=<Unix s>,v1=<hex HMAC of "<t>.<body>">`` (docs/market.md)."""
    return show.webhook(notification_domain.create_subscription(session(), principal, body), with_secret=True)


@route(notifications_bp, "/webhooks/<id:webhook_id>", "DELETE", summary="Delete a webhook", access=ADMINS,
       response=WebhookOut, errors=(404, 409))
def delete_webhook(principal: Principal, webhook_id: int):
    return show.webhook(notification_domain.revoke_subscription(session(), principal, webhook_id))


@route(notifications_bp, "/webhooks/<id:webhook_id>/deliveries", "GET",
       summary="The delivery log of a webhook", access=MEMBERS, query=Paging, response=Page[DeliveryOut],
       errors=(404,))
def deliveries(principal: Principal, webhook_id: int, query: Paging):
    rows = notification_domain.deliveries(session(), principal, webhook_id, after=query.after, limit=query.limit)
    return Page[DeliveryOut](items=[show.delivery(d) for d in rows], next_after=present.next_after(rows, query.limit))

"""In-app notifications and webhook deliveries for the market's events.

Events: ``request.published``, ``qualification.decided``, ``session.gate_closed``,
``results.published``, ``agreement.settled``. :func:`notify` writes, in the caller's
transaction, one in-app notification per participant and one pending webhook delivery per
active subscription to the event; :mod:`marketplace.market.webhooks` delivers them.

Webhook payload (JSON): ``{"id": <delivery id>, "event": ..., "created_at": <Unix s>,
"data": {...}}``; headers ``X-FlexMarket-Event``, ``X-FlexMarket-Delivery`` and
``X-FlexMarket-Signature: t=<Unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, NotFound
from marketplace.domain.principal import Principal
from marketplace.models import Notification, WebhookDelivery, WebhookSubscription
from marketplace.models.base import now_s
from marketplace.models.market import DeliveryStatus
from marketplace.schemas.market import WebhookIn

REQUEST_PUBLISHED = "request.published"
QUALIFICATION_DECIDED = "qualification.decided"
GATE_CLOSED = "session.gate_closed"
RESULTS_PUBLISHED = "results.published"
AGREEMENT_SETTLED = "agreement.settled"


def notify(session: Session, participant_ids: Iterable[int], event: str, title: str, data: dict[str, Any], *,
           object_type: str | None = None, object_id: Any = None) -> int:
    """Notify each participant in-app and through its webhooks; returns how many participants."""
    targets = sorted(set(participant_ids))
    if not targets:
        return 0
    now = now_s()
    session.add_all(Notification(participant_id=pid, event=event, title=title, data=data, object_type=object_type,
                                 object_id=None if object_id is None else str(object_id), created_at=now)
                    for pid in targets)
    subscriptions = []
    for k in range(0, len(targets), 1000):
        subscriptions += session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.participant_id.in_(targets[k:k + 1000]), WebhookSubscription.active.is_(True))).all()
    for sub in subscriptions:
        if event in sub.events:
            delivery = WebhookDelivery(subscription_id=sub.id, event=event, payload="", status=DeliveryStatus.PENDING,
                                       attempts=0, next_attempt_at=now, created_at=now)
            session.add(delivery)
            session.flush()
            delivery.payload = json.dumps({"id": delivery.id, "event": event, "created_at": now, "data": data},
                                          separators=(",", ":"), sort_keys=True)
    return len(targets)


# ---------------------------------------------------------------------------------- in-app
def list_notifications(session: Session, principal: Principal, *, unread: bool | None, event: str | None,
                       after: int | None, limit: int) -> Sequence[Notification]:
    stmt = select(Notification).where(Notification.participant_id == principal.participant_id)
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    if event is not None:
        stmt = stmt.where(Notification.event == event)
    if after is not None:
        stmt = stmt.where(Notification.id > after)
    return session.scalars(stmt.order_by(Notification.id).limit(limit)).all()


def unread_count(session: Session, principal: Principal) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.participant_id == principal.participant_id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    found = session.get(Notification, notification_id)
    if found is None or found.participant_id != principal.participant_id:
        raise NotFound("no such notification", details={"notification_id": notification_id})
    if found.read_at is None:
        found.read_at = now_s()
        found.read_by_user_id = principal.acting_as_user_id
    return found


def mark_all_read(session: Session, principal: Principal) -> int:
    result = session.execute(update(Notification).where(
        Notification.participant_id == principal.participant_id, Notification.read_at.is_(None),
    ).values(read_at=now_s(), read_by_user_id=principal.acting_as_user_id))
    return result.rowcount or 0


# ---------------------------------------------------------------------------------- subscriptions
def create_subscription(session: Session, principal: Principal, data: WebhookIn) -> WebhookSubscription:
    sub = WebhookSubscription(participant_id=principal.participant_id, url=data.url, events=list(dict.fromkeys(data.events)),
                              secret="whsec_" + secrets.token_hex(32), active=True, created_at=now_s(),
                              created_by_user_id=principal.acting_as_user_id)
    session.add(sub)
    session.flush()
    snap = audit.snapshot(sub)
    snap.pop("secret")
    audit.record(session, principal, "webhook.created", "webhook_subscription", sub.id, after=snap)
    return sub


def list_subscriptions(session: Session, principal: Principal) -> Sequence[WebhookSubscription]:
    return session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.participant_id == principal.participant_id).order_by(WebhookSubscription.id)).all()


def own_subscription(session: Session, principal: Principal, subscription_id: int) -> WebhookSubscription:
    found = session.get(WebhookSubscription, subscription_id)
    if found is None or found.participant_id != principal.participant_id:
        raise NotFound("no such webhook", details={"webhook_id": subscription_id})
    return found


def revoke_subscription(session: Session, principal: Principal, subscription_id: int) -> WebhookSubscription:
    sub = own_subscription(session, principal, subscription_id)
    if not sub.active:
        raise Conflict("the webhook is already deleted", code="already_revoked")
    sub.active = False
    sub.revoked_at = now_s()
    audit.record(session, principal, "webhook.deleted", "webhook_subscription", sub.id,
                 after={"active": False, "revoked_at": sub.revoked_at})
    return sub


def deliveries(session: Session, principal: Principal, subscription_id: int, *, after: int | None,
               limit: int) -> Sequence[WebhookDelivery]:
    own_subscription(session, principal, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if after is not None:
        stmt = stmt.where(WebhookDelivery.id > after)
    return session.scalars(stmt.order_by(WebhookDelivery.id).limit(limit)).all()

"""Delivering webhook payloads: signed POSTs with retries and a delivery log.

Each pending delivery is POSTed as JSON to its subscription's URL with

- ``X-FlexMarket-Event``: the event name; ``X-FlexMarket-Delivery``: the delivery id;
- ``X-FlexMarket-Signature: t=<Unix s>,v1=<hex>`` where ``<hex>`` is
  HMAC-SHA256(key = the subscription's secret, message = ``"<t>.<body>"``) over the exact body
  bytes. Receivers recompute it and refuse timestamps older than a few minutes (replays).

A 2xx answer marks it delivered. Anything else (another status, a timeout, a refused
connection) counts as a failed attempt: the next one waits ``retry_s`` x 2^(attempts - 1)
seconds, and after ``max_attempts`` the delivery is marked failed. Every attempt's status code
or error stays on the delivery (``GET /webhooks/{id}/deliveries``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

import requests
from sqlalchemy import select

from marketplace.db import Database
from marketplace.models import WebhookDelivery, WebhookSubscription
from marketplace.models.base import now_s
from marketplace.models.market import DeliveryStatus

log = logging.getLogger(__name__)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature of ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """Whether ``header`` (``t=...,v1=...``) signs ``body`` with ``secret`` within ``tolerance_s``."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))


def deliver_due(database: Database, *, max_attempts: int = 8, retry_s: int = 30, timeout_s: int = 5,
                limit: int = 100, post: Callable[..., requests.Response] = requests.post) -> int:
    """Attempt every due delivery once; returns how many were attempted."""
    now = now_s()
    with database.transaction() as s:
        due = s.execute(
            select(WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.payload, WebhookSubscription.url,
                   WebhookSubscription.secret)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id).limit(limit)
        ).all()
    for delivery_id, event, payload, url, secret in due:
        body = payload.encode()
        sent_at = now_s()
        headers = {"Content-Type": "application/json", "X-FlexMarket-Event": event,
                   "X-FlexMarket-Delivery": str(delivery_id),
                   "X-FlexMarket-Signature": f"t={sent_at},v1={signature(secret, sent_at, body)}"}
        status_code, error = None, None
        try:
            reply = post(url, data=body, headers=headers, timeout=timeout_s, allow_redirects=False)
            status_code = reply.status_code
            ok = 200 <= status_code < 300
            if not ok:
                error = f"HTTP {status_code}"
        except requests.RequestException as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"[:1000]
        with database.transaction() as s:
            row = s.get(WebhookDelivery, delivery_id)
            row.attempts += 1
            row.last_status_code, row.last_error = status_code, error
            if ok:
                row.status, row.delivered_at = DeliveryStatus.DELIVERED, now_s()
            elif row.attempts >= max_attempts:
                row.status = DeliveryStatus.FAILED
                log.warning("webhook delivery %d to %s failed for good: %s", delivery_id, url, error)
            else:
                row.next_attempt_at = now_s() + retry_s * 2 ** (row.attempts - 1)
    return len(due)

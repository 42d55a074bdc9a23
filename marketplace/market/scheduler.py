"""The market's scheduler: sessions opening and closing on time, short-term sessions for the
grid tool's needs, stray escrow returned, webhooks delivered.

One round (:meth:`Scheduler.tick`), every ``FLEX_SCHEDULER_INTERVAL_S`` seconds on an
APScheduler ``BackgroundScheduler`` (``flexmarket scheduler``, and a thread of
``flexmarket run``), does, in order:

1. scheduled sessions whose gate has opened become open;
2. each pending flexibility need whose market element is yellow or orange gets a short-term
   session (gate open now, closing ``FLEX_ST_GATE_LEAD_S`` before delivery) and a request,
   validated at once (the DSO's grid tool then creates the escrow with its own key);
3. every session whose gate has closed is closed, committed, cleared and awarded
   (:func:`marketplace.market.gate.close_gate`);
4. legs left on chain by requests that ended without an award (cancelled, expired, not picked
   before the award deadline) are cancelled by the operator, returning the escrow;
5. due webhook deliveries are attempted.

Only one process runs the rounds: the holder of the lease row ``scheduler`` (renewed every
round, taken over when it has expired), so two processes never both close a gate.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
import socket
import threading
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.domain.errors import ServiceError
from marketplace.errors import MarketplaceError
from marketplace.market import canonical, gate, webhooks
from marketplace.market import catalogue, requests as request_domain
from marketplace.market.services import MarketServices
from marketplace.models import ChainRequest, FlexibilityNeed, FlexRequest, SchedulerLease
from marketplace.models.base import now_s
from marketplace.clearing.model import Pricing
from marketplace.models.enums import TrafficLight
from marketplace.models.market import (
    ChainRequestStatus,
    Horizon,
    NeedStatus,
    RequestSource,
    RequestStatus,
    SessionMode,
    SessionOrigin,
)
from marketplace.schemas.market import RequestIn, SessionIn

log = logging.getLogger(__name__)

MARKET_LIGHTS = (TrafficLight.YELLOW, TrafficLight.ORANGE)
LEASE = "scheduler"


class Scheduler:
    """The scheduler of one process (``holder`` names it in the lease row)."""

    def __init__(self, services: MarketServices, *, holder: str | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._background = None

    # ------------------------------------------------------------------ leadership
    def acquire(self) -> bool:
        """Take or renew the lease; True while this process is the leader."""
        now = now_s()
        ttl = self.settings.scheduler_lease_s
        try:
            with self.services.database.transaction() as s:
                row = s.get(SchedulerLease, LEASE, with_for_update=True)
                if row is None:
                    s.add(SchedulerLease(name=LEASE, holder=self.holder, expires_at=now + ttl, acquired_at=now))
                    return True
                if row.holder == self.holder or row.expires_at <= now:
                    if row.holder != self.holder:
                        row.acquired_at = now
                    row.holder, row.expires_at = self.holder, now + ttl
                    return True
                return False
        except IntegrityError:  # another process inserted the lease first
            return False

    def release(self) -> None:
        with self.services.database.transaction() as s:
            row = s.get(SchedulerLease, LEASE, with_for_update=True)
            if row is not None and row.holder == self.holder:
                row.expires_at = 0

    # ------------------------------------------------------------------ the round
    def tick(self) -> dict[str, Any]:
        """One round, if this process leads; returns what it did."""
        if not self.acquire():
            return {"leader": False}
        done: dict[str, Any] = {"leader": True}
        now = self.services.now()
        with self.services.database.transaction() as s:
            done["opened"] = catalogue.open_due_sessions(s, now)
        done["needs"] = self.open_short_term_sessions(now)
        with self.services.database.new_session(writes=False) as s:
            due = gate.due_sessions(s, now)
        closed = []
        for session_id in due:
            try:
                closed.append(gate.close_gate(self.services, session_id))
            except (MarketplaceError, ServiceError) as exc:
                log.warning("gate closure of session %d: %s; retried next round", session_id, exc)
        done["closed"] = closed
        done["returned"] = self.return_stray_escrow(now)
        done["webhooks"] = webhooks.deliver_due(
            self.services.database, max_attempts=self.settings.webhook_max_attempts,
            retry_s=self.settings.webhook_retry_s, timeout_s=self.settings.webhook_timeout_s)
        return done

    def open_short_term_sessions(self, now: int) -> int:
        """A session and a validated request for each pending need at a yellow or orange element."""
        opened = 0
        with self.services.database.new_session(writes=False) as s:
            need_ids = list(s.scalars(select(FlexibilityNeed.id).where(FlexibilityNeed.status == NeedStatus.PENDING)))
        for need_id in need_ids:
            try:
                with self.services.database.transaction() as s:
                    opened += self._open_need(s, s.get(FlexibilityNeed, need_id), now)
            except (MarketplaceError, ServiceError) as exc:
                with self.services.database.transaction() as s:
                    need = s.get(FlexibilityNeed, need_id)
                    need.status, need.reason = NeedStatus.REJECTED, exc.message
        return opened

    def _open_need(self, s, need: FlexibilityNeed, now: int) -> int:
        from marketplace.models import MarketProduct

        market = catalogue.get_market(s, need.market_id)
        starts = [start for start, _ in need.intervals]
        gate_close = starts[0] - self.settings.st_gate_lead_s
        if gate_close <= now:
            need.status, need.reason = NeedStatus.REJECTED, "too late: delivery starts before a gate could close"
            return 0
        light = gate.current_light(s, market.grid_element_id)
        if light not in MARKET_LIGHTS:
            return 0  # green or red: no market; the need waits for a yellow or orange light
        product = s.get(MarketProduct, need.product_id)
        sess = catalogue.create_session(s, None, SessionIn(
            market_id=market.id, horizon=Horizon.SHORT_TERM, mode=SessionMode.AUCTION,
            pricing=Pricing.PAY_AS_CLEAR, gate_open_at=now, gate_close_at=gate_close, delivery_start=starts[0],
            delivery_end=starts[-1] + 900), self.settings, now, origin=SessionOrigin.SCHEDULER)
        request = request_domain._create(s, None, sess, RequestIn.model_validate({
            "session_id": sess.id, "product": product.code, "price_cap_per_mwh": need.price_cap_per_mwh,
            "intervals": [{"start": a, "quantity_wh": b} for a, b in need.intervals]}), RequestSource.GRID_TOOL, now)
        request_domain.prepare_legs(s, self.services, request, now)
        request.status, request.validated_at = RequestStatus.VALIDATED, now_s()
        need.status, need.session_id, need.request_id = NeedStatus.OPENED, sess.id, request.id
        return 1

    def return_stray_escrow(self, now: int) -> int:
        """Cancel (operator) legs on chain that will never be awarded."""
        with self.services.database.new_session(writes=False) as s:
            rows = s.execute(select(ChainRequest, FlexRequest.status).join(
                FlexRequest, FlexRequest.id == ChainRequest.request_id).where(
                ChainRequest.status.in_((ChainRequestStatus.CREATED, ChainRequestStatus.COMMITTED)))).all()
            plans = []
            for leg, status in rows:
                ended = status in (RequestStatus.CANCELLED, RequestStatus.EXPIRED, RequestStatus.REJECTED)
                allowed = ((leg.status is ChainRequestStatus.CREATED and now < leg.gate_closure)
                           or now >= leg.award_deadline)
                if (ended or now >= leg.award_deadline) and allowed:
                    plans.append((leg.onchain_id, request_domain.leg_terms(leg), leg.book_root
                                  if leg.status is ChainRequestStatus.COMMITTED else None,
                                  f"cancel:request:{leg.chain_id}:{leg.market_address}:{leg.onchain_id}"))
        if not plans:
            return 0
        market = self.services.market()
        operator = self.services.gateway.operator()
        from marketplace.market import sync

        for onchain_id, t, root, key in plans:
            try:
                record = self.services.sender().submit(key, market.market.functions.cancelRequest(
                    onchain_id, canonical.flex_request_tuple(t), canonical.hex_bytes(root) if root else b"\x00" * 32),
                    operator, purpose="cancel")
                with self.services.database.transaction() as s:
                    sync.apply_receipt(s, self.services, record.tx_hash, only=("RequestCancelled",))
            except MarketplaceError as exc:
                log.warning("returning the escrow of request %d: %s", onchain_id, exc)
        return len(plans)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        """Run rounds in the background (APScheduler) until :meth:`shutdown`."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._background = BackgroundScheduler(daemon=True)
        self._background.add_job(self._safe_tick, "interval", seconds=self.settings.scheduler_interval_s,
                                 id="market", max_instances=1, coalesce=True,
                                 next_run_time=datetime.now().astimezone())
        self._background.start()

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # a failing round must not stop the scheduler; the next one retries
            log.exception("scheduler round failed; retrying next round")

    def shutdown(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=True)
            self._background = None
        self.release()

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set (blocking)."""
        self.start()
        try:
            stop.wait()
        finally:
            self.shutdown()

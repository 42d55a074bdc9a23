"""The scheduler on anvil: a grid tool pushes flexibility needs through the API; short-term
sessions open automatically (APScheduler rounds) only while the element is yellow or orange;
the gate closes and the auction is awarded on time; a lease keeps a second scheduler idle;
escrow left on chain past the award deadline is returned."""

from __future__ import annotations

import time

import pytest

from marketplace import settlement
from marketplace.market.scheduler import Scheduler
from marketplace.market.services import MarketServices
from marketplace.models import FlexibilityNeed, FlexRequest, MarketSession, SchedulerLease
from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000
Q = 900


def _need(services, need_id: int) -> FlexibilityNeed:
    with services.database.new_session(writes=False) as s:
        need = s.get(FlexibilityNeed, need_id)
        s.expunge(need)
        return need


@pytest.fixture(autouse=True)
def free_lease(services):
    """No scheduler of one test holds the lease into the next."""
    yield
    with services.database.transaction() as s:
        lease = s.get(SchedulerLease, "scheduler")
        if lease is not None:
            lease.expires_at = 0


def _light(api, element_id: int, state: str) -> None:
    api("dso").call("PUT", f"/grid/elements/{element_id}/traffic-light", json={"state": state})


def test_needs_open_short_term_sessions_only_in_yellow_or_orange_and_close_on_time(api, mworld, chain_market,
                                                                                   services):
    chain = chain_market.chain
    now = chain.timestamp()
    feeder = mworld["lv_feeder"]
    m = flow.market(api, mworld, products=["ENG_ST_UP_15MIN"], name=f"LV-191 grid tool {now}", element="lv_feeder")
    product = next(p["id"] for p in api(None).get("/products?limit=100")["items"] if p["code"] == "ENG_ST_UP_15MIN")
    start = flow.quarter(now + 2 * 3600)
    need = api("dso").post(f"/markets/{m['id']}/flexibility-needs", 201, json={
        "product_id": product, "price_cap_per_mwh": 200 * EUR,
        "intervals": [{"start": start + Q, "quantity_wh": 30_000}, {"start": start, "quantity_wh": 40_000}]})
    assert need["status"] == "pending"
    too_late = api("dso").post(f"/markets/{m['id']}/flexibility-needs", 201, json={
        "product_id": product, "price_cap_per_mwh": 200 * EUR,
        "intervals": [{"start": now - now % Q, "quantity_wh": 1_000}]})  # delivery has begun
    leader = Scheduler(services, holder="test-leader")
    for state in ("green", "red"):  # no market: the need waits
        _light(api, feeder, state)
        done = leader.tick()
        assert done["leader"] is True and done["needs"] == 0
        assert _need(services, need["id"]).status.value == "pending"
    assert _need(services, too_late["id"]).status.value == "rejected"
    _light(api, feeder, "yellow")
    # a scheduler running on APScheduler (1 s rounds) opens the session
    fast = MarketServices(services.database, services.gateway,
                          services.settings.model_copy(update={"scheduler_interval_s": 1}), clock=services.clock)
    background = Scheduler(fast, holder="test-background")
    leader.release()
    background.start()
    try:
        deadline = time.monotonic() + 20
        while _need(services, need["id"]).status.value == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        background.shutdown()
    opened = _need(services, need["id"])
    assert opened.status.value == "opened" and opened.session_id and opened.request_id
    with services.database.new_session(writes=False) as s:
        assert s.get(SchedulerLease, "scheduler").expires_at == 0  # released at shutdown
        sess = s.get(MarketSession, opened.session_id)
        assert (sess.origin.value, sess.horizon.value, sess.status.value) == ("scheduler", "short_term", "open")
        assert (sess.delivery_start, sess.delivery_end) == (start, start + 2 * Q)
        assert sess.gate_close_at == start - services.settings.st_gate_lead_s
        request = s.get(FlexRequest, opened.request_id)
        assert (request.status.value, request.source.value, request.total_wh) == ("validated", "grid_tool", 70_000)
    # the DSO's grid tool escrows with the DSO's key; FSPs bid; the next rounds close the gate and award
    req = api("dso").get(f"/requests/{opened.request_id}")
    hashes = [flow.send_unsigned(chain, mworld.accounts["dso"], tx)
              for tx in api("dso").get(f"/requests/{req['id']}/escrow")["transactions"]]
    req = api("dso").post(f"/requests/{req['id']}/publish", json={"tx_hash": hashes[-1]})
    assert req["status"] == "published"
    bid = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=100 * EUR,
                   intervals=[(start, 40_000), (start + Q, 30_000)])
    follower = Scheduler(services, holder="test-follower")
    assert leader.tick()["leader"] is True
    assert follower.tick() == {"leader": False}  # the lease is held
    chain.travel(sess.gate_close_at - chain.timestamp() + 1)
    done = leader.tick()
    assert [c["session_id"] for c in done["closed"]] == [opened.session_id]
    assert done["closed"][0]["status"] == "awarded"
    (agreement,) = api("fsp_a").get(f"/agreements?request_id={req['id']}")["items"]
    assert (agreement["bid_id"], agreement["quantity_wh"]) == (bid["id"], 70_000)
    assert leader.tick()["closed"] == []  # nothing left to close
    leader.release()


def test_escrow_left_on_chain_after_the_award_deadline_is_returned(api, mworld, chain_market, services, indexer):
    chain = chain_market.chain
    sess, req = flow.st_auction(api, mworld, chain_market, "never picked", mode="manual_pick")
    flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit0", price=100 * EUR,
             intervals=[(req["delivery_start"], 10_000)])
    flow.close(api, chain, sess)
    assert api("dso").get(f"/requests/{req['id']}")["legs"][0]["status"] == "committed"
    indexer.poll()
    dso = mworld.accounts["dso"].address
    before = chain_market.credit_of(dso)
    scheduler = Scheduler(services, holder="test-returns")
    assert scheduler.tick()["returned"] == 0  # the DSO may still pick
    (leg,) = req["legs"]
    chain.travel(leg["terms"]["awardDeadline"] - chain.timestamp() + 1)
    assert scheduler.tick()["returned"] == 1
    after = api("dso").get(f"/requests/{req['id']}")
    assert after["status"] == "cancelled" and after["legs"][0]["status"] == "cancelled"
    assert chain_market.credit_of(dso) - before == settlement.payment(250_000_000, 200_000) == after["legs"][0]["refund"]
    assert scheduler.tick()["returned"] == 0
    scheduler.release()

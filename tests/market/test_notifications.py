"""Notifications on anvil: in-app notifications for each market event, and webhook deliveries
to a real local HTTP receiver, signed with the subscription's secret (checked here with an
independent HMAC and with the verification snippet of docs/market.md), retried on failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.market import webhooks
from marketplace.models import Agreement
from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000
DOCS = Path(__file__).resolve().parents[2] / "docs"


class Receiver:
    """A local HTTP server recording every POST; ``/ok`` answers 204, anything else 500."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(204 if self.path == "/ok" else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _documented_verify():
    """The ``verify`` function of docs/market.md's webhook snippet, run as documented."""
    text = (DOCS / "market.md").read_text()
    code = re.search(r"<!-- example: verify_webhook.py -->\n```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {"__name__": "verify_webhook"}
    exec(compile(code, "verify_webhook.py", "exec"), scope)
    return scope["verify"]


def test_market_events_notify_in_app_and_through_signed_webhooks(api, mworld, chain_market, services, indexer,
                                                                 receiver, accounts):
    chain = chain_market.chain
    hook = api("fsp_a").post("/webhooks", 201, json={
        "url": f"{receiver.url}/ok", "events": ["request.published", "session.gate_closed", "results.published",
                                               "agreement.settled"]})
    secret = hook["secret"]
    assert secret.startswith("whsec_") and api("fsp_a").get("/webhooks")["items"][0]["secret"] is None
    broken = api("fsp_b").post("/webhooks", 201, json={"url": f"{receiver.url}/broken",
                                                       "events": ["request.published"]})
    api("dso").post("/webhooks", 422, json={"url": "ftp://example.org", "events": ["request.published"]})
    api("dso").post("/webhooks", 422, json={"url": "https://example.org", "events": ["bid.placed"]})
    api("operator").post("/notifications/read-all")
    for who in ("fsp_a", "fsp_b", "fsp_c", "dso"):
        api(who).post("/notifications/read-all")

    sess, req = flow.st_auction(api, mworld, chain_market, "notifications", quantities=(10_000, 10_000))
    start = req["delivery_start"]
    flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=100 * EUR,
             intervals=[(start, 10_000), (start + 900, 10_000)])
    flow.close(api, chain, sess)
    # the oracle attests delivery on chain; the indexer records the settlement
    chain.travel(start + 1800 - chain.timestamp() + 1)
    with services.database.new_session(writes=False) as s:
        agreement = s.scalars(select(Agreement).where(Agreement.request_id == req["id"])).one()
        struct = agreement.chain_struct()
    chain_market.attest(accounts.oracle, struct, 20_000)
    indexer.poll()

    events = {n["event"]: n for n in api("fsp_a").get("/notifications?unread=true")["items"]
              if n["data"].get("request_id", n["data"].get("session_id")) in (req["id"], sess["id"])
              or n["data"].get("agreement_id") == agreement.agreement_id}
    assert set(events) == {"request.published", "session.gate_closed", "results.published", "agreement.settled"}
    assert events["agreement.settled"]["data"]["payment"] == 100 * 20_000
    assert events["results.published"]["data"]["accepted_bids"] == 1
    # FSP C did not bid: told of the request only; the DSO of its request, the closure and the results
    c_events = {n["event"] for n in api("fsp_c").get("/notifications?unread=true")["items"]
                if n["data"].get("request_id") == req["id"] or n["data"].get("session_id") == sess["id"]}
    assert c_events == {"request.published"}
    dso_events = {n["event"] for n in api("dso").get("/notifications?unread=true")["items"]}
    assert {"request.validated", "request.published", "session.gate_closed", "results.published",
            "agreement.settled"} <= dso_events
    first = events["request.published"]
    assert api("fsp_a").post(f"/notifications/{first['id']}/read")["read_at"] is not None
    api("fsp_b").post(f"/notifications/{first['id']}/read", 404)
    assert first["id"] not in {n["id"] for n in api("fsp_a").get("/notifications?unread=true")["items"]}

    # webhook deliveries: signed, one per event, retried on failure
    assert webhooks.deliver_due(services.database, retry_s=0, max_attempts=2) >= 5
    delivered = [p for p in receiver.posts if p["path"] == "/ok"]
    verify = _documented_verify()
    by_event = {}
    for post in delivered:
        header = post["headers"]["X-FlexMarket-Signature"]
        t, v1 = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header).groups()
        expected = hmac.new(secret.encode(), t.encode() + b"." + post["body"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(v1, expected)
        assert verify(secret, header, post["body"])
        assert not verify(secret, header, post["body"].replace(b"}", b" }", 1))  # a changed body fails
        assert not verify("whsec_other", header, post["body"])
        payload = json.loads(post["body"])
        assert post["headers"]["X-FlexMarket-Event"] == payload["event"]
        assert post["headers"]["X-FlexMarket-Delivery"] == str(payload["id"])
        by_event[payload["event"]] = payload
    for event in ("request.published", "session.gate_closed", "results.published", "agreement.settled"):
        assert event in by_event
    assert by_event["request.published"]["data"]["request_id"] == req["id"]
    assert by_event["agreement.settled"]["data"]["agreement_id"] == agreement.agreement_id
    log = api("fsp_a").get(f"/webhooks/{hook['id']}/deliveries")["items"]
    assert {d["status"] for d in log} == {"delivered"} and all(d["last_status_code"] == 204 for d in log)
    failing = api("fsp_b").get(f"/webhooks/{broken['id']}/deliveries")["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in failing] == [("pending", 1, 500)]
    webhooks.deliver_due(services.database, retry_s=0, max_attempts=2)
    failing = api("fsp_b").get(f"/webhooks/{broken['id']}/deliveries")["items"]
    assert [(d["status"], d["attempts"], d["last_error"]) for d in failing] == [("failed", 2, "HTTP 500")]
    assert len([p for p in receiver.posts if p["path"] == "/broken"]) == 2
    # a deleted webhook gets nothing new
    assert api("fsp_a").call("DELETE", f"/webhooks/{hook['id']}")["active"] is False
    flow.st_auction(api, mworld, chain_market, "after delete")
    posts = len(receiver.posts)
    webhooks.deliver_due(services.database, retry_s=0, max_attempts=2)
    assert len([p for p in receiver.posts[posts:] if p["path"] == "/ok"]) == 0

"""The catalogue and calendar through the API: the default products of seed fig. 45 with their
limits, the operator changing a product, the public session calendar by delivery period, and a
request's additional documents."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests.market import flow

pytestmark = pytest.mark.anvil

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_default_catalogue_and_the_operator_changing_a_product(api):
    products = {p["code"]: p for p in api(None).get("/products?limit=100")["items"]}
    assert {(p["category"], p["direction"], p["block"]) for p in products.values()} == {
        (c, d, b) for c, b in (("lt_availability", "week"), ("lt_availability", "month"), ("lt_activation", "week"),
                               ("lt_activation", "month"), ("st_energy", "15min")) for d in ("up", "down")}
    st, lt = products["ENG_ST_UP_15MIN"], products["PWR_LT_UP_WEEKLY"]
    assert (st["min_power_w"], st["max_power_w"], st["preparation_s"], st["activation_duration_s"]) == (
        1_000, 9_999_000, 150, 900)
    assert (lt["rest_time_min_s"], lt["rest_time_max_s"], st["rest_time_max_s"]) == (0, 720 * 60, 0)
    assert st["price_step"] == 10_000_000 and lt["price_step"] == 10_000
    changed = api("operator").call("PATCH", f"/products/{lt['id']}", json={"preparation_s": 300})
    assert changed["preparation_s"] == 300
    api("operator").call("PATCH", f"/products/{lt['id']}", json={"preparation_s": 150})
    api("dso").call("PATCH", f"/products/{lt['id']}", 403, json={"preparation_s": 1})


def test_the_session_calendar_and_a_requests_documents(api, mworld, chain_market):
    sess, req = flow.st_auction(api, mworld, chain_market, "calendar")
    start, end = sess["delivery_start"], sess["delivery_end"]
    listed = {s["id"] for s in api(None).get(f"/sessions?from={start}&to={end}&limit=200")["items"]}
    assert sess["id"] in listed
    assert sess["id"] not in {s["id"] for s in api(None).get(f"/sessions?from={end}&limit=200")["items"]}
    assert sess["id"] not in {s["id"] for s in api(None).get(f"/sessions?to={start}&limit=200")["items"]}
    assert sess["id"] in {s["id"] for s in api(None).get(f"/sessions?market_id={sess['market_id']}")["items"]}
    assert api(None).get(f"/markets/{sess['market_id']}")["dso_id"] == mworld["dso"]
    with_doc = api("dso").post(f"/requests/{req['id']}/documents", 201, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(PDF), "study.pdf")})
    (doc,) = with_doc["documents"]
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["filename"] == "study.pdf"
    reply = api(None).get(f"/requests/{req['id']}/documents/{doc['id']}")  # the request is public
    try:
        assert reply.data == PDF and reply.headers["X-Content-SHA256"] == doc["sha256"]
    finally:
        reply.close()
    api("dso2").post(f"/requests/{req['id']}/documents", 404, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(PDF), "other.pdf")})

"""Authorization-matrix rows and bad-input rows of the settlement statement and dispute routes
(merged into ``test_authorization_matrix.MATRIX`` and ``test_bad_input.TABLE``).

The world's agreement (``w['agreement']``) is between the world's DSO and FSP; the world is
shared by every test of a backend, so builders that need an open dispute first withdraw the
caller's open ones and file a fresh one.
"""

from __future__ import annotations

from typing import Any

from marketplace.models.base import now_s
from tests.api.market_bad_input import R, Req as BadReq
from tests.api.market_matrix import Req, cells

V = "/api/v1"
DAY = 86_400

PARTIES_READ = cells(401, 200, 200, 200, 200, 403, 403)


def _withdraw_open(api, who: str, w) -> None:
    client = api(who)
    for d in client.get(f"{V}/disputes?status=open&limit=500").json["items"]:
        if d["participant_id"] == w[who] and d["agreement_id"] == w["agreement"]:
            assert client.post(f"{V}/disputes/{d['id']}/withdraw").status_code == 200


def fresh_dispute(api, w, who: str = "fsp") -> int:
    """An open dispute of the world's agreement filed by ``who`` (dso or fsp)."""
    _withdraw_open(api, who, w)
    reply = api(who).post(f"{V}/agreements/{w['agreement']}/disputes", json={"reason": "delivered energy too low"})
    assert reply.status_code == 201, reply.json
    return reply.json["id"]


def _file(w, a: str, api) -> Req:
    for who in ("dso", "fsp"):
        _withdraw_open(api, who, w)
    return Req(f"{V}/agreements/{w['agreement']}/disputes", json={"reason": "the baseline looks wrong"})


STATEMENTS_MATRIX: dict[str, tuple[Any, dict[str, int]]] = {
    "GET /api/v1/agreements/<id:agreement_id>/statement": (
        lambda w, a, api: Req(f"{V}/agreements/{w['agreement']}/statement"), PARTIES_READ),
    "GET /api/v1/statements": (lambda w, a, api: Req(f"{V}/statements?start={now_s() - 180 * DAY}&end={now_s() + 180 * DAY}"),
                               PARTIES_READ),
    "POST /api/v1/agreements/<id:agreement_id>/disputes": (_file, cells(401, 403, 201, 201, 403, 403, 403)),
    "GET /api/v1/disputes": (lambda w, a, api: Req(f"{V}/disputes"), PARTIES_READ),
    "POST /api/v1/disputes/<id:dispute_id>/resolve": (
        lambda w, a, api: Req(f"{V}/disputes/{fresh_dispute(api, w)}/resolve", json={"resolution": "checked: correct"}),
        cells(401, 200, 403, 403, 403, 403, 403)),
    "POST /api/v1/disputes/<id:dispute_id>/withdraw": (
        lambda w, a, api: Req(f"{V}/disputes/{fresh_dispute(api, w)}/withdraw"),
        cells(401, 403, 404, 200, 403, 403, 403)),
}


def _second_open(c) -> BadReq:
    fresh_dispute(c.api, c.w)
    return BadReq("POST", f"{V}/agreements/{c.w['agreement']}/disputes", json={"reason": "again"})


def _closed(action: str, body: dict | None, who: str):
    def build(c) -> BadReq:
        dispute = fresh_dispute(c.api, c.w)
        assert c.api("fsp").post(f"{V}/disputes/{dispute}/withdraw").status_code == 200
        return BadReq("POST", f"{V}/disputes/{dispute}/{action}", json=body)
    return build


STATEMENTS_TABLE: dict[str, list[tuple]] = {
    "GET /api/v1/agreements/<id:agreement_id>/statement": [
        ("unknown format", "fsp", R("GET", f"{V}/agreements/{{agreement}}/statement?format=pdf"), 400,
         "invalid_parameter"),
        ("another FSP's agreement", "fsp2", R("GET", f"{V}/agreements/{{agreement}}/statement"), 404, "not_found"),
        ("no such agreement", "operator", R("GET", f"{V}/agreements/999999/statement"), 404, "not_found"),
    ],
    "GET /api/v1/statements": [
        ("no period", "fsp", R("GET", f"{V}/statements"), 400, "invalid_parameter"),
        ("end before start", "fsp", R("GET", f"{V}/statements?start=100&end=50"), 422, "invalid_input"),
        ("longer than a year", "fsp", R("GET", f"{V}/statements?start=0&end=40000000"), 422, "invalid_input"),
        ("another participant's", "fsp", R("GET", f"{V}/statements?start=0&end=86400&participant_id={{dso}}"), 404,
         "not_found"),
        ("not a number", "fsp", R("GET", f"{V}/statements?start=yesterday&end=86400"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/agreements/<id:agreement_id>/disputes": [
        ("no reason", "fsp", R("POST", f"{V}/agreements/{{agreement}}/disputes", json={}), 422, "invalid_input"),
        ("empty reason", "fsp", R("POST", f"{V}/agreements/{{agreement}}/disputes", json={"reason": ""}), 422,
         "invalid_input"),
        ("already open", "fsp", _second_open, 409, "dispute_open"),
        ("another FSP's agreement", "fsp2", R("POST", f"{V}/agreements/{{agreement}}/disputes",
                                              json={"reason": "x"}), 404, "not_found"),
        ("read-only user", "fsp_ro", R("POST", f"{V}/agreements/{{agreement}}/disputes", json={"reason": "x"}), 403,
         "grant_too_low"),
    ],
    "GET /api/v1/disputes": [
        ("unknown status", "fsp", R("GET", f"{V}/disputes?status=lost"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/disputes/<id:dispute_id>/resolve": [
        ("no resolution", "operator", lambda c: BadReq("POST", f"{V}/disputes/{fresh_dispute(c.api, c.w)}/resolve",
                                                       json={}), 422, "invalid_input"),
        ("already withdrawn", "operator", _closed("resolve", {"resolution": "late"}, "operator"), 409,
         "dispute_closed"),
        ("no such dispute", "operator", R("POST", f"{V}/disputes/999999/resolve", json={"resolution": "x"}), 404,
         "not_found"),
    ],
    "POST /api/v1/disputes/<id:dispute_id>/withdraw": [
        ("withdrawn twice", "fsp", _closed("withdraw", None, "fsp"), 409, "dispute_closed"),
        ("another participant's", "dso", lambda c: BadReq("POST", f"{V}/disputes/{fresh_dispute(c.api, c.w)}/withdraw"),
         404, "not_found"),
    ],
}

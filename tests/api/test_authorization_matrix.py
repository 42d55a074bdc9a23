"""The authorization matrix: every endpoint x every role (and anonymous), on SQLite and PostgreSQL.

Each cell is the exact status the role gets for a request that is valid for the roles
allowed: 2xx = allowed; 401 = anonymous refused; 403 = role, grant or participant status
refused; 404 = the object is not the caller's to see; 409 = allowed, but the object's
state refuses (the role passed the access check). The roles: the market operator (admin),
a DSO (admin), an FSP (admin) and a read-only user of the same FSP, a meter oracle (admin),
and the admin of an FSP whose registration is still pending. The table is written out by
hand (not derived from the code), and a test checks it covers every registered route.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account import Account

from marketplace.api import operations
from tests.api import payloads
from tests.api.market_matrix import MARKET_MATRIX
from tests.api.statements_tables import STATEMENTS_MATRIX
from tests.api.world import ROLES, World


@dataclass
class Req:
    path: str
    json: Any = None
    data: Any = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)


def cells(anon, operator, dso, fsp, fsp_ro, oracle, applicant) -> dict[str, int]:
    return dict(zip(ROLES, (anon, operator, dso, fsp, fsp_ro, oracle, applicant), strict=True))


def everyone(status: int) -> dict[str, int]:
    return cells(*(status,) * 7)


#: Approved roles read it, the pending applicant may not, anonymous must sign in.
APPROVED_READ = cells(401, 200, 200, 200, 200, 200, 403)
#: Only the operator, the DSO of the region and the FSP (own) read it.
ASSET_READ = cells(401, 200, 200, 200, 200, 403, 403)
#: Only an FSP trader or admin writes it.
FSP_WRITE_201 = cells(401, 403, 403, 201, 403, 403, 403)
FSP_WRITE_200 = cells(401, 403, 403, 200, 403, 403, 403)
DSO_WRITE_201 = cells(401, 403, 201, 403, 403, 403, 403)
DSO_WRITE_200 = cells(401, 403, 200, 403, 403, 403, 403)
OPERATOR_ONLY_200 = cells(401, 200, 403, 403, 403, 403, 403)
#: The FSP's private data: its own users and the operator; others do not see it.
FSP_PRIVATE_READ = cells(401, 200, 404, 200, 200, 404, 404)
#: Managing the FSP: its admins and the operator; its read-only user lacks the grant.
FSP_MANAGE_200 = cells(401, 200, 404, 200, 403, 404, 404)
FSP_MANAGE_201 = cells(401, 201, 404, 201, 403, 404, 404)


def _siwe(w: World, actor: str, api) -> Req:
    account = w.actors[actor].account or w.actors["fsp"].account
    nonce = api("anon").get("/api/v1/auth/nonce").json["nonce"]
    return Req("/api/v1/auth/siwe", json=payloads.siwe_proof(account, nonce))


def _sign_up(w: World, actor: str, api) -> Req:
    nonce = api("anon").get("/api/v1/auth/nonce").json["nonce"]
    return Req("/api/v1/participants", json=payloads.sign_up(payloads.siwe_proof(Account.create(), nonce)))


def _token(w: World, actor: str, api) -> Req:
    return Req("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": w.secrets["fsp_bot_client_id"],
                                            "client_secret": w.secrets["fsp_bot_secret"]})


def _document(w: World, actor: str, api) -> Req:
    return Req(f"/api/v1/participants/{w['fsp']}/documents",
               data={"kind": "power_of_attorney", "file": (io.BytesIO(payloads.PDF), "poa.pdf")},
               content_type="multipart/form-data")


V = "/api/v1"
Builder = Callable[[World, str, Any], Req]

#: endpoint → (request builder, expected status per role)
MATRIX: dict[str, tuple[Builder, dict[str, int]]] = {
    # service
    "GET /api/v1/health": (lambda w, a, api: Req(f"{V}/health"), everyone(200)),
    "GET /api/v1/openapi.json": (lambda w, a, api: Req(f"{V}/openapi.json"), everyone(200)),
    "GET /api/v1/docs": (lambda w, a, api: Req(f"{V}/docs"), everyone(200)),
    # sign-in
    "GET /api/v1/auth/nonce": (lambda w, a, api: Req(f"{V}/auth/nonce"), everyone(200)),
    "POST /api/v1/auth/siwe": (_siwe, everyone(200)),
    "POST /api/v1/auth/logout": (lambda w, a, api: Req(f"{V}/auth/logout"), cells(401, 200, 200, 200, 200, 200, 200)),
    "GET /api/v1/auth/me": (lambda w, a, api: Req(f"{V}/auth/me"), cells(401, 200, 200, 200, 200, 200, 200)),
    "POST /api/v1/auth/impersonate": (
        lambda w, a, api: Req(f"{V}/auth/impersonate", json={"user_id": w["fsp_user"]}), OPERATOR_ONLY_200),
    "POST /api/v1/auth/impersonate/end": (
        lambda w, a, api: Req(f"{V}/auth/impersonate/end"), cells(401, 409, 409, 409, 409, 409, 409)),
    "POST /api/v1/oauth/token": (_token, everyone(200)),
    "GET /api/v1/api-clients": (lambda w, a, api: Req(f"{V}/api-clients"), cells(401, 200, 200, 200, 403, 200, 403)),
    "POST /api/v1/api-clients": (
        lambda w, a, api: Req(f"{V}/api-clients", json={"name": "meter pusher", "grant": "read_only"}),
        cells(401, 201, 201, 201, 403, 201, 403)),
    "DELETE /api/v1/api-clients/<id:client_pk>": (
        lambda w, a, api: Req(f"{V}/api-clients/{w['fsp_bot_client']}"), cells(401, 200, 404, 200, 403, 404, 403)),
    # participants
    "POST /api/v1/participants": (_sign_up, everyone(201)),
    "GET /api/v1/participants": (lambda w, a, api: Req(f"{V}/participants"), everyone(200)),
    "GET /api/v1/participants/<id:participant_id>": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}"), FSP_PRIVATE_READ),
    "PATCH /api/v1/participants/<id:participant_id>": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}", json={"phone": "+34 911 111 111"}), FSP_MANAGE_200),
    "POST /api/v1/participants/<id:participant_id>/approve": (
        lambda w, a, api: Req(f"{V}/participants/{w['applicant']}/approve", json={"note": "documents checked"}),
        OPERATOR_ONLY_200),
    "POST /api/v1/participants/<id:participant_id>/reject": (
        lambda w, a, api: Req(f"{V}/participants/{w['applicant']}/reject", json={"reason": "IBAN does not match"}),
        OPERATOR_ONLY_200),
    "POST /api/v1/participants/<id:participant_id>/chain-roles": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/chain-roles"), OPERATOR_ONLY_200),
    "GET /api/v1/participants/<id:participant_id>/documents": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/documents"), FSP_PRIVATE_READ),
    "POST /api/v1/participants/<id:participant_id>/documents": (_document, FSP_MANAGE_201),
    "GET /api/v1/participants/<id:participant_id>/documents/<id:document_id>": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/documents/{w['fsp_doc']}"), FSP_PRIVATE_READ),
    "GET /api/v1/participants/<id:participant_id>/users": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/users"), FSP_PRIVATE_READ),
    "POST /api/v1/participants/<id:participant_id>/users": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/users", json={
            "first_name": "Nuevo", "last_name": "Usuario", "email": "nuevo@example.es", "grant": "trader",
            "wallet_address": Account.create().address}), FSP_MANAGE_201),
    "PATCH /api/v1/participants/<id:participant_id>/users/<id:user_id>": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/users/{w['fsp_ro_user']}", json={"phone": "+34 600 1"}),
        FSP_MANAGE_200),
    "DELETE /api/v1/participants/<id:participant_id>/users/<id:user_id>": (
        lambda w, a, api: Req(f"{V}/participants/{w['fsp']}/users/{w['fsp_ro_user']}"), FSP_MANAGE_200),
    # grid
    "GET /api/v1/grid/elements": (lambda w, a, api: Req(f"{V}/grid/elements"), APPROVED_READ),
    "POST /api/v1/grid/elements": (
        lambda w, a, api: Req(f"{V}/grid/elements", json={"kind": "hv_mv_substation", "code": "SS-NEW", "name": "New"}),
        DSO_WRITE_201),
    "GET /api/v1/grid/elements/<id:element_id>": (
        lambda w, a, api: Req(f"{V}/grid/elements/{w['dso_lv_feeder']}"), APPROVED_READ),
    "PUT /api/v1/grid/elements/<id:element_id>/traffic-light": (
        lambda w, a, api: Req(f"{V}/grid/elements/{w['dso_mv_feeder']}/traffic-light", json={"state": "orange"}),
        DSO_WRITE_200),
    "GET /api/v1/grid/elements/<id:element_id>/traffic-light": (
        lambda w, a, api: Req(f"{V}/grid/elements/{w['dso_mv_feeder']}/traffic-light"), everyone(200)),
    "GET /api/v1/grid/traffic-lights": (lambda w, a, api: Req(f"{V}/grid/traffic-lights"), everyone(200)),
    "POST /api/v1/grid/elements/<id:element_id>/forecast": (
        lambda w, a, api: Req(f"{V}/grid/elements/{w['dso_mv_lv_substation']}/forecast",
                              json={"points": [{"start": payloads.T0 + 90_000, "load_w": 1}]}), DSO_WRITE_200),
    "GET /api/v1/grid/elements/<id:element_id>/forecast": (
        lambda w, a, api: Req(f"{V}/grid/elements/{w['dso_mv_lv_substation']}/forecast"), APPROVED_READ),
    "GET /api/v1/zones": (lambda w, a, api: Req(f"{V}/zones"), everyone(200)),
    "POST /api/v1/zones": (
        lambda w, a, api: Req(f"{V}/zones", json={"name": "Madrid Sur", "province": "Madrid",
                                                  "postal_codes": ["28041", "28042"]}), DSO_WRITE_201),
    "GET /api/v1/zones/<id:zone_id>": (lambda w, a, api: Req(f"{V}/zones/{w['dso_zone']}"), everyone(200)),
    "DELETE /api/v1/zones/<id:zone_id>": (lambda w, a, api: Req(f"{V}/zones/{w['dso_zone']}"), DSO_WRITE_200),
    # assets
    "GET /api/v1/assets": (lambda w, a, api: Req(f"{V}/assets"), ASSET_READ),
    "POST /api/v1/assets": (
        lambda w, a, api: Req(f"{V}/assets", json=payloads.asset(w["dso_lv_feeder"])), FSP_WRITE_201),
    "POST /api/v1/assets/bulk": (
        lambda w, a, api: Req(f"{V}/assets/bulk", json={"items": [payloads.asset(w["dso_lv_feeder"])]}), FSP_WRITE_200),
    "GET /api/v1/assets/<id:asset_id>": (lambda w, a, api: Req(f"{V}/assets/{w['asset']}"), ASSET_READ),
    "PATCH /api/v1/assets/<id:asset_id>": (
        lambda w, a, api: Req(f"{V}/assets/{w['asset']}", json={"name": "Battery A (renamed)"}), FSP_WRITE_200),
    "GET /api/v1/bidding-units": (lambda w, a, api: Req(f"{V}/bidding-units"), ASSET_READ),
    "POST /api/v1/bidding-units": (
        lambda w, a, api: Req(f"{V}/bidding-units", json={"name": "Unit A", "asset_ids": [w["asset"]]}), FSP_WRITE_201),
    "GET /api/v1/bidding-units/<id:unit_id>": (lambda w, a, api: Req(f"{V}/bidding-units/{w['unit']}"), ASSET_READ),
    "DELETE /api/v1/bidding-units/<id:unit_id>": (  # the world's unit bids in the market: it stays
        lambda w, a, api: Req(f"{V}/bidding-units/{w['unit']}"), cells(401, 403, 403, 409, 403, 403, 403)),
    # prequalification
    "GET /api/v1/prequalifications": (lambda w, a, api: Req(f"{V}/prequalifications"), ASSET_READ),
    "POST /api/v1/prequalifications": (
        lambda w, a, api: Req(f"{V}/prequalifications", json={"asset_id": w["asset_b"], "product": "lt_activation",
                                                               "direction": "up"}), FSP_WRITE_201),
    "POST /api/v1/prequalifications/bulk": (
        lambda w, a, api: Req(f"{V}/prequalifications/bulk", json={"items": [
            {"asset_id": w["asset_b"], "product": "lt_activation", "direction": "down"}]}), FSP_WRITE_200),
    "GET /api/v1/prequalifications/<id:attempt_id>": (
        lambda w, a, api: Req(f"{V}/prequalifications/{w['pq_review']}"), ASSET_READ),
    "POST /api/v1/prequalifications/<id:attempt_id>/dso-review": (
        lambda w, a, api: Req(f"{V}/prequalifications/{w['pq_review']}/dso-review", json={"decision": "accepted"}),
        DSO_WRITE_200),
    "POST /api/v1/prequalifications/<id:attempt_id>/operator-review": (
        lambda w, a, api: Req(f"{V}/prequalifications/{w['pq_review']}/operator-review", json={"decision": "accepted"}),
        OPERATOR_ONLY_200),
    "POST /api/v1/prequalifications/<id:attempt_id>/test": (
        lambda w, a, api: Req(f"{V}/prequalifications/{w['pq_test']}/test", json=payloads.activation_test("down")),
        FSP_WRITE_200),
    "GET /api/v1/products": (lambda w, a, api: Req(f"{V}/products"), everyone(200)),
    # audit
    "GET /api/v1/audit": (lambda w, a, api: Req(f"{V}/audit"), OPERATOR_ONLY_200),
    # meter data: sources are meter oracles (any meter) and DSOs (their grid's meters)
    "POST /api/v1/meter-data": (
        lambda w, a, api: Req(f"{V}/meter-data", json={"readings": [
            {"meter_id": payloads.METER, "interval_start": payloads.T0, "energy_wh": 1200}]}),
        cells(401, 403, 201, 403, 403, 201, 403)),
    "POST /api/v1/meter-data/upload": (
        lambda w, a, api: Req(f"{V}/meter-data/upload", data={"file": (io.BytesIO(payloads.meter_csv()), "day.csv")},
                              content_type="multipart/form-data"),
        cells(401, 403, 201, 403, 403, 201, 403)),
    "GET /api/v1/meter-data": (
        lambda w, a, api: Req(f"{V}/meter-data?meter_id={payloads.METER}&start={payloads.T0}&end={payloads.T0 + 900}"),
        APPROVED_READ),
    "GET /api/v1/meter-data/batches": (lambda w, a, api: Req(f"{V}/meter-data/batches"), APPROVED_READ),
}

MATRIX.update(MARKET_MATRIX)
MATRIX.update(STATEMENTS_MATRIX)

CASES = [pytest.param(endpoint, role, id=f"{endpoint} as {role}") for endpoint in MATRIX for role in ROLES]


def test_matrix_covers_every_route_and_role():
    routes = {f"{op.method} {op.path}" for op in operations()}
    assert set(MATRIX) == routes
    assert all(set(expected) == set(ROLES) for _, expected in MATRIX.values())


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_authorization(endpoint, role, api, world):
    build, expected = MATRIX[endpoint]
    method = endpoint.split(" ", 1)[0]
    req = build(world, role, api)
    reply = api(role).request(method, req.path, json=req.json, data=req.data, content_type=req.content_type,
                              headers=req.headers)
    want = expected[role]
    assert reply.status_code == want, (reply.status_code, reply.get_data(as_text=True)[:500])
    if want >= 400:
        body = reply.json
        assert set(body) == {"code", "message", "details"}
        if want == 401:
            assert body["code"] == "authentication_required"
        if want == 403:
            assert body["code"] in {"role_not_allowed", "grant_too_low", "participant_not_approved"}

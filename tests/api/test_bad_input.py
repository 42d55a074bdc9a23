"""The bad-input table: for every endpoint, requests that must be refused with a 4xx and a
stable error code (never a 500), on SQLite and PostgreSQL — missing fields, wrong types,
malformed JSON, wrong content types, unknown query parameters, oversize bodies and uploads,
bad signatures, replayed and expired nonces, foreign zones and elements, bad references.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import insert
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.api import operations
from marketplace.models import SiweNonce
from marketplace.models.base import now_s
from tests.api import payloads
from tests.api.market_bad_input import MARKET_TABLE
from tests.api.statements_tables import STATEMENTS_TABLE
from tests.api.world import World

V = "/api/v1"


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    data: Any = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    csrf: bool = True


@dataclass
class Ctx:
    w: World
    api: Any
    connection: Any

    def nonce(self) -> str:
        return self.api("anon").get(f"{V}/auth/nonce").json["nonce"]

    def proof(self, account=None, **kw) -> dict:
        return payloads.siwe_proof(account or self.w.actors["fsp"].account, self.nonce(), **kw)


def _replayed(c: Ctx) -> Req:
    proof = c.proof()
    first = c.api("anon").post(f"{V}/auth/siwe", json=proof)
    assert first.status_code == 200, first.json
    return Req("POST", f"{V}/auth/siwe", json=proof)


def _expired_nonce(c: Ctx) -> Req:
    c.connection.execute(insert(SiweNonce).values(nonce="expired0nonce1", created_at=now_s() - 1200,
                                                  expires_at=now_s() - 600))
    return Req("POST", f"{V}/auth/siwe", json=payloads.siwe_proof(c.w.actors["fsp"].account, "expired0nonce1"))


def _other_signer(c: Ctx) -> Req:
    message = payloads.siwe_message(c.w.actors["fsp"].account.address, c.nonce())
    return Req("POST", f"{V}/auth/siwe", json={"message": message, "signature": payloads.sign(Account.create(), message)})


def _sign_up_replayed(c: Ctx) -> Req:
    proof = c.proof(Account.create())
    assert c.api("anon").post(f"{V}/participants", json=payloads.sign_up(proof)).status_code == 201
    return Req("POST", f"{V}/participants", json=payloads.sign_up(proof, name="Second try"))


def _pending_without_documents(c: Ctx) -> Req:
    reply = c.api("anon").post(f"{V}/participants", json=payloads.sign_up(c.proof(Account.create())))
    return Req("POST", f"{V}/participants/{reply.json['participant']['id']}/approve", json={})


def _revoked_client(c: Ctx) -> Req:
    assert c.api("fsp").delete(f"{V}/api-clients/{c.w['fsp_bot_client']}").status_code == 200
    return Req("POST", f"{V}/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": c.w.secrets["fsp_bot_client_id"],
                                                 "client_secret": c.w.secrets["fsp_bot_secret"]})


def _done_before(actor: str, method: str, path: str, json_body: Any = None, then: Any = None) -> Callable[[Ctx], Req]:
    """The request made once successfully first: the second one (``then`` as its body, or the
    same again) is the bad input."""

    def build(c: Ctx) -> Req:
        req = Req(method, path.format(**c.w.ids), json=json_body)
        reply = c.api(actor).request(req.method, req.path, json=req.json)
        assert reply.status_code < 300, reply.json
        return req if then is None else Req(method, req.path, json=then)

    return build


def _doc(kind="power_of_attorney", name="doc.pdf", content=payloads.PDF, extra=None) -> Callable[[Ctx], Req]:
    def build(c: Ctx) -> Req:
        fields: dict[str, Any] = {"kind": kind} if kind is not None else {}
        if name is not None:
            fields["file"] = FileStorage(io.BytesIO(content), filename=name)
        fields.update(extra or {})
        # encoded here (in memory): the test client would spool a large body to an unclosed temp file
        boundary, body = encode_multipart(fields)
        return Req("POST", f"{V}/participants/{c.w['fsp']}/documents", data=body,
                   content_type=f"multipart/form-data; boundary={boundary}")

    return build


def _asset(**over) -> Callable[[Ctx], Req]:
    def build(c: Ctx) -> Req:
        body = payloads.asset(c.w["dso_lv_feeder"])
        for key, value in over.items():
            if value is ...:
                body.pop(key)
            else:
                body[key] = value(c) if callable(value) else value
        return Req("POST", f"{V}/assets", json=body)

    return build


def _samples(direction="up", mutate=None, **kw) -> Callable[[Ctx], Req]:
    def build(c: Ctx) -> Req:
        body = payloads.activation_test(direction, **kw)
        if mutate:
            mutate(body["samples"])
        return Req("POST", f"{V}/prequalifications/{c.w['pq_test']}/test", json=body)

    return build


def _csv(path: str, text: str | bytes) -> Callable[[Ctx], Req]:
    def build(c: Ctx) -> Req:
        return Req("POST", path.format(**c.w.ids), data=text if isinstance(text, bytes) else text.encode(),
                   content_type="text/csv")

    return build


def _fill(value: Any, ids: dict[str, int]) -> Any:
    """``"{name}"`` anywhere in a JSON body becomes the world id ``name``."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def R(method: str, path: str, json: Any = None, **kw) -> Callable[[Ctx], Req]:
    """A fixed request; ``{name}`` in the path or as a JSON value is a world id."""
    return lambda c: Req(method, path.format(**c.w.ids), json=_fill(json, c.w.ids), **kw)


BIG = 17 * 1024 * 1024


def _reading(**over) -> dict:
    """One meter reading of the push API (overrides may carry wrong types on purpose)."""
    return {"meter_id": payloads.METER, "interval_start": payloads.T0, "energy_wh": 1200, **over}
BAD_JSON = {"data": b'{"items": [', "content_type": "application/json"}

#: endpoint → [(case, actor, request builder, status, code)]
TABLE: dict[str, list[tuple[str, str, Callable[[Ctx], Req], int, str]]] = {
    "GET /api/v1/health": [("unknown query parameter", "anon", R("GET", f"{V}/health?verbose=1"), 400, "unknown_parameter")],
    "GET /api/v1/openapi.json": [("unknown query parameter", "anon", R("GET", f"{V}/openapi.json?x=1"), 400, "unknown_parameter")],
    "GET /api/v1/docs": [("unknown query parameter", "anon", R("GET", f"{V}/docs?x=1"), 400, "unknown_parameter")],
    "GET /api/v1/auth/nonce": [("unknown query parameter", "anon", R("GET", f"{V}/auth/nonce?x=1"), 400, "unknown_parameter")],
    "POST /api/v1/auth/siwe": [
        ("missing fields", "anon", R("POST", f"{V}/auth/siwe", json={}), 422, "invalid_input"),
        ("wrong types", "anon", R("POST", f"{V}/auth/siwe", json={"message": 1, "signature": 2}), 422, "invalid_input"),
        ("malformed JSON", "anon", R("POST", f"{V}/auth/siwe", **BAD_JSON), 400, "malformed_json"),
        ("JSON array body", "anon", R("POST", f"{V}/auth/siwe", json=[1, 2]), 422, "invalid_input"),
        ("wrong content type", "anon", R("POST", f"{V}/auth/siwe", data="x", content_type="text/plain"), 415,
         "unsupported_media_type"),
        ("no body", "anon", R("POST", f"{V}/auth/siwe"), 415, "unsupported_media_type"),
        ("signature not hex", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json={**c.proof(), "signature": "0xzz"}),
         422, "invalid_input"),
        ("bad signature (another key)", "anon", _other_signer, 401, "invalid_signature"),
        ("replayed nonce", "anon", _replayed, 401, "nonce_used"),
        ("unknown nonce", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=payloads.siwe_proof(
            c.w.actors["fsp"].account, "neverissued1")), 401, "nonce_unknown"),
        ("expired nonce", "anon", _expired_nonce, 401, "nonce_expired"),
        ("other domain", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=c.proof(domain="evil.example")), 401,
         "domain_mismatch"),
        ("other chain", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=c.proof(chain_id=1)), 401, "chain_mismatch"),
        ("expired message", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=c.proof(
            issued_at=now_s() - 120, expiration=now_s() - 60)), 401, "message_expired"),
        ("issued in the future", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=c.proof(issued_at=now_s() + 3600)),
         401, "message_not_yet_valid"),
        ("not an EIP-4361 message", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json={
            "message": "please let me in", "signature": payloads.sign(c.w.actors["fsp"].account, "please let me in")}),
         422, "invalid_siwe_message"),
        ("wallet of no user", "anon", lambda c: Req("POST", f"{V}/auth/siwe", json=c.proof(Account.create())), 401,
         "unknown_wallet"),
        ("oversize body", "anon", R("POST", f"{V}/auth/siwe", data=b" " * BIG, content_type="application/json"), 413,
         "request_too_large"),
    ],
    "POST /api/v1/auth/logout": [
        ("bearer token, no session", "fsp_bot", R("POST", f"{V}/auth/logout"), 403, "session_required"),
        ("missing CSRF token", "fsp", R("POST", f"{V}/auth/logout", csrf=False), 403, "csrf_failed"),
        ("wrong CSRF token", "fsp", R("POST", f"{V}/auth/logout", csrf=False, headers={"X-CSRF-Token": "nope"}), 403,
         "csrf_failed"),
    ],
    "GET /api/v1/auth/me": [
        ("unknown bearer token", "anon", R("GET", f"{V}/auth/me", headers={"Authorization": "Bearer fmt_forged"}), 401,
         "invalid_token"),
        ("not a bearer scheme", "anon", R("GET", f"{V}/auth/me", headers={"Authorization": "Basic abc"}), 401,
         "invalid_token"),
        ("forged session cookie", "anon", R("GET", f"{V}/auth/me", headers={"Cookie": "flexmarket_session=forged"}), 401,
         "authentication_required"),
        ("unknown query parameter", "fsp", R("GET", f"{V}/auth/me?x=1"), 400, "unknown_parameter"),
    ],
    "POST /api/v1/auth/impersonate": [
        ("missing user_id", "operator", R("POST", f"{V}/auth/impersonate", json={}), 422, "invalid_input"),
        ("user_id as text", "operator", R("POST", f"{V}/auth/impersonate", json={"user_id": "7"}), 422, "invalid_input"),
        ("unknown user", "operator", R("POST", f"{V}/auth/impersonate", json={"user_id": 999_999}), 404, "not_found"),
        ("an operator user", "operator", R("POST", f"{V}/auth/impersonate", json={"user_id": "{operator_user}"}), 403,
         "cannot_impersonate_operator"),
        ("missing CSRF token", "operator", R("POST", f"{V}/auth/impersonate", json={"user_id": 1}, csrf=False), 403,
         "csrf_failed"),
    ],
    "POST /api/v1/auth/impersonate/end": [
        ("not impersonating", "operator", R("POST", f"{V}/auth/impersonate/end"), 409, "not_impersonating"),
        ("unknown query parameter", "operator", R("POST", f"{V}/auth/impersonate/end?x=1"), 400, "unknown_parameter"),
    ],
    "POST /api/v1/oauth/token": [
        ("JSON instead of a form", "anon", R("POST", f"{V}/oauth/token", json={"grant_type": "client_credentials"}), 415,
         "unsupported_media_type"),
        ("other grant type", "anon", R("POST", f"{V}/oauth/token", data={"grant_type": "password"}), 400,
         "unsupported_grant_type"),
        ("no credentials", "anon", R("POST", f"{V}/oauth/token", data={"grant_type": "client_credentials"}), 401,
         "invalid_client"),
        ("wrong secret", "anon", lambda c: Req("POST", f"{V}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": c.w.secrets["fsp_bot_client_id"], "client_secret": "x"}),
         401, "invalid_client"),
        ("revoked client", "anon", _revoked_client, 401, "invalid_client"),
        ("unknown form field", "anon", R("POST", f"{V}/oauth/token", data={"grant_type": "client_credentials", "x": "1"}),
         422, "invalid_input"),
    ],
    "GET /api/v1/api-clients": [("unknown query parameter", "fsp", R("GET", f"{V}/api-clients?x=1"), 400, "unknown_parameter")],
    "POST /api/v1/api-clients": [
        ("missing name", "fsp", R("POST", f"{V}/api-clients", json={"grant": "trader"}), 422, "invalid_input"),
        ("unknown grant", "fsp", R("POST", f"{V}/api-clients", json={"name": "x", "grant": "root"}), 422, "invalid_input"),
        ("by a machine client", "fsp_bot", R("POST", f"{V}/api-clients", json={"name": "x", "grant": "read_only"}), 403,
         "session_required"),
    ],
    "DELETE /api/v1/api-clients/<id:client_pk>": [
        ("unknown client", "fsp", R("DELETE", f"{V}/api-clients/999999"), 404, "not_found"),
        ("id beyond 32 bits", "fsp", R("DELETE", f"{V}/api-clients/99999999999"), 404, "not_found"),
        ("already revoked", "fsp", _done_before("fsp", "DELETE", f"{V}/api-clients/{{fsp_bot_client}}"), 409,
         "already_revoked"),
    ],
    "POST /api/v1/participants": [
        ("missing fields", "anon", R("POST", f"{V}/participants", json={"role": "fsp"}), 422, "invalid_input"),
        ("malformed JSON", "anon", R("POST", f"{V}/participants", **BAD_JSON), 400, "malformed_json"),
        ("tax ID of 10 characters", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), tax_id="B123456789")), 422, "invalid_input"),
        ("IBAN with wrong check digits", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), iban="ES9221000418450200051332")), 422, "invalid_input"),
        ("FSP without a kind", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), fsp_kind=None)), 422, "invalid_input"),
        ("DSO with an FSP kind", "anon", lambda c: Req("POST", f"{V}/participants", json={**payloads.sign_up(
            c.proof(Account.create()), role="dso", fsp_kind=None), "fsp_kind": "cpo"}), 422, "invalid_input"),
        ("signing up as market operator", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), role="market_operator")), 422, "invalid_input"),
        ("bad email", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), email="not-an-email")), 422, "invalid_input"),
        ("NUL character in the name", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), name="Bad\u0000Name")), 422, "invalid_input"),
        ("unknown field", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(Account.create()), vat_number="x")), 422, "invalid_input"),
        ("wallet of an existing user", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            c.proof(c.w.actors["fsp"].account))), 409, "wallet_in_use"),
        ("bad signature", "anon", lambda c: Req("POST", f"{V}/participants", json=payloads.sign_up(
            {**c.proof(Account.create()), "signature": payloads.sign(Account.create(), "x")})), 401, "invalid_signature"),
        ("replayed nonce", "anon", _sign_up_replayed, 401, "nonce_used"),
    ],
    "GET /api/v1/participants": [
        ("pending list by a non-operator", "fsp", R("GET", f"{V}/participants?status=pending"), 403, "operator_only"),
        ("limit 0", "anon", R("GET", f"{V}/participants?limit=0"), 400, "invalid_parameter"),
        ("limit not a number", "anon", R("GET", f"{V}/participants?limit=ten"), 400, "invalid_parameter"),
        ("unknown status", "operator", R("GET", f"{V}/participants?status=sleeping"), 400, "invalid_parameter"),
        ("repeated parameter", "anon", R("GET", f"{V}/participants?role=dso&role=fsp"), 400, "invalid_parameter"),
        ("unknown parameter", "anon", R("GET", f"{V}/participants?sort=name"), 400, "unknown_parameter"),
    ],
    "GET /api/v1/participants/<id:participant_id>": [
        ("id not a number", "fsp", R("GET", f"{V}/participants/abc"), 404, "not_found"),
        ("unknown participant", "operator", R("GET", f"{V}/participants/999999"), 404, "not_found"),
        ("unknown query parameter", "fsp", R("GET", f"{V}/participants/{{fsp}}?x=1"), 400, "unknown_parameter"),
    ],
    "PATCH /api/v1/participants/<id:participant_id>": [
        ("phone as a number", "fsp", R("PATCH", f"{V}/participants/{{fsp}}", json={"phone": 911111111}), 422,
         "invalid_input"),
        ("identity field", "fsp", R("PATCH", f"{V}/participants/{{fsp}}", json={"entity_name": "Other"}), 422,
         "invalid_input"),
        ("removing the phone", "fsp", R("PATCH", f"{V}/participants/{{fsp}}", json={"phone": None}), 422,
         "invalid_input"),
    ],
    "POST /api/v1/participants/<id:participant_id>/approve": [
        ("already approved", "operator", R("POST", f"{V}/participants/{{fsp}}/approve", json={}), 409, "already_approved"),
        ("documents missing", "operator", _pending_without_documents, 409, "documents_missing"),
        ("note as a number", "operator", R("POST", f"{V}/participants/{{applicant}}/approve", json={"note": 5}), 422,
         "invalid_input"),
        ("unknown participant", "operator", R("POST", f"{V}/participants/999999/approve", json={}), 404, "not_found"),
    ],
    "POST /api/v1/participants/<id:participant_id>/reject": [
        ("missing reason", "operator", R("POST", f"{V}/participants/{{applicant}}/reject", json={}), 422, "invalid_input"),
        ("blank reason", "operator", R("POST", f"{V}/participants/{{applicant}}/reject", json={"reason": "  "}), 422,
         "invalid_input"),
        ("not pending", "operator", R("POST", f"{V}/participants/{{fsp}}/reject", json={"reason": "x"}), 409, "not_pending"),
    ],
    "POST /api/v1/participants/<id:participant_id>/chain-roles": [
        ("not approved", "operator", R("POST", f"{V}/participants/{{applicant}}/chain-roles"), 409, "not_approved"),
        ("unknown participant", "operator", R("POST", f"{V}/participants/999999/chain-roles"), 404, "not_found"),
    ],
    "GET /api/v1/participants/<id:participant_id>/documents": [
        ("unknown query parameter", "fsp", R("GET", f"{V}/participants/{{fsp}}/documents?x=1"), 400, "unknown_parameter"),
        ("another participant's", "fsp", R("GET", f"{V}/participants/{{fsp2}}/documents"), 404, "not_found"),
    ],
    "POST /api/v1/participants/<id:participant_id>/documents": [
        ("a .txt file", "fsp", _doc(name="notes.txt", content=b"hello"), 415, "unsupported_document_type"),
        ("PDF name, text content", "fsp", _doc(content=b"just text"), 422, "document_content_mismatch"),
        ("empty file", "fsp", _doc(content=b""), 422, "empty_document"),
        ("document over 10 MB", "fsp", _doc(content=b"%PDF-" + b"0" * (10 * 1024 * 1024)), 413, "document_too_large"),
        ("request over the size limit", "fsp", _doc(content=b"%PDF-" + b"0" * BIG), 413, "request_too_large"),
        ("no file", "fsp", _doc(name=None), 422, "file_missing"),
        ("missing kind", "fsp", _doc(kind=None), 422, "invalid_input"),
        ("unknown kind", "fsp", _doc(kind="passport"), 422, "invalid_input"),
        ("JSON instead of multipart", "fsp", R("POST", f"{V}/participants/{{fsp}}/documents", json={"kind": "x"}), 415,
         "unsupported_media_type"),
    ],
    "GET /api/v1/participants/<id:participant_id>/documents/<id:document_id>": [
        ("another participant's document id", "fsp",
         R("GET", f"{V}/participants/{{fsp}}/documents/{{applicant_doc_power_of_attorney}}"), 404, "not_found"),
    ],
    "GET /api/v1/participants/<id:participant_id>/users": [
        ("unknown query parameter", "fsp", R("GET", f"{V}/participants/{{fsp}}/users?x=1"), 400, "unknown_parameter"),
    ],
    "POST /api/v1/participants/<id:participant_id>/users": [
        ("wallet of an existing user", "fsp", lambda c: Req("POST", f"{V}/participants/{c.w['fsp']}/users", json={
            "first_name": "A", "last_name": "B", "email": "a@b.es", "grant": "trader",
            "wallet_address": c.w.actors["dso"].account.address}), 409, "wallet_in_use"),
        ("not an address", "fsp", R("POST", f"{V}/participants/{{fsp}}/users", json={
            "first_name": "A", "last_name": "B", "email": "a@b.es", "grant": "trader", "wallet_address": "0x1234"}),
         422, "invalid_input"),
        ("wrong EIP-55 checksum", "fsp", R("POST", f"{V}/participants/{{fsp}}/users", json={
            "first_name": "A", "last_name": "B", "email": "a@b.es", "grant": "trader",
            "wallet_address": "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266"}), 422, "invalid_input"),
        ("missing grant", "fsp", R("POST", f"{V}/participants/{{fsp}}/users", json={
            "first_name": "A", "last_name": "B", "email": "a@b.es",
            "wallet_address": "0x" + "ab" * 20}), 422, "invalid_input"),
    ],
    "PATCH /api/v1/participants/<id:participant_id>/users/<id:user_id>": [
        ("demoting the last admin contact", "fsp", R("PATCH", f"{V}/participants/{{fsp}}/users/{{fsp_user}}",
                                                     json={"grant": "trader"}), 409, "last_admin_contact"),
        ("user of another participant", "fsp", R("PATCH", f"{V}/participants/{{fsp}}/users/{{dso_user}}",
                                                 json={"phone": "+34 600 2"}), 404, "not_found"),
        ("grant as a number", "fsp", R("PATCH", f"{V}/participants/{{fsp}}/users/{{fsp_ro_user}}", json={"grant": 2}),
         422, "invalid_input"),
    ],
    "DELETE /api/v1/participants/<id:participant_id>/users/<id:user_id>": [
        ("the last admin contact", "fsp", R("DELETE", f"{V}/participants/{{fsp}}/users/{{fsp_user}}"), 409,
         "last_admin_contact"),
        ("already deactivated", "fsp", _done_before("fsp", "DELETE", f"{V}/participants/{{fsp}}/users/{{fsp_ro_user}}"),
         409, "already_deactivated"),
    ],
    "GET /api/v1/grid/elements": [
        ("unknown kind", "dso", R("GET", f"{V}/grid/elements?kind=cable"), 400, "invalid_parameter"),
        ("unknown parameter", "dso", R("GET", f"{V}/grid/elements?voltage=20"), 400, "unknown_parameter"),
    ],
    "POST /api/v1/grid/elements": [
        ("feeder without parent", "dso", R("POST", f"{V}/grid/elements", json={"kind": "mv_feeder", "code": "X", "name": "X"}),
         422, "invalid_topology"),
        ("parent of another DSO", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "mv_feeder", "code": "X", "name": "X", "parent_id": "{dso2_hv_mv_substation}"}), 422, "invalid_reference"),
        ("parent of the wrong kind", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "lv_feeder", "code": "X", "name": "X", "parent_id": "{dso_mv_feeder}"}), 422, "invalid_topology"),
        ("duplicate code", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "hv_mv_substation", "code": "SS-A", "name": "X"}), 409, "duplicate_code"),
        ("latitude without longitude", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "hv_mv_substation", "code": "Y", "name": "Y", "latitude_udeg": 40_000_000}), 422, "invalid_input"),
        ("latitude out of range", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "hv_mv_substation", "code": "Y", "name": "Y", "latitude_udeg": 91_000_000,
            "longitude_udeg": 0}), 422, "invalid_input"),
        ("latitude as a float", "dso", R("POST", f"{V}/grid/elements", json={
            "kind": "hv_mv_substation", "code": "Y", "name": "Y", "latitude_udeg": 40.5, "longitude_udeg": 0}), 422,
         "invalid_input"),
    ],
    "GET /api/v1/grid/elements/<id:element_id>": [
        ("another DSO's element", "dso", R("GET", f"{V}/grid/elements/{{dso2_lv_feeder}}"), 404, "not_found"),
    ],
    "PUT /api/v1/grid/elements/<id:element_id>/traffic-light": [
        ("unknown colour", "dso", R("PUT", f"{V}/grid/elements/{{dso_mv_feeder}}/traffic-light", json={"state": "blue"}),
         422, "invalid_input"),
        ("another DSO's element", "dso", R("PUT", f"{V}/grid/elements/{{dso2_mv_feeder}}/traffic-light",
                                           json={"state": "red"}), 404, "not_found"),
        ("valid_from as text", "dso", R("PUT", f"{V}/grid/elements/{{dso_mv_feeder}}/traffic-light",
                                        json={"state": "red", "valid_from": "now"}), 422, "invalid_input"),
    ],
    "GET /api/v1/grid/elements/<id:element_id>/traffic-light": [
        ("negative history limit", "anon", R("GET", f"{V}/grid/elements/{{dso_mv_feeder}}/traffic-light?history_limit=-1"),
         400, "invalid_parameter"),
        ("another DSO's element", "dso", R("GET", f"{V}/grid/elements/{{dso2_mv_feeder}}/traffic-light"), 404, "not_found"),
    ],
    "GET /api/v1/grid/traffic-lights": [
        ("cursor not a number", "anon", R("GET", f"{V}/grid/traffic-lights?after=x"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/grid/elements/<id:element_id>/forecast": [
        ("not a transformer", "dso", R("POST", f"{V}/grid/elements/{{dso_lv_feeder}}/forecast",
                                       json={"points": [{"start": payloads.T0, "load_w": 1}]}), 422, "not_a_transformer"),
        ("start off the 15-min grid", "dso", R("POST", f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast",
                                               json={"points": [{"start": payloads.T0 + 1, "load_w": 1}]}), 422,
         "invalid_input"),
        ("same interval twice", "dso", R("POST", f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast", json={
            "points": [{"start": payloads.T0, "load_w": 1}, {"start": payloads.T0, "load_w": 2}]}), 422,
         "duplicate_interval"),
        ("no points", "dso", R("POST", f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast", json={"points": []}), 422,
         "invalid_input"),
        ("another DSO's transformer", "dso", R("POST", f"{V}/grid/elements/{{dso2_mv_lv_substation}}/forecast",
                                               json={"points": [{"start": payloads.T0, "load_w": 1}]}), 404, "not_found"),
        ("CSV with an unknown column", "dso", _csv(f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast",
                                                   "start,load_kw\n1700001000,5\n"), 400, "invalid_csv"),
        ("CSV with a bad value", "dso", _csv(f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast",
                                             "start,load_w\n2023-11-14T22:30:00Z,lots\n"), 422, "invalid_input"),
        ("CSV not UTF-8", "dso", _csv(f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast", b"start,load_w\n\xff\n"),
         400, "invalid_csv"),
        ("CSV with a short line", "dso", _csv(f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast",
                                              "start,load_w\n1700001000\n"), 400, "invalid_csv"),
    ],
    "GET /api/v1/grid/elements/<id:element_id>/forecast": [
        ("from after to", "dso", R("GET", f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast?from=1000&to=900"), 422,
         "invalid_range"),
        ("from not a number", "dso", R("GET", f"{V}/grid/elements/{{dso_mv_lv_substation}}/forecast?from=today"), 400,
         "invalid_parameter"),
    ],
    "GET /api/v1/zones": [("unknown parameter", "anon", R("GET", f"{V}/zones?province=Madrid"), 400, "unknown_parameter")],
    "POST /api/v1/zones": [
        ("no postal codes", "dso", R("POST", f"{V}/zones", json={"name": "Z", "province": "M", "postal_codes": []}), 422,
         "invalid_input"),
        ("bad postal code", "dso", R("POST", f"{V}/zones", json={"name": "Z", "province": "M", "postal_codes": ["2/8"]}),
         422, "invalid_input"),
        ("duplicate name", "dso", R("POST", f"{V}/zones", json={"name": "Zone A", "province": "M", "postal_codes": ["10001"]}),
         409, "duplicate_name"),
    ],
    "GET /api/v1/zones/<id:zone_id>": [
        ("another DSO's zone", "dso", R("GET", f"{V}/zones/{{dso2_zone}}"), 404, "not_found"),
    ],
    "DELETE /api/v1/zones/<id:zone_id>": [
        ("another DSO's zone (foreign zone)", "dso", R("DELETE", f"{V}/zones/{{dso2_zone}}"), 404, "not_found"),
    ],
    "GET /api/v1/assets": [
        ("another DSO's zone as filter", "dso", R("GET", f"{V}/assets?zone_id={{dso2_zone}}"), 404, "not_found"),
        ("limit above 1000", "fsp", R("GET", f"{V}/assets?limit=5000"), 400, "invalid_parameter"),
        ("unknown parameter", "fsp", R("GET", f"{V}/assets?owner=me"), 400, "unknown_parameter"),
    ],
    "POST /api/v1/assets": [
        ("missing fields", "fsp", R("POST", f"{V}/assets", json={"name": "x"}), 422, "invalid_input"),
        ("power as text", "fsp", _asset(active_export_w="8000"), 422, "invalid_input"),
        ("power as a float", "fsp", _asset(active_export_w=8000.5), 422, "invalid_input"),
        ("negative power", "fsp", _asset(active_import_w=-1), 422, "invalid_input"),
        ("power beyond 1 TW", "fsp", _asset(installed_generation_w=10**13), 422, "invalid_input"),
        ("voltage level 230 V", "fsp", _asset(voltage_level_v=230), 422, "invalid_input"),
        ("20 kV asset on an LV feeder", "fsp", _asset(voltage_level_v=20_000), 422, "voltage_mismatch"),
        ("unknown grid element", "fsp", _asset(grid_element_id=999_999), 422, "invalid_reference"),
        ("no flexibility", "fsp", _asset(active_import_w=0, active_export_w=0), 422, "invalid_input"),
        ("min activation above max", "fsp", _asset(min_activation_s=7200, max_activation_s=900), 422, "invalid_input"),
        ("EV charging without station details", "fsp", _asset(asset_type="EV_charging"), 422, "invalid_input"),
        ("vehicle details on a battery", "fsp", _asset(vehicle=payloads.vehicle()), 422, "invalid_input"),
        ("unknown connector", "fsp", _asset(asset_type="EV_charging", charging_station=payloads.charging_station(
            connectors=["type9"])), 422, "invalid_input"),
        ("missing metering point", "fsp", _asset(metering_point_id=...), 422, "invalid_input"),
        ("malformed JSON", "fsp", R("POST", f"{V}/assets", **BAD_JSON), 400, "malformed_json"),
    ],
    "POST /api/v1/assets/bulk": [
        ("no items", "fsp", R("POST", f"{V}/assets/bulk", json={"items": []}), 422, "invalid_input"),
        ("more than 10,000 items", "fsp", R("POST", f"{V}/assets/bulk", json={"items": [{}] * 10_001}), 422,
         "invalid_input"),
        ("items not a list", "fsp", R("POST", f"{V}/assets/bulk", json={"items": {"a": 1}}), 422, "invalid_input"),
        ("CSV with an unknown column", "fsp", _csv(f"{V}/assets/bulk", "name,colour\nA,red\n"), 400, "invalid_csv"),
        ("CSV without rows", "fsp", _csv(f"{V}/assets/bulk", "name,asset_type\n"), 400, "invalid_csv"),
        ("plain text", "fsp", R("POST", f"{V}/assets/bulk", data="name", content_type="text/plain"), 415,
         "unsupported_media_type"),
    ],
    "GET /api/v1/assets/<id:asset_id>": [
        ("another FSP's asset", "fsp", R("GET", f"{V}/assets/{{asset2}}"), 404, "not_found"),
        ("asset outside the DSO's region", "dso", R("GET", f"{V}/assets/{{asset_c}}"), 404, "not_found"),
    ],
    "PATCH /api/v1/assets/<id:asset_id>": [
        ("removing the status", "fsp", R("PATCH", f"{V}/assets/{{asset}}", json={"status": None}), 422, "invalid_input"),
        ("moving the asset", "fsp", R("PATCH", f"{V}/assets/{{asset}}", json={"grid_element_id": 1}), 422, "invalid_input"),
        ("another FSP's asset", "fsp", R("PATCH", f"{V}/assets/{{asset2}}", json={"name": "x"}), 404, "not_found"),
    ],
    "GET /api/v1/bidding-units": [("unknown parameter", "fsp", R("GET", f"{V}/bidding-units?x=1"), 400, "unknown_parameter")],
    "POST /api/v1/bidding-units": [
        ("another FSP's asset", "fsp", R("POST", f"{V}/bidding-units", json={"name": "U", "asset_ids": ["{asset2}"]}), 422,
         "invalid_reference"),
        ("asset already in a unit", "fsp", R("POST", f"{V}/bidding-units", json={"name": "U", "asset_ids": ["{asset_b}"]}),
         409, "asset_in_bidding_unit"),
        ("assets of two DSOs", "fsp", R("POST", f"{V}/bidding-units", json={
            "name": "U", "asset_ids": ["{asset}", "{asset_c}"]}), 422, "mixed_dso"),
        ("same asset twice", "fsp", R("POST", f"{V}/bidding-units", json={"name": "U", "asset_ids": ["{asset}", "{asset}"]}),
         422, "duplicate_asset"),
        ("no assets", "fsp", R("POST", f"{V}/bidding-units", json={"name": "U", "asset_ids": []}), 422, "invalid_input"),
    ],
    "GET /api/v1/bidding-units/<id:unit_id>": [
        ("another FSP's unit", "fsp2", R("GET", f"{V}/bidding-units/{{unit}}"), 404, "not_found"),
    ],
    "DELETE /api/v1/bidding-units/<id:unit_id>": [
        ("another FSP's unit", "fsp2", R("DELETE", f"{V}/bidding-units/{{unit}}"), 404, "not_found"),
    ],
    "GET /api/v1/prequalifications": [
        ("unknown status", "fsp", R("GET", f"{V}/prequalifications?status=maybe"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/prequalifications": [
        ("another FSP's asset", "fsp", R("POST", f"{V}/prequalifications", json={
            "asset_id": "{asset2}", "product": "st_energy", "direction": "up"}), 422, "invalid_reference"),
        ("already pending", "fsp", R("POST", f"{V}/prequalifications", json={
            "asset_id": "{asset}", "product": "st_energy", "direction": "up"}), 409, "prequalification_pending"),
        ("unknown product", "fsp", R("POST", f"{V}/prequalifications", json={
            "asset_id": "{asset}", "product": "reserve", "direction": "up"}), 422, "invalid_input"),
        ("asset id as text", "fsp", R("POST", f"{V}/prequalifications", json={
            "asset_id": "one", "product": "st_energy", "direction": "up"}), 422, "invalid_input"),
    ],
    "POST /api/v1/prequalifications/bulk": [
        ("no items", "fsp", R("POST", f"{V}/prequalifications/bulk", json={"items": []}), 422, "invalid_input"),
        ("CSV with an unknown column", "fsp", _csv(f"{V}/prequalifications/bulk", "asset_id,tolerance\n1,5\n"), 400,
         "invalid_csv"),
    ],
    "GET /api/v1/prequalifications/<id:attempt_id>": [
        ("another FSP's attempt", "fsp2", R("GET", f"{V}/prequalifications/{{pq_review}}"), 404, "not_found"),
        ("outside the DSO's region", "dso2", R("GET", f"{V}/prequalifications/{{pq_review}}"), 404, "not_found"),
    ],
    "POST /api/v1/prequalifications/<id:attempt_id>/dso-review": [
        ("rejection without a reason", "dso", R("POST", f"{V}/prequalifications/{{pq_review}}/dso-review",
                                                json={"decision": "rejected"}), 422, "invalid_input"),
        ("DSO of another region", "dso2", R("POST", f"{V}/prequalifications/{{pq_review}}/dso-review",
                                            json={"decision": "accepted"}), 404, "not_found"),
        ("a test-path attempt", "dso", R("POST", f"{V}/prequalifications/{{pq_test}}/dso-review",
                                         json={"decision": "accepted"}), 409, "not_review_path"),
        ("reviewed twice", "dso", _done_before("dso", "POST", f"{V}/prequalifications/{{pq_review}}/dso-review",
                                                {"decision": "accepted"}), 409, "already_reviewed"),
    ],
    "POST /api/v1/prequalifications/<id:attempt_id>/operator-review": [
        ("unknown decision", "operator", R("POST", f"{V}/prequalifications/{{pq_review}}/operator-review",
                                           json={"decision": "maybe"}), 422, "invalid_input"),
        ("after the DSO rejected", "operator", lambda c: (c.api("dso").post(
            f"{V}/prequalifications/{c.w['pq_review']}/dso-review", json={"decision": "rejected", "reason": "feeder full"}),
            Req("POST", f"{V}/prequalifications/{c.w['pq_review']}/operator-review", json={"decision": "accepted"}))[1],
         409, "already_decided"),
    ],
    "POST /api/v1/prequalifications/<id:attempt_id>/test": [
        ("setpoint stepping the wrong way", "fsp", _samples("up"), 422, "invalid_activation_test"),
        ("samples out of order", "fsp", _samples("down", mutate=lambda s: s.reverse()), 422, "invalid_activation_test"),
        ("too short", "fsp", _samples("down", hold_s=600), 422, "invalid_activation_test"),
        ("change below 1 kW", "fsp", _samples("down", change_w=500), 422, "invalid_activation_test"),
        ("one sample", "fsp", R("POST", f"{V}/prequalifications/{{pq_test}}/test", json={
            "samples": [{"t": 1, "setpoint_w": 1, "measured_w": 1}]}), 422, "invalid_input"),
        ("a review-path attempt", "fsp", R("POST", f"{V}/prequalifications/{{pq_review}}/test",
                                           json=payloads.activation_test("up")), 409, "not_test_path"),
    ],
    "GET /api/v1/products": [("unknown parameter", "anon", R("GET", f"{V}/products?x=1"), 400, "unknown_parameter")],
    "GET /api/v1/audit": [
        ("since not a number", "operator", R("GET", f"{V}/audit?since=yesterday"), 400, "invalid_parameter"),
        ("limit 0", "operator", R("GET", f"{V}/audit?limit=0"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/meter-data": [
        ("no readings field", "oracle", R("POST", f"{V}/meter-data", json={}), 422, "invalid_input"),
        ("empty readings", "oracle", R("POST", f"{V}/meter-data", json={"readings": []}), 422, "invalid_input"),
        ("energy as a float", "oracle", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(energy_wh=1.5)]}), 422, "invalid_input"),
        ("energy as a string", "oracle", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(energy_wh="12")]}), 422, "invalid_input"),
        ("interval not on a 15-min boundary", "oracle", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(interval_start=payloads.T0 + 60)]}), 422, "invalid_input"),
        ("meter id with spaces", "oracle", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(meter_id="bad meter")]}), 422, "invalid_input"),
        ("unknown field", "oracle", R("POST", f"{V}/meter-data", json={"readings": [_reading(unit="kWh")]}), 422,
         "invalid_input"),
        ("malformed JSON", "oracle", R("POST", f"{V}/meter-data", **BAD_JSON), 400, "malformed_json"),
        ("wrong content type", "oracle", R("POST", f"{V}/meter-data", data="x", content_type="text/plain"), 415,
         "unsupported_media_type"),
        ("CSV with a timestamp without zone", "oracle", R("POST", f"{V}/meter-data", data=payloads.meter_csv().replace(
            b"Z,", b",", 1), content_type="text/csv"), 422, "invalid_meter_data"),
        ("CSV with a wrong header", "oracle", R("POST", f"{V}/meter-data", data=b"meter,start,wh\n",
                                                content_type="text/csv"), 422, "invalid_meter_data"),
        ("CSV not UTF-8", "oracle", R("POST", f"{V}/meter-data", data=b"\xff\xfe\x00", content_type="text/csv"),
         422, "invalid_csv"),
        ("disagreeing duplicates in the batch", "oracle", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(), _reading(energy_wh=999)]}), 409, "conflicting_readings"),
        ("disagrees with a stored reading", "oracle", _done_before("oracle", "POST", f"{V}/meter-data", {
            "readings": [_reading()]}, then={"readings": [_reading(energy_wh=999)]}), 409, "conflicting_readings"),
        ("a DSO pushing a meter outside its grid", "dso", R("POST", f"{V}/meter-data", json={"readings": [
            _reading(meter_id="SI-LJ-9999")]}), 403, "foreign_meter"),
        ("oversize body", "oracle", R("POST", f"{V}/meter-data", data=b" " * BIG, content_type="text/csv"), 413,
         "request_too_large"),
    ],
    "POST /api/v1/meter-data/upload": [
        ("no file", "oracle", R("POST", f"{V}/meter-data/upload", data={}, content_type="multipart/form-data"), 422,
         "file_required"),
        ("a file that is not meter data", "oracle", lambda c: Req(
            "POST", f"{V}/meter-data/upload", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
            content_type="multipart/form-data"), 422, "invalid_meter_data"),
        ("JSON instead of a form", "oracle", R("POST", f"{V}/meter-data/upload", json={"readings": []}), 415,
         "unsupported_media_type"),
    ],
    "GET /api/v1/meter-data": [
        ("no meter id", "operator", R("GET", f"{V}/meter-data?start={payloads.T0}&end={payloads.T0}"), 400,
         "invalid_parameter"),
        ("start not on a 15-min boundary", "operator", R(
            "GET", f"{V}/meter-data?meter_id={payloads.METER}&start={payloads.T0 + 1}&end={payloads.T0 + 900}"), 400,
         "invalid_parameter"),
        ("end before start", "operator", R(
            "GET", f"{V}/meter-data?meter_id={payloads.METER}&start={payloads.T0 + 900}&end={payloads.T0}"), 422,
         "invalid_input"),
        ("more than 31 days", "operator", R(
            "GET", f"{V}/meter-data?meter_id={payloads.METER}&start={payloads.T0}&end={payloads.T0 + 32 * 86400}"), 422,
         "invalid_input"),
        ("an FSP asking for a meter not its own", "fsp", R(
            "GET", f"{V}/meter-data?meter_id=SI-LJ-9999&start={payloads.T0}&end={payloads.T0}"), 404, "not_found"),
    ],
    "GET /api/v1/meter-data/batches": [
        ("limit 0", "oracle", R("GET", f"{V}/meter-data/batches?limit=0"), 400, "invalid_parameter"),
        ("an FSP asking for another participant's batches", "fsp", R(
            "GET", f"{V}/meter-data/batches?participant_id={{dso}}"), 404, "not_found"),
    ],
}

TABLE.update(MARKET_TABLE)
TABLE.update(STATEMENTS_TABLE)

CASES = [
    pytest.param(endpoint, case, actor, build, status, code, id=f"{endpoint} {case}")
    for endpoint, rows in TABLE.items()
    for case, actor, build, status, code in rows
]


def test_table_covers_every_route():
    assert set(TABLE) == {f"{op.method} {op.path}" for op in operations()}


@pytest.mark.parametrize(("endpoint", "case", "actor", "build", "status", "code"), CASES)
def test_bad_input(endpoint, case, actor, build, status, code, api, world, connection):
    req = build(Ctx(world, api, connection))
    caller = api(actor, csrf=req.csrf)
    kwargs = {"headers": req.headers}
    if req.json is not None:
        kwargs["json"] = req.json
    if req.data is not None:
        kwargs["data"] = req.data
    if req.content_type is not None:
        kwargs["content_type"] = req.content_type
    reply = caller.request(req.method, req.path, **kwargs)
    assert reply.status_code == status, (reply.status_code, reply.get_data(as_text=True)[:500])
    body = reply.json
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert body["message"] and isinstance(body["details"], dict)


def test_unknown_path_and_wrong_method_answer_json(api):
    reply = api("anon").get(f"{V}/no-such-thing")
    assert reply.status_code == 404 and reply.json["code"] == "not_found"
    reply = api("anon").request("DELETE", f"{V}/health")
    assert reply.status_code == 405 and reply.json["code"] == "method_not_allowed"
    assert "GET" in reply.headers["Allow"]


def test_internal_errors_leak_nothing(api, monkeypatch):
    from marketplace.domain import grid

    def broken(*args, **kwargs):
        raise RuntimeError("secret connection string postgres://user:pw@host")

    monkeypatch.setattr(grid, "list_zones", broken)
    reply = api("anon").get(f"{V}/zones")
    assert reply.status_code == 500
    assert reply.json == {"code": "internal_error", "message": "internal error", "details": {}}
    assert b"secret" not in reply.get_data()


def test_bulk_reports_each_item_and_registers_the_valid_ones(api, world):
    good = payloads.asset(world["dso_lv_feeder"], name="Good one")
    items = [good, {**good, "active_export_w": "8000"}, {**good, "grid_element_id": 999_999}, {**good, "name": "Good two"}]
    reply = api("fsp").post(f"{V}/assets/bulk", json={"items": items})
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert (body["created"], body["failed"]) == (2, 2)
    assert [r["ok"] for r in body["results"]] == [True, False, False, True]
    assert body["results"][1]["code"] == "invalid_input" and "active_export_w" in body["results"][1]["message"]
    assert body["results"][2]["code"] == "invalid_reference"
    names = {a["name"] for a in api("fsp").get(f"{V}/assets?limit=1000").json["items"]}
    assert {"Good one", "Good two"} <= names
    assert json.dumps(body)  # plain JSON

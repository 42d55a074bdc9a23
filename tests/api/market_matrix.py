"""The authorization matrix rows of the market's routes (merged into
``test_authorization_matrix.MATRIX``): every market endpoint x every role, written out by hand.

Objects come from ``tests/api/market_world.py``. Where the role is allowed but the object's
state refuses, the cell is 409 (escrow of a validated request aside, the world's requests are
made-up on chain, so receipt checks answer 422).
"""

from __future__ import annotations

import io
import json
from typing import Any

from eth_account import Account

from marketplace.models.base import now_s
from tests.api import payloads
from tests.api.world import World
from tests.helpers import _BID_TYPES

V = "/api/v1"


class Req:
    def __init__(self, path: str, json: Any = None, data: Any = None, content_type: str | None = None,
                 headers: dict | None = None) -> None:
        self.path, self.json, self.data, self.content_type, self.headers = path, json, data, content_type, headers or {}


def cells(anon, operator, dso, fsp, fsp_ro, oracle, applicant) -> dict[str, int]:
    return dict(zip(("anon", "operator", "dso", "fsp", "fsp_ro", "oracle", "applicant"),
                    (anon, operator, dso, fsp, fsp_ro, oracle, applicant), strict=True))


EVERYONE = cells(200, 200, 200, 200, 200, 200, 200)
DSO_201 = cells(401, 403, 201, 403, 403, 403, 403)
DSO_200 = cells(401, 403, 200, 403, 403, 403, 403)
FSP_201 = cells(401, 403, 403, 201, 403, 403, 403)
FSP_200 = cells(401, 403, 403, 200, 403, 403, 403)
OPERATOR_200 = cells(401, 200, 403, 403, 403, 403, 403)
OPERATOR_201 = cells(401, 201, 403, 403, 403, 403, 403)
TRADERS_READ = cells(401, 200, 200, 200, 200, 403, 403)
WITH_ORACLE_READ = cells(401, 200, 200, 200, 200, 200, 403)
MEMBERS = cells(401, 200, 200, 200, 200, 200, 403)
FSP_OWN = cells(401, 404, 404, 200, 200, 404, 403)


def quarter(t: int) -> int:
    return t - t % 900 + 900


def request_body(w: World) -> dict:
    return {"session_id": w["session_st_open"], "product": "ENG_ST_UP_15MIN", "price_cap_per_mwh": 100_000_000,
            "intervals": [{"start": w["st_start"], "quantity_wh": 40_000}]}


def _upload(w: World, a, api) -> Req:
    body = json.dumps(request_body(w)).encode()
    return Req(f"{V}/requests/upload", data={"file": (io.BytesIO(body), "request.json")},
               content_type="multipart/form-data")


def _session(w: World, a, api) -> Req:
    now = now_s()
    return Req(f"{V}/sessions", json={"market_id": w["market"], "horizon": "short_term", "gate_open_at": now,
                                      "gate_close_at": now + 3600, "delivery_start": quarter(now + 7200),
                                      "delivery_end": quarter(now + 7200) + 3600})


def bid_terms(w: World, version: int = 2) -> dict:
    return {"version": version, "bidding_unit_id": w["unit"], "divisible": False, "price_per_mwh": 100_000_000,
            "intervals": [{"start": w["st_start"], "quantity_wh": 20_000}]}


def signed_bid(w: World, api, terms: dict | None = None) -> dict:
    """A bid for the published request, its typed data from the service, signed here with eth-account."""
    terms = terms or bid_terms(w)
    fsp = w.actors["fsp"].account
    prepared = api("fsp").post(f"{V}/requests/{w['req_published']}/bids/typed-data",
                               json={"terms": terms, "signer": fsp.address})
    assert prepared.status_code == 200, prepared.json
    signatures = {}
    for leg in prepared.json["legs"]:
        typed = leg["typed_data"]
        message = dict(typed["message"])
        message["terms"] = bytes.fromhex(message["terms"][2:])
        signed = Account.sign_typed_data(fsp.key, typed["domain"], _BID_TYPES, message)
        signatures[leg["leg"]] = "0x" + bytes(signed.signature).hex()
    return {"terms": terms, "signer": fsp.address, "signatures": signatures}


LIMITATIONS_XML = (b'<?xml version="1.0"?><limitations xmlns="urn:flexmarket:request:1"><limitation>'
                   b"<bidding_unit_id>{unit}</bidding_unit_id><max_power_w>2000</max_power_w>"
                   b"<valid_from>0</valid_from><reason>works on the feeder</reason></limitation></limitations>")

MARKET_MATRIX = {
    # catalogue and calendar
    "GET /api/v1/products": (lambda w, a, api: Req(f"{V}/products"), EVERYONE),
    "POST /api/v1/products": (lambda w, a, api: Req(f"{V}/products", json={
        "code": "ENG_ST_UP_30MIN", "name": "ENG ST UP 30 MIN", "category": "st_energy", "direction": "up",
        "block": "15min"}), OPERATOR_201),
    "PATCH /api/v1/products/<id:product_id>": (lambda w, a, api: Req(f"{V}/products/{w['product_st']}", json={
        "price_step": 1_000_000}), OPERATOR_200),
    "GET /api/v1/markets": (lambda w, a, api: Req(f"{V}/markets"), EVERYONE),
    "POST /api/v1/markets": (lambda w, a, api: Req(f"{V}/markets", json={
        "name": "LV feeder market", "grid_element_id": w["dso_lv_feeder"], "valid_from": 0,
        "valid_until": 4_000_000_000, "product_ids": [w["product_st"]]}), DSO_201),
    "GET /api/v1/markets/<id:market_id>": (lambda w, a, api: Req(f"{V}/markets/{w['market']}"), EVERYONE),
    "POST /api/v1/markets/<id:market_id>/flexibility-needs": (lambda w, a, api: Req(
        f"{V}/markets/{w['market']}/flexibility-needs", json={"product_id": w["product_st"],
                                                             "price_cap_per_mwh": 100_000_000, "intervals": [
                                                                 {"start": w["st_start"], "quantity_wh": 40_000}]}),
        DSO_201),
    "GET /api/v1/sessions": (lambda w, a, api: Req(f"{V}/sessions"), EVERYONE),
    "POST /api/v1/sessions": (_session, DSO_201),
    "GET /api/v1/sessions/<id:session_id>": (lambda w, a, api: Req(f"{V}/sessions/{w['session_st_open']}"),
                                              EVERYONE),
    "POST /api/v1/sessions/<id:session_id>/close-gate": (
        lambda w, a, api: Req(f"{V}/sessions/{w['session_due']}/close-gate"), OPERATOR_200),
    "GET /api/v1/sessions/<id:session_id>/results": (
        lambda w, a, api: Req(f"{V}/sessions/{w['session_done']}/results"), EVERYONE),
    # requests
    "POST /api/v1/requests": (lambda w, a, api: Req(f"{V}/requests", json=request_body(w)), DSO_201),
    "POST /api/v1/requests/upload": (_upload, DSO_201),
    "GET /api/v1/requests": (lambda w, a, api: Req(f"{V}/requests"), EVERYONE),
    "GET /api/v1/requests/offer-counts": (lambda w, a, api: Req(f"{V}/requests/offer-counts"),
                                          cells(401, 200, 200, 403, 403, 403, 403)),
    "GET /api/v1/requests/<id:request_id>": (lambda w, a, api: Req(f"{V}/requests/{w['req_published']}"), EVERYONE),
    "POST /api/v1/requests/<id:request_id>/validate": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_submitted']}/validate"), OPERATOR_200),
    "POST /api/v1/requests/<id:request_id>/reject": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_submitted']}/reject", json={"reason": "wrong feeder"}),
        OPERATOR_200),
    "GET /api/v1/requests/<id:request_id>/escrow": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_validated']}/escrow"), DSO_200),
    "POST /api/v1/requests/<id:request_id>/publish": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_validated']}/publish", json={"tx_hash": "0x" + "ab" * 32}),
        cells(401, 403, 422, 403, 403, 403, 403)),
    "POST /api/v1/requests/<id:request_id>/cancel": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_submitted']}/cancel"), cells(401, 200, 200, 403, 403, 403, 403)),
    "POST /api/v1/requests/<id:request_id>/documents": (lambda w, a, api: Req(
        f"{V}/requests/{w['req_submitted']}/documents", data={"file": (io.BytesIO(payloads.PDF), "study.pdf")},
        content_type="multipart/form-data"), DSO_201),
    "GET /api/v1/requests/<id:request_id>/documents/<id:document_id>": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_published']}/documents/{w['request_document']}"), EVERYONE),
    "POST /api/v1/requests/<id:request_id>/pick": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_closed']}/pick", json={"bid_ids": [w["bid_closed"]]}),
        cells(401, 403, 409, 403, 403, 403, 403)),
    "POST /api/v1/requests/<id:request_id>/awarded": (
        lambda w, a, api: Req(f"{V}/requests/{w['req_awarded']}/awarded", json={"tx_hash": "0x" + "ab" * 32}),
        cells(401, 403, 409, 403, 403, 403, 403)),
    # qualification and limitations
    "POST /api/v1/requests/<id:request_id>/qualifications": (lambda w, a, api: Req(
        f"{V}/requests/{w['req_lt']}/qualifications", json={"asset_id": w["asset_b"], "qualified_power_w": 8_000}),
        FSP_201),
    "GET /api/v1/qualifications": (lambda w, a, api: Req(f"{V}/qualifications"), TRADERS_READ),
    "GET /api/v1/qualifications/<id:qualification_id>": (
        lambda w, a, api: Req(f"{V}/qualifications/{w['qualification']}"), TRADERS_READ),
    "POST /api/v1/qualifications/<id:qualification_id>/dso-review": (lambda w, a, api: Req(
        f"{V}/qualifications/{w['qualification']}/dso-review", json={"decision": "accepted"}), DSO_200),
    "POST /api/v1/qualifications/<id:qualification_id>/operator-review": (lambda w, a, api: Req(
        f"{V}/qualifications/{w['qualification']}/operator-review",
        json={"decision": "rejected", "reason": "no guarantee on chain"}), OPERATOR_200),
    "POST /api/v1/limitations": (lambda w, a, api: Req(f"{V}/limitations", json={"items": [
        {"bidding_unit_id": w["unit"], "max_power_w": 1_000, "valid_from": 0, "reason": "works"}]}), DSO_201),
    "POST /api/v1/limitations/upload": (lambda w, a, api: Req(f"{V}/limitations/upload", data={"file": (
        io.BytesIO(LIMITATIONS_XML.replace(b"{unit}", str(w["unit"]).encode())), "limits.xml")},
        content_type="multipart/form-data"), DSO_201),
    "GET /api/v1/limitations": (lambda w, a, api: Req(f"{V}/limitations"), TRADERS_READ),
    "DELETE /api/v1/limitations/<id:limitation_id>": (
        lambda w, a, api: Req(f"{V}/limitations/{w['limitation']}"), DSO_200),
    # bids
    "POST /api/v1/requests/<id:request_id>/bids/typed-data": (lambda w, a, api: Req(
        f"{V}/requests/{w['req_published']}/bids/typed-data",
        json={"terms": bid_terms(w), "signer": w.actors["fsp"].account.address}), FSP_200),
    "POST /api/v1/requests/<id:request_id>/bids": (lambda w, a, api: Req(
        f"{V}/requests/{w['req_published']}/bids", json=signed_bid(w, api)), FSP_201),
    "GET /api/v1/bids": (lambda w, a, api: Req(f"{V}/bids"), TRADERS_READ),
    "GET /api/v1/bids/<id:bid_id>": (lambda w, a, api: Req(f"{V}/bids/{w['bid_open']}"),
                                      cells(401, 404, 404, 200, 200, 403, 403)),
    "POST /api/v1/bids/<id:bid_id>/withdraw": (lambda w, a, api: Req(f"{V}/bids/{w['bid_open']}/withdraw"), FSP_200),
    # results, agreements, activations
    "GET /api/v1/results/history": (lambda w, a, api: Req(f"{V}/results/history"), EVERYONE),
    "GET /api/v1/results/schedules": (lambda w, a, api: Req(f"{V}/results/schedules"), TRADERS_READ),
    "GET /api/v1/trades": (lambda w, a, api: Req(f"{V}/trades"), TRADERS_READ),
    "GET /api/v1/agreements": (lambda w, a, api: Req(f"{V}/agreements"), WITH_ORACLE_READ),
    "GET /api/v1/agreements/<id:agreement_pk>": (lambda w, a, api: Req(f"{V}/agreements/{w['agreement']}"),
                                                  WITH_ORACLE_READ),
    "POST /api/v1/agreements/<id:agreement_pk>/activations": (lambda w, a, api: Req(
        f"{V}/agreements/{w['agreement']}/activations",
        json={"intervals": [{"start": w["lt_start"] + 900, "quantity_wh": 2_000}]}), DSO_201),
    "GET /api/v1/activations": (lambda w, a, api: Req(f"{V}/activations"), WITH_ORACLE_READ),
    "GET /api/v1/activations/<id:activation_id>": (lambda w, a, api: Req(f"{V}/activations/{w['activation']}"),
                                                    WITH_ORACLE_READ),
    "POST /api/v1/activations/<id:activation_id>/cancel": (
        lambda w, a, api: Req(f"{V}/activations/{w['activation']}/cancel"), DSO_200),
    # notifications and webhooks
    "GET /api/v1/notifications": (lambda w, a, api: Req(f"{V}/notifications"), MEMBERS),
    "POST /api/v1/notifications/<id:notification_id>/read": (
        lambda w, a, api: Req(f"{V}/notifications/{w['notification']}/read"), FSP_OWN),
    "POST /api/v1/notifications/read-all": (lambda w, a, api: Req(f"{V}/notifications/read-all"), MEMBERS),
    "GET /api/v1/webhooks": (lambda w, a, api: Req(f"{V}/webhooks"), MEMBERS),
    "POST /api/v1/webhooks": (lambda w, a, api: Req(f"{V}/webhooks", json={
        "url": "https://example.org/flex", "events": ["request.published"]}), cells(401, 201, 201, 201, 403, 201, 403)),
    "DELETE /api/v1/webhooks/<id:webhook_id>": (lambda w, a, api: Req(f"{V}/webhooks/{w['webhook']}"),
                                                 cells(401, 404, 404, 200, 403, 404, 403)),
    "GET /api/v1/webhooks/<id:webhook_id>/deliveries": (
        lambda w, a, api: Req(f"{V}/webhooks/{w['webhook']}/deliveries"), FSP_OWN),
}

"""Bad-input rows of the market's routes (merged into ``test_bad_input.TABLE``): each request
must be refused with the given 4xx and stable code — never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account

from marketplace.models.base import now_s
from tests.api import payloads
from tests.api.market_matrix import bid_terms, request_body, signed_bid

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


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def R(method: str, path: str, json: Any = None, **kw) -> Callable:
    return lambda c: Req(method, path.format(**c.w.ids), json=_fill(json, c.w.ids), **kw)


def _req(**over) -> Callable:
    def build(c) -> Req:
        body = {**request_body(c.w), **_fill(over, c.w.ids)}
        for k in [k for k, v in body.items() if v is ...]:
            body.pop(k)
        return Req("POST", f"{V}/requests", json=body)

    return build


def _file(path: str, name: str, content: bytes) -> Callable:
    return lambda c: Req("POST", path.format(**c.w.ids), data={"file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data")


XML_REQUEST = (b'<?xml version="1.0"?><flex_request xmlns="urn:flexmarket:request:1">'
               b"<session_id>{s}</session_id><product>ENG_ST_UP_15MIN</product>"
               b"<price_cap_per_mwh>ten</price_cap_per_mwh></flex_request>")
XML_BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><flex_request>&lol;</flex_request>')


def _xml_request(content: bytes) -> Callable:
    return lambda c: Req("POST", f"{V}/requests/upload", data={
        "file": (io.BytesIO(content.replace(b"{s}", str(c.w["session_st_open"]).encode())), "request.xml")},
        content_type="multipart/form-data")


def _bid(mutate: Callable[[dict], None], *, terms: Callable | None = None) -> Callable:
    def build(c) -> Req:
        body = signed_bid(c.w, c.api, None if terms is None else terms(c.w))
        mutate(body)
        return Req("POST", f"{V}/requests/{c.w['req_published']}/bids", json=body)

    return build


def _forged(body: dict) -> None:
    body["signatures"]["energy"] = "0x" + "11" * 65


def _other_signer(body: dict) -> None:
    body["signer"] = Account.create().address


def _bumped_price(body: dict) -> None:
    body["terms"]["price_per_mwh"] += 10_000_000  # signed at another price


def _replayed(c) -> Req:
    body = signed_bid(c.w, c.api)
    first = c.api("fsp").post(f"{V}/requests/{c.w['req_published']}/bids", json=body)
    assert first.status_code == 201, first.json
    return Req("POST", f"{V}/requests/{c.w['req_published']}/bids", json=body)


def _session(**over) -> Callable:
    def build(c) -> Req:
        now = now_s()
        start = now - now % 900 + 7200
        body = {"market_id": c.w["market"], "horizon": "short_term", "gate_open_at": now, "gate_close_at": now + 3600,
                "delivery_start": start, "delivery_end": start + 3600, **over}
        return Req("POST", f"{V}/sessions", json=_fill(body, c.w.ids))

    return build


MARKET_TABLE: dict[str, list[tuple[str, str, Callable, int, str]]] = {
    "GET /api/v1/products": [
        ("unknown parameter", "anon", R("GET", f"{V}/products?x=1"), 400, "unknown_parameter"),
        ("unknown category", "anon", R("GET", f"{V}/products?category=reserve"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/products": [
        ("existing code", "operator", R("POST", f"{V}/products", json={
            "code": "ENG_ST_UP_15MIN", "name": "x", "category": "st_energy", "direction": "up", "block": "15min"}),
         409, "duplicate_code"),
        ("min above max power", "operator", R("POST", f"{V}/products", json={
            "code": "X1", "name": "x", "category": "st_energy", "direction": "up", "block": "15min",
            "min_power_w": 10, "max_power_w": 1}), 422, "invalid_input"),
        ("price step as a float", "operator", R("POST", f"{V}/products", json={
            "code": "X2", "name": "x", "category": "st_energy", "direction": "up", "block": "15min",
            "price_step": 0.01}), 422, "invalid_input"),
    ],
    "PATCH /api/v1/products/<id:product_id>": [
        ("unknown product", "operator", R("PATCH", f"{V}/products/999999", json={"price_step": 1}), 404, "not_found"),
        ("removing a limit", "operator", R("PATCH", f"{V}/products/{{product_st}}", json={"max_power_w": None}), 422,
         "invalid_input"),
        ("limits out of order", "operator", R("PATCH", f"{V}/products/{{product_st}}", json={"min_power_w": 10**9}),
         422, "invalid_limits"),
    ],
    "GET /api/v1/markets": [("limit 0", "anon", R("GET", f"{V}/markets?limit=0"), 400, "invalid_parameter")],
    "POST /api/v1/markets": [
        ("another DSO's element", "dso", R("POST", f"{V}/markets", json={
            "name": "M", "grid_element_id": "{dso2_lv_feeder}", "valid_from": 0, "valid_until": 10,
            "product_ids": ["{product_st}"]}), 422, "invalid_reference"),
        ("element and zone", "dso", R("POST", f"{V}/markets", json={
            "name": "M", "grid_element_id": "{dso_lv_feeder}", "zone_id": "{dso_zone}", "valid_from": 0,
            "valid_until": 10, "product_ids": ["{product_st}"]}), 422, "invalid_input"),
        ("unknown product", "dso", R("POST", f"{V}/markets", json={
            "name": "M", "grid_element_id": "{dso_lv_feeder}", "valid_from": 0, "valid_until": 10,
            "product_ids": [999999]}), 422, "invalid_reference"),
        ("name taken", "dso", R("POST", f"{V}/markets", json={
            "name": "Trafo A11", "grid_element_id": "{dso_lv_feeder}", "valid_from": 0, "valid_until": 10,
            "product_ids": ["{product_st}"]}), 409, "duplicate_name"),
    ],
    "GET /api/v1/markets/<id:market_id>": [("unknown market", "anon", R("GET", f"{V}/markets/999999"), 404,
                                             "not_found")],
    "POST /api/v1/markets/<id:market_id>/flexibility-needs": [
        ("another DSO's market", "dso2", R("POST", f"{V}/markets/{{market}}/flexibility-needs", json={
            "product_id": "{product_st}", "price_cap_per_mwh": 1, "intervals": [{"start": 900, "quantity_wh": 1}]}),
         404, "not_found"),
        ("a long-term product", "dso", R("POST", f"{V}/markets/{{market}}/flexibility-needs", json={
            "product_id": "{product_lt}", "price_cap_per_mwh": 1, "intervals": [{"start": 900, "quantity_wh": 1}]}),
         422, "invalid_reference"),
        ("interval off the quarter-hour", "dso", R("POST", f"{V}/markets/{{market}}/flexibility-needs", json={
            "product_id": "{product_st}", "price_cap_per_mwh": 1, "intervals": [{"start": 901, "quantity_wh": 1}]}),
         422, "invalid_input"),
    ],
    "GET /api/v1/sessions": [
        ("from not a number", "anon", R("GET", f"{V}/sessions?from=today"), 400, "invalid_parameter"),
        ("unknown status", "anon", R("GET", f"{V}/sessions?status=sleeping"), 400, "invalid_parameter"),
    ],
    "POST /api/v1/sessions": [
        ("gate closes after delivery starts", "dso", _session(gate_close_at=10**10), 422, "invalid_input"),
        ("another DSO's market", "dso2", _session(), 422, "invalid_reference"),
        ("gate in the past", "dso", _session(gate_open_at=1, gate_close_at=2), 422, "gate_in_past"),
        ("delivery off the quarter-hour", "dso", _session(delivery_start=now_s() - now_s() % 900 + 7201), 422,
         "invalid_input"),
    ],
    "GET /api/v1/sessions/<id:session_id>": [("unknown session", "anon", R("GET", f"{V}/sessions/999999"), 404,
                                               "not_found")],
    "POST /api/v1/sessions/<id:session_id>/close-gate": [
        ("gate still open", "operator", R("POST", f"{V}/sessions/{{session_st_open}}/close-gate"), 409, "gate_open"),
        ("unknown session", "operator", R("POST", f"{V}/sessions/999999/close-gate"), 404, "not_found"),
    ],
    "GET /api/v1/sessions/<id:session_id>/results": [
        ("unknown format", "anon", R("GET", f"{V}/sessions/{{session_done}}/results?format=xlsx"), 400,
         "invalid_parameter"),
        ("unknown session", "anon", R("GET", f"{V}/sessions/999999/results"), 404, "not_found"),
    ],
    "POST /api/v1/requests": [
        ("missing cap", "dso", _req(price_cap_per_mwh=...), 422, "invalid_input"),
        ("cap as text", "dso", _req(price_cap_per_mwh="100"), 422, "invalid_input"),
        ("window and intervals", "dso", _req(service_window={"start_date": "2030-01-01", "end_date": "2030-01-01",
                                                             "start_period_s": 0, "end_period_s": 3600}), 422,
         "invalid_input"),
        ("unknown product", "dso", _req(product="NOPE"), 422, "invalid_reference"),
        ("another DSO's session", "dso2", _req(), 422, "invalid_reference"),
        ("outside the delivery period", "dso", lambda c: _req(intervals=[
            {"start": c.w["st_start"] - 86_400, "quantity_wh": 1_000}])(c), 422, "outside_delivery_period"),
        ("a long-term product in a short-term session", "dso", _req(product="PWR_LT_UP_WEEKLY"), 422,
         "product_not_in_session"),
        ("a product the market does not trade", "dso", _req(product="ENG_ST_DOWN_15MIN"), 422,
         "product_not_in_market"),
        ("another DSO's zone", "dso", _req(zone_id="{dso2_zone}"), 422, "invalid_reference"),
        ("same interval twice", "dso", lambda c: _req(intervals=[
            {"start": c.w["st_start"], "quantity_wh": 1_000}, {"start": c.w["st_start"], "quantity_wh": 1_000}])(c),
         422, "duplicate_interval"),
        ("malformed JSON", "dso", R("POST", f"{V}/requests", data=b'{"session_id": ', content_type="application/json"),
         400, "malformed_json"),
    ],
    "POST /api/v1/requests/upload": [
        ("a .txt file", "dso", _file(f"{V}/requests/upload", "request.txt", b"hello"), 415, "unsupported_file_type"),
        ("XML with a text integer", "dso", _xml_request(XML_REQUEST), 422, "invalid_file"),
        ("XML with entities", "dso", _xml_request(XML_BOMB), 422, "invalid_file"),
        ("XML that does not parse", "dso", _file(f"{V}/requests/upload", "r.xml", b"<flex_request><a>"), 422,
         "invalid_file"),
        ("JSON missing fields", "dso", _file(f"{V}/requests/upload", "r.json", b'{"product": "X"}'), 422,
         "invalid_input"),
        ("no file", "dso", R("POST", f"{V}/requests/upload", data={"other": "x"}, content_type="multipart/form-data"),
         422, "invalid_input"),
    ],
    "GET /api/v1/requests": [("unknown status", "anon", R("GET", f"{V}/requests?status=maybe"), 400,
                              "invalid_parameter")],
    "GET /api/v1/requests/offer-counts": [
        ("unknown parameter", "dso", R("GET", f"{V}/requests/offer-counts?status=open"), 400, "unknown_parameter"),
        ("request id not a number", "dso", R("GET", f"{V}/requests/offer-counts?request_id=x"), 400,
         "invalid_parameter"),
    ],
    "GET /api/v1/requests/<id:request_id>": [
        ("not published, another DSO", "dso2", R("GET", f"{V}/requests/{{req_submitted}}"), 404, "not_found"),
        ("not published, anonymous", "anon", R("GET", f"{V}/requests/{{req_submitted}}"), 404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/validate": [
        ("already published", "operator", R("POST", f"{V}/requests/{{req_published}}/validate"), 409, "not_submitted"),
        ("unknown request", "operator", R("POST", f"{V}/requests/999999/validate"), 404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/reject": [
        ("no reason", "operator", R("POST", f"{V}/requests/{{req_submitted}}/reject", json={}), 422, "invalid_input"),
        ("already published", "operator", R("POST", f"{V}/requests/{{req_published}}/reject", json={"reason": "x"}),
         409, "not_submitted"),
    ],
    "GET /api/v1/requests/<id:request_id>/escrow": [
        ("not validated", "dso", R("GET", f"{V}/requests/{{req_submitted}}/escrow"), 409, "not_validated"),
        ("another DSO's request", "dso2", R("GET", f"{V}/requests/{{req_validated}}/escrow"), 404, "not_found"),
        ("a wallet of no user", "dso", lambda c: Req("GET", f"{V}/requests/{c.w['req_validated']}/escrow?wallet="
                                                      f"{Account.create().address}"), 422, "invalid_reference"),
        ("wallet not an address", "dso", R("GET", f"{V}/requests/{{req_validated}}/escrow?wallet=0x12"), 400,
         "invalid_parameter"),
    ],
    "POST /api/v1/requests/<id:request_id>/publish": [
        ("hash too short", "dso", R("POST", f"{V}/requests/{{req_validated}}/publish", json={"tx_hash": "0x12"}), 422,
         "invalid_input"),
        ("unknown transaction", "dso", R("POST", f"{V}/requests/{{req_validated}}/publish",
                                          json={"tx_hash": "0x" + "cd" * 32}), 422, "unknown_transaction"),
        ("already published", "dso", R("POST", f"{V}/requests/{{req_published}}/publish",
                                        json={"tx_hash": "0x" + "cd" * 32}), 409, "not_validated"),
    ],
    "POST /api/v1/requests/<id:request_id>/cancel": [
        ("gate closed", "dso", R("POST", f"{V}/requests/{{req_closed}}/cancel"), 409, "not_cancellable"),
        ("another DSO's request", "dso2", R("POST", f"{V}/requests/{{req_submitted}}/cancel"), 404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/documents": [
        ("a .txt file", "dso", _file(f"{V}/requests/{{req_submitted}}/documents", "notes.txt", b"x"), 415,
         "unsupported_document_type"),
        ("PDF name, text content", "dso", _file(f"{V}/requests/{{req_submitted}}/documents", "a.pdf", b"text"), 422,
         "document_content_mismatch"),
        ("after gate closure", "dso", _file(f"{V}/requests/{{req_closed}}/documents", "a.pdf", payloads.PDF), 409,
         "request_closed"),
    ],
    "GET /api/v1/requests/<id:request_id>/documents/<id:document_id>": [
        ("document of another request", "anon", R("GET", f"{V}/requests/{{req_lt}}/documents/{{request_document}}"),
         404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/pick": [
        ("not a manual-pick session", "dso", R("POST", f"{V}/requests/{{req_published}}/pick",
                                                json={"bid_ids": ["{bid_open}"]}), 409, "not_manual_pick"),
        ("no offers", "dso", R("POST", f"{V}/requests/{{req_closed}}/pick", json={"bid_ids": []}), 422,
         "invalid_input"),
        ("by a third party", "dso", R("POST", f"{V}/requests/{{req_closed}}/pick",
                                      json={"bid_ids": ["{bid_closed}"], "by": "friend"}), 422, "invalid_input"),
    ],
    "POST /api/v1/requests/<id:request_id>/awarded": [
        ("hash not hex", "dso", R("POST", f"{V}/requests/{{req_closed}}/awarded", json={"tx_hash": "0x" + "zz" * 32}),
         422, "invalid_input"),
        ("unknown transaction", "dso", R("POST", f"{V}/requests/{{req_closed}}/awarded",
                                          json={"tx_hash": "0x" + "cd" * 32}), 422, "unknown_transaction"),
    ],
    "POST /api/v1/requests/<id:request_id>/qualifications": [
        ("above the asset's capacity", "fsp", R("POST", f"{V}/requests/{{req_lt}}/qualifications", json={
            "asset_id": "{asset_b}", "qualified_power_w": 8_001}), 422, "above_capacity"),
        ("asset not prequalified", "fsp", R("POST", f"{V}/requests/{{req_lt}}/qualifications", json={
            "asset_id": "{asset}", "qualified_power_w": 1_000}), 422, "not_prequalified"),
        ("another FSP's asset", "fsp", R("POST", f"{V}/requests/{{req_lt}}/qualifications", json={
            "asset_id": "{asset2}", "qualified_power_w": 1_000}), 422, "invalid_reference"),
        ("a short-term auction", "fsp", R("POST", f"{V}/requests/{{req_published}}/qualifications", json={
            "asset_id": "{asset_b}", "qualified_power_w": 1_000}), 409, "automatic_qualification"),
        ("zero power", "fsp", R("POST", f"{V}/requests/{{req_lt}}/qualifications", json={
            "asset_id": "{asset_b}", "qualified_power_w": 0}), 422, "invalid_input"),
    ],
    "GET /api/v1/qualifications": [("unknown status", "fsp", R("GET", f"{V}/qualifications?status=x"), 400,
                                    "invalid_parameter")],
    "GET /api/v1/qualifications/<id:qualification_id>": [
        ("another FSP's", "fsp2", R("GET", f"{V}/qualifications/{{qualification}}"), 404, "not_found"),
    ],
    "POST /api/v1/qualifications/<id:qualification_id>/dso-review": [
        ("rejection without a reason", "dso", R("POST", f"{V}/qualifications/{{qualification}}/dso-review",
                                                json={"decision": "rejected"}), 422, "invalid_input"),
        ("another DSO", "dso2", R("POST", f"{V}/qualifications/{{qualification}}/dso-review",
                                  json={"decision": "accepted"}), 404, "not_found"),
    ],
    "POST /api/v1/qualifications/<id:qualification_id>/operator-review": [
        ("no guarantee deposited", "operator", R("POST", f"{V}/qualifications/{{qualification}}/operator-review",
                                                 json={"decision": "accepted"}), 409, "guarantee_missing"),
        ("unknown decision", "operator", R("POST", f"{V}/qualifications/{{qualification}}/operator-review",
                                           json={"decision": "maybe"}), 422, "invalid_input"),
    ],
    "POST /api/v1/limitations": [
        ("a unit on another DSO's grid", "dso2", R("POST", f"{V}/limitations", json={"items": [
            {"bidding_unit_id": "{unit}", "max_power_w": 1, "valid_from": 0, "reason": "x"}]}), 422,
         "invalid_reference"),
        ("no items", "dso", R("POST", f"{V}/limitations", json={"items": []}), 422, "invalid_input"),
        ("ends before it starts", "dso", R("POST", f"{V}/limitations", json={"items": [
            {"bidding_unit_id": "{unit}", "max_power_w": 1, "valid_from": 10, "valid_until": 5, "reason": "x"}]}),
         422, "invalid_input"),
    ],
    "POST /api/v1/limitations/upload": [
        ("unknown element", "dso", _file(f"{V}/limitations/upload", "l.xml",
                                         b"<limitations><limitation><colour>red</colour></limitation></limitations>"),
         422, "invalid_file"),
        ("wrong root", "dso", _file(f"{V}/limitations/upload", "l.xml", b"<limits/>"), 422, "invalid_file"),
    ],
    "GET /api/v1/limitations": [("limit not a number", "dso", R("GET", f"{V}/limitations?limit=x"), 400,
                                 "invalid_parameter")],
    "DELETE /api/v1/limitations/<id:limitation_id>": [
        ("another DSO's", "dso2", R("DELETE", f"{V}/limitations/{{limitation}}"), 404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/bids/typed-data": [
        ("another FSP's unit", "fsp2", lambda c: Req("POST", f"{V}/requests/{c.w['req_published']}/bids/typed-data",
                                                     json={"terms": bid_terms(c.w)}), 422, "invalid_reference"),
        ("a wallet of another participant", "fsp", lambda c: Req(
            "POST", f"{V}/requests/{c.w['req_published']}/bids/typed-data",
            json={"terms": bid_terms(c.w), "signer": c.w.actors["fsp2"].account.address}), 422,
         "signer_not_authorized"),
        ("intervals and capacity", "fsp", lambda c: Req(
            "POST", f"{V}/requests/{c.w['req_published']}/bids/typed-data",
            json={"terms": {**bid_terms(c.w), "capacity_w": 4}}), 422, "invalid_input"),
        ("gate closed", "fsp", lambda c: Req("POST", f"{V}/requests/{c.w['req_closed']}/bids/typed-data",
                                             json={"terms": bid_terms(c.w)}), 409, "gate_closed"),
        ("unpublished request", "fsp", lambda c: Req("POST", f"{V}/requests/{c.w['req_submitted']}/bids/typed-data",
                                                     json={"terms": bid_terms(c.w)}), 404, "not_found"),
    ],
    "POST /api/v1/requests/<id:request_id>/bids": [
        ("forged signature", "fsp", _bid(_forged), 422, "invalid_signature"),
        ("signed by another key", "fsp", _bid(_other_signer), 422, "signer_not_authorized"),
        ("terms changed after signing", "fsp", _bid(_bumped_price), 422, "invalid_signature"),
        ("replayed (the same signed version again)", "fsp", _replayed, 409, "stale_version"),
        ("an old version", "fsp", _bid(lambda b: None, terms=lambda w: bid_terms(w, version=1)), 409, "stale_version"),
        ("a leg missing", "fsp", _bid(lambda b: b["signatures"].clear() or b["signatures"].update(
            {"availability": "0x" + "11" * 65})), 422, "invalid_signature"),
        ("after gate closure", "fsp", lambda c: Req("POST", f"{V}/requests/{c.w['req_closed']}/bids",
                                                    json=signed_bid(c.w, c.api)), 409, "gate_closed"),
    ],
    "GET /api/v1/bids": [("unknown status", "fsp", R("GET", f"{V}/bids?status=won"), 400, "invalid_parameter")],
    "GET /api/v1/bids/<id:bid_id>": [
        ("another FSP's bid", "fsp2", R("GET", f"{V}/bids/{{bid_open}}"), 404, "not_found"),
        ("the DSO before results", "dso", R("GET", f"{V}/bids/{{bid_open}}"), 404, "not_found"),
    ],
    "POST /api/v1/bids/<id:bid_id>/withdraw": [
        ("another FSP's bid", "fsp2", R("POST", f"{V}/bids/{{bid_open}}/withdraw"), 404, "not_found"),
        ("after gate closure", "fsp", R("POST", f"{V}/bids/{{bid_closed}}/withdraw"), 409, "gate_closed"),
        ("withdrawn twice", "fsp", lambda c: (c.api("fsp").post(f"{V}/bids/{c.w['bid_open']}/withdraw"),
                                              Req("POST", f"{V}/bids/{c.w['bid_open']}/withdraw"))[1], 409,
         "not_active"),
    ],
    "GET /api/v1/results/history": [
        ("14 days is fine, 10 is not", "anon", R("GET", f"{V}/results/history?days=10"), 400, "invalid_parameter"),
        ("not a date", "anon", R("GET", f"{V}/results/history?date=yesterday"), 400, "invalid_parameter"),
    ],
    "GET /api/v1/results/schedules": [("unknown format", "dso", R("GET", f"{V}/results/schedules?format=pdf"), 400,
                                       "invalid_parameter")],
    "GET /api/v1/trades": [
        ("unknown type", "fsp", R("GET", f"{V}/trades?type=swap"), 400, "invalid_parameter"),
        ("limit too high", "fsp", R("GET", f"{V}/trades?limit=100000"), 400, "invalid_parameter"),
    ],
    "GET /api/v1/agreements": [("unknown kind", "fsp", R("GET", f"{V}/agreements?kind=gift"), 400,
                                "invalid_parameter")],
    "GET /api/v1/agreements/<id:agreement_pk>": [
        ("another FSP's agreement", "fsp2", R("GET", f"{V}/agreements/{{agreement}}"), 404, "not_found"),
    ],
    "POST /api/v1/agreements/<id:agreement_pk>/activations": [
        ("outside the service window", "dso", lambda c: Req(
            "POST", f"{V}/agreements/{c.w['agreement']}/activations",
            json={"intervals": [{"start": c.w["lt_start"] - 900, "quantity_wh": 1_000}]}), 422,
         "outside_service_window"),
        ("above the contracted capacity", "dso", lambda c: Req(
            "POST", f"{V}/agreements/{c.w['agreement']}/activations",
            json={"intervals": [{"start": c.w["lt_start"] + 900, "quantity_wh": 2_001}]}), 422, "above_capacity"),
        ("not one block", "dso", lambda c: Req(
            "POST", f"{V}/agreements/{c.w['agreement']}/activations",
            json={"intervals": [{"start": c.w["lt_start"] + 900, "quantity_wh": 1},
                                {"start": c.w["lt_start"] + 2700, "quantity_wh": 1}]}), 422, "not_contiguous"),
        ("overlapping the last one", "dso", lambda c: Req(
            "POST", f"{V}/agreements/{c.w['agreement']}/activations",
            json={"intervals": [{"start": c.w["lt_start"], "quantity_wh": 1}]}), 409, "overlapping_activation"),
        ("another DSO's agreement", "dso2", lambda c: Req(
            "POST", f"{V}/agreements/{c.w['agreement']}/activations",
            json={"intervals": [{"start": c.w["lt_start"] + 900, "quantity_wh": 1}]}), 404, "not_found"),
    ],
    "GET /api/v1/activations": [("from after nothing", "dso", R("GET", f"{V}/activations?from=x"), 400,
                                 "invalid_parameter")],
    "GET /api/v1/activations/<id:activation_id>": [
        ("another FSP's", "fsp2", R("GET", f"{V}/activations/{{activation}}"), 404, "not_found"),
    ],
    "POST /api/v1/activations/<id:activation_id>/cancel": [
        ("cancelled twice", "dso", lambda c: (c.api("dso").post(f"{V}/activations/{c.w['activation']}/cancel"),
                                              Req("POST", f"{V}/activations/{c.w['activation']}/cancel"))[1], 409,
         "not_cancellable"),
        ("another DSO's", "dso2", R("POST", f"{V}/activations/{{activation}}/cancel"), 404, "not_found"),
    ],
    "GET /api/v1/notifications": [("unread not a boolean", "fsp", R("GET", f"{V}/notifications?unread=perhaps"), 400,
                                   "invalid_parameter")],
    "POST /api/v1/notifications/<id:notification_id>/read": [
        ("another participant's", "dso", R("POST", f"{V}/notifications/{{notification}}/read"), 404, "not_found"),
    ],
    "POST /api/v1/notifications/read-all": [
        ("unknown parameter", "fsp", R("POST", f"{V}/notifications/read-all?x=1"), 400, "unknown_parameter"),
    ],
    "GET /api/v1/webhooks": [("unknown parameter", "fsp", R("GET", f"{V}/webhooks?x=1"), 400, "unknown_parameter")],
    "POST /api/v1/webhooks": [
        ("not a URL", "fsp", R("POST", f"{V}/webhooks", json={"url": "ftp://x", "events": ["results.published"]}), 422,
         "invalid_input"),
        ("unknown event", "fsp", R("POST", f"{V}/webhooks", json={"url": "https://x.org", "events": ["everything"]}),
         422, "invalid_input"),
        ("read-only user", "fsp_ro", R("POST", f"{V}/webhooks", json={"url": "https://x.org",
                                                                      "events": ["results.published"]}), 403,
         "grant_too_low"),
    ],
    "DELETE /api/v1/webhooks/<id:webhook_id>": [
        ("deleted twice", "fsp", lambda c: (c.api("fsp").delete(f"{V}/webhooks/{c.w['webhook']}"),
                                            Req("DELETE", f"{V}/webhooks/{c.w['webhook']}"))[1], 409,
         "already_revoked"),
        ("another participant's", "dso", R("DELETE", f"{V}/webhooks/{{webhook}}"), 404, "not_found"),
    ],
    "GET /api/v1/webhooks/<id:webhook_id>/deliveries": [
        ("another participant's", "dso", R("GET", f"{V}/webhooks/{{webhook}}/deliveries"), 404, "not_found"),
    ],
}

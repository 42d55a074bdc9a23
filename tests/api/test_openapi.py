"""The OpenAPI 3.1 description and the docs page, generated from the route registry."""

from __future__ import annotations

import re

from marketplace.api import operations

V = "/api/v1"


def _refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value)
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _types(node, found):
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.add(node["type"])
        for value in node.values():
            _types(value, found)
    elif isinstance(node, list):
        for value in node:
            _types(value, found)
    return found


def test_every_route_is_described_with_its_access_and_errors(api):
    spec = api("anon").get(f"{V}/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    described = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    expected = {(op.method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.path)) for op in operations()}
    assert described == expected
    approve = spec["paths"]["/api/v1/participants/{participant_id}/approve"]["post"]
    assert approve["x-flexmarket-access"] == {"roles": ["market_operator"], "grant": "admin", "approved_only": True,
                                              "session_only": False}
    assert {"401", "403", "409", "422", "503"} <= set(approve["responses"])
    assert approve["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Approve"}
    bulk = spec["paths"]["/api/v1/assets/bulk"]["post"]["requestBody"]["content"]
    assert set(bulk) == {"application/json", "text/csv"} and "cs_connectors" in bulk["text/csv"]["schema"]["description"]
    params = {p["name"]: p for p in spec["paths"]["/api/v1/assets"]["get"]["parameters"]}
    assert {"limit", "after", "zone_id", "asset_type"} <= set(params) and params["limit"]["in"] == "query"
    assert spec["paths"]["/api/v1/health"]["get"]["security"] == [{}]


def test_every_reference_resolves_and_no_quantity_is_a_float(api):
    spec = api("anon").get(f"{V}/openapi.json").json
    schemas = spec["components"]["schemas"]
    for ref in _refs(spec, set()):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    assert "number" not in _types(spec, set())  # integers for W, Wh, s, base units
    asset = schemas["AssetIn"]["properties"]
    assert asset["active_export_w"]["type"] == "integer" and asset["voltage_level_v"]["enum"] == [400, 10000, 20000, 35000]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "details"}


def test_the_docs_page_is_self_contained(api):
    reply = api("anon").get(f"{V}/docs")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    assert "<script" not in page and not re.search(r'(src|href)="https?://', page)
    for op in operations():
        assert re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.path) in page
    assert "Access:" not in page or "market_operator" in page


def test_the_walkthroughs_signing_script_and_sign_up_body_work(api, world, tmp_path, monkeypatch):
    """docs/api.md's shell walk-through: its Python signing script and its sign-up JSON."""
    import contextlib
    import io
    import json
    import sys
    from pathlib import Path

    from eth_account import Account

    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    script = re.search(r"```python\n(# siwe_proof\.py.*?)```", doc, re.S).group(1)
    body = re.search(r"\$API/participants -H 'Content-Type: application/json' -d @- <<EOF\n(.*?)\nEOF", doc, re.S).group(1)
    newcomer = Account.create()
    nonce = api("anon").get(f"{V}/auth/nonce").json["nonce"]
    monkeypatch.setenv("KEY", newcomer.key.hex())
    monkeypatch.setattr(sys, "argv", ["siwe_proof.py", nonce, "localhost", "31337"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "siwe_proof.py", "exec"), {"__name__": "__main__"})
    proof = out.getvalue().strip()
    reply = api("anon").post(f"{V}/participants", data=body.replace("$PROOF", proof), content_type="application/json")
    assert reply.status_code == 201, reply.json
    assert reply.json["user"]["wallet_address"] == newcomer.address
    assert reply.json["participant"]["iban"] == "ES9121000418450200051332"
    # and the same script signs the user in
    nonce = api("anon").get(f"{V}/auth/nonce").json["nonce"]
    monkeypatch.setattr(sys, "argv", ["siwe_proof.py", nonce, "localhost", "31337"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "siwe_proof.py", "exec"), {"__name__": "__main__"})
    assert api("anon").post(f"{V}/auth/siwe", json=json.loads(out.getvalue())).status_code == 200

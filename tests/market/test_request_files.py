"""Request files: the JSON and XML examples of docs/market.md, uploaded as documented, give the
same request as the JSON body of ``POST /requests``; each file schema of docs/ matches what the
service reads (the JSON Schema is the request model's, the XSD names every field the XML reader
takes, with the same types and the same required fields)."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from marketplace.market import request_files
from marketplace.schemas.market import RequestIn
from tests.market import flow

pytestmark = pytest.mark.anvil

DOCS = Path(__file__).resolve().parents[2] / "docs"
XS = "{http://www.w3.org/2001/XMLSchema}"
SAME = ("product_id", "grid_element_id", "zone_id", "direction", "required_power_w", "min_bid_power_w",
        "price_cap_per_mwh", "min_activation_price_per_mwh", "availability_price_cap_per_mw_h", "service_window",
        "estimated_activation_hours", "commitment_mandatory", "minimal_lead_time_s", "additional_info", "total_wh",
        "delivery_start", "delivery_end", "intervals")


def examples() -> dict[str, str]:
    return dict(re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", (DOCS / "market.md").read_text(), re.S))


def test_the_documented_json_and_xml_files_give_the_same_request(api, mworld, chain_market):
    now = chain_market.chain.timestamp()
    m = flow.market(api, mworld, products=["PWR_LT_UP_WEEKLY"], name=f"files {now}")
    start = int(datetime(2030, 3, 4, tzinfo=UTC).timestamp())
    sess = api("dso").post("/sessions", 201, json={
        "market_id": m["id"], "horizon": "long_term", "gate_open_at": now + 3600, "gate_close_at": now + 7200,
        "delivery_start": start, "delivery_end": start + 7 * 86_400})
    found = examples()
    as_json = found["request.json"].replace('"session_id": 42', f'"session_id": {sess["id"]}')
    as_xml = found["request.xml"].replace("<session_id>42</session_id>", f"<session_id>{sess['id']}</session_id>")
    by_body = api("dso").post("/requests", 201, json=json.loads(as_json))
    uploads = [api("dso").post("/requests/upload", 201, data={"file": (io.BytesIO(text.encode()), name)},
                               content_type="multipart/form-data")
               for text, name in ((as_json, "request.json"), (as_xml, "request.xml"))]
    assert by_body["source"] == "api" and [u["source"] for u in uploads] == ["file", "file"]
    for upload in uploads:
        assert {k: upload[k] for k in SAME} == {k: by_body[k] for k in SAME}
    # 05:00-09:00 Madrid (UTC+1 in early March) on Monday to Friday, the 8th a bank holiday not served
    days = sorted({i["start"] // 86_400 for i in by_body["intervals"]})
    assert [datetime.fromtimestamp(d * 86_400, UTC).day for d in days] == [4, 5, 6, 7]
    assert by_body["intervals"][0]["start"] == start + 4 * 3600 and len(by_body["intervals"]) == 4 * 16
    assert {i["quantity_wh"] for i in by_body["intervals"]} == {100_000} and by_body["total_wh"] == 6_400_000
    # an XML file with another root, or a field the schema does not know, is refused with the place
    wrong = api("dso").post("/requests/upload", 422, data={"file": (io.BytesIO(
        as_xml.replace("<product>", "<colour>red</colour><product>").encode()), "r.xml")},
        content_type="multipart/form-data")
    assert wrong["code"] == "invalid_file" and wrong["details"]["loc"] == "flex_request.colour"


def _xsd_shape(schema: ET.Element, type_name: str) -> dict:
    types = {t.get("name"): t for t in schema.iter(f"{XS}complexType")}
    simple = {"xs:integer": int, "xs:string": str, "xs:boolean": bool}
    out = {}
    for element in types[type_name].find(f"{XS}all"):
        kind = element.get("type")
        if kind in simple:
            out[element.get("name")] = simple[kind]
            continue
        nested = types[kind]
        sequence = nested.find(f"{XS}sequence")
        if sequence is None:
            out[element.get("name")] = _xsd_shape(schema, kind)
        else:
            (item,) = sequence
            item_kind = item.get("type")
            out[element.get("name")] = (item.get("name"), simple.get(item_kind) or _xsd_shape(schema, item_kind))
    return out


def test_each_file_schema_matches_what_the_service_reads():
    schema = json.loads((DOCS / "request.schema.json").read_text())
    assert schema.pop("$schema").startswith("https://json-schema.org/") and schema.pop("$id") == "urn:flexmarket:request:1"
    assert schema == RequestIn.model_json_schema()  # regenerate docs/request.schema.json when the model changes
    xsd = ET.parse(DOCS / "request.xsd").getroot()
    assert xsd.get("targetNamespace") == "urn:flexmarket:request:1"
    assert _xsd_shape(xsd, "FlexRequest") == request_files.REQUEST
    assert set(request_files.REQUEST) == set(RequestIn.model_fields)
    required = {e.get("name") for e in xsd.find(f"{XS}complexType[@name='FlexRequest']").find(f"{XS}all")
                if e.get("minOccurs") != "0"}
    assert required == set(schema["required"])
    window = {e.get("name") for e in xsd.find(f"{XS}complexType[@name='ServiceWindow']").find(f"{XS}all")
              if e.get("minOccurs") != "0"}
    assert window == set(schema["$defs"]["ServiceWindowIn"]["required"])

"""Request and limitation files: JSON and XML, one schema each (docs/market.md, docs/request.xsd).

A JSON request file is exactly the body of ``POST /requests``; an XML one carries the same
fields as elements of the same names under ``<flex_request>`` (namespace
``urn:flexmarket:request:1`` optional): scalars as text, ``service_window`` as a nested element,
``intervals`` as repeated ``<interval><start/><quantity_wh/></interval>`` and
``bank_holidays`` as repeated ``<date>``. Integers are plain decimal digits, booleans
``true``/``false``. Limitations: JSON ``{"items": [...]}`` or XML ``<limitations>`` with
repeated ``<limitation>`` elements (the fields of ``POST /limitations``).

Both syntaxes end in the same pydantic model, so they are checked by one set of rules. XML
with a DTD or entities is refused (no entity expansion, nothing fetched).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from pydantic import BaseModel, ValidationError

from marketplace.domain.errors import InvalidInput, validation_error

_INT = re.compile(r"^-?[0-9]{1,20}$")

INTERVAL = {"start": int, "quantity_wh": int}
WINDOW = {"start_date": str, "end_date": str, "days": str, "start_period_s": int, "end_period_s": int,
          "timezone": str, "bank_holidays": ("date", str), "bank_holidays_included": bool}
REQUEST = {"session_id": int, "product": str, "grid_element_id": int, "zone_id": int, "required_power_w": int,
           "min_bid_power_w": int, "price_cap_per_mwh": int, "min_activation_price_per_mwh": int,
           "availability_price_cap_per_mw_h": int, "service_window": WINDOW, "intervals": ("interval", INTERVAL),
           "estimated_activation_hours": int, "commitment_mandatory": bool, "minimal_lead_time_s": int,
           "additional_info": str, "lt_request_id": int}
LIMITATION = {"bidding_unit_id": int, "direction": str, "max_power_w": int, "valid_from": int, "valid_until": int,
              "reason": str}


class FileError(InvalidInput):
    code = "invalid_file"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scalar(kind: type, text: str | None, where: str) -> Any:
    text = (text or "").strip()
    if kind is int:
        if not _INT.match(text):
            raise FileError(f"{where}: {text!r} is not an integer", details={"loc": where})
        return int(text)
    if kind is bool:
        if text not in ("true", "false"):
            raise FileError(f"{where}: {text!r} is not true or false", details={"loc": where})
        return text == "true"
    return text


def _element(node: ET.Element, schema: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.attrib:
        raise FileError(f"{where}: attributes are not used ({', '.join(node.attrib)})", details={"loc": where})
    for child in node:
        name = _local(child.tag)
        here = f"{where}.{name}"
        if name not in schema:
            raise FileError(f"{here}: unknown element", details={"loc": here, "allowed": sorted(schema)})
        spec = schema[name]
        if isinstance(spec, tuple):
            item_name, item_spec = spec
            items = []
            for k, item in enumerate(child):
                if _local(item.tag) != item_name:
                    raise FileError(f"{here}: holds <{item_name}> elements only", details={"loc": here})
                items.append(_element(item, item_spec, f"{here}[{k}]") if isinstance(item_spec, dict)
                             else _scalar(item_spec, item.text, f"{here}[{k}]"))
            value: Any = items
        elif isinstance(spec, dict):
            value = _element(child, spec, here)
        else:
            if len(child):
                raise FileError(f"{here}: a value, not nested elements", details={"loc": here})
            value = _scalar(spec, child.text, here)
        if name in out:
            raise FileError(f"{here}: given twice", details={"loc": here})
        out[name] = value
    return out


def parse_xml(content: bytes, root_name: str) -> ET.Element:
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise FileError("XML with a DTD or entities is not accepted", code="invalid_file")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise FileError(f"the XML cannot be read: {exc}") from None
    if _local(root.tag) != root_name:
        raise FileError(f"the root element must be <{root_name}>, not <{_local(root.tag)}>")
    return root


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise validation_error(exc) from None


def _kind(filename: str, media_type: str | None) -> str:
    name = filename.lower()
    if name.endswith(".json") or (media_type or "").endswith("json"):
        return "json"
    if name.endswith(".xml") or (media_type or "").endswith("xml"):
        return "xml"
    from marketplace.domain.errors import UnsupportedMediaType

    raise UnsupportedMediaType("upload a .json or .xml file", code="unsupported_file_type",
                               details={"filename": filename})


def read_request(filename: str, media_type: str | None, content: bytes, model: type[BaseModel]) -> BaseModel:
    """A request file (JSON or XML) as ``model`` (``RequestIn``)."""
    if _kind(filename, media_type) == "json":
        try:
            return model.model_validate_json(content, strict=True)
        except ValidationError as exc:
            raise validation_error(exc) from None
    return _validate(model, _element(parse_xml(content, "flex_request"), REQUEST, "flex_request"))


def read_limitations(filename: str, media_type: str | None, content: bytes, model: type[BaseModel]) -> BaseModel:
    """A limitations file (JSON ``{"items": [...]}`` or XML ``<limitations>``) as ``model``."""
    if _kind(filename, media_type) == "json":
        try:
            return model.model_validate_json(content, strict=True)
        except ValidationError as exc:
            raise validation_error(exc) from None
    root = parse_xml(content, "limitations")
    items = []
    for k, node in enumerate(root):
        if _local(node.tag) != "limitation":
            raise FileError("<limitations> holds <limitation> elements only")
        items.append(_element(node, LIMITATION, f"limitations[{k}]"))
    return _validate(model, {"items": items})

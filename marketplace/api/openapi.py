"""The OpenAPI 3.1 description, generated from the route registry and its pydantic schemas.

Pydantic's JSON Schema (draft 2020-12) is OpenAPI 3.1's schema dialect, so request and
response schemas go into ``components/schemas`` as they are; query models become
parameters, path converters integer path parameters, and each route's access rule its
security requirement and an ``x-flexmarket-access`` note.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from marketplace import __version__
from marketplace.api.registry import OPERATIONS, Operation
from marketplace.schemas.common import ErrorBody

REF = "#/components/schemas/{model}"
_ERROR_TEXT = {
    400: "Unreadable request: malformed JSON or CSV, unknown or bad query parameter.",
    401: "Not signed in, or an invalid bearer token / SIWE proof.",
    403: "Signed in, but the role, grant, participant status or CSRF token does not allow this.",
    404: "No such object, or not one you may see.",
    405: "Method not allowed on this path.",
    409: "The object's state does not allow this.",
    413: "The body or the document is too large.",
    415: "Wrong content type.",
    422: "The content is not acceptable (fields, references); `details.errors` lists the problems.",
    500: "Internal error (nothing more is said).",
    502: "The chain refused the transaction.",
    503: "The chain is not available (no node answers, no deployment, or no operator key).",
}


def _flask_to_openapi(path: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def build() -> dict[str, Any]:
    """The OpenAPI document of every registered route."""
    models: list[tuple[type[BaseModel], str]] = [(ErrorBody, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.query is not None:
            models.append((op.query, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, top = models_json_schema(unique, ref_template=REF, title="FlexMarket")
    schemas = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = _flask_to_openapi(op.path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FlexMarket market service API",
            "version": __version__,
            "description": (
                "Participants, users, wallet sign-in, grid topology, assets and prequalification of the "
                "FlexMarket local flexibility market. Units: power W, energy Wh, reactive power var, durations "
                "and times in seconds (Unix seconds UTC), coordinates in micro-degrees, money in token base "
                "units (1 EUR = 1,000,000) — integers throughout. Every error is JSON "
                "`{code, message, details}`."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "sessionCookie": {
                    "type": "apiKey", "in": "cookie", "name": "flexmarket_session",
                    "description": "Browser session from POST /api/v1/auth/siwe; state-changing requests also "
                                   "need the X-CSRF-Token header returned at sign-in.",
                },
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "Access token from POST /api/v1/oauth/token."},
                "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
                    "tokenUrl": "/api/v1/oauth/token", "scopes": {}}}},
            },
        },
    }


def _ref(refs: dict, model: type[BaseModel], mode: str) -> dict:
    return refs[(model, mode)]


def _operation(op: Operation, refs: dict, schemas: dict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.endpoint.replace(".", "_"),
        "tags": [op.tag],
        "summary": op.summary,
        "description": (op.description + "\n\n" if op.description else "") + f"**Access:** {op.access.describe()}.",
        "x-flexmarket-access": {
            "roles": None if op.access.roles is None else sorted(r.value for r in op.access.roles),
            "grant": op.access.grant.value,
            "approved_only": op.access.approved,
            "session_only": op.access.session_only,
        },
    }
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1} if conv == "id" else {"type": "string"}}
        for name, conv in op.path_params.items()
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF, mode="validation")
        schemas.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required,
                           "description": prop.pop("description", ""), "schema": prop})
    if params:
        out["parameters"] = params
    if op.media:
        content: dict[str, Any] = {}
        for media in op.media:
            if media == "application/json":
                content[media] = {"schema": _ref(refs, op.body, "validation")}
            elif media == "text/csv":
                content[media] = {"schema": {
                    "type": "string",
                    "description": "CSV, UTF-8, a header line naming columns from: " + ", ".join(op.csv_columns),
                }}
            elif media == "multipart/form-data":
                form = dict(_ref(refs, op.body, "validation"))
                content[media] = {"schema": {"allOf": [form, {"type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "contentMediaType": "application/octet-stream"}}}]}}
            else:
                content[media] = {"schema": _ref(refs, op.body, "validation")}
        out["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    if op.response is not None:
        responses[str(op.status)] = {"description": "Success",
                                     "content": {op.response_media: {"schema": _ref(refs, op.response, "serialization")}}}
    else:
        responses[str(op.status)] = {"description": "Success",
                                     "content": {op.response_media: {"schema": {"type": "string",
                                                                                "contentMediaType": op.response_media}}}}
    codes = set(op.errors)
    if op.access.roles is not None:
        codes |= {401, 403}
    if op.query is not None:
        codes.add(400)
    if op.media:
        codes |= {400, 413, 415, 422}
    codes.add(500)
    error = _ref(refs, ErrorBody, "serialization")
    for code in sorted(codes):
        responses[str(code)] = {"description": _ERROR_TEXT.get(code, "Error"), "content": {"application/json": {"schema": error}}}
    out["responses"] = responses
    if op.access.roles is None:
        out["security"] = [{}]
    elif op.access.session_only:
        out["security"] = [{"sessionCookie": []}]
    else:
        out["security"] = [{"sessionCookie": []}, {"bearer": []}, {"oauth2": []}]
    return out

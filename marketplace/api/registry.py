"""A small route registry: one decorator declares a route's access, inputs and output, wires
the checks in a fixed order, and records the operation for the OpenAPI description.

Order of work for every request (so that bad callers and bad input never reach the domain
or the chain): resolve credentials → access check (401/403) → CSRF check for cookie
sessions → query parameters (400) → body (content type 415, size 413, JSON 400, fields
422) → the view → the response model serialised as JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from marketplace.api import security
from marketplace.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    Unauthenticated,
    UnsupportedMediaType,
    validation_error,
)
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole

ALL_ROLES = frozenset(ParticipantRole)


@dataclass(frozen=True)
class Access:
    """Who may call a route.

    ``roles`` None: anyone, anonymous included. Otherwise an authenticated caller whose
    participant has one of ``roles`` and is approved (unless ``approved`` is False), acting
    with at least ``grant``. ``resolve`` False: credentials are not even looked at (public
    routes that do not depend on the caller). ``session_only``: browser sessions only.
    """

    roles: frozenset[ParticipantRole] | None = None
    grant: Grant = Grant.READ_ONLY
    approved: bool = True
    resolve: bool = True
    session_only: bool = False

    def describe(self) -> str:
        if self.roles is None:
            return "public (anonymous allowed)"
        who = "any signed-in user" if self.roles == ALL_ROLES else ", ".join(sorted(r.value for r in self.roles))
        status = "" if self.approved else " (also while the participant's registration is pending or rejected)"
        grant = "" if self.grant is Grant.READ_ONLY else f"; grant {self.grant.value} or higher"
        return f"{who}{grant}{status}" + ("; browser session only" if self.session_only else "")


PUBLIC = Access()
UNAUTHENTICATED = Access(resolve=False)
SIGNED_IN = Access(roles=ALL_ROLES, approved=False)
SESSION = Access(roles=ALL_ROLES, approved=False, session_only=True)


def roles(*allowed: ParticipantRole, grant: Grant = Grant.READ_ONLY, approved: bool = True,
          session_only: bool = False) -> Access:
    return Access(roles=frozenset(allowed), grant=grant, approved=approved, session_only=session_only)


@dataclass
class Operation:
    """One route as the OpenAPI description shows it."""

    method: str
    path: str
    endpoint: str
    tag: str
    summary: str
    description: str
    access: Access
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    media: tuple[str, ...]
    response: type[BaseModel] | None
    response_media: str
    status: int
    errors: tuple[int, ...]
    csv_columns: tuple[str, ...] = ()
    path_params: dict[str, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path_params(rule: str) -> dict[str, str]:
    return {name: conv or "string" for conv, name in _PARAM.findall(rule)}


def route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    access: Access,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    media: tuple[str, ...] | None = None,
    body_optional: bool = False,
    csv_columns: tuple[str, ...] = (),
    csv_max_rows: int = 10_000,
    csv_raw: bool = False,
    response: type[BaseModel] | None = None,
    response_media: str = "application/json",
    status: int = 200,
    errors: tuple[int, ...] = (),
    writes: bool | None = None,
) -> Callable:
    """Declare a route of ``bp`` (whose url_prefix is ``/api/v1``).

    The view is called as ``view(principal, **path_args, [query=], [body=], [rows=],
    [form=, files=])`` — with ``csv_raw`` a CSV body arrives unparsed as ``raw=`` bytes, for
    formats with their own strict parser — and returns a response model (serialised with ``status``), a
    ``(model, status)`` pair, or a Flask ``Response``.
    """
    if media is None:
        media = ("application/json",) if body is not None else ()
    writes = method != "GET" if writes is None else writes

    def decorator(fn: Callable) -> Callable:
        op = Operation(
            method=method, path=(bp.url_prefix or "") + rule, endpoint=f"{bp.name}.{fn.__name__}", tag=bp.name,
            summary=summary, description=(fn.__doc__ or "").strip(), access=access, query=query, body=body,
            media=media, response=response, response_media=response_media, status=status,
            errors=errors, csv_columns=csv_columns, path_params=_path_params(rule),
        )
        OPERATIONS.append(op)

        @wraps(fn)
        def view(**path_args: Any) -> Any:
            g.flexmarket_writes = writes
            principal = security.authenticate() if access.resolve else security.anonymous()
            _authorize(principal, access)
            if access.resolve and principal.session is not None and method in ("POST", "PUT", "PATCH", "DELETE"):
                security.check_csrf(principal)
            kwargs: dict[str, Any] = {}
            if query is not None:
                kwargs["query"] = parse_query(query)
            elif request.args:
                raise BadRequest("this route takes no query parameters", code="unknown_parameter",
                                 details={"parameters": sorted(request.args)})
            if media:
                kwargs.update(_read_body(op, body_optional, csv_max_rows, csv_raw))
            result = fn(principal, **path_args, **kwargs)
            if writes:
                _commit()
            return render(result, status)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return view

    return decorator


def _commit() -> None:
    session = g.get("flexmarket_session")
    if session is None:
        return
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("the change conflicts with existing data (a concurrent change?)", code="conflict") from exc


def _authorize(principal: Principal, access: Access) -> None:
    if access.roles is None:
        return
    if principal.anonymous:
        raise Unauthenticated("sign in with your wallet, or send a bearer token")
    if access.session_only and principal.session is None:
        raise Forbidden("this needs a browser session (sign in with your wallet)", code="session_required")
    if access.approved and not principal.approved:
        raise Forbidden(f"your participant's registration is {principal.participant.status.value}, not approved",
                        code="participant_not_approved")
    if principal.role not in access.roles:
        raise Forbidden(f"a {principal.role.value} may not do this", code="role_not_allowed",
                        details={"allowed": sorted(r.value for r in access.roles)})
    if not principal.covers(access.grant):
        raise Forbidden(f"this needs the {access.grant.value} grant or higher", code="grant_too_low",
                        details={"grant": principal.grant.value, "needed": access.grant.value})


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Query parameters as ``model``: unknown names and repeated names are refused (400)."""
    names = {f.alias or name for name, f in model.model_fields.items()}
    unknown = sorted(set(request.args) - names)
    if unknown:
        raise BadRequest(f"unknown query parameter {unknown[0]!r}", code="unknown_parameter",
                         details={"parameters": unknown, "allowed": sorted(names)})
    values: dict[str, str] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if len(given) > 1:
            raise BadRequest(f"query parameter {key!r} given more than once", code="invalid_parameter",
                             details={"parameter": key})
        values[key] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise BadRequest(f"query parameter {loc!r}: {first['msg']}", code="invalid_parameter",
                         details={"parameter": loc}) from None


def _media_type() -> str:
    return (request.mimetype or "").lower()


def _read_body(op: Operation, optional: bool, csv_max_rows: int, csv_raw: bool = False) -> dict[str, Any]:
    mime = _media_type()
    raw_length = request.content_length
    if optional and not mime and not raw_length and not request.get_data(cache=True):
        return {"body": op.body.model_validate({}) if op.body is not None else None}
    if mime not in op.media:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(op.media)}" + (f", not {mime}" if mime else ""),
            details={"accepted": list(op.media), "got": mime or None},
        )
    if mime == "application/json":
        return {"body": parse_json(op.body, request.get_data(cache=False))}
    if mime == "text/csv" and csv_raw:
        return {"raw": request.get_data(cache=False)}
    if mime == "text/csv":
        return {"rows": parse_csv(request.get_data(cache=False), op.csv_columns, csv_max_rows)}
    if mime == "multipart/form-data":
        return {"form": _validate_form(op.body, request.form), "files": request.files}
    if mime == "application/x-www-form-urlencoded":
        return {"form": _validate_form(op.body, request.form)}
    raise UnsupportedMediaType(f"unsupported body type {mime}")  # pragma: no cover - media lists are fixed


def parse_json(model: type[BaseModel], raw: bytes) -> BaseModel:
    """A JSON body as ``model`` with strict types: malformed JSON 400, bad fields 422."""
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise BadRequest("the body is not valid JSON", code="malformed_json",
                             details={"reason": errors[0]["msg"]}) from None
        raise validation_error(exc) from None


def _validate_form(model: type[BaseModel] | None, form) -> BaseModel | None:
    if model is None:
        return None
    values: dict[str, str] = {}
    for key in form:
        given = form.getlist(key)
        if len(given) > 1:
            raise InvalidInput(f"form field {key!r} given more than once", details={"field": key})
        values[key] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise validation_error(exc) from None


def parse_csv(raw: bytes, columns: tuple[str, ...], max_rows: int) -> list[dict[str, str]]:
    """CSV rows as dicts. UTF-8 (a BOM is skipped), a header naming only known ``columns``."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest("the CSV is not UTF-8", code="invalid_csv", details={"byte": exc.start}) from None
    if "\x00" in text:
        raise BadRequest("the CSV contains NUL characters", code="invalid_csv")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise BadRequest("the CSV is empty: a header line is required", code="invalid_csv")
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in columns]
        if unknown or len(set(header)) != len(header):
            raise BadRequest(
                f"unknown or repeated CSV column {(unknown or header)[0]!r}", code="invalid_csv",
                details={"unknown": unknown, "allowed": list(columns)},
            )
        rows = []
        for line, values in enumerate(reader, start=2):
            if not values:
                continue
            if len(values) != len(header):
                raise BadRequest(f"CSV line {line} has {len(values)} fields, the header {len(header)}",
                                 code="invalid_csv", details={"line": line})
            rows.append(dict(zip(header, (v.strip() for v in values), strict=True)))
            if len(rows) > max_rows:
                raise BadRequest(f"at most {max_rows} rows per request", code="too_many_items",
                                 details={"max": max_rows})
    except csv.Error as exc:
        raise BadRequest(f"the CSV cannot be read: {exc}", code="invalid_csv") from None
    if not rows:
        raise BadRequest("the CSV has no data rows", code="invalid_csv")
    return rows


def json_response(body: Any, status: int = 200) -> Response:
    """A plain JSON body (for long lists built as dicts in a documented response shape)."""
    return Response(json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json")


def render(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        return Response(result.model_dump_json(), status=status, mimetype="application/json")
    raise TypeError(f"a view returned {type(result).__name__}")  # pragma: no cover - programming error

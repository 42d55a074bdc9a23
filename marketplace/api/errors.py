"""The one error handler: every API error leaves as JSON ``{code, message, details}``.

Typed service errors keep their status and code; chain errors become 503 (no node, no
deployment, no operator key), 504 (no receipt in time) or 502 (the chain refused); HTTP
errors raised by Flask/Werkzeug (unknown path, wrong method, oversize body, unreadable
form) keep their status with a stable code. Anything else is a 500 that says only
"internal error" — the details go to the log, not to the caller.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.chain.errors import ChainError, ChainUnavailable, ContractRevert, TransactionTimeout
from marketplace.chain.keys import KeyNotConfigured
from marketplace.domain.errors import ServiceError

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    431: "headers_too_large",
}


def error_response(status: int, code: str, message: str, details: dict | None = None) -> Response:
    body = json.dumps({"code": code, "message": message, "details": details or {}})
    return Response(body, status=status, mimetype="application/json")


def handle(exc: BaseException) -> Response:
    if not request.path.startswith("/api/"):
        return _outside_api(exc)
    if isinstance(exc, ServiceError):
        return error_response(exc.http_status, exc.code, exc.message, exc.details)
    if isinstance(exc, (ChainUnavailable, KeyNotConfigured)):
        return error_response(503, exc.code, f"the chain is not available: {exc.message}", exc.details)
    if isinstance(exc, TransactionTimeout):
        return error_response(504, exc.code, exc.message, exc.details)
    if isinstance(exc, ContractRevert):
        return error_response(502, exc.code, f"the chain refused the transaction: {exc.message}", exc.details)
    if isinstance(exc, ChainError):
        return error_response(502, exc.code, exc.message, exc.details)
    if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 500:
        code = _HTTP_CODES.get(exc.code, "http_error")
        message = {
            404: "no such resource",
            405: "method not allowed on this resource",
            413: f"the request body is larger than {current_app.config.get('MAX_CONTENT_LENGTH')} bytes",
        }.get(exc.code, exc.description or code)
        response = error_response(exc.code, code, message)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    current_app.logger.exception("internal error", exc_info=exc)
    return error_response(500, "internal_error", "internal error")


def _outside_api(exc: BaseException):
    """Pages outside the API keep Flask's own error pages (a generic one for a 500)."""
    if isinstance(exc, HTTPException):
        return exc
    current_app.logger.exception("internal error", exc_info=exc)
    return InternalServerError()


def init_app(app: Flask) -> None:
    app.register_error_handler(Exception, handle)

"""The market service's typed errors, each with the HTTP status the API answers with.

The domain raises these; the API's one error handler renders ``{code, message, details}``
with ``http_status``. ``code`` is the stable machine-readable name clients switch on.
"""

from __future__ import annotations

from pydantic import ValidationError

from marketplace.errors import MarketplaceError


class ServiceError(MarketplaceError):
    """Base of the errors the API reports to the caller as they are."""

    code = "bad_request"
    http_status = 400

    def __init__(self, message: str, *, details: dict | None = None, code: str | None = None) -> None:
        super().__init__(message, details=details)
        if code is not None:
            self.code = code


class BadRequest(ServiceError):
    """The request cannot be read (malformed JSON, unknown or bad query parameter, ...)."""


class InvalidInput(ServiceError):
    """The request is well-formed but its content is not acceptable (fields, references)."""

    code = "invalid_input"
    http_status = 422


class Unauthenticated(ServiceError):
    """No (valid) credentials: sign in, or present a valid bearer token."""

    code = "authentication_required"
    http_status = 401


class Forbidden(ServiceError):
    """Authenticated, but the role, grant or participant status does not allow this."""

    code = "forbidden"
    http_status = 403


class NotFound(ServiceError):
    """No such object — or not one the caller may see (both answer the same)."""

    code = "not_found"
    http_status = 404


class Conflict(ServiceError):
    """The object's current state does not allow this (already decided, in use, ...)."""

    code = "conflict"
    http_status = 409


class PayloadTooLarge(ServiceError):
    code = "request_too_large"
    http_status = 413


class UnsupportedMediaType(ServiceError):
    code = "unsupported_media_type"
    http_status = 415


class MethodNotAllowed(ServiceError):
    code = "method_not_allowed"
    http_status = 405


def validation_error(exc: ValidationError) -> InvalidInput:
    """A pydantic error as the API's 422, listing each problem's location and message."""
    errors = [
        {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    first = errors[0] if errors else {"loc": "", "msg": "invalid"}
    where = f"{first['loc']}: " if first["loc"] else ""
    return InvalidInput(f"{where}{first['msg']}", details={"errors": errors})

"""Credentials of a request: a bearer token (machine client) or the session cookie (browser).

A bearer token that is presented but unknown or expired answers 401 even on public routes;
an unknown or expired session cookie is ignored (the caller is then anonymous). Requests
that change state with a cookie session must carry the session's CSRF token in the
``X-CSRF-Token`` header (the cookie alone is not enough, so another site cannot forge them).
"""

from __future__ import annotations

from flask import Response, current_app, request

from marketplace.db import session as db_session
from marketplace.domain import auth
from marketplace.domain.errors import Forbidden, Unauthenticated
from marketplace.domain.principal import Principal

#: Name of the session cookie.
COOKIE = "flexmarket_session"
#: Header carrying the CSRF token.
CSRF_HEADER = "X-CSRF-Token"


def anonymous() -> Principal:
    return Principal(remote_addr=request.remote_addr)


def authenticate() -> Principal:
    """The caller from the request's credentials (anonymous when there are none)."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send machine-client tokens as `Authorization: Bearer <token>`", code="invalid_token")
        client = auth.client_for_token(db_session(), token)
        if client is None:
            raise Unauthenticated("the bearer token is unknown, expired or revoked", code="invalid_token")
        return Principal(api_client=client, participant=client.participant, grant=client.grant,
                         remote_addr=request.remote_addr)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        record = auth.session_for_token(db_session(), cookie)
        if record is not None:
            user = record.user
            return Principal(user=user, participant=user.participant, grant=user.grant,
                             impersonator=record.impersonator, session=record, remote_addr=request.remote_addr)
    return anonymous()


def check_csrf(principal: Principal) -> None:
    if not auth.csrf_matches(principal.session, request.headers.get(CSRF_HEADER)):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header (returned at sign-in)", code="csrf_failed")


def set_session_cookie(response: Response, token: str, max_age_s: int) -> Response:
    settings = current_app.config["FLEX_SETTINGS"]
    response.set_cookie(COOKIE, token, max_age=max_age_s, httponly=True, samesite="Lax",
                        secure=settings.secure_cookies, path="/")
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/")
    return response

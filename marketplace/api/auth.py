"""Sign-in with a wallet (SIWE), sessions, impersonation, and OAuth2 machine clients."""

from __future__ import annotations

from flask import Blueprint, request

from marketplace.api import present, security
from marketplace.api.context import settings, siwe_chain_id, siwe_domain
from marketplace.api.registry import SESSION, SIGNED_IN, UNAUTHENTICATED, render, roles, route
from marketplace.db import session
from marketplace.domain import auth
from marketplace.domain.errors import BadRequest
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.auth import (
    ApiClientCreated,
    ApiClientIn,
    ApiClientOut,
    Impersonate,
    Me,
    NonceOut,
    SessionOut,
    SiweSignIn,
    TokenOut,
    TokenRequest,
)
from marketplace.schemas.common import Ok, Page
from marketplace.schemas.participants import UserOut

bp = Blueprint("auth", __name__, url_prefix="/api/v1")
clients_bp = Blueprint("api_clients", __name__, url_prefix="/api/v1")

ALL = tuple(ParticipantRole)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def session_response(user, issued, status: int = 200):
    out = SessionOut(
        csrf_token=issued.csrf_token, expires_at=issued.record.expires_at, user=UserOut.model_validate(user),
        participant=present.participant(user.participant), impersonator_user_id=issued.record.impersonator_user_id,
    )
    response = render(out, status)
    security.set_session_cookie(response, issued.token, settings().session_ttl_s)
    return _no_store(response)


@route(bp, "/auth/nonce", "GET", summary="Get a single-use nonce for a Sign-In with Ethereum message",
       access=UNAUTHENTICATED, response=NonceOut, writes=True)
def nonce(principal: Principal):
    """The nonce expires after ``FLEX_NONCE_TTL_S`` (10 minutes) and works once. Put it in an
    EIP-4361 message naming ``domain`` and ``chain_id``, sign it in the wallet
    (``personal_sign``) and send both to ``POST /auth/siwe``."""
    issued = auth.issue_nonce(session(), settings().nonce_ttl_s)
    out = NonceOut(nonce=issued.nonce, expires_at=issued.expires_at, domain=siwe_domain(),
                   chain_id=siwe_chain_id(), uri=request.host_url.rstrip("/"))
    return _no_store(render(out, 200))


@route(bp, "/auth/siwe", "POST", summary="Sign in with a wallet (EIP-4361)", access=UNAUTHENTICATED,
       body=SiweSignIn, response=SessionOut, errors=(401, 422))
def sign_in(principal: Principal, body: SiweSignIn):
    """Checks the message's domain, chain id, time fields and signature, consumes its nonce,
    and opens a session for the user holding the wallet: a ``flexmarket_session`` cookie
    (HttpOnly) and a CSRF token to send as ``X-CSRF-Token`` on every state-changing request."""
    s = session()
    address = auth.verify_siwe(s, body.message, body.signature, domain=siwe_domain(), chain_id=siwe_chain_id())
    user, issued = auth.sign_in(s, address, settings().session_ttl_s, principal.remote_addr)
    return session_response(user, issued)


@route(bp, "/auth/logout", "POST", summary="End the browser session", access=SESSION, response=Ok)
def logout(principal: Principal):
    auth.sign_out(session(), principal)
    return security.clear_session_cookie(render(Ok(), 200))


@route(bp, "/auth/me", "GET", summary="Who am I", access=SIGNED_IN, response=Me)
def me(principal: Principal):
    return Me(
        via="api_client" if principal.api_client is not None else "session",
        grant=principal.grant,
        user=None if principal.user is None else UserOut.model_validate(principal.user),
        api_client_id=None if principal.api_client is None else principal.api_client.id,
        participant=present.participant(principal.participant),
        impersonator_user_id=None if principal.impersonator is None else principal.impersonator.id,
    )


@route(bp, "/auth/impersonate", "POST", summary="Act as another participant's user (operator)",
       access=roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.ADMIN, session_only=True),
       body=Impersonate, response=SessionOut, errors=(404, 409))
def impersonate(principal: Principal, body: Impersonate):
    """Replaces the operator's session with one acting as the user; every action in it is
    audited with the operator as actor and the user as acted-as. End it with
    ``POST /auth/impersonate/end``."""
    user, issued = auth.impersonate(session(), principal, body.user_id, settings().session_ttl_s)
    return session_response(user, issued)


@route(bp, "/auth/impersonate/end", "POST", summary="Stop impersonating; back to the operator's own session",
       access=SESSION, response=SessionOut, errors=(409,))
def end_impersonation(principal: Principal):
    user, issued = auth.end_impersonation(session(), principal, settings().session_ttl_s)
    return session_response(user, issued)


@route(bp, "/oauth/token", "POST", summary="OAuth2 client-credentials token for a machine client",
       access=UNAUTHENTICATED, body=TokenRequest, media=("application/x-www-form-urlencoded",),
       response=TokenOut, errors=(401,))
def token(principal: Principal, form: TokenRequest):
    """RFC 6749 section 4.4: ``grant_type=client_credentials``, the client authenticating with
    HTTP Basic (client id and secret) or ``client_id``/``client_secret`` form fields. Send
    the token as ``Authorization: Bearer <access_token>``; it expires after ``expires_in`` s."""
    if form.grant_type != "client_credentials":
        raise BadRequest("only grant_type=client_credentials is supported", code="unsupported_grant_type")
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        client_id, secret = basic.username, basic.password
    else:
        client_id, secret = form.client_id, form.client_secret
    if not client_id or not secret:
        raise auth.InvalidClient("client credentials missing (HTTP Basic or client_id + client_secret)")
    ttl = settings().access_token_ttl_s
    issued, _ = auth.issue_token(session(), client_id, secret, ttl, principal.remote_addr)
    return _no_store(render(TokenOut(access_token=issued, expires_in=ttl), 200))


@route(clients_bp, "/api-clients", "GET", summary="List your participant's machine clients",
       access=roles(*ALL, grant=Grant.ADMIN), response=Page[ApiClientOut])
def list_clients(principal: Principal):
    items = [ApiClientOut.model_validate(c) for c in auth.list_api_clients(session(), principal)]
    return Page[ApiClientOut](items=items, next_after=None)


@route(clients_bp, "/api-clients", "POST", summary="Create a machine client (OAuth2 client credentials)",
       access=roles(*ALL, grant=Grant.ADMIN, session_only=True), body=ApiClientIn, response=ApiClientCreated,
       status=201, errors=(403,))
def create_client(principal: Principal, body: ApiClientIn):
    """The secret is shown once. The client acts for your participant with ``grant`` (at
    most yours) until revoked."""
    client, secret = auth.create_api_client(session(), principal, body.name, body.grant)
    return _no_store(render(ApiClientCreated.model_validate({**ApiClientOut.model_validate(client).model_dump(),
                                                             "client_secret": secret}), 201))


@route(clients_bp, "/api-clients/<id:client_pk>", "DELETE", summary="Revoke a machine client and its tokens",
       access=roles(*ALL, grant=Grant.ADMIN), response=ApiClientOut, errors=(404, 409))
def revoke_client(principal: Principal, client_pk: int):
    """Your participant's admins revoke its clients; the operator may revoke any."""
    return ApiClientOut.model_validate(auth.revoke_api_client(session(), principal, client_pk))

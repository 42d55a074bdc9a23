"""Schemas of sign-in (SIWE), sessions, impersonation and machine clients (OAuth2)."""

from __future__ import annotations

from pydantic import Field

from marketplace.models.enums import Grant
from marketplace.schemas.common import Id, Request, Response, ShortText, UnixTime
from marketplace.schemas.participants import ParticipantOut, SiweProof, UserOut


class NonceOut(Response):
    """A fresh single-use nonce and what the EIP-4361 message must say to be accepted."""

    nonce: str
    expires_at: UnixTime
    domain: str = Field(description="The message's domain must be exactly this.")
    chain_id: int = Field(description="The message's Chain ID must be exactly this.")
    uri: str = Field(description="Suggested URI for the message.")


class SiweSignIn(SiweProof):
    """Sign in: a SIWE message with a nonce from ``GET /auth/nonce``, signed by the user's wallet."""


class SessionOut(Response):
    """A browser session. The cookie carries the session; send ``csrf_token`` in the
    ``X-CSRF-Token`` header of every POST/PUT/PATCH/DELETE made with the cookie."""

    csrf_token: str
    expires_at: UnixTime
    user: UserOut
    participant: ParticipantOut
    impersonator_user_id: int | None = None


class Me(Response):
    """The caller: the user (or API client) and its participant."""

    via: str = Field(description="`session` (browser cookie) or `api_client` (bearer token).")
    grant: Grant
    user: UserOut | None
    api_client_id: int | None
    participant: ParticipantOut
    impersonator_user_id: int | None


class Impersonate(Request):
    user_id: Id


class ApiClientIn(Request):
    """A machine client of the caller's participant; it acts with ``grant`` (at most the creator's)."""

    name: ShortText
    grant: Grant


class ApiClientOut(Response):
    id: int
    participant_id: int
    client_id: str
    name: str
    grant: Grant
    created_at: UnixTime
    revoked_at: UnixTime | None


class ApiClientCreated(ApiClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored.")


class TokenRequest(Request):
    """OAuth2 client-credentials token request (RFC 6749 4.4), form-encoded. The client
    authenticates with HTTP Basic or with ``client_id`` and ``client_secret`` in the form.
    ``scope`` is accepted and ignored: a client's scope is its participant and grant."""

    model_config = {"strict": False, "extra": "forbid"}

    grant_type: str
    client_id: str | None = Field(None, max_length=64)
    client_secret: str | None = Field(None, max_length=128)
    scope: str | None = Field(None, max_length=200)


class TokenOut(Response):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds the token stays valid.")

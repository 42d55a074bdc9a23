"""Sign-in: SIWE (EIP-4361) nonces and verification, sessions, impersonation, OAuth2 clients.

Browser users sign in with their wallet: ``issue_nonce`` hands out a single-use nonce that
expires; ``verify_siwe`` parses the message with the ``siwe`` package, checks the domain,
the chain id, the time fields and the signature, then consumes the nonce atomically (a
replay finds it used). A session is a random cookie token plus a CSRF token, stored hashed.
Machine clients use OAuth2 client credentials: a client id and secret (hashed) give
short-lived bearer tokens (hashed); revoking the client kills its tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from siwe import SiweMessage, VerificationError
from siwe.siwe import DomainMismatch, ExpiredMessage, InvalidSignature, NotYetValidMessage
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from marketplace.domain.principal import Principal
from marketplace.models import AccessToken, ApiClient, Participant, SiweNonce, User, WebSession
from marketplace.models.base import now_s
from marketplace.models.enums import Grant, ParticipantRole

#: Clock skew tolerated on a message's Issued At, seconds.
CLOCK_SKEW_S = 300


def digest(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (tokens, client secrets)."""
    return hashlib.sha256(secret.encode()).hexdigest()


# -------------------------------------------------------------------- SIWE
def issue_nonce(session: Session, ttl_s: int) -> SiweNonce:
    """A fresh single-use nonce (16 alphanumeric characters) valid for ``ttl_s`` seconds.

    Nonces that expired more than ``ttl_s`` ago are deleted on the way, so anonymous nonce
    requests cannot grow the table without bound.
    """
    now = now_s()
    session.execute(delete(SiweNonce).where(SiweNonce.expires_at < now - ttl_s))
    nonce = SiweNonce(nonce=secrets.token_hex(8), created_at=now, expires_at=now + ttl_s)
    session.add(nonce)
    return nonce


class SiweRejected(Unauthenticated):
    """A SIWE message or signature is not accepted."""

    code = "siwe_rejected"


def verify_siwe(session: Session, message: str, signature: str, *, domain: str, chain_id: int) -> str:
    """Verify a signed EIP-4361 message and consume its nonce; returns the signer's address.

    Raises :class:`InvalidInput` (``invalid_siwe_message``) when the text is not an EIP-4361
    message, and :class:`SiweRejected` with a specific code when it is not accepted:
    ``domain_mismatch``, ``chain_mismatch``, ``message_expired``, ``message_not_yet_valid``,
    ``invalid_signature``, ``nonce_unknown``, ``nonce_expired``, ``nonce_used``.
    """
    try:
        parsed = SiweMessage.from_message(message)
    except (ValueError, TypeError) as exc:  # the ABNF parser and pydantic both raise ValueError
        reason = (str(exc) or str(exc.__cause__ or "")).strip().splitlines()
        raise InvalidInput("not an EIP-4361 (Sign-In with Ethereum) message", code="invalid_siwe_message",
                           details={"reason": reason[0][:200] if reason else "unreadable"}) from exc
    if parsed.prepare_message() != message:
        raise InvalidInput("the message is not in canonical EIP-4361 form (check line breaks and fields)",
                           code="invalid_siwe_message")
    if parsed.domain != domain:
        raise SiweRejected(f"the message is for {parsed.domain!r}, not {domain!r}", code="domain_mismatch",
                           details={"expected": domain, "got": parsed.domain})
    if parsed.chain_id != chain_id:
        raise SiweRejected(f"the message is for chain {parsed.chain_id}, not {chain_id}", code="chain_mismatch",
                           details={"expected": chain_id, "got": parsed.chain_id})
    now = now_s()
    issued = int(datetime.fromisoformat(parsed.issued_at.replace("Z", "+00:00")).timestamp())
    if issued > now + CLOCK_SKEW_S:
        raise SiweRejected("the message is issued in the future", code="message_not_yet_valid")
    try:
        parsed.verify(signature, domain=domain, timestamp=datetime.fromtimestamp(now, UTC))
    except ExpiredMessage as exc:
        raise SiweRejected("the message has expired", code="message_expired") from exc
    except NotYetValidMessage as exc:
        raise SiweRejected("the message is not valid yet", code="message_not_yet_valid") from exc
    except (InvalidSignature, DomainMismatch, VerificationError) as exc:
        raise SiweRejected("the signature does not match the message and its address", code="invalid_signature") from exc
    consumed = session.execute(
        update(SiweNonce)
        .where(SiweNonce.nonce == parsed.nonce, SiweNonce.used_at.is_(None), SiweNonce.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if consumed != 1:
        row = session.get(SiweNonce, parsed.nonce)
        if row is None:
            raise SiweRejected("unknown nonce: get one from GET /api/v1/auth/nonce", code="nonce_unknown")
        if row.used_at is not None:
            raise SiweRejected("this nonce was already used: sign a new message", code="nonce_used")
        raise SiweRejected("the nonce has expired: get a new one", code="nonce_expired")
    return parsed.address


# -------------------------------------------------------------------- sessions
@dataclass(frozen=True)
class IssuedSession:
    record: WebSession
    token: str
    csrf_token: str


def start_session(session: Session, user: User, ttl_s: int, *, impersonator: User | None = None) -> IssuedSession:
    """A new browser session for ``user``; returns the cookie token and CSRF token (once)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = now_s()
    record = WebSession(
        token_hash=digest(token),
        csrf_hash=digest(csrf),
        user_id=user.id,
        impersonator_user_id=None if impersonator is None else impersonator.id,
        created_at=now,
        expires_at=now + ttl_s,
    )
    session.add(record)
    session.flush()
    return IssuedSession(record, token, csrf)


def session_for_token(session: Session, token: str) -> WebSession | None:
    """The live session of a cookie token (not ended, not expired, its user active)."""
    record = session.scalars(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if record is None or record.ended_at is not None or record.expires_at <= now_s() or not record.user.active:
        return None
    return record


def csrf_matches(record: WebSession, csrf_token: str | None) -> bool:
    return csrf_token is not None and hmac.compare_digest(record.csrf_hash, digest(csrf_token))


def end_session(session: Session, record: WebSession) -> None:
    record.ended_at = now_s()


def sign_out(session: Session, principal: Principal) -> None:
    """End the caller's browser session (audited)."""
    end_session(session, principal.session)
    audit.record(session, principal, "auth.signed_out", "session", principal.session.id,
                 after={"ended_at": principal.session.ended_at})


def sign_in(session: Session, address: str, ttl_s: int, remote_addr: str | None) -> tuple[User, IssuedSession]:
    """Open a session for the active user holding ``address`` (verified by the caller).

    A wallet an admin registered for a new user is bound now: the signature just proved
    control of it.
    """
    user = session.scalars(select(User).where(User.wallet_address == address)).first()
    if user is None or not user.active:
        raise Unauthenticated(
            "no active user holds this wallet: sign up, or ask your participant's admin to add you",
            code="unknown_wallet", details={"address": address},
        )
    binding = user.wallet_bound_at is None
    if binding:
        user.wallet_bound_at = now_s()
    issued = start_session(session, user, ttl_s)
    principal = Principal(user=user, participant=user.participant, grant=user.grant, remote_addr=remote_addr)
    audit.record(session, principal, "auth.sign_in", "session", issued.record.id,
                 after={"user_id": user.id, "wallet_address": address, "wallet_bound_now": binding})
    return user, issued


def impersonate(session: Session, principal: Principal, user_id: int, ttl_s: int) -> tuple[User, IssuedSession]:
    """An operator starts acting as another participant's user (audited)."""
    if principal.impersonator is not None:
        raise Conflict("end the current impersonation first", code="already_impersonating")
    if principal.session is None:
        raise Forbidden("impersonation needs a browser session", code="session_required")
    target = session.get(User, user_id)
    if target is None or not target.active:
        raise NotFound("no such active user", details={"user_id": user_id})
    if target.participant.role is ParticipantRole.MARKET_OPERATOR:
        raise Forbidden("operators cannot impersonate operator users", code="cannot_impersonate_operator")
    end_session(session, principal.session)
    issued = start_session(session, target, ttl_s, impersonator=principal.user)
    audit.record(session, principal, "auth.impersonation_started", "user", target.id,
                 after={"user_id": target.id, "session_id": issued.record.id}, participant_id=target.participant_id)
    return target, issued


def end_impersonation(session: Session, principal: Principal, ttl_s: int) -> tuple[User, IssuedSession]:
    """Back to the operator's own session."""
    if principal.impersonator is None or principal.session is None:
        raise Conflict("this session is not an impersonation", code="not_impersonating")
    end_session(session, principal.session)
    issued = start_session(session, principal.impersonator, ttl_s)
    audit.record(session, principal, "auth.impersonation_ended", "user", principal.user.id,
                 after={"session_id": issued.record.id}, participant_id=principal.user.participant_id)
    return principal.impersonator, issued


# -------------------------------------------------------------------- OAuth2 clients
def create_api_client(session: Session, principal: Principal, name: str, grant: Grant) -> tuple[ApiClient, str]:
    """A client-credentials client for the caller's participant; returns it and its secret."""
    if not principal.covers(grant):
        raise Forbidden("a client cannot get a higher grant than its creator's", code="grant_too_high",
                        details={"grant": grant.value, "creator_grant": principal.grant.value})
    secret = "fms_" + secrets.token_urlsafe(32)
    client = ApiClient(
        participant_id=principal.participant_id,
        client_id="fmc_" + secrets.token_hex(12),
        secret_hash=digest(secret),
        name=name,
        grant=grant,
        created_by_user_id=principal.acting_as_user_id,
        created_at=now_s(),
    )
    session.add(client)
    session.flush()
    audit.record(session, principal, "api_client.created", "api_client", client.id, after=audit.snapshot(client))
    return client, secret


def list_api_clients(session: Session, principal: Principal) -> list[ApiClient]:
    return list(session.scalars(
        select(ApiClient).where(ApiClient.participant_id == principal.participant_id).order_by(ApiClient.id)
    ))


def revoke_api_client(session: Session, principal: Principal, client_pk: int) -> ApiClient:
    """Revoke a client (its own participant's admin, or the operator); its tokens die with it."""
    client = session.get(ApiClient, client_pk)
    if client is None or not (principal.is_operator or principal.member_of(client.participant_id)):
        raise NotFound("no such API client", details={"id": client_pk})
    if client.revoked_at is not None:
        raise Conflict("the client is already revoked", code="already_revoked")
    before = audit.snapshot(client)
    client.revoked_at = now_s()
    audit.record(session, principal, "api_client.revoked", "api_client", client.id, before=before,
                 after=audit.snapshot(client), participant_id=client.participant_id)
    return client


class InvalidClient(Unauthenticated):
    code = "invalid_client"


def issue_token(session: Session, client_id: str, client_secret: str, ttl_s: int, remote_addr: str | None) -> tuple[str, ApiClient]:
    """An access token for valid, unrevoked client credentials of an approved participant."""
    client = session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).first()
    if client is None or not hmac.compare_digest(client.secret_hash, digest(client_secret)):
        raise InvalidClient("unknown client or wrong secret")
    if client.revoked_at is not None:
        raise InvalidClient("the client is revoked")
    token = "fmt_" + secrets.token_urlsafe(32)
    now = now_s()
    session.add(AccessToken(token_hash=digest(token), api_client_id=client.id, created_at=now, expires_at=now + ttl_s))
    principal = Principal(api_client=client, participant=client.participant, grant=client.grant, remote_addr=remote_addr)
    audit.record(session, principal, "oauth.token_issued", "api_client", client.id, after={"expires_at": now + ttl_s})
    return token, client


def client_for_token(session: Session, token: str) -> ApiClient | None:
    """The client of a live bearer token (not expired, client not revoked)."""
    row = session.execute(
        select(AccessToken, ApiClient)
        .join(ApiClient, AccessToken.api_client_id == ApiClient.id)
        .where(AccessToken.token_hash == digest(token))
    ).first()
    if row is None:
        return None
    access, client = row
    if access.expires_at <= now_s() or client.revoked_at is not None:
        return None
    return client


def participant_of(session: Session, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("no such participant", details={"participant_id": participant_id})
    return participant

"""Participants: sign-up, the directory, approval, contacts, users and documents."""

from __future__ import annotations

from flask import Blueprint, send_file

from marketplace.api import present
from marketplace.api.auth import session_response
from marketplace.api.context import gateway, settings, siwe_chain_id, siwe_domain
from marketplace.api.registry import ALL_ROLES, PUBLIC, SIGNED_IN, UNAUTHENTICATED, Access, roles, route
from marketplace.db import session
from marketplace.domain import auth
from marketplace.domain import participants as domain
from marketplace.domain.errors import InvalidInput
from marketplace.domain.principal import Principal
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.schemas.auth import SessionOut
from marketplace.schemas.common import Page
from marketplace.schemas.participants import (
    Approve,
    DecisionOut,
    DocumentOut,
    DocumentUpload,
    ParticipantListQuery,
    ParticipantOut,
    ParticipantPublic,
    ParticipantUpdate,
    Reject,
    RoleGrant,
    SignUp,
    UserIn,
    UserOut,
    UserUpdate,
)

bp = Blueprint("participants", __name__, url_prefix="/api/v1")
users_bp = Blueprint("users", __name__, url_prefix="/api/v1")
documents_bp = Blueprint("documents", __name__, url_prefix="/api/v1")

#: Managing a participant: its own admins (also while pending) or an operator admin.
MANAGER = Access(roles=ALL_ROLES, grant=Grant.ADMIN, approved=False)
OPERATOR_ADMIN = roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.ADMIN)


def _decision(participant, grants) -> DecisionOut:
    return DecisionOut(participant=present.participant(participant), grants=[
        RoleGrant(user_id=u.id, wallet_address=u.wallet_address, tx_hash=tx) for u, tx in grants
    ])


@route(bp, "/participants", "POST", summary="Sign up: register a participant (seed table 1)",
       access=UNAUTHENTICATED, body=SignUp, response=SessionOut, status=201, errors=(401, 409, 422))
def sign_up(principal: Principal, body: SignUp):
    """Registers the participant as pending and its representative as its first admin user,
    whose wallet is bound by the SIWE proof in ``wallet`` (nonce from ``GET /auth/nonce``).
    Signs the representative in (cookie + CSRF token) so the documents can be uploaded next;
    the operator then approves or rejects the registration."""
    s = session()
    address = auth.verify_siwe(s, body.wallet.message, body.wallet.signature, domain=siwe_domain(),
                               chain_id=siwe_chain_id())
    participant, user = domain.sign_up(s, body, address, principal.remote_addr)
    issued = auth.start_session(s, user, settings().session_ttl_s)
    return session_response(user, issued, 201)


@route(bp, "/participants", "GET", summary="The participant directory", access=PUBLIC,
       query=ParticipantListQuery, response=Page[ParticipantPublic], errors=(403,))
def list_participants(principal: Principal, query: ParticipantListQuery):
    """Approved participants for everyone; the operator may list any status (e.g. ``status=pending``)."""
    rows = domain.list_participants(session(), principal, role=query.role, status=query.status,
                                    after=query.after, limit=query.limit)
    return Page[ParticipantPublic](items=[ParticipantPublic.model_validate(p) for p in rows],
                                   next_after=present.next_after(rows, query.limit))


@route(bp, "/participants/<id:participant_id>", "GET", summary="A participant's registration data",
       access=SIGNED_IN, response=ParticipantOut, errors=(404,))
def get_participant(principal: Principal, participant_id: int):
    """Its own users and the operator see it; for others it does not exist (404)."""
    principal.require_reader_of(participant_id)
    return present.participant(domain.get(session(), participant_id))


@route(bp, "/participants/<id:participant_id>", "PATCH", summary="Change a participant's contact details",
       access=MANAGER, body=ParticipantUpdate, response=ParticipantOut, errors=(404, 422))
def update_participant(principal: Principal, participant_id: int, body: ParticipantUpdate):
    return present.participant(domain.update_contacts(session(), principal, participant_id, body))


@route(bp, "/participants/<id:participant_id>/approve", "POST", summary="Approve a registration (operator)",
       access=OPERATOR_ADMIN, body=Approve, body_optional=True, response=DecisionOut, errors=(404, 409, 503))
def approve(principal: Principal, participant_id: int, body: Approve):
    """Needs the three documents of seed table 1. Grants the participant's role in the
    on-chain registry to the bound wallets of its active users, signed with the operator key;
    when the chain cannot be reached the answer is 503 ``chain_unavailable`` and nothing changes."""
    participant, grants = domain.approve(session(), principal, participant_id, body.note, gateway())
    return _decision(participant, grants)


@route(bp, "/participants/<id:participant_id>/reject", "POST", summary="Reject a registration with a reason (operator)",
       access=OPERATOR_ADMIN, body=Reject, response=DecisionOut, errors=(404, 409))
def reject(principal: Principal, participant_id: int, body: Reject):
    return _decision(domain.reject(session(), principal, participant_id, body.reason), [])


@route(bp, "/participants/<id:participant_id>/chain-roles", "POST",
       summary="Grant the role on chain to wallets bound since the approval (operator)",
       access=OPERATOR_ADMIN, response=DecisionOut, errors=(404, 409, 503))
def grant_roles(principal: Principal, participant_id: int):
    """Users added after the approval bind their wallet at their first sign-in; this grants
    the participant's registry role to those wallets (503 when the chain is unreachable)."""
    participant, grants = domain.grant_missing_roles(session(), principal, participant_id, gateway())
    return _decision(participant, grants)


# ------------------------------------------------------------------ documents
@route(documents_bp, "/participants/<id:participant_id>/documents", "GET", summary="A participant's documents",
       access=SIGNED_IN, response=Page[DocumentOut], errors=(404,))
def list_documents(principal: Principal, participant_id: int):
    rows = domain.list_documents(session(), principal, participant_id)
    return Page[DocumentOut](items=[DocumentOut.model_validate(d) for d in rows], next_after=None)


@route(documents_bp, "/participants/<id:participant_id>/documents", "POST",
       summary="Upload a registration document (.pdf or .xml, at most 10 MB)", access=MANAGER,
       body=DocumentUpload, media=("multipart/form-data",), response=DocumentOut, status=201,
       errors=(404, 413, 415, 422))
def upload_document(principal: Principal, participant_id: int, form: DocumentUpload, files):
    """Multipart form with ``kind`` (confidentiality_commitment, non_collusion_commitment,
    power_of_attorney) and ``file``. Stored in the instance folder under its SHA-256, never on
    chain."""
    upload = files.get("file")
    if upload is None or len(files.getlist("file")) != 1 or set(files) != {"file"}:
        raise InvalidInput("send exactly one file, in the form field `file`", code="file_missing")
    s = settings()
    document = domain.store_document(session(), principal, participant_id, form.kind, upload.filename or "",
                                     upload.stream, s.documents_path, s.max_document_bytes)
    return DocumentOut.model_validate(document)


@route(documents_bp, "/participants/<id:participant_id>/documents/<id:document_id>", "GET",
       summary="Download a document", access=SIGNED_IN, response=None, response_media="application/octet-stream",
       errors=(404,))
def download_document(principal: Principal, participant_id: int, document_id: int):
    """The stored bytes, with the SHA-256 in the ``ETag`` and ``X-Content-SHA256`` headers."""
    document, path = domain.document_file(session(), principal, participant_id, document_id, settings().documents_path)
    response = send_file(path, mimetype=document.media_type, as_attachment=True, download_name=document.filename,
                         etag=document.sha256, conditional=True)
    response.headers["X-Content-SHA256"] = document.sha256
    return response


# ------------------------------------------------------------------ users
@route(users_bp, "/participants/<id:participant_id>/users", "GET", summary="A participant's users",
       access=SIGNED_IN, response=Page[UserOut], errors=(404,))
def list_users(principal: Principal, participant_id: int):
    rows = domain.list_users(session(), principal, participant_id)
    return Page[UserOut](items=[UserOut.model_validate(u) for u in rows], next_after=None)


@route(users_bp, "/participants/<id:participant_id>/users", "POST", summary="Add a user to a participant",
       access=MANAGER, body=UserIn, response=UserOut, status=201, errors=(404, 409, 422))
def add_user(principal: Principal, participant_id: int, body: UserIn):
    """The new user signs in with the wallet given; that first signature binds it."""
    return UserOut.model_validate(domain.add_user(session(), principal, participant_id, body))


@route(users_bp, "/participants/<id:participant_id>/users/<id:user_id>", "PATCH",
       summary="Change a user's details or grant", access=MANAGER, body=UserUpdate, response=UserOut,
       errors=(404, 409, 422))
def update_user(principal: Principal, participant_id: int, user_id: int, body: UserUpdate):
    return UserOut.model_validate(domain.update_user(session(), principal, participant_id, user_id, body))


@route(users_bp, "/participants/<id:participant_id>/users/<id:user_id>", "DELETE",
       summary="Deactivate a user (ends their sessions)", access=MANAGER, response=UserOut, errors=(404, 409))
def deactivate_user(principal: Principal, participant_id: int, user_id: int):
    return UserOut.model_validate(domain.deactivate_user(session(), principal, participant_id, user_id))

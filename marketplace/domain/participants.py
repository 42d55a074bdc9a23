"""Participants: sign-up, operator approval or rejection (with the on-chain role grant),
contact details, users and their grants, and registration documents.

Rules: a participant manages only its own users and contacts (its admins do); the operator
sees and manages all. A participant keeps at least one active admin contact. Approval needs
the three documents of seed table 1 and grants the participant's role in the on-chain
registry to every bound wallet of its active users — if the chain cannot be reached, nothing
changes (503). Documents are .pdf or .xml, at most 10 MB, stored in the instance folder
under their SHA-256 and never on chain.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.domain import audit
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from marketplace.domain.principal import Principal
from marketplace.models import Document, Participant, User, WebSession
from marketplace.models.base import now_s
from marketplace.models.enums import (
    REQUIRED_DOCUMENTS,
    DocumentKind,
    Grant,
    ParticipantRole,
    ParticipantStatus,
)
from marketplace.schemas.participants import ParticipantUpdate, SignUp, UserIn, UserUpdate

_REPRESENTATIVE = ("first_name", "last_name", "tax_id", "phone", "address", "email")


def get(session: Session, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("no such participant", details={"participant_id": participant_id})
    return participant


def _wallet_free(session: Session, address: str) -> None:
    if session.scalars(select(User.id).where(User.wallet_address == address)).first() is not None:
        raise Conflict("this wallet already belongs to a user", code="wallet_in_use", details={"wallet_address": address})


# -------------------------------------------------------------------- sign-up and decisions
def sign_up(session: Session, data: SignUp, address: str, remote_addr: str | None) -> tuple[Participant, User]:
    """Register a participant (pending) and its representative as its first admin user,
    with ``address`` — whose SIWE signature the caller verified — bound as their wallet."""
    _wallet_free(session, address)
    now = now_s()
    rep = data.representative
    participant = Participant(
        role=ParticipantRole(data.role),
        fsp_kind=data.fsp_kind,
        status=ParticipantStatus.PENDING,
        entity_name=data.entity_name,
        tax_id=data.tax_id.upper(),
        iban=data.iban,
        address=data.address,
        locality=data.locality,
        postal_code=data.postal_code,
        province=data.province,
        country=data.country,
        phone=data.phone,
        email=data.email,
        **{f"representative_{k}": getattr(rep, k) for k in _REPRESENTATIVE},
        created_at=now,
        updated_at=now,
    )
    session.add(participant)
    session.flush()
    user = User(
        participant_id=participant.id,
        first_name=rep.first_name,
        last_name=rep.last_name,
        tax_id=rep.tax_id.upper(),
        phone=rep.phone,
        address=rep.address,
        email=rep.email,
        grant=Grant.ADMIN,
        power_of_attorney=True,
        is_contact=True,
        active=True,
        wallet_address=address,
        wallet_bound_at=now,
        created_at=now,
    )
    session.add(user)
    session.flush()
    principal = Principal(user=user, participant=participant, grant=user.grant, remote_addr=remote_addr)
    audit.record(session, principal, "participant.signed_up", "participant", participant.id, after=audit.snapshot(participant))
    audit.record(session, principal, "user.created", "user", user.id, after=audit.snapshot(user))
    return participant, user


def list_participants(
    session: Session, principal: Principal, *, role: ParticipantRole | None, status: ParticipantStatus | None,
    after: int | None, limit: int,
) -> Sequence[Participant]:
    """The directory: approved participants for everyone; any status for the operator."""
    stmt = select(Participant).order_by(Participant.id).limit(limit)
    if not principal.is_operator:
        if status not in (None, ParticipantStatus.APPROVED):
            raise Forbidden("only the operator may list participants that are not approved", code="operator_only")
        status = ParticipantStatus.APPROVED
    if status is not None:
        stmt = stmt.where(Participant.status == status)
    if role is not None:
        stmt = stmt.where(Participant.role == role)
    if after is not None:
        stmt = stmt.where(Participant.id > after)
    return session.scalars(stmt).all()


def update_contacts(session: Session, principal: Principal, participant_id: int, data: ParticipantUpdate) -> Participant:
    principal.require_manager_of(participant_id)
    participant = get(session, participant_id)
    before = audit.snapshot(participant)
    changes = data.model_dump(exclude_unset=True, exclude={"representative"})
    for key, value in changes.items():
        if value is None:
            raise InvalidInput(f"{key} cannot be removed", details={"field": key})
        setattr(participant, key, value)
    if data.representative is not None:
        for key in _REPRESENTATIVE:
            setattr(participant, f"representative_{key}", getattr(data.representative, key))
    participant.updated_at = now_s()
    audit.record(session, principal, "participant.updated", "participant", participant.id,
                 before=before, after=audit.snapshot(participant), participant_id=participant.id)
    return participant


def missing_documents(session: Session, participant_id: int) -> list[DocumentKind]:
    have = set(session.scalars(select(Document.kind).where(Document.participant_id == participant_id)))
    return [kind for kind in REQUIRED_DOCUMENTS if kind not in have]


def _grant_roles(session: Session, participant: Participant, gateway: ChainGateway) -> list[tuple[User, str | None]]:
    """Grant the participant's registry role to each bound wallet of its active users that
    does not have it recorded yet; chain first, database after (by the caller's commit)."""
    users = [u for u in participant.users if u.active and u.wallet_bound_at is not None and u.chain_role_granted_at is None]
    grants = [(user, gateway.grant_role(user.wallet_address, participant.role)) for user in users]
    now = now_s()
    for user, tx in grants:
        user.chain_role_granted_at = now
        user.chain_role_tx = tx
    return grants


def approve(session: Session, principal: Principal, participant_id: int, note: str | None,
            gateway: ChainGateway) -> tuple[Participant, list[tuple[User, str | None]]]:
    """Approve a pending (or earlier rejected) participant and grant its role on chain."""
    participant = get(session, participant_id)
    if participant.status is ParticipantStatus.APPROVED:
        raise Conflict("the participant is already approved", code="already_approved")
    missing = missing_documents(session, participant_id)
    if missing:
        raise Conflict(
            "the participant has not uploaded every required document",
            code="documents_missing", details={"missing": [kind.value for kind in missing]},
        )
    before = audit.snapshot(participant)
    grants = _grant_roles(session, participant, gateway)
    participant.status = ParticipantStatus.APPROVED
    participant.status_reason = note
    participant.decided_at = now_s()
    participant.decided_by_user_id = principal.actor_user_id
    participant.updated_at = participant.decided_at
    audit.record(session, principal, "participant.approved", "participant", participant.id, before=before,
                 after={**audit.snapshot(participant), "role_grants": [
                     {"user_id": u.id, "wallet_address": u.wallet_address, "tx_hash": tx} for u, tx in grants]},
                 participant_id=participant.id)
    return participant, grants


def reject(session: Session, principal: Principal, participant_id: int, reason: str) -> Participant:
    participant = get(session, participant_id)
    if participant.status is not ParticipantStatus.PENDING:
        raise Conflict(f"only a pending registration can be rejected (this one is {participant.status.value})",
                       code="not_pending")
    before = audit.snapshot(participant)
    participant.status = ParticipantStatus.REJECTED
    participant.status_reason = reason
    participant.decided_at = now_s()
    participant.decided_by_user_id = principal.actor_user_id
    participant.updated_at = participant.decided_at
    audit.record(session, principal, "participant.rejected", "participant", participant.id,
                 before=before, after=audit.snapshot(participant), participant_id=participant.id)
    return participant


def grant_missing_roles(session: Session, principal: Principal, participant_id: int,
                        gateway: ChainGateway) -> tuple[Participant, list[tuple[User, str | None]]]:
    """Grant the role to wallets bound since the approval (e.g. users added later)."""
    participant = get(session, participant_id)
    if participant.status is not ParticipantStatus.APPROVED:
        raise Conflict("the participant is not approved", code="not_approved")
    grants = _grant_roles(session, participant, gateway)
    if grants:
        audit.record(session, principal, "participant.roles_granted", "participant", participant.id,
                     after={"role_grants": [{"user_id": u.id, "wallet_address": u.wallet_address, "tx_hash": tx}
                                            for u, tx in grants]}, participant_id=participant.id)
    return participant, grants


def ensure_operator(session: Session, wallet_address: str, *, name: str = "Market operator") -> User | None:
    """Create the market operator participant and its first admin user when none exists.

    Returns the new user, or None when an operator participant already exists. The operator
    is approved from the start (it approves everyone else).
    """
    exists = session.scalars(
        select(Participant.id).where(Participant.role == ParticipantRole.MARKET_OPERATOR)
    ).first()
    if exists is not None:
        return None
    _wallet_free(session, wallet_address)
    now = now_s()
    participant = Participant(
        role=ParticipantRole.MARKET_OPERATOR, status=ParticipantStatus.APPROVED, entity_name=name,
        tax_id="-", iban="-", address="-", locality="-", postal_code="-", province="-", country="--",
        phone="-", email="-", representative_first_name=name, representative_last_name="-",
        representative_tax_id="-", representative_phone="-", representative_address="-",
        representative_email="-", decided_at=now, created_at=now, updated_at=now,
        status_reason="bootstrapped at start",
    )
    session.add(participant)
    session.flush()
    user = User(
        participant_id=participant.id, first_name=name, last_name="admin", email="-", grant=Grant.ADMIN,
        is_contact=True, power_of_attorney=True, active=True, wallet_address=wallet_address,
        chain_role_granted_at=now, created_at=now,
    )
    session.add(user)
    session.flush()
    system = Principal(participant=participant, grant=Grant.ADMIN)
    audit.record(session, system, "participant.operator_bootstrapped", "participant", participant.id,
                 after={**audit.snapshot(participant), "admin_wallet": wallet_address})
    return user


# -------------------------------------------------------------------- users
def list_users(session: Session, principal: Principal, participant_id: int) -> Sequence[User]:
    principal.require_reader_of(participant_id)
    get(session, participant_id)
    return session.scalars(select(User).where(User.participant_id == participant_id).order_by(User.id)).all()


def _user_of(session: Session, participant_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.participant_id != participant_id:
        raise NotFound("no such user of this participant", details={"user_id": user_id})
    return user


def add_user(session: Session, principal: Principal, participant_id: int, data: UserIn) -> User:
    principal.require_manager_of(participant_id)
    get(session, participant_id)
    _wallet_free(session, data.wallet_address)
    user = User(
        participant_id=participant_id, first_name=data.first_name, last_name=data.last_name,
        tax_id=None if data.tax_id is None else data.tax_id.upper(), phone=data.phone, address=data.address,
        email=data.email, grant=data.grant, power_of_attorney=data.power_of_attorney, is_contact=data.is_contact,
        active=True, wallet_address=data.wallet_address, created_at=now_s(),
    )
    session.add(user)
    session.flush()
    audit.record(session, principal, "user.created", "user", user.id, after=audit.snapshot(user),
                 participant_id=participant_id)
    return user


def _keeps_an_admin_contact(session: Session, participant_id: int, without_user_id: int) -> bool:
    count = session.scalar(
        select(func.count(User.id)).where(
            User.participant_id == participant_id, User.active.is_(True), User.grant == Grant.ADMIN,
            User.is_contact.is_(True), User.id != without_user_id,
        )
    )
    return bool(count)


def update_user(session: Session, principal: Principal, participant_id: int, user_id: int, data: UserUpdate) -> User:
    principal.require_manager_of(participant_id)
    user = _user_of(session, participant_id, user_id)
    before = audit.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    for key in ("first_name", "last_name", "email", "grant", "power_of_attorney", "is_contact"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be removed", details={"field": key})
    stays_admin_contact = changes.get("grant", user.grant) is Grant.ADMIN and changes.get("is_contact", user.is_contact)
    if user.active and not stays_admin_contact and not _keeps_an_admin_contact(session, participant_id, user.id):
        raise Conflict("a participant keeps at least one active admin contact", code="last_admin_contact")
    for key, value in changes.items():
        setattr(user, key, value.upper() if key == "tax_id" and value else value)
    audit.record(session, principal, "user.updated", "user", user.id, before=before, after=audit.snapshot(user),
                 participant_id=participant_id)
    return user


def deactivate_user(session: Session, principal: Principal, participant_id: int, user_id: int) -> User:
    """Deactivate a user (kept for the audit trail) and end their sessions."""
    principal.require_manager_of(participant_id)
    user = _user_of(session, participant_id, user_id)
    if not user.active:
        raise Conflict("the user is already deactivated", code="already_deactivated")
    if user.grant is Grant.ADMIN and user.is_contact and not _keeps_an_admin_contact(session, participant_id, user.id):
        raise Conflict("a participant keeps at least one active admin contact", code="last_admin_contact")
    before = audit.snapshot(user)
    user.active = False
    now = now_s()
    for record in session.scalars(select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))):
        record.ended_at = now
    audit.record(session, principal, "user.deactivated", "user", user.id, before=before, after=audit.snapshot(user),
                 participant_id=participant_id)
    return user


# -------------------------------------------------------------------- documents
#: Accepted document types: extension → (media type, leading bytes check).
_DOCUMENT_TYPES = {".pdf": "application/pdf", ".xml": "application/xml"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _looks_like(media_type: str, head: bytes) -> bool:
    if media_type == "application/pdf":
        return head.startswith(b"%PDF-")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or text.startswith(b"<")


def save_file(filename: str, stream: BinaryIO, documents_path: Path, max_bytes: int) -> tuple[str, int, str, str]:
    """Check and store an uploaded .pdf or .xml file under ``documents_path/<sha256[:2]>/<sha256>``;
    returns (media type, size in bytes, SHA-256 hex, a safe file name).

    Refused: another extension than .pdf/.xml (415), content not matching it (422), more than
    ``max_bytes`` (413), an empty file (422).
    """
    suffix = Path(filename or "").suffix.lower()
    media_type = _DOCUMENT_TYPES.get(suffix)
    if media_type is None:
        raise UnsupportedMediaType("documents must be .pdf or .xml files", code="unsupported_document_type",
                                   details={"filename": filename[:255] if filename else None})
    documents_path.mkdir(parents=True, exist_ok=True)
    sha, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=documents_path, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            head = b""
            while chunk := stream.read(1 << 16):
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"documents may be at most {max_bytes} bytes", code="document_too_large",
                                          details={"max_bytes": max_bytes})
                sha.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("the document is empty", code="empty_document")
        if not _looks_like(media_type, head):
            raise InvalidInput(f"the file's content is not {'a PDF' if suffix == '.pdf' else 'XML'}",
                               code="document_content_mismatch")
        hexdigest = sha.hexdigest()
        target = documents_path / hexdigest[:2] / hexdigest
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    safe = _SAFE_NAME.sub("_", Path(filename).name)[:255] or f"document{suffix}"
    return media_type, size, hexdigest, safe


def store_document(
    session: Session, principal: Principal, participant_id: int, kind: DocumentKind, filename: str,
    stream: BinaryIO, documents_path: Path, max_bytes: int,
) -> Document:
    """Check and store an uploaded document; returns its record.

    Refused: another extension than .pdf/.xml (415), content not matching it (422), more than
    ``max_bytes`` (413). The file is written under ``documents_path/<sha256[:2]>/<sha256>``.
    """
    principal.require_manager_of(participant_id)
    get(session, participant_id)
    media_type, size, hexdigest, safe = save_file(filename, stream, documents_path, max_bytes)
    document = Document(
        participant_id=participant_id, kind=kind, filename=safe, media_type=media_type, size_bytes=size,
        sha256=hexdigest, uploaded_at=now_s(), uploaded_by_user_id=principal.acting_as_user_id,
    )
    session.add(document)
    session.flush()
    audit.record(session, principal, "document.uploaded", "document", document.id, after=audit.snapshot(document),
                 participant_id=participant_id)
    return document


def list_documents(session: Session, principal: Principal, participant_id: int) -> Sequence[Document]:
    principal.require_reader_of(participant_id)
    get(session, participant_id)
    return session.scalars(select(Document).where(Document.participant_id == participant_id).order_by(Document.id)).all()


def document_file(session: Session, principal: Principal, participant_id: int, document_id: int,
                  documents_path: Path) -> tuple[Document, Path]:
    principal.require_reader_of(participant_id)
    document = session.get(Document, document_id)
    if document is None or document.participant_id != participant_id:
        raise NotFound("no such document", details={"document_id": document_id})
    return document, documents_path / document.sha256[:2] / document.sha256


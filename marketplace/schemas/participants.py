"""Schemas of participants (seed table 1), their users (fig. 7) and documents."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from marketplace.models.enums import DocumentKind, FspKind, Grant, ParticipantRole, ParticipantStatus
from marketplace.schemas.common import (
    Country,
    Email,
    Iban,
    Id,
    LongText,
    Name,
    Paging,
    Phone,
    PostalCode,
    Query,
    Reason,
    Request,
    Response,
    ShortText,
    TaxId,
    UnixTime,
    WalletAddress,
    text,
)

Address = text(200)

#: EIP-191 signature: 0x + 65 bytes in hex.
Signature = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="EIP-191 personal_sign signature, 0x + 130 hex digits.")


class SiweProof(Request):
    """An EIP-4361 (Sign-In with Ethereum) message and its signature by the wallet it names."""

    message: str = Field(min_length=1, max_length=4000, description="The EIP-4361 message exactly as signed.")
    signature: str = Signature


class Representative(Request):
    """The participant's representative (responsible person, seed table 1)."""

    first_name: ShortText
    last_name: ShortText
    tax_id: TaxId
    phone: Phone
    address: Address
    email: Email


class RepresentativeOut(Response):
    first_name: str
    last_name: str
    tax_id: str
    phone: str
    address: str
    email: str


class SignUp(Request):
    """A registration request (seed table 1). The wallet proof binds the representative's
    wallet: a SIWE message with a nonce from ``GET /auth/nonce``, signed by that wallet.
    ``fsp_kind`` is required for FSPs (market agents) and absent otherwise."""

    role: Literal["dso", "fsp", "meter_oracle"] = Field(description="DSO, FSP (market agent) or meter oracle.")
    fsp_kind: FspKind | None = None
    entity_name: Name = Field(description="Name of the company or natural person.")
    tax_id: TaxId
    iban: Iban
    address: Address
    locality: ShortText
    postal_code: PostalCode
    province: ShortText
    country: Country
    phone: Phone = Field(description="Group phone.")
    email: Email = Field(description="Group email.")
    representative: Representative
    wallet: SiweProof

    @model_validator(mode="after")
    def _kind_for_fsp(self) -> SignUp:
        if self.role == "fsp" and self.fsp_kind is None:
            raise ValueError("fsp_kind is required for an FSP")
        if self.role != "fsp" and self.fsp_kind is not None:
            raise ValueError("fsp_kind is only for FSPs")
        return self


class ParticipantUpdate(Request):
    """Contact details a participant may change itself (not its identity: name, tax ID, IBAN)."""

    address: Address | None = None
    locality: ShortText | None = None
    postal_code: PostalCode | None = None
    province: ShortText | None = None
    country: Country | None = None
    phone: Phone | None = None
    email: Email | None = None
    representative: Representative | None = None


class ParticipantPublic(Response):
    """What anyone may know of a participant."""

    id: int
    role: ParticipantRole
    fsp_kind: FspKind | None
    entity_name: str
    status: ParticipantStatus


class ParticipantOut(Response):
    """A participant with its registration data (the participant itself and the operator)."""

    id: int
    role: ParticipantRole
    fsp_kind: FspKind | None
    status: ParticipantStatus
    status_reason: str | None
    decided_at: UnixTime | None
    entity_name: str
    tax_id: str
    iban: str
    address: str
    locality: str
    postal_code: str
    province: str
    country: str
    phone: str
    email: str
    representative: RepresentativeOut
    created_at: UnixTime
    updated_at: UnixTime


class ParticipantListQuery(Paging):
    """Filters of the participant directory (``status`` other than approved: operator only)."""

    role: ParticipantRole | None = None
    status: ParticipantStatus | None = None


class Approve(Request):
    note: LongText | None = None


class Reject(Request):
    reason: Reason


class RoleGrant(Response):
    """One registry grant: ``tx_hash`` null when the wallet already held the role."""

    user_id: int
    wallet_address: str
    tx_hash: str | None


class DecisionOut(Response):
    participant: ParticipantOut
    grants: list[RoleGrant] = Field(default_factory=list)


class UserIn(Request):
    """A new user of a participant (seed fig. 7). The wallet is bound at the user's first
    sign-in with it (the signature proves control)."""

    first_name: ShortText
    last_name: ShortText
    tax_id: TaxId | None = None
    phone: Phone | None = None
    address: Address | None = None
    email: Email
    grant: Grant = Field(description="read_only, trader or admin (user and contact management).")
    power_of_attorney: bool = False
    is_contact: bool = False
    wallet_address: WalletAddress


class UserUpdate(Request):
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    tax_id: TaxId | None = None
    phone: Phone | None = None
    address: Address | None = None
    email: Email | None = None
    grant: Grant | None = None
    power_of_attorney: bool | None = None
    is_contact: bool | None = None


class UserOut(Response):
    id: int
    participant_id: int
    first_name: str
    last_name: str
    tax_id: str | None
    phone: str | None
    address: str | None
    email: str
    grant: Grant
    power_of_attorney: bool
    is_contact: bool
    active: bool
    wallet_address: str
    wallet_bound_at: UnixTime | None = Field(description="When the wallet's holder proved control by a signature.")
    chain_role_granted_at: UnixTime | None
    chain_role_tx: str | None
    created_at: UnixTime


class DocumentOut(Response):
    """A stored document: its SHA-256 is of the exact bytes uploaded."""

    id: int
    participant_id: int
    kind: DocumentKind
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: UnixTime


class DocumentUpload(Query):
    """Multipart form: ``kind`` and ``file`` (.pdf or .xml, at most 10 MB)."""

    kind: DocumentKind


class UserId(Request):
    user_id: Id

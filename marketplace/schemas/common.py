"""Field types shared by the API's request and response schemas.

Integers everywhere for quantities: power W, energy Wh, reactive power var, durations and
times in seconds (times are Unix seconds UTC), coordinates in micro-degrees (WGS 84,
``latitude_udeg = round(latitude x 1,000,000)``). Every integer is bounded so it fits the
database's 64-bit columns; every string is bounded and free of control characters.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from eth_utils import is_checksum_address, to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

#: No control characters (they also cannot be stored in PostgreSQL text when NUL).
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def text(max_length: int, *, min_length: int = 1) -> type[str]:
    """A trimmed single-line string of ``min_length``..``max_length`` characters."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=_PRINTABLE)
    ]


Name = text(200)
ShortText = text(100)
LongText = text(1000)
Reason = Annotated[text(1000), Field(description="Why (shown to the other party).")]

TaxId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{1,9}$"),
    Field(description="Tax identification code, at most 9 letters or digits (seed table 1)."),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$"),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ()\-]{3,30}$"),
    Field(description="Telephone number: digits, spaces, ( ) and -, optionally starting with +."),
]
PostalCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,14}$"),
    Field(description="Postal code, 2 to 15 letters, digits, spaces or dashes."),
]
Country = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(description="ISO 3166-1 alpha-2 country code, e.g. ES.")
]


def _iban(value: str) -> str:
    compact = value.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(number) % 97 != 1:
        raise ValueError("IBAN check digits do not match (ISO 13616 mod-97)")
    return compact


Iban = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,36}$", max_length=42),
    AfterValidator(_iban),
    Field(description="IBAN (ISO 13616), spaces allowed; stored without spaces, upper case, check digits verified."),
]


def _checksum(value: str) -> str:
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise ValueError("mixed-case address with a wrong EIP-55 checksum")
    return to_checksum_address(value)


WalletAddress = Annotated[
    str,
    StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$"),
    AfterValidator(_checksum),
    Field(description="Ethereum address (0x + 40 hex digits); returned EIP-55 checksummed."),
]

MAX_POWER_W = 10**12
Watts = Annotated[int, Field(ge=0, le=MAX_POWER_W, description="Power, W (integer).")]
SignedWatts = Annotated[int, Field(ge=-MAX_POWER_W, le=MAX_POWER_W, description="Power, W (integer, signed).")]
VoltAmpsReactive = Annotated[int, Field(ge=0, le=MAX_POWER_W, description="Reactive power, var (integer).")]
WattHours = Annotated[int, Field(ge=0, le=10**15, description="Energy, Wh (integer).")]
Seconds = Annotated[int, Field(ge=0, le=10**9, description="Duration, s (integer).")]
UnixTime = Annotated[int, Field(ge=0, le=10**11, description="Unix time, s UTC (integer).")]
LatitudeMicroDeg = Annotated[int, Field(ge=-90_000_000, le=90_000_000, description="Latitude, micro-degrees (WGS 84).")]
LongitudeMicroDeg = Annotated[int, Field(ge=-180_000_000, le=180_000_000, description="Longitude, micro-degrees (WGS 84).")]
#: Largest id (ids are 32-bit integers in the database).
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Request(BaseModel):
    """Base of request bodies: strict types (no "3" for 3), no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Base of query-parameter models: values arrive as strings; unknown names refused."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    """Base of response bodies, built from models by attribute."""

    model_config = ConfigDict(from_attributes=True)


class Paging(Query):
    limit: int = Field(100, ge=1, le=1000, description="Most items to return.")
    after: int | None = Field(None, ge=0, le=MAX_ID, description="Return items with an id above this (keyset paging).")


T = TypeVar("T")


class Page(Response, Generic[T]):
    """A page of items in id order; pass ``next_after`` as ``after`` for the next page."""

    items: list[T]
    next_after: int | None = Field(description="Id to pass as `after` for the next page; null on the last page.")


class Ok(Response):
    ok: bool = True


class ErrorBody(Response):
    """Every error: a stable code, a human-readable message and the values involved."""

    code: str
    message: str
    details: dict = Field(default_factory=dict)


class BulkItemResult(Response):
    """Outcome of one item of a bulk request (``index`` counts from 0 in request order)."""

    index: int
    ok: bool
    id: int | None = None
    code: str | None = None
    message: str
    details: dict = Field(default_factory=dict)


class BulkResult(Response):
    created: int
    failed: int
    results: list[BulkItemResult]

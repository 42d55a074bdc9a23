"""The market itself: products, markets and sessions, DSO requests and their on-chain legs,
qualification, signed bids, agreements, activations.

Vocabulary (one word per concept, in every layer): a **Product** of the operator's catalogue
(seed fig. 45); a **Market** a DSO initiates at a grid element or zone; **MarketSession**s
(auction sessions) of a market with gate open/close and a delivery period; a DSO's
**FlexRequest** in a session, escrowed on chain as one **ChainRequest** per leg (one leg for
energy and firm-activation requests; an ``availability`` and an ``activation`` leg for
long-term availability requests); FSP **Qualification**s of assets per long-term request; a
**Bid** per bidding unit and request (one row per signed version, one **BidLeg** signature per
chain leg); an **Agreement** per awarded bid leg (the contract's agreement, mirrored); DSO
**Activation**s of long-term availability.

Units: power W, energy Wh, prices token base units per MWh (availability: per MW per hour of
service window), money token base units (1 EUR = 1,000,000), times Unix seconds UTC, market
intervals 900 s. On-chain ids: request ids are integers, agreement ids 0x + 64 hex digits.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clearing.model import Kind, Pricing
from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column
from marketplace.models.enums import Decision, Direction, Product


# ---------------------------------------------------------------------------------- enums
class ProductBlock(StrEnum):
    """The delivery block a product is traded in (seed fig. 45: 15min, BASE WEEK, BASE MONTH)."""

    QUARTER_HOUR = "15min"
    WEEK = "week"
    MONTH = "month"


class Horizon(StrEnum):
    """Long-term sessions are opened by hand; short-term ones by the scheduler (seed 3.3.4.3.2)."""

    LONG_TERM = "long_term"
    SHORT_TERM = "short_term"


class SessionMode(StrEnum):
    """How a session's winners are chosen: the clearing engine, or the DSO by hand (seed 3.4.6)."""

    AUCTION = "auction"
    MANUAL_PICK = "manual_pick"


class SessionStatus(StrEnum):
    """Where a session stands; its requests carry their own status."""

    SCHEDULED = "scheduled"  # created, gate not open yet
    OPEN = "open"  # gate open: bids accepted
    CLOSED = "closed"  # gate closed: books committed; clearing, award or the DSO's pick under way
    AWARDED = "awarded"  # results published
    CANCELLED = "cancelled"


class SessionOrigin(StrEnum):
    MANUAL = "manual"  # opened by a DSO (long-term, or any by hand)
    SCHEDULER = "scheduler"  # opened automatically for a grid tool's flexibility need


class RequestStatus(StrEnum):
    """A DSO request's lifecycle (seed 3.2.2.4: validation by the operator, then publication)."""

    SUBMITTED = "submitted"  # waiting for the operator's validation
    VALIDATED = "validated"  # validated; waiting for the DSO's escrow on chain
    PUBLISHED = "published"  # escrow on chain (every leg): public, open for qualification and bids
    CLOSED = "closed"  # gate closed: order book committed
    AWARDED = "awarded"  # results published, agreements created
    REJECTED = "rejected"  # refused by the operator
    CANCELLED = "cancelled"  # cancelled by the DSO or the operator before gate closure
    EXPIRED = "expired"  # not published (escrowed) before gate closure


class RequestSource(StrEnum):
    """How the request was entered (seed 3.2.3.3: screen, file, web services)."""

    API = "api"
    FORM = "form"
    FILE = "file"
    GRID_TOOL = "grid_tool"


class Leg(StrEnum):
    """Which on-chain request of a DSO request: energy (short-term energy, firm activation), or
    the availability and activation legs of a long-term availability request."""

    ENERGY = "energy"
    AVAILABILITY = "availability"
    ACTIVATION = "activation"


class ChainRequestStatus(StrEnum):
    PENDING = "pending"  # prepared; the DSO has not created it on chain yet
    CREATED = "created"  # RequestCreated seen with the expected ref and terms
    COMMITTED = "committed"  # BookCommitted
    AWARDED = "awarded"  # RequestAwarded
    CANCELLED = "cancelled"  # RequestCancelled


class QualificationStatus(StrEnum):
    PENDING = "pending"
    QUALIFIED = "qualified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class BidStatus(StrEnum):
    """One version of a bid: the latest is ``active`` (or ``withdrawn``), older ones ``superseded``."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class BidOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AgreementKind(StrEnum):
    """What the agreement pays for: delivered energy, availability (capacity x service hours,
    Wh-equivalent), or the activations of a long-term availability agreement."""

    ENERGY = "energy"
    AVAILABILITY = "availability"
    ACTIVATION = "activation"


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    SETTLED = "settled"  # DeliveryAttested
    RECLAIMED = "reclaimed"  # AgreementReclaimed


class ActivationStatus(StrEnum):
    ORDERED = "ordered"
    CANCELLED = "cancelled"


class NeedStatus(StrEnum):
    PENDING = "pending"  # waiting for a yellow or orange light
    OPENED = "opened"  # a short-term session and request were opened for it
    REJECTED = "rejected"  # could not be opened (reason given)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry


# ---------------------------------------------------------------------------------- catalogue
class MarketProduct(Base):
    """A product of the operator's catalogue (seed fig. 45, tables 5, 9, 10).

    ``category`` is the clearing product (short-term energy, long-term availability, long-term
    energy / firm activation). Quantity limits apply to every 15-min interval of a bid:
    average power 4 x Wh within [``min_power_w``, ``max_power_w``], Wh a multiple of
    ``quantity_step_wh``. Prices must be multiples of ``price_step`` (base units per MWh;
    availability: per MW per hour). Times in s.
    """

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[Product] = enum_column(Product)
    direction: Mapped[Direction] = enum_column(Direction)
    block: Mapped[ProductBlock] = enum_column(ProductBlock)
    min_power_w: Mapped[int] = int_column()
    max_power_w: Mapped[int] = int_column()
    quantity_step_wh: Mapped[int] = int_column()
    price_step: Mapped[int] = int_column()
    preparation_s: Mapped[int] = int_column()
    rest_time_min_s: Mapped[int] = int_column()
    rest_time_max_s: Mapped[int] = int_column()
    activation_duration_s: Mapped[int] = int_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = time_column(default_now=True)
    updated_at: Mapped[int] = time_column(default_now=True)


market_product = Table(
    "market_product",
    Base.metadata,
    Column("market_id", Integer, ForeignKey("market.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Integer, ForeignKey("product.id"), primary_key=True),
)


class Market(Base):
    """A local market a DSO initiated at one of its grid elements (or zones), with a validity
    period and the products traded in it (seed 3.3.4.3)."""

    __tablename__ = "market"
    __table_args__ = (UniqueConstraint("dso_id", "name"),)

    id: Mapped[int] = id_column()
    dso_id: Mapped[int] = fk("participant.id")
    name: Mapped[str] = mapped_column(String(200))
    grid_element_id: Mapped[int | None] = fk("grid_element.id", nullable=True)
    zone_id: Mapped[int | None] = fk("zone.id", nullable=True)
    valid_from: Mapped[int] = int_column()
    valid_until: Mapped[int] = int_column()
    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)

    products: Mapped[list[MarketProduct]] = relationship(secondary=market_product, order_by=MarketProduct.id)


class MarketSession(Base):
    """An auction session of a market: bids between ``gate_open_at`` and ``gate_close_at``,
    delivery in [``delivery_start``, ``delivery_end``). ``award_window_s`` (after gate closure,
    never past delivery start) and ``attest_window_s`` (after delivery end) set the on-chain
    deadlines; the success threshold and penalty (percent) go into every agreement."""

    __tablename__ = "market_session"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = id_column()
    market_id: Mapped[int] = fk("market.id")
    code: Mapped[str] = mapped_column(String(64))
    horizon: Mapped[Horizon] = enum_column(Horizon)
    mode: Mapped[SessionMode] = enum_column(SessionMode)
    pricing: Mapped[Pricing] = enum_column(Pricing)
    origin: Mapped[SessionOrigin] = enum_column(SessionOrigin)
    status: Mapped[SessionStatus] = enum_column(SessionStatus, index=True)
    gate_open_at: Mapped[int] = int_column()
    gate_close_at: Mapped[int] = int_column(index=True)
    delivery_start: Mapped[int] = int_column()
    delivery_end: Mapped[int] = int_column()
    award_window_s: Mapped[int] = int_column()
    attest_window_s: Mapped[int] = int_column()
    success_threshold_pct: Mapped[int] = int_column()
    penalty_pct: Mapped[int] = int_column()
    #: Traffic light of the market's element when the gate closed (short-term clearing input).
    traffic_light: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[int | None] = time_column(nullable=True)
    results_at: Mapped[int | None] = time_column(nullable=True)
    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)

    market: Mapped[Market] = relationship()


# ---------------------------------------------------------------------------------- requests
class FlexRequest(Base):
    """A DSO's flexibility request (seed fig. 10, table 6) in a session.

    Every parameter of the seed's form: the location (own grid element or zone), the product
    (its category and direction), the required capacity (W) and minimum power to bid, price
    caps (activation/energy cap and minimum per MWh; maximum reservation price per MW per
    hour), the service window (dates, days of service as ISO weekday digits, start and end
    periods as seconds of the day in ``timezone``, bank holidays included or not), estimated
    activation hours, readiness (``minimal_lead_time_s``), additional information. The window
    expands into ``intervals`` (Wh per quarter-hour; capacity-time W x 0.25 h for availability).
    ``canonical`` is the canonical JSON published (its keccak256 is the on-chain ``ref``).
    """

    __tablename__ = "flex_request"

    id: Mapped[int] = id_column()
    session_id: Mapped[int] = fk("market_session.id")
    dso_id: Mapped[int] = fk("participant.id")
    product_id: Mapped[int] = fk("product.id")
    grid_element_id: Mapped[int | None] = fk("grid_element.id", nullable=True)
    zone_id: Mapped[int | None] = fk("zone.id", nullable=True)
    direction: Mapped[Direction] = enum_column(Direction)
    source: Mapped[RequestSource] = enum_column(RequestSource)
    status: Mapped[RequestStatus] = enum_column(RequestStatus, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(1000))

    required_power_w: Mapped[int | None] = int_column(nullable=True)
    min_bid_power_w: Mapped[int | None] = int_column(nullable=True)
    price_cap_per_mwh: Mapped[int] = int_column()
    min_activation_price_per_mwh: Mapped[int | None] = int_column(nullable=True)
    availability_price_cap_per_mw_h: Mapped[int | None] = int_column(nullable=True)
    service_start_date: Mapped[str | None] = mapped_column(String(10))
    service_end_date: Mapped[str | None] = mapped_column(String(10))
    service_days: Mapped[str | None] = mapped_column(String(7))
    start_period_s: Mapped[int | None] = int_column(nullable=True)
    end_period_s: Mapped[int | None] = int_column(nullable=True)
    bank_holidays_included: Mapped[bool] = mapped_column(Boolean, default=True)
    bank_holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    estimated_activation_hours: Mapped[int | None] = int_column(nullable=True)
    commitment_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    minimal_lead_time_s: Mapped[int | None] = int_column(nullable=True)
    additional_info: Mapped[str | None] = mapped_column(Text)
    #: Short-term auction for the same requirement as this long-term request (seed 3.2.2.6).
    lt_request_id: Mapped[int | None] = fk("flex_request.id", nullable=True)

    #: Sum of the intervals' Wh (capacity-time for availability).
    total_wh: Mapped[int] = int_column()
    delivery_start: Mapped[int] = int_column()
    delivery_end: Mapped[int] = int_column()
    canonical: Mapped[str | None] = mapped_column(Text)
    #: The clearing result of the request's book (docs/clearing-format.md), kept for the results views.
    clearing_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    validated_at: Mapped[int | None] = time_column(nullable=True)
    validated_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    published_at: Mapped[int | None] = time_column(nullable=True)
    closed_at: Mapped[int | None] = time_column(nullable=True)
    awarded_at: Mapped[int | None] = time_column(nullable=True)
    cancelled_at: Mapped[int | None] = time_column(nullable=True)

    session: Mapped[MarketSession] = relationship()
    product: Mapped[MarketProduct] = relationship()
    intervals: Mapped[list[RequestInterval]] = relationship(
        cascade="all, delete-orphan", order_by="RequestInterval.start", lazy="selectin")
    legs: Mapped[list[ChainRequest]] = relationship(order_by="ChainRequest.id", lazy="selectin",
                                                    back_populates="request")


class RequestInterval(Base):
    """One quarter-hour of a request: ``quantity_wh`` wanted (capacity-time for availability)."""

    __tablename__ = "request_interval"

    request_id: Mapped[int] = mapped_column(Integer, ForeignKey("flex_request.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    quantity_wh: Mapped[int] = int_column()


class RequestDocument(Base):
    """An additional document of a request, stored in the instance folder under its SHA-256."""

    __tablename__ = "request_document"

    id: Mapped[int] = id_column()
    request_id: Mapped[int] = fk("flex_request.id")
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = int_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[int] = time_column(default_now=True)
    uploaded_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)


class ChainRequest(Base):
    """One on-chain request (``IFlexMarket.FlexRequest``) of a DSO request, field by field.

    Prepared at validation (``pending``); ``created`` when the indexer (or the publish call)
    sees ``RequestCreated`` with this ``ref`` and exactly these terms; then committed, awarded
    or cancelled as the chain says. ``onchain_id`` is the contract's request id.
    """

    __tablename__ = "chain_request"
    __table_args__ = (UniqueConstraint("request_id", "leg"), UniqueConstraint("chain_id", "market_address", "onchain_id"))

    id: Mapped[int] = id_column()
    request_id: Mapped[int] = fk("flex_request.id")
    leg: Mapped[Leg] = enum_column(Leg)
    chain_id: Mapped[int] = int_column()
    market_address: Mapped[str] = mapped_column(String(42))
    status: Mapped[ChainRequestStatus] = enum_column(ChainRequestStatus, index=True)
    onchain_id: Mapped[int | None] = int_column(nullable=True)

    dso_address: Mapped[str] = mapped_column(String(42))
    gate_closure: Mapped[int] = int_column()
    award_deadline: Mapped[int] = int_column()
    delivery_end: Mapped[int] = int_column()
    attest_deadline: Mapped[int] = int_column()
    quantity_wh: Mapped[int] = int_column()
    price_cap_per_mwh: Mapped[int] = int_column()
    success_threshold_pct: Mapped[int] = int_column()
    penalty_pct: Mapped[int] = int_column()
    pay_as_clear: Mapped[bool] = mapped_column(Boolean)
    #: 0x-hex keccak256 of the canonical JSON of the published request and leg.
    ref: Mapped[str] = mapped_column(String(66), index=True)
    #: 0x-hex keccak256 of the grid element's (or zone's) identifier.
    location: Mapped[str] = mapped_column(String(66))
    escrow: Mapped[int] = int_column()

    created_tx: Mapped[str | None] = mapped_column(String(66))
    created_block: Mapped[int | None] = int_column(nullable=True)
    book_root: Mapped[str | None] = mapped_column(String(66))
    book_size: Mapped[int | None] = int_column(nullable=True)
    committed_tx: Mapped[str | None] = mapped_column(String(66))
    awarded_tx: Mapped[str | None] = mapped_column(String(66))
    awarded_by: Mapped[str | None] = mapped_column(String(42))
    awarded_wh: Mapped[int | None] = int_column(nullable=True)
    agreed: Mapped[int | None] = int_column(nullable=True)
    refund: Mapped[int | None] = int_column(nullable=True)
    cancelled_tx: Mapped[str | None] = mapped_column(String(66))
    #: What the award gives each winning bid, written before the award is sent (the clearing's
    #: accepted lines, or the DSO's pick): ``{"<bid id>": {"quantity_wh", "price_per_mwh",
    #: "intervals": [[start, Wh], ...]}}``.
    award_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[int] = time_column(default_now=True)

    request: Mapped[FlexRequest] = relationship(back_populates="legs")


# ---------------------------------------------------------------------------------- qualification
class Qualification(Base):
    """An FSP's qualification of one prequalified asset for one long-term request (seed table 2).

    ``qualified_power_w`` <= the asset's capacity in the request's direction; the guarantee
    (base units) is computed from it (default EUR 50 per qualified MW) and deposited on chain
    by the FSP. The DSO checks the technical part, the operator the guarantee; both accept →
    ``qualified``.
    """

    __tablename__ = "qualification"

    id: Mapped[int] = id_column()
    request_id: Mapped[int] = fk("flex_request.id")
    asset_id: Mapped[int] = fk("asset.id")
    fsp_id: Mapped[int] = fk("participant.id")
    qualified_power_w: Mapped[int] = int_column()
    guarantee: Mapped[int] = int_column()
    status: Mapped[QualificationStatus] = enum_column(QualificationStatus, index=True)
    note: Mapped[str | None] = mapped_column(String(1000))
    requested_at: Mapped[int] = time_column(default_now=True)
    requested_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    dso_decision: Mapped[Decision | None] = enum_column(Decision, nullable=True)
    dso_reason: Mapped[str | None] = mapped_column(String(1000))
    dso_decided_at: Mapped[int | None] = time_column(nullable=True)
    dso_decided_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    operator_decision: Mapped[Decision | None] = enum_column(Decision, nullable=True)
    operator_reason: Mapped[str | None] = mapped_column(String(1000))
    operator_decided_at: Mapped[int | None] = time_column(nullable=True)
    operator_decided_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    decided_at: Mapped[int | None] = time_column(nullable=True)


class UnitLimitation(Base):
    """A DSO's limitation on a bidding unit for short-term auctions (seed 3.2.3.3, 3.2.3.5):
    at most ``max_power_w`` (0: excluded) in ``direction`` (both when null) from
    ``valid_from`` until ``valid_until`` (open-ended when null)."""

    __tablename__ = "unit_limitation"

    id: Mapped[int] = id_column()
    dso_id: Mapped[int] = fk("participant.id")
    bidding_unit_id: Mapped[int] = fk("bidding_unit.id")
    direction: Mapped[Direction | None] = enum_column(Direction, nullable=True)
    max_power_w: Mapped[int] = int_column()
    valid_from: Mapped[int] = int_column()
    valid_until: Mapped[int | None] = int_column(nullable=True)
    reason: Mapped[str] = mapped_column(String(1000))
    source: Mapped[RequestSource] = enum_column(RequestSource)
    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)


# ---------------------------------------------------------------------------------- bids
class Bid(Base):
    """One signed version of an FSP's bid for one bidding unit in one request.

    The latest version is ``active`` (or ``withdrawn``); a new signed version supersedes it.
    ``terms`` is the canonical JSON of the off-chain terms the FSP signed (its keccak256,
    ``terms_hash``, is the ``terms`` field of every signed leg). A void bid keeps its reason
    (``void_reason``, a clearing rejection reason) and takes no part in the book. After
    results, ``outcome`` says accepted or rejected (with the clearing's reason).
    """

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("request_id", "bidding_unit_id", "version"),)

    id: Mapped[int] = id_column()
    request_id: Mapped[int] = fk("flex_request.id")
    bidding_unit_id: Mapped[int] = fk("bidding_unit.id")
    fsp_id: Mapped[int] = fk("participant.id")
    version: Mapped[int] = int_column()
    status: Mapped[BidStatus] = enum_column(BidStatus, index=True)
    kind: Mapped[Kind] = enum_column(Kind)
    direction: Mapped[Direction] = enum_column(Direction)
    divisible: Mapped[bool] = mapped_column(Boolean)
    #: Smallest accepted Wh in an interval of a divisible bid (0 for indivisible).
    min_quantity_wh: Mapped[int] = int_column()
    quantity_wh: Mapped[int] = int_column()
    price_per_mwh: Mapped[int] = int_column()
    availability_price_per_mw_h: Mapped[int | None] = int_column(nullable=True)
    #: For a long-term winner bidding in a short-term auction: its long-term activation price.
    lt_activation_price_per_mwh: Mapped[int | None] = int_column(nullable=True)
    rest_time_s: Mapped[int | None] = int_column(nullable=True)
    max_consecutive_activations: Mapped[int | None] = int_column(nullable=True)
    dca_code: Mapped[str | None] = mapped_column(String(64))
    qualified_power_w: Mapped[int | None] = int_column(nullable=True)
    guarantee: Mapped[int] = int_column()
    terms: Mapped[str] = mapped_column(Text)
    terms_hash: Mapped[str] = mapped_column(String(66))
    signer_address: Mapped[str] = mapped_column(String(42))
    void_reason: Mapped[str | None] = mapped_column(String(64))
    void_detail: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[int] = int_column()
    submitted_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    api_client_id: Mapped[int | None] = fk("api_client.id", nullable=True, index=False)
    withdrawn_at: Mapped[int | None] = time_column(nullable=True)
    outcome: Mapped[BidOutcome | None] = enum_column(BidOutcome, nullable=True)
    outcome_reason: Mapped[str | None] = mapped_column(String(64))
    outcome_detail: Mapped[str | None] = mapped_column(String(1000))
    accepted_wh: Mapped[int | None] = int_column(nullable=True)

    intervals: Mapped[list[BidInterval]] = relationship(
        cascade="all, delete-orphan", order_by="BidInterval.start", lazy="selectin")
    legs: Mapped[list[BidLeg]] = relationship(cascade="all, delete-orphan", order_by="BidLeg.id", lazy="selectin")


class BidInterval(Base):
    """Offered Wh of a bid in one quarter-hour (capacity-time for availability)."""

    __tablename__ = "bid_interval"

    bid_id: Mapped[int] = mapped_column(Integer, ForeignKey("bid.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    quantity_wh: Mapped[int] = int_column()


class BidLeg(Base):
    """The EIP-712 ``Bid`` signed for one chain leg, exactly as signed, with its digest and
    65-byte signature (0x-hex). The digest is the agreement id if the leg wins."""

    __tablename__ = "bid_leg"
    __table_args__ = (UniqueConstraint("digest"),)

    id: Mapped[int] = id_column()
    bid_id: Mapped[int] = mapped_column(Integer, ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    chain_request_id: Mapped[int] = fk("chain_request.id")
    leg: Mapped[Leg] = enum_column(Leg)
    onchain_request_id: Mapped[int] = int_column()
    fsp_address: Mapped[str] = mapped_column(String(42))
    quantity_wh: Mapped[int] = int_column()
    min_quantity_wh: Mapped[int] = int_column()
    price_per_mwh: Mapped[int] = int_column()
    guarantee: Mapped[int] = int_column()
    terms_hash: Mapped[str] = mapped_column(String(66))
    digest: Mapped[str] = mapped_column(String(66))
    signature: Mapped[str] = mapped_column(String(132))


# ---------------------------------------------------------------------------------- agreements
class Agreement(Base):
    """An agreement created on chain by an award (``OfferAwarded``), mirrored with everything
    the oracle and settlement need.

    ``agreement_id`` is the on-chain id (the winning bid leg's EIP-712 digest, 0x-hex). The
    fields ``onchain_request_id``, ``dso_address``, ``fsp_address``, ``quantity_wh``,
    ``price_per_mwh``, ``guarantee``, ``delivery_end``, ``attest_deadline``,
    ``success_threshold_pct`` and ``penalty_pct`` are exactly the contract's ``Agreement``
    struct (rebuild it with :meth:`chain_struct`). ``intervals`` are the ordered Wh per
    quarter-hour (availability: capacity-time; activation agreements: none — their quantities
    come from the DSO's activations). Meter ids: the bidding unit's assets'
    ``metering_point_id``. ``baseline_method``/``baseline_params`` select the oracle's baseline
    (``pre_window`` by default). Settlement results come from ``DeliveryAttested`` /
    ``AgreementReclaimed``.
    """

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("agreement_id"),)

    id: Mapped[int] = id_column()
    agreement_id: Mapped[str] = mapped_column(String(66))
    chain_id: Mapped[int] = int_column()
    market_address: Mapped[str] = mapped_column(String(42))
    chain_request_id: Mapped[int] = fk("chain_request.id")
    request_id: Mapped[int] = fk("flex_request.id")
    session_id: Mapped[int] = fk("market_session.id")
    bid_id: Mapped[int] = fk("bid.id")
    bid_leg_id: Mapped[int] = fk("bid_leg.id")
    bidding_unit_id: Mapped[int] = fk("bidding_unit.id")
    dso_id: Mapped[int] = fk("participant.id")
    fsp_id: Mapped[int] = fk("participant.id")
    kind: Mapped[AgreementKind] = enum_column(AgreementKind)
    direction: Mapped[Direction] = enum_column(Direction)
    status: Mapped[AgreementStatus] = enum_column(AgreementStatus, index=True)

    onchain_request_id: Mapped[int] = int_column()
    dso_address: Mapped[str] = mapped_column(String(42))
    fsp_address: Mapped[str] = mapped_column(String(42))
    quantity_wh: Mapped[int] = int_column()
    price_per_mwh: Mapped[int] = int_column()
    guarantee: Mapped[int] = int_column()
    delivery_end: Mapped[int] = int_column(index=True)
    attest_deadline: Mapped[int] = int_column()
    success_threshold_pct: Mapped[int] = int_column()
    penalty_pct: Mapped[int] = int_column()

    delivery_start: Mapped[int] = int_column()
    #: Token base units moved from escrow into the agreement: floor(price x quantity / 1e6).
    amount: Mapped[int] = int_column()
    baseline_method: Mapped[str] = mapped_column(String(32), default="pre_window")
    baseline_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The long-term availability agreement an activation agreement belongs to (and back).
    partner_agreement_id: Mapped[int | None] = fk("agreement.id", nullable=True)

    awarded_tx: Mapped[str] = mapped_column(String(66))
    awarded_block: Mapped[int] = int_column()
    created_at: Mapped[int] = time_column(default_now=True)
    delivered_wh: Mapped[int | None] = int_column(nullable=True)
    success: Mapped[bool | None] = mapped_column(Boolean)
    payment: Mapped[int | None] = int_column(nullable=True)
    penalty: Mapped[int | None] = int_column(nullable=True)
    refund: Mapped[int | None] = int_column(nullable=True)
    settled_tx: Mapped[str | None] = mapped_column(String(66))
    settled_at: Mapped[int | None] = int_column(nullable=True)

    intervals: Mapped[list[AgreementInterval]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementInterval.start", lazy="selectin")

    def chain_struct(self):
        """The contract's ``Agreement`` (``marketplace.chain.market.Agreement``) for settlement calls."""
        from marketplace.chain.market import Agreement as ChainAgreement

        return ChainAgreement(
            id=bytes.fromhex(self.agreement_id[2:]), requestId=self.onchain_request_id, dso=self.dso_address,
            fsp=self.fsp_address, quantityWh=self.quantity_wh, pricePerMWh=self.price_per_mwh,
            guarantee=self.guarantee, deliveryEnd=self.delivery_end, attestDeadline=self.attest_deadline,
            successThresholdPct=self.success_threshold_pct, penaltyPct=self.penalty_pct,
        )


class AgreementInterval(Base):
    """Ordered Wh of an agreement in one quarter-hour (``start`` Unix s)."""

    __tablename__ = "agreement_interval"

    agreement_id: Mapped[int] = mapped_column(Integer, ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    quantity_wh: Mapped[int] = int_column()


class Activation(Base):
    """A DSO's activation of long-term availability within the service window: the ordered Wh
    per quarter-hour in ``direction`` from the bidding unit behind ``agreement_id`` (the
    availability agreement; ``activation_agreement_id`` is its activation agreement). The oracle
    judges each activation (``delivered_wh``, ``success``)."""

    __tablename__ = "activation"

    id: Mapped[int] = id_column()
    agreement_id: Mapped[int] = fk("agreement.id")
    activation_agreement_id: Mapped[int | None] = fk("agreement.id", nullable=True)
    request_id: Mapped[int] = fk("flex_request.id")
    bidding_unit_id: Mapped[int] = fk("bidding_unit.id")
    dso_id: Mapped[int] = fk("participant.id")
    fsp_id: Mapped[int] = fk("participant.id")
    direction: Mapped[Direction] = enum_column(Direction)
    status: Mapped[ActivationStatus] = enum_column(ActivationStatus)
    start: Mapped[int] = int_column(index=True)
    end: Mapped[int] = int_column()
    total_wh: Mapped[int] = int_column()
    ordered_at: Mapped[int] = int_column()
    ordered_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    note: Mapped[str | None] = mapped_column(String(1000))
    delivered_wh: Mapped[int | None] = int_column(nullable=True)
    success: Mapped[bool | None] = mapped_column(Boolean)
    judged_at: Mapped[int | None] = int_column(nullable=True)

    intervals: Mapped[list[ActivationInterval]] = relationship(
        cascade="all, delete-orphan", order_by="ActivationInterval.start", lazy="selectin")


class ActivationInterval(Base):
    """Ordered Wh of an activation in one quarter-hour."""

    __tablename__ = "activation_interval"

    activation_id: Mapped[int] = mapped_column(Integer, ForeignKey("activation.id", ondelete="CASCADE"),
                                               primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    quantity_wh: Mapped[int] = int_column()


class FlexibilityNeed(Base):
    """Requested flexibility pushed by a DSO's grid tool for a market's element: the scheduler
    opens a short-term session and request for it while the element is yellow or orange."""

    __tablename__ = "flexibility_need"

    id: Mapped[int] = id_column()
    market_id: Mapped[int] = fk("market.id")
    dso_id: Mapped[int] = fk("participant.id")
    product_id: Mapped[int] = fk("product.id")
    direction: Mapped[Direction] = enum_column(Direction)
    price_cap_per_mwh: Mapped[int] = int_column()
    #: [[start, quantity_wh], ...] quarter-hours, Unix s and Wh.
    intervals: Mapped[list[list[int]]] = mapped_column(JSON)
    status: Mapped[NeedStatus] = enum_column(NeedStatus, index=True)
    reason: Mapped[str | None] = mapped_column(String(1000))
    session_id: Mapped[int | None] = fk("market_session.id", nullable=True)
    request_id: Mapped[int | None] = fk("flex_request.id", nullable=True)
    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    api_client_id: Mapped[int | None] = fk("api_client.id", nullable=True, index=False)


# ---------------------------------------------------------------------------------- chain mirror
class CreditAccount(Base):
    """An address's credit in the market contract as the indexed events add it up (base units)."""

    __tablename__ = "credit_account"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    market_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    amount: Mapped[int] = int_column()
    updated_at: Mapped[int] = time_column(default_now=True)


class GuaranteeAccount(Base):
    """An FSP address's guarantee in the market contract as the indexed events add it up."""

    __tablename__ = "guarantee_account"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    market_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    total: Mapped[int] = int_column()
    locked: Mapped[int] = int_column()
    updated_at: Mapped[int] = time_column(default_now=True)


# ---------------------------------------------------------------------------------- notifications
class Notification(Base):
    """An in-app notification for a participant (all its users), read or unread."""

    __tablename__ = "notification"

    id: Mapped[int] = id_column()
    participant_id: Mapped[int] = fk("participant.id")
    event: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[int] = time_column(default_now=True)
    read_at: Mapped[int | None] = time_column(nullable=True)
    read_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)


class WebhookSubscription(Base):
    """A participant's webhook: POSTs of ``events`` to ``url``, signed with HMAC-SHA256 of
    ``secret`` (kept to sign; shown once at creation)."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = id_column()
    participant_id: Mapped[int] = fk("participant.id")
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = time_column(default_now=True)
    created_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    revoked_at: Mapped[int | None] = time_column(nullable=True)


class WebhookDelivery(Base):
    """One event to deliver to one subscription, with its attempts (the delivery log)."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = id_column()
    subscription_id: Mapped[int] = fk("webhook_subscription.id")
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, index=True)
    attempts: Mapped[int] = int_column()
    next_attempt_at: Mapped[int] = int_column(index=True)
    last_status_code: Mapped[int | None] = int_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[int] = time_column(default_now=True)
    delivered_at: Mapped[int | None] = time_column(nullable=True)


class SchedulerLease(Base):
    """The scheduler leader's lease: only ``holder`` runs jobs until ``expires_at`` (Unix s)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[int] = int_column()
    acquired_at: Mapped[int] = int_column()

"""Schemas of the market: products, markets and sessions, DSO requests, qualification,
limitations, bids, results, agreements, activations, notifications and webhooks.

Integers everywhere: power W, energy Wh, prices token base units per MWh (availability per MW
per hour of service window), money base units (1 EUR = 1,000,000), times Unix s UTC on
quarter-hours where they are market intervals, durations s.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from marketplace.clearing.model import MAX_PRICE, Kind, Pricing
from marketplace.models.enums import Decision, Direction, Product
from marketplace.models.market import (
    ActivationStatus,
    AgreementKind,
    AgreementStatus,
    BidOutcome,
    BidStatus,
    ChainRequestStatus,
    DeliveryStatus,
    Horizon,
    Leg,
    NeedStatus,
    ProductBlock,
    QualificationStatus,
    RequestSource,
    RequestStatus,
    SessionMode,
    SessionOrigin,
    SessionStatus,
)
from marketplace.schemas.common import (
    Id,
    LongText,
    Name,
    Paging,
    Query,
    Reason,
    Request,
    Response,
    Seconds,
    ShortText,
    UnixTime,
    WalletAddress,
    WattHours,
    Watts,
    text,
)

INTERVAL_S = 900
Price = Annotated[int, Field(ge=0, le=MAX_PRICE, description="Token base units per MWh (integer).")]
AvailabilityPrice = Annotated[int, Field(ge=0, le=MAX_PRICE,
                                         description="Token base units per MW per hour of service window.")]
Percent = Annotated[int, Field(ge=0, le=100)]
Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="32 bytes, 0x-hex.")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature r‖s‖v, 0x-hex.")]
DateText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A date, YYYY-MM-DD.")]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-.]{1,64}$", description="Letters, digits, _ - . (1-64).")]


def _aligned(value: int) -> int:
    if value % INTERVAL_S:
        raise ValueError(f"must be a quarter-hour boundary (a multiple of {INTERVAL_S} s)")
    return value


QuarterHour = Annotated[int, Field(ge=0, le=10**11, description="Unix s UTC on a quarter-hour."), AfterValidator(_aligned)]


# ---------------------------------------------------------------------------------- products
class ProductTest(Response):
    """Tolerances of the automated prequalification test for the product's category."""

    min_change_w: int
    preparation_s: int
    max_response_s: int
    hold_s: int
    tolerance_pct: int
    success_pct: int
    max_sample_gap_s: int


class ProductIn(Request):
    code: Code
    name: Name
    category: Product
    direction: Direction
    block: ProductBlock
    min_power_w: Watts = 1_000
    max_power_w: Watts = 9_999_000
    quantity_step_wh: Annotated[int, Field(ge=1, le=10**9)] = 1_000
    price_step: Annotated[int, Field(ge=1, le=MAX_PRICE)] = 10_000_000
    preparation_s: Seconds = 150
    rest_time_min_s: Seconds = 0
    rest_time_max_s: Seconds = 0
    activation_duration_s: Annotated[int, Field(ge=INTERVAL_S, le=10**7)] = 900

    @model_validator(mode="after")
    def _ranges(self) -> ProductIn:
        if self.min_power_w > self.max_power_w:
            raise ValueError("min_power_w must not exceed max_power_w")
        if self.rest_time_min_s > self.rest_time_max_s:
            raise ValueError("rest_time_min_s must not exceed rest_time_max_s")
        return self


class ProductUpdate(Request):
    name: Name | None = None
    min_power_w: Watts | None = None
    max_power_w: Watts | None = None
    quantity_step_wh: Annotated[int, Field(ge=1, le=10**9)] | None = None
    price_step: Annotated[int, Field(ge=1, le=MAX_PRICE)] | None = None
    preparation_s: Seconds | None = None
    rest_time_min_s: Seconds | None = None
    rest_time_max_s: Seconds | None = None
    activation_duration_s: Annotated[int, Field(ge=INTERVAL_S, le=10**7)] | None = None
    active: bool | None = None


class ProductOut(Response):
    """A product of the catalogue (seed fig. 45) with its limits (per quarter-hour of a bid)."""

    id: int
    code: str
    name: str
    category: Product
    direction: Direction
    block: ProductBlock
    min_power_w: int
    max_power_w: int
    quantity_step_wh: int
    price_step: int
    preparation_s: int
    rest_time_min_s: int
    rest_time_max_s: int
    activation_duration_s: int
    active: bool
    prequalification_test: ProductTest


class ProductQuery(Paging):
    category: Product | None = None
    direction: Direction | None = None
    active: bool | None = None


# ---------------------------------------------------------------------------------- markets, sessions
class MarketIn(Request):
    name: Name
    grid_element_id: Id | None = None
    zone_id: Id | None = None
    valid_from: UnixTime
    valid_until: UnixTime
    product_ids: list[Id] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _where(self) -> MarketIn:
        if (self.grid_element_id is None) == (self.zone_id is None):
            raise ValueError("give exactly one of grid_element_id and zone_id")
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class MarketOut(Response):
    id: int
    dso_id: int
    name: str
    grid_element_id: int | None
    zone_id: int | None
    valid_from: int
    valid_until: int
    product_ids: list[int]
    created_at: int


class MarketQuery(Paging):
    dso_id: Id | None = None
    grid_element_id: Id | None = None


class SessionIn(Request):
    market_id: Id
    code: Code | None = None
    horizon: Horizon
    mode: SessionMode = SessionMode.AUCTION
    pricing: Pricing = Pricing.PAY_AS_BID
    gate_open_at: UnixTime
    gate_close_at: UnixTime
    delivery_start: QuarterHour
    delivery_end: QuarterHour
    award_window_s: Annotated[int, Field(ge=60, le=30 * 86_400)] | None = None
    attest_window_s: Annotated[int, Field(ge=3600, le=365 * 86_400)] | None = None
    success_threshold_pct: Percent = 80
    penalty_pct: Percent = 10

    @model_validator(mode="after")
    def _order(self) -> SessionIn:
        if not self.gate_open_at < self.gate_close_at < self.delivery_start < self.delivery_end:
            raise ValueError("times must be in order: gate_open_at < gate_close_at < delivery_start < delivery_end")
        return self


class SessionOut(Response):
    id: int
    market_id: int
    code: str
    horizon: Horizon
    mode: SessionMode
    pricing: Pricing
    origin: SessionOrigin
    status: SessionStatus
    gate_open_at: int
    gate_close_at: int
    delivery_start: int
    delivery_end: int
    award_window_s: int
    attest_window_s: int
    success_threshold_pct: int
    penalty_pct: int
    traffic_light: str | None
    closed_at: int | None
    results_at: int | None
    created_at: int


class SessionQuery(Paging):
    market_id: Id | None = None
    status: SessionStatus | None = None
    horizon: Horizon | None = None
    from_: UnixTime | None = Field(None, alias="from", description="Sessions delivering at or after this time.")
    to: UnixTime | None = Field(None, description="Sessions delivering before this time.")


class GateClosure(Response):
    """What a gate closure did, per request leg."""

    session: SessionOut
    requests: list[dict[str, Any]]


class IntervalIn(Request):
    start: QuarterHour
    quantity_wh: WattHours


class IntervalOut(Response):
    start: int
    quantity_wh: int


class NeedIn(Request):
    """Requested flexibility at the market's element, pushed by the DSO's grid tool (sGRID)."""

    product_id: Id
    price_cap_per_mwh: Price
    intervals: list[IntervalIn] = Field(min_length=1, max_length=96)


class NeedOut(Response):
    id: int
    market_id: int
    product_id: int
    direction: Direction
    price_cap_per_mwh: int
    intervals: list[list[int]]
    status: NeedStatus
    reason: str | None
    session_id: int | None
    request_id: int | None
    created_at: int


# ---------------------------------------------------------------------------------- requests
class ServiceWindowIn(Request):
    """Seed fig. 10's service window: dates, days of service, daily period, bank holidays."""

    start_date: DateText
    end_date: DateText
    days: Annotated[str, Field(pattern=r"^[1-7]{1,7}$", description="ISO weekdays served, 1 = Monday.")] = "1234567"
    start_period_s: Annotated[int, Field(ge=0, le=86_400, description="Start of the daily period, s of the day.")]
    end_period_s: Annotated[int, Field(ge=0, le=86_400, description="End (exclusive), s of the day; 86400 = midnight.")]
    timezone: Annotated[str, Field(pattern=r"^[A-Za-z0-9_+\-/]{1,64}$")] = "UTC"
    bank_holidays: list[DateText] = Field(default_factory=list, max_length=400)
    bank_holidays_included: bool = True


class RequestIn(Request):
    """A DSO request (seed fig. 10, table 6). ``product`` is a catalogue code; the location is
    one of the DSO's own grid elements or zones (default: the market's). Energy requests give
    their ``intervals`` (Wh per quarter-hour) or a ``service_window`` with ``required_power_w``;
    availability requests a ``service_window``, ``required_power_w``, the availability cap and
    the estimated activation hours."""

    session_id: Id
    product: Code
    grid_element_id: Id | None = None
    zone_id: Id | None = None
    required_power_w: Watts | None = None
    min_bid_power_w: Watts | None = None
    price_cap_per_mwh: Price
    min_activation_price_per_mwh: Price | None = None
    availability_price_cap_per_mw_h: AvailabilityPrice | None = None
    service_window: ServiceWindowIn | None = None
    intervals: list[IntervalIn] | None = Field(None, max_length=10_000)
    estimated_activation_hours: Annotated[int, Field(ge=0, le=8784)] | None = None
    commitment_mandatory: bool = False
    minimal_lead_time_s: Annotated[int, Field(ge=0, le=10 * 365 * 86_400)] | None = None
    additional_info: text(10_000) | None = None
    lt_request_id: Id | None = None

    @model_validator(mode="after")
    def _shape(self) -> RequestIn:
        if self.grid_element_id is not None and self.zone_id is not None:
            raise ValueError("give at most one of grid_element_id and zone_id")
        if (self.service_window is None) == (self.intervals is None):
            raise ValueError("give either a service_window or intervals")
        if self.intervals is not None and not self.intervals:
            raise ValueError("intervals must not be empty")
        return self


class RequestReject(Request):
    reason: Reason


class TxHashIn(Request):
    tx_hash: Hex32


class ChainLegOut(Response):
    """One on-chain request of a DSO request, with the exact ``FlexRequest`` terms."""

    leg: Leg
    status: ChainRequestStatus
    chain_id: int
    market_address: str
    onchain_id: int | None
    terms: dict[str, Any]
    location: str
    escrow: int
    book_root: str | None
    awarded_wh: int | None
    agreed: int | None
    refund: int | None


class RequestOut(Response):
    id: int
    session_id: int
    dso_id: int
    product_id: int
    product_code: str
    category: Product
    grid_element_id: int | None
    zone_id: int | None
    direction: Direction
    source: RequestSource
    status: RequestStatus
    status_reason: str | None
    required_power_w: int | None
    min_bid_power_w: int | None
    price_cap_per_mwh: int
    min_activation_price_per_mwh: int | None
    availability_price_cap_per_mw_h: int | None
    service_window: dict[str, Any] | None
    estimated_activation_hours: int | None
    commitment_mandatory: bool
    minimal_lead_time_s: int | None
    additional_info: str | None
    lt_request_id: int | None
    total_wh: int
    delivery_start: int
    delivery_end: int
    gate_close_at: int
    intervals: list[IntervalOut]
    legs: list[ChainLegOut]
    documents: list[dict[str, Any]]
    created_at: int
    validated_at: int | None
    published_at: int | None
    awarded_at: int | None


class RequestQuery(Paging):
    session_id: Id | None = None
    status: RequestStatus | None = None
    dso_id: Id | None = None


class UnsignedTx(Response):
    """A transaction for the caller's own wallet to sign and send (``eth_sendTransaction``)."""

    purpose: str
    chain_id: int
    to: str
    data: str
    value: int = 0


class EscrowOut(Response):
    """The transactions that create a request's escrow: approve the token, then createRequest per leg."""

    request_id: int
    dso_address: str
    escrow_total: int
    transactions: list[UnsignedTx]


# ---------------------------------------------------------------------------------- qualification
class QualificationIn(Request):
    asset_id: Id
    qualified_power_w: Annotated[int, Field(ge=1, le=10**12)]
    note: LongText | None = None


class ReviewIn(Request):
    decision: Decision
    reason: LongText | None = None

    @model_validator(mode="after")
    def _reason(self) -> ReviewIn:
        if self.decision is Decision.REJECTED and not self.reason:
            raise ValueError("a rejection needs a reason")
        return self


class QualificationOut(Response):
    id: int
    request_id: int
    asset_id: int
    fsp_id: int
    qualified_power_w: int
    guarantee: int
    status: QualificationStatus
    note: str | None
    dso_decision: Decision | None
    dso_reason: str | None
    operator_decision: Decision | None
    operator_reason: str | None
    requested_at: int
    decided_at: int | None
    deposit_transactions: list[UnsignedTx] = Field(default_factory=list)


class QualificationQuery(Paging):
    request_id: Id | None = None
    status: QualificationStatus | None = None


class LimitationIn(Request):
    bidding_unit_id: Id
    direction: Direction | None = None
    max_power_w: Watts
    valid_from: UnixTime
    valid_until: UnixTime | None = None
    reason: Reason


class LimitationOut(Response):
    id: int
    dso_id: int
    bidding_unit_id: int
    direction: Direction | None
    max_power_w: int
    valid_from: int
    valid_until: int | None
    reason: str
    source: RequestSource
    created_at: int


class LimitationsIn(Request):
    items: list[LimitationIn] = Field(min_length=1, max_length=1000)


# ---------------------------------------------------------------------------------- bids
class BidTermsIn(Request):
    """The off-chain terms of a bid, as the FSP signs them (hashed into the ``terms`` field).

    Energy bids give ``intervals`` (Wh per quarter-hour); availability bids ``capacity_w``
    (offered in every quarter-hour of the service window) with ``availability_price_per_mw_h``
    and ``price_per_mwh`` as the activation price. ``version`` is 1 for the first bid of a
    bidding unit in a request and one more for each new version."""

    version: Annotated[int, Field(ge=1, le=10_000)]
    bidding_unit_id: Id
    kind: Annotated[str, Field(pattern=r"^(st|dca)$")] = "st"
    divisible: bool
    min_quantity_wh: WattHours = 0
    intervals: list[IntervalIn] | None = Field(None, max_length=10_000)
    capacity_w: Watts | None = None
    price_per_mwh: Price
    availability_price_per_mw_h: AvailabilityPrice | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    rest_time_s: Seconds | None = None
    max_consecutive_activations: Annotated[int, Field(ge=1, le=1000)] | None = None
    dca_code: Code | None = None

    @model_validator(mode="after")
    def _shape(self) -> BidTermsIn:
        if (self.intervals is None) == (self.capacity_w is None):
            raise ValueError("give either intervals (energy) or capacity_w (availability)")
        if self.intervals is not None and not self.intervals:
            raise ValueError("intervals must not be empty")
        if self.kind == "dca" and self.dca_code is None:
            raise ValueError("a DCA bid names its dca_code")
        return self


class TypedDataIn(Request):
    terms: BidTermsIn
    signer: WalletAddress | None = Field(None, description="The wallet that will sign (default: yours).")


class LegTypedData(Response):
    leg: Leg
    onchain_request_id: int
    digest: str
    typed_data: dict[str, Any]


class TypedDataOut(Response):
    """What to sign: one EIP-712 ``Bid`` per leg, over the canonical terms."""

    terms: dict[str, Any]
    canonical_terms: str
    terms_hash: str
    signer: str
    legs: list[LegTypedData]


class BidIn(Request):
    terms: BidTermsIn
    signer: WalletAddress
    signatures: dict[Leg, Signature] = Field(min_length=1, max_length=2)


class BidLegOut(Response):
    leg: Leg
    onchain_request_id: int
    quantity_wh: int
    min_quantity_wh: int
    price_per_mwh: int
    guarantee: int
    digest: str


class BidOut(Response):
    id: int
    request_id: int
    bidding_unit_id: int
    fsp_id: int
    version: int
    status: BidStatus
    kind: Kind
    direction: Direction
    divisible: bool
    min_quantity_wh: int
    quantity_wh: int
    price_per_mwh: int
    availability_price_per_mw_h: int | None
    lt_activation_price_per_mwh: int | None
    rest_time_s: int | None
    max_consecutive_activations: int | None
    dca_code: str | None
    qualified_power_w: int | None
    guarantee: int
    terms_hash: str
    signer_address: str
    void_reason: str | None
    void_detail: str | None
    submitted_at: int
    withdrawn_at: int | None
    outcome: BidOutcome | None
    outcome_reason: str | None
    outcome_detail: str | None
    accepted_wh: int | None
    intervals: list[IntervalOut]
    legs: list[BidLegOut]


class BidQuery(Paging):
    request_id: Id | None = None
    status: BidStatus | None = None


class PickIn(Request):
    """The DSO's choice of offers (Italian mode): awarded in full at their prices."""

    bid_ids: list[Id] = Field(min_length=1, max_length=200)
    by: Annotated[str, Field(pattern=r"^(operator|wallet)$",
                             description="operator: the operator sends the award; wallet: you sign it.")] = "operator"


class PickOut(Response):
    request: RequestOut
    transactions: list[UnsignedTx] = Field(default_factory=list)


# ---------------------------------------------------------------------------------- results
class ResultQuery(Query):
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"


class HistoryQuery(Query):
    date: DateText | None = Field(None, description="Last day of the window (UTC; default today).")
    days: Annotated[int, Field(description="7, 14 or 30")] = 7
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"

    @model_validator(mode="after")
    def _days(self) -> HistoryQuery:
        if self.days not in (7, 14, 30):
            raise ValueError("days must be 7, 14 or 30")
        return self


class ScheduleQuery(Query):
    session_id: Id | None = None
    date: DateText | None = None
    zone_id: Id | None = None
    grid_element_id: Id | None = None
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"


class TradeQuery(Query):
    session_id: Id | None = None
    type: Annotated[str, Field(pattern=r"^(order|trade)$")] | None = None
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"
    limit: int = Field(1000, ge=1, le=10_000)


class Rows(Response):
    """Rows of a result view (documented per endpoint in docs/market.md)."""

    items: list[dict[str, Any]]
    summary: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------------------------- agreements, activations
class AgreementOut(Response):
    id: int
    agreement_id: str
    chain_id: int
    market_address: str
    request_id: int
    session_id: int
    bid_id: int
    bidding_unit_id: int
    dso_id: int
    fsp_id: int
    kind: AgreementKind
    direction: Direction
    status: AgreementStatus
    onchain_request_id: int
    dso_address: str
    fsp_address: str
    quantity_wh: int
    price_per_mwh: int
    guarantee: int
    delivery_start: int
    delivery_end: int
    attest_deadline: int
    success_threshold_pct: int
    penalty_pct: int
    amount: int
    baseline_method: str
    baseline_params: dict[str, Any]
    partner_agreement_id: int | None
    meter_ids: list[str]
    intervals: list[IntervalOut]
    awarded_tx: str
    delivered_wh: int | None
    success: bool | None
    payment: int | None
    penalty: int | None
    refund: int | None
    settled_tx: str | None


class AgreementQuery(Paging):
    request_id: Id | None = None
    session_id: Id | None = None
    status: AgreementStatus | None = None
    kind: AgreementKind | None = None


class ActivationIn(Request):
    intervals: list[IntervalIn] = Field(min_length=1, max_length=96)
    note: LongText | None = None


class ActivationOut(Response):
    id: int
    agreement_id: int
    activation_agreement_id: int | None
    request_id: int
    bidding_unit_id: int
    dso_id: int
    fsp_id: int
    direction: Direction
    status: ActivationStatus
    start: int
    end: int
    total_wh: int
    ordered_at: int
    note: str | None
    delivered_wh: int | None
    success: bool | None
    meter_ids: list[str]
    intervals: list[IntervalOut]


class ActivationQuery(Paging):
    agreement_id: Id | None = None
    status: ActivationStatus | None = None
    from_: UnixTime | None = Field(None, alias="from")
    to: UnixTime | None = None


# ---------------------------------------------------------------------------------- notifications
class NotificationOut(Response):
    id: int
    participant_id: int
    event: str
    title: str
    data: dict[str, Any]
    object_type: str | None
    object_id: str | None
    created_at: int
    read_at: int | None


class NotificationQuery(Paging):
    unread: bool | None = None
    event: ShortText | None = None


class ReadAll(Response):
    marked: int


#: Events a webhook may subscribe to.
EVENTS = ("request.published", "qualification.decided", "session.gate_closed", "results.published",
          "agreement.settled")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]{0,1990}$")


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("must be an http(s) URL")
    return value


class WebhookIn(Request):
    url: Annotated[str, AfterValidator(_url)]
    events: list[Annotated[str, Field(json_schema_extra={"enum": list(EVENTS)})]] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _events(self) -> WebhookIn:
        unknown = [e for e in self.events if e not in EVENTS]
        if unknown:
            raise ValueError(f"unknown events {unknown}; known: {', '.join(EVENTS)}")
        return self


class WebhookOut(Response):
    id: int
    participant_id: int
    url: str
    events: list[str]
    active: bool
    created_at: int
    secret: str | None = Field(None, description="Shown once, at creation: the HMAC-SHA256 key.")


class DeliveryOut(Response):
    id: int
    subscription_id: int
    event: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: int
    last_status_code: int | None
    last_error: str | None
    created_at: int
    delivered_at: int | None

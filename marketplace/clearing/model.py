"""The clearing vocabulary: auctions, demands (DSO flexibility requests), bids and limits.

Units everywhere: energy in Wh, power in W, prices in token base units per MWh
(1 EUR = 1,000,000 base units), availability prices in base units per MW per hour of the
service window, times in Unix seconds on 15-minute (900 s) boundaries. All integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: Length of a market interval, seconds (seed: 15-minute standard products).
INTERVAL_S = 900
#: Intervals per hour.
INTERVALS_PER_HOUR = 3600 // INTERVAL_S
#: The only accepted bid currency (seed 3.3.3.4: other currencies void the bid).
CURRENCY = "EUR"
#: Largest accepted price or cap, base units per MWh (1,000,000 EUR/MWh); keeps the
#: integer arithmetic of the solver well inside 64 bits for realistic books.
MAX_PRICE = 10**12
#: Largest accepted quantity of one demand interval, Wh (1 TWh).
MAX_QUANTITY_WH = 10**12


class Pricing(StrEnum):
    """How accepted bids are paid, announced per auction (seed 3.2.2.8)."""

    PAY_AS_BID = "pay_as_bid"
    PAY_AS_CLEAR = "pay_as_clear"


class Product(StrEnum):
    """The traded product: short-term energy, long-term availability or firm activation."""

    ST_ENERGY = "st_energy"
    LT_AVAILABILITY = "lt_availability"
    LT_ACTIVATION = "lt_activation"


class TrafficLight(StrEnum):
    """State of the grid element (seed table 8); green and red hold no market."""

    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


class Direction(StrEnum):
    """``up`` = more generation / less consumption; ``down`` = the opposite."""

    UP = "up"
    DOWN = "down"


class Kind(StrEnum):
    """Origin of a bid: short-term, long-term (activation of a long-term winner), DCA."""

    ST = "st"
    LT = "lt"
    DCA = "dca"


@dataclass(frozen=True, slots=True)
class ProductLimits:
    """Bounds on every interval of a bid (seed tables 5, 9, 10).

    A bid interval of ``q`` Wh over 900 s is an average power of ``4 q`` W; it must lie in
    [``min_power_w``, ``max_power_w``] and ``q`` must be a multiple of ``quantity_step_wh``.
    """

    min_power_w: int
    max_power_w: int
    quantity_step_wh: int

    @staticmethod
    def default(product: Product) -> ProductLimits:
        """1 kW ... 9999 kW; 1 kWh steps for short-term energy, 1 kW (250 Wh) for long-term."""
        step = 1_000 if product is Product.ST_ENERGY else 1_000 // INTERVALS_PER_HOUR
        return ProductLimits(min_power_w=1_000, max_power_w=9_999_000, quantity_step_wh=step)


@dataclass(frozen=True, slots=True)
class Auction:
    """One auction: its product, pricing rule, traffic light and over-procurement switch."""

    id: str
    pricing: Pricing
    product: Product
    traffic_light: TrafficLight
    allow_overfill: bool
    limits: ProductLimits


@dataclass(frozen=True, slots=True)
class Demand:
    """A DSO's flexibility request at one location and direction.

    ``intervals`` are (start, quantity_wh) pairs sorted by start. For ``lt_availability``
    the quantity of an interval is the requested capacity times 0.25 h (W x h = Wh of
    capacity-time), ``price_cap_per_mwh`` caps the activation price and the two extra
    fields are set; for the other products they are ``None``.
    """

    id: str
    location: str
    direction: Direction
    price_cap_per_mwh: int
    intervals: tuple[tuple[int, int], ...]
    availability_price_cap_per_mw_h: int | None = None
    estimated_activation_hours: int | None = None


@dataclass(frozen=True, slots=True)
class Bid:
    """A valid (not void) FSP bid; eligibility against a demand is checked separately.

    ``intervals`` are (start, quantity_wh) pairs sorted by start; ``min_quantity_wh`` is the
    smallest acceptable partial quantity per interval of a divisible bid (0 for indivisible
    bids). ``qualified_power_w`` (optional) is the power the asset is qualified for in this
    auction. ``availability_price_per_mw_h`` is set for ``lt_availability`` bids and
    ``lt_activation_price_per_mwh`` for long-term winners bidding in a short-term auction.
    """

    id: str
    fsp: str
    location: str
    direction: Direction
    kind: Kind
    price_per_mwh: int
    divisible: bool
    min_quantity_wh: int
    submitted_at: int
    prequalified: bool
    intervals: tuple[tuple[int, int], ...]
    qualified_power_w: int | None = None
    availability_price_per_mw_h: int | None = None
    lt_activation_price_per_mwh: int | None = None


class RejectionStatus(StrEnum):
    """Why a bid is not accepted: void (malformed), ineligible, or not selected by clearing."""

    VOID = "void"
    INELIGIBLE = "ineligible"
    NOT_SELECTED = "not_selected"


class Reason(StrEnum):
    """Machine-readable rejection reasons; each comes with a human-readable detail."""

    # void (seed 3.3.3.1.2, 3.3.3.4; product limits of tables 5, 9, 10)
    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    CURRENCY_NOT_EUR = "currency_not_eur"
    QUANTITY_BELOW_MINIMUM = "quantity_below_minimum"
    QUANTITY_ABOVE_MAXIMUM = "quantity_above_maximum"
    QUANTITY_OFF_GRANULARITY = "quantity_off_granularity"
    # ineligible (seed table 11, table 8, 3.2.2.6)
    KIND_NOT_ALLOWED = "kind_not_allowed"
    LOCATION_MISMATCH = "location_mismatch"
    DIRECTION_MISMATCH = "direction_mismatch"
    NOT_PREQUALIFIED = "not_prequalified"
    QUANTITY_ABOVE_QUALIFIED = "quantity_above_qualified"
    INTERVAL_OUTSIDE_DEMAND = "interval_outside_demand"
    PRICE_ABOVE_CAP = "price_above_cap"
    AVAILABILITY_PRICE_ABOVE_CAP = "availability_price_above_cap"
    # clearing
    NOT_SELECTED = "not_selected"


VOID_REASONS = frozenset(
    {
        Reason.MISSING_PARAMETER,
        Reason.INVALID_PARAMETER,
        Reason.CURRENCY_NOT_EUR,
        Reason.QUANTITY_BELOW_MINIMUM,
        Reason.QUANTITY_ABOVE_MAXIMUM,
        Reason.QUANTITY_OFF_GRANULARITY,
    }
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A bid that is not accepted, with its reason and a one-line explanation."""

    bid_id: str
    reason: Reason
    detail: str

    @property
    def status(self) -> RejectionStatus:
        """void, ineligible or not selected, derived from the reason."""
        if self.reason in VOID_REASONS:
            return RejectionStatus.VOID
        if self.reason is Reason.NOT_SELECTED:
            return RejectionStatus.NOT_SELECTED
        return RejectionStatus.INELIGIBLE

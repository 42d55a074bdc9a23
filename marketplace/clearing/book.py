"""Reading an order book (the clearing input) from its JSON form.

The auction and the demands must be valid, or the whole book is rejected with
``InvalidBook`` naming the field. Bids are only required to be objects with a unique
string ``id``; everything else about a bid is checked by ``voids`` and ``eligibility``,
which reject that bid with a reason instead of stopping the market (seed 3.3.3.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketplace.clearing.errors import InvalidBook
from marketplace.clearing.model import (
    INTERVAL_S,
    MAX_PRICE,
    MAX_QUANTITY_WH,
    Auction,
    Demand,
    Direction,
    Pricing,
    Product,
    ProductLimits,
    TrafficLight,
)


@dataclass(frozen=True, slots=True)
class Book:
    """A parsed book: the valid auction and demands, and the bids as given (by id)."""

    auction: Auction
    demands: tuple[Demand, ...]
    bids: tuple[Mapping[str, Any], ...]


def is_int(value: object) -> bool:
    """True for a JSON integer (a Python ``int`` that is not a ``bool``)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _fail(path: str, message: str) -> InvalidBook:
    return InvalidBook(f"{path}: {message}", details={"path": path})


def _field(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        raise _fail(f"{path}.{key}", "missing")
    return obj[key]


def _int(obj: Mapping[str, Any], key: str, path: str, low: int, high: int) -> int:
    value = _field(obj, key, path)
    if not is_int(value):
        raise _fail(f"{path}.{key}", f"must be an integer, got {value!r}")
    if not low <= value <= high:
        raise _fail(f"{path}.{key}", f"must be within {low}..{high}, got {value}")
    return value


def _str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _field(obj, key, path)
    if not isinstance(value, str) or not value:
        raise _fail(f"{path}.{key}", f"must be a non-empty string, got {value!r}")
    return value


def _enum(obj: Mapping[str, Any], key: str, path: str, enum: type) -> Any:
    value = _field(obj, key, path)
    try:
        return enum(value)
    except (ValueError, TypeError):
        allowed = ", ".join(member.value for member in enum)
        raise _fail(f"{path}.{key}", f"must be one of {allowed}, got {value!r}") from None


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, f"must be an object, got {type(value).__name__}")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str) -> list:
    value = _field(obj, key, path)
    if not isinstance(value, list):
        raise _fail(f"{path}.{key}", f"must be a list, got {type(value).__name__}")
    return value


def parse_auction(raw: Any) -> Auction:
    """The ``auction`` object; ``limits`` may override the product's default limits."""
    obj = _object(raw, "auction")
    product = _enum(obj, "product", "auction", Product)
    overfill = obj.get("allow_overfill", False)
    if not isinstance(overfill, bool):
        raise _fail("auction.allow_overfill", f"must be true or false, got {overfill!r}")
    limits = ProductLimits.default(product)
    if obj.get("limits") is not None:
        lim = _object(obj["limits"], "auction.limits")
        low = _int(lim, "min_power_w", "auction.limits", 1, 10**12) if "min_power_w" in lim else limits.min_power_w
        high = _int(lim, "max_power_w", "auction.limits", 1, 10**12) if "max_power_w" in lim else limits.max_power_w
        step = (
            _int(lim, "quantity_step_wh", "auction.limits", 1, 10**12)
            if "quantity_step_wh" in lim
            else limits.quantity_step_wh
        )
        if low > high:
            raise _fail("auction.limits", f"min_power_w {low} is above max_power_w {high}")
        limits = ProductLimits(low, high, step)
    return Auction(
        id=_str(obj, "id", "auction"),
        pricing=_enum(obj, "pricing", "auction", Pricing),
        product=product,
        traffic_light=_enum(obj, "traffic_light", "auction", TrafficLight),
        allow_overfill=overfill,
        limits=limits,
    )


def parse_intervals(raw: list, path: str, quantity_low: int) -> tuple[tuple[int, int], ...]:
    """A non-empty list of {start, quantity_wh}, starts on 900 s boundaries, no repeats."""
    if not raw:
        raise _fail(path, "must not be empty")
    out = []
    for k, item in enumerate(raw):
        here = f"{path}[{k}]"
        item = _object(item, here)
        start = _int(item, "start", here, 0, 2**40)
        if start % INTERVAL_S:
            raise _fail(f"{here}.start", f"must be a multiple of {INTERVAL_S} s, got {start}")
        out.append((start, _int(item, "quantity_wh", here, quantity_low, MAX_QUANTITY_WH)))
    out.sort()
    for (a, _), (b, _) in zip(out, out[1:]):
        if a == b:
            raise _fail(path, f"interval {a} appears twice")
    return tuple(out)


def parse_demand(raw: Any, k: int, product: Product) -> Demand:
    """One DSO demand; availability auctions also need the availability cap and hours."""
    path = f"demands[{k}]"
    obj = _object(raw, path)
    extra: dict[str, int] = {}
    if product is Product.LT_AVAILABILITY:
        extra["availability_price_cap_per_mw_h"] = _int(obj, "availability_price_cap_per_mw_h", path, 0, MAX_PRICE)
        extra["estimated_activation_hours"] = _int(obj, "estimated_activation_hours", path, 0, 100_000)
    return Demand(
        id=_str(obj, "id", path),
        location=_str(obj, "location", path),
        direction=_enum(obj, "direction", path, Direction),
        price_cap_per_mwh=_int(obj, "price_cap_per_mwh", path, 0, MAX_PRICE),
        intervals=parse_intervals(_list(obj, "intervals", path), f"{path}.intervals", 0),
        **extra,
    )


def parse_book(data: Any) -> Book:
    """Check the book's structure and return its auction, demands and raw bids.

    Raises ``InvalidBook`` for any problem outside a single bid: a missing or mistyped
    auction or demand field, duplicate demand ids, two demands for the same location and
    direction, a bid that is not an object or lacks a string ``id``, duplicate bid ids.
    """
    root = _object(data, "book")
    auction = parse_auction(_field(root, "auction", "book"))
    demands = tuple(
        parse_demand(raw, k, auction.product) for k, raw in enumerate(_list(root, "demands", "book"))
    )
    if not demands:
        raise _fail("book.demands", "must not be empty")
    seen_ids: set[str] = set()
    seen_places: set[tuple[str, Direction]] = set()
    for k, demand in enumerate(demands):
        if demand.id in seen_ids:
            raise _fail(f"demands[{k}].id", f"duplicate demand id {demand.id!r}")
        place = (demand.location, demand.direction)
        if place in seen_places:
            raise _fail(
                f"demands[{k}]",
                f"a second demand for location {demand.location!r} direction {demand.direction.value}",
            )
        seen_ids.add(demand.id)
        seen_places.add(place)
    bids = []
    bid_ids: set[str] = set()
    for k, raw in enumerate(_list(root, "bids", "book")):
        obj = _object(raw, f"bids[{k}]")
        bid_id = _str(obj, "id", f"bids[{k}]")
        if bid_id in bid_ids:
            raise _fail(f"bids[{k}].id", f"duplicate bid id {bid_id!r}")
        bid_ids.add(bid_id)
        bids.append(obj)
    return Book(auction=auction, demands=demands, bids=tuple(bids))

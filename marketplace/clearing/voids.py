"""Void bids: malformed bids that take no part in the market (seed 3.3.3.1.2, 3.3.3.4).

Checked in this order, the first failure being the reported reason: a required parameter
is missing; a parameter has the wrong type or an impossible value (including intervals off
the 900 s grid and a minimum above an interval's quantity); the currency is not EUR; an
interval's quantity is outside the product limits (1 kW ... 9999 kW of average power by
default, on the product's granularity). Each void bid is reported with one reason and a
detail naming the field; none is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketplace.clearing.book import is_int
from marketplace.clearing.model import (
    CURRENCY,
    INTERVAL_S,
    INTERVALS_PER_HOUR,
    MAX_PRICE,
    MAX_QUANTITY_WH,
    Auction,
    Bid,
    Direction,
    Kind,
    Product,
    Reason,
    Rejection,
)

#: Parameters every bid needs, whatever the product.
REQUIRED = (
    "fsp",
    "location",
    "direction",
    "kind",
    "price_per_mwh",
    "currency",
    "divisible",
    "submitted_at",
    "prequalified",
    "intervals",
)


def _missing(raw: Mapping[str, Any], names: list[str]) -> list[str]:
    return [name for name in names if raw.get(name) is None]


def _bad_price(value: Any) -> bool:
    return not is_int(value) or not 0 <= value <= MAX_PRICE


def _type_problem(raw: Mapping[str, Any]) -> str | None:
    """The first wrongly typed base parameter, as a detail, or None."""
    for name in ("fsp", "location", "currency"):
        if not isinstance(raw[name], str) or not raw[name]:
            return f"{name} must be a non-empty string"
    for name, enum in (("direction", Direction), ("kind", Kind)):
        try:
            enum(raw[name])
        except (ValueError, TypeError):
            return f"{name} must be one of {', '.join(m.value for m in enum)}"
    for name in ("divisible", "prequalified"):
        if not isinstance(raw[name], bool):
            return f"{name} must be true or false"
    if _bad_price(raw["price_per_mwh"]):
        return f"price_per_mwh must be an integer within 0..{MAX_PRICE}"
    if not is_int(raw["submitted_at"]) or raw["submitted_at"] < 0:
        return "submitted_at must be a non-negative integer (Unix s)"
    if raw.get("qualified_power_w") is not None and (
        not is_int(raw["qualified_power_w"]) or raw["qualified_power_w"] < 0
    ):
        return "qualified_power_w must be a non-negative integer (W)"
    return None


def _intervals(raw: Any) -> tuple[tuple[tuple[int, int], ...] | None, str | None]:
    """Parsed, sorted (start, quantity_wh) pairs, or a detail saying what is wrong."""
    if not isinstance(raw, list) or not raw:
        return None, "intervals must be a non-empty list"
    out = []
    for k, item in enumerate(raw):
        if not isinstance(item, Mapping):
            return None, f"intervals[{k}] must be an object"
        start, quantity = item.get("start"), item.get("quantity_wh")
        if not is_int(start) or start < 0 or start % INTERVAL_S:
            return None, f"intervals[{k}].start must be a Unix time on a {INTERVAL_S} s boundary"
        if not is_int(quantity) or not 0 <= quantity <= MAX_QUANTITY_WH:
            return None, f"intervals[{k}].quantity_wh must be a non-negative integer (Wh)"
        out.append((start, quantity))
    out.sort()
    for (a, _), (b, _) in zip(out, out[1:]):
        if a == b:
            return None, f"interval {a} appears twice"
    return tuple(out), None


def validate_bid(raw: Mapping[str, Any], auction: Auction) -> Bid | Rejection:
    """The bid as a ``Bid`` if it is well formed for this auction, else its ``Rejection``."""
    bid_id = raw["id"]

    def void(reason: Reason, detail: str) -> Rejection:
        return Rejection(bid_id, reason, detail)

    missing = _missing(raw, list(REQUIRED))
    if missing:
        return void(Reason.MISSING_PARAMETER, f"missing {', '.join(missing)}")
    problem = _type_problem(raw)
    if problem:
        return void(Reason.INVALID_PARAMETER, problem)
    kind = Kind(raw["kind"])
    conditional = []
    if raw["divisible"]:
        conditional.append("min_quantity_wh")
    if auction.product is Product.LT_AVAILABILITY:
        conditional.append("availability_price_per_mw_h")
    if auction.product is Product.ST_ENERGY and kind is Kind.LT:
        conditional.append("lt_activation_price_per_mwh")
    missing = _missing(raw, conditional)
    if missing:
        return void(Reason.MISSING_PARAMETER, f"missing {', '.join(missing)}")
    for name in ("availability_price_per_mw_h", "lt_activation_price_per_mwh"):
        if name in conditional and _bad_price(raw[name]):
            return void(Reason.INVALID_PARAMETER, f"{name} must be an integer within 0..{MAX_PRICE}")
    intervals, problem = _intervals(raw["intervals"])
    if problem:
        return void(Reason.INVALID_PARAMETER, problem)
    min_quantity = 0
    if raw["divisible"]:
        min_quantity = raw["min_quantity_wh"]
        smallest = min(quantity for _, quantity in intervals)
        if not is_int(min_quantity) or not 0 <= min_quantity <= smallest:
            return void(
                Reason.INVALID_PARAMETER,
                f"min_quantity_wh must be an integer within 0..{smallest} (the smallest interval quantity)",
            )
    if raw["currency"] != CURRENCY:
        return void(Reason.CURRENCY_NOT_EUR, f"currency {raw['currency']!r} is not {CURRENCY}")
    limits = auction.limits
    for start, quantity in intervals:
        power_w = quantity * INTERVALS_PER_HOUR
        if power_w < limits.min_power_w:
            return void(
                Reason.QUANTITY_BELOW_MINIMUM,
                f"interval {start}: {quantity} Wh is {power_w} W, below {limits.min_power_w} W",
            )
        if power_w > limits.max_power_w:
            return void(
                Reason.QUANTITY_ABOVE_MAXIMUM,
                f"interval {start}: {quantity} Wh is {power_w} W, above {limits.max_power_w} W",
            )
        if quantity % limits.quantity_step_wh:
            return void(
                Reason.QUANTITY_OFF_GRANULARITY,
                f"interval {start}: {quantity} Wh is not a multiple of {limits.quantity_step_wh} Wh",
            )
    return Bid(
        id=bid_id,
        fsp=raw["fsp"],
        location=raw["location"],
        direction=Direction(raw["direction"]),
        kind=kind,
        price_per_mwh=raw["price_per_mwh"],
        divisible=raw["divisible"],
        min_quantity_wh=min_quantity,
        submitted_at=raw["submitted_at"],
        prequalified=raw["prequalified"],
        intervals=intervals,
        qualified_power_w=raw.get("qualified_power_w"),
        availability_price_per_mw_h=raw.get("availability_price_per_mw_h")
        if auction.product is Product.LT_AVAILABILITY
        else None,
        lt_activation_price_per_mwh=raw.get("lt_activation_price_per_mwh")
        if auction.product is Product.ST_ENERGY and kind is Kind.LT
        else None,
    )

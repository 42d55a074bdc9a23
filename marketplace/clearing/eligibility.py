"""Eligibility: whether a valid bid may answer a demand (seed table 11, 3.2.2.6, table 8).

Checked in this order, the first failure being the reported reason: the bid's kind is
allowed by the product and traffic light; a demand exists at the bid's location and in
its direction; the asset is prequalified; no interval exceeds the qualified power; every
interval lies in the demand's service window; the (capped) price is at most the demand's
cap, and for availability bids also the availability price.
"""

from __future__ import annotations

from collections.abc import Mapping

from marketplace.clearing.long_term import effective_price
from marketplace.clearing.model import (
    INTERVALS_PER_HOUR,
    Auction,
    Bid,
    Demand,
    Direction,
    Kind,
    Product,
    Reason,
    Rejection,
)


def demand_index(demands: tuple[Demand, ...]) -> dict[str, dict[Direction, Demand]]:
    """Demands by location, then direction (the book guarantees at most one per pair)."""
    index: dict[str, dict[Direction, Demand]] = {}
    for demand in demands:
        index.setdefault(demand.location, {})[demand.direction] = demand
    return index


def check_eligibility(
    bid: Bid,
    auction: Auction,
    kinds: frozenset[Kind],
    demands: Mapping[str, Mapping[Direction, Demand]],
) -> Demand | Rejection:
    """The demand the bid answers, or the ``Rejection`` saying why it is ineligible."""

    def reject(reason: Reason, detail: str) -> Rejection:
        return Rejection(bid.id, reason, detail)

    if bid.kind not in kinds:
        allowed = ", ".join(sorted(kind.value for kind in kinds))
        return reject(
            Reason.KIND_NOT_ALLOWED,
            f"{bid.kind.value} bids are not taken by this {auction.product.value} auction "
            f"under a {auction.traffic_light.value} light (allowed: {allowed})",
        )
    at_location = demands.get(bid.location)
    if at_location is None:
        return reject(Reason.LOCATION_MISMATCH, f"no demand at location {bid.location!r}")
    demand = at_location.get(bid.direction)
    if demand is None:
        return reject(
            Reason.DIRECTION_MISMATCH,
            f"no {bid.direction.value} demand at location {bid.location!r}",
        )
    if not bid.prequalified:
        return reject(Reason.NOT_PREQUALIFIED, "the bid's asset is not prequalified")
    if bid.qualified_power_w is not None:
        for start, quantity in bid.intervals:
            if quantity * INTERVALS_PER_HOUR > bid.qualified_power_w:
                return reject(
                    Reason.QUANTITY_ABOVE_QUALIFIED,
                    f"interval {start}: {quantity * INTERVALS_PER_HOUR} W is above the qualified "
                    f"{bid.qualified_power_w} W",
                )
    window = {start for start, _ in demand.intervals}
    for start, _ in bid.intervals:
        if start not in window:
            return reject(
                Reason.INTERVAL_OUTSIDE_DEMAND,
                f"interval {start} is outside demand {demand.id}'s intervals",
            )
    price = effective_price(bid, auction)
    if price > demand.price_cap_per_mwh:
        return reject(
            Reason.PRICE_ABOVE_CAP,
            f"price {price} per MWh is above the cap {demand.price_cap_per_mwh}",
        )
    if auction.product is Product.LT_AVAILABILITY and (
        bid.availability_price_per_mw_h > demand.availability_price_cap_per_mw_h
    ):
        return reject(
            Reason.AVAILABILITY_PRICE_ABOVE_CAP,
            f"availability price {bid.availability_price_per_mw_h} per MW per h is above the cap "
            f"{demand.availability_price_cap_per_mw_h}",
        )
    return demand

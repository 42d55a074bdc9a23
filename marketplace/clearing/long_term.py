"""Long-term rules: availability ranking and the short-term cap of long-term winners.

Availability auctions (seed 3.2.2.4-3.2.2.7, fig. 10): a bid offers capacity with two
prices, availability ``a`` (base units per MW per hour of service window) and activation
``e`` (base units per MWh). With N quarter-hours in the demand's service window and the
DSO's estimated activation hours ``h``, 1 MW of the bid is expected to cost
a x N/4 + e x h. The engine ranks by the integer 4 x that figure, ``a x N + 4 x e x h``,
which is N times the bid's expected cost per MWh of capacity-time (a demand interval's
``quantity_wh`` is capacity x 0.25 h). Welfare computed with these ranking prices is N
times the true welfare; ``welfare_divisor`` undoes that.

Short-term auctions after a long-term one (seed 3.2.2.6): a long-term winner's activation
bid is capped at its long-term activation price (the price it already committed to).
"""

from __future__ import annotations

from marketplace.clearing.model import Auction, Bid, Demand, Kind, Product


def effective_price(bid: Bid, auction: Auction) -> int:
    """The bid's energy price in base units/MWh after the long-term cap (short-term only)."""
    if auction.product is Product.ST_ENERGY and bid.kind is Kind.LT:
        return min(bid.price_per_mwh, bid.lt_activation_price_per_mwh)
    return bid.price_per_mwh


def _window_quarters(demand: Demand) -> int:
    return len(demand.intervals)


def ranking_price(bid: Bid, demand: Demand, auction: Auction) -> int:
    """The integer the merit order sorts on: the effective price, or the availability score."""
    if auction.product is Product.LT_AVAILABILITY:
        quarters = _window_quarters(demand)
        return bid.availability_price_per_mw_h * quarters + 4 * bid.price_per_mwh * demand.estimated_activation_hours
    return effective_price(bid, auction)


def ranking_cap(demand: Demand, auction: Auction) -> int:
    """The demand's cap on the ranking scale (the availability score of its two caps)."""
    if auction.product is Product.LT_AVAILABILITY:
        quarters = _window_quarters(demand)
        return (
            demand.availability_price_cap_per_mw_h * quarters
            + 4 * demand.price_cap_per_mwh * demand.estimated_activation_hours
        )
    return demand.price_cap_per_mwh


def welfare_divisor(demand: Demand, auction: Auction) -> int:
    """Ranking-scale welfare / this = welfare in base units x 1e6 (N for availability, else 1)."""
    if auction.product is Product.LT_AVAILABILITY:
        return _window_quarters(demand)
    return 1

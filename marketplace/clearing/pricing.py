"""Pricing rules (seed 3.2.2.8, 3.3.3.4): pay-as-bid and pay-as-clear, and every payment.

Pay-as-bid pays each accepted bid its own (capped) price. Pay-as-clear pays every bid
accepted in an interval the price of the highest-priced accepted bid of that interval:
the Slovenian rule, "the price of the last bid ... activated to satisfy the DSO
flexibility demands" (merit order puts it last). Availability bids carry two prices; under
pay-as-clear each is set to the highest of that price among the interval's accepted bids,
so no bid is paid less than it asked on either price and none more than the caps.

Each payment is ``settlement.payment(price, Wh)`` = floor(price x Wh / 1e6) base units,
per accepted bid and interval. For availability the price is the availability price and
the Wh are capacity-time (W x h): 1 MW for one hour at a base units per MW per hour
is a x 1e6 Wh / 1e6 = a base units.
"""

from __future__ import annotations

from collections.abc import Sequence

from marketplace import settlement
from marketplace.clearing.long_term import effective_price
from marketplace.clearing.model import Auction, Bid, Demand, Pricing, Product
from marketplace.clearing.result import AcceptedLine, IntervalResult


def price_demand(
    auction: Auction,
    demand: Demand,
    bids: Sequence[Bid],
    accepted: Sequence[tuple[int, int, int]],
) -> tuple[list[IntervalResult], list[AcceptedLine]]:
    """Interval results and paid lines for one demand.

    ``bids`` in merit order; ``accepted`` holds (bid index, interval index, Wh) with Wh > 0,
    ordered by interval then merit order.
    """
    availability = auction.product is Product.LT_AVAILABILITY
    n = len(demand.intervals)
    energy = [effective_price(bid, auction) for bid in bids]
    capacity = [bid.availability_price_per_mw_h or 0 for bid in bids]
    clear_energy: list[int | None] = [None] * n
    clear_capacity: list[int | None] = [None] * n
    total = [0] * n
    for b, t, wh in accepted:
        total[t] += wh
        clear_energy[t] = max(energy[b], clear_energy[t] or 0)
        clear_capacity[t] = max(capacity[b], clear_capacity[t] or 0)
    by_clear = auction.pricing is Pricing.PAY_AS_CLEAR
    lines = []
    for b, t, wh in accepted:
        bid = bids[b]
        price = clear_energy[t] if by_clear else energy[b]
        availability_price = (clear_capacity[t] if by_clear else capacity[b]) if availability else None
        paid = settlement.payment(availability_price if availability else price, wh)
        lines.append(
            AcceptedLine(bid.id, bid.fsp, demand.id, demand.intervals[t][0], wh, price, paid, availability_price)
        )
    intervals = [
        IntervalResult(
            demand_id=demand.id,
            start=start,
            demand_wh=wanted,
            accepted_wh=total[t],
            unmet_wh=max(wanted - total[t], 0),
            overfill_wh=max(total[t] - wanted, 0),
            clearing_price_per_mwh=clear_energy[t] if by_clear else None,
            clearing_availability_price_per_mw_h=clear_capacity[t] if by_clear and availability else None,
        )
        for t, (start, wanted) in enumerate(demand.intervals)
    ]
    return intervals, lines

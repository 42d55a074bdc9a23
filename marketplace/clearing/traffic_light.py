"""The traffic light rule: which bids a market may take (seed table 8 and 3.3.3.4).

Green (within limits) and red (emergency, rules-based DSO action) hold no market. Yellow
takes short-term bids and activations of long-term products; orange also takes dynamic
connection agreements (DCA). Long-term auctions take long-term bids only.
"""

from __future__ import annotations

from marketplace.clearing.errors import NoMarket
from marketplace.clearing.model import Auction, Kind, Product, TrafficLight

_SHORT_TERM_KINDS = {
    TrafficLight.YELLOW: frozenset({Kind.ST, Kind.LT}),
    TrafficLight.ORANGE: frozenset({Kind.ST, Kind.LT, Kind.DCA}),
}


def require_market(auction: Auction) -> None:
    """Raise ``NoMarket`` when the traffic light is green or red."""
    if auction.traffic_light not in _SHORT_TERM_KINDS:
        raise NoMarket(
            f"traffic light is {auction.traffic_light.value} for auction {auction.id}: no market is held",
            details={"auction": auction.id, "traffic_light": auction.traffic_light.value},
        )


def allowed_kinds(auction: Auction) -> frozenset[Kind]:
    """The bid kinds this auction takes (after ``require_market``)."""
    if auction.product is not Product.ST_ENERGY:
        return frozenset({Kind.LT})
    return _SHORT_TERM_KINDS[auction.traffic_light]

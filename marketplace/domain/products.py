"""The market's products and what their automated prequalification test requires.

Where the numbers come from: the minimum change of 1 kW and the 2.5-minute preparation
period are seed tables 5 and 9; the 15-minute hold is one standard product interval; the
80 % success share is seed 3.3.3.3. Ours (the seed leaves them open — the Device Registry
only says "within the tolerance limits for specific market product"): a 2.5-minute ramp after
the preparation (so full response within 5 minutes), a ±10 % band around the setpoint for
"reached", and samples at least every 60 s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from marketplace.models.enums import Product


@dataclass(frozen=True)
class ProductSpec:
    """Tolerances of the activation test for one product (powers W, times s, shares %)."""

    product: Product
    description: str
    #: Smallest power change a test may request (seed: 1 kW minimum quantity).
    min_change_w: int = 1_000
    #: Seed's preparation period: activation request to start of ramping.
    preparation_s: int = 150
    #: Latest time after the setpoint step by which the measured change must reach the band.
    max_response_s: int = 300
    #: Length of the held activation judged for energy, from ``max_response_s`` on.
    hold_s: int = 900
    #: Half-width of the band around the requested change counted as "reached", % of it.
    tolerance_pct: int = 10
    #: Delivered share of the requested energy over the hold for a pass (seed 3.3.3.3).
    success_pct: int = 80
    #: Largest allowed gap between two samples.
    max_sample_gap_s: int = 60

    def to_dict(self) -> dict:
        return {**asdict(self), "product": self.product.value}


PRODUCTS: dict[Product, ProductSpec] = {
    Product.ST_ENERGY: ProductSpec(Product.ST_ENERGY, "Short-term flexibility energy (15-min standard product, seed 3.3.3.2)."),
    Product.LT_AVAILABILITY: ProductSpec(
        Product.LT_AVAILABILITY, "Long-term availability: capacity held ready in a service window (seed 3.2.2.6, 3.3.3.1)."
    ),
    Product.LT_ACTIVATION: ProductSpec(
        Product.LT_ACTIVATION, "Long-term firm activation on a fixed schedule (seed 3.2.2.6)."
    ),
}

"""Long-term availability settlement: paying for readiness, scaled by successful activations.

Seed D4.2 3.3.3.1: after the service window of a long-term product the FSP is remunerated for
the duration of the window and the number of successful activations. ARCHITECTURE: the
availability amount is availability price x MW x service hours, scaled by the share of
successful activations when any activation failed.

The availability price is in token base units per MW per hour of service window, so the
availability "energy" is capacity x hours in MWh, and the money rule is the same as for
energy: :func:`marketplace.settlement.payment` (floor(price x Wh / 1e6)). Here::

    capacity_wh = floor(capacity_w x service_s / 3600)          (W x h = Wh of availability)
    amount      = payment(price_per_mw_h, capacity_wh)
    scaled_wh   = floor(capacity_w x service_s x successful / (3600 x activations))
    payment     = payment(price_per_mw_h, scaled_wh)            (= amount when none failed)
    refund      = amount - payment                              (back to the DSO)

Rounding happens twice at most, both times down: once to whole Wh of availability (exact
when capacity_w x service_s is a multiple of 3600, e.g. whole hours or a capacity that is a
multiple of 4 W), once to whole base units inside ``payment``. So payment <= amount and
payment + refund == amount, always.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.settlement import payment

#: Seconds per hour.
HOUR_S = 3600


@dataclass(frozen=True)
class AvailabilitySplit:
    """Where a long-term availability amount goes, token base units.

    ``amount`` is the full availability value, ``payment`` what the FSP earns, ``refund`` the
    rest, returned to the DSO. ``activations`` and ``successful`` count the activations.
    """

    amount: int
    payment: int
    refund: int
    activations: int
    successful: int


def settle_availability(
    price_per_mw_h: int, capacity_w: int, service_s: int, activations: int, successful: int
) -> AvailabilitySplit:
    """Settle the availability part of a long-term agreement.

    ``price_per_mw_h``: base units per MW per hour of service window; ``capacity_w``: the
    contracted capacity in W; ``service_s``: the length of the service window in s;
    ``activations``: activations requested in it; ``successful``: those that reached the
    success threshold. With no activation, or none failed, the full amount is paid.
    """
    for name, value in (
        ("price_per_mw_h", price_per_mw_h),
        ("capacity_w", capacity_w),
        ("service_s", service_s),
        ("activations", activations),
        ("successful", successful),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if successful > activations:
        raise ValueError(f"successful activations ({successful}) exceed activations ({activations})")
    amount = payment(price_per_mw_h, capacity_w * service_s // HOUR_S)
    if successful == activations:
        paid = amount
    else:
        paid = payment(price_per_mw_h, capacity_w * service_s * successful // (HOUR_S * activations))
    return AvailabilitySplit(amount, paid, amount - paid, activations, successful)

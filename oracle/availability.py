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
    scaled_wh   = floor(capacity_wh x successful / activations) (capacity_wh when none failed)
    payment     = payment(price_per_mw_h, scaled_wh)
    refund      = amount - payment                              (back to the DSO)

``capacity_wh`` is the availability agreement's on-chain quantity; the meter oracle attests
``scaled_wh`` as its delivered energy (threshold 0, no penalty), so the contract pays exactly
``payment``. Every rounding is down (to whole Wh, to whole base units), so payment <= amount
and payment + refund == amount, always.
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
    capacity_wh = capacity_w * service_s // HOUR_S
    amount = payment(price_per_mw_h, capacity_wh)
    paid = payment(price_per_mw_h, scaled_wh(capacity_wh, activations, successful))
    return AvailabilitySplit(amount, paid, amount - paid, activations, successful)


def scaled_wh(quantity_wh: int, activations: int, successful: int) -> int:
    """The availability Wh-equivalent earned: all of ``quantity_wh`` when no activation failed
    (or none was requested), else quantity x successful / activations, rounded down."""
    if successful > activations or min(quantity_wh, activations, successful) < 0:
        raise ValueError("need 0 <= successful <= activations and a non-negative quantity")
    if successful == activations:
        return quantity_wh
    return quantity_wh * successful // activations

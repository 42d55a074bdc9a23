"""How a DSO request maps onto on-chain requests, and a bid onto signed ``Bid`` legs (pure).

Request legs (docs/market.md, "On-chain mapping"):

- energy (short-term energy, long-term energy / firm activation): one leg, ``quantityWh`` = the
  sum of the intervals' Wh, ``priceCapPerMWh`` = the request's cap; threshold and penalty from
  the session;
- long-term availability: an ``availability`` leg (``quantityWh`` = capacity-time, W x service
  hours, i.e. the sum of the intervals' W x 0.25 h; cap = the maximum reservation price per
  MW per hour) and an ``activation`` leg (``quantityWh`` = capacity x estimated activation
  hours; cap = the maximum activation price); both with threshold 0 and penalty 0: the
  availability agreement is settled with delivered = ordered x successful / total activations,
  the activation agreement with the activated energy actually delivered.

Times: ``gateClosure`` = the session's gate closure; ``awardDeadline`` = gate closure + the
award window, never after delivery start; ``deliveryEnd`` = end of the service window;
``attestDeadline`` = delivery end + the attestation window.
"""

from __future__ import annotations

from typing import Any

from marketplace.clearing.model import INTERVAL_S, Pricing
from marketplace.market.canonical import request_ref
from marketplace.models.enums import Product
from marketplace.models.market import Leg

HOUR_S = 3600


def legs_of(category: Product) -> tuple[Leg, ...]:
    """The chain legs a request of ``category`` has."""
    if category is Product.LT_AVAILABILITY:
        return (Leg.AVAILABILITY, Leg.ACTIVATION)
    return (Leg.ENERGY,)


def service_s(interval_count: int) -> int:
    """Length of a service window of ``interval_count`` quarter-hours, s."""
    return interval_count * INTERVAL_S


def activation_quantity_wh(capacity_time_wh: int, estimated_hours: int, interval_count: int) -> int:
    """Wh of activation for ``capacity_time_wh`` Wh of capacity-time over a window of
    ``interval_count`` quarter-hours: the average capacity (W) times the estimated hours."""
    return capacity_time_wh * estimated_hours * HOUR_S // service_s(interval_count)


def request_terms(*, leg: Leg, document: dict[str, Any], dso_address: str, gate_close_at: int, delivery_start: int,
                  delivery_end: int, award_window_s: int, attest_window_s: int, total_wh: int, interval_count: int,
                  price_cap_per_mwh: int, availability_price_cap_per_mw_h: int | None,
                  estimated_activation_hours: int | None, success_threshold_pct: int, penalty_pct: int,
                  pricing: Pricing) -> dict[str, Any]:
    """The ``FlexRequest`` of one leg, by the contract's field names (``ref`` 0x-hex)."""
    if leg is Leg.AVAILABILITY:
        quantity, cap, threshold, penalty = total_wh, availability_price_cap_per_mw_h, 0, 0
    elif leg is Leg.ACTIVATION:
        quantity = activation_quantity_wh(total_wh, estimated_activation_hours or 0, interval_count)
        cap, threshold, penalty = price_cap_per_mwh, 0, 0
    else:
        quantity, cap, threshold, penalty = total_wh, price_cap_per_mwh, success_threshold_pct, penalty_pct
    return {
        "dso": dso_address,
        "gateClosure": gate_close_at,
        "awardDeadline": min(gate_close_at + award_window_s, delivery_start),
        "deliveryEnd": delivery_end,
        "attestDeadline": delivery_end + attest_window_s,
        "quantityWh": quantity,
        "priceCapPerMWh": cap,
        "successThresholdPct": threshold,
        "penaltyPct": penalty,
        "payAsClear": pricing is Pricing.PAY_AS_CLEAR,
        "ref": request_ref(document, leg.value),
    }


def bid_leg_quantities(*, leg: Leg, intervals: list[tuple[int, int]], divisible: bool, min_quantity_wh: int,
                       estimated_activation_hours: int | None, request_interval_count: int) -> tuple[int, int]:
    """(quantityWh, minQuantityWh) a bid signs for ``leg``.

    Energy and availability legs: the sum of the offered Wh and, for a divisible bid, its
    per-interval minimum (the smallest total it can be awarded), else the full quantity. The
    activation leg: the offered capacity-time turned into activation Wh (average capacity x
    estimated hours); a divisible bid's minimum there is 0 (any share of its activation).
    """
    total = sum(q for _, q in intervals)
    if leg is Leg.ACTIVATION:
        quantity = activation_quantity_wh(total, estimated_activation_hours or 0, request_interval_count)
        return quantity, (0 if divisible else quantity)
    return total, (min_quantity_wh if divisible else total)

"""The clearing result and its JSON form (see docs/clearing-format.md).

Money in token base units (1 EUR = 1,000,000), prices in base units per MWh,
availability prices in base units per MW per hour, energy in Wh, times in Unix s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace.clearing.model import Product, Rejection


@dataclass(frozen=True, slots=True)
class IntervalResult:
    """One demand interval: requested, accepted, unmet and over-procured Wh, clearing prices.

    The clearing prices are set under pay-as-clear (the highest accepted price of the
    interval) and None otherwise or when nothing is accepted.
    """

    demand_id: str
    start: int
    demand_wh: int
    accepted_wh: int
    unmet_wh: int
    overfill_wh: int
    clearing_price_per_mwh: int | None
    clearing_availability_price_per_mw_h: int | None = None


@dataclass(frozen=True, slots=True)
class AcceptedLine:
    """An accepted bid in one interval, at the price it is paid, and the payment.

    ``price_per_mwh`` is the energy (activation) price agreed. For availability products
    ``availability_price_per_mw_h`` is set and ``payment`` is the availability payment for
    ``quantity_wh`` Wh of capacity-time; activation is paid later, per delivered MWh.
    """

    bid_id: str
    fsp: str
    demand_id: str
    start: int
    quantity_wh: int
    price_per_mwh: int
    payment: int
    availability_price_per_mw_h: int | None = None


@dataclass(frozen=True, slots=True)
class CurveStep:
    """One eligible bid on the merit-order curve of an interval."""

    bid_id: str
    price_per_mwh: int
    quantity_wh: int
    accepted_wh: int


@dataclass(frozen=True, slots=True)
class Curve:
    """The merit-order curve of one demand interval, for plotting.

    For availability products the step and cap prices are the expected cost per MWh of
    capacity-time (availability price + activation price x estimated activation hours /
    service hours), rounded down; the merit order itself is computed exactly.
    """

    demand_id: str
    start: int
    demand_wh: int
    cap_per_mwh: int
    clearing_price_per_mwh: int | None
    steps: tuple[CurveStep, ...]


@dataclass(frozen=True, slots=True)
class SolverReport:
    """How the selection was found and what is proven about it.

    ``method``: "merit_order" (plain merit-order fill), "bounds" (exact bounds proved the
    selection), "milp" (HiGHS was needed). ``welfare_bound`` is a proven upper bound on
    welfare (base units, rounded down) and ``gap`` = welfare_bound - welfare.
    """

    method: str
    status: str
    welfare_bound: int
    gap: int


@dataclass(frozen=True, slots=True)
class ClearingResult:
    """Everything the clearing decided, in the order of the JSON output."""

    auction_id: str
    product: Product
    pricing: str
    optimal: bool
    welfare: int
    total_cost: int
    solver: SolverReport
    intervals: tuple[IntervalResult, ...]
    accepted: tuple[AcceptedLine, ...]
    rejected: tuple[Rejection, ...]
    merit_order: tuple[Curve, ...]

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (documented in docs/clearing-format.md)."""
        availability = self.product is Product.LT_AVAILABILITY

        def interval(i: IntervalResult) -> dict[str, Any]:
            out = {
                "demand_id": i.demand_id,
                "start": i.start,
                "demand_wh": i.demand_wh,
                "accepted_wh": i.accepted_wh,
                "unmet_wh": i.unmet_wh,
                "overfill_wh": i.overfill_wh,
                "clearing_price_per_mwh": i.clearing_price_per_mwh,
            }
            if availability:
                out["clearing_availability_price_per_mw_h"] = i.clearing_availability_price_per_mw_h
            return out

        def accepted(a: AcceptedLine) -> dict[str, Any]:
            out = {
                "bid_id": a.bid_id,
                "fsp": a.fsp,
                "demand_id": a.demand_id,
                "start": a.start,
                "quantity_wh": a.quantity_wh,
                "price_per_mwh": a.price_per_mwh,
            }
            if availability:
                out["availability_price_per_mw_h"] = a.availability_price_per_mw_h
            out["payment"] = a.payment
            return out

        return {
            "auction_id": self.auction_id,
            "product": self.product.value,
            "pricing": self.pricing,
            "optimal": self.optimal,
            "welfare": self.welfare,
            "total_cost": self.total_cost,
            "solver": {
                "method": self.solver.method,
                "status": self.solver.status,
                "welfare_bound": self.solver.welfare_bound,
                "gap": self.solver.gap,
            },
            "intervals": [interval(i) for i in self.intervals],
            "accepted": [accepted(a) for a in self.accepted],
            "rejected": [
                {"bid_id": r.bid_id, "status": r.status.value, "reason": r.reason.value, "detail": r.detail}
                for r in self.rejected
            ],
            "merit_order": [
                {
                    "demand_id": c.demand_id,
                    "start": c.start,
                    "demand_wh": c.demand_wh,
                    "cap_per_mwh": c.cap_per_mwh,
                    "clearing_price_per_mwh": c.clearing_price_per_mwh,
                    "steps": [
                        {
                            "bid_id": s.bid_id,
                            "price_per_mwh": s.price_per_mwh,
                            "quantity_wh": s.quantity_wh,
                            "accepted_wh": s.accepted_wh,
                        }
                        for s in c.steps
                    ],
                }
                for c in self.merit_order
            ],
        }

"""Divisible clearing on columns: the merit-order fill of one interval.

Bids are accepted cheapest first until the demand is met; the bid that crosses the demand
is cut. This maximises welfare sum((cap - price) x quantity) whenever the cut leaves that
bid at least its minimum quantity: the fill is then the optimum of the LP relaxation and
is feasible, hence optimal. When the cut would go below the minimum, ``exact`` is False
and the caller solves the interval as a mixed-integer problem instead.

The core sorts prices once (``numpy.argsort``) and orders only the bids tied at the
marginal price by submission time and tie-break key, so its cost stays close to one
argsort even for a million bids, and the result does not depend on input order: bids
below the marginal price are accepted in full whatever their order, bids above it not
at all, and ties are broken by (submitted_at, tiebreak).

Arrays are int64: prices in base units per MWh (or any ranking scale), quantities in Wh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class DivisibleClearing:
    """Accepted Wh per input bid (aligned with the input arrays) and whether it is optimal.

    ``marginal_price`` is the price of the last (highest-priced) accepted bid, None when
    nothing is accepted.
    """

    accepted_wh: np.ndarray
    marginal_price: int | None
    exact: bool


def fill(quantity_wh: np.ndarray, min_quantity_wh: np.ndarray, capacity_wh: int) -> tuple[np.ndarray, bool]:
    """Fill ``capacity_wh`` with bids already in merit order; True when no cut is below a minimum."""
    cumulative = np.cumsum(quantity_wh)
    before = cumulative - quantity_wh
    accepted = np.clip(capacity_wh - before, 0, quantity_wh)
    cut = (accepted > 0) & (accepted < min_quantity_wh)
    return accepted, not bool(cut.any())


def clear_divisible(
    price: np.ndarray,
    quantity_wh: np.ndarray,
    min_quantity_wh: np.ndarray,
    submitted_at: np.ndarray,
    tiebreak: np.ndarray,
    demand_wh: int,
    cap: int,
) -> DivisibleClearing:
    """Clear one interval of divisible bids against ``demand_wh`` at price cap ``cap``.

    ``tiebreak`` orders bids with equal price and submission time (the engine passes each
    bid's rank by id); bids priced above ``cap`` are not accepted.
    """
    n = price.shape[0]
    accepted = np.zeros(n, dtype=np.int64)
    if n == 0 or demand_wh <= 0:
        return DivisibleClearing(accepted, None, True)
    eligible = price <= cap
    if eligible.all():
        index = None
        p, q = price, quantity_wh
    else:
        index = np.flatnonzero(eligible)
        if index.size == 0:
            return DivisibleClearing(accepted, None, True)
        p, q = price[index], quantity_wh[index]
    order = np.argsort(p)
    q_sorted = q[order]
    cumulative = np.cumsum(q_sorted)
    if cumulative[-1] <= demand_wh:
        # Every eligible bid fits: accept them all.
        if index is None:
            accepted[:] = quantity_wh
        else:
            accepted[index] = q
        return DivisibleClearing(accepted, int(p.max()), True)
    p_sorted = p[order]
    marginal = int(p_sorted[np.searchsorted(cumulative, demand_wh, side="left")])
    first_tie = int(np.searchsorted(p_sorted, marginal, side="left"))
    end_tie = int(np.searchsorted(p_sorted, marginal, side="right"))
    filled = int(cumulative[first_tie - 1]) if first_tie else 0
    full = order[:first_tie]
    tied = order[first_tie:end_tie]
    if index is not None:
        full, tied = index[full], index[tied]
    accepted[full] = quantity_wh[full]
    tied = tied[np.lexsort((tiebreak[tied], submitted_at[tied]))]
    tied_accepted, exact = fill(quantity_wh[tied], min_quantity_wh[tied], demand_wh - filled)
    accepted[tied] = tied_accepted
    # cumulative[first_tie - 1] < demand_wh by the choice of ``marginal``: a tied bid is accepted.
    return DivisibleClearing(accepted, marginal, exact)

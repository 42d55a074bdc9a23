"""Clearing an order book: the whole rule chain, from JSON book to ``ClearingResult``.

1. Read the book (``book``); a green or red traffic light holds no market (``NoMarket``).
2. Void (``voids``) and ineligible (``eligibility``) bids are rejected with a reason.
3. Each demand's eligible bids are put in merit order on their ranking price
   (``merit_order``, ``long_term``) and cleared: intervals linked by indivisible bids form
   components; a component of divisible bids alone is the columnar merit-order fill
   (``divisible``), anything else the exact selection (``selection``).
4. Prices and payments (``pricing``), the merit-order curves, welfare and total cost.

Welfare = sum((cap - price) x accepted Wh) / 1e6 base units with the bids' own (capped)
prices, whatever the pricing rule (payments between DSO and FSPs cancel out in it);
for availability the prices are the ranking scores (see ``long_term``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from marketplace.clearing import integers
from marketplace.clearing.book import parse_book
from marketplace.clearing.divisible import clear_divisible
from marketplace.clearing.eligibility import check_eligibility, demand_index
from marketplace.clearing.long_term import ranking_cap, ranking_price, welfare_divisor
from marketplace.clearing.merit_order import merit_order
from marketplace.clearing.model import Auction, Bid, Demand, Reason, Rejection
from marketplace.clearing.pricing import price_demand
from marketplace.clearing.problem import BidLines, Problem, build_problem, components, subproblem
from marketplace.clearing.result import ClearingResult, Curve, CurveStep, SolverReport
from marketplace.clearing.selection import Selection, solve
from marketplace.clearing.solver import Seconds
from marketplace.clearing.traffic_light import allowed_kinds, require_market
from marketplace.clearing.voids import validate_bid
from marketplace.settlement import WH_PER_MWH

#: Default time limit of one clearing, seconds (wall clock, shared by its MILPs).
DEFAULT_TIME_LIMIT_S = 10.0

_METHOD_RANK = {"merit_order": 0, "bounds": 1, "milp": 2}


@dataclass(frozen=True, slots=True)
class DemandClearing:
    """One demand's bids in merit order, its problem and the accepted Wh per line."""

    demand: Demand
    bids: tuple[Bid, ...]
    prices: tuple[int, ...]  # ranking price per bid
    problem: Problem
    accepted_wh: np.ndarray  # per line of ``problem``
    welfare: int  # ranking scale
    bound: int  # ranking scale
    optimal: bool
    method: str
    status: str


def _merit_fill(part: Problem) -> Selection | None:
    """The columnar fill of a one-interval part of divisible bids; None if a minimum binds."""
    bids = part.line_bid
    core = clear_divisible(
        part.price[bids],
        part.line_wh,
        part.min_wh[bids],
        part.submitted_at[bids],
        bids,  # rank: already orders equal prices by time, then id
        int(part.demand_wh[0]),
        part.cap,
    )
    if not core.exact:
        return None
    welfare = integers.dot(part.cap - part.price[bids], core.accepted_wh)
    return Selection(core.accepted_wh, welfare, welfare, True, "merit_order", "optimal")


def clear_demand(auction: Auction, demand: Demand, bids: list[Bid], deadline: Seconds) -> DemandClearing:
    """Clear one demand against its eligible bids."""
    prices = [ranking_price(bid, demand, auction) for bid in bids]
    order = merit_order(bids, prices)
    bids = [bids[i] for i in order]
    prices = [prices[i] for i in order]
    slot = {start: t for t, (start, _) in enumerate(demand.intervals)}
    problem = build_problem(
        [wh for _, wh in demand.intervals],
        ranking_cap(demand, auction),
        [
            BidLines(price, bid.submitted_at, bid.divisible, bid.min_quantity_wh, [(slot[s], wh) for s, wh in bid.intervals])
            for bid, price in zip(bids, prices)
        ],
        auction.allow_overfill,
    )
    accepted = np.zeros(problem.line_bid.shape[0], dtype=np.int64)
    welfare = bound = 0
    optimal, method, status = True, "merit_order", "optimal"
    for intervals in components(problem):
        part, lines = subproblem(problem, intervals)
        if part.line_bid.size == 0:
            continue
        selection = None
        if part.n_intervals == 1 and bool(part.divisible.all()):
            selection = _merit_fill(part)
        if selection is None:
            selection = solve(part, deadline)
        accepted[lines] = selection.accepted_wh
        welfare += selection.welfare
        bound += selection.bound
        optimal &= selection.optimal
        if _METHOD_RANK[selection.method] > _METHOD_RANK[method]:
            method = selection.method
        if selection.status != "optimal":
            status = selection.status
    return DemandClearing(demand, tuple(bids), tuple(prices), problem, accepted, welfare, bound, optimal, method, status)


def _curves(auction: Auction, cleared: DemandClearing) -> list[Curve]:
    demand, p = cleared.demand, cleared.problem
    divisor = welfare_divisor(demand, auction)
    cap = ranking_cap(demand, auction) // divisor
    steps: list[list[CurveStep]] = [[] for _ in demand.intervals]
    order = np.lexsort((p.line_bid, p.line_t))
    for k in order.tolist():
        b = int(p.line_bid[k])
        steps[int(p.line_t[k])].append(
            CurveStep(cleared.bids[b].id, cleared.prices[b] // divisor, int(p.line_wh[k]), int(cleared.accepted_wh[k]))
        )
    return [
        Curve(demand.id, start, wh, cap, None, tuple(steps[t]))
        for t, (start, wh) in enumerate(demand.intervals)
    ]


def clear_book(book: Mapping[str, Any], time_limit_s: Seconds = DEFAULT_TIME_LIMIT_S) -> ClearingResult:
    """Clear a book given as JSON data; raises ``InvalidBook`` or ``NoMarket``.

    The result does not depend on the order of the bids in the book. ``time_limit_s`` caps
    the time the MILP solver may use (HiGHS checks it between its phases); when it stops
    the solver, the result is marked not optimal and carries the proven gap.
    """
    deadline = time.monotonic() + time_limit_s
    parsed = parse_book(book)
    auction = parsed.auction
    require_market(auction)
    kinds = allowed_kinds(auction)
    index = demand_index(parsed.demands)
    rejected: list[Rejection] = []
    eligible: dict[str, list[Bid]] = {demand.id: [] for demand in parsed.demands}
    for raw in parsed.bids:
        bid = validate_bid(raw, auction)
        if isinstance(bid, Rejection):
            rejected.append(bid)
            continue
        target = check_eligibility(bid, auction, kinds, index)
        if isinstance(target, Rejection):
            rejected.append(target)
        else:
            eligible[target.id].append(bid)
    intervals, lines, curves = [], [], []
    welfare = bound = Fraction(0)
    optimal, method, status = True, "merit_order", "optimal"
    for demand in sorted(parsed.demands, key=lambda d: d.id):
        cleared = clear_demand(auction, demand, eligible[demand.id], deadline)
        p = cleared.problem
        taken = np.flatnonzero(cleared.accepted_wh > 0)
        taken = taken[np.lexsort((p.line_bid[taken], p.line_t[taken]))]
        accepted = list(zip(p.line_bid[taken].tolist(), p.line_t[taken].tolist(), cleared.accepted_wh[taken].tolist()))
        demand_intervals, demand_lines = price_demand(auction, demand, cleared.bids, accepted)
        clearing = {i.start: i.clearing_price_per_mwh for i in demand_intervals}
        curves += [
            Curve(c.demand_id, c.start, c.demand_wh, c.cap_per_mwh, clearing[c.start], c.steps)
            for c in _curves(auction, cleared)
        ]
        intervals += demand_intervals
        lines += demand_lines
        chosen = set(p.line_bid[taken].tolist())
        rejected += [
            Rejection(bid.id, Reason.NOT_SELECTED, f"not in the welfare-maximising selection (merit order {b + 1} of {len(cleared.bids)})")
            for b, bid in enumerate(cleared.bids)
            if b not in chosen
        ]
        scale = welfare_divisor(demand, auction) * WH_PER_MWH
        welfare += Fraction(cleared.welfare, scale)
        bound += Fraction(cleared.bound, scale)
        optimal &= cleared.optimal
        if _METHOD_RANK[cleared.method] > _METHOD_RANK[method]:
            method = cleared.method
        if cleared.status != "optimal":
            status = cleared.status
    welfare_base = welfare.numerator // welfare.denominator
    bound_base = bound.numerator // bound.denominator
    return ClearingResult(
        auction_id=auction.id,
        product=auction.product,
        pricing=auction.pricing.value,
        optimal=optimal,
        welfare=welfare_base,
        total_cost=sum(line.payment for line in lines),
        solver=SolverReport(method, status, bound_base, bound_base - welfare_base),
        intervals=tuple(intervals),
        accepted=tuple(lines),
        rejected=tuple(sorted(rejected, key=lambda r: r.bid_id)),
        merit_order=tuple(curves),
    )

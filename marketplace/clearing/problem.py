"""One demand's clearing problem in columns, and its split into independent parts.

Bids are stored in merit order (index = rank), so every later step breaks ties by index.
A *line* is one bid in one interval. Divisible lines are independent of each other; an
indivisible bid ties its intervals together (accepted in all or none, seed 3.3.3.1.2),
so the intervals split into components linked by indivisible multi-interval bids, and
each component clears on its own.

Units: Wh for quantities; prices and the cap on the ranking scale (base units per MWh,
or the availability score, see ``long_term``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Problem:
    """Arrays of one demand: T intervals, B bids (merit order), L lines sorted by (bid, t)."""

    demand_wh: np.ndarray  # [T] Wh per interval
    cap: int  # ranking price cap
    price: np.ndarray  # [B] ranking price, non-decreasing
    submitted_at: np.ndarray  # [B] Unix s
    divisible: np.ndarray  # [B] bool
    min_wh: np.ndarray  # [B] minimum accepted Wh per interval of a divisible bid
    line_bid: np.ndarray  # [L] bid index, non-decreasing
    line_t: np.ndarray  # [L] interval index
    line_wh: np.ndarray  # [L] offered Wh
    allow_overfill: bool

    @property
    def n_intervals(self) -> int:
        """T."""
        return int(self.demand_wh.shape[0])

    @property
    def n_bids(self) -> int:
        """B."""
        return int(self.price.shape[0])


@dataclass(frozen=True, slots=True)
class BidLines:
    """A bid's input to ``build_problem``: ranking price and (interval index, Wh) lines."""

    price: int
    submitted_at: int
    divisible: bool
    min_wh: int
    lines: Sequence[tuple[int, int]]


def build_problem(demand_wh: Sequence[int], cap: int, bids: Sequence[BidLines], allow_overfill: bool) -> Problem:
    """A ``Problem`` from bids already in merit order."""
    line_bid, line_t, line_wh = [], [], []
    for b, bid in enumerate(bids):
        for t, wh in sorted(bid.lines):
            line_bid.append(b)
            line_t.append(t)
            line_wh.append(wh)
    i64 = np.int64
    return Problem(
        demand_wh=np.asarray(demand_wh, dtype=i64),
        cap=cap,
        price=np.asarray([bid.price for bid in bids], dtype=i64),
        submitted_at=np.asarray([bid.submitted_at for bid in bids], dtype=i64),
        divisible=np.asarray([bid.divisible for bid in bids], dtype=bool),
        min_wh=np.asarray([bid.min_wh if bid.divisible else 0 for bid in bids], dtype=i64),
        line_bid=np.asarray(line_bid, dtype=i64),
        line_t=np.asarray(line_t, dtype=i64),
        line_wh=np.asarray(line_wh, dtype=i64),
        allow_overfill=allow_overfill,
    )


def components(problem: Problem) -> list[np.ndarray]:
    """Interval index sets linked by indivisible bids, ordered by their first interval."""
    parent = list(range(problem.n_intervals))

    def root(t: int) -> int:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    indivisible = ~problem.divisible[problem.line_bid]
    bids, ts = problem.line_bid[indivisible], problem.line_t[indivisible]
    if bids.size:
        starts = np.flatnonzero(np.r_[True, bids[1:] != bids[:-1]])
        ends = np.r_[starts[1:], bids.size]
        for s, e in zip(starts.tolist(), ends.tolist()):
            first = root(int(ts[s]))
            for t in ts[s + 1 : e].tolist():
                other = root(t)
                if other != first:
                    parent[other] = first
    groups: dict[int, list[int]] = {}
    for t in range(problem.n_intervals):
        groups.setdefault(root(t), []).append(t)
    return [np.asarray(ts, dtype=np.int64) for ts in sorted(groups.values())]


def subproblem(problem: Problem, intervals: np.ndarray) -> tuple[Problem, np.ndarray]:
    """The part of ``problem`` on ``intervals``, and the indices of its lines in ``problem``."""
    new_t = np.full(problem.n_intervals, -1, dtype=np.int64)
    new_t[intervals] = np.arange(intervals.size)
    lines = np.flatnonzero(new_t[problem.line_t] >= 0)
    old_bids = np.unique(problem.line_bid[lines])
    new_bid = np.full(problem.n_bids, -1, dtype=np.int64)
    new_bid[old_bids] = np.arange(old_bids.size)
    part = Problem(
        demand_wh=problem.demand_wh[intervals],
        cap=problem.cap,
        price=problem.price[old_bids],
        submitted_at=problem.submitted_at[old_bids],
        divisible=problem.divisible[old_bids],
        min_wh=problem.min_wh[old_bids],
        line_bid=new_bid[problem.line_bid[lines]],
        line_t=new_t[problem.line_t[lines]],
        line_wh=problem.line_wh[lines],
        allow_overfill=problem.allow_overfill,
    )
    return part, lines

"""Exact selection when the merit-order fill is not enough: indivisible bids and minimums.

Maximise welfare sum((cap - price) x accepted Wh) over a component (intervals linked by
indivisible bids), subject to: accepted <= demand per interval (unless over-procurement is
allowed), indivisible bids in full in all their intervals or not at all, divisible lines
0 or within [minimum, offered] Wh. This is a knapsack; it is solved exactly:

1. A merit-order walk gives a first selection and its exact welfare W.
2. Exact reductions shrink the problem, each fixing only what holds in every selection
   better than W (or, for the structural ones, in some optimal selection that merit
   order prefers):
   - bound tests on the per-interval fractional bound U (``relaxation``);
   - structural tests on divisible lines that are filled, or never reached, whatever
     the still-free bids do;
   - reduced-cost tests: HiGHS solves the LP relaxation; its interval prices, rounded
     to integers, give an exact Lagrangian bound L (weak duality holds for any
     non-negative prices), and a column whose forced use (or non-use) costs more than
     L - W is fixed. The LP solution, rounded down, may also improve W.
   When U or L equals W, W is proven optimal without a MILP.
3. What is left goes to HiGHS (``solver``) as a MILP under the time limit.
4. The decisions (which bids, which minimums) are read back; quantities and welfare are
   recomputed in exact integers; equal-welfare ties are then settled by merit order:
   among identical bids the earlier ones win, and any rejected bid that still fits (e.g.
   one priced exactly at the cap) is added, walking the merit order.

``optimal`` is True when an exact bound (U or L) is met, or when HiGHS proved optimality
at zero gap and the exact welfare is at least its objective. Otherwise ``bound`` is the
best proven upper bound and the gap is bound - welfare.

Welfare and bounds are on the ranking scale: (ranking cap - ranking price) x Wh, i.e.
base units x 1e6 for energy products.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from marketplace.clearing import integers
from marketplace.clearing.problem import Problem
from marketplace.clearing.relaxation import Relaxation
from marketplace.clearing.solver import (
    BINARY,
    CONTINUOUS,
    SEMICONTINUOUS,
    Model,
    Outcome,
    Seconds,
    lp_prices,
    maximise,
)

FREE, OUT, IN = -1, 0, 1


@dataclass(frozen=True, slots=True)
class Selection:
    """Accepted Wh per line of the problem, with its welfare and what is proven about it."""

    accepted_wh: np.ndarray
    welfare: int
    bound: int
    optimal: bool
    method: str  # "merit_order" (plain fill), "bounds" (reductions proved it) or "milp"
    status: str  # "optimal", "time_limit", "failed" or "unverified"


@dataclass(slots=True)
class _State:
    """What is fixed so far: bids (y), minimums (act) and continuous pieces (piece)."""

    y: np.ndarray  # per bid: FREE, OUT, IN (divisible bids are OUT: they are not binaries)
    act: np.ndarray  # per line: FREE, OUT, IN (minimum-bound lines only)
    piece: np.ndarray  # per line: FREE, OUT, IN = full (continuous part of divisible lines)


@dataclass(frozen=True, slots=True)
class _Columns:
    """Which problem entity each MILP column is."""

    bids: np.ndarray
    semis: np.ndarray
    pieces: np.ndarray
    const: int


class _Component:
    """Precomputed line classes and orders of one problem, and the steps above."""

    def __init__(self, problem: Problem) -> None:
        p = self.p = problem
        self.T, self.B, self.L = p.n_intervals, p.n_bids, int(p.line_bid.shape[0])
        self.u_bid = p.cap - p.price
        self.u = self.u_bid[p.line_bid]
        self.indiv = ~p.divisible[p.line_bid]
        line_min = p.min_wh[p.line_bid]
        # With every quantity, demand and minimum a multiple of g, every fill is a multiple
        # of g: a minimum of at most g can never bind, and such lines are continuous.
        values = np.concatenate((p.line_wh, p.demand_wh, line_min[line_min > 1])).astype(np.int64)
        g = max(int(np.gcd.reduce(values)) if values.size else 1, 1)
        self.semi = p.divisible[p.line_bid] & (line_min > g)
        self.cont = p.divisible[p.line_bid] & ~self.semi
        self.m = np.where(self.semi, line_min, 0)
        div = np.flatnonzero(~self.indiv)
        self.div_order = div[np.lexsort((p.line_bid[div], p.line_t[div]))]
        self.div_t = p.line_t[self.div_order]
        self.div_first = np.searchsorted(self.div_t, self.div_t, side="left")
        bids = np.arange(self.B)
        self.bid_start = np.searchsorted(p.line_bid, bids, side="left")
        self.bid_end = np.searchsorted(p.line_bid, bids, side="right")

    # -- exact evaluation -------------------------------------------------------------

    def _within(self, values_sorted: np.ndarray) -> np.ndarray:
        """Running totals (inclusive) within each interval of values in ``div_order``."""
        upto = np.cumsum(values_sorted)
        return upto - (upto - values_sorted)[self.div_first]

    def complete(self, y: np.ndarray, act: np.ndarray) -> np.ndarray | None:
        """Accepted Wh per line for chosen bids ``y`` and active minimums ``act``.

        Chosen indivisible bids take their full quantities, active minimum-bound lines
        their minimum; the room left in each interval is filled in merit order over the
        divisible lines (minimum-bound lines only if active). This fill is the best one
        for the given choices. None if the choices exceed a demand and over-procurement
        is not allowed.
        """
        p = self.p
        acc = np.zeros(self.L, dtype=np.int64)
        acc[self.indiv] = p.line_wh[self.indiv] * y[p.line_bid[self.indiv]]
        active = self.semi & act
        acc[active] = self.m[active]
        committed = np.zeros(self.T, dtype=np.int64)
        np.add.at(committed, p.line_t, acc)
        if not p.allow_overfill and bool((committed > p.demand_wh).any()):
            return None
        room = np.maximum(p.demand_wh - committed, 0)
        caps = np.where(self.cont, p.line_wh, np.where(active, p.line_wh - self.m, 0))[self.div_order]
        before = self._within(caps) - caps
        acc[self.div_order] += np.clip(room[self.div_t] - before, 0, caps)
        return acc

    def welfare(self, acc: np.ndarray) -> int:
        """sum(u x accepted), less cap x over-procured Wh when over-procurement is allowed."""
        value = integers.dot(self.u, acc)
        if self.p.allow_overfill:
            per_t = np.zeros(self.T, dtype=np.int64)
            np.add.at(per_t, self.p.line_t, acc)
            value -= self.p.cap * integers.total(np.maximum(per_t - self.p.demand_wh, 0))
        return value

    # -- selections ---------------------------------------------------------------------

    def _walk(self, y: np.ndarray, act: np.ndarray, room: list[int]) -> None:
        """Walk the merit order adding every bid, or minimum, that fits in ``room``."""
        p = self.p
        ts, qs, ms = p.line_t.tolist(), p.line_wh.tolist(), self.m.tolist()
        semi, divisible = self.semi.tolist(), p.divisible.tolist()
        for b, (s, e) in enumerate(zip(self.bid_start.tolist(), self.bid_end.tolist())):
            if not divisible[b]:
                if not y[b] and all(room[ts[k]] >= qs[k] for k in range(s, e)):
                    y[b] = True
                    for k in range(s, e):
                        room[ts[k]] -= qs[k]
                continue
            for k in range(s, e):
                take = min(qs[k], room[ts[k]])
                if semi[k]:
                    if act[k] or take <= 0 or take < ms[k]:
                        continue
                    act[k] = True
                room[ts[k]] -= take

    def greedy(self) -> tuple[np.ndarray, np.ndarray]:
        """The merit-order walk from nothing: a feasible first selection."""
        y = np.zeros(self.B, dtype=bool)
        act = np.zeros(self.L, dtype=bool)
        self._walk(y, act, self.p.demand_wh.tolist())
        return y, act

    def add_fitting(self, y: np.ndarray, act: np.ndarray) -> None:
        """Add every rejected bid or minimum that still fits, in merit order."""
        acc = self.complete(y, act)
        per_t = np.zeros(self.T, dtype=np.int64)
        np.add.at(per_t, self.p.line_t, acc)
        room = np.maximum(self.p.demand_wh - per_t, 0).tolist()
        if any(room):
            self._walk(y, act, room)

    def canonical(self, y: np.ndarray, act: np.ndarray) -> None:
        """Among identical bids (same price and lines), give acceptance to the earliest."""
        p = self.p
        groups: dict[tuple, list[int]] = {}
        for b in np.flatnonzero(~p.divisible).tolist():
            s, e = int(self.bid_start[b]), int(self.bid_end[b])
            key = (int(p.price[b]), p.line_t[s:e].tobytes(), p.line_wh[s:e].tobytes())
            groups.setdefault(key, []).append(b)
        lines: dict[tuple, list[int]] = {}
        for k in np.flatnonzero(self.semi).tolist():
            key = (int(p.price[p.line_bid[k]]), int(p.line_t[k]), int(p.line_wh[k]), int(self.m[k]))
            lines.setdefault(key, []).append(k)
        for chosen, members in [(y, g) for g in groups.values()] + [(act, g) for g in lines.values()]:
            if len(members) > 1:
                count = int(chosen[members].sum())
                chosen[members] = np.arange(len(members)) < count

    # -- reductions -------------------------------------------------------------------------

    def _fixed(self, s: _State) -> tuple[np.ndarray, np.ndarray]:
        """Fixed-in Wh per line, and the capacity of the free continuous parts per line."""
        p = self.p
        forced = self.semi & (s.act == IN)
        piece_cap = np.where(self.cont, p.line_wh, np.where(forced, p.line_wh - self.m, 0))
        wh = np.where(self.indiv & (s.y[p.line_bid] == IN), p.line_wh, 0)
        wh = wh + np.where(forced, self.m, 0) + np.where(s.piece == IN, piece_cap, 0)
        return wh, np.where(s.piece == FREE, piece_cap, 0)

    def _capacity(self, fixed_wh: np.ndarray) -> np.ndarray:
        committed = np.zeros(self.T, dtype=np.int64)
        np.add.at(committed, self.p.line_t, fixed_wh)
        return self.p.demand_wh - committed

    def bound_tests(self, s: _State, best: int) -> tuple[int, bool]:
        """Bound tests on U and structural tests until nothing changes; (U, U == best)."""
        p = self.p
        bound = best
        for _ in range(50):
            fixed_wh, piece_cap = self._fixed(s)
            capacity = self._capacity(fixed_wh)
            free_bid_line = self.indiv & (s.y[p.line_bid] == FREE)
            free_semi = self.semi & (s.act == FREE)
            relax = Relaxation(
                self.T, p.line_t, self.u, np.where(free_bid_line | free_semi, p.line_wh, piece_cap)
            )
            bound = integers.dot(self.u, fixed_wh) + relax.bound(capacity)
            if bound <= best:
                return bound, True
            changed = False
            lines = np.flatnonzero(free_bid_line)
            if lines.size:
                t, q = p.line_t[lines], p.line_wh[lines]
                loss_in, loss_out, infeasible = relax.losses(t, self.u[lines], q, q, capacity, hard=True)
                bids = p.line_bid[lines]
                starts = np.flatnonzero(np.r_[True, bids[1:] != bids[:-1]])
                owner = bids[starts]
                out = np.logical_or.reduceat(infeasible, starts) | _below(bound, np.add.reduceat(loss_in, starts), best)
                into = _below(bound, np.add.reduceat(loss_out, starts), best) & ~out
                s.y[owner[out]] = OUT
                s.y[owner[into]] = IN
                changed |= bool(out.any() or into.any())
            lines = np.flatnonzero(free_semi)
            if lines.size:
                t, q, m = p.line_t[lines], p.line_wh[lines], self.m[lines]
                loss_in, loss_out, infeasible = relax.losses(t, self.u[lines], m, q, capacity, hard=True)
                out = infeasible | _below(bound, loss_in, best)
                into = _below(bound, loss_out, best) & ~out
                s.act[lines[out]] = OUT
                s.act[lines[into]] = IN
                changed |= bool(out.any() or into.any())
            changed |= self.structural(s)
            if not changed:
                break
        return bound, False

    def structural(self, s: _State) -> bool:
        """Fix divisible lines that are filled, or never reached, in some optimal selection.

        Per interval, let R be the Wh left to divisible lines once the indivisible bids are
        chosen: R_high = demand - fixed-in indivisible Wh, R_low = R_high - free
        indivisible Wh. A divisible line whose merit-order running total (all divisible
        lines at full quantity) stays within R_low - (all minimums of the interval) can
        always be filled by moving Wh from later lines without breaking a minimum: fix it
        in, in full. A line preceded by at least R_high Wh of lines without a binding
        minimum can always hand its Wh to those earlier lines: fix it out. Neither move
        lowers welfare, and both favour the earlier bid, as the tie rule does.
        """
        p = self.p
        order, t = self.div_order, self.div_t
        high = p.demand_wh.copy()
        fixed_in = self.indiv & (s.y[p.line_bid] == IN)
        np.subtract.at(high, p.line_t[fixed_in], p.line_wh[fixed_in])
        low = high.copy()
        free_indiv = self.indiv & (s.y[p.line_bid] == FREE)
        np.subtract.at(low, p.line_t[free_indiv], p.line_wh[free_indiv])
        live = ~(self.semi & (s.act == OUT)) & (s.piece != OUT)
        mins = np.zeros(self.T, dtype=np.int64)
        np.add.at(mins, p.line_t[self.semi & live], self.m[self.semi & live])
        upto = self._within(np.where(live, p.line_wh, 0)[order])
        cont_wh = np.where(self.cont & (s.piece != OUT), p.line_wh, 0)[order]
        cont_before = self._within(cont_wh) - cont_wh
        always = upto <= low[t] - mins[t]
        never = cont_before >= high[t]
        semi_free = (self.semi & (s.act == FREE))[order]
        piece_free = (s.piece == FREE)[order] & ~(self.semi & (s.act == OUT))[order]
        changes = [
            (s.act, semi_free & always, IN),
            (s.act, semi_free & never & ~always, OUT),
            (s.piece, piece_free & always, IN),
            (s.piece, piece_free & never & ~always, OUT),
        ]
        changed = False
        for target, mask, value in changes:
            if mask.any():
                target[order[mask]] = value
                changed = True
        return changed

    def model(self, s: _State) -> tuple[Model, _Columns]:
        """The MILP of what is still free, and the map from its columns back to the problem."""
        p = self.p
        fixed_wh, piece_cap = self._fixed(s)
        capacity = self._capacity(fixed_wh)
        const = integers.dot(self.u, fixed_wh)
        bids = np.flatnonzero(~p.divisible & (s.y == FREE))
        semis = np.flatnonzero(self.semi & (s.act == FREE))
        pieces = np.flatnonzero(piece_cap > 0)
        objective, kind, lower, upper, rows, cols, coefs = [], [], [], [], [], [], []
        for col, b in enumerate(bids.tolist()):
            lo, hi = int(self.bid_start[b]), int(self.bid_end[b])
            objective.append(int(self.u_bid[b]) * int(p.line_wh[lo:hi].sum()))
            rows += p.line_t[lo:hi].tolist()
            cols += [col] * (hi - lo)
            coefs += p.line_wh[lo:hi].tolist()
        kind += [BINARY] * bids.size
        lower += [0] * bids.size
        upper += [1] * bids.size
        singles = np.concatenate((semis, pieces))
        objective += self.u[singles].tolist()
        kind += [SEMICONTINUOUS] * semis.size + [CONTINUOUS] * pieces.size
        lower += self.m[semis].tolist() + [0] * pieces.size
        upper += p.line_wh[semis].tolist() + piece_cap[pieces].tolist()
        rows += p.line_t[singles].tolist()
        cols += list(range(bids.size, bids.size + singles.size))
        coefs += [1] * singles.size
        if p.allow_overfill:
            first = len(objective)
            objective += [-p.cap] * self.T
            kind += [CONTINUOUS] * self.T
            lower += [0] * self.T
            upper += [None] * self.T
            rows += list(range(self.T))
            cols += list(range(first, first + self.T))
            coefs += [-1] * self.T
        model = Model(objective, kind, lower, upper, rows, cols, coefs, capacity.tolist())
        return model, _Columns(bids, semis, pieces, const)

    def decisions(self, s: _State, outcome: Outcome, columns: _Columns) -> tuple[np.ndarray, np.ndarray]:
        """Bids and minimums chosen by the fixings plus a solver outcome."""
        y, act = s.y == IN, s.act == IN
        active = np.asarray(outcome.active, dtype=bool)
        y[columns.bids[active[: columns.bids.size]]] = True
        semis = active[columns.bids.size : columns.bids.size + columns.semis.size]
        act[columns.semis[semis]] = True
        return y, act

    def reduced_costs(self, s: _State, model: Model, columns: _Columns, prices: list[int], best: int) -> tuple[int, bool]:
        """Lagrangian bound L for the interval ``prices`` (>= 0), and fixings from it.

        L = const + sum_t price_t x capacity_t + sum_j max over the column's range of
        (objective_j - price . column_j) x value: an upper bound on every selection for
        any non-negative prices, computed exactly. Returns (L, L <= best).
        """
        p = self.p
        price = np.asarray(prices, dtype=np.int64)
        if p.allow_overfill:
            price = np.minimum(price, p.cap)  # keeps the over-procurement columns bounded
        n = len(model.objective)
        nb = columns.bids.size
        # reduced cost per column, exactly
        entry_cost = integers.multiply(price[np.asarray(model.entry_row, dtype=np.int64)], np.asarray(model.entry_coef, dtype=np.int64))
        cost = np.zeros(n, dtype=object)
        np.add.at(cost, np.asarray(model.entry_col, dtype=np.int64), entry_cost.astype(object))
        reduced = np.asarray(model.objective, dtype=object) - cost
        kind = np.asarray(model.kind)
        upper = np.asarray([0 if u is None else u for u in model.upper], dtype=object)
        lower = np.asarray(model.lower, dtype=object)
        positive = np.where(reduced > 0, reduced, 0)
        bound = columns.const + integers.dot(price, np.asarray(model.row_upper, dtype=np.int64))
        bound += int(sum((positive * upper).tolist()))
        if bound <= best:
            return bound, True
        slack = bound - best  # a forced move costing more than this cannot reach ``best``
        neg = -np.where(reduced < 0, reduced, 0)
        unit_in = np.where(kind == SEMICONTINUOUS, lower, 1)  # least use once non-zero
        out = np.asarray((neg * unit_in > slack).tolist(), dtype=bool)
        unit_out = np.where(kind == BINARY, 1, np.where(kind == SEMICONTINUOUS, upper, 1))
        into = np.asarray((positive * unit_out > slack).tolist(), dtype=bool) & ~out
        bid_cols = np.arange(nb)
        s.y[columns.bids[out[bid_cols]]] = OUT
        s.y[columns.bids[into[bid_cols]]] = IN
        semi_cols = np.arange(nb, nb + columns.semis.size)
        s.act[columns.semis[out[semi_cols]]] = OUT
        s.act[columns.semis[into[semi_cols]]] = IN
        piece_cols = np.arange(nb + columns.semis.size, nb + columns.semis.size + columns.pieces.size)
        s.piece[columns.pieces[out[piece_cols]]] = OUT
        s.piece[columns.pieces[into[piece_cols]]] = IN
        return bound, False


def _below(bound: int, losses: np.ndarray, best: int) -> np.ndarray:
    """bound - loss < best, elementwise, exactly."""
    return np.asarray([bound - x < best for x in losses.tolist()], dtype=bool)


def _free_left(c: _Component, s: _State) -> bool:
    return bool((s.y[~c.p.divisible] == FREE).any() or (s.act[c.semi] == FREE).any())


def solve(problem: Problem, deadline: Seconds) -> Selection:
    """Select bids of ``problem`` exactly (see the module docstring); ``deadline`` is monotonic s."""
    c = _Component(problem)
    best_y, best_act = c.greedy()
    best = c.welfare(c.complete(best_y, best_act))

    def consider(y: np.ndarray, act: np.ndarray) -> None:
        nonlocal best_y, best_act, best
        if c.complete(y, act) is None:
            return
        y, act = y.copy(), act.copy()
        c.add_fitting(y, act)
        value = c.welfare(c.complete(y, act))
        if value > best:
            best_y, best_act, best = y, act, value

    s = _State(
        y=np.where(problem.divisible, OUT, FREE).astype(np.int8),
        act=np.full(c.L, FREE, dtype=np.int8),
        piece=np.full(c.L, FREE, dtype=np.int8),
    )
    proven = False
    bounds = []
    if not problem.allow_overfill:
        bound, proven = c.bound_tests(s, best)
        bounds.append(bound)
        if not proven and _free_left(c, s):
            model, columns = c.model(s)
            lp = lp_prices(model, deadline - time.monotonic())
            if lp.active is not None:
                consider(*c.decisions(s, lp, columns))
                bound, proven = c.reduced_costs(s, model, columns, lp.prices, best)
                bounds.append(bound)
                if not proven:
                    bound, proven = c.bound_tests(s, best)
                    bounds.append(bound)
    else:
        fixed_wh, piece_cap = c._fixed(s)
        relax = Relaxation(c.T, problem.line_t, c.u, np.where(c.indiv | c.semi, problem.line_wh, piece_cap))
        bounds.append(relax.bound(c._capacity(fixed_wh)))
    method, outcome, const = "bounds", None, 0
    if not proven and not _free_left(c, s):
        # Nothing binary is left: the exact completion of the fixings is optimal.
        consider(s.y == IN, s.act == IN)
        proven = True
    elif not proven:
        model, columns = c.model(s)
        outcome = maximise(model, deadline - time.monotonic())
        method, const = "milp", columns.const
        if outcome.active is not None:
            y, act = c.decisions(s, outcome, columns)
            acc = c.complete(y, act)
            if acc is not None and c.welfare(acc) >= best:
                best_y, best_act, best = y, act, c.welfare(acc)
    y, act = best_y.copy(), best_act.copy()
    c.canonical(y, act)
    c.add_fitting(y, act)
    acc = c.complete(y, act)
    welfare = c.welfare(acc)
    if proven or (outcome is not None and outcome.status == "infeasible"):
        # Infeasible: the fixings hold for every selection better than the first one,
        # and an optimal one exists among them unless the first was already optimal.
        return Selection(acc, welfare, welfare, True, method, "optimal")
    if outcome is not None and outcome.status == "optimal" and welfare >= const + outcome.objective_low:
        return Selection(acc, welfare, welfare, True, method, "optimal")
    bound = min(bounds)
    if outcome is not None and outcome.bound_high is not None:
        bound = min(bound, const + outcome.bound_high)
    bound = max(bound, welfare)
    if bound == welfare:
        return Selection(acc, welfare, welfare, True, method, "optimal")
    # HiGHS stopped early, or its optimum did not survive the exact re-check.
    status = outcome.status if outcome is not None and outcome.status != "optimal" else "unverified"
    return Selection(acc, welfare, bound, False, method, status)

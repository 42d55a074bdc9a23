"""The HiGHS adapter: the only place where numbers become floating point.

``maximise`` takes an exact integer model, scales it by the greatest common divisors of
its quantities and of its objective coefficients (so that realistic books reach HiGHS as
small exactly representable integers), solves it with ``scipy.optimize.milp`` at zero
relative gap under a time limit, and returns integers: the binary and semi-continuous
decisions, a lower estimate of the objective found and an upper bound, both widened by
a safety margin for floating-point error. The caller recomputes quantities and welfare
from the decisions in exact integers and trusts nothing else from here.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

#: Wall-clock seconds (time limits and deadlines): the only floating-point quantity the
#: engine passes around; never money, energy or prices.
Seconds = float

#: Column types.
CONTINUOUS, BINARY, SEMICONTINUOUS = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Model:
    """max sum(objective x) s.t. rows @ x <= row_upper, lower <= x <= upper; all integers.

    A SEMICONTINUOUS column is 0 or within [lower, upper] (lower > 0). Rows are given as
    coordinate triples (row, column, coefficient).
    """

    objective: Sequence[int]
    kind: Sequence[int]
    lower: Sequence[int]
    upper: Sequence[int]
    entry_row: Sequence[int]
    entry_col: Sequence[int]
    entry_coef: Sequence[int]
    row_upper: Sequence[int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What HiGHS found, in integers.

    ``status`` is "optimal", "time_limit", "infeasible" or "failed". ``active`` says per column whether
    it is non-zero (binaries: 1, semi-continuous: at or above its lower bound), None when
    no feasible point was found. ``objective_low`` <= the objective of that point and
    ``bound_high`` >= every feasible objective, in the model's units.
    """

    status: str
    active: list[bool] | None
    objective_low: int | None
    bound_high: int | None


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the C-level stdout while HiGHS runs.

    HiGHS 1.12 prints leftover debugging lines ("HighsMipSolverData::...") on the process
    stdout even with its output switched off, which would corrupt JSON printed by the
    commands. File descriptor 1 points to the null device meanwhile; Python-level output
    of other threads in that window is lost too (the service logs to stderr).
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(null)


def _gcd(values: Sequence[int]) -> int:
    return reduce(math.gcd, (abs(int(v)) for v in values if v), 0) or 1


@dataclass(frozen=True, slots=True)
class _Scaled:
    """The model divided by its quantity scale ``gq`` and objective scale ``go``, in floats."""

    c: np.ndarray  # minimisation objective (negated)
    matrix: csr_array
    row_upper: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    kind: np.ndarray
    gq: int
    go: int


def _scale(model: Model) -> _Scaled:
    n = len(model.objective)
    kind = list(model.kind)
    # Every Wh figure of the model (binary coefficients, bounds of Wh columns, row
    # limits) is a multiple of gq; every objective coefficient, once columns are in gq
    # units, a multiple of go.
    wh_values = [c for c, col in zip(model.entry_coef, model.entry_col) if kind[col] == BINARY]
    wh_values += [v for j in range(n) if kind[j] != BINARY for v in (model.lower[j], model.upper[j])]
    wh_values += list(model.row_upper)
    gq = _gcd(wh_values)
    objective = [model.objective[j] * (gq if kind[j] != BINARY else 1) for j in range(n)]
    go = _gcd(objective)
    coef = [c // gq if kind[col] == BINARY else c for c, col in zip(model.entry_coef, model.entry_col)]
    lower = [0 if kind[j] == BINARY else model.lower[j] // gq for j in range(n)]
    upper = [1 if kind[j] == BINARY else None if model.upper[j] is None else model.upper[j] // gq for j in range(n)]
    # Floating point from here on (HiGHS works in doubles).
    return _Scaled(
        c=-np.asarray([o // go for o in objective], dtype=np.float64),
        matrix=csr_array(
            (np.asarray(coef, dtype=np.float64), (np.asarray(model.entry_row), np.asarray(model.entry_col))),
            shape=(len(model.row_upper), n),
        ),
        row_upper=np.asarray([r // gq for r in model.row_upper], dtype=np.float64),
        lower=np.asarray(lower, dtype=np.float64),
        upper=np.asarray([np.inf if u is None else u for u in upper], dtype=np.float64),
        kind=np.asarray(kind, dtype=np.int64),
        gq=gq,
        go=go,
    )


def maximise(model: Model, time_limit_s: Seconds) -> Outcome:
    """Solve ``model`` as a MILP with HiGHS; see the module docstring for what comes back.

    ``status`` "infeasible" means HiGHS proved that no point satisfies the model.
    """
    n = len(model.objective)
    if time_limit_s <= 0:
        return Outcome("time_limit", None, None, None)
    m = _scale(model)
    with _quiet_stdout():
        result = milp(
            m.c,
            integrality=m.kind,
            bounds=Bounds(m.lower, m.upper),
            constraints=LinearConstraint(m.matrix, -np.inf, m.row_upper) if m.row_upper.size else None,
            options={"time_limit": time_limit_s, "mip_rel_gap": 0.0, "disp": False},
        )
    status = {0: "optimal", 1: "time_limit", 2: "infeasible"}.get(result.status, "failed")
    if result.x is None:
        return Outcome("failed" if status == "optimal" else status, None, None, None)
    x = result.x
    active = [
        bool(x[j] > 0.5) if m.kind[j] == BINARY else bool(x[j] >= m.lower[j] / 2) if m.kind[j] == SEMICONTINUOUS else bool(x[j] > 0)
        for j in range(n)
    ]
    found = -result.fun  # float: the maximised scaled objective
    dual = getattr(result, "mip_dual_bound", None)
    bound = -dual if dual is not None and math.isfinite(dual) else None
    margin = 1e-9 * max(abs(found), 1.0) + 1e-6
    objective_low = math.floor(found - margin) * m.go
    bound_high = math.ceil(bound + margin) * m.go if bound is not None else None
    return Outcome(status, active, objective_low, bound_high)


@dataclass(frozen=True, slots=True)
class LpOutcome:
    """The LP relaxation's solution rounded down, and its row prices as integers.

    ``active`` marks binaries at 1 and semi-continuous columns at or above their lower
    bound (None when HiGHS found no solution). ``prices`` are the row duals in objective
    units per model unit (welfare per Wh), rounded to the nearest integer, never negative:
    any such prices give a valid Lagrangian bound, so rounding costs only tightness.
    """

    active: list[bool] | None
    prices: list[int] | None


def lp_prices(model: Model, time_limit_s: Seconds) -> LpOutcome:
    """Solve the LP relaxation of ``model`` (semi-continuous columns within [0, upper])."""
    if time_limit_s <= 0 or not model.row_upper:
        return LpOutcome(None, None)
    m = _scale(model)
    lower = np.where(m.kind == SEMICONTINUOUS, 0.0, m.lower)
    with _quiet_stdout():
        result = linprog(
            m.c,
            A_ub=m.matrix,
            b_ub=m.row_upper,
            bounds=np.column_stack((lower, m.upper)),
            method="highs",
            options={"time_limit": time_limit_s, "disp": False},
        )
    if result.status != 0 or result.x is None:
        return LpOutcome(None, None)
    x = result.x
    active = [
        bool(x[j] > 1 - 1e-7) if m.kind[j] == BINARY else bool(x[j] >= m.lower[j] - 1e-7) if m.kind[j] == SEMICONTINUOUS else bool(x[j] > 0)
        for j in range(x.size)
    ]
    scale = m.go / m.gq  # scaled duals -> objective units per Wh
    prices = [max(0, round(-d * scale)) for d in result.ineqlin.marginals]
    return LpOutcome(active, prices)

"""The exact upper bound used to prove and to prune: each interval filled fractionally.

Dropping indivisibility, minimum quantities and the link between an indivisible bid's
intervals leaves, per interval, a fractional knapsack whose optimum is the merit-order
fill: f_t(R) = the best welfare from the pieces of interval t within R Wh. It is concave
and piecewise linear with slopes u = cap - price, and integer-valued at integer R.
sum_t f_t(D_t) bounds the welfare of every selection; forcing a piece in or out changes
the bound by a loss computed from f_t alone. A piece whose forced inclusion (or
exclusion) drops the bound below a known selection's welfare can be fixed out (or in):
the classic knapsack reduction tests. Everything is computed in exact integers.

Welfare is on the ranking scale: (cap - price) x Wh, i.e. base units x 1e6 for energy.
"""

from __future__ import annotations

import numpy as np

from marketplace.clearing import integers


class Relaxation:
    """f_t for all intervals, built from pieces (interval, slope u >= 0, Wh)."""

    def __init__(self, n_intervals: int, piece_t: np.ndarray, piece_u: np.ndarray, piece_wh: np.ndarray) -> None:
        keep = piece_wh > 0
        t, u, q = piece_t[keep], piece_u[keep], piece_wh[keep]
        order = np.lexsort((-u, t))
        t, u, q = t[order], u[order], q[order]
        self._u = np.concatenate((u, [0])).astype(np.int64)
        self._cum_wh = np.concatenate(([0], np.cumsum(q, dtype=np.int64)))
        self._cum_w = integers.cumsum(integers.multiply(u, q))
        first = np.searchsorted(t, np.arange(n_intervals), side="left")
        last = np.searchsorted(t, np.arange(n_intervals), side="right")
        self._base_wh = self._cum_wh[first]
        self.supply_wh = self._cum_wh[last] - self._base_wh
        self._base_w = self._cum_w[first]

    def value(self, t: np.ndarray, r_wh: np.ndarray) -> np.ndarray:
        """f_t(R) for each (t, R); R below 0 counts as 0, above the supply as the supply."""
        x = self._base_wh[t] + np.clip(r_wh, 0, self.supply_wh[t])
        k = np.searchsorted(self._cum_wh, x, side="right") - 1
        partial = integers.multiply(x - self._cum_wh[k], self._u[k])
        return self._cum_w[k] + partial - self._base_w[t]

    def bound(self, capacity_wh: np.ndarray) -> int:
        """sum_t f_t(capacity_t), exactly."""
        t = np.arange(capacity_wh.shape[0])
        return integers.total(self.value(t, capacity_wh))

    def losses(
        self,
        t: np.ndarray,
        u: np.ndarray,
        forced_wh: np.ndarray,
        wh: np.ndarray,
        capacity_wh: np.ndarray,
        hard: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per candidate piece: bound loss when forced in, when forced out, and infeasibility.

        A candidate is a piece of ``wh`` Wh at slope ``u`` in interval ``t`` that is in the
        relaxation; forcing it in commits ``forced_wh`` (its whole quantity, or its
        minimum). ``capacity_wh`` is the remaining capacity per interval; with ``hard``,
        forcing in more than the capacity is infeasible (third array True).
        """
        cap_t = capacity_wh[t]
        here = self.value(t, cap_t)
        gain_in = integers.multiply(u, forced_wh)
        loss_in = here - gain_in - self.value(t, cap_t - forced_wh)
        loss_out = here - self.value(t, cap_t + wh) + integers.multiply(u, wh)
        zero = np.zeros(1, dtype=np.int64)
        loss_in = np.maximum(loss_in, zero)
        loss_out = np.maximum(loss_out, zero)
        infeasible = (cap_t - forced_wh < 0) if hard else np.zeros(t.shape[0], dtype=bool)
        return loss_in, loss_out, infeasible

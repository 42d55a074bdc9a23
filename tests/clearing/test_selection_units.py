"""Pieces of the exact selection: components, the exact bound, the tie rules, time limits."""

import time

import numpy as np

from marketplace.clearing.problem import BidLines, build_problem, components, subproblem
from marketplace.clearing.relaxation import Relaxation
from marketplace.clearing.selection import _Component, solve


def _problem(bids, demand, cap=10, overfill=False):
    return build_problem(demand, cap, [BidLines(*b) for b in bids], overfill)


def test_indivisible_bids_link_their_intervals_into_components():
    p = _problem(
        [(1, 0, False, 0, [(0, 1), (2, 1)]), (2, 0, True, 0, [(1, 1), (3, 1)]), (3, 0, False, 0, [(3, 1), (4, 1)])],
        [5, 5, 5, 5, 5, 5],
    )
    assert [c.tolist() for c in components(p)] == [[0, 2], [1], [3, 4], [5]]
    part, lines = subproblem(p, np.array([3, 4]))
    assert part.demand_wh.tolist() == [5, 5] and lines.tolist() == [3, 4, 5]
    assert part.line_bid.tolist() == [0, 1, 1] and part.line_t.tolist() == [0, 0, 1]


def test_fractional_bound_is_the_merit_order_fill_per_interval():
    relax = Relaxation(2, np.array([0, 0, 1]), np.array([5, 9, 4]), np.array([3, 2, 10]))
    # interval 0: 2 Wh at 9, then 3 at 5; interval 1: 10 at 4
    assert relax.value(np.array([0, 0, 0, 1]), np.array([1, 4, 99, 7])).tolist() == [9, 18 + 10, 18 + 15, 28]
    assert relax.bound(np.array([4, 7])) == 28 + 28


def test_exact_bound_stays_exact_beyond_64_bits():
    big = 10**12
    relax = Relaxation(1, np.array([0, 0]), np.array([big, big]), np.array([10**9, 10**9]))
    assert relax.bound(np.array([2 * 10**9])) == 2 * 10**21


def test_identical_indivisible_bids_go_to_the_earliest():
    p = _problem([(5, 0, False, 0, [(0, 4)]), (5, 0, False, 0, [(0, 4)]), (5, 0, False, 0, [(0, 4)])], [8])
    c = _Component(p)
    y = np.array([False, True, True])
    c.canonical(y, np.zeros(c.L, dtype=bool))
    assert y.tolist() == [True, True, False]


def test_every_bid_that_still_fits_is_added_in_merit_order():
    p = _problem([(1, 0, False, 0, [(0, 6)]), (10, 0, False, 0, [(0, 3)]), (10, 0, False, 0, [(0, 3)]), (10, 0, True, 2, [(0, 3)])], [10])
    c = _Component(p)
    y = np.array([True, False, False, False])
    act = np.zeros(c.L, dtype=bool)
    c.add_fitting(y, act)
    assert y.tolist() == [True, True, False, False]  # 6 + 3 = 9; the next 3 does not fit
    assert c.complete(y, act).tolist() == [6, 3, 0, 0]  # 1 Wh left, below the divisible bid's minimum 2


def test_a_binding_minimum_is_respected_by_the_completion():
    p = _problem([(1, 0, True, 0, [(0, 8)]), (2, 0, True, 5, [(0, 10)])], [10])
    c = _Component(p)
    assert c.semi.tolist() == [False, True]
    assert c.complete(np.zeros(2, dtype=bool), np.array([False, True])).tolist() == [5, 5]
    assert c.complete(np.zeros(2, dtype=bool), np.array([False, False])).tolist() == [8, 0]


def test_solver_result_is_exact_and_proven_for_a_knapsack():
    rng = np.random.default_rng(3)
    bids = sorted((int(rng.integers(0, 100)), 0, False, 0, [(0, int(rng.integers(1, 50)))]) for _ in range(40))
    p = _problem(bids, [300], cap=100)
    selection = solve(p, time.monotonic() + 10)
    assert selection.optimal and selection.bound == selection.welfare
    assert int(selection.accepted_wh.sum()) <= 300
    assert selection.welfare == sum((100 - b[0]) * int(a) for b, a in zip(bids, selection.accepted_wh))

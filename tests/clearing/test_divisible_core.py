"""The columnar merit-order fill against a plain sorted reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.clearing.divisible import clear_divisible


def reference(price, quantity, minimum, submitted, tiebreak, demand, cap):
    """Sort by (price, time, tiebreak) with Python, fill, and flag a cut below a minimum."""
    order = sorted(range(len(price)), key=lambda i: (price[i], submitted[i], tiebreak[i]))
    accepted, room, exact, last = [0] * len(price), demand, True, None
    for i in order:
        if price[i] > cap or room <= 0:
            continue
        take = min(quantity[i], room)
        if take < minimum[i]:
            exact = False
        accepted[i], room, last = take, room - take, price[i]
    return accepted, exact, last


def arrays(*columns):
    return [np.asarray(c, dtype=np.int64) for c in columns]


books = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.lists(st.integers(1, 9), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.permutations(list(range(n))),
        st.integers(0, 120),
        st.integers(0, 12),
    )
)


@settings(max_examples=300, deadline=None)
@given(books)
def test_fill_matches_the_sorted_reference(case):
    price, quantity, minimum, submitted, tiebreak, demand, cap = case
    minimum = [min(m, q) for m, q in zip(minimum, quantity)]
    expected, exact, last = reference(price, quantity, minimum, submitted, tiebreak, demand, cap)
    got = clear_divisible(*arrays(price, quantity, minimum, submitted, tiebreak), demand, cap)
    assert got.accepted_wh.tolist() == expected
    assert got.exact == exact
    assert got.marginal_price == last


@settings(max_examples=100, deadline=None)
@given(books, st.randoms(use_true_random=False))
def test_fill_does_not_depend_on_input_order(case, rnd):
    price, quantity, minimum, submitted, tiebreak, demand, cap = case
    columns = arrays(price, quantity, [0] * len(price), submitted, tiebreak)
    base = clear_divisible(*columns, demand, cap).accepted_wh
    perm = list(range(len(price)))
    rnd.shuffle(perm)
    shuffled = clear_divisible(*[c[perm] for c in columns], demand, cap).accepted_wh
    assert shuffled.tolist() == base[perm].tolist()


def test_ties_at_the_marginal_price_go_to_the_earlier_then_the_lower_tiebreak():
    got = clear_divisible(*arrays([5, 5, 5, 3], [10, 10, 10, 10], [0, 0, 0, 0], [7, 3, 3, 9], [0, 2, 1, 3]), 25, 10)
    # 3 first (cheapest), then time 3 with tiebreak 1 (index 2), then tiebreak 2 (index 1).
    assert got.accepted_wh.tolist() == [0, 5, 10, 10]
    assert got.marginal_price == 5 and got.exact


def test_bids_above_the_cap_are_left_out_even_if_demand_is_unmet():
    got = clear_divisible(*arrays([4, 11], [5, 5], [0, 0], [0, 0], [0, 1]), 100, 10)
    assert got.accepted_wh.tolist() == [5, 0]


def test_a_cut_below_the_minimum_is_flagged_not_exact():
    got = clear_divisible(*arrays([1, 2], [6, 6], [0, 5], [0, 0], [0, 1]), 10, 10)
    assert got.accepted_wh.tolist() == [6, 4]
    assert not got.exact


def test_a_million_bids_clear_and_fill_the_demand_exactly():
    rng = np.random.default_rng(7)
    n = 1_000_000
    price = rng.integers(0, 10**8, n)
    quantity = rng.integers(1, 1000, n) * 1000
    demand = int(quantity.sum()) // 3 // 1000 * 1000
    got = clear_divisible(price, quantity, np.full(n, 1000), rng.integers(0, 10, n), rng.permutation(n), demand, 10**8)
    assert int(got.accepted_wh.sum()) == demand and got.exact
    accepted = got.accepted_wh > 0
    assert price[accepted].max() == got.marginal_price
    assert price[~accepted].min() >= got.marginal_price

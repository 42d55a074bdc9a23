"""The Solidity payment arithmetic (FlexMath) and the Python module agree on every input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import settlement

U128 = st.integers(min_value=0, max_value=2**128 - 1)
PCT = st.integers(min_value=0, max_value=100)


@pytest.fixture(scope="module")
def harness(embedded_market, accounts):
    return embedded_market.chain.deploy("FlexMathHarness", sender=accounts.operator)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=U128, energy=U128)
def test_payment_matches_solidity(harness, price, energy):
    assert harness.functions.payment(price, energy).call() == settlement.payment(price, energy)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.integers(min_value=0, max_value=10**12),
    ordered=st.integers(min_value=1, max_value=10**12),
    delivered=st.integers(min_value=0, max_value=2 * 10**12),
    threshold=PCT,
    penalty=PCT,
    guarantee=st.integers(min_value=0, max_value=10**15),
)
def test_settlement_split_matches_solidity(harness, price, ordered, delivered, threshold, penalty, guarantee):
    success, paid, fine, refund = harness.functions.settle(price, ordered, delivered, threshold, penalty, guarantee).call()
    split = settlement.settle(price, ordered, delivered, threshold, penalty, guarantee)
    assert (success, paid, fine, refund) == (split.success, split.payment, split.penalty, split.refund)
    assert split.payment + split.refund == split.amount == settlement.payment(price, ordered)
    assert split.penalty <= guarantee

"""Long-term availability: paid per MW and service hour, scaled by successful activations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.settlement import payment
from oracle.availability import AvailabilitySplit, settle_availability

WEEK_S = 168 * 3600


def test_full_amount_when_no_activation_failed():
    # 200 kW for a week at 2 EUR/MW/h: 0.2 MW x 168 h x 2 EUR = 67.20 EUR.
    assert settle_availability(2_000_000, 200_000, WEEK_S, 4, 4) == AvailabilitySplit(67_200_000, 67_200_000, 0, 4, 4)
    assert settle_availability(2_000_000, 200_000, WEEK_S, 0, 0).payment == 67_200_000


def test_scaled_by_the_share_of_successful_activations():
    split = settle_availability(2_000_000, 200_000, WEEK_S, 4, 3)
    assert (split.amount, split.payment, split.refund) == (67_200_000, 50_400_000, 16_800_000)
    assert settle_availability(2_000_000, 200_000, WEEK_S, 4, 0).payment == 0


def test_rounds_down_once_to_wh_and_once_to_base_units():
    # 1 W for 900 s = 0.25 Wh -> 0 Wh of availability; 7 W for 1 h, 1 of 3 ok: 7/3 = 2.33 -> 2 Wh.
    assert settle_availability(10**9, 1, 900, 1, 1).amount == 0
    split = settle_availability(1_000_000, 7, 3600, 3, 1)
    assert (split.amount, split.payment, split.refund) == (7, 2, 5)


@pytest.mark.parametrize(
    "args", [(-1, 1, 1, 1, 1), (1, 1, 1, 1, 2), (1, 1.5, 1, 1, 1), (1, 1, 1, True, 1), (1, 1, -900, 0, 0)]
)
def test_refuses_bad_arguments(args):
    with pytest.raises(ValueError):
        settle_availability(*args)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10**10), st.integers(0, 10**8), st.integers(0, 10**8),
    st.integers(0, 50).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
)
def test_payment_never_exceeds_the_amount_and_the_rest_is_refunded(price, capacity_w, service_s, counts):
    activations, successful = counts
    split = settle_availability(price, capacity_w, service_s, activations, successful)
    assert split.amount == payment(price, capacity_w * service_s // 3600)
    assert 0 <= split.payment <= split.amount and split.payment + split.refund == split.amount
    if successful == activations:
        assert split.payment == split.amount


def test_scaled_wh_is_what_the_oracle_attests_for_the_availability_leg():
    from oracle.availability import scaled_wh

    assert scaled_wh(1_000_000, 0, 0) == scaled_wh(1_000_000, 3, 3) == 1_000_000
    assert scaled_wh(1_000_000, 3, 2) == 666_666
    assert scaled_wh(7, 3, 1) == 2
    with pytest.raises(ValueError):
        scaled_wh(10, 1, 2)

"""The Python payment arithmetic against worked examples of the settlement rules."""

import pytest

from marketplace import settlement


def test_payment_rounds_down_to_whole_base_units():
    # 50 EUR/MWh = 50,000,000 base units/MWh; 1,234 Wh -> 61,700 base units exactly.
    assert settlement.payment(50_000_000, 1_234) == 61_700
    # 1 base unit/MWh for 999,999 Wh is 0.999999 base units: rounds down to 0.
    assert settlement.payment(1, 999_999) == 0
    assert settlement.payment(1, 1_000_000) == 1


@pytest.mark.parametrize("price, energy", [(1.5, 10), (10, 2.0), ("1", 2)])
def test_payment_refuses_non_integers(price, energy):
    with pytest.raises(TypeError):
        settlement.payment(price, energy)


def test_success_at_exactly_the_threshold_pays_delivered_energy():
    split = settlement.settle(100_000_000, ordered_wh=10_000, delivered_wh=8_000, guarantee=5_000_000)
    assert split == settlement.SettlementSplit(True, 1_000_000, 800_000, 0, 200_000)


def test_just_below_threshold_pays_nothing_and_penalises_the_shortfall():
    split = settlement.settle(100_000_000, ordered_wh=10_000, delivered_wh=7_999, guarantee=5_000_000)
    # penalty = floor(10 x 100,000,000 x 2,001 / 1e8) = 20,010
    assert split == settlement.SettlementSplit(False, 1_000_000, 0, 20_010, 1_000_000)


def test_penalty_is_capped_at_the_guarantee():
    split = settlement.settle(100_000_000, ordered_wh=10_000, delivered_wh=0, guarantee=7)
    assert split.penalty == 7


def test_over_delivery_is_paid_only_up_to_the_ordered_energy():
    split = settlement.settle(100_000_000, ordered_wh=10_000, delivered_wh=25_000)
    assert split.payment == split.amount == 1_000_000 and split.refund == 0


@pytest.mark.parametrize("threshold, penalty_pct", [(101, 10), (80, -1)])
def test_settle_refuses_percentages_outside_0_to_100(threshold, penalty_pct):
    with pytest.raises(ValueError):
        settlement.settle(1, 1, 1, threshold, penalty_pct)

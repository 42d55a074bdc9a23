"""The automated prequalification test's verdict, number by number (pure function)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.domain.activation_test import InvalidActivationTest, Sample, judge
from marketplace.domain.products import PRODUCTS, ProductSpec
from marketplace.models.enums import Direction, Product

SPEC = PRODUCTS[Product.ST_ENERGY]


def series(*, direction=Direction.UP, baseline=2_000, change=10_000, response_s=60, delivered_pct=100, step=30,
           before_s=300, total_after_s=1_200, late_pct=None):
    """Samples every ``step`` s; consumption positive (an up activation lowers it)."""
    sign = -1 if direction is Direction.UP else 1
    out, t0 = [], 1_000_000
    step_at = t0 + before_s
    for t in range(t0, step_at + total_after_s + 1, step):
        if t < step_at:
            out.append(Sample(t, baseline, baseline))
            continue
        pct = delivered_pct if t - step_at >= response_s else 0
        if late_pct is not None and t - step_at >= 600:
            pct = late_pct
        out.append(Sample(t, baseline + sign * change, baseline + sign * (change * pct // 100)))
    return out


def test_perfect_tracking_passes_with_exact_numbers():
    v = judge(series(), Direction.UP, SPEC)
    assert v.passed and v.response_s == 60 and v.baseline_w == 2_000 and v.requested_change_w == 10_000
    assert (v.delivered_wh, v.requested_wh, v.delivered_pct) == (2_500, 2_500, 100)
    assert (v.window_start - v.step_at, v.window_end - v.window_start) == (300, 900)


def test_exactly_80_percent_passes_and_79_fails():
    # reaching 90 % first (in time), then dropping for the rest of the window
    # window [300, 1200) s after the step: 300 s at 100 %, then 600 s at p % → (100 + 2 p) / 3 %
    at_80 = judge(series(delivered_pct=100, late_pct=70), Direction.UP, SPEC)
    assert at_80.delivered_pct == 80 and at_80.passed
    below = judge(series(delivered_pct=100, late_pct=68), Direction.UP, SPEC)
    assert below.delivered_pct == 78 and not below.passed
    assert below.reason == "failed: delivered 78 % of the requested energy, below 80 %"


def test_response_limit_is_inclusive():
    assert judge(series(response_s=300), Direction.UP, SPEC).passed
    late = judge(series(response_s=330), Direction.UP, SPEC)
    assert not late.passed and late.response_s == 330


def test_over_delivery_does_not_make_up_for_shortfalls():
    # 100 % for a third of the window, 140 % after: each sample is clipped at the requested change
    v = judge(series(delivered_pct=100, late_pct=140), Direction.UP, SPEC)
    assert v.delivered_pct == 100  # clipped, not 113


def test_down_activation_of_a_generator_with_negative_baseline():
    v = judge(series(direction=Direction.DOWN, baseline=-6_000, change=4_000), Direction.DOWN, SPEC)
    assert v.passed and v.baseline_w == -6_000 and v.setpoint_after_w == -2_000


@pytest.mark.parametrize(("samples", "message"), [
    (series()[:1], "at least two samples"),
    ([Sample(1, 0, 0), Sample(1, 0, 0)], "strictly increasing"),
    ([Sample(0, 0, 0), Sample(61, 0, 0)], "at most 60 s"),
    ([Sample(0, 5, 5), Sample(30, 5, 5)], "never changes"),
    (series(change=900), "below the product's minimum"),
    (series(direction=Direction.DOWN), "wrong way"),
    (series(total_after_s=1_170), "before the end of the hold window"),
])
def test_data_that_cannot_be_judged_is_refused(samples, message):
    with pytest.raises(InvalidActivationTest, match=message):
        judge(samples, Direction.UP, SPEC)


def test_a_second_step_inside_the_window_is_refused():
    samples = series()
    samples[-5] = Sample(samples[-5].t, 0, samples[-5].measured_w)
    with pytest.raises(InvalidActivationTest, match="must hold"):
        judge(samples, Direction.UP, SPEC)


@given(change=st.integers(1_000, 10**9), pct=st.integers(0, 100), response=st.sampled_from([0, 30, 120, 270]))
def test_constant_delivery_share_is_reported_and_decides(change, pct, response):
    v = judge(series(change=change, delivered_pct=pct, response_s=response), Direction.UP, SPEC)
    delivered_per_sample = change * pct // 100
    assert v.delivered_pct == delivered_per_sample * 100 // change
    reached = delivered_per_sample * 100 >= change * (100 - SPEC.tolerance_pct)
    assert v.passed == (reached and delivered_per_sample * 100 >= change * SPEC.success_pct)


def test_tolerances_come_from_the_spec():
    lenient = ProductSpec(Product.ST_ENERGY, "x", max_response_s=600, hold_s=300)
    v = judge(series(response_s=450, total_after_s=900), Direction.UP, lenient)
    assert v.passed and v.window_end - v.step_at == 900

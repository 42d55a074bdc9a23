"""The automated prequalification test: judge an activation test against a product's tolerances.

Pure (no Flask, database or chain). The FSP sends samples ``(t, setpoint_w, measured_w)``:
Unix seconds, and the asset's net active power at its connection point in W, consumption
positive (as meter data). The setpoint steps once; an ``up`` activation steps it down (less
consumption / more generation), a ``down`` activation steps it up.

How the verdict is reached (all integer arithmetic):

1. ``step_at`` is the first sample whose setpoint differs from the first one; the requested
   change is the step's size in the activation's direction and must be at least the
   product's ``min_change_w``; the setpoint must then hold until the end of the test.
2. ``baseline_w`` = floor of the mean measured power of the samples before the step.
3. The achieved change of a sample is ``baseline - measured`` (up) or ``measured - baseline``
   (down). ``response_s`` = time from the step to the first sample whose achieved change is
   at least ``(100 - tolerance_pct) %`` of the requested change.
4. The hold window is ``[step_at + max_response_s, step_at + max_response_s + hold_s)``; each
   sample's value holds until the next sample. The delivered energy is the integral of the
   achieved change clipped to ``[0, requested]`` (over-delivery does not make up for
   shortfalls); the requested energy is ``requested x hold_s``.
5. Pass when ``response_s <= max_response_s`` and delivered x 100 >= requested energy x
   ``success_pct``. Energies are reported in Wh (floor), the share as a whole percent (floor).

Data that cannot be judged (unordered times, gaps, no step, a step the wrong way or too
small, a second step, samples not covering the window) raise :class:`InvalidActivationTest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from marketplace.domain.errors import InvalidInput
from marketplace.domain.products import ProductSpec
from marketplace.models.enums import Direction


class InvalidActivationTest(InvalidInput):
    code = "invalid_activation_test"


@dataclass(frozen=True)
class Sample:
    t: int
    setpoint_w: int
    measured_w: int


@dataclass(frozen=True)
class TestVerdict:
    """The verdict and the numbers behind it (W, Wh, s, %)."""

    passed: bool
    reason: str
    direction: str
    step_at: int
    setpoint_before_w: int
    setpoint_after_w: int
    requested_change_w: int
    baseline_w: int
    response_s: int | None
    max_response_s: int
    window_start: int
    window_end: int
    delivered_wh: int
    requested_wh: int
    delivered_pct: int
    success_pct: int
    tolerance_pct: int
    samples: int

    def to_dict(self) -> dict:
        return asdict(self)


def judge(samples: Sequence[Sample], direction: Direction, spec: ProductSpec) -> TestVerdict:
    """The verdict of an activation test for ``direction`` under ``spec``'s tolerances."""
    if len(samples) < 2:
        raise InvalidActivationTest("an activation test needs at least two samples")
    for i in range(1, len(samples)):
        gap = samples[i].t - samples[i - 1].t
        if gap <= 0:
            raise InvalidActivationTest(
                "samples must be in strictly increasing time order", details={"index": i, "t": samples[i].t}
            )
        if gap > spec.max_sample_gap_s:
            raise InvalidActivationTest(
                f"samples are {gap} s apart at index {i}; at most {spec.max_sample_gap_s} s allowed",
                details={"index": i, "gap_s": gap, "max_sample_gap_s": spec.max_sample_gap_s},
            )
    before = samples[0].setpoint_w
    k = next((i for i, s in enumerate(samples) if s.setpoint_w != before), None)
    if k is None:
        raise InvalidActivationTest("the setpoint never changes: there is no activation to judge")
    step_at, after = samples[k].t, samples[k].setpoint_w
    requested = before - after if direction is Direction.UP else after - before
    if requested <= 0:
        raise InvalidActivationTest(
            f"the setpoint steps the wrong way for an {direction.value} activation "
            f"(from {before} W to {after} W; consumption is positive)",
            details={"setpoint_before_w": before, "setpoint_after_w": after},
        )
    if requested < spec.min_change_w:
        raise InvalidActivationTest(
            f"the requested change {requested} W is below the product's minimum {spec.min_change_w} W",
            details={"requested_change_w": requested, "min_change_w": spec.min_change_w},
        )
    window_start = step_at + spec.max_response_s
    window_end = window_start + spec.hold_s
    if samples[-1].t < window_end:
        raise InvalidActivationTest(
            f"the samples end at {samples[-1].t}, before the end of the hold window {window_end} "
            f"({spec.max_response_s} s response + {spec.hold_s} s hold after the step)",
            details={"last_t": samples[-1].t, "window_end": window_end},
        )
    for s in samples[k:]:
        if s.t >= window_end:
            break
        if s.setpoint_w != after:
            raise InvalidActivationTest(
                "the setpoint must hold from the step to the end of the hold window", details={"t": s.t}
            )

    baseline = sum(s.measured_w for s in samples[:k]) // k

    def achieved(s: Sample) -> int:
        return baseline - s.measured_w if direction is Direction.UP else s.measured_w - baseline

    response_s = None
    for s in samples[k:]:
        if s.t >= window_end:
            break
        if achieved(s) * 100 >= requested * (100 - spec.tolerance_pct):
            response_s = s.t - step_at
            break

    delivered_ws = 0
    for i, s in enumerate(samples):
        nxt = samples[i + 1].t if i + 1 < len(samples) else s.t
        lo, hi = max(s.t, window_start), min(nxt, window_end)
        if hi > lo:
            delivered_ws += min(max(achieved(s), 0), requested) * (hi - lo)
    requested_ws = requested * spec.hold_s
    energy_ok = delivered_ws * 100 >= requested_ws * spec.success_pct
    in_time = response_s is not None and response_s <= spec.max_response_s
    if in_time and energy_ok:
        reason = "passed: responded in time and delivered enough energy"
    elif not in_time:
        reason = (
            "failed: never reached the requested change within the tolerance"
            if response_s is None
            else f"failed: responded after {response_s} s, more than {spec.max_response_s} s"
        )
    else:
        reason = f"failed: delivered {delivered_ws * 100 // requested_ws} % of the requested energy, below {spec.success_pct} %"
    return TestVerdict(
        passed=in_time and energy_ok,
        reason=reason,
        direction=direction.value,
        step_at=step_at,
        setpoint_before_w=before,
        setpoint_after_w=after,
        requested_change_w=requested,
        baseline_w=baseline,
        response_s=response_s,
        max_response_s=spec.max_response_s,
        window_start=window_start,
        window_end=window_end,
        delivered_wh=delivered_ws // 3600,
        requested_wh=requested_ws // 3600,
        delivered_pct=delivered_ws * 100 // requested_ws,
        success_pct=spec.success_pct,
        tolerance_pct=spec.tolerance_pct,
        samples=len(samples),
    )

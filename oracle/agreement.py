"""The agreement terms the oracle verifies: the JSON file of ``flexmarket oracle verify``.

One agreement is one awarded bid: an FSP delivers ``quantity_wh`` in each 15-min interval of
one contiguous delivery window, in ``direction`` ``up`` (lower consumption / more generation)
or ``down`` (the opposite), measured on ``meter_ids`` against a ``baseline``. Every field and
its unit is documented in ``docs/oracle-verify.md``; unknown fields are refused, so a typo
cannot silently fall back to a default.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from marketplace.settlement import DEFAULT_PENALTY_PCT, DEFAULT_SUCCESS_THRESHOLD_PCT
from oracle.errors import AgreementError
from oracle.meterdata import INTERVAL_S, METER_ID_RE

#: Largest value of a ``uint128`` (the contract's type for energy, price and guarantee).
UINT128_MAX = 2**128 - 1

Direction = Literal["up", "down"]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Interval(_Model):
    """One 15-min interval of the delivery window: ``start`` Unix s UTC, ``quantity_wh`` ordered."""

    start: Annotated[int, Field(ge=0)]
    quantity_wh: Annotated[int, Field(ge=0, le=UINT128_MAX)]

    @field_validator("start")
    @classmethod
    def _aligned(cls, start: int) -> int:
        if start % INTERVAL_S:
            raise ValueError(f"must be aligned to a 15-minute interval (a multiple of {INTERVAL_S} s)")
        return start


class PreWindowBaseline(_Model):
    """The seed's baseline (3.3.3.3): every interval's baseline is the metered energy of the
    15-min interval just before the delivery window, summed over the agreement's meters."""

    method: Literal["pre_window"]


class XOfYBaseline(_Model):
    """X-of-Y same-interval days (see :func:`oracle.baselines.x_of_y` for the exact rule).

    ``x`` days are selected among the ``y`` most recent eligible days before the delivery day
    and averaged per interval. ``select``: ``high`` (the x days with the most energy in the
    window), ``low`` (the least) or ``recent`` (the x most recent); by default ``high`` for
    ``up`` and ``low`` for ``down``. Eligible days: Monday to Friday (UTC dates) when
    ``working_days_only``, never a date listed in ``excluded_dates``.
    """

    method: Literal["x_of_y"]
    x: Annotated[int, Field(ge=1, le=366)]
    y: Annotated[int, Field(ge=1, le=366)]
    working_days_only: bool = True
    excluded_dates: tuple[date, ...] = ()
    select: Literal["high", "low", "recent"] | None = None

    @model_validator(mode="after")
    def _x_within_y(self) -> XOfYBaseline:
        if self.x > self.y:
            raise ValueError(f"x ({self.x}) must not exceed y ({self.y})")
        return self


class DeclaredBaseline(_Model):
    """FSP-declared baseline: ``values_wh`` per interval of the window, in Wh, either one list
    for the whole agreement or one list per meter (``{meter_id: [...]}``, summed)."""

    method: Literal["declared"]
    values_wh: list[int] | dict[str, list[int]]


Baseline = Annotated[PreWindowBaseline | XOfYBaseline | DeclaredBaseline, Field(discriminator="method")]


class Agreement(_Model):
    """The terms of one agreement, as the oracle needs them.

    ``id``: 0x + 64 hex digits (the agreement id on chain, the winning bid's EIP-712 digest).
    ``price_per_mwh``: token base units per MWh. ``guarantee``: token base units of the FSP's
    guarantee locked for this agreement (caps the penalty). Percentages are whole percent.
    """

    id: Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
    direction: Direction
    price_per_mwh: Annotated[int, Field(ge=0, le=UINT128_MAX)]
    meter_ids: Annotated[tuple[str, ...], Field(min_length=1)]
    intervals: Annotated[tuple[Interval, ...], Field(min_length=1)]
    baseline: Baseline
    success_threshold_pct: Annotated[int, Field(ge=0, le=100)] = DEFAULT_SUCCESS_THRESHOLD_PCT
    penalty_pct: Annotated[int, Field(ge=0, le=100)] = DEFAULT_PENALTY_PCT
    guarantee: Annotated[int, Field(ge=0, le=UINT128_MAX)]

    @field_validator("meter_ids")
    @classmethod
    def _meter_ids(cls, meter_ids: tuple[str, ...]) -> tuple[str, ...]:
        for meter_id in meter_ids:
            if not METER_ID_RE.fullmatch(meter_id):
                raise ValueError(f"{meter_id!r} is not a meter id (1-64 letters, digits or . _ : / -)")
        if len(set(meter_ids)) != len(meter_ids):
            raise ValueError("lists a meter more than once")
        return meter_ids

    @model_validator(mode="after")
    def _window(self) -> Agreement:
        starts = [interval.start for interval in self.intervals]
        for previous, start in zip(starts, starts[1:]):
            if start != previous + INTERVAL_S:
                raise ValueError(
                    f"intervals must be one contiguous window in time order, 900 s apart: {start} follows {previous}"
                )
        if self.ordered_wh <= 0:
            raise ValueError("the ordered quantity (sum of quantity_wh) must be positive")
        if self.ordered_wh > UINT128_MAX:
            raise ValueError("the ordered quantity does not fit in a uint128")
        baseline = self.baseline
        if isinstance(baseline, DeclaredBaseline):
            lists = baseline.values_wh.values() if isinstance(baseline.values_wh, dict) else [baseline.values_wh]
            if isinstance(baseline.values_wh, dict) and set(baseline.values_wh) != set(self.meter_ids):
                raise ValueError("declared baseline values_wh must name exactly the agreement's meter_ids")
            if any(len(values) != len(self.intervals) for values in lists):
                raise ValueError(f"declared baseline needs one value per interval ({len(self.intervals)})")
        return self

    @property
    def id_bytes(self) -> bytes:
        """The agreement id as 32 bytes (the contract's ``bytes32``)."""
        return bytes.fromhex(self.id[2:])

    @property
    def starts(self) -> list[int]:
        """The interval starts of the delivery window, Unix s."""
        return [interval.start for interval in self.intervals]

    @property
    def window_start(self) -> int:
        """Start of the delivery window, Unix s."""
        return self.intervals[0].start

    @property
    def window_end(self) -> int:
        """End of the delivery window (exclusive), Unix s."""
        return self.intervals[-1].start + INTERVAL_S

    @property
    def ordered_wh(self) -> int:
        """The ordered energy: the sum of every interval's ``quantity_wh``."""
        return sum(interval.quantity_wh for interval in self.intervals)


def _field(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "agreement"


def agreement_from_dict(data: Any) -> Agreement:
    """Validate agreement terms given as a JSON-like dict; raises :class:`AgreementError`."""
    try:
        return Agreement.model_validate_json(json.dumps(data))
    except (TypeError, ValueError) as exc:
        if not isinstance(exc, ValidationError):
            raise AgreementError(f"agreement is not JSON data: {exc}") from None
        raise _agreement_error(exc) from None


def agreement_from_json(text: str | bytes) -> Agreement:
    """Validate agreement terms given as JSON text; raises :class:`AgreementError`."""
    try:
        return Agreement.model_validate_json(text)
    except ValidationError as exc:
        raise _agreement_error(exc) from None


def load_agreement(path: str | os.PathLike[str]) -> Agreement:
    """Read and validate an agreement JSON file; raises :class:`AgreementError`."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except OSError as exc:
        raise AgreementError(f"cannot read agreement file {os.fspath(path)}: {exc.strerror}") from None
    try:
        return agreement_from_json(text)
    except AgreementError as exc:
        exc.message = f"{os.fspath(path)}: {exc.message}"
        exc.args = (exc.message,)
        raise


def _agreement_error(exc: ValidationError) -> AgreementError:
    errors = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        # Drop the union tag pydantic adds inside a discriminated union (baseline.pre_window...).
        if len(loc) >= 2 and loc[0] == "baseline" and loc[1] in ("pre_window", "x_of_y", "declared"):
            loc = (loc[0], *loc[2:])
        message = error["msg"].removeprefix("Value error, ")
        errors.append({"field": _field(loc), "message": message})
    # A list whose items failed also reports "should have at least 1 item after validation":
    # noise next to the item's own error.
    errors = [
        e for e in errors
        if "after validation" not in e["message"]
        or not any(o is not e and o["field"].startswith(e["field"]) for o in errors)
    ]
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return AgreementError(f"{first['field']}: {first['message']}{more}", details={"errors": errors})

"""Builders of order books for the clearing tests (plain JSON-shaped dicts)."""

from __future__ import annotations

import copy
from typing import Any

EUR = 1_000_000  # base units
T0 = 1_739_683_800  # 2025-02-16 05:30 UTC, on a 900 s boundary
Q = 900  # one interval, s


def auction(**overrides: Any) -> dict:
    """A short-term, pay-as-bid auction under an orange light."""
    out = {"id": "A1", "pricing": "pay_as_bid", "product": "st_energy", "traffic_light": "orange"}
    out.update(overrides)
    return out


def demand(quantities: list[int] | int = 100_000, **overrides: Any) -> dict:
    """A demand at TR-17, up, cap 250 EUR/MWh, one interval per quantity from T0."""
    if isinstance(quantities, int):
        quantities = [quantities]
    out = {
        "id": "D1",
        "location": "TR-17",
        "direction": "up",
        "price_cap_per_mwh": 250 * EUR,
        "intervals": [{"start": T0 + Q * t, "quantity_wh": q} for t, q in enumerate(quantities)],
    }
    out.update(overrides)
    return out


def bid(bid_id: str, price_eur: int | None = 100, quantities: list[int] | int = 10_000, **overrides: Any) -> dict:
    """A valid divisible short-term bid at TR-17 (minimum 1 kWh), from T0 on."""
    if isinstance(quantities, int):
        quantities = [quantities]
    out = {
        "id": bid_id,
        "fsp": "fsp-" + bid_id,
        "location": "TR-17",
        "direction": "up",
        "kind": "st",
        "price_per_mwh": None if price_eur is None else price_eur * EUR,
        "currency": "EUR",
        "divisible": True,
        "min_quantity_wh": 1_000,
        "submitted_at": T0 - 3_600,
        "prequalified": True,
        "intervals": [{"start": T0 + Q * t, "quantity_wh": q} for t, q in enumerate(quantities) if q],
    }
    out.update(overrides)
    return out


def book(bids: list[dict], demands: list[dict] | None = None, **auction_overrides: Any) -> dict:
    """A book with the default auction (with overrides) and demand."""
    return {
        "auction": auction(**auction_overrides),
        "demands": demands if demands is not None else [demand()],
        "bids": copy.deepcopy(bids),
    }


def accepted_by_bid(result: dict) -> dict[str, int]:
    """Total accepted Wh per bid id."""
    out: dict[str, int] = {}
    for line in result["accepted"]:
        out[line["bid_id"]] = out.get(line["bid_id"], 0) + line["quantity_wh"]
    return out


def rejection(result: dict, bid_id: str) -> tuple[str, str]:
    """(status, reason) of a rejected bid."""
    for entry in result["rejected"]:
        if entry["bid_id"] == bid_id:
            return entry["status"], entry["reason"]
    raise AssertionError(f"{bid_id} is not rejected")

"""Indivisible bids and binding minimums: the engine against exhaustive search on small books.

Quantities of 1-5 Wh (the auction's limits are lowered to allow them) and whole-euro
prices keep the search small and the welfare an exact number of base units.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.clearing import clear_book

from .books import EUR, Q, T0, auction

TINY = {"min_power_w": 4, "max_power_w": 40, "quantity_step_wh": 1}
CAP_EUR = 10


def _choices(b: dict, room: list[int] | None) -> list[dict[int, int]]:
    """Every way to accept bid b (interval index -> Wh), within ``room`` when given."""
    lines = [((i["start"] - T0) // Q, i["quantity_wh"]) for i in b["intervals"]]
    if not b["divisible"]:
        full = dict(lines)
        fits = room is None or all(room[t] >= q for t, q in lines)
        return [{}] + ([full] if fits else [])
    out = [{}]
    for t, q in lines:
        top = q if room is None else min(q, room[t])
        low = max(b["min_quantity_wh"], 1)
        out = [{**c, t: x} for c in out for x in [0, *range(low, top + 1)]]
    return out


def brute_force(data: dict) -> tuple[int, list[dict[str, dict[int, int]]]]:
    """Best welfare (base units) over all feasible selections, and every selection reaching it."""
    demand = [i["quantity_wh"] for i in data["demands"][0]["intervals"]]
    cap = data["demands"][0]["price_cap_per_mwh"]
    overfill = data["auction"].get("allow_overfill", False)
    bids = [b for b in data["bids"] if b["price_per_mwh"] <= cap]
    best, winners = None, []

    def visit(k: int, room: list[int], chosen: dict, cost: int) -> None:
        nonlocal best, winners
        if k == len(bids):
            taken = [d - r for d, r in zip(demand, room)]
            value = sum(cap * min(a, d) for a, d in zip(taken, demand)) - cost
            if best is None or value > best:
                best, winners = value, []
            if value == best:
                winners.append(dict(chosen))
            return
        b = bids[k]
        for choice in _choices(b, None if overfill else room):
            rest = list(room)
            for t, x in choice.items():
                rest[t] -= x
            picked = {t: x for t, x in choice.items() if x}
            visit(k + 1, rest, {**chosen, b["id"]: picked} if picked else chosen, cost + b["price_per_mwh"] * sum(picked.values()))

    visit(0, list(demand), {}, 0)
    return best // 10**6, winners


@st.composite
def small_books(draw, overfill=False):
    n_intervals = draw(st.integers(1, 2))
    bids = []
    for k in range(draw(st.integers(1, 5 if not overfill else 3))):
        slots = draw(st.lists(st.integers(0, n_intervals - 1), min_size=1, max_size=n_intervals, unique=True))
        quantities = {t: draw(st.integers(1, 5)) for t in slots}
        divisible = draw(st.booleans())
        b = {
            "id": f"b{k}",
            "fsp": "f",
            "location": "L",
            "direction": "up",
            "kind": "st",
            "price_per_mwh": draw(st.integers(0, CAP_EUR + 1)) * EUR,
            "currency": "EUR",
            "divisible": divisible,
            "submitted_at": draw(st.integers(0, 2)),
            "prequalified": True,
            "intervals": [{"start": T0 + Q * t, "quantity_wh": q} for t, q in sorted(quantities.items())],
        }
        if divisible:
            b["min_quantity_wh"] = draw(st.integers(0, min(quantities.values())))
        bids.append(b)
    demands = [
        {
            "id": "D",
            "location": "L",
            "direction": "up",
            "price_cap_per_mwh": CAP_EUR * EUR,
            "intervals": [{"start": T0 + Q * t, "quantity_wh": draw(st.integers(0, 9))} for t in range(n_intervals)],
        }
    ]
    return {"auction": auction(limits=TINY, allow_overfill=overfill), "demands": demands, "bids": bids}


def _selection(result: dict) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {}
    for line in result["accepted"]:
        out.setdefault(line["bid_id"], {})[(line["start"] - T0) // Q] = line["quantity_wh"]
    return out


def _check_feasible(data: dict, chosen: dict[str, dict[int, int]]) -> None:
    bids = {b["id"]: b for b in data["bids"]}
    for bid_id, lines in chosen.items():
        b = bids[bid_id]
        offered = {(i["start"] - T0) // Q: i["quantity_wh"] for i in b["intervals"]}
        if not b["divisible"]:
            assert lines == offered, f"indivisible {bid_id} cut: {lines} of {offered}"
        for t, x in lines.items():
            assert max(b.get("min_quantity_wh", 0), 1) <= x <= offered[t]


@settings(max_examples=250, deadline=None)
@given(small_books())
def test_indivisible_results_equal_brute_force(data):
    result = clear_book(data).to_json()
    best, winners = brute_force(data)
    chosen = _selection(result)
    assert result["optimal"] is True
    assert result["welfare"] == best
    _check_feasible(data, chosen)
    assert chosen in winners
    if len(winners) == 1:
        assert chosen == winners[0]
    demand = [i["quantity_wh"] for i in data["demands"][0]["intervals"]]
    for interval, d in zip(result["intervals"], demand):
        assert interval["accepted_wh"] <= d


@settings(max_examples=100, deadline=None)
@given(small_books(overfill=True))
def test_overfill_results_equal_brute_force(data):
    result = clear_book(data).to_json()
    best, winners = brute_force(data)
    assert result["optimal"] is True
    assert result["welfare"] == best
    assert _selection(result) in winners


@settings(max_examples=150, deadline=None)
@given(small_books())
def test_no_rejected_bid_still_fits(data):
    """Ties go by merit order: after the optimum, every bid that fits is added."""
    result = clear_book(data).to_json()
    room = {i["start"]: i["demand_wh"] - i["accepted_wh"] for i in result["intervals"]}
    chosen = _selection(result)
    cap = data["demands"][0]["price_cap_per_mwh"]
    for b in data["bids"]:
        if b["price_per_mwh"] > cap:
            continue
        lines = chosen.get(b["id"], {})
        if not b["divisible"]:
            if not lines:
                assert any(room[i["start"]] < i["quantity_wh"] for i in b["intervals"]), b["id"]
            continue
        for i in b["intervals"]:
            x = lines.get((i["start"] - T0) // Q, 0)
            if x < i["quantity_wh"]:
                need = max(b["min_quantity_wh"], 1) if x == 0 else 1
                assert room[i["start"]] < need, (b["id"], i["start"])

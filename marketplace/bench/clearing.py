"""``flexmarket bench clearing``: how fast the clearing engine is (a report, not a test).

Figures (seconds are wall-clock medians over ``--repeat`` runs, inputs built beforehand):

- ``divisible_1m_s``: the columnar merit-order core (``clearing.divisible``) on 1,000,000
  divisible single-interval bids against one demand, arrays in, accepted Wh out;
  ``argsort_1m_s``: ``numpy.argsort`` of the same 1,000,000 prices, measured in the same
  run, interleaved with the core; ``divisible_vs_argsort``: their ratio (goal <= 2).
- ``indivisible_2000_s``: ``clear_book`` on a JSON-shaped book of 2,000 indivisible
  single-interval bids (validation, selection, pricing and result included);
  ``indivisible_2000_optimal``: whether it is proven optimal (goal: optimal in <= 1 s).
- ``multi_interval_96x10000_s``: ``clear_book`` on 10,000 bids over 96 intervals (one
  day), each bid a block of 1-8 consecutive intervals, a quarter indivisible, a quarter
  of the divisible ones with a minimum of half their quantity (goal <= 5 s).

All books are generated from a fixed seed: prices 10-300 EUR/MWh to the base unit,
quantities in whole kWh, demands 30 % of the offered quantity, cap 250 EUR/MWh.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
import scipy

from marketplace.clearing import clear_book
from marketplace.clearing.divisible import clear_divisible

EUR = 1_000_000  # base units
CAP = 250 * EUR  # per MWh
DAY_START = 1_739_664_000  # 2025-02-16 00:00 UTC, on a 900 s boundary


def _divisible_arrays(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    quantity = rng.integers(1, 2_500, n, dtype=np.int64) * 1_000
    return {
        "price": rng.integers(10 * EUR, 300 * EUR, n, dtype=np.int64),
        "quantity_wh": quantity,
        "min_quantity_wh": np.full(n, 1_000, dtype=np.int64),
        "submitted_at": DAY_START - rng.integers(0, 86_400, n, dtype=np.int64),
        "tiebreak": rng.permutation(n).astype(np.int64),
        "demand_wh": int(quantity.sum()) * 3 // 10 // 1_000 * 1_000,
        "cap": CAP,
    }


def _bid(rng: np.random.Generator, k: int, starts: list[int], quantity_kwh: int, divisible: bool, min_kwh: int) -> dict:
    bid = {
        "id": f"bid-{k:06d}",
        "fsp": f"fsp-{k % 97:02d}",
        "location": "TR-17",
        "direction": "up",
        "kind": "st",
        "price_per_mwh": int(rng.integers(10 * EUR, 300 * EUR)),
        "currency": "EUR",
        "divisible": divisible,
        "submitted_at": DAY_START - int(rng.integers(0, 86_400)),
        "prequalified": True,
        "intervals": [{"start": s, "quantity_wh": quantity_kwh * 1_000} for s in starts],
    }
    if divisible:
        bid["min_quantity_wh"] = min_kwh * 1_000
    return bid


def _book(bids: list[dict], starts: list[int]) -> dict:
    offered = dict.fromkeys(starts, 0)
    for bid in bids:
        for interval in bid["intervals"]:
            offered[interval["start"]] += interval["quantity_wh"]
    return {
        "auction": {"id": "bench", "pricing": "pay_as_clear", "product": "st_energy", "traffic_light": "orange"},
        "demands": [
            {
                "id": "D1",
                "location": "TR-17",
                "direction": "up",
                "price_cap_per_mwh": CAP,
                "intervals": [{"start": s, "quantity_wh": offered[s] * 3 // 10 // 1_000 * 1_000} for s in starts],
            }
        ],
        "bids": bids,
    }


def indivisible_book(n: int, seed: int) -> dict:
    """n indivisible bids in one interval."""
    rng = np.random.default_rng(seed)
    bids = [_bid(rng, k, [DAY_START], int(rng.integers(1, 2_500)), False, 0) for k in range(n)]
    return _book(bids, [DAY_START])


def multi_interval_book(n: int, intervals: int, seed: int) -> dict:
    """n bids over ``intervals`` quarter-hours: blocks of 1-8, a quarter indivisible."""
    rng = np.random.default_rng(seed)
    starts = [DAY_START + 900 * t for t in range(intervals)]
    bids = []
    for k in range(n):
        first = int(rng.integers(0, intervals))
        block = starts[first : first + int(rng.integers(1, 9))]
        quantity = int(rng.integers(1, 400))
        divisible = bool(rng.random() >= 0.25)
        min_kwh = max(quantity // 2, 1) if rng.random() < 0.25 else 1
        bids.append(_bid(rng, k, block, quantity, divisible, min_kwh))
    return _book(bids, starts)


def _median_time(run, repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def measure(repeat: int = 5, divisible_n: int = 1_000_000, indivisible_n: int = 2_000, multi: tuple[int, int] = (96, 10_000)) -> dict[str, Any]:
    """Run the three benchmarks and return the figures (see the module docstring)."""
    arrays = _divisible_arrays(divisible_n, seed=1)
    core_times, sort_times = [], []
    exact = True
    for _ in range(repeat):
        start = time.perf_counter()
        np.argsort(arrays["price"])
        sort_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        outcome = clear_divisible(**arrays)
        core_times.append(time.perf_counter() - start)
        exact &= outcome.exact
    core, sort = statistics.median(core_times), statistics.median(sort_times)

    book = indivisible_book(indivisible_n, seed=2)
    indivisible_s, indivisible = _median_time(lambda: clear_book(book), max(repeat // 2, 1))

    intervals, n = multi
    book = multi_interval_book(n, intervals, seed=3)
    multi_s, multi_result = _median_time(lambda: clear_book(book), max(repeat // 2, 1))

    label = f"multi_interval_{intervals}x{n}"
    return {
        f"divisible_{divisible_n // 1_000_000}m_s" if divisible_n % 1_000_000 == 0 else f"divisible_{divisible_n}_s": round(core, 4),
        f"argsort_{divisible_n // 1_000_000}m_s" if divisible_n % 1_000_000 == 0 else f"argsort_{divisible_n}_s": round(sort, 4),
        "divisible_vs_argsort": round(core / sort, 2),
        "divisible_exact": exact,
        f"indivisible_{indivisible_n}_s": round(indivisible_s, 3),
        f"indivisible_{indivisible_n}_optimal": indivisible.optimal,
        f"indivisible_{indivisible_n}_method": indivisible.solver.method,
        f"{label}_s": round(multi_s, 3),
        f"{label}_optimal": multi_result.optimal,
        f"{label}_method": multi_result.solver.method,
        f"{label}_gap": multi_result.solver.gap,
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
    }


@click.command("clearing")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the figures here.")
@click.option("--repeat", default=5, show_default=True, type=click.IntRange(min=1), help="Runs per figure (median).")
def clearing(json_path: Path | None, repeat: int) -> None:
    """Time the clearing engine: 1M divisible bids vs argsort, 2,000 indivisible, 96 x 10,000."""
    figures = measure(repeat=repeat)
    text = json.dumps(figures, indent=2)
    if json_path is not None:
        json_path.write_text(text + "\n", encoding="utf-8")
    click.echo(text)

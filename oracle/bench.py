"""The oracle benchmark's pure part: parse a day of meter data and verify many agreements.

:func:`measure` simulates ``meters`` meters for one day (96 intervals) with
:mod:`oracle.simulator`, the benchmark agreements' meters responding to their activations
(every fourth delivering half), writes them as meter data CSV to a temporary file, then times

- ``parse_s``: :func:`oracle.meterdata.parse_csv` of that file (960,000 rows at full size);
- ``verify_s``: :func:`oracle.verdict.verify` of ``agreements`` agreements, each over its own
  ``meters_per_agreement`` meters (wrapping around the fleet), a one-hour window (4 intervals)
  between 06:00 and 20:00 UTC, up or down, pre-window baseline.

Simulating and writing the file are not timed. Database ingest and attestations on a chain
are not part of this module (the ``flexmarket bench oracle`` command adds them).
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from oracle import meterdata, simulator
from oracle.agreement import Agreement, agreement_from_dict
from oracle.meterdata import INTERVAL_S
from oracle.verdict import Incomplete, verify

#: First day of the benchmark data, Unix s (2025-01-15 00:00 UTC, a Wednesday).
BENCH_DAY = 1_736_899_200
#: Share of each device kind in the benchmark fleet, percent.
FLEET_PCT = {"ev": 30, "charging_station": 5, "battery": 5, "heat_pump": 30, "pv": 30}


def fleet_of(meters: int) -> dict[str, int]:
    """A fleet of exactly ``meters`` devices in the FLEET_PCT mix (the rest are heat pumps)."""
    fleet = {kind: meters * pct // 100 for kind, pct in FLEET_PCT.items()}
    fleet["heat_pump"] += meters - sum(fleet.values())
    return fleet


def bench_agreements(meter_ids: list[str], count: int, meters_per_agreement: int) -> list[Agreement]:
    """``count`` agreements over ``meter_ids``: one-hour windows, alternating up and down."""
    agreements = []
    for k in range(count):
        first = k * meters_per_agreement
        chosen = [meter_ids[(first + j) % len(meter_ids)] for j in range(min(meters_per_agreement, len(meter_ids)))]
        window = BENCH_DAY + 6 * 3600 + (k % 56) * INTERVAL_S
        agreements.append(agreement_from_dict({
            "id": f"0x{k:064x}",
            "direction": "up" if k % 2 == 0 else "down",
            "price_per_mwh": 150_000_000,
            "meter_ids": chosen,
            "intervals": [{"start": window + i * INTERVAL_S, "quantity_wh": 500} for i in range(4)],
            "baseline": {"method": "pre_window"},
            "guarantee": 1_000_000,
        }))
    return agreements


def _seconds(ns: int) -> float:
    return round(ns / 1_000_000_000, 3)


def bench_day(
    meters: int = 10_000, agreements: int = 1_000, meters_per_agreement: int = 10, seed: int = 0
) -> tuple[simulator.Simulation, list[Agreement]]:
    """One simulated day of ``meters`` meters and the benchmark agreements over them; every
    fourth agreement's meters under-deliver on purpose (half of the ordered quantity)."""
    fleet = fleet_of(meters)
    terms = bench_agreements(sorted(simulator.meter_ids_for(fleet)), agreements, meters_per_agreement)
    activations = [simulator.Activation.from_agreement(t, 50 if k % 4 == 3 else 100) for k, t in enumerate(terms)]
    return simulator.simulate(fleet, seed=seed, start=BENCH_DAY, days=1, activations=activations), terms


def measure(
    meters: int = 10_000, agreements: int = 1_000, meters_per_agreement: int = 10, seed: int = 0
) -> dict[str, Any]:
    """Time parsing a day of ``meters`` meters' CSV and verifying ``agreements`` agreements.

    Returns the figures as a JSON-ready dict: ``parse_s``, ``verify_s`` (seconds), ``rows``,
    ``meters``, ``agreements``, ``verdicts``, ``successes``, ``csv_bytes``.
    """
    simulation, terms = bench_day(meters, agreements, meters_per_agreement, seed)
    with tempfile.TemporaryDirectory(prefix="flexmarket-bench-") as folder:
        path = os.path.join(folder, "readings.csv")
        simulation.write_csv(path)
        csv_bytes = os.path.getsize(path)
        t0 = time.perf_counter_ns()
        readings = meterdata.parse_csv(path)
        parse_ns = time.perf_counter_ns() - t0
    t0 = time.perf_counter_ns()
    results = [verify(agreement, readings) for agreement in terms]
    verify_ns = time.perf_counter_ns() - t0
    verdicts = [r for r in results if not isinstance(r, Incomplete)]
    return {
        "meters": meters,
        "intervals": simulation.intervals,
        "rows": readings.rows,
        "csv_bytes": csv_bytes,
        "agreements": agreements,
        "meters_per_agreement": meters_per_agreement,
        "verdicts": len(verdicts),
        "successes": sum(v.success for v in verdicts),
        "parse_s": _seconds(parse_ns),
        "verify_s": _seconds(verify_ns),
    }

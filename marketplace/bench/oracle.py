"""``flexmarket bench oracle``: meter data in, verdicts out, attestations on chain.

One simulated day of 10,000 meters × 96 intervals (the meter simulator; every fourth
benchmark agreement's meters under-deliver on purpose) is written as meter data CSV (not
timed). Then:

- ``ingest_s``: parse the CSV and store its 960,000 readings in a fresh database (SQLite in a
  temporary folder, or ``--database-url``), as ``flexmarket oracle ingest`` does;
- ``verify_s``: for each of 1,000 agreements, load its meters' readings from the database
  (baseline and window) and compute the verdict, as the oracle worker does;
- ``attest_per_s``: attestations through the durable sender on a fresh anvil chain, one
  agreement each, waiting for every receipt (``attest_pipelined_per_s``: all sent, then
  all receipts awaited).

Goal: ``ingest_s + verify_s`` ≤ 10 s.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from marketplace import db
from marketplace.models.meter import MeterDataSource
from oracle import intake, meterdata
from oracle.bench import bench_day
from oracle.meterdata import INTERVAL_S
from oracle.verdict import Incomplete, verify

GOAL_INGEST_VERIFY_S = 10


def _s(ns: int) -> float:
    return round(ns / 1e9, 3)


def measure_data(database_url: str | None, meters: int, agreements: int) -> dict[str, Any]:
    """Ingest and verification figures (see the module docstring)."""
    simulation, terms = bench_day(meters, agreements)
    with tempfile.TemporaryDirectory(prefix="flexmarket-bench-oracle-") as folder:
        csv_path = os.path.join(folder, "day.csv")
        simulation.write_csv(csv_path)
        url = database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        db.upgrade(url)
        database = db.Database(url)
        try:
            t0 = time.perf_counter_ns()
            raw = Path(csv_path).read_bytes()
            readings = meterdata.parse_csv(csv_path)
            with database.transaction() as s:
                stored = intake.store(s, readings, source=MeterDataSource.CLI, sha256=intake.sha256_hex(raw),
                                      filename="day.csv")
            ingest_ns = time.perf_counter_ns() - t0
            t0 = time.perf_counter_ns()
            results = []
            with database.new_session(writes=False) as s:
                for agreement in terms:
                    window = intake.load(s, agreement.meter_ids, agreement.window_start - INTERVAL_S,
                                         agreement.window_end - INTERVAL_S)
                    results.append(verify(agreement, window))
            verify_ns = time.perf_counter_ns() - t0
        finally:
            database.dispose()
    verdicts = [r for r in results if not isinstance(r, Incomplete)]
    return {
        "meters": meters,
        "intervals": simulation.intervals,
        "readings": stored.stored,
        "agreements": agreements,
        "verdicts": len(verdicts),
        "successes": sum(v.success for v in verdicts),
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "ingest_s": _s(ingest_ns),
        "verify_s": _s(verify_ns),
        "ingest_plus_verify_s": _s(ingest_ns + verify_ns),
        "goal_ingest_plus_verify_s": GOAL_INGEST_VERIFY_S,
    }


def measure_attest(count: int) -> dict[str, Any]:
    """Attestations per second on a fresh anvil chain through the durable sender."""
    from marketplace.bridge.sender import TransactionSender
    from marketplace.chain import devkeys, typed_data
    from marketplace.chain.client import Chain
    from marketplace.chain.deploy import DSO, FSP, METER_ORACLE, deploy
    from marketplace.chain.market import Award, FlexRequest, MarketClient
    from marketplace.chain.merkle import OrderBookTree
    from marketplace.chain.node import AnvilNode

    eur = 1_000_000
    with AnvilNode() as node, tempfile.TemporaryDirectory(prefix="flexmarket-bench-attest-") as folder:
        chain = Chain.connect(node.url, poll_latency=0.002)
        operator, dso, oracle, fsp = (devkeys.dev_account(i) for i in range(4))
        market = MarketClient(chain, deploy(chain, operator))
        for account, role in ((dso, DSO), (oracle, METER_ORACLE), (fsp, FSP)):
            market.grant_role(operator, account.address, role)
        market.mint(operator, dso.address, 10**6 * eur)
        market.approve(dso, 2**255)
        now = chain.timestamp()
        terms = FlexRequest(dso.address, now + 60, now + 120, now + 180, now + 86_400, count * 1_000, 200 * eur)
        request_id = market.create_request(dso, terms)
        signed = []
        for i in range(count):
            bid = typed_data.Bid(request_id, fsp.address, 1_000, 1_000, 100 * eur, 0, i.to_bytes(32, "big"))
            doc = typed_data.bid_typed_data(chain.chain_id, market.market.address, bid)
            signed.append((bid, typed_data.digest(doc), fsp.sign_typed_data(full_message=doc).signature))
        tree = OrderBookTree(d for _, d, _ in signed)
        chain.travel(61)
        market.commit_book(operator, request_id, terms, tree.root)
        _, agreements = market.award(operator, request_id, terms, tree,
                                     [Award(b, b.quantityWh, b.pricePerMWh, s) for b, _, s in signed],
                                     [d for _, d, _ in signed])
        chain.travel(180)
        url = f"sqlite:///{Path(folder) / 'outbox.sqlite'}"
        db.upgrade(url)
        database = db.Database(url)
        sender = TransactionSender(database, chain)
        half = count // 2
        t0 = time.perf_counter_ns()
        for ag in agreements[:half]:
            sender.submit(f"attest:{ag.id.hex()}", market.market.functions.attest(ag.as_tuple(), ag.quantityWh), oracle)
        sequential_ns = time.perf_counter_ns() - t0
        t0 = time.perf_counter_ns()
        for ag in agreements[half:]:
            sender.submit(f"attest:{ag.id.hex()}", market.market.functions.attest(ag.as_tuple(), ag.quantityWh), oracle,
                          wait=False)
        pending = sender.resume()
        pipelined_ns = time.perf_counter_ns() - t0
        database.dispose()
        assert all(r.status.value == "mined" for r in pending)
        credited = market.credit_of(fsp.address)
    return {
        "attestations": count,
        "attest_per_s": round(half / (sequential_ns / 1e9), 1),
        "attest_pipelined_per_s": round((count - half) / (pipelined_ns / 1e9), 1),
        "fsp_credit": credited,
    }


@click.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the figures here.")
@click.option("--meters", default=10_000, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--agreements", default=1_000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--attestations", default=100, show_default=True, type=click.IntRange(2, 2_000))
@click.option("--database-url", default=None, help="Ingest into this database instead of a temporary SQLite file.")
def oracle(json_path: Path | None, meters: int, agreements: int, attestations: int, database_url: str | None) -> None:
    """Meter data ingest and verification speed, and attestations per second on anvil."""
    click.echo(f"flexmarket: simulating {meters} meters for a day, ingesting and verifying {agreements} "
               "agreements ...", err=True)
    result = measure_data(database_url, meters, agreements)
    click.echo(f"flexmarket: {attestations} attestations on a fresh anvil chain ...", err=True)
    result |= measure_attest(attestations)
    text = json.dumps(result, indent=2)
    if json_path is not None:
        json_path.write_text(text + "\n", encoding="utf-8")
    click.echo(text)

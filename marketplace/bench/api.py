"""``flexmarket bench api``: throughput and latency of the market service API.

Starts ``flexmarket api`` (waitress) on 127.0.0.1 with a fresh instance folder (SQLite, or
``--database-url``) and no chain, seeds an approved DSO with a small topology and an approved
FSP with a machine client, then, through HTTP:

1. registers ``--assets`` assets (10,000) in one bulk request (JSON) and times it;
2. for ``--duration`` seconds each, with ``--clients`` keep-alive client threads, reads the
   trivial ``GET /api/v1/health`` and the authenticated asset list (``GET /api/v1/assets``,
   pages of 100 from random keyset positions over all the assets), recording every latency.

Writes ``{bulk_registration, reads: {health, asset_list}, ratio, config}`` as JSON: reads per
second, p50/p99 latency in ms, and the asset list's share of the trivial endpoint's
throughput. The load is bounded (fixed clients and duration) and the server is stopped at
the end.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import requests

from marketplace.chain.node import free_port

PAGE = 100


def _seed(settings, n_feeders: int = 20) -> tuple[list[int], str, str]:
    """An approved DSO with ``n_feeders`` LV feeders and an approved FSP with a trader client.

    Returns (LV feeder ids, client id, client secret). Written through the domain functions
    (approval without a chain: benchmark data only).
    """
    from eth_account import Account

    from marketplace import db
    from marketplace.bench import approved_participant
    from marketplace.domain import auth, grid
    from marketplace.models.enums import Grant
    from marketplace.schemas.grid import GridElementIn

    database = db.Database(settings.effective_database_url)
    try:
        with database.transaction() as session:
            dso = approved_participant(session, "dso", "Bench DSO", Account.create().address, None)
            fsp = approved_participant(session, "fsp", "Bench FSP", Account.create().address, "aggregator")
            session.flush()
            feeders, parent = [], None
            for kind, code in (("hv_mv_substation", "SS"), ("mv_feeder", "MV"), ("mv_lv_substation", "TR")):
                parent = grid.create_element(session, dso, GridElementIn.model_validate_json(json.dumps(
                    {"kind": kind, "code": code, "name": code, "parent_id": parent}))).id
            for i in range(n_feeders):
                feeders.append(grid.create_element(session, dso, GridElementIn.model_validate_json(json.dumps(
                    {"kind": "lv_feeder", "code": f"LV{i}", "name": f"LV {i}", "parent_id": parent}))).id)
            client, secret = auth.create_api_client(session, fsp, "bench", Grant.TRADER)
            client_id = client.client_id
    finally:
        database.dispose()
    return feeders, client_id, secret


def _asset(i: int, feeder: int) -> dict:
    return {
        "name": f"Asset {i}", "asset_type": "battery" if i % 3 else "heat_pump", "voltage_level_v": 400,
        "installed_generation_w": 10_000, "installed_consumption_w": 12_000, "active_import_w": 5_000 + i % 100,
        "active_export_w": 4_000 + i % 100, "response_time_s": 30, "metering_point_id": f"ES00210000{i:010d}AB",
        "grid_element_id": feeder, "postal_code": f"280{i % 50:02d}",
        "latitude_udeg": 40_400_000 + i, "longitude_udeg": -3_700_000 - i,
    }


def _percentile(sorted_values: list[float], pct: int) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, (len(sorted_values) * pct + 99) // 100 - 1))
    return sorted_values[k]


def _load(url_for, headers: dict, clients: int, duration_s: float) -> dict:
    """``clients`` threads, each with a keep-alive session, GET for ``duration_s`` seconds."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_at = time.perf_counter() + 0.05
    stop_at = start_at + duration_s

    def worker(k: int) -> None:
        rng = random.Random(k)
        with requests.Session() as s:
            while time.perf_counter() < start_at:
                time.sleep(0.001)
            while (t0 := time.perf_counter()) < stop_at:
                reply = s.get(url_for(rng), headers=headers, timeout=30)
                latencies[k].append(time.perf_counter() - t0)
                if reply.status_code != 200:
                    errors[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start_at
    flat = sorted(x for per in latencies for x in per)
    return {
        "requests": len(flat),
        "errors": sum(errors),
        "seconds": round(elapsed, 3),
        "reads_per_s": round(len(flat) / elapsed, 1),
        "p50_ms": round(_percentile(flat, 50) * 1000, 2),
        "p99_ms": round(_percentile(flat, 99) * 1000, 2),
    }


def run_benchmark(n_assets: int, duration_s: float, clients: int, database_url: str | None,
                  say=lambda _m: None) -> dict:
    from marketplace import db
    from marketplace.settings import Settings

    with tempfile.TemporaryDirectory(prefix="flexmarket-bench-api-") as tmp:
        port = free_port()
        settings = Settings(instance_path=Path(tmp), database_url=database_url or "", port=port,
                            rpc_url=f"http://127.0.0.1:{free_port()}")
        db.upgrade(settings.effective_database_url)
        feeders, client_id, secret = _seed(settings)
        env = dict(os.environ, FLEX_INSTANCE_PATH=tmp, FLEX_DATABASE_URL=settings.database_url,
                   FLEX_RPC_URL=settings.rpc_url, FLEX_PORT=str(port), FLEX_HOST="127.0.0.1")
        server = subprocess.Popen(
            [sys.executable, "-c", "from marketplace.cli import main; main()", "api"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise click.ClickException(f"the API server exited: {server.stderr.read()[-2000:]}")
                try:
                    if requests.get(f"{base}/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise click.ClickException("the API server did not start within 60 s")
                time.sleep(0.1)
            token = requests.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(client_id, secret), timeout=10).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}

            say(f"registering {n_assets} assets in one bulk request ...")
            items = [_asset(i, feeders[i % len(feeders)]) for i in range(n_assets)]
            body = json.dumps({"items": items}).encode()
            t0 = time.perf_counter()
            reply = requests.post(f"{base}/assets/bulk", data=body, timeout=600,
                                  headers={**auth, "Content-Type": "application/json"})
            bulk_s = time.perf_counter() - t0
            result = reply.json()
            if reply.status_code != 200 or result["created"] != n_assets:
                raise click.ClickException(f"bulk registration failed: {reply.status_code} {str(result)[:500]}")
            listed = requests.get(f"{base}/assets?limit=1", headers=auth, timeout=10).json()["items"]
            first_id = listed[0]["id"]

            say(f"reading for {duration_s} s each with {clients} clients ...")
            health = _load(lambda rng: f"{base}/health", auth, clients, duration_s)
            span = max(1, n_assets - PAGE)
            assets = _load(lambda rng: f"{base}/assets?limit={PAGE}&after={first_id - 1 + rng.randrange(span)}",
                           auth, clients, duration_s)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if server.stderr:
                server.stderr.close()
        backend = "sqlite" if settings.effective_database_url.startswith("sqlite") else "postgresql"
    return {
        "bulk_registration": {
            "assets": n_assets, "request_bytes": len(body), "seconds": round(bulk_s, 3),
            "assets_per_s": round(n_assets / bulk_s, 1),
        },
        "reads": {"health": health, "asset_list": {**assets, "page_size": PAGE, "assets_in_database": n_assets}},
        "ratio": {
            "asset_list_vs_health_reads_per_s": round(assets["reads_per_s"] / health["reads_per_s"], 4)
            if health["reads_per_s"] else None,
            "asset_list_vs_health_p50": round(assets["p50_ms"] / health["p50_ms"], 2) if health["p50_ms"] else None,
        },
        "config": {"database": backend, "clients": clients, "duration_s": duration_s, "server": "waitress",
                   "threads": settings.threads, "cpus": os.cpu_count()},
    }


@click.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the figures (JSON).")
@click.option("--assets", "n_assets", type=click.IntRange(1, 10_000), default=10_000, show_default=True,
              help="Assets registered in the bulk request (and listed afterwards).")
@click.option("--duration", "duration_s", type=click.FloatRange(0.1, 120), default=5.0, show_default=True,
              help="Seconds of load per endpoint.")
@click.option("--clients", type=click.IntRange(1, 64), default=4, show_default=True, help="Concurrent client threads.")
@click.option("--database-url", default=None, help="Benchmark on this (empty) database instead of a temp SQLite file.")
def api(json_path: str, n_assets: int, duration_s: float, clients: int, database_url: str | None) -> None:
    """Reads per second and p50/p99 latency of the asset list beside a trivial endpoint, and a
    bulk registration of 10,000 assets, on a server started for the run on 127.0.0.1."""
    from marketplace.cli.chain import progress

    figures = run_benchmark(n_assets, duration_s, clients, database_url, progress)
    Path(json_path).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps(figures, indent=2))

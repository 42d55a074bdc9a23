"""``flexmarket bench market``: signed bids through the API, then gate closure to awards on chain.

On a fresh local anvil chain with freshly deployed contracts and a fresh database (SQLite in a
temporary folder, or ``--database-url``), set up without timing: an approved DSO with a
transformer (orange) and a short-term market, and ``--fsps`` (1,000) approved FSPs, each with
its own wallet holding the FSP role on chain, one prequalified battery in one bidding unit and
a machine client (OAuth2 bearer token). The DSO publishes one short-term request (escrowed by
its wallet) for ``--winners`` (100) x 1 kWh in one quarter-hour. Then:

1. ``bids``: through ``flexmarket api`` (waitress, started for the run on 127.0.0.1), each
   FSP submits one bid signed in its own wallet (EIP-712; the typed data was fetched from the
   API and signed beforehand), ``--clients`` keep-alive client threads in parallel: bids per
   second and p50/p99 latency of ``POST /requests/{id}/bids``, beside the same figures for the
   trivial ``GET /api/v1/health`` of the same server under the same load;
2. ``gate_close_to_awarded_s``: the chain's time passes the gate; the market's gate closure
   (what the scheduler and ``flexmarket close-gate`` run) closes the session, freezes the book
   and commits its root on chain, clears it, sends the award of the winners with one
   multiproof, records the agreements from the receipt and publishes the results — timed from
   the call until the request is awarded with every agreement stored. The awards are then
   checked on chain (each agreement's hash stored by the contract).

Goal: ``gate_close_to_awarded_s`` ≤ 10 s for 1,000 bids and 100 winners. Progress goes to
stderr, the figures (JSON) to stdout and ``--json``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import requests

from marketplace.bench import approved_participant
from marketplace.chain.node import free_port

GOAL_GATE_CLOSE_TO_AWARDED_S = 10
EUR = 1_000_000
BID_WH = 1_000  #: each FSP offers 1 kWh in the quarter-hour (4 kW)
PRICE_STEP = 10_000_000  #: 0.01 EUR/kWh, the short-term product's price resolution


def _percentile(sorted_values: list[float], pct: int) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, (len(sorted_values) * pct + 99) // 100 - 1))
    return sorted_values[k]


def _figures(latencies: list[float], errors: int, seconds: float, what: str) -> dict[str, Any]:
    flat = sorted(latencies)
    return {"requests": len(flat), "errors": errors, "seconds": round(seconds, 3),
            f"{what}_per_s": round(len(flat) / seconds, 1) if seconds else None,
            "p50_ms": round(_percentile(flat, 50) * 1000, 2), "p99_ms": round(_percentile(flat, 99) * 1000, 2)}


def _fire(jobs: list[Callable[[requests.Session], bool]], clients: int) -> tuple[list[float], int, float]:
    """Run every job once over ``clients`` keep-alive sessions; (latencies s, errors, wall s)."""
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        waiting.put(job)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    ready = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        with requests.Session() as s:
            ready.wait()
            while True:
                try:
                    job = waiting.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                ok = job(s)
                latencies[k].append(time.perf_counter() - t0)
                errors[k] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per], sum(errors), time.perf_counter() - t0


# ---------------------------------------------------------------------------------- setup
class World:
    """What the setup made: the chain, the database, the request and the FSPs' credentials."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)




def _grant_all(market, operator, addresses: list[str], role: int) -> None:
    """Grant ``role`` to every address: transactions pipelined, then the last receipt awaited."""
    chain = market.chain
    w3 = chain.w3
    nonce = w3.eth.get_transaction_count(operator.address, "pending")
    gas = chain.estimate(market.market.functions.grantRole(addresses[0], role), operator.address) * 2
    fee = 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9
    last = None
    for k, address in enumerate(addresses):
        tx = market.market.functions.grantRole(address, role).build_transaction({
            "from": operator.address, "nonce": nonce + k, "gas": gas, "chainId": chain.chain_id,
            "maxPriorityFeePerGas": 10**9, "maxFeePerGas": fee})
        last = chain.send_raw(operator.sign_transaction(tx).raw_transaction)
    receipt = chain.wait(last)
    if receipt["status"] != 1:
        raise click.ClickException("granting the FSP roles failed")


def setup(root: Path, database_url: str | None, n_fsps: int, n_winners: int, say) -> World:
    """The chain, the database, the DSO's published request and ``n_fsps`` ready FSPs (untimed)."""
    from eth_account import Account

    from marketplace import db
    from marketplace.chain import devkeys
    from marketplace.chain.client import Chain
    from marketplace.chain.deploy import DSO, FSP, deploy
    from marketplace.chain.market import MarketClient
    from marketplace.chain.node import AnvilNode
    from marketplace.clearing.model import Pricing
    from marketplace.domain import assets as asset_domain
    from marketplace.domain import auth, grid, participants
    from marketplace.domain.chain_gateway import ChainGateway
    from marketplace.market import catalogue
    from marketplace.market import requests as request_domain
    from marketplace.market.services import ChainClock, MarketServices
    from marketplace.models import Prequalification
    from marketplace.models.base import now_s
    from marketplace.models.enums import Direction, Grant, PrequalificationPath, PrequalificationStatus, Product
    from marketplace.models.market import Horizon, RequestSource, SessionMode
    from marketplace.schemas.assets import AssetIn, BiddingUnitIn
    from marketplace.schemas.grid import GridElementIn, TrafficLightIn
    from marketplace.schemas.market import MarketIn, RequestIn, SessionIn
    from marketplace.settings import Settings

    def v(model, body: dict):
        return model.model_validate_json(json.dumps(body))

    node = AnvilNode(free_port()).start()
    try:
        chain = Chain.connect(node.url, poll_latency=0.002)
        operator, dso_account = devkeys.dev_account(0), devkeys.dev_account(1)
        say(f"deploying the contracts on anvil ({node.url}) ...")
        deployment = deploy(chain, operator)
        settings = Settings(instance_path=root, database_url=database_url or "", rpc_url=node.url, clock="chain",
                            port=free_port(), poll_latency_s=0.002)
        deployment.save(settings.deployment_path)
        url = settings.effective_database_url
        db.upgrade(url)
        market = MarketClient(chain, deployment)
        services = MarketServices(db.Database(url), ChainGateway(settings, market=market, operator=operator),
                                  settings, clock=ChainClock(ChainGateway(settings, market=market, operator=operator)))
        fsp_accounts = [Account.create() for _ in range(n_fsps)]
        say(f"granting roles on chain to the DSO and {n_fsps} FSP wallets ...")
        market.grant_role(operator, dso_account.address, DSO)
        _grant_all(market, operator, [a.address for a in fsp_accounts], FSP)
        market.mint(operator, dso_account.address, 10**9 * EUR)
        now = chain.timestamp()
        start = now - now % 900 + 3 * 3600
        gate_close = now + 3600
        say(f"registering the DSO, its grid and market, and {n_fsps} FSPs with a battery, a bidding unit and a "
            "machine client each ...")
        with services.database.transaction() as s:
            participants.ensure_operator(s, operator.address, name="Bench market operator")
            dso = approved_participant(s, "dso", "Bench DSO", dso_account.address, None)
            s.flush()
            parent = None
            for kind, code in (("hv_mv_substation", "SS"), ("mv_feeder", "MV"), ("mv_lv_substation", "TR"),
                               ("lv_feeder", "LV")):
                parent = grid.create_element(s, dso, v(GridElementIn, {"kind": kind, "code": code, "name": code,
                                                                       "parent_id": parent})).id
                if kind == "mv_lv_substation":
                    transformer = parent
            feeder = parent
            grid.set_traffic_light(s, dso, transformer, v(TrafficLightIn, {"state": "orange",
                                                                            "valid_from": 1_600_000_000}))
            product = catalogue.product_by_code(s, "ENG_ST_UP_15MIN")
            m = catalogue.create_market(s, dso, v(MarketIn, {
                "name": "Bench TR", "grid_element_id": transformer, "valid_from": 0, "valid_until": 4_000_000_000,
                "product_ids": [product.id]}))
            sess = catalogue.create_session(s, dso, SessionIn(
                market_id=m.id, horizon=Horizon.SHORT_TERM, mode=SessionMode.AUCTION, pricing=Pricing.PAY_AS_BID,
                gate_open_at=now, gate_close_at=gate_close, delivery_start=start, delivery_end=start + 900),
                settings, now)
            session_id = sess.id
            cap = (n_fsps + 1) * PRICE_STEP
            request = request_domain.submit(s, dso, v(RequestIn, {
                "session_id": sess.id, "product": "ENG_ST_UP_15MIN", "price_cap_per_mwh": cap,
                "intervals": [{"start": start, "quantity_wh": n_winners * BID_WH}]}), RequestSource.API, now)
            request_id = request.id
            fsps = []
            for k, account in enumerate(fsp_accounts):
                fsp = approved_participant(s, "fsp", f"Bench FSP {k}", account.address, "aggregator")
                s.flush()
                ((asset_id, error),) = asset_domain.register(s, fsp, [v(AssetIn, {
                    "name": f"Battery {k}", "asset_type": "battery", "status": "operational", "voltage_level_v": 400,
                    "installed_generation_w": 10_000, "installed_consumption_w": 10_000, "active_import_w": 10_000,
                    "active_export_w": 10_000, "metering_point_id": f"ES-BENCH-{k:06d}", "grid_element_id": feeder,
                    "postal_code": "28012"})])
                if error is not None:
                    raise click.ClickException(f"asset {k}: {error}")
                unit = asset_domain.create_bidding_unit(s, fsp, BiddingUnitIn(name=f"Unit {k}", asset_ids=[asset_id]))
                s.add(Prequalification(asset_id=asset_id, product=Product.ST_ENERGY, direction=Direction.UP,
                                       path=PrequalificationPath.REVIEW, status=PrequalificationStatus.QUALIFIED,
                                       requested_at=now_s(), decided_at=now_s(), qualified_power_w=10_000))
                client, secret = auth.create_api_client(s, fsp, "bench bidder", Grant.TRADER)
                token, _ = auth.issue_token(s, client.client_id, secret, 24 * 3600, None)
                fsps.append({"account": account, "unit_id": unit.id, "token": token,
                             "price": (k + 1) * PRICE_STEP})
        say("validating the request and escrowing it with the DSO's wallet ...")
        with services.database.transaction() as s:
            op = _principal_of(s, operator.address)
            request_domain.validate(s, services, op, request_id)
        with services.database.transaction() as s:
            dso = _principal_of(s, dso_account.address)
            escrow = request_domain.escrow_transactions(s, services, dso, request_id, None)
        hashes = [_send(chain, dso_account, tx) for tx in escrow["transactions"]]
        with services.database.transaction() as s:
            dso = _principal_of(s, dso_account.address)
            published = request_domain.publish(s, services, dso, request_id, hashes[-1])
            if published.status.value != "published":
                raise click.ClickException(f"the request is {published.status.value}, not published")
        return World(node=node, chain=chain, market=market, services=services, settings=settings, fsps=fsps,
                     request_id=request_id, session_id=session_id, gate_close=gate_close, start=start,
                     operator=operator)
    except BaseException:
        node.stop()
        raise


def _principal_of(s, address: str):
    from sqlalchemy import select

    from marketplace.domain.principal import Principal
    from marketplace.models import User

    user = s.scalars(select(User).where(User.wallet_address == address)).one()
    return Principal(user=user, participant=user.participant, grant=user.grant)


def _send(chain, account, tx: dict) -> str:
    w3 = chain.w3
    full = {"to": tx["to"], "data": tx["data"], "value": tx["value"], "chainId": tx["chain_id"],
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            "gas": w3.eth.estimate_gas({"from": account.address, "to": tx["to"], "data": tx["data"]}) * 6 // 5,
            "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9}
    receipt = chain.wait(chain.send_raw(account.sign_transaction(full).raw_transaction))
    if receipt["status"] != 1:
        raise click.ClickException(f"{tx['purpose']} reverted")
    return "0x" + bytes(receipt["transactionHash"]).hex()


# ---------------------------------------------------------------------------------- server
class Server:
    """``flexmarket api`` (waitress) on 127.0.0.1 for the world's instance folder and chain."""

    def __init__(self, world: World) -> None:
        s = world.settings
        env = dict(os.environ, FLEX_INSTANCE_PATH=str(s.instance_path), FLEX_DATABASE_URL=s.database_url,
                   FLEX_RPC_URL=s.rpc_url, FLEX_PORT=str(s.port), FLEX_HOST="127.0.0.1", FLEX_CLOCK="chain",
                   FLEX_POLL_LATENCY_S="0.002")
        self.process = subprocess.Popen([sys.executable, "-c", "from marketplace.cli import main; main()", "api"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.base = f"http://127.0.0.1:{s.port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise click.ClickException(f"the API server exited: {self.process.stderr.read()[-2000:]}")
            try:
                if requests.get(f"{self.base}/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise click.ClickException("the API server did not start within 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


# ---------------------------------------------------------------------------------- the run
def _terms(world: World, fsp: dict) -> dict:
    return {"version": 1, "bidding_unit_id": fsp["unit_id"], "divisible": True, "price_per_mwh": fsp["price"],
            "intervals": [{"start": world.start, "quantity_wh": BID_WH}]}


def prepare_bids(world: World, base: str, clients: int) -> tuple[list[dict], float]:
    """Each FSP fetches its typed data from the API and signs it in its wallet (untimed)."""
    from eth_account import Account

    bodies: list[dict | None] = [None] * len(world.fsps)

    def job(k: int) -> Callable[[requests.Session], bool]:
        fsp = world.fsps[k]

        def run(s: requests.Session) -> bool:
            terms = _terms(world, fsp)
            reply = s.post(f"{base}/requests/{world.request_id}/bids/typed-data", timeout=60,
                           json={"terms": terms, "signer": fsp["account"].address},
                           headers={"Authorization": f"Bearer {fsp['token']}"})
            if reply.status_code != 200:
                raise click.ClickException(f"typed data for FSP {k}: {reply.status_code} {reply.text[:300]}")
            signatures = {leg["leg"]: "0x" + bytes(Account.sign_typed_data(
                fsp["account"].key, full_message=leg["typed_data"]).signature).hex() for leg in reply.json()["legs"]}
            bodies[k] = {"terms": terms, "signer": fsp["account"].address, "signatures": signatures}
            return True

        return run

    t0 = time.perf_counter()
    _fire([job(k) for k in range(len(world.fsps))], clients)
    return bodies, time.perf_counter() - t0


def submit_bids(world: World, base: str, bodies: list[dict], clients: int) -> dict[str, Any]:
    """Every FSP's signed bid, ``clients`` in parallel: bids/s, p50/p99 (every answer must be 201)."""
    refused: list[str] = []

    def job(k: int) -> Callable[[requests.Session], bool]:
        def run(s: requests.Session) -> bool:
            reply = s.post(f"{base}/requests/{world.request_id}/bids", json=bodies[k], timeout=60,
                           headers={"Authorization": f"Bearer {world.fsps[k]['token']}"})
            ok = reply.status_code == 201 and reply.json()["void_reason"] is None
            if not ok and len(refused) < 5:
                refused.append(f"{reply.status_code} {reply.text[:300]}")
            return ok

        return run

    latencies, errors, seconds = _fire([job(k) for k in range(len(bodies))], clients)
    out = _figures(latencies, errors, seconds, "bids")
    if refused:
        out["first_errors"] = refused
    return out


def health(base: str, count: int, clients: int) -> dict[str, Any]:
    def run(s: requests.Session) -> bool:
        return s.get(f"{base}/health", timeout=60).status_code == 200

    latencies, errors, seconds = _fire([run] * count, clients)
    return _figures(latencies, errors, seconds, "requests")


def close_and_award(world: World) -> dict[str, Any]:
    """Gate closure to results published and awarded, timed; then the awards checked on chain."""
    from sqlalchemy import func, select

    from marketplace.market import gate
    from marketplace.market.canonical import hex_bytes
    from marketplace.models import Agreement, FlexRequest

    chain = world.chain
    chain.travel(world.gate_close - chain.timestamp() + 1)
    t0 = time.perf_counter()
    done = gate.close_gate(world.services, world.session_id)
    seconds = time.perf_counter() - t0
    with world.services.database.new_session(writes=False) as s:
        request = s.get(FlexRequest, world.request_id)
        status = request.status.value
        agreements = s.scalars(select(Agreement).where(Agreement.request_id == world.request_id)).all()
        stored = s.scalar(select(func.count()).select_from(Agreement))
        ids = [a.agreement_id for a in agreements]
        leg = request.legs[0]
        awarded_tx, book_size, awarded_wh = leg.awarded_tx, leg.book_size, leg.awarded_wh
    fn = world.market.market.functions
    on_chain = sum(1 for a in ids if any(bytes(chain.call(fn.agreementHash(hex_bytes(a))))))
    gas = int(chain.w3.eth.get_transaction_receipt(awarded_tx)["gasUsed"]) if awarded_tx else None
    return {"gate_close_to_awarded_s": round(seconds, 3), "request_status": status, "session_status": done["status"],
            "book_size": book_size, "awarded_wh": awarded_wh, "agreements": len(agreements),
            "agreements_in_database": stored, "agreements_on_chain": on_chain, "award_gas_used": gas,
            "award_tx": awarded_tx}


def run_benchmark(n_fsps: int, n_winners: int, clients: int, database_url: str | None,
                  say: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    if n_winners > n_fsps:
        raise click.ClickException("--winners cannot exceed --fsps")
    with tempfile.TemporaryDirectory(prefix="flexmarket-bench-market-") as tmp:
        t0 = time.perf_counter()
        world = setup(Path(tmp), database_url, n_fsps, n_winners, say)
        try:
            setup_s = time.perf_counter() - t0
            say("starting flexmarket api (waitress) ...")
            server = Server(world)
            try:
                say(f"{n_fsps} FSPs fetch their typed data and sign it in their wallets ...")
                bodies, prepare_s = prepare_bids(world, server.base, clients)
                say(f"{n_fsps} signed bids through the API with {clients} clients ...")
                bids = submit_bids(world, server.base, bodies, clients)
                say(f"the same load on GET /health ...")
                trivial = health(server.base, n_fsps, clients)
            finally:
                server.stop()
            if bids["errors"]:
                raise click.ClickException(f"{bids['errors']} bids were refused: {bids.get('first_errors')}")
            say(f"gate closure: book committed, cleared, {n_winners} winners awarded on chain ...")
            closure = close_and_award(world)
        finally:
            world.services.database.dispose()
            world.node.stop()
        backend = "sqlite" if world.settings.effective_database_url.startswith("sqlite") else "postgresql"
    return {
        "bids": {**bids, "fsps": n_fsps, "endpoint": "POST /api/v1/requests/{id}/bids"},
        "health": {**trivial, "endpoint": "GET /api/v1/health"},
        "ratio": {"bids_vs_health_per_s": round(bids["bids_per_s"] / trivial["requests_per_s"], 4)
                  if trivial["requests_per_s"] else None},
        "gate_closure": {**closure, "bids": n_fsps, "winners": n_winners},
        "gate_close_to_awarded_s": closure["gate_close_to_awarded_s"],
        "goal_gate_close_to_awarded_s": GOAL_GATE_CLOSE_TO_AWARDED_S,
        "goal_met": closure["gate_close_to_awarded_s"] <= GOAL_GATE_CLOSE_TO_AWARDED_S,
        "setup_s": round(setup_s, 1), "prepare_s": round(prepare_s, 1),
        "config": {"database": backend, "fsps": n_fsps, "winners": n_winners, "clients": clients,
                   "server": "waitress", "threads": world.settings.threads, "chain": "anvil", "cpus": os.cpu_count()},
    }


@click.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="Where to write the figures (JSON).")
@click.option("--fsps", "n_fsps", type=click.IntRange(1, 5_000), default=1_000, show_default=True,
              help="FSPs, each submitting one signed bid.")
@click.option("--winners", "n_winners", type=click.IntRange(1, 1_000), default=100, show_default=True,
              help="Winning bids (the request asks for this many bids' quantity).")
@click.option("--clients", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Concurrent client threads submitting bids.")
@click.option("--database-url", default=None, help="Benchmark on this (empty) database instead of a temp SQLite file.")
def market(json_path: Path, n_fsps: int, n_winners: int, clients: int, database_url: str | None) -> None:
    """Signed bids per second and p50/p99 latency through the API (beside GET /health), then gate
    closure to awarded on a local anvil chain (goal: 10 s for 1,000 bids and 100 winners)."""
    from marketplace.cli.chain import progress

    figures = run_benchmark(n_fsps, n_winners, clients, database_url, progress)
    json_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps(figures, indent=2))

"""Helpers of the trading pages' browser tests (``test_trading_*.py``).

The trading flows move the chain's clock (gate closure, delivery, settlement), so these tests
serve the app with the market's clock on the chain (``clock="chain"``, as ``flexmarket demo``
does) and never roll the chain back between tests: a module's database and chain stay in
step, and each test opens its own session and request. Each actor (the DSO, the operator,
the charge-point operators) gets a browser context of its own with the test wallet on its dev
account and its session cookie; steps the tests take outside the browser (the scheduler's gate
closure, the meters, the oracle) go to the same server and database.

Screenshots go to ``test-artifacts/screenshots/<test>--<actor>-NN-<label>.png`` (gitignored).
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import waitress
from sqlalchemy import update

from marketplace.api.security import COOKIE
from marketplace.app import create_app
from marketplace.chain import devkeys
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.models import User
from marketplace.models.base import now_s
from marketplace.settings import Settings
from tests.browser.conftest import OPERATOR, SCREENSHOTS
from tests.browser.wallet import PROVIDER_JS, TestWallet
from tests.browser.world import ACCOUNTS, DAY

HOUR = 3600
Q = 900
EUR = 1_000_000
V = "/api/v1"


@dataclass
class TradingServer:
    url: str
    app: Any

    @property
    def services(self):
        return self.app.extensions["flexmarket.market"]


@contextmanager
def serve(browser_market, web_bundle):
    """The real app on a free loopback port with the market's clock on the chain."""
    settings = Settings(instance_path=browser_market.instance, rpc_url=browser_market.node.url,
                        database_url=browser_market.database_url, clock="chain")
    gateway = ChainGateway(settings, market=browser_market.client, operator=OPERATOR)
    app = create_app(test_config={"WEB_DIST_DIR": str(web_bundle), "FLEX_CHAIN_GATEWAY": gateway}, settings=settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, name="trading-live-server", daemon=True)
    thread.start()
    try:
        yield TradingServer(f"http://127.0.0.1:{server.effective_port}", app)
    finally:
        server.close()
        app.extensions["flexmarket.db"].dispose()


class ApiActor:
    """One world actor calling the live server's API with a fresh session (cookie + CSRF)."""

    def __init__(self, base_url: str, world, name: str) -> None:
        self.base_url, self.name = base_url, name
        self.token, self.csrf = world.start_session(name)
        self.http = requests.Session()

    def call(self, method: str, path: str, expect: int | None = 200, **kw) -> Any:
        headers = {"Cookie": f"{COOKIE}={self.token}", **kw.pop("headers", {})}
        if method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        reply = self.http.request(method, f"{self.base_url}{V}{path}", headers=headers, timeout=30, **kw)
        if expect is not None:
            assert reply.status_code == expect, (self.name, method, path, reply.status_code, reply.text[:800])
        return reply.json() if reply.headers.get("Content-Type", "").startswith("application/json") else reply

    def get(self, path: str, expect: int | None = 200, **kw) -> Any:
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, expect: int | None = 200, **kw) -> Any:
        return self.call("POST", path, expect, **kw)


@dataclass
class TradingWorld:
    """What the trading tests add to the browser world: the CPOs' chargers prequalified for
    short-term energy up and in bidding units, and the DSO's market at transformer TR-A21."""

    server: TradingServer
    world: Any
    market: Any  # tests.browser.conftest.BrowserMarket
    ids: dict[str, int] = field(default_factory=dict)

    def api(self, name: str) -> ApiActor:
        return ApiActor(self.server.url, self.world, name)

    def __getitem__(self, key: str) -> int:
        return self.ids.get(key) or self.world[key]

    def now(self) -> int:
        return self.market.chain.timestamp()

    def travel_to(self, t: int) -> None:
        if t > self.now():
            self.market.chain.travel(t - self.now())

    def delivery_day(self) -> int:
        """00:00 UTC of tomorrow by the wall clock: the world's forecasts cover it."""
        return (int(time.time()) // DAY + 1) * DAY

    def publish(self, body: dict, *, dso: str = "dso") -> dict:
        """A request submitted, validated and escrowed (by the DSO's key) through the API."""
        caller = self.api(dso)
        request = caller.post("/requests", 201, json=body)
        self.api("operator").post(f"/requests/{request['id']}/validate")
        escrow = caller.get(f"/requests/{request['id']}/escrow")
        for tx in escrow["transactions"]:
            tx_hash = send_prepared(self.market, devkeys.dev_account(ACCOUNTS[dso]), tx)
            if tx["purpose"].startswith("create"):
                request = caller.post(f"/requests/{request['id']}/publish", json={"tx_hash": tx_hash})
        assert request["status"] == "published", request
        return request

    def bid(self, fsp: str, request_id: int, terms: dict) -> dict:
        """A bid through the API, each leg signed with the FSP's dev key (eth-account)."""
        from eth_account import Account

        caller = self.api(fsp)
        prepared = caller.post(f"/requests/{request_id}/bids/typed-data", json={"terms": terms})
        key = devkeys.dev_account(ACCOUNTS[fsp]).key
        signatures = {
            leg["leg"]: "0x" + bytes(Account.sign_typed_data(key, full_message=leg["typed_data"]).signature).hex()
            for leg in prepared["legs"]}
        return caller.post(f"/requests/{request_id}/bids", 201, json={
            "terms": terms, "signer": devkeys.dev_account(ACCOUNTS[fsp]).address, "signatures": signatures})

    def st_request(self, start: int, *, quarters: int = 2, quantity_wh: int = 2_000, cap_eur: int = 200,
                   session: dict | None = None) -> tuple[dict, dict]:
        """A published short-term energy request at TR-A21 in a manual-pick session of its own."""
        session = session or self.new_session(start=start - HOUR, end=start + quarters * Q + HOUR)
        request = self.publish({"session_id": session["id"], "product": "ENG_ST_UP_15MIN",
                                "price_cap_per_mwh": cap_eur * EUR,
                                "intervals": [{"start": start + k * Q, "quantity_wh": quantity_wh}
                                              for k in range(quarters)]})
        return session, request

    def new_session(self, *, start: int, end: int, mode: str = "manual_pick", pricing: str = "pay_as_bid",
                    gate_open: int | None = None, gate_close_in: int = HOUR, horizon: str = "short_term",
                    market: str = "market_tr_a21") -> dict:
        """A session of the DSO's market at TR-A21, its gate open now (chain time)."""
        now = self.now()
        return self.api("dso").post("/sessions", 201, json={
            "market_id": self.ids[market], "horizon": horizon, "mode": mode, "pricing": pricing,
            "gate_open_at": now if gate_open is None else gate_open, "gate_close_at": now + gate_close_in,
            "delivery_start": start, "delivery_end": end})


def send_prepared(market, account, tx: dict) -> str:
    """Sign an unsigned transaction of the API with a dev key and send it (what a wallet does)."""
    w3 = market.chain.w3
    full = {"to": tx["to"], "data": tx["data"], "value": tx["value"], "chainId": tx["chain_id"],
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            "gas": w3.eth.estimate_gas({"from": account.address, "to": tx["to"], "data": tx["data"]}) * 6 // 5,
            "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9}
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(full).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
    assert receipt["status"] == 1, tx["purpose"]
    return "0x" + bytes(tx_hash).hex()


def grant_roles_in_db(database, names) -> None:
    """The world's users hold their roles on chain (conftest grants them); record it as the
    operator's approval does, so their wallets may sign bids and escrows."""
    with database.transaction() as s:
        s.execute(update(User).where(User.id.in_(names), User.chain_role_granted_at.is_(None))
                  .values(chain_role_granted_at=now_s()))


def build_trading_world(server: TradingServer, world, market) -> TradingWorld:
    tw = TradingWorld(server, world, market)
    grant_roles_in_db(server.services.database, [world.users[n] for n in ("dso", "dso2", "fsp", "cpo", "cpo2")])
    operator, dso = tw.api("operator"), tw.api("dso")
    for cpo, charger in (("cpo", "charger"), ("cpo2", "charger2")):
        fsp = tw.api(cpo)
        attempt = fsp.post("/prequalifications", 201, json={"asset_id": world[charger], "product": "st_energy",
                                                            "direction": "up", "path": "review"})
        dso.post(f"/prequalifications/{attempt['id']}/dso-review", json={"decision": "accepted"})
        operator.post(f"/prequalifications/{attempt['id']}/operator-review", json={"decision": "accepted"})
        tw.ids[f"{cpo}_unit"] = fsp.post("/bidding-units", 201, json={
            "name": f"{'Ricarica Uno' if cpo == 'cpo' else 'Ricarica Due'} chargers",
            "asset_ids": [world[charger]]})["id"]
    products = {p["code"]: p["id"] for p in operator.get("/products?limit=100")["items"]}
    tw.ids["product_st_up"] = products["ENG_ST_UP_15MIN"]
    tw.ids["market_tr_a21"] = dso.post("/markets", 201, json={
        "name": "Trafo Atocha", "grid_element_id": world["tr_a21"], "valid_from": 0, "valid_until": 4_000_000_000,
        "product_ids": [products["ENG_ST_UP_15MIN"]]})["id"]
    return tw


# ---------------------------------------------------------------------------------- browsers
@dataclass
class ActorPage:
    """One actor's browser context: its page, test wallet and screenshots."""

    name: str
    page: Any
    wallet: TestWallet
    base_url: str
    test: str
    shots: list = field(default_factory=list)

    def visit(self, path: str, *, ready: str = "body[data-page-ready]"):
        self.page.goto(self.base_url + path)
        if ready:
            self.page.wait_for_selector(ready, state="attached")
        self.shot(path.strip("/").split("?")[0].replace("/", "-") or "home")
        return self.page

    def shot(self, label: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (f"{self.test}--{self.name}-{len(self.shots):02d}-"
                              f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.png")
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path


class Actors:
    """Opens a browser context per actor (signed in, wallet on the actor's dev account)."""

    def __init__(self, browser, market, world, base_url: str, test: str) -> None:
        self.browser, self.market, self.world, self.base_url, self.test = browser, market, world, base_url, test
        self.contexts: list = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        for old in SCREENSHOTS.glob(f"{test}--*.png"):
            old.unlink()

    def open(self, name: str, *, signed_in: bool = True, account: int | None = None) -> ActorPage:
        index = ACCOUNTS.get(name, 9) if account is None else account
        wallet = TestWallet(self.market.node.url, self.market.chain.chain_id, index)
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.expose_function("__flexTestWalletRequest", wallet.handle)
        context.add_init_script(PROVIDER_JS)
        if signed_in:
            token, csrf = self.world.start_session(name)
            context.add_cookies([{"name": COOKIE, "value": token, "url": self.base_url}])
            context.add_init_script(
                f"try {{ localStorage.setItem('flexmarket.csrf', {json.dumps(csrf)}); }} catch {{}}")
        context.on("request", lambda r: None if r.url.startswith((self.base_url, "data:", "blob:"))
                   else self.outside.append(r.url))
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        wallet.page = page
        self.contexts.append(context)
        return ActorPage(name, page, wallet, self.base_url, self.test)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def reload_request(page) -> None:
    """Press the request page's Reload button and wait until the page has read everything again."""
    page.get_by_role("button", name="Reload").click()
    page.wait_for_selector("body:not([data-refreshing])", state="attached")


def oracle_account():
    """The world's meter oracle (its wallet holds METER_ORACLE on chain)."""
    return devkeys.dev_account(ACCOUNTS["oracle"])


# ---------------------------------------------------------------------------------- fixtures
# A test module imports these (``from tests.browser.trading_support import actors, live_server,
# trading, trading_server``): module-scoped like the conftest's chain and database, and
# ``live_server`` replaces the conftest's for that module (the chain clock).
@pytest.fixture(scope="module")
def trading_server(browser_market, browser_world, web_bundle):
    with serve(browser_market, web_bundle) as server:
        yield server


@pytest.fixture(scope="module")
def live_server(trading_server) -> str:
    return trading_server.url


@pytest.fixture(scope="module")
def trading(trading_server, browser_world, browser_market) -> TradingWorld:
    return build_trading_world(trading_server, browser_world, browser_market)


@pytest.fixture
def actors(request, browser, browser_market, browser_world, trading_server):
    """Browser contexts per actor for one test; fails on page errors or outside requests."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    opened = Actors(browser, browser_market, browser_world, trading_server.url, name)
    try:
        yield opened
    finally:
        opened.close()
    assert not opened.outside, f"a page asked for something outside the app: {opened.outside}"
    assert not opened.errors, f"uncaught errors in the pages: {opened.errors}"


# ---------------------------------------------------------------------------------- meters
#: The CPOs' chargers' metering points (tests/browser/world.py).
CHARGER_METERS = {"cpo": "IT001E0000001", "cpo2": "IT001E0000002"}


def delivers_in_full(meter: str, day: int, starts: list[int], quantity_wh: int) -> bool:
    """Whether the simulated charging station behind ``meter`` (as the dev market's simulated
    feed plays it, seed 0) delivers ``quantity_wh`` less consumption in each of ``starts``,
    judged like the oracle (pre-window baseline, 80 % success)."""
    from oracle import simulator, verdict
    from oracle.agreement import agreement_from_dict

    intervals = tuple((s, quantity_wh) for s in starts)
    simulation = simulator.simulate_meters({meter: "charging_station"}, seed=0, start=day, days=1,
                                           activations=[simulator.Activation((meter,), "up", intervals, 100)])
    result = verdict.verify(agreement_from_dict({
        "id": "0x" + "00" * 31 + "01", "direction": "up", "price_per_mwh": 100 * EUR, "meter_ids": [meter],
        "intervals": [{"start": s, "quantity_wh": q} for s, q in intervals], "baseline": {"method": "pre_window"},
        "success_threshold_pct": 80, "penalty_pct": 10, "guarantee": 0}), simulation.readings())
    return getattr(result, "success", False) and result.delivered_wh == quantity_wh * len(starts)


def deliverable_window(day: int, quantity_wh: int, *, prefer: int) -> tuple[int, str]:
    """Two consecutive quarter-hours of ``day`` (07:00-21:30 UTC) in which one CPO's charger can
    deliver ``quantity_wh`` each in full, the closest to ``prefer``; (first start, CPO)."""
    starts = sorted(range(day + 7 * HOUR, day + 21 * HOUR + 45 * 60, Q), key=lambda s: (abs(s - prefer), s))
    for first in starts:
        for cpo, meter in CHARGER_METERS.items():
            if delivers_in_full(meter, day, [first, first + Q], quantity_wh):
                return first, cpo
    raise AssertionError(f"no window on day {day} where a charger delivers {quantity_wh} Wh per quarter-hour")

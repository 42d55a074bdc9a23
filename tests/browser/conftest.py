"""Browser test fixtures: anvil + deployed contracts, a migrated database with the market
world (``tests/browser/world.py``), the real app on a live server — one of each per test
module —, Debian's Chromium driven by Playwright (one per session), and a page whose
``window.ethereum`` is the test wallet.

Screenshots of every page a test visits (``ui.visit``) and of each test's last state go to
``test-artifacts/screenshots/``. A test fails when the page throws an uncaught error or asks
for anything outside the live server (no CDN, nothing fetched from elsewhere).

The chain is rolled back after each test; the database is not (it is the module's): tests
in one module create what they need under names of their own.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import waitress

from marketplace import db
from marketplace.api.security import COOKIE
from marketplace.app import create_app
from marketplace.chain import devkeys
from marketplace.chain.client import Chain
from marketplace.chain.deploy import DSO, FSP, METER_ORACLE, deploy
from marketplace.chain.market import MarketClient
from marketplace.chain.node import REPO_ROOT, AnvilNode
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.settings import Settings
from tests.browser import world as world_module
from tests.browser.wallet import PROVIDER_JS, TestWallet
from tests.browser.world import ACCOUNTS, BrowserWorld

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
EUR = 1_000_000

#: Dev accounts the browser tests use (local-dev test keys): 1 a DSO, 6 an FSP, 9 a stranger
#: holding tokens but no role; the world (tests/browser/world.py) names the others.
DSO_INDEX, FSP_INDEX, STRANGER_INDEX = 1, 6, 9
DSO_TOKENS, FSP_TOKENS, STRANGER_TOKENS = 5_000 * EUR, 1_234_567_891, 0
#: Tokens of the charge-point operators (dev accounts 7 and 8) and of the second DSO (2).
CPO_TOKENS, DSO2_TOKENS = 1_000 * EUR, 5_000 * EUR
OPERATOR = devkeys.dev_account(0)


@dataclass
class BrowserMarket:
    node: AnvilNode
    chain: Chain
    client: MarketClient
    instance: Path
    database_url: str = ""

    def rpc(self, method: str, params: list | None = None):
        reply = requests.post(
            self.node.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout=10
        ).json()
        assert "error" not in reply, reply
        return reply["result"]

    def has_role(self, address: str, role: int) -> bool:
        """Whether ``address`` holds registry role ``role`` (DSO, FSP, METER_ORACLE) on chain."""
        return bool(self.client.market.functions.hasRole(address, role).call())


@pytest.fixture(scope="module")
def browser_market(tmp_path_factory) -> BrowserMarket:
    """Its own anvil node (per test module) with the contracts deployed, the world's roles
    granted on chain and tokens minted, and a migrated SQLite database in the instance folder."""
    instance = tmp_path_factory.mktemp("browser-instance")
    with AnvilNode() as node:
        chain = Chain.connect(node.url, poll_latency=0.005)
        deployment = deploy(chain, OPERATOR)
        deployment.save(Settings(instance_path=instance).deployment_path)
        client = MarketClient(chain, deployment)
        for name, role, tokens in (("dso", DSO, DSO_TOKENS), ("fsp", FSP, FSP_TOKENS), ("dso2", DSO, DSO2_TOKENS),
                                   ("cpo", FSP, CPO_TOKENS), ("cpo2", FSP, CPO_TOKENS), ("oracle", METER_ORACLE, 0)):
            address = devkeys.dev_account(ACCOUNTS[name]).address
            client.grant_role(OPERATOR, address, role)
            if tokens:
                client.mint(OPERATOR, address, tokens)
        url = f"sqlite:///{instance / 'flexmarket.sqlite'}"
        db.upgrade(url)
        yield BrowserMarket(node, chain, client, instance, url)


@pytest.fixture(scope="module")
def browser_world(browser_market) -> BrowserWorld:
    """The module's market world in the live server's database (see tests/browser/world.py)."""
    database = db.Database(browser_market.database_url)
    built = world_module.build(database, Settings(instance_path=browser_market.instance).documents_path)
    yield built
    database.dispose()


@pytest.fixture(scope="session")
def web_bundle(tmp_path_factory) -> Path:
    """The UI bundles built from the current sources into a temporary folder."""
    if not (REPO_ROOT / "node_modules" / "esbuild").is_dir():
        pytest.fail("the front-end packages are missing: run `npm ci` (make test does)")
    out = tmp_path_factory.mktemp("web") / "dist"
    done = subprocess.run(
        ["node", str(REPO_ROOT / "marketplace" / "web" / "build.mjs"), "--outdir", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def live_server(browser_market, browser_world, web_bundle) -> str:
    """The real app served by waitress on a free loopback port (per test module); its base URL.
    Role grants go through the module's chain client, so the tests' chain rollbacks reach the
    app's nonce cache too."""
    settings = Settings(instance_path=browser_market.instance, rpc_url=browser_market.node.url,
                        database_url=browser_market.database_url)
    gateway = ChainGateway(settings, market=browser_market.client, operator=OPERATOR)
    app = create_app(test_config={"WEB_DIST_DIR": str(web_bundle), "FLEX_CHAIN_GATEWAY": gateway}, settings=settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    app.extensions["flexmarket.db"].dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test runs scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data dir of its own.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class UI:
    """One test's page, wallet and helpers."""

    page: object
    wallet: TestWallet
    base_url: str
    market: BrowserMarket
    name: str
    world: BrowserWorld | None = None
    shots: list[Path] = field(default_factory=list)

    def visit(self, path: str, *, ready: str = "html[data-shell-ready]"):
        """Open ``path``, wait until the page's script is ready, and screenshot it."""
        self.page.goto(self.base_url + path)
        if ready:
            self.page.wait_for_selector(ready, state="attached")
        self.shot(path.strip("/").split("?")[0].replace("/", "-") or "home")
        return self.page

    def shot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}--{len(self.shots):02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def sign_in(self, actor: str) -> None:
        """Sign in as a world actor without the wallet round trip: a fresh session made in the
        database, its cookie in the browser and its CSRF token where lib/api.js keeps it. The
        test wallet switches to the actor's dev account. (The sign-in page's own test goes
        through the wallet.)"""
        token, csrf = self.world.start_session(actor)
        self.page.context.add_cookies([{"name": COOKIE, "value": token, "url": self.base_url}])
        if not self.page.url.startswith(self.base_url):
            self.page.goto(self.base_url + "/ui/config.json")
        self.page.evaluate("(token) => localStorage.setItem('flexmarket.csrf', token)", csrf)
        self.wallet.use_account(ACCOUNTS[actor])

    def sign_out(self) -> None:
        """Forget the session in this browser (cookie and CSRF token)."""
        self.page.context.clear_cookies()
        if self.page.url.startswith(self.base_url):
            self.page.evaluate("() => localStorage.removeItem('flexmarket.csrf')")


@pytest.fixture
def ui(request, browser, live_server, browser_market, browser_world) -> UI:
    """A fresh browser context with the test wallet (dev account 1, on the market's chain),
    signed out; the chain is rolled back after the test."""
    snapshot = browser_market.chain.snapshot()
    wallet = TestWallet(browser_market.node.url, browser_market.chain.chain_id, DSO_INDEX)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(8_000)
    context.expose_function("__flexTestWalletRequest", wallet.handle)
    context.add_init_script(PROVIDER_JS)
    outside: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:")) else outside.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    wallet.page = page
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for old in SCREENSHOTS.glob(f"{name}--*.png"):
        old.unlink()
    ui = UI(page, wallet, live_server, browser_market, name, browser_world)
    try:
        yield ui
        ui.shot("final")
    finally:
        context.close()
        browser_market.rpc("evm_setAutomine", [True])
        browser_market.chain.revert(snapshot)
    assert not outside, f"the page asked for something outside the app: {outside}"
    assert not errors, f"uncaught errors in the page: {errors}"

"""Fixtures and helpers of the operations pages' browser tests (tests/browser/test_operations_*.py).

Each test module gets its own market, built by the scripted scenario of ``flexmarket demo``
(:class:`marketplace.market.demo.Demo`): a fresh anvil node with the contracts deployed, a
fresh SQLite database, participants who signed up with their wallets and were approved, and
then the flows the module names in ``OPS_FLOWS`` (``"italy"``, ``"slovenia"``, ``"spain"``,
``"settle"``) — everything through the real API, the chain and the indexer. The scenario's
app is then served by waitress on a loopback port for Chromium. The chain is *not* rolled back
between tests (the database and the chain stay in step): tests of one module work on objects
of their own or build on each other in file order, as each module says.

Actors (the scenario's names; dev accounts as ``Demo.onboard`` assigns them): ``operator`` (0),
``dso_it`` (1), ``dso_si`` (2), ``dso_es`` (3), ``cpo_1``..``cpo_3`` (4-6), ``kol`` (7), ``epr``
(8), ``dca`` (9), ``age1`` (10), ``age2`` (11), ``oracle``.

``ops_ui`` is the ``ui`` fixture's twin for these markets (same checks: no uncaught page error,
nothing fetched from outside the app; screenshots under ``test-artifacts/screenshots/``), with
``sign_in(actor)`` opening a session for a scenario actor.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import waitress
from sqlalchemy import select

from marketplace.api.security import COOKIE
from marketplace.chain import devkeys
from marketplace.domain import auth
from marketplace.market.demo import DAY, HOUR, Actor, Demo
from marketplace.models import User
from tests.browser.conftest import SCREENSHOTS, UI, BrowserMarket
from tests.browser.wallet import PROVIDER_JS, TestWallet

Q = 900
EUR = 1_000_000

# Controls a keyboard user must reach and people must be able to name.
UNLABELLED_JS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => !el.closest('[hidden]') && el.labels.length === 0 && !el.getAttribute('aria-labelledby'))
  .map((el) => el.outerHTML.slice(0, 160))"""
UNNAMED_BUTTONS_JS = """() => [...document.querySelectorAll('button, a[href]')]
  .filter((el) => !el.closest('[hidden]') && !(el.getAttribute('aria-label') || el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 160))"""
TAB_STOPS_JS = """() => {
  const stops = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[hidden]')) continue;
    if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    el.dataset.opsStop = String(stops.length);
    stops.push(el.dataset.opsStop);
  }
  return stops;
}"""


@dataclass
class OpsWorld:
    """The module's scenario market and its live server."""

    demo: Demo
    base_url: str = ""

    def actor(self, name: str) -> Actor:
        return self.demo.actors[name]

    def participant(self, name: str) -> int:
        return self.demo.actors[name].participant_id

    def account_index(self, name: str) -> int:
        address = self.demo.actors[name].account.address
        return next(i for i in range(32) if devkeys.dev_account(i).address == address)

    def start_session(self, name: str, ttl_s: int = 8 * 3600) -> tuple[str, str]:
        """A fresh browser session for actor ``name``: (cookie token, CSRF token)."""
        address = self.demo.actors[name].account.address
        with self.demo.services.database.transaction() as s:
            user = s.scalars(select(User).where(User.wallet_address == address)).one()
            issued = auth.start_session(s, user, ttl_s)
            return issued.token, issued.csrf_token

    # ------------------------------------------------------------------ market steps (API)
    def now(self) -> int:
        return self.demo.now()

    def travel_to(self, t: int) -> None:
        self.demo.travel_to(t)


@dataclass
class OpsUI(UI):
    """``UI`` signed in as the scenario's actors."""

    ops: OpsWorld | None = None

    def sign_in(self, actor: str) -> None:
        token, csrf = self.ops.start_session(actor)
        self.page.context.clear_cookies()
        self.page.context.add_cookies([{"name": COOKIE, "value": token, "url": self.base_url}])
        if not self.page.url.startswith(self.base_url):
            self.page.goto(self.base_url + "/ui/config.json")
        self.page.evaluate("(token) => localStorage.setItem('flexmarket.csrf', token)", csrf)
        self.wallet.use_account(self.ops.account_index(actor))


@pytest.fixture(scope="module")
def ops_world(request, web_bundle):
    """The scenario market of the module (flows from the module's ``OPS_FLOWS``), served live."""
    root = Path(tempfile.mkdtemp(prefix="flexmarket-ops-"))
    demo = Demo(root, say=lambda _msg: None)
    server = None
    try:
        demo.start()
        demo.t0 = demo.now()
        demo.day = (demo.t0 // DAY + 2) * DAY
        demo.activations = []
        demo.onboard()
        demo.supply_before = demo.market.token.functions.totalSupply().call()
        for flow in getattr(request.module, "OPS_FLOWS", ()):
            getattr(demo, flow)()
        demo.app.config["WEB_DIST_DIR"] = str(web_bundle)
        server = waitress.create_server(demo.app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, name="ops-live-server", daemon=True).start()
        yield OpsWorld(demo, f"http://127.0.0.1:{server.effective_port}")
    finally:
        if server is not None:
            server.close()
        demo.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ops_ui(request, browser, ops_world) -> OpsUI:
    """A fresh browser context with the test wallet on the scenario's chain, signed out."""
    demo = ops_world.demo
    wallet = TestWallet(demo.node.url, demo.chain.chain_id, 1)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    context.expose_function("__flexTestWalletRequest", wallet.handle)
    context.add_init_script(PROVIDER_JS)
    outside: list[str] = []
    errors: list[str] = []
    base = ops_world.base_url
    context.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    wallet.page = page
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for old in SCREENSHOTS.glob(f"{name}--*.png"):
        old.unlink()
    market = BrowserMarket(demo.node, demo.chain, demo.market, demo.root)
    ui = OpsUI(page, wallet, base, market, name, None, ops=ops_world)
    try:
        yield ui
        ui.shot("final")
    finally:
        context.close()
    assert not outside, f"the page asked for something outside the app: {outside}"
    assert not errors, f"uncaught errors in the page: {errors}"


# ---------------------------------------------------------------------------------- helpers
def ready(ui: OpsUI, path: str):
    """Open one of the operations pages and wait for its script."""
    return ui.visit(path, ready="body[data-page-ready]")


def assert_accessible(page) -> None:
    """Every form control labelled, every button and link named, and the keyboard alone
    reaches every control (Tab walks them all, in order, without a trap)."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    assert page.evaluate(UNLABELLED_JS) == []
    assert page.evaluate(UNNAMED_BUTTONS_JS) == []
    stops = page.evaluate(TAB_STOPS_JS)
    assert stops, "no control to reach"
    page.evaluate("""() => {
      window.__opsReached = new Set();
      document.addEventListener('focusin',
        (e) => e.target.dataset?.opsStop && window.__opsReached.add(e.target.dataset.opsStop));
    }""")
    page.locator("main").focus()
    for _ in range(len(stops) + 5):
        page.keyboard.press("Tab")
    reached = set(page.evaluate("() => [...window.__opsReached]"))
    main_stops = set(page.evaluate(
        "() => [...document.querySelectorAll('main [data-ops-stop], aside [data-ops-stop], footer [data-ops-stop]')]"
        ".map((el) => el.dataset.opsStop)"))
    missing = main_stops - reached
    assert not missing, f"{len(missing)} controls of the page are not reachable by Tab"


def download_text(page, link) -> str:
    """Click a download link and return the downloaded file's text."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def ensure_after(world: OpsWorld, t: int) -> None:
    """Move the chain's clock to ``t`` (never back)."""
    world.travel_to(t)


__all__ = ["DAY", "EUR", "HOUR", "OpsUI", "OpsWorld", "Q", "assert_accessible", "download_text", "ensure_after",
           "ops_ui", "ops_world", "ready"]

"""Every page of ``marketplace.web.PAGES`` in Chromium, signed in as a viewer it is for:
landmarks, one heading, a working skip link, keyboard-only use with a visible focus in reading
order, and labelled controls in the accessibility tree. Pages added to PAGES later are covered
without touching this file (see ``PageSpec.test_as`` / ``test_path``). Each page's screenshot
is saved (``test-artifacts/screenshots/test_page_shell_*``).
"""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from playwright.sync_api import expect

from marketplace.web import PAGES, PageSpec, bp

pytestmark = pytest.mark.browser

#: The world actor (tests/browser/world.py) who signs in for a page needing one of these roles,
#: in order of preference.
ROLE_ACTORS = (("fsp", "fsp"), ("dso", "dso"), ("market_operator", "operator"), ("meter_oracle", "oracle"))


def viewer_for(spec: PageSpec) -> str | None:
    """Who opens the page in these tests: None for the public."""
    if spec.test_as is not None:
        return spec.test_as
    if spec.public_only or (spec.roles is None and not spec.signed_in):
        return None
    if spec.roles is None:
        return "fsp"
    return next(actor for role, actor in ROLE_ACTORS if role in spec.roles)


def path_of(spec: PageSpec) -> str:
    if spec.test_path is not None:
        return spec.test_path
    app = Flask(__name__)
    app.register_blueprint(bp)
    app.add_url_rule("/status", endpoint="status.status_page")
    with app.test_request_context():
        return url_for(f"web.{spec.name}")


def prepare_wallet_page(ui, page):
    """Show the wallet page's controls that appear once connected and after a signature."""
    page.locator("#wallet-connect").click()
    expect(page.locator("#w-account")).not_to_have_text("not connected")
    page.get_by_role("button", name="Sign bid").click()
    expect(page.locator("#w-bid-result")).to_be_visible()


#: Steps that bring out a page's hidden controls before it is walked.
PREPARE = {"wallet": prepare_wallet_page}

# Every element a keyboard user should reach: visible, enabled, in the tab order.
TAB_STOPS_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const stops = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[hidden]') || el.closest('details:not([open]) > :not(summary)')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    el.dataset.tabStop ??= String(stops.length);
    stops.push(el.dataset.tabStop);
  }
  return stops;
}"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const overflow = getComputedStyle(el);
  return {
    stop: el.dataset.tabStop ?? null,
    // Chromium gives a scrolling area without focusable content a tab stop of its own.
    scroller: /(auto|scroll)/.test(overflow.overflowX + overflow.overflowY)
      && (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight),
    describe: el.outerHTML.slice(0, 120),
    visible: el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""

CONTROL_ROLES = {"button", "checkbox", "combobox", "link", "listbox", "radio", "searchbox", "slider", "spinbutton", "switch", "textbox"}

UNLABELLED_JS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-labelledby') && !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML.slice(0, 120))"""


def open_page(ui, name: str):
    spec = PAGES[name]
    actor = viewer_for(spec)
    if actor is not None:
        ui.sign_in(actor)
    path = path_of(spec)
    page = ui.visit(path, ready="body[data-page-ready]")
    shown = page.locator("body").get_attribute("data-page")
    assert shown == name, (f"{path} showed the page {shown!r}, not {name!r}: give PageSpec({name!r}) a test_path "
                           "(and a test_as) that shows it")
    return page


def check_landmarks_and_skip_link(page):
    for role in ("banner", "navigation", "main", "complementary", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside main, not back in the header
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def check_keyboard_walk(page, name: str):
    """Tab until the focus has gone round the page once (past the end it wraps through the
    browser's own UI back to the first stop): every stop reached, in reading order, visibly."""
    stops = page.evaluate(TAB_STOPS_JS)
    assert len(stops) > 5
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    reached, invisible, outside = [], [], 0
    for _ in range(2 * len(stops) + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            outside += 1
            assert outside < 4, "Tab does not come back into the page"
            continue
        if reached and focused["stop"] == reached[0]:
            break
        if reached and focused["stop"] == reached[-1]:
            continue  # a control with inner fields keeps the focus for several presses
        if focused["stop"] is None and focused["scroller"]:
            continue  # the browser's own stop on a scrolling area: reachable, and fine
        assert focused["stop"] is not None, (
            f"Tab reached an element that is not a tab stop on {name}: {focused['describe']}")
        reached.append(focused["stop"])
        if not focused["visible"]:
            invisible.append(focused["describe"])
    missed = [page.evaluate(f"() => document.querySelector('[data-tab-stop=\"{s}\"]').outerHTML.slice(0, 120)")
              for s in stops if s not in reached]
    assert not missed, f"not reachable by Tab on {name}: {missed}"
    assert not invisible, f"focus not visible on {name}: {invisible}"
    start = reached.index("0")
    assert reached[start:] + reached[:start] == stops, f"tab order differs from reading order on {name}"


def check_labels(page, name: str):
    assert page.evaluate(UNLABELLED_JS) == [], f"form controls without a label on {name}"
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    controls = [n for n in tree if not n.get("ignored") and n.get("role", {}).get("value") in CONTROL_ROLES]
    assert len(controls) > 5
    unnamed = [(n["role"]["value"], n.get("backendDOMNodeId")) for n in controls
               if not n.get("name", {}).get("value", "").strip()]
    assert unnamed == [], f"controls without an accessible name on {name}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_shell_is_accessible_by_keyboard_with_labelled_controls(ui, name):
    page = open_page(ui, name)
    check_landmarks_and_skip_link(page)
    PREPARE.get(name, lambda ui, page: None)(ui, page)
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    check_labels(page, name)
    check_keyboard_walk(page, name)
    ui.shot(f"{name}-open")


def test_every_page_is_walked():
    """The walk above is parametrised by PAGES itself: nothing may hide from it."""
    assert {"signup", "signin", "organisation", "api_clients", "registrations", "participants", "audit", "assets",
            "bidding_units", "prequalifications", "grid", "transformers", "zones", "market", "wallet"} <= set(PAGES)


def test_public_is_sent_to_sign_in_and_a_wrong_role_is_refused_readably(ui):
    page = ui.visit("/operator/audit", ready="body[data-page-ready]")
    expect(page.locator("body")).to_have_attribute("data-page", "signin")
    assert "next=/operator/audit" in page.url
    ui.sign_in("fsp")
    reply = page.goto(ui.base_url + "/operator/audit")
    assert reply.status == 403
    page.wait_for_selector("body[data-page-ready]", state="attached")
    expect(page.locator("#refused-reason")).to_contain_text("This page is for market operator users")
    expect(page.locator("#refused-reason")).to_contain_text("Agregador Uno")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Assets")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(nav.get_by_role("link", name="Sign up")).to_have_count(0)
    ui.shot("refused")


def test_status_page_is_reached_from_the_shell(ui):
    page = ui.visit("/", ready="html[data-shell-ready]")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Status").click()
    expect(page.get_by_role("heading", name="FlexMarket", level=1)).to_be_visible()
    expect(page.locator("body")).to_contain_text(ui.market.client.market.address)
    ui.shot("status")

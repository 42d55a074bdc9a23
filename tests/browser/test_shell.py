"""The page shell in Chromium: landmarks, skip link, keyboard-only use, labelled controls."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = ["/", "/wallet", "/ui/components"]

# Every element a keyboard user should reach: visible, enabled, in the tab order.
TAB_STOPS_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const stops = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[hidden]')) continue;
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
  return {
    stop: el.dataset.tabStop ?? null,
    describe: el.outerHTML.slice(0, 120),
    visible: el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""

CONTROL_ROLES = {"button", "checkbox", "combobox", "link", "listbox", "radio", "searchbox", "slider", "spinbutton", "switch", "textbox"}

UNLABELLED_JS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-labelledby'))
  .map((el) => el.outerHTML.slice(0, 120))"""


def open_everything(ui, path):
    page = ui.visit(path, ready="body[data-page-ready]" if path != "/" else "html[data-shell-ready]")
    if path == "/wallet":  # show the controls that appear once connected and after a signature
        page.locator("#wallet-connect").click()
        expect(page.locator("#w-account")).not_to_have_text("not connected")
        page.get_by_role("button", name="Sign bid").click()
        expect(page.locator("#w-bid-result")).to_be_visible()
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    return page


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_landmarks_one_heading_and_a_working_skip_link(ui, path):
    page = ui.visit(path, ready="html[data-shell-ready]")
    for role in ("banner", "navigation", "main", "complementary", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside main, not back in the header
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_alone_reaches_every_control_with_a_visible_focus(ui, path):
    page = open_everything(ui, path)
    stops = page.evaluate(TAB_STOPS_JS)
    assert len(stops) > 5
    # Tab until the focus has gone round the whole page once (past the end it wraps through
    # the browser's own UI back to the first stop).
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
        assert focused["stop"] is not None, f"Tab reached an element that is not a tab stop: {focused['describe']}"
        reached.append(focused["stop"])
        if not focused["visible"]:
            invisible.append(focused["describe"])
    missed = [page.evaluate(f"() => document.querySelector('[data-tab-stop=\"{s}\"]').outerHTML.slice(0, 120)") for s in stops if s not in reached]
    assert not missed, f"not reachable by Tab on {path}: {missed}"
    assert not invisible, f"focus not visible on {path}: {invisible}"
    start = reached.index("0")
    assert reached[start:] + reached[:start] == stops, f"tab order differs from reading order on {path}"


@pytest.mark.parametrize("path", PAGES)
def test_every_form_control_has_an_accessible_name(ui, path):
    page = open_everything(ui, path)
    assert page.evaluate(UNLABELLED_JS) == []
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    controls = [n for n in tree if not n.get("ignored") and n.get("role", {}).get("value") in CONTROL_ROLES]
    assert len(controls) > 5
    unnamed = [(n["role"]["value"], n.get("backendDOMNodeId")) for n in controls if not n.get("name", {}).get("value", "").strip()]
    assert unnamed == [], f"controls without an accessible name on {path}"
    form_controls = [n for n in controls if n["role"]["value"] in {"textbox", "checkbox", "combobox", "searchbox"}]
    if path != "/":
        assert form_controls, "the page's form controls are in the accessibility tree"


def test_status_page_is_reached_from_the_shell(ui):
    page = ui.visit("/", ready="html[data-shell-ready]")
    expect(page.get_by_test_id("home-chain")).to_have_text("FlexMarket local chain (id 31337)")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Status").click()
    expect(page.get_by_role("heading", name="FlexMarket", level=1)).to_be_visible()
    expect(page.locator("body")).to_contain_text(ui.market.client.market.address)
    ui.shot("status")

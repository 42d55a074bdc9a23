"""The operations pages in Chromium, part 1: the catalogue and the calendar.

The operator adds and changes a product; a DSO initiates a market and opens a session, shown
in the sessions calendar; the operator validates and rejects requests in the validation
queue; the dashboard shows the auctions and each role's next steps; every operations page is
labelled and keyboard usable. The market: participants signed up and approved, no flow yet
(``OPS_FLOWS`` empty); each test creates what it works on.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.operations_support import (  # noqa: F401 (fixtures)
    DAY,
    EUR,
    HOUR,
    Q,
    assert_accessible,
    ops_ui,
    ops_world,
    ready,
)

pytestmark = pytest.mark.browser
OPS_FLOWS: tuple[str, ...] = ()


def utc(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def product(world, code: str) -> dict:
    items = world.actor("operator").get("/products?limit=1000")["items"]
    return next(p for p in items if p["code"] == code)


def grid_of(world, dso: str, prefix: str) -> dict[str, int]:
    """The DSO's grid (created once per module)."""
    cache = world.__dict__.setdefault("grids", {})
    if dso not in cache:
        cache[dso] = world.demo.grid(world.actor(dso), prefix)
    return cache[dso]


def market_of(world, dso: str, prefix: str, name: str) -> dict:
    grid = grid_of(world, dso, prefix)
    cache = world.__dict__.setdefault("markets", {})
    if name not in cache:
        ids = [product(world, "ENG_ST_UP_15MIN")["id"], product(world, "PWR_LT_UP_WEEKLY")["id"]]
        cache[name] = world.actor(dso).post("/markets", 201, json={
            "name": name, "grid_element_id": grid["mv_lv_substation"], "valid_from": 0, "valid_until": 4_000_000_000,
            "product_ids": ids})
    return cache[name]


def test_operator_adds_and_changes_a_product(ops_ui, ops_world):
    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/products")
    table = page.locator("#products")
    expect(table.locator("tbody tr", has_text="ENG_ST_UP_15MIN")).to_have_count(1)

    new = page.locator("#product-new")
    new.get_by_label("Code").fill("FIRM_UP_TEST")
    new.get_by_label("Name").fill("Firm activation up (test)")
    new.get_by_label("Category").select_option("lt_activation")
    new.get_by_label("Direction").select_option("up")
    new.get_by_label("Delivery block").select_option("15min")
    new.get_by_label("Minimum power").fill("2")
    new.get_by_label("Maximum power").fill("500")
    new.get_by_label("Quantity granularity").fill("0.5")
    new.get_by_label("Price resolution").fill("0.01")
    new.get_by_label("Preparation period").fill("5")
    new.get_by_label("Rest time, shortest").fill("15")
    new.get_by_label("Rest time, longest").fill("60")
    new.get_by_label("Activation duration").fill("30")

    # typed text that is not a number is explained next to its field; nothing is sent
    new.get_by_label("Maximum power").fill("a lot")
    new.get_by_role("button", name="Add product").click()
    expect(page.locator("#pn-max-power-error")).to_contain_text("“a lot” is not a non-negative number of kW")
    expect(page.locator("#pn-max-power")).to_have_attribute("aria-invalid", "true")
    codes = [p["code"] for p in ops_world.actor("operator").get("/products?limit=1000")["items"]]
    assert "FIRM_UP_TEST" not in codes

    new.get_by_label("Maximum power").fill("500")
    new.get_by_role("button", name="Add product").click()
    expect(page.locator("#notifications")).to_contain_text("Product FIRM_UP_TEST added")
    expect(table.locator("tbody tr", has_text="FIRM_UP_TEST")).to_contain_text("Firm activation up (test)")
    stored = product(ops_world, "FIRM_UP_TEST")
    assert (stored["category"], stored["direction"], stored["block"]) == ("lt_activation", "up", "15min")
    assert (stored["min_power_w"], stored["max_power_w"], stored["quantity_step_wh"]) == (2_000, 500_000, 500)
    assert stored["price_step"] == EUR // 100  # 0.01 EUR per MWh in base units
    assert (stored["preparation_s"], stored["rest_time_min_s"], stored["rest_time_max_s"]) == (300, 900, 3600)
    assert (stored["activation_duration_s"], stored["active"]) == (1800, True)

    # the same code again: the API's refusal, readable (the form was emptied after the success)
    expect(new.get_by_label("Code")).to_have_value("")
    new.get_by_label("Code").fill("FIRM_UP_TEST")
    new.get_by_label("Name").fill("Another one")
    new.get_by_role("button", name="Add product").click()
    expect(page.locator("#error-area-message")).to_contain_text("a product with code 'FIRM_UP_TEST' exists")
    expect(page.locator("#error-area-title")).to_have_text("Product not added")

    # change it: the form shows the stored limits; retire it
    page.get_by_role("button", name="Edit product FIRM_UP_TEST").click()
    edit = page.locator("#product-edit")
    expect(edit.get_by_label("Product")).to_be_focused()
    expect(edit.get_by_label("Preparation period")).to_have_value("5")
    expect(edit.get_by_label("Price resolution")).to_have_value("0.01")
    expect(edit.get_by_label("Quantity granularity")).to_have_value("0.5")
    expect(edit.get_by_label("Maximum power")).to_have_value("500")
    edit.get_by_label("Preparation period").fill("7.5")
    edit.get_by_label("Rest time, shortest").fill("90")  # above the longest: refused by the API
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("#error-area-message")).to_contain_text("the limits are not in order")
    edit.get_by_label("Rest time, shortest").fill("15")
    edit.get_by_label("Active (offered for new requests)").uncheck()
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("#notifications")).to_contain_text("Product FIRM_UP_TEST saved (retired)")
    expect(table.locator("tbody tr", has_text="FIRM_UP_TEST")).to_contain_text("retired")
    stored = product(ops_world, "FIRM_UP_TEST")
    assert (stored["preparation_s"], stored["rest_time_min_s"], stored["active"]) == (450, 900, False)
    ops_ui.shot("product-retired")


def test_only_the_operator_gets_the_product_forms(ops_ui):
    ops_ui.sign_in("dso_it")
    page = ready(ops_ui, "/products")
    expect(page.locator("#products tbody tr", has_text="PWR_LT_UP_WEEKLY")).to_have_count(1)
    expect(page.locator("#product-new")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit product PWR_LT_UP_WEEKLY")).to_have_count(0)


def test_dso_initiates_a_market_and_opens_a_session_shown_in_the_calendar(ops_ui, ops_world):
    grid = grid_of(ops_world, "dso_it", "IT")
    ops_ui.sign_in("dso_it")
    page = ready(ops_ui, "/markets")
    form = page.locator("#market-new")
    form.get_by_label("Name").fill("Trafo 19 flexibility")
    form.get_by_label("Grid element or zone").select_option(f"element:{grid['mv_lv_substation']}")
    form.get_by_role("button", name="Initiate market").click()
    expect(page.locator("#mn-products-error")).to_contain_text("Products traded: choose at least one.")
    form.get_by_label("ENG_ST_UP_15MIN (ENG ST UP 15 MIN)").check()
    form.get_by_label("PWR_LT_UP_WEEKLY (PWR LT UP WEEKLY)").check()
    form.get_by_role("button", name="Initiate market").click()
    expect(page.locator("#notifications")).to_contain_text("Market “Trafo 19 flexibility” initiated")
    row = page.locator("#markets tbody tr", has_text="Trafo 19 flexibility")
    expect(row).to_contain_text("IT-TR19")
    expect(row).to_contain_text("ENG_ST_UP_15MIN, PWR_LT_UP_WEEKLY")
    market = next(m for m in ops_world.actor("dso_it").get("/markets?limit=1000")["items"]
                  if m["name"] == "Trafo 19 flexibility")
    assert market["grid_element_id"] == grid["mv_lv_substation"] and market["dso_id"] == ops_world.participant("dso_it")
    assert sorted(market["product_ids"]) == sorted([product(ops_world, "ENG_ST_UP_15MIN")["id"],
                                                    product(ops_world, "PWR_LT_UP_WEEKLY")["id"]])

    now = ops_world.now()
    gate_open = (now // Q + 4) * Q
    delivery = (now // DAY + 3) * DAY
    page = ready(ops_ui, "/sessions")
    form = page.locator("#session-new")
    form.get_by_label("Market").select_option(label="Trafo 19 flexibility")
    form.get_by_label("Code").fill("LT-TRAFO19-TEST")
    form.get_by_label("Horizon").select_option("long_term")
    form.get_by_label("Winner selection").select_option("auction")
    form.get_by_label("Pricing").select_option("pay_as_clear")
    form.get_by_label("Gate opens (UTC)").fill(utc(now - 2 * HOUR))
    form.get_by_label("Gate closes (UTC)").fill(utc(now - HOUR))  # in the past: refused
    form.get_by_label("Delivery starts (UTC)").fill(utc(delivery + 6 * HOUR))
    form.get_by_label("Delivery ends (UTC)").fill(utc(delivery + 10 * HOUR))
    form.get_by_role("button", name="Open session").click()
    expect(page.locator("#error-area-message")).to_contain_text("the gate must close in the future")
    expect(page.locator("#error-area-title")).to_have_text("Session not opened")

    form.get_by_label("Gate opens (UTC)").fill(utc(gate_open))
    form.get_by_label("Gate closes (UTC)").fill(utc(gate_open + 2 * HOUR))
    form.get_by_label("Success threshold").fill("75")
    form.get_by_role("button", name="Open session").click()
    expect(page.locator("#notifications")).to_contain_text("Session LT-TRAFO19-TEST opened")
    session = next(s for s in ops_world.actor("dso_it").get(f"/sessions?market_id={market['id']}")["items"]
                   if s["code"] == "LT-TRAFO19-TEST")
    assert (session["gate_open_at"], session["gate_close_at"]) == (gate_open, gate_open + 2 * HOUR)
    assert (session["delivery_start"], session["delivery_end"]) == (delivery + 6 * HOUR, delivery + 10 * HOUR)
    assert (session["horizon"], session["pricing"]) == ("long_term", "pay_as_clear")
    assert session["success_threshold_pct"] == 75

    # the calendar shows the week of the gate opening: gate open and close on their day
    day = datetime.fromtimestamp(gate_open, UTC).strftime("%Y-%m-%d")
    cell = page.locator(f"#calendar-table td[data-day='{day}']")
    expect(cell).to_contain_text(f"{utc(gate_open)[11:]} gate opens: LT-TRAFO19-TEST (Trafo 19 flexibility)")
    expect(cell).to_contain_text("gate closes: LT-TRAFO19-TEST")
    # ... and the delivery in its week (typed date, keyboard only)
    delivery_day = datetime.fromtimestamp(delivery, UTC).strftime("%Y-%m-%d")
    page.get_by_label("Week containing (UTC date)").fill(delivery_day)
    page.get_by_label("Week containing (UTC date)").press("Enter")
    expect(page.locator(f"#calendar-table td[data-day='{delivery_day}']")).to_contain_text(
        "06:00–10:00 delivery: LT-TRAFO19-TEST")
    ops_ui.shot("calendar-delivery-week")
    page.get_by_role("button", name="Previous week").click()
    page.get_by_role("button", name="This week").click()
    expect(page.locator("#calendar-summary")).to_contain_text("Week of")

    # the operator sees it in the calendar; closing its gate before time is refused readably
    ops_ui.sign_in("operator")
    page = ready(ops_ui, f"/sessions?week={day}")
    expect(page.locator(f"#calendar-table td[data-day='{day}']")).to_contain_text("gate opens: LT-TRAFO19-TEST")
    expect(page.locator("#session-new")).to_have_count(0)
    page.get_by_role("button", name="Close the gate of session LT-TRAFO19-TEST now").click()
    expect(page.locator("#error-area-title")).to_have_text("Gate of LT-TRAFO19-TEST not closed")
    expect(page.locator("#error-area-message")).to_contain_text("The server refused")


def test_operator_validates_and_rejects_requests(ops_ui, ops_world):
    dso = ops_world.actor("dso_it")
    market = market_of(ops_world, "dso_it", "IT", "Trafo 19 validation")
    now = ops_world.now()
    start = (now // DAY + 2) * DAY + 18 * HOUR
    session = dso.post("/sessions", 201, json={
        "market_id": market["id"], "horizon": "short_term", "mode": "manual_pick", "pricing": "pay_as_bid",
        "gate_open_at": now, "gate_close_at": now + 6 * HOUR, "delivery_start": start, "delivery_end": start + 2 * Q})
    body = {"session_id": session["id"], "product": "ENG_ST_UP_15MIN", "price_cap_per_mwh": 200 * EUR,
            "intervals": [{"start": start, "quantity_wh": 4_000}, {"start": start + Q, "quantity_wh": 4_000}]}
    first = dso.post("/requests", 201, json=body)
    second = dso.post("/requests", 201, json={**body, "price_cap_per_mwh": 9_999 * EUR})

    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/operator/validation")
    queue = page.locator("#validation-queue")
    expect(queue.locator(f"tr[data-row-key='{first['id']}']")).to_contain_text("8 kWh up")
    expect(queue.locator(f"tr[data-row-key='{second['id']}']")).to_contain_text("9,999.00 EUR/MWh")
    expect(queue.get_by_role("link", name=f"Request {first['id']}", exact=True)).to_have_attribute(
        "href", f"/requests/{first['id']}")
    queue.locator(f"tr[data-row-key='{first['id']}'] summary").click()
    expect(queue.locator(f"tr[data-row-key='{first['id']}'] dl")).to_contain_text("e-distribuzione demo")
    ops_ui.shot("validation-queue")

    page.get_by_role("button", name=f"Validate request {first['id']}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Request {first['id']} validated")
    expect(queue.locator(f"tr[data-row-key='{first['id']}']")).to_have_count(0)
    assert dso.get(f"/requests/{first['id']}")["status"] == "validated"

    page.get_by_role("button", name=f"Reject request {second['id']}").click()
    expect(page.locator("#error-area-message")).to_contain_text(f"Request {second['id']}: give a reason to reject it.")
    assert dso.get(f"/requests/{second['id']}")["status"] == "submitted"
    page.get_by_label(f"Reason for rejecting request {second['id']}").fill("The price cap is far above the market's.")
    page.get_by_role("button", name=f"Reject request {second['id']}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Request {second['id']} rejected")
    rejected = dso.get(f"/requests/{second['id']}")
    assert (rejected["status"], rejected["status_reason"]) == ("rejected", "The price cap is far above the market's.")
    decided = page.locator("#validation-decided")
    expect(decided.locator(f"tr[data-row-key='{second['id']}']")).to_contain_text("far above")
    expect(decided.locator(f"tr[data-row-key='{first['id']}']")).to_contain_text("validated")
    expect(queue.locator("tr.empty")).to_contain_text("No request is waiting for validation.")


def test_dashboard_shows_auctions_and_each_roles_next_steps(ops_ui, ops_world):
    dso = ops_world.actor("dso_it")
    market = market_of(ops_world, "dso_it", "IT", "Trafo 19 dashboard")
    now = ops_world.now()
    start = (now // DAY + 2) * DAY + 20 * HOUR
    active = dso.post("/sessions", 201, json={
        "market_id": market["id"], "code": "ST-DASH-ACTIVE", "horizon": "short_term", "mode": "auction",
        "pricing": "pay_as_bid", "gate_open_at": now - 60, "gate_close_at": now + 5 * HOUR, "delivery_start": start,
        "delivery_end": start + 2 * Q})
    dso.post("/sessions", 201, json={
        "market_id": market["id"], "code": "ST-DASH-LATER", "horizon": "short_term", "mode": "auction",
        "pricing": "pay_as_bid", "gate_open_at": now + 3 * HOUR, "gate_close_at": now + 5 * HOUR,
        "delivery_start": start, "delivery_end": start + 2 * Q})
    waiting = dso.post("/requests", 201, json={
        "session_id": active["id"], "product": "ENG_ST_UP_15MIN", "price_cap_per_mwh": 150 * EUR,
        "intervals": [{"start": start, "quantity_wh": 2_000}]})

    page = ready(ops_ui, "/")  # the public
    expect(page.locator("#auctions-active")).to_contain_text("ST-DASH-ACTIVE")
    expect(page.locator("#auctions-upcoming")).to_contain_text("ST-DASH-LATER")
    expect(page.locator("#auctions-active")).not_to_contain_text("ST-DASH-LATER")
    expect(page.locator("#next-steps")).to_contain_text("Connect your wallet")
    expect(page.locator("#notes-summary")).to_have_count(0)

    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/")
    steps = page.locator("#next-steps")
    expect(steps).to_contain_text("wait for your validation")
    steps.get_by_role("link", name="Validate requests").click()
    page.wait_for_selector("body[data-page-ready]")
    expect(page.locator(f"#validation-queue tr[data-row-key='{waiting['id']}']")).to_have_count(1)

    ops_ui.sign_in("dso_it")
    page = ready(ops_ui, "/")
    expect(page.locator("#next-steps")).to_contain_text(f"of yours wait for the operator's validation")
    expect(page.locator("#next-steps")).to_contain_text("Open an auction session for one of your markets.")
    active_row = page.locator("#auctions-active tr", has_text="ST-DASH-ACTIVE")
    expect(active_row).to_contain_text("gate open: bids accepted")
    expect(active_row).to_contain_text(f"{waiting['id']}: ENG_ST_UP_15MIN up (submitted)")
    expect(page.locator("#notes-summary")).to_be_visible()

    ops_ui.sign_in("cpo_1")
    page = ready(ops_ui, "/")
    expect(page.locator("#next-steps")).to_contain_text("See how your bids did.")
    # an FSP does not see the DSO's unpublished request in the auctions
    # (the request's entry as the DSO saw it above; a bare "3:" would also match a time like 13:03)
    expect(page.locator("#auctions-active tr", has_text="ST-DASH-ACTIVE")).not_to_contain_text(
        f"{waiting['id']}: ENG_ST_UP_15MIN")


OPERATOR_PAGES = ["/", "/products", "/markets", "/sessions", "/operator/validation", "/qualifications", "/activations",
                  "/history", "/results", "/schedules", "/statements", "/disputes", "/notifications"]


@pytest.mark.parametrize("actor,paths", [
    ("operator", OPERATOR_PAGES),
    ("dso_it", ["/markets", "/sessions", "/activations", "/disputes"]),
])
def test_operations_pages_are_labelled_and_keyboard_usable(ops_ui, ops_world, actor, paths):
    market_of(ops_world, "dso_it", "IT", "Trafo 19 validation")
    ops_ui.sign_in(actor)
    for path in paths:
        page = ready(ops_ui, path)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)


def test_operations_pages_guard_roles(ops_ui, ops_world):
    """The public is sent to sign in; a signed-in viewer without the role reads why (HTTP 403);
    the navigation lists only the pages a viewer may open."""
    reply = ops_ui.page.goto(ops_world.base_url + "/statements?agreement=1")
    assert reply.status == 200 and "/signin" in ops_ui.page.url and "next=" in ops_ui.page.url
    ops_ui.sign_in("cpo_1")
    reply = ops_ui.page.goto(ops_world.base_url + "/operator/validation")
    assert reply.status == 403
    expect(ops_ui.page.locator("main")).to_contain_text("This page is for market operator users.")
    nav = ops_ui.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Statements")).to_have_count(1)
    expect(nav.get_by_role("link", name="Request validation")).to_have_count(0)
    ops_ui.shot("refused")
    ops_ui.sign_in("oracle")
    page = ready(ops_ui, "/notifications")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Results")).to_have_count(0)

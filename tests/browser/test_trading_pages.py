"""The trading pages in Chromium: the calendar of requests with its filters and offer counts,
the request form's readable refusals and file upload, cancellation, bids kept private between
FSPs, a wrong network and a rejected signature while bidding, new versions, void reasons and
withdrawal, and keyboard-only use with labelled controls.

Each test opens its own session and request on the module's chain (never rolled back: the
market's clock is the chain's, see tests/browser/trading_support.py). Screenshots go to
``test-artifacts/screenshots/test_*--<actor>-NN-<label>.png``.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.trading_support import (  # noqa: F401 (fixtures)
    EUR,
    HOUR,
    Q,
    actors,
    live_server,
    reload_request,
    trading,
    trading_server,
)
from tests.browser.world import BrowserWorld

pytestmark = pytest.mark.browser

UNLABELLED_JS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-labelledby') && !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML.slice(0, 120))"""
UNNAMED_BUTTONS_JS = """() => [...document.querySelectorAll('button, a[href]')]
  .filter((el) => !(el.getAttribute('aria-label') || el.textContent).trim())
  .map((el) => el.outerHTML.slice(0, 120))"""


def date_of(t: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).date().isoformat()


def open_request(actor, request_id: int):
    page = actor.visit(f"/requests/{request_id}")
    expect(page.locator("#r-status")).not_to_have_text("Loading…")
    return page


def bid_in_browser(page, price: str) -> None:
    page.locator("#r-bid-price").fill(price)
    page.get_by_role("button", name="Sign and submit bid").click()


def assert_labelled(page, where: str) -> None:
    assert page.evaluate(UNLABELLED_JS) == [], f"form controls without a label on {where}"
    assert page.evaluate(UNNAMED_BUTTONS_JS) == [], f"buttons or links without a name on {where}"


# ---------------------------------------------------------------------------------- calendar
def test_calendar_shows_requests_by_delivery_day_and_time_with_filters_and_offer_counts(actors, trading):
    day = trading.delivery_day()
    dso_api = trading.api("dso")
    _, up = trading.st_request(day + 8 * HOUR)
    # a second market, at TR-A11, trading the down product
    products = {p["code"]: p["id"] for p in dso_api.get("/products?limit=100")["items"]}
    market = dso_api.post("/markets", 201, json={"name": "Trafo Lavapiés", "grid_element_id": trading["tr_a11"],
                                                 "valid_from": 0, "valid_until": 4_000_000_000,
                                                 "product_ids": [products["ENG_ST_DOWN_15MIN"]]})
    trading.ids["market_tr_a11"] = market["id"]
    down_session = trading.new_session(start=day + 9 * HOUR, end=day + 12 * HOUR, market="market_tr_a11")
    down = trading.publish({"session_id": down_session["id"], "product": "ENG_ST_DOWN_15MIN",
                            "price_cap_per_mwh": 90 * EUR, "intervals": [
                                {"start": day + 10 * HOUR + k * Q, "quantity_wh": 3_000} for k in range(4)]})
    private = dso_api.post("/requests", 201, json={
        "session_id": down_session["id"], "product": "ENG_ST_DOWN_15MIN", "price_cap_per_mwh": 90 * EUR,
        "intervals": [{"start": day + 11 * HOUR, "quantity_wh": 1_000}]})
    trading.bid("cpo", up["id"], {"version": 1, "bidding_unit_id": trading["cpo_unit"], "divisible": False,
                                  "price_per_mwh": 150 * EUR, "intervals": [
                                      {"start": day + 8 * HOUR + k * Q, "quantity_wh": 2_000} for k in range(2)]})

    # the public: published requests only, by delivery day and time, no offer counts
    public = actors.open("public", signed_in=False)
    page = public.visit("/requests")
    rows = page.locator("#requests-list tbody tr")
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"]')).to_be_visible()
    expect(page.locator(f'#requests-list tr[data-row-key="{down["id"]}"]')).to_be_visible()
    expect(page.locator(f'#requests-list tr[data-row-key="{private["id"]}"]')).to_have_count(0)
    expect(page.locator('#requests-list th[data-key="offers"]')).to_have_count(0)
    cell = page.locator(f'#rq-week td[data-day="{date_of(day)}"]')
    entry = cell.locator(f'li[data-request-id="{up["id"]}"]')
    expect(entry).to_contain_text("08:00–08:30")
    expect(entry).to_contain_text("ENG_ST_UP_15MIN")
    expect(cell.locator(f'li[data-request-id="{down["id"]}"]')).to_contain_text("10:00–11:00")
    entry.get_by_role("link", name=f"Request {up['id']}").click()
    page.wait_for_url(re.compile(rf".*/requests/{up['id']}$"))
    expect(page.locator("#r-status")).to_contain_text("Published")
    expect(page.locator("#r-bid")).to_have_count(0)  # the public cannot bid
    page.go_back()
    page.wait_for_selector("body[data-page-ready]", state="attached")

    page.locator("#rq-filter-product").select_option("ENG_ST_DOWN_15MIN")
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"]')).to_have_count(0)
    expect(page.locator(f'#requests-list tr[data-row-key="{down["id"]}"]')).to_be_visible()
    expect(page.locator(f'#rq-calendar li[data-request-id="{up["id"]}"]')).to_have_count(0)
    assert "product=ENG_ST_DOWN_15MIN" in page.url  # the filter can be shared as a link
    public.shot("filtered-by-product")
    page.get_by_role("button", name="Clear filters").first.click()
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"]')).to_be_visible()
    page.get_by_role("button", name="Next week").click()
    expect(page.locator(f'#rq-calendar li[data-request-id="{up["id"]}"]')).to_have_count(0)
    page.get_by_role("button", name="Week of the next delivery").click()
    expect(page.locator(f'#rq-calendar li[data-request-id="{up["id"]}"]')).to_have_count(1)
    assert rows.count() >= 2

    # the DSO: its own unpublished request too, and the offers each has received
    dso = actors.open("dso")
    page = dso.visit("/requests")
    mine = page.locator(f'#requests-list tr[data-row-key="{private["id"]}"]')
    expect(mine).to_contain_text("submitted")
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"] td[data-key="offers"]')).to_have_text("1")
    expect(page.locator(f'#rq-calendar li[data-request-id="{up["id"]}"]')).to_contain_text("1 offer")
    page.locator("#rq-filter-status").select_option("submitted")
    expect(mine).to_be_visible()
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"]')).to_have_count(0)
    page.locator("#rq-filter-status").select_option("")
    page.locator("#rq-filter-element").select_option(f"element:{trading['tr_a11']}")
    expect(page.locator(f'#requests-list tr[data-row-key="{down["id"]}"]')).to_be_visible()
    expect(page.locator(f'#requests-list tr[data-row-key="{up["id"]}"]')).to_have_count(0)
    expect(page.locator("#rq-count")).to_contain_text("requests match the filters")
    assert_labelled(page, "/requests as the DSO")
    dso.shot("dso-filtered-by-element")
    expect(page.get_by_role("link", name="New request").first).to_be_visible()

    # an FSP sees no offer counts (the API refuses them too)
    fsp = actors.open("cpo")
    page = fsp.visit("/requests")
    expect(page.locator('#requests-list th[data-key="offers"]')).to_have_count(0)
    trading.api("cpo").get("/requests/offer-counts", expect=403)


# ---------------------------------------------------------------------------------- the form
def test_request_form_explains_refusals_attaches_documents_takes_files_and_cancels(actors, trading, tmp_path):
    day = trading.delivery_day()
    session = trading.new_session(start=day + 13 * HOUR, end=day + 15 * HOUR)
    dso = actors.open("dso")
    page = dso.visit("/requests/new")
    page.get_by_label("Market session").select_option(str(session["id"]))
    expect(page.locator("#nr-product")).to_have_value("ENG_ST_UP_15MIN")  # the only product of the market
    page.get_by_label("Delivery from (UTC, YYYY-MM-DD HH:MM)").fill(f"{date_of(day)} 13:00")
    page.get_by_label("Delivery until (UTC, exclusive)").fill(f"{date_of(day)} 13:40")
    page.get_by_role("button", name="Fill the quarter-hours").click()
    expect(page.locator("#error-area-message")).to_contain_text("must be on quarter-hours")
    expect(page.locator("#nr-from-error")).to_contain_text("must be on quarter-hours")
    page.get_by_label("Delivery until (UTC, exclusive)").fill(f"{date_of(day)} 13:30")
    page.get_by_role("button", name="Fill the quarter-hours").click()
    expect(page.locator("#nr-intervals-table tbody tr")).to_have_count(2)
    page.get_by_label("Maximum activation price (price cap)").fill("100")
    page.get_by_role("button", name="Submit for validation").click()
    # a refusal of the page: said in the error area and next to the field
    expect(page.locator("#error-area-title")).to_have_text("Request not submitted")
    expect(page.locator("#error-area-message")).to_contain_text("Give the energy of every quarter-hour")
    expect(page.locator("#nr-intervals-error")).to_be_visible()
    page.get_by_label("Energy per quarter-hour (kWh)").fill("1")
    page.get_by_role("button", name="Fill the quarter-hours").click()
    expect(page.locator(f"#nr-q-{day + 13 * HOUR}")).to_have_value("1")
    page.get_by_label("Minimum activation price (EUR per MWh)").fill("150")
    page.get_by_role("button", name="Submit for validation").click()
    # a refusal of the server: its message, readable
    expect(page.locator("#error-area-message")).to_contain_text(
        "The server refused: min_activation_price_per_mwh is above the price cap")
    dso.shot("refused")
    page.get_by_label("Minimum activation price (EUR per MWh)").fill("20")
    page.get_by_label("Minimal lead time (minutes)").fill("30")
    page.get_by_label("Commitment mandatory").check()
    pdf = tmp_path / "single-line-diagram.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    page.get_by_label("Documents (PDF or XML)").set_input_files(str(pdf))
    page.get_by_role("button", name="Submit for validation").click()
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    expect(page.locator("#r-status")).to_contain_text("waiting for the operator's validation")
    request_id = int(page.url.rsplit("/", 1)[1])
    stored = trading.api("dso").get(f"/requests/{request_id}")
    assert stored["min_activation_price_per_mwh"] == 20 * EUR and stored["minimal_lead_time_s"] == 1800
    assert stored["commitment_mandatory"] is True and stored["total_wh"] == 2_000
    expect(page.locator("#r-documents")).to_contain_text("single-line-diagram.pdf")
    assert [d["filename"] for d in stored["documents"]] == ["single-line-diagram.pdf"]
    expect(page.locator("#r-facts-list")).to_contain_text("30 min")

    # cancelled before gate closure, after a second thought
    page.get_by_role("button", name=f"Cancel request {request_id}").click()
    page.get_by_role("button", name="No, keep it").click()
    expect(page.locator("#r-status")).to_contain_text("waiting for the operator's validation")
    page.get_by_role("button", name=f"Cancel request {request_id}").click()
    page.get_by_role("button", name=f"Yes, cancel request {request_id}").click()
    expect(page.locator("#r-status")).to_contain_text("Cancelled")
    expect(page.locator("#r-cancel")).to_be_hidden()
    dso.shot("cancelled")

    # a request file: JSON, then XML
    body = {"session_id": session["id"], "product": "ENG_ST_UP_15MIN", "price_cap_per_mwh": 120 * EUR,
            "intervals": [{"start": day + 14 * HOUR, "quantity_wh": 3_000}]}
    upload = tmp_path / "request.json"
    upload.write_text(json.dumps(body))
    page = dso.visit("/requests/new")
    page.get_by_label("Request file (JSON or XML)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload request").click()
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    expect(page.locator("#r-facts-list")).to_contain_text("(file)")
    expect(page.locator("#r-total")).to_have_text("3 kWh")
    xml = tmp_path / "request.xml"
    xml.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<flex_request xmlns="urn:flexmarket:request:1">
  <session_id>{session["id"]}</session_id>
  <product>ENG_ST_UP_15MIN</product>
  <price_cap_per_mwh>{130 * EUR}</price_cap_per_mwh>
  <intervals><interval><start>{day + 14 * HOUR + Q}</start><quantity_wh>4000</quantity_wh></interval></intervals>
</flex_request>
""")
    page = dso.visit("/requests/new")
    page.get_by_label("Request file (JSON or XML)").set_input_files(str(xml))
    page.get_by_role("button", name="Upload request").click()
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    expect(page.locator("#r-total")).to_have_text("4 kWh")
    expect(page.locator("#r-cap")).to_have_text("130.00 EUR per MWh")
    # a file the server refuses stays on the form with its reason
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**body, "price_cap_per_mwh": "lots"}))
    page = dso.visit("/requests/new")
    page.get_by_label("Request file (JSON or XML)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload request").click()
    expect(page.locator("#error-area-title")).to_have_text("Request file not accepted")
    expect(page.locator("#error-area-message")).to_contain_text("The server refused")
    assert page.url.endswith("/requests/new")
    assert_labelled(page, "/requests/new")
    dso.shot("file-refused")


# ---------------------------------------------------------------------------------- bids
def test_an_fsp_never_sees_another_fsps_bids(actors, trading):
    day = trading.delivery_day()
    _, request = trading.st_request(day + 15 * HOUR)
    rid = request["id"]
    cpo = actors.open("cpo")
    page = open_request(cpo, rid)
    bid_in_browser(page, "150")
    expect(page.locator("#r-bid-result")).to_contain_text("signed and submitted")
    cpo2 = actors.open("cpo2")
    page2 = open_request(cpo2, rid)
    bid_in_browser(page2, "130")
    expect(page2.locator("#r-bid-result")).to_contain_text("signed and submitted")
    (own,) = trading.api("cpo").get(f"/bids?request_id={rid}")["items"]

    # on the page: only its own bid
    reload_request(page2)
    rows = page2.locator("#request-own-bids tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ricarica Due chargers")
    expect(rows).to_contain_text("130.00 EUR per MWh")
    expect(page2.locator("main")).not_to_contain_text("Ricarica Uno")
    expect(page2.locator("main")).not_to_contain_text("150.00 EUR per MWh")
    cpo2.shot("own-bid-only")
    # and through the API with the same browser session
    base = cpo2.base_url + "/api/v1"
    assert page2.request.get(f"{base}/bids/{own['id']}").status == 404
    listed = page2.request.get(f"{base}/bids?request_id={rid}").json()["items"]
    assert [b["signer_address"] for b in listed] == [BrowserWorld.account("cpo2").address]

    # the DSO sees how many offers, not what they are, before gate closure
    dso = actors.open("dso")
    page3 = open_request(dso, rid)
    expect(page3.locator("#r-offer-count")).to_contain_text("2 offers received so far")
    expect(page3.locator("#r-pick-form")).to_be_hidden()
    assert page3.request.get(f"{base}/bids?request_id={rid}").json()["items"] == []
    dso.shot("count-only")


def test_wrong_network_and_rejected_signature_while_bidding_then_new_version_void_and_withdrawal(actors, trading):
    day = trading.delivery_day()
    _, request = trading.st_request(day + 16 * HOUR)
    rid = request["id"]
    cpo = actors.open("cpo")
    cpo.wallet.start_on_chain(1)
    page = open_request(cpo, rid)
    bid_in_browser(page, "150")
    expect(page.locator("#error-area-title")).to_have_text("Bid not submitted")
    expect(page.locator("#error-area-message")).to_contain_text("Your wallet is on network 1")
    expect(page.locator("#error-area-message")).to_contain_text("switch network first")
    expect(page.locator("#error-area")).to_be_focused()
    assert "eth_signTypedData_v4" not in cpo.wallet.methods()
    assert trading.api("cpo").get(f"/bids?request_id={rid}")["items"] == []
    cpo.shot("wrong-network")
    page.locator("#r-bid").get_by_role("button", name="Switch network").click()
    expect(page.locator("#wallet-summary")).to_contain_text("FlexMarket local chain")
    expect(page.locator("#r-bid").get_by_role("button", name="Switch network")).to_be_hidden()

    cpo.wallet.reject_next(1)
    page.get_by_role("button", name="Sign and submit bid").click()
    expect(page.locator("#error-area-message")).to_have_text("You rejected the request in your wallet.")
    expect(page.locator("#r-bid-result")).to_have_text("")
    assert trading.api("cpo").get(f"/bids?request_id={rid}")["items"] == []
    cpo.shot("rejected")

    page.get_by_role("button", name="Sign and submit bid").click()
    expect(page.locator("#r-bid-result")).to_contain_text("(version 1) signed and submitted")
    expect(page.locator("#error-area")).to_be_hidden()
    (first,) = trading.api("cpo").get(f"/bids?request_id={rid}")["items"]

    # a new version: the modification is signed again
    page.get_by_role("button", name=f"Modify bid {first['id']}").click()
    expect(page.locator("#r-bid-price")).to_have_value("150")
    expect(page.locator("#r-bid-version")).to_contain_text("you sign version 2")
    page.locator(f"#r-bid-q-{day + 16 * HOUR}").fill("1")
    page.locator("#r-bid-price").fill("140")
    page.get_by_role("button", name="Sign and submit bid").click()
    expect(page.locator("#r-bid-result")).to_contain_text(
        f"(version 2) signed and submitted. It replaces bid {first['id']}.")
    bids = {b["version"]: b for b in trading.api("cpo").get(f"/bids?request_id={rid}")["items"]}
    assert bids[1]["status"] == "superseded" and bids[2]["status"] == "active"
    assert bids[2]["price_per_mwh"] == 140 * EUR and bids[2]["quantity_wh"] == 3_000
    expect(page.locator(f'#request-own-bids tr[data-row-key="{first["id"]}"]')).to_contain_text("superseded")
    assert len([m for m in cpo.wallet.methods() if m == "eth_signTypedData_v4"]) == 3  # rejected, v1, v2

    # above the cap: stored void, with its reason
    page.get_by_role("button", name=f"Modify bid {bids[2]['id']}").click()
    page.locator("#r-bid-price").fill("250")
    page.get_by_role("button", name="Sign and submit bid").click()
    expect(page.locator("#r-bid-result")).to_contain_text("is void: the price is above the request's cap")
    expect(page.locator("#r-bid-result")).to_contain_text("(price_above_cap)")
    void = trading.api("cpo").get(f"/bids?request_id={rid}&status=active")["items"][0]
    assert void["version"] == 3 and void["void_reason"] == "price_above_cap"
    void_cell = page.locator(f'#request-own-bids tr[data-row-key="{void["id"]}"] td[data-key="void_reason"]')
    expect(void_cell).to_contain_text("price_above_cap")
    cpo.shot("void")

    # withdrawn
    page.get_by_role("button", name=f"Withdraw bid {void['id']}").click()
    expect(page.locator(f'#request-own-bids tr[data-row-key="{void["id"]}"]')).to_contain_text("withdrawn")
    assert trading.api("cpo").get(f"/bids/{void['id']}")["status"] == "withdrawn"
    assert trading.api("dso").get(f"/requests/offer-counts?request_id={rid}")["items"] == []
    cpo.shot("withdrawn")


# ---------------------------------------------------------------------------------- keyboard
def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_bid_and_pick_with_the_keyboard_only_the_operator_sending_the_award(actors, trading):
    day = trading.delivery_day()
    session, request = trading.st_request(day + 17 * HOUR)
    rid = request["id"]
    cpo2 = actors.open("cpo2")
    page = open_request(cpo2, rid)
    assert_labelled(page, "a request's page as an FSP")
    page.locator("#r-reload").focus()
    tab_to(page, "#r-bid-price")
    page.keyboard.type("110")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#r-bid-result")).to_contain_text("signed and submitted")

    trading.travel_to(session["gate_close_at"] + 1)
    trading.api("operator").post(f"/sessions/{session['id']}/close-gate")
    dso = actors.open("dso")
    page = open_request(dso, rid)
    expect(page.locator("#r-pick-form")).to_be_visible()
    assert_labelled(page, "a request's page as the DSO after gate closure")
    (offer,) = trading.api("dso").get(f"/bids?request_id={rid}")["items"]
    page.locator("#r-reload").focus()
    tab_to(page, f"#r-pick-{offer['id']}")
    page.keyboard.press("Space")
    expect(page.locator(f"#r-pick-{offer['id']}")).to_be_checked()
    tab_to(page, "#r-pick-by")  # who sends the award: the arrow keys change the choice
    page.keyboard.press("ArrowDown")
    expect(page.locator("#r-pick-by")).to_have_value("operator")
    tab_to(page, "#r-pick-button")
    page.keyboard.press("Enter")
    expect(page.locator("#r-status")).to_contain_text("Awarded")
    dso.shot("awarded-by-keyboard")
    # the operator sent the award on the DSO's pick: nothing from the DSO's wallet
    assert "eth_sendTransaction" not in dso.wallet.methods()
    assert trading.api("dso").get(f"/requests/{rid}")["status"] == "awarded"
    (agreement,) = trading.api("dso").get(f"/agreements?request_id={rid}")["items"]
    assert agreement["fsp_address"] == BrowserWorld.account("cpo2").address

    operator = actors.open("operator")
    page = open_request(operator, rid)
    assert_labelled(page, "a request's page as the operator")
    expect(page.locator("#request-results tbody tr")).to_have_count(1)  # the operator sees every bid

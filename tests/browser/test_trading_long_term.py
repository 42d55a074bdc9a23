"""A long-term availability auction in the browser: the FSP qualifies its prequalified battery
for the DSO's request and deposits the guarantee from its wallet, the DSO (technical check) and
the operator (guarantee on chain) accept the qualification on the request's page, the FSP's
availability bid is signed in its wallet (one EIP-712 signature per on-chain leg), and after
gate closure and clearing both see the results with the order book and the merit-order curve.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.trading_support import (  # noqa: F401 (fixtures)
    EUR,
    HOUR,
    actors,
    live_server,
    reload_request,
    trading,
    trading_server,
)
from tests.browser.world import BrowserWorld

pytestmark = pytest.mark.browser

FSP = BrowserWorld.account("fsp")
GUARANTEE_PER_MW = 50 * EUR


def test_long_term_qualification_with_the_guarantee_from_the_wallet_then_results(actors, trading):
    day = trading.delivery_day()
    operator, dso_api, fsp_api = trading.api("operator"), trading.api("dso"), trading.api("fsp")
    # the FSP's battery (8 kW, on TR-A11's feeder) prequalified for long-term availability up
    attempt = fsp_api.post("/prequalifications", 201, json={
        "asset_id": trading["battery"], "product": "lt_availability", "direction": "up", "path": "review"})
    dso_api.post(f"/prequalifications/{attempt['id']}/dso-review", json={"decision": "accepted"})
    operator.post(f"/prequalifications/{attempt['id']}/operator-review", json={"decision": "accepted"})
    unit = fsp_api.post("/bidding-units", 201, json={"name": "Battery Lavapiés unit",
                                                     "asset_ids": [trading["battery"]]})
    products = {p["code"]: p["id"] for p in operator.get("/products?limit=100")["items"]}
    trading.ids["market_lt"] = dso_api.post("/markets", 201, json={
        "name": "Lavapiés long term", "grid_element_id": trading["tr_a11"], "valid_from": 0,
        "valid_until": 4_000_000_000, "product_ids": [products["PWR_LT_UP_WEEKLY"]]})["id"]
    now = trading.now()
    session = trading.new_session(start=day, end=day + 86_400, horizon="long_term", mode="auction",
                                  pricing="pay_as_clear", gate_open=now + HOUR, gate_close_in=2 * HOUR,
                                  market="market_lt")
    date = datetime.fromtimestamp(day, UTC).date().isoformat()
    request = trading.publish({
        "session_id": session["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 8_000,
        "price_cap_per_mwh": 300 * EUR, "availability_price_cap_per_mw_h": 30 * EUR, "estimated_activation_hours": 1,
        "service_window": {"start_date": date, "end_date": date, "start_period_s": 17 * HOUR,
                           "end_period_s": 19 * HOUR}})
    rid = request["id"]

    # --- the FSP qualifies the battery; its wallet deposits the guarantee
    fsp = actors.open("fsp")
    page = fsp.visit(f"/requests/{rid}")
    expect(page.locator("#r-qualify")).to_be_visible()
    page.get_by_label("Prequalified asset").select_option(str(trading["battery"]))
    page.get_by_label("Qualified power (kW)").fill("8")
    guarantee_before = trading.market.client.guarantee_of(FSP.address)[0]  # (total, locked)
    page.get_by_role("button", name="Qualify and deposit the guarantee").click()
    steps = page.locator("#r-qualify-steps li")
    expect(steps.last).to_contain_text("Confirmed", timeout=15_000)
    expect(steps.first).to_contain_text("Confirmed")
    purposes = [t.lower() for t in steps.all_text_contents()]
    assert any("guarantee" in p for p in purposes), purposes
    own = page.locator("#request-own-qualifications tbody tr")
    expect(own).to_have_count(1)
    expect(own).to_contain_text("8 kW")
    expect(own).to_contain_text(f"{8_000 * GUARANTEE_PER_MW // 1_000_000 / EUR:.2f} EUR")
    expect(own).to_contain_text("pending")
    fsp.shot("qualification-requested")
    deposited = trading.market.client.guarantee_of(FSP.address)[0] - guarantee_before
    assert deposited == 8_000 * GUARANTEE_PER_MW // 1_000_000

    # --- the DSO checks the asset, the operator the guarantee, on the request's page
    dso = actors.open("dso")
    dso_page = dso.visit(f"/requests/{rid}")
    (q,) = fsp_api.get(f"/qualifications?request_id={rid}")["items"]
    dso_page.get_by_role("button", name=f"Accept qualification {q['id']}").click()
    expect(dso_page.locator(f'#request-qualification-reviews tr[data-row-key="{q["id"]}"]')).to_contain_text("accepted")
    dso.shot("dso-review")
    op = actors.open("operator")
    op_page = op.visit(f"/requests/{rid}")
    op_page.get_by_role("button", name=f"Accept qualification {q['id']}").click()
    expect(op_page.locator(f'#request-qualification-reviews tr[data-row-key="{q["id"]}"]')).to_contain_text("qualified")
    assert fsp_api.get(f"/qualifications/{q['id']}")["status"] == "qualified"

    # --- the auction opens; the FSP's availability bid, one signature per leg
    trading.travel_to(session["gate_open_at"] + 1)
    reload_request(page)
    expect(page.locator("#r-bid-availability")).to_be_visible()
    expect(page.locator("#r-bid-capacity")).to_have_value("8")  # the required capacity
    page.locator("#r-bid-unit").select_option(str(unit["id"]))
    page.get_by_label("Availability price (EUR per MW and hour)").fill("20")
    page.get_by_label("Activation price (EUR per MWh)").fill("100")
    page.get_by_label("Rest time between activations (minutes)").fill("60")
    page.get_by_label("Maximum consecutive activations").fill("1")
    page.get_by_role("button", name="Sign and submit bid").click()
    expect(page.locator("#r-bid-result")).to_contain_text("(version 1) signed and submitted")
    assert len([m for m in fsp.wallet.methods() if m == "eth_signTypedData_v4"]) == 2  # availability + activation
    (bid,) = fsp_api.get(f"/bids?request_id={rid}")["items"]
    assert bid["void_reason"] is None and bid["availability_price_per_mw_h"] == 20 * EUR
    assert bid["rest_time_s"] == 3_600 and bid["max_consecutive_activations"] == 1
    assert {leg["leg"] for leg in bid["legs"]} == {"availability", "activation"}
    fsp.shot("bid")

    # --- gate closure: books committed, clearing, award; results for both
    trading.travel_to(session["gate_close_at"] + 1)
    operator.post(f"/sessions/{session['id']}/close-gate")
    assert fsp_api.get(f"/requests/{rid}")["status"] == "awarded"
    reload_request(page)
    expect(page.locator("#r-status")).to_contain_text("Awarded")
    result = page.locator("#request-results tbody tr")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("accepted")
    expect(result).to_contain_text("Battery Lavapiés unit")
    expect(page.locator("#results-orderbook-chart canvas")).to_have_count(1)
    expect(page.locator("#results-merit-chart canvas")).to_have_count(1)
    expect(page.locator("#request-agreements tbody tr")).to_have_count(2)  # availability and activation
    expect(page.get_by_role("button", name=f"Modify bid {bid['id']}")).to_have_count(0)  # the gate has closed
    expect(page.locator("#r-results-facts")).to_contain_text("20.00 EUR per MW and hour")
    fsp.shot("results")
    reload_request(dso_page)
    expect(dso_page.locator("#r-winners")).to_have_text("1")
    expect(dso_page.locator("#request-results tbody tr")).to_contain_text("Battery Lavapiés unit")
    dso.shot("results")

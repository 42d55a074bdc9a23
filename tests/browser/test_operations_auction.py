"""The operations pages in Chromium, part 2: a long-term auction's qualification and results.

A Spanish-style long-term availability auction (pay-as-bid): the DSO's request is published
through the API (validated by the operator, escrowed by the DSO's wallet); two FSPs qualify
assets through the API and deposit their guarantees from their wallets; the DSO's technical
validation and the operator's guarantee validation happen in the qualification queues in the
browser. Then the FSPs bid (signed with their wallets), the gate closes, and the results views
are checked per role: results by session, history of concluded requests with all visible
offers and the winner (7/14/30 days, CSV), schedules; and an FSP never sees the other FSP's
bids, results or statements.

Tests build on each other in file order; the fixtures complete what an earlier test would
have done when a test runs alone.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.operations_support import (  # noqa: F401 (fixtures)
    DAY,
    EUR,
    HOUR,
    Q,
    download_text,
    ops_ui,
    ops_world,
    ready,
)

pytestmark = pytest.mark.browser
OPS_FLOWS: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def lt_auction(ops_world) -> dict:
    """A published long-term availability request with three qualifications waiting for review:
    AGE1's battery (8 kW) and two of AGE2's (4 kW each)."""
    demo = ops_world.demo
    dso, age1, age2 = demo.actors["dso_es"], demo.actors["age1"], demo.actors["age2"]
    grid = demo.grid(dso, "ES")
    lt = [("lt_availability", "up")]
    u1 = demo.unit(age1, grid["lv_feeder"], ["BAT-0008", "BAT-0009"], "battery", "UOL1_AGE1", 8_000, lt)
    u2 = demo.unit(age2, grid["lv_feeder"], ["BAT-0010", "BAT-0011"], "battery", "UOL3_AG1", 8_000, lt)
    zone = dso.post("/zones", 201, json={"name": "Crevillent", "province": "Alicante", "postal_codes": ["28012"]})
    market = dso.post("/markets", 201, json={"name": "Crevillent LT", "zone_id": zone["id"], "valid_from": 0,
                                              "valid_until": 4_000_000_000,
                                              "product_ids": [demo.product("PWR_LT_UP_WEEKLY")]})
    now = demo.now()
    session = demo.session(dso, market["id"], horizon="long_term", mode="auction", pricing="pay_as_bid",
                           gate_open=now + HOUR, gate_close=now + 2 * HOUR, start=demo.day, end=demo.day + DAY)
    date = datetime.fromtimestamp(demo.day, UTC).date().isoformat()
    request = demo.publish(dso, {
        "session_id": session["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 8_000,
        "price_cap_per_mwh": 30 * EUR, "availability_price_cap_per_mw_h": 25 * EUR, "estimated_activation_hours": 1,
        "service_window": {"start_date": date, "end_date": date, "start_period_s": 12 * HOUR,
                           "end_period_s": 16 * HOUR}})
    quals = {}
    for key, fsp, unit, k, power in (("age1", age1, u1, 0, 8_000), ("age2", age2, u2, 0, 4_000),
                                     ("age2_extra", age2, u2, 1, 4_000)):
        asset = demo.asset_ids(fsp, unit)[k]
        q = fsp.post(f"/requests/{request['id']}/qualifications", 201,
                     json={"asset_id": asset, "qualified_power_w": power})
        for tx in q["deposit_transactions"]:  # the guarantee, from the FSP's wallet
            demo.send(fsp.account, tx)
        quals[key] = q
    return {"session": session, "request": request, "units": {"age1": u1, "age2": u2}, "quals": quals}


def qualification(world, key_id: int) -> dict:
    return world.actor("operator").get(f"/qualifications/{key_id}")


def test_lt_qualification_is_validated_by_the_dso_and_the_operator_in_the_queues(ops_ui, ops_world, lt_auction):
    quals = lt_auction["quals"]
    q1, q2, q3 = quals["age1"]["id"], quals["age2"]["id"], quals["age2_extra"]["id"]

    # the FSP's dashboard points at the request open for qualification
    ops_ui.sign_in("age1")
    page = ready(ops_ui, "/")
    step = page.locator("#next-steps li", has_text="open for qualification until the auction opens")
    expect(step.get_by_role("link", name=f"request {lt_auction['request']['id']}")).to_have_attribute(
        "href", f"/requests/{lt_auction['request']['id']}")

    # the FSP sees its own qualification, waiting; never the other FSP's
    page = ready(ops_ui, "/qualifications")
    mine = page.locator("#qualifications-all")
    expect(mine.locator(f"tr[data-row-key='{q1}']")).to_contain_text("pending")
    expect(mine.locator(f"tr[data-row-key='{q1}']")).to_contain_text("8 kW")
    expect(mine.locator(f"tr[data-row-key='{q2}']")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Accept qualification {q1}")).to_have_count(0)

    # the DSO: technical validation (a rejection needs a reason)
    ops_ui.sign_in("dso_es")
    page = ready(ops_ui, "/qualifications")
    queue = page.locator("#dso-queue-table")
    for q in (q1, q2, q3):
        expect(queue.locator(f"tr[data-row-key='{q}']")).to_have_count(1)
    expect(queue.locator(f"tr[data-row-key='{q1}']")).to_contain_text("AGE1_LP demo")
    ops_ui.shot("dso-queue")
    page.get_by_role("button", name=f"Accept qualification {q1}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Qualification {q1}: technical validation accepted")
    page.get_by_role("button", name=f"Accept qualification {q2}").click()
    expect(queue.locator(f"tr[data-row-key='{q2}']")).to_have_count(0)
    page.get_by_role("button", name=f"Reject qualification {q3}").click()
    expect(page.locator("#error-area-message")).to_contain_text(f"Qualification {q3}: give a reason to reject it.")
    reason = "Asset BAT-0011 is on a feeder under maintenance."
    page.get_by_label(f"Reason for rejecting qualification {q3}").fill(reason)
    page.get_by_label(f"Reason for rejecting qualification {q3}").press("Enter")  # keyboard submits
    expect(queue.locator("tr.empty")).to_contain_text("Nothing waits for your validation.")
    assert qualification(ops_world, q1)["dso_decision"] == "accepted"
    rejected = qualification(ops_world, q3)
    assert (rejected["status"], rejected["dso_reason"]) == ("rejected", reason)
    assert qualification(ops_world, q1)["status"] == "pending"  # the operator has not decided yet

    # the operator: guarantee validation (checked on chain)
    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/qualifications")
    queue = page.locator("#operator-queue-table")
    expect(queue.locator(f"tr[data-row-key='{q3}']")).to_have_count(0)  # already rejected by the DSO
    row = queue.locator(f"tr[data-row-key='{q1}']")
    expect(row).to_contain_text("0.40 EUR")  # 8 kW at 50 EUR per MW
    expect(row.locator("td[data-key='dso_decision']")).to_contain_text("accepted")
    page.get_by_role("button", name=f"Accept qualification {q1}").click()
    expect(page.locator("#notifications")).to_contain_text(
        f"Qualification {q1}: guarantee validation accepted (now qualified)")
    page.get_by_role("button", name=f"Accept qualification {q2}").click()
    expect(queue.locator("tr.empty")).to_contain_text("Nothing waits for guarantee validation.")
    ops_ui.shot("operator-queue-done")
    assert [qualification(ops_world, q)["status"] for q in (q1, q2, q3)] == ["qualified", "qualified", "rejected"]

    # the FSP sees the outcome, with the DSO's reason
    ops_ui.sign_in("age2")
    page = ready(ops_ui, "/qualifications")
    expect(page.locator(f"#qualifications-all tr[data-row-key='{q2}']")).to_contain_text("qualified")
    expect(page.locator(f"#qualifications-all tr[data-row-key='{q3}']")).to_contain_text("under maintenance")


@pytest.fixture(scope="module")
def lt_awarded(ops_world, lt_auction) -> dict:
    """The auction after gate closure: both FSPs bid (AGE1 cheaper: it wins), results published,
    and one activation of the winner's availability."""
    demo = ops_world.demo
    for q in lt_auction["quals"].values():  # what the qualification test did, if it did not run
        current = qualification(ops_world, q["id"])
        if current["status"] != "pending":
            continue
        request = lt_auction["request"]
        dso = next(a for a in demo.actors.values() if a.participant_id == request["dso_id"])
        if current["dso_decision"] is None:
            dso.post(f"/qualifications/{q['id']}/dso-review", json={"decision": "accepted"})
        demo.actors["operator"].post(f"/qualifications/{q['id']}/operator-review", json={"decision": "accepted"})
    request, units = lt_auction["request"], lt_auction["units"]
    demo.travel_to(lt_auction["session"]["gate_open_at"] + 1)
    bids = {
        "age1": demo.bid(demo.actors["age1"], request, {
            "version": 1, "bidding_unit_id": units["age1"], "divisible": False, "capacity_w": 8_000,
            "availability_price_per_mw_h": 10 * EUR, "price_per_mwh": 20 * EUR}),
        "age2": demo.bid(demo.actors["age2"], request, {
            "version": 1, "bidding_unit_id": units["age2"], "divisible": False, "capacity_w": 4_000,
            "availability_price_per_mw_h": 20 * EUR, "price_per_mwh": 10 * EUR}),
    }
    demo.close(lt_auction["session"])
    dso = demo.actors["dso_es"]
    (availability,) = dso.get(f"/agreements?request_id={request['id']}&kind=availability")["items"]
    activation = dso.post(f"/agreements/{availability['id']}/activations", 201, json={"intervals": [
        {"start": demo.day + 13 * HOUR + k * Q, "quantity_wh": 1_000} for k in range(2)]})
    demo.index()
    return {**lt_auction, "bids": bids, "availability": availability, "activation": activation}


def test_results_by_session_per_role(ops_ui, ops_world, lt_awarded):
    session, request = lt_awarded["session"], lt_awarded["request"]
    win, lose = lt_awarded["bids"]["age1"]["id"], lt_awarded["bids"]["age2"]["id"]

    # the DSO: its request's aggregate and the matched bid, never the unmatched one
    ops_ui.sign_in("dso_es")
    page = ready(ops_ui, f"/results?session={session['id']}")
    expect(page.get_by_role("combobox", name="Session")).to_have_value(str(session["id"]))
    summary = page.locator(f"#results-summary tr[data-row-key='{request['id']}']")
    expect(summary).to_contain_text("PWR_LT_UP_WEEKLY")
    expect(summary.locator("td[data-key='bids']")).to_have_text("2")
    expect(summary.locator("td[data-key='winners']")).to_have_text("1")
    bids = page.locator("#results-bids")
    expect(bids.locator(f"tr[data-row-key='{win}']")).to_contain_text("accepted")
    expect(bids.locator(f"tr[data-row-key='{win}']")).to_contain_text("10.00 EUR/MW/h")
    expect(bids.locator(f"tr[data-row-key='{lose}']")).to_have_count(0)
    text = download_text(page, page.get_by_role("link", name=f"Download the bids of session {session['code']} as CSV"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["bid_id"]) for r in rows] == [win]
    ops_ui.shot("dso-results")

    # the losing FSP: its own bid, rejected with the reason; nothing of the winner
    ops_ui.sign_in("age2")
    page = ready(ops_ui, f"/results?session={session['id']}")
    bids = page.locator("#results-bids")
    expect(bids.locator(f"tr[data-row-key='{lose}']")).to_contain_text("rejected")
    expect(bids.locator(f"tr[data-row-key='{win}']")).to_have_count(0)
    expect(bids).not_to_contain_text("AGE1_LP demo")
    trades = page.locator("#results-trades")
    expect(trades.locator("tbody tr")).to_have_count(1)  # its order; no trade
    expect(trades).to_contain_text("AGE2_LP demo")
    expect(trades).not_to_contain_text("AGE1_LP demo")
    name = f"Download the trade and order history of session {session['code']} as CSV"
    text = download_text(page, page.get_by_role("link", name=name))
    assert "AGE1_LP" not in text and "AGE2_LP demo" in text

    # the operator: every bid
    ops_ui.sign_in("operator")
    page = ready(ops_ui, f"/results?session={session['id']}")
    expect(page.locator(f"#results-bids tr[data-row-key='{win}']")).to_contain_text("AGE1_LP demo")
    expect(page.locator(f"#results-bids tr[data-row-key='{lose}']")).to_contain_text("AGE2_LP demo")


def test_history_of_concluded_requests_shows_offers_and_the_winner(ops_ui, ops_world, lt_awarded):
    request = lt_awarded["request"]
    win, lose = lt_awarded["bids"]["age1"]["id"], lt_awarded["bids"]["age2"]["id"]
    availability = lt_awarded["availability"]

    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/history")
    panel = page.locator(f"#request-{request['id']}")
    expect(panel.locator("> summary")).to_contain_text("winner: AGE1_LP demo")
    expect(panel.locator("> summary")).to_contain_text("2 offers shown")
    offers = panel.locator(f"#offers-{request['id']}")
    expect(offers.locator(f"tr[data-row-key='{win}'] td[data-key='winner']")).to_have_text("Winner")
    expect(offers.locator(f"tr[data-row-key='{lose}'] td[data-key='winner']")).to_have_text("rejected")
    expect(offers.locator("tbody tr").first).to_have_attribute("data-row-key", str(win))  # the winner first
    expect(page.locator(f"#history-transactions tr[data-row-key='{availability['agreement_id']}']")).to_contain_text(
        "availability")
    ops_ui.shot("history-operator")

    # the 14- and 30-day windows, and the CSV of the transactions
    page.get_by_label("Window", exact=True).select_option("14")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#hw-summary")).to_contain_text("(14 days, UTC)")
    page.get_by_label("Window", exact=True).select_option("30")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#hw-summary")).to_contain_text("(30 days, UTC)")
    assert "days=30" in page.url
    text = download_text(page, page.get_by_role("link", name="Download the transactions", exact=False))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert availability["agreement_id"] in {r["agreement_id"] for r in rows}
    # a window that ended before the auction: nothing concluded in it
    page.get_by_label("Last day (UTC)").fill("2020-01-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#concluded")).to_contain_text("No request concluded in this window.")
    page.get_by_label("Last day (UTC)").fill("31/01/2020")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#error-area-title")).to_have_text("History not shown")

    # the DSO sees its request's matched offer (auction mode: never the unmatched one)
    ops_ui.sign_in("dso_es")
    page = ready(ops_ui, "/history?days=7")
    panel = page.locator(f"#request-{request['id']}")
    expect(panel.locator("> summary")).to_contain_text("winner: AGE1_LP demo")
    expect(panel.locator(f"#offers-{request['id']} tr[data-row-key='{lose}']")).to_have_count(0)

    # the losing FSP: its own offer only
    ops_ui.sign_in("age2")
    page = ready(ops_ui, "/history")
    panel = page.locator(f"#request-{request['id']}")
    expect(panel.locator("> summary")).to_contain_text("not selected")
    expect(panel.locator(f"#offers-{request['id']} tr[data-row-key='{win}']")).to_have_count(0)
    expect(panel.locator(f"#offers-{request['id']} tr[data-row-key='{lose}']")).to_have_count(1)
    expect(page.locator("#history-transactions")).not_to_contain_text("AGE1_LP demo")


def test_schedules_per_bidding_unit_and_quarter_hour(ops_ui, ops_world, lt_awarded):
    session = lt_awarded["session"]
    day = datetime.fromtimestamp(ops_world.demo.day, UTC).date().isoformat()
    ops_ui.sign_in("age1")
    page = ready(ops_ui, f"/schedules?session={session['id']}")
    pivot = page.locator("#schedule-pivot")
    expect(pivot.locator("thead")).to_contain_text("UOL1_AGE1")
    expect(pivot.locator("tbody tr")).to_have_count(2)
    expect(pivot.locator("tbody tr").first).to_contain_text(f"{day} 13:00 UTC")
    expect(pivot.locator("tbody tr").first).to_contain_text("+1 kWh")
    expect(pivot.locator("tfoot")).to_contain_text("+2 kWh")
    expect(page.locator("#schedules tbody tr").first).to_contain_text("activation")
    page.get_by_label("Delivery day (UTC)").fill("2020-01-01")
    page.get_by_role("button", name="Show schedules").click()
    expect(page.locator("#pivot")).to_contain_text("No schedule for this choice.")
    ops_ui.sign_in("age2")
    page = ready(ops_ui, f"/schedules?session={session['id']}")
    expect(page.locator("#pivot")).to_contain_text("No schedule for this choice.")


def test_an_fsp_cannot_open_another_fsps_statement(ops_ui, ops_world, lt_awarded):
    availability = lt_awarded["availability"]
    ops_ui.sign_in("age1")
    page = ready(ops_ui, f"/statements?agreement={availability['id']}")
    expect(page.locator("#statement-heading")).to_have_text(f"Statement of agreement {availability['id']}")
    ops_ui.sign_in("age2")
    page = ready(ops_ui, f"/statements?agreement={availability['id']}")
    expect(page.locator("#error-area-message")).to_contain_text("no such agreement among yours")
    expect(page.locator("#statement-heading")).to_have_count(0)
    expect(page.locator("#period-statements")).not_to_contain_text("AGE1_LP demo")

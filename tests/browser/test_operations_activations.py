"""The operations pages in Chromium, part 3: activations of long-term availability.

The market: the Slovenian flow of the scenario (a long-term availability auction won by
Kolektor's two units, bids with one hour of rest time and at most one activation in a row,
three activations already ordered: unit A 07:00-07:30, unit B 07:00-07:15 and 08:30-08:45 of
the delivery day, service window 06:00-10:00 UTC). The DSO activates availability in the
browser and meets each rule as a readable refusal; the FSPs see their own activations only.
The last test moves the chain's clock into the service window (file order matters).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.operations_support import HOUR, Q, ops_ui, ops_world, ready  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
OPS_FLOWS = ("slovenia",)


def hm(world, seconds_of_day: int) -> str:
    """The delivery day's "YYYY-MM-DD HH:MM" at this second of the day (UTC)."""
    return datetime.fromtimestamp(world.demo.day + seconds_of_day, UTC).strftime("%Y-%m-%d %H:%M")


def agreements(world) -> dict[str, dict]:
    """Kolektor's availability agreements by unit name (A, B)."""
    dso = world.actor("dso_si")
    rows = dso.get("/agreements?kind=availability&limit=1000")["items"]
    units = {u["id"]: u["name"] for u in world.actor("kol").get("/bidding-units?limit=1000")["items"]}
    return {units[a["bidding_unit_id"]][-1]: a for a in rows if a["bidding_unit_id"] in units}


def activate(page, world, agreement_id: int, start: str, quarters: int, kwh: str) -> None:
    form = page.locator("#activate")
    form.get_by_label("Agreement").select_option(str(agreement_id))
    form.get_by_label("Start (UTC)").fill(start)
    form.get_by_label("Number of quarter-hours").fill(str(quarters))
    form.get_by_label("Energy per quarter-hour").fill(kwh)
    form.get_by_role("button", name="Activate").click()


def test_dso_activates_availability_and_reads_every_refusal(ops_ui, ops_world):
    unit = agreements(ops_world)
    a, b = unit["A"], unit["B"]
    ops_ui.sign_in("dso_si")
    page = ready(ops_ui, "/activations")
    row = page.locator(f"#availability-agreements tr[data-row-key='{a['id']}']")
    expect(row).to_contain_text(f"{hm(ops_world, 6 * HOUR)} UTC – {hm(ops_world, 10 * HOUR)} UTC")
    expect(row).to_contain_text("8 kW")
    expect(row).to_contain_text("60 min rest, at most 1 in a row")
    expect(page.locator(f"#activations tr[data-row-key]")).to_have_count(3)

    # choosing the agreement (keyboard: the row's button) proposes the earliest allowed start
    page.get_by_role("button", name=f"Activate agreement {a['id']}").click()
    expect(page.locator("#activate").get_by_label("Agreement")).to_be_focused()
    expect(page.locator("#ac-earliest")).to_have_text(f"{hm(ops_world, 8 * HOUR + 30 * 60)} UTC")  # 07:30 + 1 h rest
    expect(page.locator("#activate").get_by_label("Start (UTC)")).to_have_value(hm(ops_world, 8 * HOUR + 30 * 60))
    ops_ui.shot("activation-form")

    refusals = [
        # (start, quarter-hours, kWh per quarter-hour, what the person reads)
        (hm(ops_world, 8 * HOUR), 2, "1", "Rest time: the unit must rest 60 min between activations, and at most 1 "
                                          "activation(s) may follow each other closer than that. Start later (at "
                                          f"{hm(ops_world, 8 * HOUR + 30 * 60)} UTC or after). (rest_time)"),
        (hm(ops_world, 7 * HOUR + 15 * 60), 1, "1", "this one must start at or after "
                                                    f"{hm(ops_world, 7 * HOUR + 30 * 60)} UTC, when the previous one "
                                                    "ends. (overlapping_activation)"),
        (hm(ops_world, 10 * HOUR), 1, "1", f"The quarter-hour starting {hm(ops_world, 10 * HOUR)} UTC is outside the "
                                           "agreement's service window"),
        (hm(ops_world, 9 * HOUR), 1, "2.5", f"The quarter-hour starting {hm(ops_world, 9 * HOUR)} UTC may take at most "
                                            "2 kWh (the contracted capacity). (above_capacity)"),
    ]
    for start, quarters, kwh, text in refusals:
        activate(page, ops_world, a["id"], start, quarters, kwh)
        expect(page.locator("#error-area-title")).to_have_text("Activation refused")
        expect(page.locator("#error-area-message")).to_contain_text(text)
    activate(page, ops_world, a["id"], hm(ops_world, 9 * HOUR)[:-2] + "10", 1, "1")
    expect(page.locator("#error-area-message")).to_contain_text("is not on a quarter-hour")
    expect(page.locator("#activations tr[data-row-key]")).to_have_count(3)  # nothing ordered

    activate(page, ops_world, a["id"], hm(ops_world, 8 * HOUR + 30 * 60), 2, "1.5")
    expect(page.locator("#notifications")).to_contain_text(
        f"ordered: 3 kWh up, {hm(ops_world, 8 * HOUR + 30 * 60)} UTC")
    latest = max(ops_world.actor("dso_si").get(f"/activations?agreement_id={a['id']}")["items"], key=lambda x: x["id"])
    t = ops_world.demo.day + 8 * HOUR + 30 * 60
    assert [(i["start"], i["quantity_wh"]) for i in latest["intervals"]] == [(t, 1_500), (t + Q, 1_500)]
    assert latest["status"] == "ordered"
    expect(page.locator(f"#activations tr[data-row-key='{latest['id']}']")).to_contain_text("ordered")

    # cancelled before its preparation period
    page.get_by_role("button", name=f"Cancel activation {latest['id']}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Activation {latest['id']} cancelled")
    expect(page.locator(f"#activations tr[data-row-key='{latest['id']}']")).to_contain_text("cancelled")
    assert ops_world.actor("dso_si").get(f"/activations/{latest['id']}")["status"] == "cancelled"
    assert b["id"] != a["id"]


def test_fsps_see_their_own_activations_only(ops_ui, ops_world):
    unit = agreements(ops_world)
    ops_ui.sign_in("kol")
    page = ready(ops_ui, "/activations")
    expect(page.locator(f"#availability-agreements tr[data-row-key='{unit['A']['id']}']")).to_have_count(1)
    expect(page.locator("#activations tbody tr[data-row-key]")).not_to_have_count(0)
    expect(page.locator("#activate")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Activate agreement {unit['A']['id']}")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel activation", exact=False)).to_have_count(0)

    ops_ui.sign_in("epr")  # lost the auction: no agreement, no activation of the others
    page = ready(ops_ui, "/activations")
    expect(page.locator("#availability-agreements tr.empty")).to_contain_text("No availability agreement.")
    expect(page.locator("#activations tr.empty")).to_contain_text("No activation yet.")


def test_preparation_period_refusal_names_the_earliest_start(ops_ui, ops_world):
    unit = agreements(ops_world)
    b = unit["B"]
    ops_world.travel_to(ops_world.demo.day + 9 * HOUR + 44 * 60)  # inside the service window
    ops_ui.sign_in("dso_si")
    page = ready(ops_ui, "/activations")
    activate(page, ops_world, b["id"], hm(ops_world, 9 * HOUR + 45 * 60), 1, "1")
    expect(page.locator("#error-area-message")).to_contain_text("Too soon: this product needs a preparation period of")
    expect(page.locator("#error-area-message")).to_contain_text("(preparation_period)")
    # the form's hint agrees: nothing is left in the window
    expect(page.locator("#ac-earliest")).to_have_text("none left in the service window")

"""The operations pages in Chromium, part 4: settlement statements, disputes, notifications.

The market: the Italian flow of the scenario (a DSO's request at a transformer, three CPO
offers, the DSO picks the cheapest — CPO 2's — and awards it with its wallet), then settled:
simulated meters, readings pushed to the market, the meter oracle's worker judges and attests
on chain. The winning CPO reads its period and agreement statements (CSV too) and disputes
one; the operator resolves it; the DSO files and withdraws another; a losing CPO sees none of
the winner's statement, bids or results; notifications are listed and marked read.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.operations_support import (  # noqa: F401 (fixtures)
    assert_accessible,
    download_text,
    ops_ui,
    ops_world,
    ready,
)

pytestmark = pytest.mark.browser
OPS_FLOWS = ("italy", "settle")


def eur(units: int) -> str:
    """Base units as the pages show them: grouped euros, 2 to 6 decimals, "EUR"."""
    whole, fraction = divmod(units, 1_000_000)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    return f"{whole:,}.{digits} EUR"


def winner(world) -> dict:
    """CPO 2's agreement (the DSO's pick), as the API shows it to CPO 2."""
    (agreement,) = world.actor("cpo_2").get("/agreements")["items"]
    return agreement


def test_fsp_reads_its_statements_and_downloads_them(ops_ui, ops_world):
    agreement = winner(ops_world)
    statement = ops_world.actor("cpo_2").get(f"/agreements/{agreement['id']}/statement")
    assert statement["final"] and statement["payment"] > 0  # settled on chain by the oracle

    ops_ui.sign_in("cpo_2")
    page = ready(ops_ui, "/statements")
    row = page.locator(f"#period-statements tr[data-row-key='{agreement['id']}']")
    expect(row).to_contain_text("e-distribuzione demo")
    expect(row.locator("td[data-key='payment']")).to_have_text(eur(statement["payment"]))
    expect(row.locator("td[data-key='final']")).to_have_text("yes")
    expect(page.locator("#period-totals-list")).to_contain_text(f"Payments received{eur(statement['payment'])}")
    text = download_text(page, page.get_by_role("link", name="Download the period statement as CSV"))
    (line,) = list(csv.DictReader(io.StringIO(text)))
    assert (line["agreement_id"], line["role"], int(line["payment"])) == (
        agreement["agreement_id"], "fsp", statement["payment"])

    page.get_by_role("button", name=f"Open the statement of agreement {agreement['id']}").click()
    expect(page.locator("#statement-heading")).to_be_focused()
    facts = page.locator("#statement-facts")
    expect(facts).to_contain_text("settled on chain, amounts final")
    expect(facts).to_contain_text(f"Payment{eur(statement['payment'])}")
    intervals = page.locator("#statement-intervals-table tbody tr")
    expect(intervals).to_have_count(len(statement["intervals"]))
    first = statement["intervals"][0]
    expect(intervals.first.locator("td[data-key='ordered_wh']")).to_have_text(f"{first['ordered_wh'] // 1000} kWh")
    assert "agreement=" in page.url
    ops_ui.shot("agreement-statement")
    name = f"Download the interval table of agreement {agreement['id']} as CSV"
    text = download_text(page, page.get_by_role("link", name=name))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["row"] for r in rows] == ["interval"] * len(statement["intervals"]) + ["total"]
    assert int(rows[-1]["payment"]) == statement["payment"]


def test_fsp_disputes_its_statement_and_the_operator_resolves_it(ops_ui, ops_world):
    agreement = winner(ops_world)
    ops_ui.sign_in("cpo_2")
    page = ready(ops_ui, f"/statements?agreement={agreement['id']}")
    form = page.locator("#dispute-form")
    form.get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#dispute-reason-error")).to_have_text("Reason: this is required.")
    form.get_by_label("Reason for the dispute").fill("The 18:15 quarter-hour was delivered in full; the meter lagged.")
    form.get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#notifications")).to_contain_text(f"of agreement {agreement['id']}'s statement filed")
    expect(page.locator("#statement-disputes")).to_contain_text("open")
    expect(page.locator("#statement-disputes")).to_contain_text("the meter lagged")
    (dispute,) = ops_world.actor("cpo_2").get("/disputes?status=open")["items"]
    assert (dispute["agreement_id"], dispute["participant_id"]) == (agreement["id"], ops_world.participant("cpo_2"))
    # one open dispute per party and statement
    page.locator("#dispute-form").get_by_label("Reason for the dispute").fill("Again.")
    page.locator("#dispute-form").get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#error-area-message")).to_contain_text("you already have an open dispute of this statement")

    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/disputes?status=open")
    row = page.locator(f"#disputes tr[data-row-key='{dispute['id']}']")
    expect(row).to_contain_text("EMOT CPO 2")
    expect(row).to_contain_text("the meter lagged")
    page.get_by_role("button", name=f"Resolve dispute {dispute['id']}").click()
    expect(page.locator("#error-area-message")).to_contain_text(f"Dispute {dispute['id']}: write the resolution first.")
    page.get_by_label(f"Resolution of dispute {dispute['id']}").fill("Meter data re-checked: the statement stands.")
    page.get_by_role("button", name=f"Resolve dispute {dispute['id']}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Dispute {dispute['id']} resolved")
    expect(page.locator("#disputes tr.empty")).to_contain_text("No dispute.")  # the open filter stays
    resolved = ops_world.actor("operator").get("/disputes")["items"]
    assert [(d["id"], d["status"], d["resolution"]) for d in resolved if d["id"] == dispute["id"]] == [
        (dispute["id"], "resolved", "Meter data re-checked: the statement stands.")]
    ops_ui.shot("dispute-resolved")

    ops_ui.sign_in("cpo_2")
    page = ready(ops_ui, f"/statements?agreement={agreement['id']}")
    expect(page.locator("#statement-disputes")).to_contain_text("resolution: Meter data re-checked")


def test_dso_files_a_dispute_on_the_disputes_page_and_withdraws_it(ops_ui, ops_world):
    agreement = winner(ops_world)
    ops_ui.sign_in("dso_it")
    page = ready(ops_ui, "/disputes")
    form = page.locator("#dispute-new")
    form.get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#error-area-message")).to_have_text(
        "2 fields need attention: Agreement: this is required. Reason: this is required.")
    expect(page.locator("#dn-agreement-error")).to_have_text("Agreement: this is required.")
    form.get_by_label("Agreement").select_option(str(agreement["id"]))
    form.get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#dn-reason-error")).to_contain_text("Reason: this is required.")
    expect(page.locator("#dn-agreement-error")).to_be_hidden()
    form.get_by_label("Reason").fill("Baseline too high for a Sunday evening.")
    form.get_by_role("button", name="Flag as disputed").click()
    expect(page.locator("#notifications")).to_contain_text(f"filed for agreement {agreement['id']}")
    (mine,) = [d for d in ops_world.actor("dso_it").get("/disputes?status=open")["items"]
               if d["participant_id"] == ops_world.participant("dso_it")]
    page.get_by_role("button", name=f"Withdraw dispute {mine['id']}").click()
    expect(page.locator("#notifications")).to_contain_text(f"Dispute {mine['id']} withdrawn")
    expect(page.locator(f"#disputes tr[data-row-key='{mine['id']}']")).to_contain_text("withdrawn")
    assert ops_world.actor("dso_it").get("/disputes?status=withdrawn")["items"][0]["id"] == mine["id"]
    # the FSP cannot withdraw the DSO's dispute: no button for it
    ops_ui.sign_in("cpo_2")
    page = ready(ops_ui, "/disputes")
    expect(page.locator(f"#disputes tr[data-row-key='{mine['id']}']")).to_contain_text("withdrawn")
    expect(page.get_by_role("button", name=f"Withdraw dispute {mine['id']}")).to_have_count(0)


def test_a_losing_fsp_sees_nothing_of_the_winners_statement_bids_or_results(ops_ui, ops_world):
    agreement = winner(ops_world)
    session_id = agreement["session_id"]
    ops_ui.sign_in("cpo_1")
    page = ready(ops_ui, f"/statements?agreement={agreement['id']}")
    expect(page.locator("#error-area-message")).to_contain_text("no such agreement among yours")
    expect(page.locator("#period-statements tr.empty")).to_have_count(1)

    page = ready(ops_ui, f"/results?session={session_id}")
    bids = page.locator("#results-bids tbody tr[data-row-key]")
    expect(bids).to_have_count(1)
    expect(bids.first).to_contain_text("EMOT CPO 1")
    expect(bids.first).to_contain_text("rejected")
    expect(page.locator("#results-bids")).not_to_contain_text("EMOT CPO 2")
    expect(page.locator("#results-trades")).not_to_contain_text("EMOT CPO 2")

    page = ready(ops_ui, "/history")
    panel = page.locator(f"#request-{agreement['request_id']}")
    expect(panel.locator("> summary")).to_contain_text("not selected")
    expect(panel.locator(f"#offers-{agreement['request_id']} tbody tr")).to_have_count(1)
    expect(panel).not_to_contain_text("EMOT CPO 2")

    page = ready(ops_ui, "/disputes")
    expect(page.locator("#disputes tr.empty")).to_contain_text("No dispute.")

    # once concluded, the DSO of a manual-pick request sees every offer it picked from and the
    # winner (seed fig. 62); the operator too
    ops_ui.sign_in("dso_it")
    page = ready(ops_ui, "/history")
    panel = page.locator(f"#request-{agreement['request_id']}")
    expect(panel.locator("> summary")).to_contain_text("winner: EMOT CPO 2")
    dso_offers = panel.locator(f"#offers-{agreement['request_id']} tbody tr")
    expect(dso_offers).to_have_count(3)
    expect(dso_offers.first).to_contain_text("EMOT CPO 2")
    ops_ui.sign_in("operator")
    page = ready(ops_ui, "/history")
    offers = page.locator(f"#offers-{agreement['request_id']} tbody tr")
    expect(offers).to_have_count(3)
    expect(offers.first).to_contain_text("Winner")
    expect(offers.first).to_contain_text("EMOT CPO 2")
    expect(offers.nth(1)).to_contain_text("not picked by the DSO")


def test_notifications_are_listed_and_marked_read(ops_ui, ops_world):
    cpo = ops_world.actor("cpo_2")
    items = cpo.get("/notifications?limit=1000")["items"]
    unread = [n for n in items if n["read_at"] is None]
    assert len(unread) >= 2, items
    newest = max(unread, key=lambda n: n["id"])

    ops_ui.sign_in("cpo_2")
    page = ready(ops_ui, "/notifications")
    # every page's notifications area lists the newest unread ones, linked to this page
    expect(page.locator("#notifications")).to_contain_text(newest["title"])
    expect(page.locator("#notifications li.notification-market")).to_have_count(min(5, len(unread)))
    expect(page.locator("#notifications").get_by_role(
        "link", name=f"Open notifications: {newest['title']}").first).to_have_attribute("href", "/notifications")
    expect(page.locator("#unread-count")).to_have_text(f"{len(unread)} unread notifications of {len(items)}.")
    item = page.locator(f"li[data-notification='{newest['id']}']")
    expect(item).to_contain_text(newest["title"])
    item.get_by_role("button", name=f"Mark notification “{newest['title']}” read").click()
    expect(page.locator("#unread-count")).to_have_text(f"{len(unread) - 1} unread notifications of {len(items)}.")
    assert all(n["id"] != newest["id"] for n in cpo.get("/notifications?limit=1000&unread=true")["items"])
    assert next(n for n in cpo.get("/notifications?limit=1000")["items"] if n["id"] == newest["id"])["read_at"]

    page.get_by_label("Unread only").check()
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator(f"li[data-notification='{newest['id']}']")).to_have_count(0)
    expect(page.locator("li[data-notification]")).to_have_count(len(unread) - 1)
    ops_ui.shot("unread-only")

    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#notifications")).to_contain_text(f"{len(unread) - 1} notification")
    expect(page.locator("#unread-count")).to_have_text("0 unread notifications.")
    expect(page.get_by_role("button", name="Mark all read")).to_be_disabled()
    assert cpo.get("/notifications?unread=true")["items"] == []

    # the dashboard agrees; a notification links to what it is about
    page = ready(ops_ui, "/")
    expect(page.locator("#notes-summary")).to_have_text("No unread notification.")
    page = ready(ops_ui, "/notifications")
    (settled,) = [n for n in items if n["object_type"] == "agreement"]  # the settlement of its agreement
    page.locator(f"li[data-notification='{settled['id']}']").get_by_role("link").click()
    page.wait_for_selector("body[data-page-ready]")
    expect(page.locator("#statement-heading")).to_have_text(f"Statement of agreement {settled['object_id']}")


MAIN_PAGES = {
    "operator": ["/", "/products", "/sessions", "/operator/validation", "/qualifications", "/history", "/results",
                 "/statements", "/disputes", "/notifications"],
    "dso_it": ["/", "/markets", "/sessions", "/qualifications", "/activations", "/history", "/results", "/schedules",
               "/statements", "/disputes", "/notifications"],
    "cpo_2": ["/", "/qualifications", "/activations", "/history", "/results", "/schedules", "/statements",
              "/disputes", "/notifications"],
}


@pytest.mark.parametrize("actor", sorted(MAIN_PAGES))
def test_main_pages_with_market_data_are_labelled_keyboard_usable_and_screenshotted(ops_ui, ops_world, actor):
    """Each role's operations pages on the settled market: one screenshot each (test-artifacts/
    screenshots/test_main_pages_..._<actor>_--NN-<page>.png), no refusal on opening, every
    control labelled and reachable by keyboard."""
    agreement = winner(ops_world)
    ops_ui.sign_in(actor)
    for path in MAIN_PAGES[actor]:
        page = ready(ops_ui, path if path != "/statements" else f"/statements?agreement={agreement['id']}")
        expect(page.locator("#error-area")).to_be_hidden()
        assert_accessible(page)

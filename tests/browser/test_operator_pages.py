"""The operator's pages in Chromium: registrations approved (the role granted on chain) or
rejected with a reason, participants and users with impersonation (banner, audited with both
names), and the audit log with its filters."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.chain.deploy import FSP
from marketplace.models import Participant
from marketplace.models.audit import AuditRecord
from tests.browser.world import BrowserWorld

pytestmark = pytest.mark.browser


def open_queue(ui):
    ui.sign_in("operator")
    return ui.visit("/operator/registrations", ready="body[data-page-ready]")


def test_approving_a_registration_grants_the_role_on_chain(ui):
    applicant = BrowserWorld.account("applicant").address
    assert not ui.market.has_role(applicant, FSP)
    page = open_queue(ui)
    queue = page.locator("#registrations tbody tr")
    expect(queue.filter(has_text="Solar Vecinal")).to_have_count(1)
    page.get_by_role("button", name="Review Solar Vecinal").click()
    detail = page.locator("#reg-detail")
    expect(detail).to_be_focused()
    expect(page.locator("#reg-facts")).to_contain_text("Prosumer")
    expect(page.locator("#reg-documents li")).to_have_count(3)
    expect(page.get_by_role("link", name="Download Power of attorney of Solar Vecinal")).to_be_visible()
    ui.shot("review")
    page.get_by_label("Note (optional)").fill("documents checked")
    page.get_by_role("button", name="Approve and grant the role on chain").click()
    expect(page.locator("#reg-outcome-text")).to_have_text(
        "Solar Vecinal is approved as Market agent (FSP). 1 wallet(s) received the role.")
    expect(page.locator("#reg-status-now")).to_have_text("approved — documents checked")
    grant = page.locator("#reg-grants li")
    expect(grant).to_contain_text(applicant)
    tx_hash = grant.locator("code").nth(1).inner_text()
    receipt = ui.market.chain.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    assert ui.market.has_role(applicant, FSP)
    expect(queue.filter(has_text="Solar Vecinal")).to_have_count(0)
    with ui.world.database.transaction() as s:
        p = s.get(Participant, ui.world["applicant"])
        assert (p.status.value, p.status_reason) == ("approved", "documents checked")


def test_rejecting_needs_a_reason_and_tells_the_applicant(ui):
    page = open_queue(ui)
    page.get_by_role("button", name="Review Incompleta Energía").click()
    expect(page.locator('#reg-documents li[data-kind="power_of_attorney"]')).to_have_text("Power of attorney: missing")

    # Approval without the documents is refused readably; nothing changes.
    page.get_by_role("button", name="Approve and grant the role on chain").click()
    expect(page.locator("#error-area-title")).to_have_text("Registration not approved")
    expect(page.locator("#error-area-message")).to_contain_text("(documents_missing)")

    page.get_by_role("button", name="Reject registration").click()
    expect(page.locator("#reg-reason-error")).to_have_text("is required")
    page.get_by_label("Reason").fill("The power of attorney is missing.")
    page.get_by_role("button", name="Reject registration").click()
    expect(page.locator("#reg-outcome-text")).to_have_text(
        "Incompleta Energía is rejected. Reason sent: “The power of attorney is missing.”.")
    page.get_by_label("Show registrations that are").select_option("rejected")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#registrations tbody tr", has_text="Incompleta Energía")).to_have_count(1)

    # The applicant reads the reason on its organisation page.
    ui.sign_out()
    ui.sign_in("incomplete")
    page = ui.visit("/organisation", ready="body[data-page-ready]")
    expect(page.locator("#org-status-line")).to_contain_text("rejected")
    expect(page.locator("#org-status-reason")).to_have_text(
        "Reason given by the market operator: The power of attorney is missing.")


def test_impersonation_shows_a_banner_is_audited_with_both_names_and_ends(ui):
    ui.sign_in("operator")
    page = ui.visit("/operator/participants", ready="body[data-page-ready]")
    page.get_by_role("button", name="Users of Ricarica Due").click()
    page.get_by_role("button", name="Act as Paolo Bianchi of Ricarica Due").click()
    page.wait_for_selector('body[data-page="organisation"][data-page-ready]', state="attached")
    banner = page.get_by_role("region", name="Impersonation active")
    expect(banner).to_contain_text(
        "You, FlexMarket operator admin (market operator), are acting as Paolo Bianchi of Ricarica Due (FSP)")
    expect(page.locator("#session-summary")).to_contain_text("Paolo Bianchi, Ricarica Due")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Registrations")).to_have_count(0)
    ui.shot("impersonating")

    # An action while impersonating: recorded with the operator as actor, the user as acted-as.
    page.get_by_text("Change contact details").click()
    page.locator("#org-contact-form").get_by_label("Group phone").fill("+39 02 5555 0000")
    page.get_by_role("button", name="Save contact details").click()
    expect(page.locator("#org-facts")).to_contain_text("+39 02 5555 0000")
    with ui.world.database.transaction() as s:
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "participant.updated")
                           .order_by(AuditRecord.id.desc())).first()
        assert record is not None
        assert (record.actor_user_id, record.acting_as_user_id) == (ui.world.users["operator"], ui.world.users["cpo2"])

    page.get_by_role("button", name="End impersonation").click()
    page.wait_for_selector('body[data-page="participants"][data-page-ready]', state="attached")
    expect(page.get_by_role("region", name="Impersonation active")).to_have_count(0)
    expect(page.locator("#session-summary")).to_contain_text("FlexMarket operator")


def test_audit_log_filters_on_the_server_and_in_the_table(ui):
    ui.sign_in("operator")
    page = ui.visit("/operator/audit", ready="body[data-page-ready]")
    rows = page.locator("#audit-log tbody tr")
    expect(rows.first).to_be_visible()
    total = rows.count()
    assert total > 10
    search = page.locator("#au-form")
    search.get_by_label("Participant").select_option(label="Distribuidora Uno")
    search.get_by_label("Action").fill("traffic_light.set")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(3)  # the world set three lights on DSO 1's transformers
    expect(page.locator("#au-summary")).to_have_text("3 matching record(s).")
    for cell in rows.locator('td[data-key="participant"]').all():
        expect(cell).to_have_text("Distribuidora Uno")
    expect(rows.first.locator('td[data-key="actor"]')).to_contain_text("Dolores Sanz")
    rows.first.get_by_text("Changes of record").click()
    expect(rows.first.locator("pre").last).to_contain_text('"state"')

    search.get_by_label("From (UTC)").fill("tomorrow")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#au-since-error")).to_contain_text("is not a UTC date and time as YYYY-MM-DD HH:MM")

    page.get_by_role("button", name="Clear search").click()
    expect(page.locator("#au-summary")).not_to_have_text("3 matching record(s).")
    page.get_by_text("Columns and filters: Audit records, newest first").click()
    page.get_by_label("Action is").select_option("participant.signed_up")
    expect(rows).to_have_count(8)  # the eight participants of the world (the operator is bootstrapped)
    expect(rows.first.locator('td[data-key="action"]')).to_have_text("participant.signed_up")
    page.get_by_role("checkbox", name="Address").check()
    expect(page.locator('#audit-log th[data-key="remote_addr"]')).to_be_visible()
    ui.shot("filtered")

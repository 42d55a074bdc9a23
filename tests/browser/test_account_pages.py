"""The organisation page (registration status, data, contacts, users and grants, documents)
and the API clients page (OAuth2 client credentials: secret shown once, revoke), in Chromium
against the real API."""

from __future__ import annotations

import hashlib

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.models import Participant, User
from tests.api import payloads

pytestmark = pytest.mark.browser


def open_organisation(ui, actor: str):
    ui.sign_in(actor)
    return ui.visit("/organisation", ready="body[data-page-ready]")


def test_pending_applicant_sees_its_registration_and_uploads_a_missing_document(ui):
    page = open_organisation(ui, "incomplete")
    expect(page.locator("#org-status-line")).to_contain_text("Status: pending")
    expect(page.locator("#org-documents-missing")).to_have_text(
        "Documents still missing for approval: "
        "Confidentiality commitment, Non-collusion commitment, Power of attorney.")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Organisation")).to_be_visible()
    expect(nav.get_by_role("link", name="Assets")).to_have_count(0)  # market pages open after approval

    docs = page.locator("#org-doc-form")
    docs.get_by_label("Document").select_option("power_of_attorney")
    page.get_by_label("File (.pdf or .xml, at most 10 MB)").set_input_files(
        files=[{"name": "poder.txt", "mimeType": "text/plain", "buffer": b"not a pdf"}])
    page.get_by_role("button", name="Upload document").click()
    expect(page.locator("#doc-file-error")).to_have_text(
        "“poder.txt” is not a .pdf or .xml file; documents must be PDF or XML.")

    # A .pdf that is not a PDF: the server refuses it, readably.
    page.get_by_label("File (.pdf or .xml, at most 10 MB)").set_input_files(
        files=[{"name": "poder.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}])
    page.get_by_role("button", name="Upload document").click()
    expect(page.locator("#error-area-message")).to_contain_text("The server refused:")
    expect(page.locator("#error-area-message")).to_contain_text("(document_content_mismatch)")

    page.get_by_label("File (.pdf or .xml, at most 10 MB)").set_input_files(
        files=[{"name": "poder.pdf", "mimeType": "application/pdf", "buffer": payloads.PDF}])
    page.get_by_role("button", name="Upload document").click()
    row = page.locator("#organisation-documents tbody tr").first
    expect(row.locator('td[data-key="kind"]')).to_have_text("Power of attorney")
    expect(page.get_by_role("link", name="Download Power of attorney: poder.pdf")).to_be_visible()
    expect(page.locator("#org-documents-missing")).to_have_text(
        "Documents still missing for approval: Confidentiality commitment, Non-collusion commitment.")
    href = page.get_by_role("link", name="Download Power of attorney: poder.pdf").get_attribute("href")
    downloaded = page.request.get(ui.base_url + href)
    assert downloaded.ok and downloaded.body() == payloads.PDF
    assert downloaded.headers["x-content-sha256"] == hashlib.sha256(payloads.PDF).hexdigest()


def test_admin_adds_a_user_changes_the_grant_and_deactivates_them(ui):
    page = open_organisation(ui, "fsp")
    expect(page.locator("#org-status-line")).to_contain_text("Status: approved")
    expect(page.locator("#org-facts")).to_contain_text("Agregador Uno")
    users = page.locator("#organisation-users tbody tr")
    expect(users).to_have_count(2)  # the representative and the read-only user
    wallet = "0x" + "5a" * 20
    page.get_by_text("Add a user").click()
    form = page.locator("#org-user-form")
    form.get_by_label("First name").fill("Marta")
    form.get_by_label("Last name").fill("Ibáñez")
    form.get_by_label("Email").fill("marta@fsp.example")
    form.get_by_label("Grant").select_option("trader")
    form.get_by_label("Wallet address").fill("0x1234")
    form.get_by_role("button", name="Add user").click()
    expect(page.locator("#user-wallet-error")).to_contain_text("is not in the expected format")
    form.get_by_label("Wallet address").fill(wallet)
    form.get_by_label("Contact person of the organisation").check()
    form.get_by_role("button", name="Add user").click()
    expect(users).to_have_count(3)
    marta = page.locator("#organisation-users tbody tr", has_text="Marta Ibáñez")
    expect(marta.locator('td[data-key="grant"]')).to_have_text("trader")
    expect(marta.locator('td[data-key="wallet_bound_at"]')).to_have_text("not yet (at first sign-in)")
    expect(page.locator("#org-contacts")).to_contain_text("Marta Ibáñez — contact (trader)")

    page.get_by_label("Grant of Marta Ibáñez", exact=True).select_option("admin")
    page.get_by_role("button", name="Change grant of Marta Ibáñez").click()
    expect(marta.locator('td[data-key="grant"]')).to_have_text("admin")
    page.get_by_role("button", name="Deactivate Marta Ibáñez").click()
    expect(marta.locator('td[data-key="active"]')).to_have_text("no")
    ui.shot("users")
    with ui.world.database.transaction() as s:
        user = s.scalars(select(User).where(User.email == "marta@fsp.example")).one()
        assert (user.grant.value, user.active, user.is_contact, user.wallet_address.lower()) == (
            "admin", False, True, wallet)


def test_admin_changes_contact_details_and_a_read_only_user_cannot(ui):
    page = open_organisation(ui, "cpo")
    page.get_by_text("Change contact details").click()
    form = page.locator("#org-contact-form")
    expect(form.get_by_label("Group email")).to_have_value("info@example.es")
    form.get_by_label("Group phone").fill("+39 06 1234 5678")
    form.get_by_label("Representative's email").fill("carla.rossi@ricarica.example")
    form.get_by_role("button", name="Save contact details").click()
    expect(page.locator("#org-facts")).to_contain_text("+39 06 1234 5678")
    expect(page.locator("#org-contacts")).to_contain_text("carla.rossi@ricarica.example")
    with ui.world.database.transaction() as s:
        p = s.get(Participant, ui.world["cpo"])
        assert (p.phone, p.representative_email) == ("+39 06 1234 5678", "carla.rossi@ricarica.example")

    ui.sign_out()
    page = open_organisation(ui, "fsp_ro")
    expect(page.locator("#org-contact-form")).to_have_count(0)
    expect(page.locator("#org-user-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Change grant of Ana García")).to_have_count(0)


def test_api_client_secret_is_shown_once_works_and_revocation_cuts_it_off(ui):
    ui.sign_in("dso")
    page = ui.visit("/api-clients", ready="body[data-page-ready]")
    page.get_by_label("Client name").fill("Grid tool")
    page.locator("#ac-form").get_by_label("Grant").select_option("trader")
    page.get_by_role("button", name="Create client").click()
    secret_panel = page.locator("#ac-secret")
    expect(secret_panel).to_be_visible()
    expect(secret_panel).to_be_focused()
    client_id = page.locator("#ac-secret-client-id").inner_text()
    secret = page.locator("#ac-secret-value").inner_text()
    assert client_id.startswith("fmc_") and secret.startswith("fms_")
    ui.shot("secret")
    row = page.locator("#api-clients tbody tr", has_text="Grid tool")
    expect(row.locator('td[data-key="grant"]')).to_have_text("trader")

    token = requests.post(f"{ui.base_url}/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret), timeout=10)
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert requests.get(f"{ui.base_url}/api/v1/auth/me", headers=bearer, timeout=10).json()["via"] == "api_client"

    page.get_by_role("button", name="I have stored the secret: hide it").click()
    expect(secret_panel).to_be_hidden()
    page.reload()
    page.wait_for_selector("body[data-page-ready]", state="attached")
    assert secret not in page.content()

    page.get_by_role("button", name="Revoke client Grid tool").click()
    page.get_by_role("button", name="Confirm: revoke client Grid tool").click()
    expect(row.locator('td[data-key="state"]')).to_contain_text("revoked")
    assert requests.get(f"{ui.base_url}/api/v1/auth/me", headers=bearer, timeout=10).status_code == 401
    again = requests.post(f"{ui.base_url}/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret), timeout=10)
    assert again.status_code == 401


def test_api_client_with_a_grant_above_the_creators_is_refused_readably(ui):
    ui.sign_in("fsp")
    page = ui.visit("/api-clients", ready="body[data-page-ready]")
    page.get_by_role("button", name="Create client").click()
    expect(page.locator("#ac-name-error")).to_have_text("is required")
    with ui.world.database.transaction() as s:  # the representative becomes a trader for this check
        user = s.get(User, ui.world.users["fsp"])
        user.grant = type(user.grant)("trader")
    try:
        page.get_by_label("Client name").fill("Trading bot")
        page.locator("#ac-form").get_by_label("Grant").select_option("admin")
        page.get_by_role("button", name="Create client").click()
        expect(page.locator("#error-area-title")).to_have_text("Client not created")
        expect(page.locator("#error-area-message")).to_contain_text("The server refused:")
        expect(page.locator("#ac-secret")).to_be_hidden()
    finally:
        with ui.world.database.transaction() as s:
            user = s.get(User, ui.world.users["fsp"])
            user.grant = type(user.grant)("admin")

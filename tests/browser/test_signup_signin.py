"""Sign-up (every field of seed table 1, the wallet bound by a SIWE signature, documents) and
sign-in with the wallet (wrong network, rejected signature, unknown wallet), in Chromium
against the real API."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.chain import devkeys
from marketplace.models import Participant, User
from marketplace.models.participant import Document
from tests.api import payloads
from tests.browser.world import ACCOUNTS

pytestmark = pytest.mark.browser

PDF = payloads.PDF
XML = payloads.XML


def fill_sign_up(page, *, name: str, iban: str = "ES91 2100 0418 4502 0005 1332", role: str = "fsp"):
    page.get_by_label("Role in the market").select_option(role)
    if role == "fsp":
        page.get_by_label("Kind of market agent").select_option("cpo")
    page.get_by_label("Name of the company or natural person").fill(name)
    page.get_by_label("Tax identification code", exact=False).first.fill("B87654321")
    page.get_by_label("IBAN").fill(iban)
    page.locator("#su-address").fill("Via Roma 12")
    page.get_by_label("Locality").fill("Firenze")
    page.locator("#su-postal-code").fill("50123")
    page.get_by_label("Province").fill("Firenze")
    page.get_by_label("Country code").fill("IT")
    page.get_by_label("Group phone").fill("+39 055 000 000")
    page.get_by_label("Group email").fill("info@ricarica.example")
    page.get_by_label("First name").fill("Giulia")
    page.get_by_label("Last name").fill("Conti")
    page.get_by_label("Representative's tax identification code").fill("CNTGLI80A")
    page.get_by_label("Representative's phone").fill("+39 333 000 0000")
    page.get_by_label("Representative's address").fill("Via Verdi 3, Firenze")
    page.get_by_label("Representative's email").fill("giulia@ricarica.example")


def test_sign_up_binds_the_wallet_by_signature_and_uploads_the_documents(ui):
    account = devkeys.dev_account(12)
    ui.wallet.use_account(12)
    page = ui.visit("/signup", ready="body[data-page-ready]")
    fill_sign_up(page, name="Ricarica Firenze SRL")
    page.get_by_label("Confidentiality commitment").set_input_files(
        files=[{"name": "confidentiality.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Non-collusion commitment").set_input_files(
        files=[{"name": "non-collusion.xml", "mimeType": "application/xml", "buffer": XML}])
    ui.shot("filled")
    page.get_by_role("button", name="Sign with wallet and register").click()
    done = page.locator("#su-done")
    expect(done).to_be_visible()
    expect(done).to_be_focused()
    expect(page.locator("#su-done-text")).to_contain_text(
        "Ricarica Firenze SRL is registered and waits for the market operator's approval")
    expect(page.locator("#su-done-text")).to_contain_text(account.address)
    expect(page.locator('#su-done-documents li[data-kind="power_of_attorney"]')).to_have_text(
        "Power of attorney: not uploaded yet.")
    expect(page.locator('#su-done-documents li[data-kind="confidentiality_commitment"]')).to_contain_text(
        hashlib.sha256(PDF).hexdigest())
    ui.shot("registered")
    assert [m for m in ui.wallet.methods() if m == "personal_sign"] == ["personal_sign"]

    with ui.world.database.transaction() as s:
        p = s.scalars(select(Participant).where(Participant.entity_name == "Ricarica Firenze SRL")).one()
        assert (p.role.value, p.fsp_kind.value, p.status.value) == ("fsp", "cpo", "pending")
        assert (p.tax_id, p.iban, p.address, p.locality, p.postal_code, p.province, p.country, p.phone, p.email) == (
            "B87654321", "ES9121000418450200051332", "Via Roma 12", "Firenze", "50123", "Firenze", "IT",
            "+39 055 000 000", "info@ricarica.example")
        assert (p.representative_first_name, p.representative_last_name, p.representative_tax_id,
                p.representative_phone, p.representative_address, p.representative_email) == (
            "Giulia", "Conti", "CNTGLI80A", "+39 333 000 0000", "Via Verdi 3, Firenze", "giulia@ricarica.example")
        user = s.scalars(select(User).where(User.participant_id == p.id)).one()
        assert user.wallet_address == account.address and user.wallet_bound_at is not None
        docs = s.scalars(select(Document).where(Document.participant_id == p.id)).all()
        assert {(d.kind.value, d.sha256) for d in docs} == {
            ("confidentiality_commitment", hashlib.sha256(PDF).hexdigest()),
            ("non_collusion_commitment", hashlib.sha256(XML).hexdigest())}

    # the sign-up signed the representative in: the organisation page shows the pending registration
    page.get_by_role("link", name="Open your organisation page").click()
    page.wait_for_selector("body[data-page-ready]", state="attached")
    expect(page.locator("#session-summary")).to_contain_text(
        "Giulia Conti, Ricarica Firenze SRL (FSP, registration pending; admin)")
    expect(page.locator("#org-status-line")).to_contain_text("pending")
    expect(page.locator("#org-documents-missing")).to_have_text(
        "Documents still missing for approval: Power of attorney.")


def test_sign_up_refuses_bad_documents_readably_before_the_wallet_is_asked(ui):
    ui.wallet.use_account(13)
    page = ui.visit("/signup", ready="body[data-page-ready]")
    fill_sign_up(page, name="Too Big Energy")
    page.get_by_label("Power of attorney").set_input_files(
        files=[{"name": "attorney.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * (10 * 1024 * 1024)}])
    page.get_by_label("Confidentiality commitment").set_input_files(
        files=[{"name": "commitment.docx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04"}])
    page.get_by_role("button", name="Sign with wallet and register").click()
    expect(page.locator("#error-area-title")).to_have_text("Not registered")
    expect(page.locator("#su-doc-power_of_attorney-error")).to_have_text(
        f"“attorney.pdf” is {len(PDF) + 10 * 1024 * 1024:,} bytes; "
        "documents may be at most 10 MB (10,485,760 bytes).")
    expect(page.locator("#su-doc-confidentiality_commitment-error")).to_have_text(
        "“commitment.docx” is not a .pdf or .xml file; documents must be PDF or XML.")
    expect(page.get_by_label("Power of attorney")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-area-problems li")).to_have_count(2)
    assert "personal_sign" not in ui.wallet.methods()


def test_sign_up_shows_the_servers_refusals_next_to_the_fields(ui):
    ui.wallet.use_account(13)
    page = ui.visit("/signup", ready="body[data-page-ready]")
    fill_sign_up(page, name="Cuenta Mala SL", iban="ES00 2100 0418 4502 0005 1332")
    page.get_by_label("Group email").fill("")
    page.get_by_role("button", name="Sign with wallet and register").click()
    expect(page.locator("#su-email-error")).to_have_text("is required")  # the page's own check first
    assert "personal_sign" not in ui.wallet.methods()
    page.get_by_label("Group email").fill("info@mala.example")
    page.get_by_role("button", name="Sign with wallet and register").click()
    expect(page.locator("#su-iban-error")).to_contain_text("IBAN check digits do not match")
    expect(page.locator("#error-area-message")).to_contain_text("The server refused: iban:")
    expect(page.locator("#su-email-error")).to_be_hidden()
    with ui.world.database.transaction() as s:
        assert s.scalars(select(Participant).where(Participant.entity_name == "Cuenta Mala SL")).first() is None


def test_sign_in_with_the_wallet_returns_to_the_page_asked_for(ui):
    ui.wallet.use_account(ACCOUNTS["dso"])
    page = ui.visit("/transformers", ready="body[data-page-ready]")
    expect(page.locator("body")).to_have_attribute("data-page", "signin")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_role("button", name="Connect wallet").first.click()
    expect(page.locator("#si-account")).to_have_text(f"Connected: {ui.wallet.account.address}.")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    page.wait_for_url("**/transformers")
    page.wait_for_selector('body[data-page="transformers"][data-page-ready]', state="attached")
    expect(page.locator("#session-summary")).to_contain_text(
        "Signed in as Dolores Sanz, Distribuidora Uno (DSO; admin)")
    ui.shot("signed-in")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector('body[data-page="home"]', state="attached")
    expect(page.locator("#session-summary")).to_have_text("Not signed in.")


def test_sign_in_on_a_wrong_network_shows_a_switch_prompt(ui):
    ui.wallet.start_on_chain(1)
    ui.wallet.use_account(ACCOUNTS["fsp"])
    page = ui.visit("/signin", ready="body[data-page-ready]")
    page.locator("#si-connect").click()
    warning = page.locator("#si-network-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        "Your wallet is on network 1, but FlexMarket runs on FlexMarket local chain (id 31337)")
    ui.shot("wrong-network")
    warning.get_by_role("button", name="Switch network").click()
    expect(warning).to_be_hidden()
    expect(page.locator("#si-network")).to_have_text("Your wallet is on FlexMarket local chain (id 31337): ready.")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    page.wait_for_selector('body[data-page="home"]', state="attached")
    expect(page.locator("#session-summary")).to_contain_text("Ana García, Agregador Uno")


def test_sign_in_asks_the_wallet_to_switch_when_signing_on_a_wrong_network(ui):
    ui.wallet.start_on_chain(1)
    ui.wallet.use_account(ACCOUNTS["fsp"])
    page = ui.visit("/signin?next=/assets", ready="body[data-page-ready]")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    page.wait_for_selector('body[data-page="assets"][data-page-ready]', state="attached")
    methods = ui.wallet.methods()
    order = [methods.index(m) for m in ("eth_requestAccounts", "wallet_switchEthereumChain", "personal_sign")]
    assert order == sorted(order)


def test_sign_in_refusals_are_readable(ui):
    ui.wallet.use_account(ACCOUNTS["fsp"])
    page = ui.visit("/signin", ready="body[data-page-ready]")
    page.locator("#si-connect").click()
    expect(page.locator("#si-account")).to_contain_text("Connected")
    ui.wallet.reject_next()
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#error-area-title")).to_have_text("Not signed in")
    expect(page.locator("#error-area-message")).to_have_text("You rejected the request in your wallet.")
    expect(page.locator("#error-area")).to_be_focused()
    expect(page.locator("#session-summary")).to_have_text("Not signed in.")
    ui.shot("rejected")

    ui.wallet.use_account(14)  # a wallet no user holds
    expect(page.locator("#si-account")).to_have_text(f"Connected: {devkeys.dev_account(14).address}.")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#error-area-message")).to_have_text(
        "The server refused: no active user holds this wallet: sign up, or ask your participant's admin to add you")
    assert page.url.endswith("/signin")

"""The Wallet page in Chromium with the test wallet: every path of the wallet module."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from playwright.sync_api import expect

from marketplace.chain import devkeys
from marketplace.chain.typed_data import Bid, bid_typed_data, digest, recover
from tests.browser.conftest import DSO_INDEX, DSO_TOKENS, FSP_INDEX, FSP_TOKENS, STRANGER_INDEX
from tests.helpers import make_request

pytestmark = pytest.mark.browser

DSO = devkeys.dev_account(DSO_INDEX)
FSP = devkeys.dev_account(FSP_INDEX)


def open_wallet(ui, *, connect: bool = True):
    page = ui.visit("/wallet", ready="body[data-page-ready]")
    if connect:
        page.locator("#wallet-connect").click()
        expect(page.locator("#w-account")).to_have_text(ui.wallet.account.address)
    return page


def base_units(page, element_id: str) -> int:
    locator = page.locator(f"#{element_id}")
    expect(locator).not_to_have_attribute("data-base-units", "")
    return int(locator.get_attribute("data-base-units"))


def tx_row(page, number: int):
    return page.locator(f'#wallet-transactions tr[data-row-key="{number}"]')


def test_connect_shows_account_chain_and_token_balance(ui):
    page = open_wallet(ui, connect=False)
    expect(page.locator("#wallet-summary")).to_have_text("Wallet not connected.")
    assert "eth_requestAccounts" not in ui.wallet.methods(), "the page must not prompt before the user asks"
    page.locator("#wallet-connect").click()
    expect(page.locator("#w-account")).to_have_text(DSO.address)
    expect(page.locator("#w-chain")).to_have_text("FlexMarket local chain (id 31337)")
    expect(page.locator("#w-balance")).to_have_text("5,000.00 EUR")
    assert base_units(page, "w-balance") == DSO_TOKENS
    expect(page.locator("#wallet-summary")).to_have_text("0x7099…79C8 on FlexMarket local chain (id 31337).")
    expect(page.locator("#notifications")).to_contain_text(f"Wallet connected: {DSO.address}.")

    # The wallet switches account: the page follows accountsChanged; 6 decimals shown exactly.
    ui.wallet.use_account(FSP_INDEX)
    expect(page.locator("#w-account")).to_have_text(FSP.address)
    expect(page.locator("#w-balance")).to_have_text("1,234.567891 EUR")
    assert base_units(page, "w-balance") == FSP_TOKENS == ui.market.client.balance_of(FSP.address)


def test_wrong_network_is_detected_and_switched(ui):
    ui.wallet.start_on_chain(1)
    page = open_wallet(ui)
    expect(page.locator("#w-chain")).to_have_text("network 1")
    expect(page.locator("#w-network-warning")).to_be_visible()
    expect(page.locator("#wallet-summary")).to_contain_text("wrong network")
    expect(page.locator("#w-balance")).to_have_text("–")
    assert "eth_call" not in ui.wallet.methods(), "no contract reads on the wrong chain"
    ui.shot("wrong-network")

    page.locator("#wallet-switch").click()
    expect(page.locator("#w-chain")).to_have_text("FlexMarket local chain (id 31337)")
    expect(page.locator("#w-network-warning")).to_be_hidden()
    expect(page.locator("#wallet-switch")).to_be_hidden()
    expect(page.locator("#w-balance")).to_have_text("5,000.00 EUR")
    switches = [p for m, p in ui.wallet.calls if m == "wallet_switchEthereumChain"]
    assert switches == [[{"chainId": "0x7a69"}]]
    assert ui.wallet.added_chains == []


def test_unknown_network_is_added_to_the_wallet_then_used(ui):
    ui.wallet.start_on_chain(5, known=False)
    page = open_wallet(ui)
    expect(page.locator("#w-network-warning")).to_be_visible()
    page.locator("[data-wallet-switch]").last.click()  # the page's own button this time
    expect(page.locator("#w-chain")).to_have_text("FlexMarket local chain (id 31337)")
    expect(page.locator("#w-balance")).to_have_text("5,000.00 EUR")
    assert ui.wallet.added_chains == [
        {
            "chainId": "0x7a69",
            "chainName": "FlexMarket local chain",
            "rpcUrls": [ui.market.node.url],
            "nativeCurrency": {"name": "Ether", "symbol": "ETH", "decimals": 18},
        }
    ]


def test_rejected_requests_are_shown_readably(ui):
    page = open_wallet(ui, connect=False)
    ui.wallet.reject_next()
    page.locator("#wallet-connect").click()
    error = page.locator("#error-area")
    expect(error).to_be_visible()
    expect(error).to_be_focused()
    expect(page.locator("#error-area-title")).to_have_text("Wallet not connected")
    expect(page.locator("#error-area-message")).to_have_text("You rejected the request in your wallet.")
    expect(page.locator("#w-account")).to_have_text("not connected")
    ui.shot("rejected-connection")

    page.locator("#error-area-dismiss").click()
    expect(error).to_be_hidden()
    page.locator("#wallet-connect").click()
    expect(page.locator("#w-account")).to_have_text(DSO.address)
    ui.wallet.reject_next()
    page.get_by_role("button", name="Sign bid").click()
    expect(page.locator("#error-area-title")).to_have_text("Bid not signed")
    expect(page.locator("#error-area-message")).to_have_text("You rejected the request in your wallet.")
    expect(page.locator("#w-bid-result")).to_be_hidden()
    assert ui.wallet.methods().count("eth_signTypedData_v4") == 1


def test_bid_signed_in_the_page_recovers_to_the_account_and_matches_the_python_digest(ui):
    ui.wallet.use_account(FSP_INDEX)
    page = open_wallet(ui)
    page.get_by_label("Request id").fill("7")
    page.get_by_label("Quantity (Wh)", exact=True).fill("250000")
    page.get_by_label("Minimum quantity (Wh)").fill("100000")
    page.get_by_label("Price (EUR per MWh)").fill("98.765432")
    page.get_by_label("Guarantee (EUR)").fill("12.5")
    terms = "0x" + "5e" * 32
    page.get_by_label("Terms hash (bytes32)").fill(terms)
    page.get_by_role("button", name="Sign bid").click()
    expect(page.locator("#w-bid-result")).to_be_visible()

    bid = Bid(
        requestId=7,
        fsp=FSP.address,
        quantityWh=250_000,
        minQuantityWh=100_000,
        pricePerMWh=98_765_432,
        guarantee=12_500_000,
        terms=bytes.fromhex("5e" * 32),
    )
    typed = bid_typed_data(ui.market.chain.chain_id, ui.market.client.market.address, bid)
    page_digest = page.locator("#w-bid-digest").inner_text()
    signature = bytes.fromhex(page.locator("#w-bid-signature").inner_text()[2:])
    assert page_digest == "0x" + digest(typed).hex()
    assert page_digest == "0x" + ui.market.client.bid_digest(bid).hex(), "the contract hashes the same bid"
    assert recover(typed, signature) == FSP.address
    sent = json.loads(next(p for m, p in ui.wallet.calls if m == "eth_signTypedData_v4")[1])
    assert sent["primaryType"] == "Bid" and sent["domain"]["verifyingContract"] == ui.market.client.market.address


def test_approve_goes_pending_then_confirmed_and_changes_the_allowance(ui):
    page = open_wallet(ui)
    market = ui.market.client.market.address
    token = ui.market.client.token
    assert token.functions.allowance(DSO.address, market).call() == 0
    ui.market.rpc("evm_setAutomine", [False])
    page.get_by_label("Amount the market may spend (EUR)").fill("321.5")
    page.get_by_role("button", name="Approve").click()

    row = tx_row(page, 1)
    expect(row.locator('td[data-key="status"]')).to_have_text("Pending")
    expect(row.locator('td[data-key="label"]')).to_have_text("Approve 321.50 EUR")
    tx_hash = row.locator('td[data-key="hash"]').inner_text()
    assert tx_hash.startswith("0x") and len(tx_hash) == 66
    assert token.functions.allowance(DSO.address, market).call() == 0, "nothing on chain while pending"
    ui.shot("approve-pending")

    ui.market.rpc("evm_mine")
    expect(row.locator('td[data-key="status"]')).to_have_text("Confirmed")
    assert token.functions.allowance(DSO.address, market).call() == 321_500_000
    expect(page.locator("#w-allowance")).to_have_text("321.50 EUR")
    receipt = ui.market.chain.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt.status == 1 and receipt["from"] == DSO.address
    expect(row.locator('td[data-key="block"]')).to_have_text(str(receipt.blockNumber))
    expect(page.locator("#notifications")).to_contain_text("Approve 321.50 EUR: confirmed in block")


def test_withdraw_without_credit_fails_with_the_decoded_custom_error(ui):
    ui.wallet.use_account(STRANGER_INDEX)
    page = open_wallet(ui)
    page.get_by_role("button", name="Withdraw credit").click()
    stranger = devkeys.dev_account(STRANGER_INDEX).address
    message = f"There is nothing to withdraw: the market holds no credit for {stranger[:6]}…{stranger[-4:]}. (FlexMarketNothingToWithdraw)"
    expect(page.locator("#error-area-message")).to_have_text(message)
    expect(page.locator("#error-area-title")).to_have_text("Withdrawal not made")
    row = tx_row(page, 1)
    expect(row.locator('td[data-key="status"]')).to_have_text("Failed")
    expect(row.locator('td[data-key="message"]')).to_have_text(message)
    expect(page.locator("#notifications")).to_contain_text(f"Withdraw credit: failed. {message}")
    assert "eth_sendTransaction" not in ui.wallet.methods(), "a revert found by the check is not sent"


def test_withdraw_of_credit_is_confirmed_and_pays_the_account(ui):
    client = ui.market.client
    client.approve(DSO, 2**255)
    terms = make_request(client, DSO, quantity_wh=10_000, cap=150 * 1_000_000)
    request_id = client.create_request(DSO, terms)
    client.cancel_request(DSO, request_id, terms)
    credit = client.credit_of(DSO.address)
    assert credit == terms.escrow > 0
    page = open_wallet(ui)
    assert base_units(page, "w-credit") == credit
    page.get_by_role("button", name="Withdraw credit").click()
    expect(tx_row(page, 1).locator('td[data-key="status"]')).to_have_text("Confirmed")
    expect(page.locator("#w-credit")).to_have_text("0.00 EUR")
    expect(page.locator("#w-balance")).to_have_text("5,000.00 EUR")
    assert client.credit_of(DSO.address) == 0 and client.balance_of(DSO.address) == DSO_TOKENS


def test_transaction_reverted_on_chain_shows_failed(ui):
    page = open_wallet(ui)
    ui.wallet.next_gas_limit = 30_000  # passes the check, runs out of gas on chain
    page.get_by_role("button", name="Approve").click()
    row = tx_row(page, 1)
    expect(row.locator('td[data-key="status"]')).to_have_text("Failed")
    expect(row.locator('td[data-key="message"]')).to_contain_text("The transaction failed on chain: it ran out of gas (used")
    tx_hash = row.locator('td[data-key="hash"]').inner_text()
    assert ui.market.chain.w3.eth.get_transaction_receipt(tx_hash).status == 0


# EIP-4361 with the fields FlexMarket sends, parsed by the spec's layout here, independent of
# the `siwe` library the server uses.
EIP4361 = re.compile(
    r"(?P<domain>[^ ]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"(?P<statement>[^\n]+)\n\n"
    r"URI: (?P<uri>[^\n]+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>\d+)\n"
    r"Nonce: (?P<nonce>[A-Za-z0-9]{8,})\n"
    r"Issued At: (?P<issued_at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"
)


def _serve_siwe(ui, nonce: str, seen: list):
    """Stand-ins for the API's auth endpoints that check the message and the signature."""
    ui.page.route("**/api/v1/auth/nonce", lambda route: route.fulfill(json={"nonce": nonce}))

    def verify(route):
        body = json.loads(route.request.post_data)
        fields = EIP4361.fullmatch(body["message"]).groupdict()
        assert fields["domain"] == ui.base_url.removeprefix("http://") and fields["nonce"] == nonce
        assert Account.recover_message(encode_defunct(text=body["message"]), signature=body["signature"]) == fields["address"]
        seen.append((fields, body))
        route.fulfill(json={"account": fields["address"]})

    ui.page.route("**/api/v1/auth/siwe", verify)


def test_sign_in_with_ethereum_posts_a_valid_eip4361_message(ui):
    seen: list = []
    _serve_siwe(ui, "Fm8x2Qk4Lr7p", seen)
    page = open_wallet(ui)
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#w-signin")).to_have_text(f"yes, as {DSO.address}")
    ((fields, body),) = seen
    assert fields["address"] == DSO.address and fields["chain_id"] == "31337" and fields["uri"] == ui.base_url
    assert fields["statement"] == "Sign in to FlexMarket."
    issued = datetime.fromisoformat(fields["issued_at"].replace("Z", "+00:00"))
    assert abs(datetime.now(timezone.utc) - issued) < timedelta(minutes=1)
    recovered = Account.recover_message(encode_defunct(text=body["message"]), signature=body["signature"])
    assert recovered == DSO.address
    assert "personal_sign" in ui.wallet.methods()


def test_sign_in_refusals_are_readable(ui):
    seen: list = []
    page = open_wallet(ui)
    ui.page.route("**/api/v1/auth/nonce", lambda route: route.fulfill(status=404, json={}))
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#error-area-message")).to_have_text("The server does not offer /api/v1/auth/nonce yet (HTTP 404).")
    ui.page.unroute("**/api/v1/auth/nonce")

    _serve_siwe(ui, "Q9w8e7r6t5y4", seen)
    ui.wallet.reject_next()
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#error-area-message")).to_have_text("You rejected the request in your wallet.")
    expect(page.locator("#error-area-title")).to_have_text("Not signed in")
    expect(page.locator("#w-signin")).to_have_text("no")
    assert seen == []


def test_the_market_operator_issues_tokens_to_a_participant(ui):
    stranger = devkeys.dev_account(STRANGER_INDEX).address
    token = ui.market.client.token
    page = open_wallet(ui)  # a DSO: not the token's owner, no issuing
    expect(page.locator("#w-issue")).to_be_hidden()

    ui.wallet.use_account(0)  # the market operator, owner of the token
    expect(page.locator("#w-account")).to_have_text(devkeys.dev_account(0).address)
    expect(page.locator("#w-issue")).to_be_visible()
    before = token.functions.balanceOf(stranger).call()
    page.get_by_label("Recipient wallet address").fill("0x1234")
    page.get_by_label("Amount (EUR)").fill("10")
    page.get_by_role("button", name="Issue tokens").click()
    expect(page.locator("#error-area-message")).to_contain_text("not a wallet address")
    page.get_by_label("Recipient wallet address").fill(stranger)
    page.get_by_label("Amount (EUR)").fill("125.5")
    page.get_by_role("button", name="Issue tokens").click()
    row = tx_row(page, 1)
    expect(row.locator('td[data-key="status"]')).to_have_text("Confirmed")
    expect(row.locator('td[data-key="label"]')).to_contain_text("Issue 125.50 EUR to")
    assert token.functions.balanceOf(stranger).call() == before + 125_500_000

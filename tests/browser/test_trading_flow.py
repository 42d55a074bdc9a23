"""The Italian flow end to end in the browser (seed 3.4.4-3.4.7).

The DSO selects a time range on a transformer's day-ahead forecast and follows its link to the
request form (prefilled with the range and the energy above the planning limit), the operator validates it on the
request's page, the DSO's wallet escrows it (token approval and ``createRequest``) and it is
published; two charge-point operators bid in their own browsers, each bid EIP-712 signed in
their wallets; after gate closure the DSO picks one offer and its wallet awards it on chain;
simulated meters deliver, the meter oracle attests, and the winning CPO sees the payment on
the request's page and withdraws it on the wallet page. Checks on chain and signatures are
made here with web3 and eth-account, never with the code under test.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.chain.client import Chain
from marketplace.market.workers import indexer_for
from marketplace.models import Bid, BidLeg
from oracle.feed import SimulatedMeterFeed
from oracle.worker import OracleWorker
from tests.browser.trading_support import (  # noqa: F401 (fixtures)
    EUR,
    HOUR,
    Q,
    actors,
    deliverable_window,
    live_server,
    oracle_account,
    reload_request,
    trading,
    trading_server,
)
from tests.browser.world import BrowserWorld

pytestmark = pytest.mark.browser

DSO = BrowserWorld.account("dso")


def clock(t: int) -> str:
    """``t`` as people type it: YYYY-MM-DD HH:MM (UTC)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def kwh(page, start: int):
    return page.locator(f"#nr-q-{start}")


def test_italian_flow_from_the_forecast_link_to_the_cpo_withdrawing_its_payment(actors, trading):
    day = trading.delivery_day()
    # two quarter-hours (near the evening peak) in which one CPO's simulated charger can deliver;
    # that CPO offers the cheapest price and wins
    first, winner = deliverable_window(day, 2_000, prefer=day + 18 * HOUR + 45 * 60)
    second = first + Q
    loser = "cpo" if winner == "cpo2" else "cpo2"
    session = trading.new_session(start=first - HOUR, end=second + HOUR)
    market = trading.market
    forecast = trading.api("dso").get(f"/grid/elements/{trading['tr_a21']}/forecast",
                                      params={"from": first, "to": second + Q})["points"]
    excess = {p["start"]: max(0, p["load_w"] - p["planning_limit_w"]) // 4 for p in forecast}
    prefilled = {t: "" if not wh else str(-(-wh // 1000)) for t, wh in excess.items()}  # whole kWh, rounded up
    assert set(prefilled) == {first, second}

    # --- the DSO selects the range on TR-A21's day-ahead forecast and follows the link to the form
    dso = actors.open("dso")
    page = dso.visit("/transformers")
    page.get_by_role("button", name="Forecast of TR-A21 Atocha").click()
    expect(page.locator("#tr-forecast-summary")).not_to_be_empty()
    page.get_by_label("From (UTC)").fill(clock(first))
    page.get_by_label("To (UTC)").fill(clock(second + Q))
    page.get_by_role("button", name="Select range").click()
    dso.shot("forecast-range")
    page.get_by_role("link", name="Start a flexibility request for this range").click()
    page.wait_for_url(re.compile(r".*/requests/new\?.*"))
    page.wait_for_selector("body[data-page-ready]", state="attached")
    assert page.url.endswith(f"/requests/new?element={trading['tr_a21']}&start={first}&end={second + Q}")
    expect(page.locator("#nr-prefill-note")).to_contain_text("Prefilled from the forecast chart")
    expect(page.locator("#nr-prefill-note")).to_contain_text("TR-A21")
    expect(page.locator("#nr-session")).to_have_value(str(session["id"]))
    expect(page.locator("#nr-product")).to_have_value("ENG_ST_UP_15MIN")
    expect(page.get_by_label("Where the flexibility is needed")).to_have_value("element")
    expect(page.locator("#nr-element")).to_have_value(str(trading["tr_a21"]))
    expect(page.locator("#nr-readiness")).to_contain_text("2.5 min")
    # each quarter-hour: the forecast load above the planning limit, in the product's kWh steps
    expect(kwh(page, first)).to_have_value(prefilled[first])
    expect(kwh(page, second)).to_have_value(prefilled[second])
    dso.shot("form-prefilled")
    kwh(page, first).fill("2")
    kwh(page, second).fill("2")
    page.get_by_label("Maximum activation price (price cap)").fill("200")
    page.get_by_label("Additional information").fill("Evening peak at Atocha.")
    page.get_by_role("button", name="Submit for validation").click()
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    page.wait_for_selector("body[data-page-ready]", state="attached")
    expect(page.locator("#r-status")).to_contain_text("waiting for the operator's validation")
    request_id = int(page.url.rstrip("/").split("/")[-1])
    stored = trading.api("dso").get(f"/requests/{request_id}")
    assert [(i["start"], i["quantity_wh"]) for i in stored["intervals"]] == [(first, 2_000), (second, 2_000)]
    assert stored["price_cap_per_mwh"] == 200 * EUR and stored["grid_element_id"] == trading["tr_a21"]
    assert stored["additional_info"] == "Evening peak at Atocha."
    dso.shot("submitted")

    # --- the operator validates it on the request's page
    operator = actors.open("operator")
    op_page = operator.visit(f"/requests/{request_id}")
    op_page.get_by_role("button", name=f"Validate request {request_id}").click()
    expect(op_page.locator("#r-status")).to_contain_text("waiting for the DSO's escrow")
    operator.shot("validated")

    # --- the DSO's wallet escrows it: approval, then createRequest; published
    expect(page.locator("#r-escrow")).to_be_visible(timeout=10_000)  # the page follows the status
    escrow = 2 * 2_000 * 200 * EUR // 1_000_000
    expect(page.locator("#r-escrow-total")).to_have_text(f"{escrow / EUR:.2f} EUR")
    balance_before = market.client.balance_of(DSO.address)
    page.get_by_role("button", name="Escrow with my wallet and publish").click()
    steps = page.locator("#r-escrow-steps li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("Approve the escrow: Confirmed")
    expect(steps.nth(1)).to_contain_text("Create the energy request: Confirmed")
    expect(page.locator("#r-status")).to_contain_text("Published: open for offers")
    assert market.client.balance_of(DSO.address) == balance_before - escrow
    sent = [m for m, _ in dso.wallet.calls if m == "eth_sendTransaction"]
    assert len(sent) == 2
    expect(page.locator("#r-offer-count")).to_contain_text("No offer yet")
    dso.shot("published")

    # --- two CPOs bid in their browsers, each bid signed in the wallet
    bids = {}
    for name, price in ((loser, "150"), (winner, "120")):
        cpo = actors.open(name)
        cpo_page = cpo.visit(f"/requests/{request_id}")
        expect(cpo_page.locator("#r-bid")).to_be_visible()
        expect(cpo_page.locator(f"#r-bid-q-{first}")).to_have_value("2")  # the request's quantities
        cpo_page.get_by_label("Price (EUR per MWh)").fill(price)
        cpo_page.get_by_role("button", name="Sign and submit bid").click()
        expect(cpo_page.locator("#r-bid-result")).to_contain_text("signed and submitted")
        rows = cpo_page.locator("#request-own-bids tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(f"{price}.00 EUR per MWh")
        cpo.shot("bid")
        signed = [p for m, p in cpo.wallet.calls if m == "eth_signTypedData_v4"]
        assert len(signed) == 1 and signed[0][0] == cpo.wallet.account.address
        bids[name] = (cpo, cpo_page)
    with trading.server.services.database.new_session(writes=False) as s:
        stored_bids = s.scalars(select(Bid).where(Bid.request_id == request_id).order_by(Bid.id)).all()
        legs = {b.id: s.scalars(select(BidLeg).where(BidLeg.bid_id == b.id)).one() for b in stored_bids}
        owners = {b.id: b.signer_address for b in stored_bids}
    assert sorted(owners.values()) == sorted(BrowserWorld.account(n).address for n in ("cpo", "cpo2"))
    for bid_id, leg in legs.items():  # each signature recovers to its CPO's wallet (eth-account)
        document = {
            "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                       {"name": "chainId", "type": "uint256"},
                                       {"name": "verifyingContract", "type": "address"}],
                      "Bid": [{"name": "requestId", "type": "uint256"}, {"name": "fsp", "type": "address"},
                              {"name": "quantityWh", "type": "uint128"}, {"name": "minQuantityWh", "type": "uint128"},
                              {"name": "pricePerMWh", "type": "uint128"}, {"name": "guarantee", "type": "uint128"},
                              {"name": "terms", "type": "bytes32"}]},
            "primaryType": "Bid",
            "domain": {"name": "FlexMarket", "version": "1", "chainId": market.chain.chain_id,
                       "verifyingContract": market.client.market.address},
            "message": {"requestId": leg.onchain_request_id, "fsp": leg.fsp_address, "quantityWh": leg.quantity_wh,
                        "minQuantityWh": leg.min_quantity_wh, "pricePerMWh": leg.price_per_mwh,
                        "guarantee": leg.guarantee, "terms": bytes.fromhex(leg.terms_hash[2:])},
        }
        assert Account.recover_message(encode_typed_data(full_message=document),
                                       signature=bytes.fromhex(leg.signature[2:])) == owners[bid_id]
    assert [b.quantity_wh for b in stored_bids] == [4_000, 4_000]
    reload_request(page)
    expect(page.locator("#r-offer-count")).to_contain_text("2 offers received so far")

    # --- gate closure (the scheduler's job: the operator's close-gate), then the DSO picks
    trading.travel_to(session["gate_close_at"] + 1)
    trading.api("operator").post(f"/sessions/{session['id']}/close-gate")
    reload_request(page)
    expect(page.locator("#r-pick-form")).to_be_visible()
    offers = page.locator("#request-offers tbody tr")
    expect(offers).to_have_count(2)
    expect(offers.nth(0)).to_contain_text("120.00 EUR per MWh")  # cheapest first
    expect(page.locator("#offers-merit-chart canvas")).to_have_count(1)
    dso.shot("offers")
    winner_account = BrowserWorld.account(winner)
    cheapest = next(b for b in stored_bids if b.signer_address == winner_account.address)
    page.get_by_label(f"Offer {cheapest.id}", exact=True).check()
    expect(page.locator("#r-pick-total")).to_contain_text("4 kWh of 4 kWh requested")
    page.get_by_role("button", name="Award the selected offers").click()
    expect(page.locator("#r-pick-steps li").first).to_contain_text("Award the energy request: Confirmed")
    expect(page.locator("#r-status")).to_contain_text("Awarded")
    expect(page.locator("#r-winners")).to_have_text("1")
    expect(page.locator("#request-results tbody tr")).to_have_count(1)  # the DSO sees the matched offer only
    expect(page.locator("#results-orderbook-chart canvas")).to_have_count(1)
    expect(page.locator("#results-merit-chart canvas")).to_have_count(1)
    dso.shot("awarded")

    # --- simulated meters deliver, the oracle settles
    agreements = trading.api("dso").get(f"/agreements?request_id={request_id}")["items"]
    assert len(agreements) == 1 and agreements[0]["fsp_address"] == winner_account.address
    trading.travel_to(agreements[0]["delivery_end"] + HOUR)
    database = trading.server.services.database
    assert SimulatedMeterFeed(database).run_once(trading.now()) > 0
    chain = Chain.connect(market.node.url, poll_latency=0.005)
    report = OracleWorker(database, chain, market.client.deployment, oracle_account()).run_once()
    assert report.attested == [agreements[0]["agreement_id"]], report
    indexer_for(trading.server.services).poll()
    settled = trading.api(winner).get(f"/agreements/{agreements[0]['id']}")
    assert settled["status"] == "settled" and settled["success"] and settled["delivered_wh"] == 4_000, settled
    assert settled["payment"] == 4_000 * 120 * EUR // 1_000_000 == 480_000
    payment = settled["payment"]

    # --- the winning CPO sees the payment and withdraws it
    cpo2, cpo2_page = bids[winner]
    cpo2_page.reload()
    cpo2_page.wait_for_selector("body[data-page-ready]", state="attached")
    row = cpo2_page.locator("#request-agreements tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("settled")
    expect(row).to_contain_text(f"{payment / EUR:.2f} EUR")
    expect(cpo2_page.locator("#request-results tbody tr")).to_have_count(1)
    expect(cpo2_page.locator("#request-results tbody tr")).to_contain_text("accepted")
    cpo2.shot("paid")
    wallet_page = cpo2.visit("/wallet")
    wallet_page.locator("#wallet-connect").click()
    expect(wallet_page.locator("#w-credit")).not_to_have_text("–")
    assert int(wallet_page.locator("#w-credit").get_attribute("data-base-units")) == payment
    tokens_before = market.client.balance_of(winner_account.address)
    wallet_page.get_by_role("button", name="Withdraw credit").click()
    expect(wallet_page.locator("#w-credit")).to_have_text("0.00 EUR")
    assert market.client.balance_of(winner_account.address) == tokens_before + payment
    cpo2.shot("withdrawn")

    # the losing CPO was told, on its own page
    cpo, cpo_page = bids[loser]
    cpo_page.reload()
    cpo_page.wait_for_selector("body[data-page-ready]", state="attached")
    expect(cpo_page.locator("#request-results tbody tr")).to_have_count(1)  # its own bid only
    expect(cpo_page.locator("#request-results tbody tr")).to_contain_text("rejected")
    expect(cpo_page.locator("#request-results tbody tr")).to_contain_text("not picked by the DSO")
    cpo.shot("not-picked")

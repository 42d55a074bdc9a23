"""Steps of the market lifecycle through the API, for the tests (signing with eth-account here)."""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account
from eth_utils import keccak

from marketplace.chain.client import Chain
from tests.helpers import _BID_TYPES
from tests.market.conftest import MWorld

HOUR = 3600
Q = 900


def quarter(t: int) -> int:
    return t - t % Q + Q


def market(api, w: MWorld, *, products: list[str], name: str, element: str = "mv_lv_substation") -> dict:
    catalogue = {p["code"]: p["id"] for p in api(None).get("/products?limit=100")["items"]}
    return api("dso").post("/markets", 201, json={
        "name": name, "grid_element_id": w[element], "valid_from": 0, "valid_until": 4_000_000_000,
        "product_ids": [catalogue[c] for c in products]})


def session(api, market_id: int, now: int, *, horizon: str = "short_term", mode: str = "auction",
            pricing: str = "pay_as_bid", open_in: int = 0, close_in: int = HOUR, delivery_in: int = 2 * HOUR,
            delivery_s: int = HOUR, **extra) -> dict:
    start = quarter(now + delivery_in)
    return api("dso").post("/sessions", 201, json={
        "market_id": market_id, "horizon": horizon, "mode": mode, "pricing": pricing, "gate_open_at": now + open_in,
        "gate_close_at": now + close_in, "delivery_start": start, "delivery_end": start + delivery_s, **extra})


def request(api, session_row: dict, product: str, *, intervals: list[tuple[int, int]] | None = None,
            cap: int = 200_000_000, **extra) -> dict:
    if intervals is None:
        start = session_row["delivery_start"]
        intervals = [(start, 100_000), (start + Q, 100_000)]
    body = {"session_id": session_row["id"], "product": product, "price_cap_per_mwh": cap, **extra}
    if "service_window" not in extra:
        body["intervals"] = [{"start": s, "quantity_wh": q} for s, q in intervals]
    return api("dso").post("/requests", 201, json=body)


def validate_and_publish(api, w: MWorld, chain, request_row: dict, *, dso: str = "dso") -> dict:
    api("operator").post(f"/requests/{request_row['id']}/validate")
    escrow = api(dso).get(f"/requests/{request_row['id']}/escrow")
    hashes = [send_unsigned(chain, w.accounts[dso], tx) for tx in escrow["transactions"]]
    last = None
    for tx_hash in hashes[1:]:
        last = api(dso).post(f"/requests/{request_row['id']}/publish", json={"tx_hash": tx_hash})
    assert last["status"] == "published", last
    return last


def bid(api, w: MWorld, chain_market, request_row: dict, fsp: str, unit: str, *, price: int,
        intervals: list[tuple[int, int]] | None = None, capacity_w: int | None = None,
        availability_price: int | None = None, divisible: bool = False, min_quantity_wh: int = 0,
        version: int = 1, expect: int = 201, signer=None, tamper: Any = None, **extra) -> dict:
    """Prepare the typed data, check the terms hash independently, sign each leg here, submit."""
    body = signed(api, w, chain_market, request_row, fsp, unit, price=price, intervals=intervals,
                  capacity_w=capacity_w, availability_price=availability_price, divisible=divisible,
                  min_quantity_wh=min_quantity_wh, version=version, signer=signer, **extra)
    if tamper is not None:
        tamper(body)
    return api(fsp).post(f"/requests/{request_row['id']}/bids", expect, json=body)


def signed(api, w: MWorld, chain_market, request_row: dict, fsp: str, unit: str, *, price: int,
           intervals: list[tuple[int, int]] | None = None, capacity_w: int | None = None,
           availability_price: int | None = None, divisible: bool = False, min_quantity_wh: int = 0,
           version: int = 1, signer=None, **extra) -> dict:
    """The body of ``POST /requests/{id}/bids``: terms, signer and a signature per leg (not sent)."""
    terms: dict[str, Any] = {"version": version, "bidding_unit_id": w[unit], "divisible": divisible,
                             "min_quantity_wh": min_quantity_wh, "price_per_mwh": price, **extra}
    if capacity_w is not None:
        terms["capacity_w"] = capacity_w
        terms["availability_price_per_mw_h"] = availability_price
    else:
        terms["intervals"] = [{"start": s, "quantity_wh": q} for s, q in intervals]
    account = signer or w.accounts[fsp]
    prepared = api(fsp).post(f"/requests/{request_row['id']}/bids/typed-data",
                             json={"terms": terms, "signer": account.address})
    assert canonical_hash(prepared["terms"]) == prepared["terms_hash"]
    signatures = {}
    for leg in prepared["legs"]:
        message = dict(leg["typed_data"]["message"])
        assert message["terms"] == prepared["terms_hash"] and message["requestId"] == leg["onchain_request_id"]
        assert leg["typed_data"]["domain"]["verifyingContract"] == chain_market.market.address
        signatures[leg["leg"]] = sign_leg(account, chain_market.chain.chain_id, chain_market.market.address, message)
    return {"terms": terms, "signer": account.address, "signatures": signatures}


def send_unsigned(chain: Chain, account, tx: dict) -> str:
    """Sign an unsigned transaction from the API with ``account`` (eth-account) and send it."""
    w3 = chain.w3
    full = {"to": tx["to"], "data": tx["data"], "value": tx.get("value", 0), "chainId": tx["chain_id"],
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            "gas": int(w3.eth.estimate_gas({"from": account.address, "to": tx["to"], "data": tx["data"]}) * 6 // 5),
            "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9}
    signed = Account.sign_transaction(full, account.key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
    assert receipt["status"] == 1, receipt
    return "0x" + bytes(tx_hash).hex()


def canonical_hash(terms: dict) -> str:
    """keccak256 of the canonical JSON of ``terms``, computed here independently of the service."""
    text = json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "0x" + keccak(text.encode()).hex()


def sign_leg(account, chain_id: int, market: str, message: dict) -> str:
    """Sign one bid leg's EIP-712 ``Bid`` with eth-account (types from tests/helpers.py)."""
    domain = {"name": "FlexMarket", "version": "1", "chainId": chain_id, "verifyingContract": market}
    msg = dict(message)
    msg["terms"] = bytes.fromhex(msg["terms"][2:]) if isinstance(msg["terms"], str) else msg["terms"]
    signed = Account.sign_typed_data(account.key, domain, _BID_TYPES, msg)
    return "0x" + bytes(signed.signature).hex()


def st_auction(api, w: MWorld, chain_market, name: str, *, mode: str = "auction", pricing: str = "pay_as_bid",
               quantities: tuple[int, int] = (100_000, 100_000), cap: int = 250_000_000, close_in: int = HOUR,
               **extra) -> tuple[dict, dict]:
    """A short-term market, session and published request at TR-19 (orange): (session, request)."""
    chain = chain_market.chain
    now = chain.timestamp()
    m = market(api, w, products=["ENG_ST_UP_15MIN"], name=f"{name} {now}")
    sess = session(api, m["id"], now, mode=mode, pricing=pricing, close_in=close_in)
    start = sess["delivery_start"]
    req = validate_and_publish(api, w, chain, request(
        api, sess, "ENG_ST_UP_15MIN", intervals=[(start, quantities[0]), (start + Q, quantities[1])], cap=cap,
        **extra))
    return sess, req


def close(api, chain, sess: dict) -> dict:
    """Move the chain past the session's gate closure and have the operator close it."""
    chain.travel(max(1, sess["gate_close_at"] - chain.timestamp() + 1))
    return api("operator").post(f"/sessions/{sess['id']}/close-gate")

"""Signed bids through the API on anvil: one bid per auction and bidding unit with versions and
withdrawal until gate closure (refused after), forged and replayed signatures, a machine
client's bid signed by a registered wallet, and short-term automatic qualification against the
DSO's limitations."""

from __future__ import annotations

import pytest
from eth_account import Account

from marketplace.models import Bid
from tests.market import flow

pytestmark = pytest.mark.anvil

A = 120_000_000
EUR = 1_000_000


def _quarters(req: dict, wh: int = 20_000) -> list[tuple[int, int]]:
    start = req["delivery_start"]
    return [(start, wh), (start + 900, wh)]


def test_bid_versions_supersede_until_gate_closure_and_changes_after_it_are_refused(api, mworld, chain_market):
    chain = chain_market.chain
    sess, req = flow.st_auction(api, mworld, chain_market, "versions")
    iv = _quarters(req)
    v1 = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A, intervals=iv)
    v2 = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A - 10 * EUR, intervals=iv, version=2)
    assert api("fsp_a").get(f"/bids/{v1['id']}")["status"] == "superseded"
    assert api("fsp_a").get(f"/bids/{v2['id']}")["status"] == "active"
    skipped = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A, intervals=iv, version=5,
                       expect=409)
    assert skipped["code"] == "stale_version" and skipped["details"]["expected"] == 3
    withdrawn = api("fsp_a").post(f"/bids/{v2['id']}/withdraw")
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_at"] is not None
    assert api("fsp_a").post(f"/bids/{v2['id']}/withdraw", 409)["code"] == "not_active"
    assert api("fsp_b").post(f"/bids/{v2['id']}/withdraw", 404)["code"] == "not_found"  # not B's bid
    v3 = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A, intervals=iv, version=3)
    b1 = flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit0", price=A + 10 * EUR, intervals=iv)
    assert {b["id"]: b["status"] for b in api("fsp_a").get(f"/bids?request_id={req['id']}")["items"]} == {
        v1["id"]: "superseded", v2["id"]: "withdrawn", v3["id"]: "active"}
    # a fourth version, signed before the gate closes and sent after it
    late = flow.signed(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A - 20 * EUR, intervals=iv,
                       version=4)
    closed = flow.close(api, chain, sess)
    (row,) = closed["requests"]
    assert row["book_size"] == 2 and row["leg_status"] == "awarded"  # v3 and b1: one bid per unit
    refused = api("fsp_a").post(f"/requests/{req['id']}/bids", 409, json=late)
    assert refused["code"] == "gate_closed"
    assert api("fsp_a").post(f"/bids/{v3['id']}/withdraw", 409)["code"] == "gate_closed"
    assert api("fsp_a").post(f"/requests/{req['id']}/bids/typed-data", 409, json={"terms": late["terms"]})[
        "code"] == "gate_closed"
    after = api("fsp_a").get(f"/bids/{v3['id']}")
    assert (after["status"], after["price_per_mwh"], after["outcome"]) == ("active", A, "accepted")
    assert len(api("fsp_a").get(f"/bids?request_id={req['id']}")["items"]) == 3  # nothing stored by the refusal


def test_forged_and_replayed_bid_signatures_are_refused(api, mworld, chain_market, services):
    _, req = flow.st_auction(api, mworld, chain_market, "signatures")
    _, other = flow.st_auction(api, mworld, chain_market, "signatures other")
    iv = _quarters(req)
    body = flow.signed(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=A, intervals=iv)

    def variant(change) -> dict:
        copy = {"terms": dict(body["terms"]), "signer": body["signer"], "signatures": dict(body["signatures"])}
        change(copy)
        return copy

    # signed by another key than the named signer (B's key over A's typed data)
    prepared = api("fsp_a").post(f"/requests/{req['id']}/bids/typed-data", json={"terms": body["terms"]})
    (leg,) = prepared["legs"]
    by_b = flow.sign_leg(mworld.accounts["fsp_b"], chain_market.chain.chain_id, chain_market.market.address,
                         leg["typed_data"]["message"])
    forged = [
        variant(lambda b: b["signatures"].update(energy=by_b)),
        variant(lambda b: b["signatures"].update(energy="0x" + "11" * 65)),
        variant(lambda b: b["terms"].update(price_per_mwh=A + 10 * EUR)),  # terms changed after signing
        variant(lambda b: b["signatures"].update(energy=b["signatures"]["energy"][:-2] + "1f")),  # bad v
    ]
    for bad in forged:
        reply = api("fsp_a").post(f"/requests/{req['id']}/bids", 422, json=bad)
        assert reply["code"] == "invalid_signature", reply
    # a wallet that is not registered to the participant, signing a correct message for itself
    stranger = Account.create()
    message = {**leg["typed_data"]["message"], "fsp": stranger.address}
    unknown = variant(lambda b: b.update(signer=stranger.address, signatures={"energy": flow.sign_leg(
        stranger, chain_market.chain.chain_id, chain_market.market.address, message)}))
    assert api("fsp_a").post(f"/requests/{req['id']}/bids", 422, json=unknown)["code"] == "signer_not_authorized"
    # B's own wallet named by A
    assert api("fsp_a").post(f"/requests/{req['id']}/bids", 422, json=variant(
        lambda b: b.update(signer=mworld.accounts["fsp_b"].address)))["code"] == "signer_not_authorized"
    assert api("fsp_a").get(f"/bids?request_id={req['id']}")["items"] == []  # nothing stored
    # the genuine bid is accepted once; sending it again, or to another request, is refused
    accepted = api("fsp_a").post(f"/requests/{req['id']}/bids", 201, json=body)
    assert accepted["signer_address"] == mworld.accounts["fsp_a"].address and accepted["void_reason"] is None
    again = api("fsp_a").post(f"/requests/{req['id']}/bids", 409, json=body)
    assert again["code"] == "stale_version"
    elsewhere = api("fsp_a").post(f"/requests/{other['id']}/bids", 422, json=body)  # signed for another requestId
    assert elsewhere["code"] == "invalid_signature"
    assert [b["id"] for b in api("fsp_a").get(f"/bids?request_id={req['id']}")["items"]] == [accepted["id"]]
    assert api("fsp_a").get(f"/bids?request_id={other['id']}")["items"] == []
    # the stored signature recovers to the signer over the stored digest (checked here with eth-account)
    with services.database.new_session(writes=False) as s:
        (stored,) = s.get(Bid, accepted["id"]).legs
        assert Account._recover_hash(bytes.fromhex(stored.digest[2:]),
                                     signature=bytes.fromhex(stored.signature[2:])) == body["signer"]


def test_a_machine_client_submits_a_bid_signed_by_a_registered_wallet(api, mworld, chain_market, services):
    _, req = flow.st_auction(api, mworld, chain_market, "machine client")
    created = api("fsp_b").post("/api-clients", 201, json={"name": "bidding robot", "grant": "trader"})
    token = api(None).client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(created["client_id"], created["client_secret"])).json["access_token"]
    robot = api(None)
    bearer = {"Authorization": f"Bearer {token}"}
    terms = {"version": 1, "bidding_unit_id": mworld["fsp_b_unit0"], "divisible": False, "price_per_mwh": A,
             "intervals": [{"start": s, "quantity_wh": q} for s, q in _quarters(req)]}
    signer = mworld.accounts["fsp_b"]
    prepared = robot.post(f"/requests/{req['id']}/bids/typed-data", headers=bearer,
                          json={"terms": terms, "signer": signer.address})
    signatures = {leg["leg"]: flow.sign_leg(signer, chain_market.chain.chain_id, chain_market.market.address,
                                            leg["typed_data"]["message"]) for leg in prepared["legs"]}
    # without naming a signer the machine client has no wallet of its own
    assert robot.post(f"/requests/{req['id']}/bids/typed-data", 422, headers=bearer,
                      json={"terms": terms})["code"] == "invalid_input"
    bid = robot.post(f"/requests/{req['id']}/bids", 201, headers=bearer,
                     json={"terms": terms, "signer": signer.address, "signatures": signatures})
    assert bid["fsp_id"] == mworld["fsp_b"] and bid["signer_address"] == signer.address
    with services.database.new_session(writes=False) as s:
        row = s.get(Bid, bid["id"])
        assert row.api_client_id is not None and row.submitted_by_user_id == mworld["fsp_b_user"]


def test_short_term_qualification_follows_the_dsos_limitations(api, mworld, chain_market):
    sess, req = flow.st_auction(api, mworld, chain_market, "limitations")
    limits = api("dso").post("/limitations", 201, json={"items": [
        {"bidding_unit_id": mworld["fsp_b_unit1"], "max_power_w": 0, "valid_from": 0, "reason": "feeder works"},
        {"bidding_unit_id": mworld["fsp_c_unit1"], "direction": "up", "max_power_w": 40_000, "valid_from": 0,
         "reason": "transformer limit"}]})
    try:
        excluded = flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit1", price=A, intervals=_quarters(req))
        assert excluded["void_reason"] == "not_prequalified" and excluded["qualified_power_w"] == 0
        capped = flow.bid(api, mworld, chain_market, req, "fsp_c", "fsp_c_unit1", price=A,
                          intervals=_quarters(req, 20_000))  # 80 kW > 40 kW
        assert capped["void_reason"] == "quantity_above_qualified" and capped["qualified_power_w"] == 40_000
        fits = flow.bid(api, mworld, chain_market, req, "fsp_c", "fsp_c_unit1", price=A,
                        intervals=_quarters(req, 10_000), version=2)
        assert fits["void_reason"] is None and fits["qualified_power_w"] == 40_000
        unlimited = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit1", price=A,
                             intervals=_quarters(req, 10_000))
        assert unlimited["qualified_power_w"] == 400_000  # the prequalified power
        closed = flow.close(api, chain_market.chain, sess)
        assert closed["requests"][0]["book_size"] == 2  # void bids take no part in the book
        outcome = api("fsp_b").get(f"/bids/{excluded['id']}")
        assert (outcome["outcome"], outcome["outcome_reason"]) == ("rejected", "not_prequalified")
    finally:
        for row in limits["items"]:
            api("dso").call("DELETE", f"/limitations/{row['id']}")

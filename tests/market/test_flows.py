"""The Italian flow (the DSO picks an offer, awarded by its own wallet or by the operator) and
the long-term availability auction with qualification, guarantees, two-part bids, activations
and a short-term auction for the same requirement — through the API on anvil."""

from __future__ import annotations

import pytest

from marketplace.models import Agreement
from tests.market import flow

pytestmark = pytest.mark.anvil


def _italian(api, mworld, chain_market):
    chain = chain_market.chain
    now = chain.timestamp()
    m = flow.market(api, mworld, products=["ENG_ST_UP_15MIN"], name=f"Trafo 19 IT {now}")
    sess = flow.session(api, m["id"], now, mode="manual_pick")
    start = sess["delivery_start"]
    req = flow.validate_and_publish(api, mworld, chain, flow.request(
        api, sess, "ENG_ST_UP_15MIN", intervals=[(start, 20_000), (start + 900, 20_000)], cap=300_000_000))
    offers = [flow.bid(api, mworld, chain_market, req, fsp, f"{fsp}_unit0", price=price,
                       intervals=[(start, 20_000), (start + 900, 20_000)])
              for fsp, price in (("fsp_a", 250_000_000), ("fsp_b", 180_000_000), ("fsp_c", 200_000_000))]
    assert api("dso").get(f"/bids?request_id={req['id']}")["items"] == []  # nothing before gate closure
    chain.travel(sess["gate_close_at"] - chain.timestamp() + 1)
    closed = api("operator").post(f"/sessions/{sess['id']}/close-gate")
    assert closed["session"]["status"] == "closed" and {r["leg_status"] for r in closed["requests"]} == {"committed"}
    seen = {b["id"] for b in api("dso").get(f"/bids?request_id={req['id']}")["items"]}
    assert seen == {o["id"] for o in offers}  # the DSO sees the offers to pick from
    return sess, req, offers


def test_italian_flow_dso_picks_one_offer_and_awards_it_with_its_own_wallet(api, mworld, chain_market, indexer):
    sess, req, offers = _italian(api, mworld, chain_market)
    too_much = api("dso").post(f"/requests/{req['id']}/pick", 422,
                               json={"bid_ids": [offers[0]["id"], offers[1]["id"]], "by": "wallet"})
    assert too_much["code"] == "quantity_above_request"
    picked = api("dso").post(f"/requests/{req['id']}/pick", json={"bid_ids": [offers[2]["id"]], "by": "wallet"})
    (tx,) = picked["transactions"]
    tx_hash = flow.send_unsigned(chain_market.chain, mworld.accounts["dso"], tx)
    done = api("dso").post(f"/requests/{req['id']}/awarded", json={"tx_hash": tx_hash})
    assert done["status"] == "awarded" and done["legs"][0]["awarded_wh"] == 40_000
    (agreement,) = api("fsp_c").get(f"/agreements?request_id={req['id']}")["items"]
    assert agreement["price_per_mwh"] == 200_000_000 and agreement["quantity_wh"] == 40_000
    assert agreement["fsp_address"] == mworld.accounts["fsp_c"].address
    outcomes = {b["id"]: (b["outcome"], b["outcome_reason"]) for b in api("operator").get(
        f"/bids?request_id={req['id']}")["items"]}
    assert outcomes[offers[2]["id"]] == ("accepted", None)
    assert outcomes[offers[0]["id"]] == ("rejected", "not_selected")
    # after results the DSO still sees the offers it picked from (its history: every offer, the winner)
    after = {b["id"]: b["outcome"] for b in api("dso").get(f"/bids?request_id={req['id']}")["items"]}
    assert after == {offers[0]["id"]: "rejected", offers[1]["id"]: "rejected", offers[2]["id"]: "accepted"}
    assert api("dso2").get(f"/bids?request_id={req['id']}")["items"] == []
    indexer.poll()  # the indexer sees the same award: nothing duplicated
    assert len(api("operator").get(f"/agreements?request_id={req['id']}")["items"]) == 1


def test_italian_flow_operator_awards_on_the_dsos_pick(api, mworld, chain_market):
    sess, req, offers = _italian(api, mworld, chain_market)
    picked = api("dso").post(f"/requests/{req['id']}/pick", json={"bid_ids": [offers[1]["id"]]})
    assert picked["transactions"] == [] and picked["request"]["status"] == "awarded"
    legs = picked["request"]["legs"]
    assert legs[0]["awarded_wh"] == 40_000 and legs[0]["agreed"] == 180_000_000 * 40_000 // 1_000_000
    assert api(None).get(f"/sessions/{sess['id']}")["status"] == "awarded"
    api("dso").post(f"/requests/{req['id']}/pick", 409, json={"bid_ids": [offers[1]["id"]]})


def test_long_term_availability_with_qualification_activations_and_a_short_term_auction(
        api, mworld, chain_market, services, indexer):
    chain = chain_market.chain
    now = chain.timestamp()
    m = flow.market(api, mworld, products=["PWR_LT_UP_WEEKLY", "ENG_ST_UP_15MIN"], name=f"TR-19 LT {now}")
    day = (now // 86_400 + 2) * 86_400
    from datetime import UTC, datetime

    first = datetime.fromtimestamp(day, UTC).date().isoformat()
    sess = api("dso").post("/sessions", 201, json={
        "market_id": m["id"], "horizon": "long_term", "pricing": "pay_as_clear", "gate_open_at": now + 3600,
        "gate_close_at": now + 7200, "delivery_start": day, "delivery_end": day + 86_400})
    req = flow.validate_and_publish(api, mworld, chain, api("dso").post("/requests", 201, json={
        "session_id": sess["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 500_000,
        "price_cap_per_mwh": 30_000_000, "availability_price_cap_per_mw_h": 25_000_000,
        "estimated_activation_hours": 1, "service_window": {
            "start_date": first, "end_date": first, "start_period_s": 5 * 3600, "end_period_s": 9 * 3600}}))
    assert [leg["leg"] for leg in req["legs"]] == ["availability", "activation"]
    avail, act = req["legs"]
    assert avail["terms"]["quantityWh"] == 500_000 * 4 and act["terms"]["quantityWh"] == 500_000
    assert (avail["terms"]["successThresholdPct"], avail["terms"]["penaltyPct"]) == (0, 0)
    # qualification: FSP A 400 kW (guarantee EUR 20), FSP B 100 kW; both deposit, DSO and operator accept
    quals = {}
    for fsp, power in (("fsp_a", 400_000), ("fsp_b", 100_000)):
        q = api(fsp).post(f"/requests/{req['id']}/qualifications", 201,
                          json={"asset_id": mworld[f"{fsp}_asset0"], "qualified_power_w": power})
        assert q["guarantee"] == power * 50 and q["deposit_transactions"]
        refused = api("operator").post(f"/qualifications/{q['id']}/operator-review", 409, json={"decision": "accepted"})
        assert refused["code"] == "guarantee_missing"
        for tx in q["deposit_transactions"]:
            flow.send_unsigned(chain, mworld.accounts[fsp], tx)
        api("dso").post(f"/qualifications/{q['id']}/dso-review", json={"decision": "accepted"})
        assert api("operator").post(f"/qualifications/{q['id']}/operator-review",
                                    json={"decision": "accepted"})["status"] == "qualified"
        quals[fsp] = q
    api("fsp_a").post(f"/requests/{req['id']}/bids/typed-data", 409, json={"terms": {
        "version": 1, "bidding_unit_id": mworld["fsp_a_unit0"], "divisible": False, "capacity_w": 400_000,
        "price_per_mwh": 20_000_000, "availability_price_per_mw_h": 10_000_000}})  # auction not open yet
    chain.travel(3601)
    a = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=20_000_000, capacity_w=400_000,
                 availability_price=10_000_000, rest_time_s=3600, max_consecutive_activations=1)
    b = flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit0", price=10_000_000, capacity_w=100_000,
                 availability_price=20_000_000)
    over = flow.bid(api, mworld, chain_market, req, "fsp_c", "fsp_c_unit0", price=10_000_000, capacity_w=100_000,
                    availability_price=20_000_000)
    assert over["void_reason"] == "not_prequalified"  # C qualified nothing for this auction
    assert a["guarantee"] == 20_000_000 and [leg["leg"] for leg in a["legs"]] == ["availability", "activation"]
    chain.travel(3600)
    closed = api("operator").post(f"/sessions/{sess['id']}/close-gate")
    assert closed["session"]["status"] == "awarded", closed
    agreements = api("fsp_a").get(f"/agreements?request_id={req['id']}")["items"]
    by_kind = {x["kind"]: x for x in agreements}
    assert set(by_kind) == {"availability", "activation"}
    assert by_kind["availability"]["quantity_wh"] == 400_000 * 4 and by_kind["activation"]["quantity_wh"] == 400_000
    # pay-as-clear: the highest accepted availability (20) and activation (20) prices
    assert by_kind["availability"]["price_per_mwh"] == 20_000_000 and by_kind["activation"]["price_per_mwh"] == 20_000_000
    assert by_kind["availability"]["guarantee"] == 20_000_000 and by_kind["activation"]["guarantee"] == 0
    assert by_kind["availability"]["partner_agreement_id"] == by_kind["activation"]["id"]
    indexer.poll()
    total, locked = chain_market.guarantee_of(mworld.accounts["fsp_a"].address)
    assert locked == 20_000_000 and total >= locked
    # activations: preparation period, service window, rest time and consecutive activations
    availability_id = by_kind["availability"]["id"]
    chain.travel(day + 5 * 3600 - chain.timestamp() - 1200)
    t = day + 5 * 3600
    api("dso").post(f"/agreements/{availability_id}/activations", 422,
                    json={"intervals": [{"start": t - 900, "quantity_wh": 50_000}]})  # outside the window
    api("dso").post(f"/agreements/{availability_id}/activations", 422,
                    json={"intervals": [{"start": t, "quantity_wh": 100_001}]})  # above 400 kW x 0.25 h
    first_act = api("dso").post(f"/agreements/{availability_id}/activations", 201,
                                json={"intervals": [{"start": t, "quantity_wh": 100_000},
                                                    {"start": t + 900, "quantity_wh": 100_000}]})
    assert first_act["activation_agreement_id"] == by_kind["activation"]["id"]
    assert first_act["meter_ids"] == ["ES-fsp_a-0"]
    rest = api("dso").post(f"/agreements/{availability_id}/activations", 409,
                           json={"intervals": [{"start": t + 2700, "quantity_wh": 50_000}]})
    assert rest["code"] == "rest_time"
    api("dso").post(f"/agreements/{availability_id}/activations", 201,
                    json={"intervals": [{"start": t + 1800 + 3600, "quantity_wh": 50_000}]})
    with services.database.new_session(writes=False) as s:
        assert s.get(Agreement, availability_id).chain_struct().quantityWh == 1_600_000
    # a short-term auction for the same requirement: A (long-term holder) bids with its price capped
    st = flow.session(api, m["id"], chain.timestamp(), close_in=600, delivery_in=1800, delivery_s=900)
    st_req = flow.validate_and_publish(api, mworld, chain, flow.request(
        api, st, "ENG_ST_UP_15MIN", intervals=[(st["delivery_start"], 50_000)], cap=100_000_000,
        lt_request_id=req["id"]))
    capped = flow.bid(api, mworld, chain_market, st_req, "fsp_a", "fsp_a_unit0", price=30_000_000,
                      intervals=[(st["delivery_start"], 50_000)])
    assert capped["kind"] == "lt" and capped["void_reason"] == "price_above_lt_activation_price"
    holder = flow.bid(api, mworld, chain_market, st_req, "fsp_a", "fsp_a_unit0", price=20_000_000, version=2,
                      intervals=[(st["delivery_start"], 50_000)])
    other = flow.bid(api, mworld, chain_market, st_req, "fsp_c", "fsp_c_unit0", price=20_000_000,
                     intervals=[(st["delivery_start"], 50_000)])
    assert (holder["kind"], holder["lt_activation_price_per_mwh"], other["kind"]) == ("lt", 20_000_000, "st")
    chain.travel(st["gate_close_at"] - chain.timestamp() + 1)
    api("operator").post(f"/sessions/{st['id']}/close-gate")
    (won,) = api("fsp_a").get(f"/agreements?request_id={st_req['id']}")["items"]
    assert won["bid_id"] == holder["id"] and won["quantity_wh"] == 50_000  # earlier bid wins the tie
    # the long-term holder keeps its availability agreement
    assert api("fsp_a").get(f"/agreements/{availability_id}")["status"] == "active"

"""Long-term availability through the API on anvil: qualification only between publication
and the auction's opening, the product's rest-time range on bids, and the DSO's activations
within the service window — preparation period, minimal lead time, rest time and the maximum
number of consecutive activations, cancellation — as the meter oracle then sees them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000
HOUR = 3600
Q = 900


def test_qualification_window_rest_time_range_and_activation_rules(api, mworld, chain_market):
    chain = chain_market.chain
    now = chain.timestamp()
    m = flow.market(api, mworld, products=["PWR_LT_UP_WEEKLY"], name=f"LT activations {now}")
    day = (now // 86_400 + 2) * 86_400
    t = day + 5 * HOUR  # the service window: 05:00-09:00 UTC
    sess = api("dso").post("/sessions", 201, json={
        "market_id": m["id"], "horizon": "long_term", "pricing": "pay_as_bid", "gate_open_at": now + HOUR,
        "gate_close_at": now + 2 * HOUR, "delivery_start": day, "delivery_end": day + 86_400})
    date = datetime.fromtimestamp(day, UTC).date().isoformat()
    req = flow.validate_and_publish(api, mworld, chain, api("dso").post("/requests", 201, json={
        "session_id": sess["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 400_000,
        "price_cap_per_mwh": 30 * EUR, "availability_price_cap_per_mw_h": 25 * EUR, "estimated_activation_hours": 1,
        "minimal_lead_time_s": t + 2 * Q - sess["gate_close_at"],
        "service_window": {"start_date": date, "end_date": date, "start_period_s": 5 * HOUR,
                           "end_period_s": 9 * HOUR}}))
    q = api("fsp_a").post(f"/requests/{req['id']}/qualifications", 201,
                          json={"asset_id": mworld["fsp_a_asset0"], "qualified_power_w": 400_000})
    for tx in q["deposit_transactions"]:
        flow.send_unsigned(chain, mworld.accounts["fsp_a"], tx)
    api("dso").post(f"/qualifications/{q['id']}/dso-review", json={"decision": "accepted"})
    api("operator").post(f"/qualifications/{q['id']}/operator-review", json={"decision": "accepted"})
    decided = [n["data"] for n in api("fsp_a").get("/notifications?event=qualification.decided")["items"]
               if n["data"]["qualification_id"] == q["id"]]
    assert decided == [{"qualification_id": q["id"], "request_id": req["id"], "asset_id": mworld["fsp_a_asset0"],
                        "status": "qualified", "qualified_power_w": 400_000}]
    above = api("fsp_b").post(f"/requests/{req['id']}/qualifications", 422,
                              json={"asset_id": mworld["fsp_b_asset0"], "qualified_power_w": 400_001})
    assert above["code"] == "above_capacity"
    chain.travel(HOUR + 1)  # the auction opens: qualification is over
    late = api("fsp_b").post(f"/requests/{req['id']}/qualifications", 409,
                             json={"asset_id": mworld["fsp_b_asset0"], "qualified_power_w": 100_000})
    assert late["code"] == "qualification_closed"
    # the product allows a rest time of 0..720 minutes
    too_long = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=20 * EUR, capacity_w=400_000,
                        availability_price=10 * EUR, rest_time_s=721 * 60)
    assert too_long["void_reason"] == "rest_time_out_of_range"
    bid = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=20 * EUR, capacity_w=400_000,
                   availability_price=10 * EUR, rest_time_s=HOUR, max_consecutive_activations=2, version=2)
    assert bid["void_reason"] is None and bid["guarantee"] == 20 * EUR
    assert flow.close(api, chain, sess)["session"]["status"] == "awarded"
    (availability,) = api("dso").get(f"/agreements?request_id={req['id']}&kind=availability")["items"]
    path = f"/agreements/{availability['id']}/activations"

    def activate(start: int, quarters: int = 1, expect: int = 201) -> dict:
        return api("dso").post(path, expect, json={"intervals": [
            {"start": start + k * Q, "quantity_wh": 50_000} for k in range(quarters)]})

    chain.travel(t - 60 - chain.timestamp())
    assert activate(t, expect=422)["code"] == "preparation_period"  # 60 s ahead, 150 s needed
    assert activate(t + Q, expect=422)["code"] == "minimal_lead_time"
    first = activate(t + 2 * Q)
    assert activate(t + 2 * Q, expect=409)["code"] == "overlapping_activation"
    second = activate(t + 3 * Q)  # right after the first: consecutive, 2 allowed
    assert activate(t + 4 * Q, expect=409)["code"] == "rest_time"  # a third in a row
    assert activate(t + 4 * Q + HOUR - Q, expect=409)["code"] == "rest_time"  # 45 min rest < 1 h
    rested = activate(t + 4 * Q + HOUR, 2)  # after a full hour's rest
    assert (rested["start"], rested["end"], rested["total_wh"]) == (t + 8 * Q, t + 10 * Q, 100_000)
    assert api("dso").post(path, 422, json={"intervals": [
        {"start": t + 12 * Q, "quantity_wh": 1}, {"start": t + 14 * Q, "quantity_wh": 1}]})["code"] == "not_contiguous"
    # the DSO cancels one before its preparation period; the oracle sees the ordered ones
    assert api("dso").post(f"/activations/{rested['id']}/cancel")["status"] == "cancelled"
    assert api("dso").post(f"/activations/{rested['id']}/cancel", 409)["code"] == "not_cancellable"
    api("fsp_a").post(f"/activations/{first['id']}/cancel", 403)
    seen = {a["id"]: a for a in api("oracle").get(f"/activations?agreement_id={availability['id']}")["items"]}
    assert {k: v["status"] for k, v in seen.items()} == {first["id"]: "ordered", second["id"]: "ordered",
                                                         rested["id"]: "cancelled"}
    assert seen[first["id"]]["meter_ids"] == ["ES-fsp_a-0"] and seen[first["id"]]["direction"] == "up"
    assert [i["quantity_wh"] for i in seen[first["id"]]["intervals"]] == [50_000]
    told = api("fsp_a").get("/notifications?event=activation.ordered")["items"]
    assert {n["data"]["activation_id"] for n in told} >= {first["id"], second["id"], rested["id"]}
    assert api("fsp_b").get(f"/activations?agreement_id={availability['id']}")["items"] == []
    # after the preparation period it cannot be cancelled any more
    chain.travel(t + 2 * Q - 100 - chain.timestamp())
    assert api("dso").post(f"/activations/{first['id']}/cancel", 409)["code"] == "not_cancellable"

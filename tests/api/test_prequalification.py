"""Prequalification per asset, product and direction: review by the DSO and the operator, or an
automated activation test judged against the product's tolerances; bulk requests."""

from __future__ import annotations

from tests.api import payloads
from tests.api.test_auth import audit_rows

V = "/api/v1"


def standing(api, asset_id, product="st_energy", direction="up"):
    rows = api("fsp").get(f"{V}/assets/{asset_id}").json["prequalification"]
    (row,) = [r for r in rows if (r["product"], r["direction"]) == (product, direction)]
    return row["status"], row["pending"], row["qualified_power_w"]


def test_review_path_qualifies_when_dso_and_operator_both_accept(api, world, connection):
    pq = world["pq_review"]
    assert standing(api, world["asset"]) == ("not_attempted", True, None)
    first = api("operator").post(f"{V}/prequalifications/{pq}/operator-review", json={"decision": "accepted",
                                                                                     "reason": "guarantee on file"})
    assert first.status_code == 200 and first.json["status"] == "pending"
    second = api("dso").post(f"{V}/prequalifications/{pq}/dso-review", json={"decision": "accepted"})
    assert second.status_code == 200
    body = second.json
    assert (body["status"], body["dso_decision"], body["operator_decision"]) == ("qualified", "accepted", "accepted")
    assert body["qualified_power_w"] == 8_000 and body["decided_at"] is not None
    assert standing(api, world["asset"]) == ("qualified", False, 8_000)
    records = audit_rows(connection, "prequalification.dso_reviewed")
    assert records[0]["participant_id"] == world["dso"] and records[0]["after"]["status"] == "qualified"


def test_a_rejection_fails_the_attempt_with_the_reviewers_reason(api, world):
    pq = world["pq_review"]
    reply = api("dso").post(f"{V}/prequalifications/{pq}/dso-review",
                            json={"decision": "rejected", "reason": "LV feeder at its thermal limit"})
    assert reply.status_code == 200
    assert reply.json["status"] == "failed" and reply.json["reason"] == "rejected by the DSO: LV feeder at its thermal limit"
    assert standing(api, world["asset"]) == ("failed", False, None)
    late = api("operator").post(f"{V}/prequalifications/{pq}/operator-review", json={"decision": "accepted"})
    assert late.status_code == 409
    # a new attempt may follow; the standing stays failed until it is decided
    again = api("fsp").post(f"{V}/prequalifications", json={"asset_id": world["asset"], "product": "st_energy",
                                                             "direction": "up"})
    assert again.status_code == 201
    assert standing(api, world["asset"]) == ("failed", True, None)


def test_an_activation_test_that_tracks_the_setpoint_qualifies_with_its_numbers(api, world):
    reply = api("fsp").post(f"{V}/prequalifications/{world['pq_test']}/test",
                            json=payloads.activation_test("down", change_w=4_000, response_s=120))
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert body["status"] == "qualified" and body["qualified_power_w"] == 4_000
    r = body["test_result"]
    assert r["passed"] is True and r["direction"] == "down"
    assert (r["baseline_w"], r["requested_change_w"], r["response_s"]) == (5_000, 4_000, 120)
    assert (r["delivered_wh"], r["requested_wh"], r["delivered_pct"]) == (1_000, 1_000, 100)
    assert (r["window_start"] - r["step_at"], r["window_end"] - r["window_start"]) == (300, 900)
    assert standing(api, world["asset"], direction="down") == ("qualified", False, 4_000)


def test_an_activation_test_that_delivers_too_little_fails(api, world):
    reply = api("fsp").post(f"{V}/prequalifications/{world['pq_test']}/test",
                            json=payloads.activation_test("down", change_w=4_000, delivered_pct=50))
    body = reply.json
    assert reply.status_code == 200 and body["status"] == "failed" and body["qualified_power_w"] is None
    assert body["test_result"]["delivered_pct"] == 50 and body["test_result"]["response_s"] is None
    assert body["reason"] == "failed: never reached the requested change within the tolerance"
    assert api("fsp").post(f"{V}/prequalifications/{world['pq_test']}/test",
                           json=payloads.activation_test("down")).json["code"] == "already_decided"


def test_an_activation_test_that_responds_too_slowly_fails(api, world):
    body = api("fsp").post(f"{V}/prequalifications/{world['pq_test']}/test",
                           json=payloads.activation_test("down", response_s=420)).json
    assert body["status"] == "failed" and body["test_result"]["response_s"] == 420
    assert body["reason"] == "failed: responded after 420 s, more than 300 s"


def test_the_qualified_power_is_capped_at_the_registered_capacity(api, world):
    asset = api("fsp").post(f"{V}/assets", json=payloads.asset(world["dso_lv_feeder"], active_import_w=3_000)).json
    pq = api("fsp").post(f"{V}/prequalifications", json={"asset_id": asset["id"], "product": "lt_availability",
                                                          "direction": "down", "path": "test"}).json
    body = api("fsp").post(f"{V}/prequalifications/{pq['id']}/test",
                           json=payloads.activation_test("down", change_w=4_000)).json
    assert body["status"] == "qualified" and body["qualified_power_w"] == 3_000


def test_only_directions_the_asset_offers_can_be_prequalified(api, world):
    pv = api("fsp").post(f"{V}/assets", json=payloads.asset(world["dso_lv_feeder"], asset_type="photovoltaic",
                                                             active_import_w=0, active_export_w=4_000)).json
    reply = api("fsp").post(f"{V}/prequalifications", json={"asset_id": pv["id"], "product": "st_energy",
                                                             "direction": "down"})
    assert reply.status_code == 422 and reply.json["code"] == "direction_not_offered"


def test_bulk_requests_report_a_result_per_item(api, world):
    items = [
        {"asset_id": world["asset_b"], "product": "st_energy", "direction": "up"},
        {"asset_id": world["asset_b"], "product": "st_energy", "direction": "up"},  # now pending
        {"asset_id": world["asset2"], "product": "st_energy", "direction": "up"},  # another FSP's
        {"asset_id": world["asset_b"], "product": "lt_activation", "direction": "down", "path": "test"},
        {"asset_id": world["asset_b"], "product": "st_energy"},
    ]
    reply = api("fsp").post(f"{V}/prequalifications/bulk", json={"items": items})
    assert reply.status_code == 200, reply.json
    results = reply.json["results"]
    assert [(r["ok"], r["code"]) for r in results] == [
        (True, None), (False, "prequalification_pending"), (False, "invalid_reference"), (True, None),
        (False, "invalid_input")]
    assert (reply.json["created"], reply.json["failed"]) == (2, 3)
    made = api("fsp").get(f"{V}/prequalifications/{results[3]['id']}").json
    assert (made["path"], made["status"], made["product"]) == ("test", "pending", "lt_activation")
    csv = f"asset_id,product,direction,path\n{world['asset_c']},lt_availability,up,review\n{world['asset_c']},x,up,review\n"
    reply = api("fsp").post(f"{V}/prequalifications/bulk", data=csv.encode(), content_type="text/csv")
    assert [(r["ok"], r["code"]) for r in reply.json["results"]] == [
        (False, "prequalification_pending"), (False, "invalid_input")]


def test_who_sees_which_prequalifications(api, world):
    def ids(actor):
        return {p["id"] for p in api(actor).get(f"{V}/prequalifications").json["items"]}

    mine = {world["pq_review"], world["pq_test"], world["pq_c"], world["pq_lt"]}
    assert ids("fsp") == mine and ids("operator") == mine
    assert ids("dso") == {world["pq_review"], world["pq_test"], world["pq_lt"]} and ids("dso2") == {world["pq_c"]}
    assert ids("fsp2") == set()
    pending = api("dso").get(f"{V}/prequalifications?status=pending&direction=up").json["items"]
    assert [p["id"] for p in pending] == [world["pq_review"]]


def test_products_publish_their_test_tolerances(api):
    catalogue = api("anon").get(f"{V}/products").json["items"]
    products = {p["category"]: p["prequalification_test"] for p in catalogue}
    assert set(products) == {"st_energy", "lt_availability", "lt_activation"}
    st = products["st_energy"]
    assert (st["min_change_w"], st["preparation_s"], st["max_response_s"], st["hold_s"]) == (1_000, 150, 300, 900)
    assert (st["tolerance_pct"], st["success_pct"], st["max_sample_gap_s"]) == (10, 80, 60)

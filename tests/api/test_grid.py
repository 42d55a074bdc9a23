"""The grid: topology, the DSO's own region and zones, traffic lights with history, forecasts."""

from __future__ import annotations

from tests.api import payloads

V = "/api/v1"


def test_a_dso_builds_its_topology_level_by_level(api, world):
    dso = api("dso")
    ids = {}
    parent = None
    for kind, code in (("hv_mv_substation", "RTP-1"), ("mv_feeder", "RTP-1/F1"), ("mv_lv_substation", "TP-17"),
                       ("lv_feeder", "TP-17/L2")):
        reply = dso.post(f"{V}/grid/elements", json={"kind": kind, "code": code, "name": code, "parent_id": parent,
                                                      "latitude_udeg": 45_890_000, "longitude_udeg": 13_900_000})
        assert reply.status_code == 201, reply.json
        assert reply.json["dso_id"] == world["dso"] and reply.json["parent_id"] == parent
        parent = ids[kind] = reply.json["id"]
    children = dso.get(f"{V}/grid/elements?parent_id={ids['mv_feeder']}").json["items"]
    assert [c["id"] for c in children] == [ids["mv_lv_substation"]]
    got = dso.get(f"{V}/grid/elements/{ids['lv_feeder']}").json
    assert (got["code"], got["latitude_udeg"], got["longitude_udeg"]) == ("TP-17/L2", 45_890_000, 13_900_000)
    # the other DSO may use the same code: codes are per DSO
    assert api("dso").post(f"{V}/grid/elements", json={"kind": "hv_mv_substation", "code": "SS-B", "name": "x"}).status_code == 201


def test_a_dso_sees_only_its_own_region_and_zones(api, world):
    mine = {e["id"] for e in api("dso").get(f"{V}/grid/elements?limit=1000").json["items"]}
    theirs = {e["id"] for e in api("dso2").get(f"{V}/grid/elements?limit=1000").json["items"]}
    assert world["dso_lv_feeder"] in mine and world["dso2_lv_feeder"] in theirs and not mine & theirs
    everyone = {e["id"] for e in api("fsp").get(f"{V}/grid/elements?limit=1000").json["items"]}
    assert mine | theirs <= everyone
    assert [z["id"] for z in api("dso").get(f"{V}/zones").json["items"]] == [world["dso_zone"]]
    assert [z["id"] for z in api("dso2").get(f"{V}/zones").json["items"]] == [world["dso2_zone"]]
    public = {z["id"] for z in api("anon").get(f"{V}/zones").json["items"]}
    assert {world["dso_zone"], world["dso2_zone"]} <= public
    assert api("dso").get(f"{V}/zones/{world['dso2_zone']}").status_code == 404
    assert api("dso").get(f"{V}/grid/elements/{world['dso2_lv_feeder']}/forecast").status_code == 404
    lights = {x["grid_element_id"] for x in api("dso").get(f"{V}/grid/traffic-lights").json["items"]}
    assert lights == {world["dso_mv_feeder"]}


def test_zones_by_postal_codes(api, world):
    made = api("dso").post(f"{V}/zones", json={"name": "Madrid2", "province": "Madrid",
                                               "postal_codes": ["28010", "28008", "28009", "28008"]})
    assert made.status_code == 201, made.json
    assert made.json["postal_codes"] == ["28008", "28009", "28010"] and made.json["dso_id"] == world["dso"]
    found = api("anon").get(f"{V}/zones?postal_code=28009").json["items"]
    assert [z["id"] for z in found] == [made.json["id"]]
    assert api("dso2").delete(f"{V}/zones/{made.json['id']}").status_code == 404
    assert api("dso").delete(f"{V}/zones/{made.json['id']}").status_code == 200
    assert api("anon").get(f"{V}/zones/{made.json['id']}").status_code == 404


def test_traffic_light_state_with_history(api, world):
    element = world["dso_lv_feeder"]
    assert api("anon").get(f"{V}/grid/elements/{element}/traffic-light").json == {
        "grid_element_id": element, "state": "green", "since": None, "history": []}
    dso = api("dso")
    for state, valid_from in (("yellow", 1_700_000_000), ("orange", 1_700_000_900), ("red", 4_000_000_000)):
        reply = dso.put(f"{V}/grid/elements/{element}/traffic-light", json={"state": state, "valid_from": valid_from,
                                                                             "note": f"{state} by sGRID"})
        assert reply.status_code == 200 and reply.json["source"] == "dso"
    status = api("anon").get(f"{V}/grid/elements/{element}/traffic-light").json
    # red is scheduled for the future: orange holds now
    assert (status["state"], status["since"]) == ("orange", 1_700_000_900)
    assert [h["state"] for h in status["history"]] == ["red", "orange", "yellow"]
    limited = api("anon").get(f"{V}/grid/elements/{element}/traffic-light?history_limit=1").json
    assert [h["state"] for h in limited["history"]] == ["red"]
    current = {x["grid_element_id"]: x["state"] for x in api("anon").get(f"{V}/grid/traffic-lights").json["items"]}
    assert current[element] == "orange" and current[world["dso_mv_feeder"]] == "yellow"


def test_forecast_pushed_as_json_or_uploaded_as_csv(api, world):
    transformer = world["dso_mv_lv_substation"]
    t0 = payloads.T0
    pushed = api("dso").post(f"{V}/grid/elements/{transformer}/forecast", json={"points": [
        {"start": t0, "load_w": 410_000, "planning_limit_w": 400_000, "operational_limit_w": 630_000},
        {"start": t0 + 900, "load_w": 380_000}]})
    assert pushed.status_code == 200 and pushed.json == {"grid_element_id": transformer, "stored": 2}
    csv = ("start,load_w,planning_limit_w,operational_limit_w\n"
           f"{t0 + 900},390000,400000,630000\n"
           "2023-11-14T23:00:00Z,-20000,,\n")  # t0 + 1800 as ISO-8601 UTC; reverse flow
    uploaded = api("dso").post(f"{V}/grid/elements/{transformer}/forecast", data=csv.encode(), content_type="text/csv")
    assert uploaded.status_code == 200, uploaded.json
    points = api("fsp").get(f"{V}/grid/elements/{transformer}/forecast?from={t0}&to={t0 + 2700}").json["points"]
    assert [(p["start"], p["load_w"], p["planning_limit_w"]) for p in points] == [
        (t0, 410_000, 400_000), (t0 + 900, 390_000, 400_000), (t0 + 1800, -20_000, None)]
    window = api("fsp").get(f"{V}/grid/elements/{transformer}/forecast?from={t0 + 900}&to={t0 + 1800}").json["points"]
    assert [p["start"] for p in window] == [t0 + 900]

"""Assets (seed table 4, Italian charging stations and EVs), bulk registration, who sees which
assets, and local bidding units."""

from __future__ import annotations

from pydantic import TypeAdapter

from marketplace.schemas.assets import AssetOut
from marketplace.schemas.common import Page
from tests.api import payloads
from tests.api.test_auth import audit_rows

V = "/api/v1"
PAGE = TypeAdapter(Page[AssetOut])


def test_registration_records_table_4_and_places_the_asset_on_the_topology(api, world):
    body = payloads.asset(world["dso_lv_feeder"], reactive_import_var=2_000, reactive_export_var=1_500,
                          activation_mode="manual", contact_phone="+34 600 123 456", description="Li-ion, 2 h")
    reply = api("fsp").post(f"{V}/assets", json=body)
    assert reply.status_code == 201, reply.json
    a = reply.json
    for key, value in body.items():
        assert a[key] == value, key
    assert (a["fsp_id"], a["dso_id"], a["bidding_unit_id"]) == (world["fsp"], world["dso"], None)
    assert a["location"] == {"lv_feeder": world["dso_lv_feeder"], "mv_lv_substation": world["dso_mv_lv_substation"],
                             "mv_feeder": world["dso_mv_feeder"], "hv_mv_substation": world["dso_hv_mv_substation"]}
    assert len(a["prequalification"]) == 6
    assert {(p["product"], p["direction"], p["status"], p["pending"]) for p in a["prequalification"]} == {
        (product, direction, "not_attempted", False)
        for product in ("st_energy", "lt_availability", "lt_activation") for direction in ("up", "down")}
    assert api("fsp").get(f"{V}/assets/{a['id']}").json == a


def test_charging_stations_and_vehicles_carry_their_details(api, world):
    station = api("fsp").post(f"{V}/assets", json=payloads.asset(
        world["dso_lv_feeder"], name="CPO Firenze 1", asset_type="EV_charging",
        charging_station=payloads.charging_station(max_dc_power_w=50_000, connectors=["type2", "ccs2"])))
    assert station.status_code == 201, station.json
    assert station.json["charging_station"] == payloads.charging_station(max_dc_power_w=50_000,
                                                                        connectors=["type2", "ccs2"])
    car = api("fsp").post(f"{V}/assets", json=payloads.asset(
        world["dso_lv_feeder"], name="Fleet Zoe 7", asset_type="electric_vehicle", vehicle=payloads.vehicle()))
    assert car.status_code == 201 and car.json["vehicle"] == payloads.vehicle()
    listed = {a["id"]: a for a in api("fsp").get(f"{V}/assets?limit=1000").json["items"]}
    assert listed[station.json["id"]]["charging_station"]["connectors"] == ["type2", "ccs2"]
    assert listed[car.json["id"]]["vehicle"]["battery_capacity_wh"] == 52_000
    assert listed[world["asset"]]["charging_station"] is None


def test_a_medium_voltage_asset_connects_to_a_medium_voltage_feeder(api, world):
    reply = api("fsp").post(f"{V}/assets", json=payloads.asset(world["dso_mv_feeder"], voltage_level_v=20_000,
                                                               asset_type="industrial_load"))
    assert reply.status_code == 201, reply.json
    assert reply.json["location"] == {"lv_feeder": None, "mv_lv_substation": None, "mv_feeder": world["dso_mv_feeder"],
                                      "hv_mv_substation": world["dso_hv_mv_substation"]}


def test_an_fsp_sees_its_own_assets_a_dso_its_region_the_operator_all(api, world):
    def ids(actor, query=""):
        reply = api(actor).get(f"{V}/assets?limit=1000{query}")
        assert reply.status_code == 200, reply.json
        PAGE.validate_python(reply.json)  # the documented shape
        return {a["id"] for a in reply.json["items"]}

    fsp_assets = {world["asset"], world["asset_b"], world["asset_c"]}
    assert ids("fsp") == fsp_assets and ids("fsp_ro") == fsp_assets
    assert ids("fsp2") == {world["asset2"]}
    assert ids("dso") == {world["asset"], world["asset_b"]}
    assert ids("dso2") == {world["asset_c"], world["asset2"]}
    assert ids("operator") == fsp_assets | {world["asset2"]}
    assert api("fsp2").get(f"{V}/assets/{world['asset']}").status_code == 404
    assert api("dso2").get(f"{V}/assets/{world['asset']}").status_code == 404
    # filters
    assert ids("dso", f"&zone_id={world['dso_zone']}") == {world["asset"], world["asset_b"]}
    assert ids("operator", "&postal_code=08001") == {world["asset_c"], world["asset2"]}
    assert ids("operator", f"&fsp_id={world['fsp2']}") == {world["asset2"]}
    assert ids("fsp", f"&dso_id={world['dso2']}") == {world["asset_c"]}
    assert ids("fsp", "&asset_type=heat_pump") == set()


def test_asset_lists_page_by_keyset(api, world):
    first = api("operator").get(f"{V}/assets?limit=2").json
    assert len(first["items"]) == 2 and first["next_after"] == first["items"][-1]["id"]
    rest = api("operator").get(f"{V}/assets?limit=2&after={first['next_after']}").json
    assert [a["id"] for a in first["items"] + rest["items"]] == sorted(
        [world["asset"], world["asset_b"], world["asset_c"], world["asset2"]])
    assert rest["next_after"] == rest["items"][-1]["id"]
    assert api("operator").get(f"{V}/assets?limit=2&after={rest['next_after']}").json == {"items": [],
                                                                                         "next_after": None}


def test_bulk_csv_registration_reports_each_row(api, world):
    feeder = world["dso_lv_feeder"]
    csv = (
        "name,asset_type,voltage_level_v,installed_generation_w,installed_consumption_w,active_import_w,"
        "active_export_w,metering_point_id,grid_element_id,postal_code,cs_model,cs_country,cs_city,cs_address,"
        "cs_max_ac_power_w,cs_max_dc_power_w,cs_connectors\n"
        f"Heat pump 01,heat_pump,400,0,5000,5000,5000,SI-LJ-0001,{feeder},28012,,,,,,,\n"
        f"Heat pump 02,heat_pump,400,0,5000,five,5000,SI-LJ-0002,{feeder},28012,,,,,,,\n"
        f"Charger 1,EV_charging,400,0,22000,22000,0,IT001E0001,{feeder},28013,Pulsar,IT,Roma,Via 1,22000,0,type2;ccs2\n"
        f"Feeder typo,heat_pump,400,0,5000,5000,5000,SI-LJ-0003,999999,28012,,,,,,,\n"
    )
    reply = api("fsp").post(f"{V}/assets/bulk", data=csv.encode(), content_type="text/csv")
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert (body["created"], body["failed"]) == (2, 2)
    assert [(r["index"], r["ok"], r["code"]) for r in body["results"]] == [
        (0, True, None), (1, False, "invalid_input"), (2, True, None), (3, False, "invalid_reference")]
    assert "active_import_w" in body["results"][1]["message"]
    charger = api("fsp").get(f"{V}/assets/{body['results'][2]['id']}").json
    assert charger["charging_station"]["connectors"] == ["type2", "ccs2"] and charger["active_export_w"] == 0


def test_bulk_registration_is_audited_per_asset(api, world, connection):
    items = [payloads.asset(world["dso_lv_feeder"], name=f"Bulk {i}") for i in range(3)]
    results = api("fsp").post(f"{V}/assets/bulk", json={"items": items}).json["results"]
    records = audit_rows(connection, "asset.registered")
    by_object = {r["object_id"]: r for r in records}
    for r in results:
        record = by_object[str(r["id"])]
        assert record["before"] is None and record["after"]["name"].startswith("Bulk ")
        assert record["participant_id"] == world["fsp"] and record["actor_user_id"] == world["fsp_user"]


def test_an_fsp_renames_or_retires_its_asset(api, world, connection):
    reply = api("fsp").patch(f"{V}/assets/{world['asset']}", json={"status": "non_operational", "name": "Battery A (old)"})
    assert reply.status_code == 200 and (reply.json["status"], reply.json["name"]) == ("non_operational", "Battery A (old)")
    (record,) = audit_rows(connection, "asset.updated")
    assert (record["before"]["status"], record["after"]["status"]) == ("operational", "non_operational")
    # a retired asset cannot be prequalified
    attempt = api("fsp").post(f"{V}/prequalifications", json={"asset_id": world["asset"], "product": "lt_activation",
                                                                "direction": "up"})
    assert attempt.status_code == 409 and attempt.json["code"] == "asset_not_operational"


def test_bidding_units_group_assets_at_their_lowest_common_grid_element(api, world):
    fsp = api("fsp")
    one = fsp.post(f"{V}/bidding-units", json={"name": "Unit A", "asset_ids": [world["asset"]]})
    assert one.status_code == 201, one.json
    assert one.json["location_element_id"] == world["dso_lv_feeder"] and one.json["asset_ids"] == [world["asset"]]
    assert (one.json["active_import_w"], one.json["active_export_w"]) == (8_000, 8_000)
    # a second LV feeder under the same secondary substation: the unit sits at the substation
    feeder = api("dso").post(f"{V}/grid/elements", json={"kind": "lv_feeder", "code": "LV-A112", "name": "LV A112",
                                                         "parent_id": world["dso_mv_lv_substation"]}).json["id"]
    a1 = fsp.post(f"{V}/assets", json=payloads.asset(feeder, name="PV 1", asset_type="photovoltaic",
                                                      active_import_w=0, active_export_w=3_000)).json["id"]
    a2 = fsp.post(f"{V}/assets", json=payloads.asset(world["dso_lv_feeder"], name="PV 2", asset_type="photovoltaic",
                                                      active_import_w=0, active_export_w=2_000)).json["id"]
    many = fsp.post(f"{V}/bidding-units", json={"name": "PV park", "asset_ids": [a1, a2]})
    assert many.status_code == 201, many.json
    assert many.json["location_element_id"] == world["dso_mv_lv_substation"]
    assert (many.json["active_import_w"], many.json["active_export_w"]) == (0, 5_000)
    assert api("fsp").get(f"{V}/assets/{a1}").json["bidding_unit_id"] == many.json["id"]
    # visible to the DSO of the region, not to another FSP or DSO
    assert many.json["id"] in {u["id"] for u in api("dso").get(f"{V}/bidding-units").json["items"]}
    assert api("dso2").get(f"{V}/bidding-units/{many.json['id']}").status_code == 404
    assert api("fsp2").get(f"{V}/bidding-units").json["items"] == []
    assert fsp.delete(f"{V}/bidding-units/{many.json['id']}").status_code == 200
    assert api("fsp").get(f"{V}/assets/{a1}").json["bidding_unit_id"] is None


def test_a_bidding_unit_is_qualified_where_every_member_is(api, world):
    fsp, dso, operator = api("fsp"), api("dso"), api("operator")
    unit = fsp.post(f"{V}/bidding-units", json={"name": "Pair", "asset_ids": [world["asset"]]}).json

    def standing(unit_id):
        got = fsp.get(f"{V}/bidding-units/{unit_id}").json["prequalification"]
        return {(p["product"], p["direction"]): (p["status"], p["pending"], p["qualified_power_w"]) for p in got}

    assert standing(unit["id"])[("st_energy", "up")] == ("not_attempted", True, None)
    dso.post(f"{V}/prequalifications/{world['pq_review']}/dso-review", json={"decision": "accepted"})
    operator.post(f"{V}/prequalifications/{world['pq_review']}/operator-review", json={"decision": "accepted"})
    assert standing(unit["id"])[("st_energy", "up")] == ("qualified", False, 8_000)

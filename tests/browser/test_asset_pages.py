"""Assets (batteries, charging stations, EVs; by form and in bulk), bidding units and
prequalification (the FSP's request, the DSO's and the operator's review queues, the activation
test path), in Chromium against the real API."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.models import Asset
from marketplace.models.prequalification import Prequalification
from tests.api import payloads

pytestmark = pytest.mark.browser


def upload(name: str, mime: str, data: bytes) -> dict:
    """A file for ``set_input_files``."""
    return {"name": name, "mimeType": mime, "buffer": data}


def attempt_row(page, asset: str, product: str):
    return page.locator("#prequalifications tbody tr", has_text=asset).filter(has_text=product)


def open_assets(ui, actor: str = "fsp"):
    ui.sign_in(actor)
    return ui.visit("/assets", ready="body[data-page-ready]")


def asset_named(ui, name: str) -> Asset:
    with ui.world.database.transaction() as s:
        asset = s.scalars(select(Asset).where(Asset.name == name)).one()
        s.expunge(asset)
        return asset


def fill_common(form, name: str, meter: str, *, element: str = "LV-A111 Calle Argumosa (LV feeder)"):
    form.get_by_label("Asset name").fill(name)
    form.get_by_label("Metering point id").fill(meter)
    form.get_by_label("Grid connection (grid element)").select_option(label=element)
    form.get_by_label("Postal code").fill("28012")


def test_battery_registered_by_form_is_stored_in_the_apis_integer_units(ui):
    page = open_assets(ui)
    form = page.locator("#as-form")
    form.get_by_label("Asset type").select_option("battery")
    fill_common(form, "Battery Argumosa 2", "ES0021000000000099ZZ")
    form.get_by_label("Installed generation capacity").fill("10")
    form.get_by_label("Installed consumption capacity").fill("10.5")
    form.get_by_label("Active import capacity (downward flexibility)").fill("8.5")
    form.get_by_label("Active export capacity (upward flexibility)").fill("1.2345")
    form.get_by_label("Reactive import capacity").fill("1.2")
    form.get_by_label("Response time").fill("30")
    form.get_by_label("Minimum activation time").fill("15")
    form.get_by_label("Maximum activation time").fill("120")
    form.get_by_label("Recovery time").fill("2.5")
    form.get_by_label("Latitude").fill("40.4085")
    form.get_by_label("Longitude").fill("-3.6995")
    form.get_by_role("button", name="Register asset").click()
    expect(page.locator("#as-export-error")).to_have_text(
        "“1.2345” is more precise than the API stores (at most 3 decimals of kW).")
    form.get_by_label("Active export capacity (upward flexibility)").fill("8")
    form.get_by_role("button", name="Register asset").click()
    row = page.locator("#assets tbody tr", has_text="Battery Argumosa 2")
    expect(row.locator('td[data-key="active_import_w"]')).to_have_text("8.5 kW")
    expect(row.locator('td[data-key="grid_element_id"]')).to_have_text("LV-A111 Calle Argumosa (LV feeder)")
    expect(row.locator('td[data-key="prequalification"]')).to_have_text("not attempted")
    a = asset_named(ui, "Battery Argumosa 2")
    assert (a.installed_generation_w, a.installed_consumption_w) == (10_000, 10_500)
    assert (a.active_import_w, a.active_export_w) == (8_500, 8_000)
    assert (a.reactive_import_var, a.reactive_export_var, a.response_time_s) == (1_200, None, 30)
    assert (a.min_activation_s, a.max_activation_s, a.recovery_s) == (900, 7_200, 150)
    assert (a.latitude_udeg, a.longitude_udeg, a.voltage_level_v) == (40_408_500, -3_699_500, 400)


def test_charging_station_and_vehicle_carry_their_details(ui):
    page = open_assets(ui, "cpo")
    form = page.locator("#as-form")
    station = page.get_by_role("group", name="Charging station")
    expect(station).to_be_hidden()
    form.get_by_label("Asset type").select_option("EV_charging")
    expect(station).to_be_visible()
    fill_common(form, "Charger Argumosa", "IT001E0000000777", element="LV-A211 Paseo Infanta Isabel (LV feeder)")
    form.get_by_label("Installed generation capacity").fill("0")
    form.get_by_label("Installed consumption capacity").fill("50")
    form.get_by_label("Active import capacity (downward flexibility)").fill("22")
    form.get_by_label("Active export capacity (upward flexibility)").fill("22")
    form.get_by_role("button", name="Register asset").click()
    expect(page.locator("#cs-model-error")).to_have_text("is required")
    expect(page.locator("#cs-connectors-error")).to_have_text("choose at least one")
    station.get_by_label("Charging station model").fill("Pulsar Max")
    station.get_by_label("Country code").fill("ES")
    station.get_by_label("City").fill("Madrid")
    station.get_by_label("Station address").fill("Paseo Infanta Isabel 1")
    station.get_by_label("Maximum AC power").fill("22")
    station.get_by_label("Maximum DC power").fill("50")
    station.get_by_label("Type 2").check()
    station.get_by_label("CCS2").check()
    form.get_by_role("button", name="Register asset").click()
    expect(page.locator("#assets tbody tr", has_text="Charger Argumosa")).to_have_count(1)
    a = asset_named(ui, "Charger Argumosa")
    assert a.asset_type.value == "EV_charging"
    with ui.world.database.transaction() as s:
        stored = s.get(Asset, a.id)
        cs = stored.charging_station
        assert (cs.model, cs.max_ac_power_w, cs.max_dc_power_w) == ("Pulsar Max", 22_000, 50_000)
        assert sorted(c.value if hasattr(c, "value") else c for c in cs.connectors) == ["ccs2", "type2"]

    form.get_by_label("Asset type").select_option("electric_vehicle")
    expect(station).to_be_hidden()
    vehicle = page.get_by_role("group", name="Electric vehicle")
    fill_common(form, "Fleet van 1", "IT001E0000000778", element="LV-A211 Paseo Infanta Isabel (LV feeder)")
    form.get_by_label("Installed generation capacity").fill("0")
    form.get_by_label("Installed consumption capacity").fill("11")
    form.get_by_label("Active import capacity (downward flexibility)").fill("11")
    form.get_by_label("Active export capacity (upward flexibility)").fill("0")
    vehicle.get_by_label("Vehicle model").fill("e-Vito")
    vehicle.get_by_label("Battery capacity").fill("90")
    vehicle.get_by_label("Maximum charging power").fill("11")
    form.get_by_role("button", name="Register asset").click()
    row = page.locator("#assets tbody tr", has_text="Fleet van 1")
    expect(row).to_have_count(1)
    with ui.world.database.transaction() as s:
        van = s.scalars(select(Asset).where(Asset.name == "Fleet van 1")).one()
        assert (van.vehicle.battery_capacity_wh, van.vehicle.max_charging_power_w) == (90_000, 11_000)
        assert van.charging_station is None


def test_bulk_csv_registers_the_valid_rows_and_explains_the_others(ui):
    page = open_assets(ui)
    lv = ui.world["lv_a111"]
    csv = "\n".join([
        "name,asset_type,voltage_level_v,installed_generation_w,installed_consumption_w,active_import_w,"
        "active_export_w,"
        "metering_point_id,grid_element_id,postal_code,cs_model,cs_country,cs_city,cs_address,cs_max_ac_power_w,"
        "cs_max_dc_power_w,cs_connectors",
        f"Heat pump bulk 1,heat_pump,400,0,5000,5000,5000,SI-LJ-0001,{lv},28012,,,,,,,",
        f"Charger bulk 2,EV_charging,400,0,22000,22000,0,IT001E0001,{lv},28012,Pulsar,IT,Roma,Via 1,22000,0,type2;ccs2",
        f"Wrong voltage 3,battery,500,0,5000,5000,5000,SI-LJ-0003,{lv},28012,,,,,,,",
    ]) + "\n"
    page.get_by_label("CSV or JSON file").set_input_files(files=[upload("assets.csv", "text/csv", csv.encode())])
    page.get_by_role("button", name="Upload assets").click()
    expect(page.locator("#as-bulk-summary")).to_have_text("assets.csv: 2 registered, 1 refused.")
    results = page.locator("#asset-bulk-results tbody tr")
    expect(results).to_have_count(3)
    expect(results.nth(2).locator('td[data-key="ok"]')).to_have_text("refused")
    expect(results.nth(2).locator('td[data-key="message"]')).to_contain_text(
        "voltage level must be one of 400, 10000, 20000, 35000 V")
    expect(page.locator("#assets tbody tr", has_text="Charger bulk 2")).to_have_count(1)
    ui.shot("bulk")

    items = {"items": [payloads.asset(lv, name="JSON battery", metering_point_id="ES0021000000000077AA")]}
    page.get_by_label("CSV or JSON file").set_input_files(
        files=[{"name": "assets.json", "mimeType": "application/json", "buffer": json.dumps(items).encode()}])
    page.get_by_role("button", name="Upload assets").click()
    expect(page.locator("#as-bulk-summary")).to_have_text("assets.json: 1 registered, 0 refused.")
    assert asset_named(ui, "JSON battery").active_export_w == 8_000


def test_dso_sees_the_assets_on_its_grid_without_registering(ui):
    page = open_assets(ui, "dso")
    expect(page.locator("#as-form")).to_have_count(0)
    rows = page.locator("#assets tbody tr")
    expect(rows.filter(has_text="Battery Lavapiés 1")).to_have_count(1)
    expect(rows.filter(has_text="Charger Atocha 2")).to_have_count(1)
    ui.sign_out()
    page = open_assets(ui, "dso2")
    expect(page.locator("#assets tbody tr.empty")).to_have_text("No asset registered yet.")


def test_bidding_unit_groups_free_assets_and_is_dissolved(ui):
    ui.sign_in("fsp")
    page = ui.visit("/bidding-units", ready="body[data-page-ready]")
    page.get_by_label("Unit name").fill("Lavapiés pool")
    page.get_by_role("button", name="Create bidding unit").click()
    expect(page.locator("#bu-assets-error")).to_have_text("choose at least one")
    page.get_by_label("Battery Lavapiés 1", exact=False).check()
    page.get_by_label("Heat pump Embajadores", exact=False).check()
    page.get_by_role("button", name="Create bidding unit").click()
    row = page.locator("#bidding-units tbody tr", has_text="Lavapiés pool")
    expect(row.locator('td[data-key="active_export_w"]')).to_have_text("13 kW")  # 8 kW + 5 kW
    expect(row.locator('td[data-key="location_element_id"]')).to_have_text("MV-A1 Feeder Lavapiés (MV feeder)")
    expect(page.get_by_label("Battery Lavapiés 1", exact=False)).to_have_count(0)  # in a unit now
    ui.shot("unit")
    page.get_by_role("button", name="Dissolve Lavapiés pool").click()
    expect(page.locator("#bidding-units tbody tr", has_text="Lavapiés pool")).to_have_count(0)
    expect(page.get_by_label("Battery Lavapiés 1", exact=False)).to_have_count(1)


def test_prequalification_by_review_goes_through_the_dso_and_operator_queues(ui):
    ui.sign_in("fsp")
    page = ui.visit("/prequalifications", ready="body[data-page-ready]")
    form = page.locator("#pq-form")
    form.get_by_label("Asset").select_option(label="Heat pump Embajadores (up 5 kW, down 0 kW)")
    form.get_by_label("Product").select_option("lt_availability")
    form.get_by_label("Direction").select_option("up")
    form.get_by_role("button", name="Ask for prequalification").click()
    row = attempt_row(page, "Heat pump Embajadores", "Long-term availability")
    expect(row.locator('td[data-key="status"]')).to_have_text("pending")

    ui.sign_out()
    ui.sign_in("dso")
    page = ui.visit("/prequalifications", ready="body[data-page-ready]")
    queue = page.locator("#prequalification-queue-dso tbody tr", has_text="Heat pump Embajadores")
    expect(queue.locator('td[data-key="capacity"]')).to_have_text("5 kW")
    queue.get_by_role("button").click()
    expect(page.locator("#pq-review")).to_be_focused()
    page.get_by_label("Decision").select_option("rejected")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#error-area-message")).to_contain_text("a rejection needs a reason")
    page.get_by_label("Decision").select_option("accepted")
    page.get_by_role("button", name="Record decision").click()
    expect(queue).to_have_count(0)

    ui.sign_out()
    ui.sign_in("operator")
    page = ui.visit("/prequalifications", ready="body[data-page-ready]")
    queue = page.locator("#prequalification-queue-operator tbody tr", has_text="Heat pump Embajadores")
    expect(queue.locator('td[data-key="other"]')).to_have_text("accepted")
    queue.get_by_role("button").click()
    page.get_by_label("Decision").select_option("accepted")
    page.locator("#pq-review-form").get_by_label("Reason").fill("guarantee on file")
    page.get_by_role("button", name="Record decision").click()
    row = attempt_row(page, "Heat pump Embajadores", "Long-term availability")
    expect(row.locator('td[data-key="status"]')).to_have_text("qualified")
    expect(row.locator('td[data-key="qualified_power_w"]')).to_have_text("5 kW")


def test_activation_test_upload_shows_the_chart_and_the_verdict(ui):
    ui.sign_in("fsp")
    page = ui.visit("/prequalifications", ready="body[data-page-ready]")
    form = page.locator("#pq-form")
    form.get_by_label("Asset").select_option(label="Battery Lavapiés 1 (up 8 kW, down 8 kW)")
    form.get_by_label("Product").select_option("lt_activation")
    form.get_by_label("Direction").select_option("down")
    form.get_by_label("How").select_option("test")
    form.get_by_role("button", name="Ask for prequalification").click()
    panel = page.locator("#pq-test")
    expect(panel).to_be_focused()

    bad = "t,setpoint_w,measured_w\n1700000000,5000,5000\n1700000060,5000,lots\n"
    samples_file = panel.get_by_label("Test samples (CSV or JSON)")
    samples_file.set_input_files(files=[upload("test.csv", "text/csv", bad.encode())])
    panel.get_by_role("button", name="Upload test and get the verdict").click()
    expect(page.locator("#error-area-message")).to_have_text("line 3: measured_w “lots” is not a whole number.")

    samples = payloads.activation_test("down", baseline_w=2_000, change_w=6_000)["samples"]
    csv = "t,setpoint_w,measured_w\n" + "".join(f"{s['t']},{s['setpoint_w']},{s['measured_w']}\n" for s in samples)
    samples_file.set_input_files(files=[upload("test.csv", "text/csv", csv.encode())])
    panel.get_by_role("button", name="Upload test and get the verdict").click()
    expect(page.locator("#pq-verdict-line")).to_contain_text("passed")
    expect(page.locator("#pq-verdict-facts")).to_contain_text("Requested change6 kW")
    expect(page.locator("#pq-test-chart canvas").first).to_be_visible()
    ui.shot("verdict")
    with ui.world.database.transaction() as s:
        attempt = s.scalars(select(Prequalification).where(Prequalification.asset_id == ui.world["battery"],
                                                            Prequalification.path == "test")).one()
        assert (attempt.status.value, attempt.qualified_power_w) == ("qualified", 6_000)
        assert attempt.test_result["samples"] == len(samples)


def test_fsp_changes_an_assets_name_and_status_but_not_its_technical_data(ui):
    page = open_assets(ui, "cpo2")
    page.get_by_role("button", name="Change Charger Atocha 2").click()
    edit = page.locator("#as-edit-form")
    expect(edit.get_by_label("Asset name")).to_have_value("Charger Atocha 2")
    expect(edit.get_by_label("Asset name")).to_be_focused()
    edit.get_by_label("Asset name").fill("Charger Atocha 2 (west)")
    edit.get_by_label("Asset status").select_option("non_operational")
    edit.get_by_label("Contact phone").fill("12")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("#ed-phone-error")).to_have_text("is not in the expected format")
    edit.get_by_label("Contact phone").fill("+39 02 1234 5678")
    edit.get_by_role("button", name="Save changes").click()
    row = page.locator("#assets tbody tr", has_text="Charger Atocha 2 (west)")
    expect(row.locator('td[data-key="status"]')).to_have_text("non operational")
    expect(page.locator("#as-edit")).to_be_hidden()
    a = asset_named(ui, "Charger Atocha 2 (west)")
    assert (a.status.value, a.contact_phone, a.active_export_w) == ("non_operational", "+39 02 1234 5678", 11_000)

"""Transformers as a list and a tile-less map coloured by traffic light, the day-ahead
forecast chart whose selected range drafts a request, the grid topology (elements, traffic
lights, forecast upload), zones and the public market information, in Chromium."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.models.grid import Zone

pytestmark = pytest.mark.browser


def upload(name: str, mime: str, data: bytes) -> dict:
    """A file for ``set_input_files``."""
    return {"name": name, "mimeType": mime, "buffer": data}
DAY = 86_400


def tomorrow() -> int:
    now = int(time.time())
    return now - now % DAY + DAY


def utc(t: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t))


def open_transformers(ui, actor: str = "dso"):
    ui.sign_in(actor)
    page = ui.visit("/transformers", ready="body[data-page-ready]")
    expect(page.locator('#transformers td[data-key="peak"]').first).not_to_have_text("…")
    return page


def test_transformers_are_listed_and_mapped_by_traffic_light(ui):
    page = open_transformers(ui)
    rows = page.locator("#transformers tbody tr")
    expect(rows).to_have_count(4)  # SS-A and the three secondary substations of DSO 1 only
    row = rows.filter(has_text="TR-A11")
    expect(row.locator('td[data-key="light"]')).to_have_text("yellow")
    expect(row.locator('td[data-key="peak"]')).to_have_text("520 kW of 450 kW — over the limit")
    expect(rows.filter(has_text="TR-A12").locator('td[data-key="peak"]')).to_have_text("380 kW of 400 kW")
    markers = page.locator(".leaflet-marker-icon.transformer-marker")
    expect(markers).to_have_count(4)
    for name, light in (("SS-A Centro substation", "green"), ("TR-A11 Lavapiés", "yellow"),
                        ("TR-A12 Embajadores", "red"), ("TR-A21 Atocha", "orange")):
        marker = page.get_by_role("button", name=f"Transformer {name}: {light}")
        expect(marker).to_have_class(re.compile(rf"\btransformer-marker\b.*\blight-{light}\b"))
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator("#tr-map path.leaflet-interactive, #tr-map path").count() >= 4  # feeder lines drawn

    page.get_by_text("Columns and filters: Transformers").click()
    page.get_by_label("Traffic light is").select_option("red")
    expect(rows).to_have_count(1)
    expect(rows.first.locator('td[data-key="code"]')).to_have_text("TR-A12")


def test_forecast_range_typed_in_the_form_drafts_a_request_link(ui):
    page = open_transformers(ui)
    marker = page.get_by_role("button", name="Transformer TR-A11 Lavapiés: yellow")
    marker.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#tr-forecast")
    expect(panel).to_be_focused()
    expect(page.locator("#tr-forecast-title")).to_have_text("Day-ahead congestion forecast: TR-A11 Lavapiés")
    day = tomorrow()
    expect(page.locator("#tr-day")).to_have_value(time.strftime("%Y-%m-%d", time.gmtime(day)))
    expect(page.locator("#tr-forecast-summary")).to_contain_text(
        f"the load is above the planning limit in 7 of them, from {utc(day + 73 * 900)} to {utc(day + 80 * 900)}")
    expect(page.locator("#tr-chart canvas").first).to_be_visible()
    page.get_by_label("From (UTC)").fill(utc(day + 17 * 3600 + 20 * 60))  # 17:20 snaps down to 17:15
    page.get_by_label("To (UTC)").fill(utc(day + 19 * 3600 + 5 * 60))  # 19:05 snaps up to 19:15
    page.get_by_role("button", name="Select range").click()
    start, end = day + 17 * 3600 + 15 * 60, day + 19 * 3600 + 15 * 60
    draft = page.locator("#tr-draft")
    expect(draft).to_contain_text(f"{utc(start)} to {utc(end)} (8 intervals of 15 min)")
    expect(draft).to_contain_text("Peak forecast load520 kW")
    expect(draft).to_contain_text("Most above the planning limit70 kW")
    link = page.get_by_role("link", name="Start a flexibility request for this range")
    href = link.get_attribute("href")
    assert href == f"/requests/new?element={ui.world['tr_a11']}&start={start}&end={end}"
    ui.shot("draft")
    opened = page.request.get(ui.base_url + href)
    assert opened.status == 200


def test_dragging_across_the_chart_selects_a_snapped_range(ui):
    page = open_transformers(ui)
    page.get_by_role("button", name="Forecast of TR-A21 Atocha").click()
    over = page.locator("#tr-chart .u-over")
    box = over.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.50, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.70, y, steps=5)
    page.mouse.up()
    expect(page.locator("#tr-draft")).to_be_visible()
    link = page.get_by_role("link", name="Start a flexibility request for this range")
    query = parse_qs(urlparse(link.get_attribute("href")).query)
    start, end = int(query["start"][0]), int(query["end"][0])
    day = tomorrow()
    assert query["element"] == [str(ui.world["tr_a21"])]
    assert start % 900 == 0 and end % 900 == 0 and day + 11 * 3600 <= start < end <= day + 18 * 3600
    expect(page.get_by_label("From (UTC)")).to_have_value(utc(start))
    expect(page.get_by_label("To (UTC)")).to_have_value(utc(end))


def test_an_fsp_reads_every_dsos_forecast_but_drafts_no_request(ui):
    page = open_transformers(ui, "fsp")
    expect(page.locator("#transformers tbody tr")).to_have_count(6)  # both DSOs' transformers
    page.get_by_role("button", name="Forecast of TR-B11 Gràcia").click()
    expect(page.locator("#tr-forecast-summary")).to_contain_text("No forecast of TR-B11 Gràcia")
    page.get_by_role("button", name="Forecast of TR-A11 Lavapiés").click()
    page.get_by_label("From (UTC)").fill("tomorrow evening")
    page.get_by_role("button", name="Select range").click()
    expect(page.locator("#error-area-message")).to_have_text(
        "From: “tomorrow evening” is not a UTC date and time as YYYY-MM-DD HH:MM.")
    day = tomorrow()
    page.get_by_label("From (UTC)").fill(utc(day + 18 * 3600))
    page.get_by_label("To (UTC)").fill(utc(day + 19 * 3600))
    page.get_by_role("button", name="Select range").click()
    expect(page.locator("#tr-draft-action")).to_have_text("DSOs start flexibility requests for their transformers.")
    expect(page.get_by_role("link", name="Start a flexibility request for this range")).to_have_count(0)


def test_dso_adds_an_element_sets_its_light_and_uploads_a_forecast(ui):
    ui.sign_in("dso")
    page = ui.visit("/grid", ready="body[data-page-ready]")
    expect(page.locator("#gr-tree .tree-node", has_text="TR-A12")).to_contain_text("red")
    form = page.locator("#gr-form")
    form.get_by_label("Kind").select_option("mv_lv_substation")
    form.get_by_label("Connected below").select_option(label="MV-A2 Feeder Atocha (MV feeder)")
    form.get_by_role("textbox", name="Code (required)").fill("TR-A11")  # taken
    form.get_by_label("Name").fill("Delicias")
    form.get_by_label("Latitude").fill("40.4010")
    form.get_by_label("Longitude").fill("-3.6930")
    form.get_by_role("button", name="Add element").click()
    expect(page.locator("#error-area-title")).to_have_text("Grid element not added")
    expect(page.locator("#error-area-message")).to_contain_text("The server refused:")
    form.get_by_role("textbox", name="Code (required)").fill("TR-A22")
    form.get_by_role("button", name="Add element").click()
    node = page.locator("#gr-tree .tree-node", has_text="TR-A22")
    expect(node).to_have_text("TR-A22 Delicias — MV/LV secondary substation green")

    lights = page.locator("#gr-light-form")
    lights.get_by_label("Grid element").select_option(label="TR-A22 Delicias (MV/LV secondary substation)")
    lights.get_by_label("Traffic light").select_option("orange")
    lights.get_by_label("Note").fill("new EV chargers")
    lights.get_by_role("button", name="Set traffic light").click()
    expect(page.locator("#gr-light-history li").first).to_contain_text("orange")
    expect(page.locator("#gr-light-history li").first).to_contain_text("new EV chargers")
    expect(node.locator(".light")).to_have_text("orange")

    day = tomorrow()
    csv = "start,load_w,planning_limit_w,operational_limit_w\n" + "".join(
        f"{day + 900 * i},{300_000 + 1000 * i},400000,440000\n" for i in range(96))
    forecast_form = page.locator("#gr-forecast-form")
    forecast_form.get_by_label("Transformer").select_option(label="TR-A22 Delicias (MV/LV secondary substation)")
    forecast_file = forecast_form.get_by_label("Forecast (CSV or JSON)")
    forecast_file.set_input_files(files=[upload("f.csv", "text/csv", csv.encode())])
    forecast_form.get_by_role("button", name="Upload forecast").click()
    expect(page.locator("#notifications")).to_contain_text(
        "Forecast of TR-A22 Delicias (MV/LV secondary substation): 96 interval(s) stored.")
    bad = "start,load_w\n" + f"{day + 100},5\n"
    forecast_form.get_by_label("Transformer").select_option(label="TR-A22 Delicias (MV/LV secondary substation)")
    forecast_file.set_input_files(files=[upload("f.csv", "text/csv", bad.encode())])
    forecast_form.get_by_role("button", name="Upload forecast").click()
    expect(page.locator("#error-area-message")).to_contain_text("CSV line 2")

    page = ui.visit("/transformers", ready="body[data-page-ready]")
    row = page.locator("#transformers tbody tr", has_text="TR-A22")
    expect(row.locator('td[data-key="light"]')).to_have_text("orange")
    expect(row.locator('td[data-key="peak"]')).to_have_text("395 kW of 400 kW")


def test_dso_creates_and_deletes_a_zone(ui):
    ui.sign_in("dso")
    page = ui.visit("/zones", ready="body[data-page-ready]")
    centro = page.locator("#zones tbody tr", has_text="Centro")
    expect(centro.locator('td[data-key="assets"]')).to_have_text("4 (up 35 kW, down 30 kW)")
    form = page.locator("#zn-form")
    form.get_by_label("Zone name").fill("Lavapiés")
    form.get_by_label("Province").fill("Madrid")
    form.get_by_label("Postal codes").fill("28012, 2")
    page.get_by_role("button", name="Create zone").click()
    expect(page.locator("#zn-postal-codes-error")).to_contain_text("is not in the expected format")
    form.get_by_label("Postal codes").fill("28012\n28005")
    page.get_by_role("button", name="Create zone").click()
    row = page.locator("#zones tbody tr", has_text="Lavapiés")
    expect(row.locator('td[data-key="postal_codes"]')).to_have_text("28005, 28012")
    expect(row.locator('td[data-key="assets"]')).to_have_text("2 (up 13 kW, down 8 kW)")
    with ui.world.database.transaction() as s:
        assert s.scalars(select(Zone).where(Zone.name == "Lavapiés")).one().dso_id == ui.world["dso"]
    page.get_by_role("button", name="Delete zone Lavapiés").click()
    expect(row).to_have_count(0)


def test_market_information_is_public(ui):
    page = ui.visit("/market", ready="body[data-page-ready]")
    directory = page.locator("#market-participants tbody tr")
    expect(directory.filter(has_text="Agregador Uno")).to_have_count(1)
    expect(directory.filter(has_text="Solar Vecinal")).to_have_count(0)  # pending: not in the directory
    expect(page.locator("#market-zones tbody tr", has_text="Centro").locator('td[data-key="dso_id"]')).to_have_text(
        "Distribuidora Uno")
    lights = page.locator('#market-lights td[data-key="state"]')
    for state in ("yellow", "orange", "red"):
        expect(lights.filter(has_text=state).first).to_be_visible()
    expect(page.locator('#market-lights td[data-key="grid_element_id"]').first).to_have_text(
        re.compile(r"^element \d+$"))

"""The shared components in Chromium: table with column choice and filters, the tile-less
transformer map, and the forecast chart's time-range selection."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_components(ui):
    page = ui.visit("/ui/components", ready="body[data-page-ready]")
    page.get_by_text("Columns and filters: Sample transformers").click()
    return page


def test_table_columns_can_be_chosen_and_the_choice_is_remembered(ui):
    page = open_components(ui)
    table = page.locator("table#components-transformers")
    expect(table.locator("th")).to_have_text(["Transformer", "Grid area", "Traffic light", "Forecast peak (kW)", "Map"])
    page.get_by_role("checkbox", name="Grid area").uncheck()
    page.get_by_role("checkbox", name="Id", exact=True).check()
    expect(table.locator("th")).to_have_text(["Transformer", "Traffic light", "Forecast peak (kW)", "Id", "Map"])
    expect(table.locator('td[data-key="area"]')).to_have_count(0)
    page.reload()
    page.wait_for_selector("body[data-page-ready]", state="attached")
    expect(page.locator("table#components-transformers th")).to_have_text(["Transformer", "Traffic light", "Forecast peak (kW)", "Id", "Map"])


def test_table_filters_narrow_the_rows_and_say_how_many_are_shown(ui):
    page = open_components(ui)
    rows = page.locator("table#components-transformers tbody tr")
    expect(rows).to_have_count(4)
    page.get_by_label("Grid area is").select_option("South")
    expect(rows).to_have_count(2)
    expect(page.locator("#components-transformers-count")).to_have_text("2 of 4 rows shown.")
    page.get_by_label("Transformer contains").fill("depot")
    expect(rows).to_have_count(1)
    expect(rows.first.locator('td[data-key="name"]')).to_have_text("T-104 Depot")
    page.get_by_label("Transformer contains").fill("riverside")
    expect(rows).to_have_text(["No row matches the filters."])
    ui.shot("filtered-empty")
    page.get_by_role("button", name="Clear filters").first.click()
    expect(rows).to_have_count(4)


def test_map_draws_transformers_by_traffic_light_without_tiles(ui):
    page = open_components(ui)
    markers = page.locator("#c-map .transformer-marker")
    expect(markers).to_have_count(4)
    assert [m.get_attribute("aria-label") for m in markers.all()] == [
        "Transformer T-101 Riverside: green",
        "Transformer T-102 Market Square: yellow",
        "Transformer T-103 School: orange",
        "Transformer T-104 Depot: red",
    ]
    expect(page.locator("#c-map .leaflet-tile")).to_have_count(0)
    expect(page.locator("#c-map path.leaflet-interactive, #c-map svg path")).not_to_have_count(0)  # GeoJSON background
    colours = [m.evaluate("(el) => getComputedStyle(el).backgroundColor") for m in markers.all()]
    assert len(set(colours)) == 4
    page.locator('[data-transformer-id="103"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#c-map-selected")).to_have_text("T-103 School (orange)")
    page.get_by_role("button", name="Show T-104 Depot on the map").click()
    expect(page.locator('[data-transformer-id="104"]')).to_be_focused()


def test_chart_range_is_selected_by_dragging_or_typing_snapped_to_15_minutes(ui):
    page = open_components(ui)
    over = page.locator("#c-chart .u-over")
    expect(page.locator("#c-chart canvas")).to_have_count(1)
    # A drag: uPlot ignores mouse moves without movement, which CDP's synthetic mouse lacks, so
    # the test dispatches the same DOM events a person's drag produces.
    over.evaluate(
        """(over) => {
          const box = over.getBoundingClientRect();
          const y = box.top + box.height / 2;
          const at = (type, share, target = over) => target.dispatchEvent(new MouseEvent(type, {
            bubbles: true, cancelable: true, button: 0, buttons: type === "mouseup" ? 0 : 1,
            clientX: box.left + box.width * share, clientY: y, movementX: 3, movementY: 0 }));
          at("mousedown", 0.30);
          for (let share = 0.31; share <= 0.45; share += 0.02) at("mousemove", share);
          at("mouseup", 0.45, document);
        }"""
    )
    out = page.locator("#c-range")
    expect(out).not_to_have_text("none")
    start, end = int(out.get_attribute("data-from")), int(out.get_attribute("data-to"))
    day = 1780272000  # 2026-06-01 00:00 UTC, the sample's first interval
    assert start % 900 == 0 and end % 900 == 0 and day < start < end < day + 86400
    assert 10 <= (end - start) // 900 <= 20
    ui.shot("chart-dragged")

    page.get_by_label("From (UTC)").fill("2026-06-01 17:00")
    page.get_by_label("To (UTC)").fill("2026-06-01 19:10")
    page.get_by_role("button", name="Select range").click()
    expect(out).to_have_text("2026-06-01 17:00 to 2026-06-01 19:15 UTC (9 intervals)")
    page.get_by_label("To (UTC)").fill("tomorrow")
    page.get_by_role("button", name="Select range").click()
    expect(page.locator("#error-area-message")).to_have_text("“tomorrow” is not a date and time as YYYY-MM-DD HH:MM.")

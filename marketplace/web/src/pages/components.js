// Developer reference page: table, transformer map and forecast chart on generated sample data.
import { startShell, guarded } from "../lib/shell.js";
import { DataTable } from "../lib/table.js";
import { transformerMap } from "../lib/map.js";
import { forecastChart, INTERVAL_S, snapDown, snapUp } from "../lib/chart.js";

const $ = (id) => document.getElementById(id);
await startShell();

// Sample grid area: a plain polygon and two feeder lines around a made-up town (GeoJSON).
const background = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", properties: { name: "Grid area" }, geometry: { type: "Polygon", coordinates: [[[13.98, 46.02], [14.06, 46.02], [14.06, 46.07], [13.98, 46.07], [13.98, 46.02]]] } },
    { type: "Feature", properties: { name: "Feeder A", stroke: "#44525f", weight: 3 }, geometry: { type: "LineString", coordinates: [[13.99, 46.03], [14.02, 46.045], [14.05, 46.06]] } },
    { type: "Feature", properties: { name: "Feeder B", stroke: "#44525f", weight: 3 }, geometry: { type: "LineString", coordinates: [[14.0, 46.065], [14.03, 46.04], [14.055, 46.025]] } },
  ],
};
const transformers = [
  { id: 101, name: "T-101 Riverside", area: "North", lat: 46.045, lon: 14.02, light: "green", peakKw: 310 },
  { id: 102, name: "T-102 Market Square", area: "North", lat: 46.06, lon: 14.05, light: "yellow", peakKw: 402 },
  { id: 103, name: "T-103 School", area: "South", lat: 46.03, lon: 14.0, light: "orange", peakKw: 455 },
  { id: 104, name: "T-104 Depot", area: "South", lat: 46.026, lon: 14.053, light: "red", peakKw: 520 },
];

const selected = $("c-map-selected");
const map = transformerMap($("c-map"), {
  background,
  transformers,
  label: "Sample map of four transformers",
  onSelect: (t) => (selected.textContent = `${t.name} (${t.light})`),
});

const lightBadge = (t) => {
  const span = document.createElement("span");
  span.className = `light light-${t.light}`;
  span.textContent = t.light;
  return span;
};
const showButton = (t) => {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Show on map";
  button.setAttribute("aria-label", `Show ${t.name} on the map`);
  button.addEventListener("click", () => {
    map.select(t.id);
    selected.textContent = `${t.name} (${t.light})`;
  });
  return button;
};
new DataTable($("c-table"), {
  id: "components-transformers",
  caption: "Sample transformers",
  rowKey: (t) => t.id,
  columns: [
    { key: "name", label: "Transformer", filter: "text" },
    { key: "area", label: "Grid area", filter: "select" },
    { key: "light", label: "Traffic light", filter: "select", render: lightBadge },
    { key: "peakKw", label: "Forecast peak (kW)" },
    { key: "id", label: "Id", hidden: true },
    { key: "map", label: "Map", render: showButton },
  ],
}).setRows(transformers);

// Sample forecast: one day of 15-min intervals from a fixed midnight (UTC), power in W.
const start = Date.UTC(2026, 5, 1) / 1000;
const times = Array.from({ length: 96 }, (_, i) => start + i * INTERVAL_S);
const loadW = times.map((_, i) => 250_000 + Math.round(150_000 * Math.max(0, Math.sin(((i - 28) / 96) * 2 * Math.PI))) + (i % 4) * 5_000);
const toKw = (w) => w / 1000; // display only
const rangeOut = $("c-range");
const iso = (t) => new Date(t * 1000).toISOString().slice(0, 16);
const showRange = ({ from, to }) => {
  rangeOut.textContent = `${iso(from).replace("T", " ")} to ${iso(to).replace("T", " ")} UTC (${(to - from) / INTERVAL_S} intervals)`;
  rangeOut.dataset.from = String(from);
  rangeOut.dataset.to = String(to);
  $("c-range-from").value = iso(from).replace("T", " ");
  $("c-range-to").value = iso(to).replace("T", " ");
};
const chart = forecastChart($("c-chart"), {
  times,
  series: [{ label: "Forecast load (kW)", values: loadW.map(toKw), color: "#0b57d0" }],
  limit: { label: "Transformer limit (kW)", value: 380 },
  onSelect: showRange,
});
$("c-range-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(() => {
    const parse = (text) => {
      const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d)$/.exec(text.trim());
      if (!match) throw new RangeError(`“${text}” is not a date and time as YYYY-MM-DD HH:MM.`);
      return Date.parse(`${match[1]}T${match[2]}:00Z`) / 1000;
    };
    const from = parse($("c-range-from").value);
    const to = parse($("c-range-to").value);
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw new RangeError("Choose a start before the end.");
    const range = { from: snapDown(from), to: snapUp(to) };
    chart.setRange(range.from, range.to);
    showRange(range);
  }, { title: "Range not selected" });
});
new DataTable($("c-chart-table"), {
  id: "components-forecast",
  caption: "Sample forecast of T-101 (kW per 15-min interval, UTC)",
  columns: [
    { key: "time", label: "Interval start", filter: "text" },
    { key: "kw", label: "Forecast load (kW)" },
  ],
}).setRows(times.map((t, i) => ({ time: iso(t).replace("T", " "), kw: toKw(loadW[i]).toFixed(1) })));

document.body.dataset.pageReady = "true";

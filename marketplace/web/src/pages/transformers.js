// Transformers as a list and a map coloured by traffic light; a transformer's day-ahead
// congestion forecast as a chart whose selected time range drafts a flexibility request.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, link, lightBadge, facts } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { transformerMap } from "../lib/map.js";
import { forecastChart, INTERVAL_S, snapDown, snapUp } from "../lib/chart.js";
import { formatKW, formatKWh, formatTime, formatDate, parseUtc } from "../lib/units.js";
import { TRANSFORMER_KINDS, elementLabel, kindLabel, loadElements, dsoNames, currentLights } from "../lib/grid.js";
import { requestDraftUrl } from "../lib/request-draft.js";

const { viewer } = await startShell();
const DAY = 86_400;
const panel = $("tr-forecast");
const requestForm = panel.dataset.requestForm;
const canRequest = panel.dataset.canRequest === "true";
let elements = [];
let transformers = [];
let lights = new Map();
let dsos = new Map();
let selected = null;
let points = [];
let chart = null;
const peaks = new Map();

const tomorrow = () => {
  const now = Math.floor(Date.now() / 1000);
  return now - (now % DAY) + DAY;
};
let day = tomorrow();
const lightOf = (id) => lights.get(id)?.state ?? "green";
const hasPlace = (e) => e.latitude_udeg !== null && e.longitude_udeg !== null;

function peakText(t) {
  const p = peaks.get(t.id);
  if (p === undefined) return "…";
  if (p === null) return "no forecast";
  return `${formatKW(p.load)}${p.limit !== null ? ` of ${formatKW(p.limit)}${p.load > p.limit ? " — over the limit" : ""}` : ""}`;
}

const table = new DataTable($("tr-table"), {
  id: "transformers",
  caption: "Transformers",
  emptyText: "No transformer in the grid yet.",
  rowKey: (t) => t.id,
  columns: [
    { key: "code", label: "Code", filter: "text" },
    { key: "name", label: "Name", filter: "text" },
    { key: "kind", label: "Kind", filter: "select", filterValue: (t) => kindLabel(t.kind), format: kindLabel },
    { key: "light", label: "Traffic light", filter: "select", filterValue: (t) => lightOf(t.id), render: (t) => lightBadge(lightOf(t.id)) },
    { key: "peak", label: "Day-ahead peak load", format: (_, t) => peakText(t) },
    { key: "postal_code", label: "Postal code", hidden: true, filter: "text" },
    { key: "dso_id", label: "DSO", hidden: viewer.role === "dso", filter: "select", filterValue: (t) => dsos.get(t.dso_id) ?? "", format: (id) => dsos.get(id) ?? `participant ${id}` },
    { key: "show", label: "Forecast", render: (t) => button("Forecast", () => choose(t), { label: `Forecast of ${t.code} ${t.name}` }) },
  ],
});

function background() {
  const byId = new Map(elements.map((e) => [e.id, e]));
  const deg = (u) => u / 1_000_000;
  const features = [];
  for (const e of elements) {
    const parent = e.parent_id ? byId.get(e.parent_id) : null;
    if (!parent || !hasPlace(e) || !hasPlace(parent)) continue;
    features.push({
      type: "Feature",
      properties: { name: `${parent.code} to ${e.code}`, stroke: e.kind === "lv_feeder" ? "#8a97a5" : "#44525f", weight: e.kind === "mv_feeder" || e.kind === "mv_lv_substation" ? 3 : 2 },
      geometry: { type: "LineString", coordinates: [[deg(parent.longitude_udeg), deg(parent.latitude_udeg)], [deg(e.longitude_udeg), deg(e.latitude_udeg)]] },
    });
  }
  return { type: "FeatureCollection", features };
}

const markerList = () => transformers.filter(hasPlace).map((t) => ({
  id: t.id, name: `${t.code} ${t.name}`, lat: t.latitude_udeg / 1_000_000, lon: t.longitude_udeg / 1_000_000, light: lightOf(t.id),
}));

async function forecastOf(id, from) {
  const reply = await api.get(`/grid/elements/${id}/forecast`, { from, to: from + DAY });
  return reply.points;
}

async function loadPeaks() {
  await Promise.all(transformers.map(async (t) => {
    const list = await forecastOf(t.id, day);
    if (!list.length) return peaks.set(t.id, null);
    const top = list.reduce((a, b) => (b.load_w > a.load_w ? b : a));
    peaks.set(t.id, { load: top.load_w, limit: top.planning_limit_w });
  }));
  table.render();
}

// ------------------------------------------------------------------ forecast and selection
const iso = (t) => formatTime(t).replace(" UTC", "");

function renderChart() {
  chart?.destroy();
  chart = null;
  const container = $("tr-chart");
  container.replaceChildren();
  if (!points.length) {
    $("tr-forecast-summary").textContent = `No forecast of ${elementLabel(selected)} for ${formatDate(day)} (UTC).`;
    return;
  }
  const over = points.filter((p) => p.planning_limit_w !== null && p.load_w > p.planning_limit_w);
  $("tr-forecast-summary").textContent = `${elementLabel(selected)}, ${formatDate(day)} (UTC): ${points.length} intervals; ` +
    (over.length ? `the load is above the planning limit in ${over.length} of them, from ${iso(over[0].start)} to ${iso(over.at(-1).start + INTERVAL_S)}.` : "the load stays within the planning limit.");
  const kw = (w) => (w === null ? null : w / 1000); // display only
  chart = forecastChart(container, {
    times: points.map((p) => p.start),
    series: [
      { label: "Forecast load (kW)", values: points.map((p) => kw(p.load_w)), color: "#0b57d0" },
      { label: "Planning limit (kW)", values: points.map((p) => kw(p.planning_limit_w)), color: "#b3261e" },
      { label: "Operational limit (kW)", values: points.map((p) => kw(p.operational_limit_w)), color: "#8a5a00" },
    ],
    onSelect: (range) => showDraft(range),
    yLabel: "Power (kW)",
  });
  container.setAttribute("aria-label", `Forecast load of ${elementLabel(selected)} on ${formatDate(day)} against its planning and operational limits; the table below has the same data`);
}

const forecastTable = new DataTable($("tr-forecast-table"), {
  id: "transformer-forecast",
  caption: "Forecast per 15-minute interval (UTC)",
  emptyText: "No forecast for this day.",
  rowKey: (p) => p.start,
  columns: [
    { key: "start", label: "Interval start", filter: "text", filterValue: (p) => iso(p.start), format: (t) => iso(t) },
    { key: "load_w", label: "Forecast load", format: formatKW },
    { key: "planning_limit_w", label: "Planning limit", format: formatKW },
    { key: "operational_limit_w", label: "Operational limit", format: formatKW },
    { key: "over", label: "Above the planning limit", filter: "select", filterValue: (p) => (p.planning_limit_w !== null && p.load_w > p.planning_limit_w ? "yes" : "no"),
      format: (_, p) => (p.planning_limit_w !== null && p.load_w > p.planning_limit_w ? formatKW(p.load_w - p.planning_limit_w) : "") },
    { key: "issued_at", label: "Issued", hidden: true, format: (t) => formatTime(t) },
  ],
});

function showDraft({ from, to }) {
  $("tr-range-from").value = iso(from);
  $("tr-range-to").value = iso(to);
  const inside = points.filter((p) => p.start >= from && p.start < to);
  let excessWs = 0;
  let maxExcess = 0;
  for (const p of inside) {
    if (p.planning_limit_w === null) continue;
    const excess = Math.max(0, p.load_w - p.planning_limit_w);
    maxExcess = Math.max(maxExcess, excess);
    excessWs += excess * INTERVAL_S;
  }
  const peak = inside.length ? Math.max(...inside.map((p) => p.load_w)) : null;
  $("tr-draft-body").replaceChildren(facts([
    ["Transformer", elementLabel(selected)],
    ["Time range (UTC)", el("span", { id: "tr-draft-range", "data-start": String(from), "data-end": String(to) }, `${iso(from)} to ${iso(to)} (${(to - from) / INTERVAL_S} intervals of 15 min)`)],
    ["Peak forecast load", peak === null ? "no forecast in this range" : formatKW(peak)],
    ["Most above the planning limit", formatKW(maxExcess)],
    ["Energy above the planning limit", formatKWh(Math.floor(excessWs / 3600))],
  ]));
  const action = $("tr-draft-action");
  if (canRequest && requestForm) {
    action.replaceChildren(link("Start a flexibility request for this range", requestDraftUrl(requestForm, { element: selected.id, start: from, end: to }), { id: "tr-request-link" }));
  } else if (canRequest) {
    action.textContent = "The request form is not available on this server yet.";
  } else {
    action.textContent = "DSOs start flexibility requests for their transformers.";
  }
  $("tr-draft").hidden = false;
  document.body.dataset.draftStart = String(from);
}

$("tr-range-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(() => {
    if (!selected) throw new RangeError("Choose a transformer first.");
    const from = snapDown(parseUtc($("tr-range-from").value, "From"));
    const to = snapUp(parseUtc($("tr-range-to").value, "To"));
    if (to <= from) throw new RangeError("Choose a start before the end.");
    chart?.setRange(from, to);
    showDraft({ from, to });
  }, { title: "Range not selected" });
});

async function showDay() {
  points = await forecastOf(selected.id, day);
  forecastTable.setRows(points);
  $("tr-draft").hidden = true;
  renderChart();
}

async function choose(t) {
  await guarded(async () => {
    selected = t;
    $("tr-forecast-title").textContent = `Day-ahead congestion forecast: ${t.code} ${t.name}`;
    $("tr-day").value = formatDate(day);
    panel.hidden = false;
    await showDay();
    panel.focus();
    document.body.dataset.selectedTransformer = String(t.id);
  }, { title: "Forecast not loaded" });
}

$("tr-day-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const value = $("tr-day").value;
    day = parseUtc(value, "Day");
    await showDay();
  }, { title: "Day not shown" });
});

await guarded(async () => {
  [elements, lights, dsos] = await Promise.all([loadElements(), currentLights(), dsoNames()]);
  transformers = elements.filter((e) => TRANSFORMER_KINDS.includes(e.kind));
  table.setRows(transformers);
  transformerMap($("tr-map"), {
    background: background(),
    transformers: markerList(),
    label: "Map of transformers coloured by traffic light",
    onSelect: (m) => choose(transformers.find((t) => t.id === m.id)),
  });
  await loadPeaks();
}, { title: "Transformers not loaded" });
document.body.dataset.pageReady = "true";

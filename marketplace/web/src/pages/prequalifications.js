// Prequalification: the FSP asks (by review or by an activation test, one or in bulk) and
// uploads tests; the DSO and the operator work through their review queues.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, facts, choiceLabel, statusBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatKW, formatKWh, formatTime, scaled } from "../lib/units.js";
import { submitForm, runForm, readForm, clearProblems, FormProblems, fieldLabel } from "../lib/forms.js";
import { forecastChart } from "../lib/chart.js";

const { viewer, notify } = await startShell();
const fspWriter = viewer.role === "fsp" && viewer.grant !== "read_only";
const reviewer = (viewer.role === "dso" || viewer.role === "market_operator") && viewer.grant !== "read_only";
const reviewSide = viewer.role === "dso" ? "dso" : "operator";
let assets = new Map();
let attempts = [];
let reviewing = null;
let testing = null;
let chart = null;

const productLabel = (p) => choiceLabel("products", p);
const directionLabel = (d) => (d === "up" ? "up" : "down");
const assetName = (id) => assets.get(id)?.name ?? `asset ${id}`;
const decision = (d, reason) => (d ? `${d}${reason ? ` — ${reason}` : ""}` : "—");

function testSummary(a) {
  const r = a.test_result;
  if (!r) return a.path === "test" && a.status === "pending" ? "waiting for the test upload" : "";
  return `${r.passed ? "passed" : "failed"}: response ${r.response_s ?? "none"} s (max ${r.max_response_s} s), delivered ${r.delivered_pct} % of ${formatKWh(r.requested_wh)} (needs ${r.success_pct} %)`;
}

const table = new DataTable($("pq-table"), {
  id: "prequalifications",
  caption: "Prequalification attempts",
  emptyText: "No prequalification asked yet.",
  rowKey: (a) => a.id,
  columns: [
    { key: "id", label: "No." },
    { key: "asset_id", label: "Asset", filter: "text", filterValue: (a) => assetName(a.asset_id), format: (id) => assetName(id) },
    { key: "product", label: "Product", filter: "select", filterValue: (a) => productLabel(a.product), format: productLabel },
    { key: "direction", label: "Direction", filter: "select" },
    { key: "path", label: "How", filter: "select", format: (p) => (p === "test" ? "activation test" : "review") },
    { key: "status", label: "Status", filter: "select", render: (a) => statusBadge(a.status) },
    { key: "qualified_power_w", label: "Qualified power", format: (w) => (w === null ? "" : formatKW(w)) },
    { key: "dso_decision", label: "DSO review", format: (d, a) => (a.path === "review" ? decision(d, a.dso_reason) : "") },
    { key: "operator_decision", label: "Operator review", format: (d, a) => (a.path === "review" ? decision(d, a.operator_reason) : "") },
    { key: "test", label: "Activation test", format: (_, a) => testSummary(a) },
    { key: "requested_at", label: "Asked", hidden: true, format: (t) => formatTime(t) },
    { key: "reason", label: "Reason", hidden: true },
    ...(fspWriter ? [{ key: "upload", label: "Test upload", render: (a) => (a.path === "test" && a.status === "pending"
      ? button("Upload test", () => openTest(a), { label: `Upload the activation test of attempt ${a.id} (${assetName(a.asset_id)})` })
      : el("span", { text: "" })) }] : []),
  ],
});

const awaitingReview = (a) => a.path === "review" && a.status === "pending" && a[`${reviewSide}_decision`] === null;
const queue = reviewer ? new DataTable($("pq-queue"), {
  id: `prequalification-queue-${reviewSide}`,
  caption: "Waiting for your review",
  emptyText: "Nothing waits for your review.",
  rowKey: (a) => a.id,
  columns: [
    { key: "id", label: "No." },
    { key: "asset_id", label: "Asset", filter: "text", filterValue: (a) => assetName(a.asset_id), format: (id) => assetName(id) },
    { key: "product", label: "Product", filter: "select", filterValue: (a) => productLabel(a.product), format: productLabel },
    { key: "direction", label: "Direction" },
    { key: "capacity", label: "Capacity in the direction", format: (_, a) => { const x = assets.get(a.asset_id); return x ? formatKW(a.direction === "up" ? x.active_export_w : x.active_import_w) : ""; } },
    { key: "other", label: reviewSide === "dso" ? "Operator review" : "DSO review", format: (_, a) => decision(a[`${reviewSide === "dso" ? "operator" : "dso"}_decision`], null) },
    { key: "requested_at", label: "Asked", format: (t) => formatTime(t) },
    { key: "review", label: "Review", render: (a) => button("Review", () => openReview(a), { label: `Review attempt ${a.id} (${assetName(a.asset_id)})` }) },
  ],
}) : null;

async function load() {
  const [list, rows] = await Promise.all([api.all("/assets"), api.all("/prequalifications")]);
  assets = new Map(list.map((a) => [a.id, a]));
  attempts = rows.sort((a, b) => b.id - a.id);
  table.setRows(attempts);
  queue?.setRows(attempts.filter(awaitingReview));
  const select = $("pq-asset");
  if (select) {
    const current = select.value;
    select.replaceChildren(el("option", { value: "", text: "Choose an asset" }), ...list.filter((a) => a.status === "operational")
      .map((a) => el("option", { value: String(a.id), text: `${a.name} (up ${formatKW(a.active_export_w)}, down ${formatKW(a.active_import_w)})` })));
    select.value = current;
  }
}

function openReview(a) {
  reviewing = a;
  const x = assets.get(a.asset_id);
  $("pq-review-title").textContent = `Review attempt ${a.id}: ${assetName(a.asset_id)}`;
  $("pq-review-facts").replaceChildren(facts([
    ["Product and direction", `${productLabel(a.product)}, ${directionLabel(a.direction)}`],
    ["Asset", x ? `${x.name} (${choiceLabel("asset_types", x.asset_type)}), ${scaled(x.voltage_level_v, 3)} kV, metering point ${x.metering_point_id}` : assetName(a.asset_id)],
    ["Capacity in the direction", x ? formatKW(a.direction === "up" ? x.active_export_w : x.active_import_w) : ""],
    ["Response time", x?.response_time_s !== null && x ? `${x.response_time_s} s` : "not given"],
    ["Asked", formatTime(a.requested_at)],
  ]));
  $("pq-review-form").reset();
  clearProblems($("pq-review-form"));
  $("pq-review").hidden = false;
  $("pq-review").focus();
}

submitForm($("pq-review-form"), async (body) => {
  const done = await api.post(`/prequalifications/${reviewing.id}/${reviewSide === "dso" ? "dso-review" : "operator-review"}`, { json: body });
  notify(`Attempt ${done.id} (${assetName(done.asset_id)}): ${body.decision}; status now ${done.status}.`, { kind: "success" });
  $("pq-review").hidden = true;
  await load();
}, { title: "Review not recorded" });
$("pq-review-cancel").addEventListener("click", () => ($("pq-review").hidden = true));

// ------------------------------------------------------------------ activation tests
/** Samples from a CSV (t,setpoint_w,measured_w) or JSON text, as whole numbers. */
function parseSamples(text, name) {
  const whole = (value, what, line) => {
    const v = typeof value === "number" ? value : /^-?\d+$/.test(String(value).trim()) ? Number(String(value).trim()) : NaN;
    if (!Number.isSafeInteger(v)) throw new RangeError(`${line}: ${what} “${value}” is not a whole number.`);
    return v;
  };
  if (name.toLowerCase().endsWith(".json") || text.trimStart().startsWith("{") || text.trimStart().startsWith("[")) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      throw new RangeError(`${name} is not valid JSON.`);
    }
    const list = Array.isArray(data) ? data : data.samples;
    if (!Array.isArray(list)) throw new RangeError(`${name}: expected {"samples": [...]}.`);
    return list.map((s, i) => ({ t: whole(s.t, "t", `sample ${i + 1}`), setpoint_w: whole(s.setpoint_w, "setpoint_w", `sample ${i + 1}`), measured_w: whole(s.measured_w, "measured_w", `sample ${i + 1}`) }));
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  const at = ["t", "setpoint_w", "measured_w"].map((h) => header.indexOf(h));
  if (at.includes(-1)) throw new RangeError(`${name}: the CSV header must name t, setpoint_w and measured_w (it has: ${header.join(", ")}).`);
  return lines.map((line, i) => {
    const cells = line.split(",");
    return { t: whole(cells[at[0]], "t", `line ${i + 2}`), setpoint_w: whole(cells[at[1]], "setpoint_w", `line ${i + 2}`), measured_w: whole(cells[at[2]], "measured_w", `line ${i + 2}`) };
  });
}

function showVerdict(attempt) {
  const r = attempt.test_result;
  $("pq-verdict-body").replaceChildren(
    el("p", { id: "pq-verdict-line" }, statusBadge(r.passed ? "qualified" : "failed", r.passed ? "passed" : "failed"), ` ${r.reason}`),
    facts([
      ["Status now", attempt.status],
      ["Qualified power", attempt.qualified_power_w === null ? "none" : formatKW(attempt.qualified_power_w)],
      ["Requested change", formatKW(r.requested_change_w)],
      ["Baseline (before the step)", formatKW(r.baseline_w)],
      ["Response", r.response_s === null ? `none within ${r.max_response_s} s` : `${r.response_s} s (at most ${r.max_response_s} s)`],
      ["Delivered in the hold window", `${formatKWh(r.delivered_wh)} of ${formatKWh(r.requested_wh)} (${r.delivered_pct} %, needs ${r.success_pct} %)`],
      ["Hold window", `${formatTime(r.window_start, { seconds: true })} to ${formatTime(r.window_end, { seconds: true })}`],
      ["Samples judged", String(r.samples)],
    ], { id: "pq-verdict-facts" }),
  );
  $("pq-verdict").hidden = false;
}

async function openTest(a) {
  testing = a;
  $("pq-test-title").textContent = `Activation test of attempt ${a.id}: ${assetName(a.asset_id)}, ${productLabel(a.product)} ${a.direction}`;
  $("pq-test-form").reset();
  $("pq-verdict").hidden = true;
  $("pq-test-chart").hidden = true;
  $("pq-test-tolerances").textContent = "";
  $("pq-test").hidden = false;
  $("pq-test").focus();
  await guarded(async () => {
    const products = await api.get("/products", { category: a.product, direction: a.direction, limit: 1 });
    const t = products.items[0]?.prequalification_test;
    if (t) {
      $("pq-test-tolerances").textContent = `Tolerances for ${productLabel(a.product)}: a setpoint step of at least ${formatKW(t.min_change_w)}, ` +
        `response within ${t.max_response_s} s (±${t.tolerance_pct} %), at least ${t.success_pct} % of the requested energy over ${t.hold_s / 60} min, samples at most ${t.max_sample_gap_s} s apart.`;
    }
  }, { title: "Tolerances not loaded" });
}

$("pq-test-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runForm($("pq-test-form"), async ({ samples }) => {
    chart?.destroy();
    $("pq-test-chart").hidden = false;
    chart = forecastChart($("pq-test-chart"), {
      times: samples.map((s) => s.t),
      series: [
        { label: "Setpoint (kW)", values: samples.map((s) => s.setpoint_w / 1000), color: "#44525f" },
        { label: "Measured (kW)", values: samples.map((s) => s.measured_w / 1000), color: "#0b57d0" },
      ],
      height: 240,
      yLabel: "Power (kW)",
    });
    const done = await api.post(`/prequalifications/${testing.id}/test`, { json: { samples } });
    showVerdict(done);
    notify(`Activation test of attempt ${done.id}: ${done.test_result.passed ? "passed" : "failed"}; status ${done.status}.`, { kind: done.test_result.passed ? "success" : "error" });
    await load();
  }, {
    title: "Test not uploaded",
    read: (form) => {
      const { file } = readForm(form);
      return file.text().then((text) => ({ samples: parseSamples(text, file.name) }));
    },
  });
});
$("pq-test-cancel").addEventListener("click", () => ($("pq-test").hidden = true));

// ------------------------------------------------------------------ FSP requests
if (fspWriter) {
  submitForm($("pq-form"), async (body) => {
    const attempt = await api.post("/prequalifications", { json: body });
    notify(`Prequalification asked: ${assetName(attempt.asset_id)}, ${productLabel(attempt.product)} ${attempt.direction}, by ${attempt.path === "test" ? "activation test" : "review"}.`, { kind: "success" });
    await load();
    if (attempt.path === "test") await openTest(attempt);
  }, { title: "Prequalification not asked" });

  const results = new DataTable($("pq-bulk-results"), {
    id: "prequalification-bulk-results",
    caption: "Result per row",
    emptyText: "No upload yet.",
    rowKey: (r) => r.index,
    columns: [
      { key: "row", label: "Row", format: (_, r) => String(r.index + 1) },
      { key: "ok", label: "Result", render: (r) => statusBadge(r.ok ? "approved" : "rejected", r.ok ? "asked" : "refused") },
      { key: "id", label: "Attempt" },
      { key: "message", label: "Message", format: (m, r) => (r.code ? `${m} (${r.code})` : m) },
    ],
  });
  $("pq-bulk-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runForm($("pq-bulk-form"), async ({ file }) => {
      const text = await file.text();
      const json = file.name.toLowerCase().endsWith(".json");
      const reply = await api.post("/prequalifications/bulk", { text, contentType: json ? "application/json" : "text/csv" });
      results.setRows(reply.results);
      notify(`Prequalification requests: ${reply.created} asked, ${reply.failed} refused.`, { kind: reply.failed ? "error" : "success" });
      await load();
    }, { title: "Requests not uploaded" });
  });
}

await guarded(load, { title: "Prequalifications not loaded" });
document.body.dataset.pageReady = "true";

// Incremental schedules per bidding unit, quarter-hour and zone: a unit × quarter-hour view,
// the rows with filters, CSV.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, fill, readForm, csvLink, param, setParam } from "../lib/ops.js";

await startShell();
const byId = (id) => document.getElementById(id);

const rows = new DataTable(byId("schedule-table"), {
  id: "schedules", caption: "Schedule increments", rowKey: (r, i) => `${r.start}-${r.bidding_unit_id}-${r.reference}-${i}`,
  emptyText: "No schedule for this choice.",
  columns: [
    { key: "date", label: "Date", filter: "select" },
    { key: "period", label: "Quarter-hour (UTC)", filter: "select" },
    { key: "session", label: "Session", filter: "select" },
    { key: "zone", label: "Zone", filter: "select" },
    { key: "bidding_unit", label: "Bidding unit", filter: "select", format: (v, r) => v ?? `unit ${r.bidding_unit_id}` },
    { key: "direction", label: "Direction", filter: "select" },
    { key: "increment_wh", label: "Increment", format: fmt.signedKWh },
    { key: "source", label: "Source", filter: "select" },
    { key: "reference", label: "Reference", format: fmt.short, hidden: true },
  ],
});

function pivot(items) {
  if (!items.length) return fill("pivot", h("p", { text: "No schedule for this choice." }));
  const units = [...new Map(items.map((r) => [r.bidding_unit_id, r.bidding_unit ?? `unit ${r.bidding_unit_id}`])).entries()];
  const starts = [...new Set(items.map((r) => r.start))].sort((a, b) => a - b);
  const sums = new Map();
  for (const r of items) {
    const key = `${r.start}:${r.bidding_unit_id}`;
    sums.set(key, (sums.get(key) ?? 0) + r.increment_wh);
  }
  const totals = new Map(units.map(([id]) => [id, starts.reduce((t, s) => t + (sums.get(`${s}:${id}`) ?? 0), 0)]));
  fill("pivot", h("div", { class: "table-scroll" }, h("table", { id: "schedule-pivot" },
    h("caption", { text: "Increment per quarter-hour (rows) and bidding unit (columns), kWh" }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Quarter-hour (UTC)" }), units.map(([, name]) => h("th", { scope: "col", text: name })))),
    h("tbody", {}, starts.map((s) => h("tr", {}, h("th", { scope: "row", text: fmt.time(s) }),
      units.map(([id]) => h("td", { text: sums.has(`${s}:${id}`) ? fmt.signedKWh(sums.get(`${s}:${id}`)) : "" }))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row", text: "Total" }), units.map(([id]) => h("td", { text: fmt.signedKWh(totals.get(id)) })))))));
}

async function show(query) {
  const data = await api.get("/results/schedules", query);
  rows.setRows(data.items);
  pivot(data.items);
  fill("sc-csv", csvLink("/results/schedules", query, "Download the schedules as CSV"));
}

const form = byId("schedule-filter");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const query = readForm(form);
    setParam("session", query.session_id);
    setParam("date", query.date);
    await show(query);
  }, { title: "Schedules not shown" });
});

await guarded(async () => {
  const sessions = (await api.all("/sessions")).filter((s) => s.status === "awarded" || s.status === "closed");
  const select = byId("sc-session");
  select.replaceChildren(h("option", { value: "", text: "All sessions" }), ...sessions.map((s) => h("option", { value: String(s.id), text: `${s.code} (delivery ${fmt.period(s.delivery_start, s.delivery_end)})` })));
  if (param("session")) select.value = param("session");
  if (param("date")) byId("sc-date").value = param("date");
  await show(readForm(form));
}, { title: "Schedules not loaded" });
document.body.dataset.pageReady = "true";

// Assets: the list (FSP own, DSO region, operator all), registration by form — with the
// charging station or vehicle details — or in bulk (CSV/JSON), and the changes an FSP may make.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, choiceLabel, statusBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatKW, formatKVAR, formatMinutes, formatTime, scaled } from "../lib/units.js";
import { submitForm, fillForm, runForm, readForm } from "../lib/forms.js";
import { CONNECTION_KINDS, elementLabel, loadElements, dsoNames } from "../lib/grid.js";

const { viewer, notify } = await startShell();
const canWrite = viewer.role === "fsp" && viewer.grant !== "read_only";
let elements = new Map();
let dsos = new Map();
let editing = null;

const PRODUCT_SHORT = { st_energy: "ST energy", lt_availability: "LT availability", lt_activation: "LT activation" };
function prequalificationText(a) {
  const parts = a.prequalification
    .filter((p) => p.status !== "not_attempted" || p.pending)
    .map((p) => `${PRODUCT_SHORT[p.product] ?? p.product} ${p.direction}: ${p.pending ? "pending" : p.status}${p.qualified_power_w ? ` (${formatKW(p.qualified_power_w)})` : ""}`);
  return parts.length ? parts.join("; ") : "not attempted";
}
const prequalificationState = (a) => (a.prequalification.some((p) => p.status === "qualified") ? "qualified" : a.prequalification.some((p) => p.pending) ? "pending" : a.prequalification.some((p) => p.status === "failed") ? "failed" : "not attempted");
const elementText = (id) => (elements.has(id) ? elementLabel(elements.get(id)) : `element ${id}`);

const columns = [
  { key: "name", label: "Asset", filter: "text" },
  { key: "asset_type", label: "Type", filter: "select", filterValue: (a) => choiceLabel("asset_types", a.asset_type), format: (t) => choiceLabel("asset_types", t) },
  { key: "status", label: "Status", filter: "select", filterValue: (a) => choiceLabel("asset_statuses", a.status), render: (a) => statusBadge(a.status, choiceLabel("asset_statuses", a.status)) },
  { key: "voltage_level_v", label: "Voltage", format: (v) => `${scaled(v, 3)} kV` },
  { key: "active_export_w", label: "Upward flexibility", format: formatKW },
  { key: "active_import_w", label: "Downward flexibility", format: formatKW },
  { key: "installed_generation_w", label: "Installed generation", hidden: true, format: formatKW },
  { key: "installed_consumption_w", label: "Installed consumption", hidden: true, format: formatKW },
  { key: "reactive", label: "Reactive import / export", hidden: true, format: (_, a) => (a.reactive_import_var === null && a.reactive_export_var === null ? "" : `${formatKVAR(a.reactive_import_var ?? 0)} / ${formatKVAR(a.reactive_export_var ?? 0)}`) },
  { key: "times", label: "Response, activation min–max, recovery", hidden: true,
    format: (_, a) => [a.response_time_s !== null ? `${a.response_time_s} s` : "–", `${formatMinutes(a.min_activation_s) || "–"} to ${formatMinutes(a.max_activation_s) || "–"}`, formatMinutes(a.recovery_s) || "–"].join("; ") },
  { key: "grid_element_id", label: "Grid connection", filter: "text", filterValue: (a) => elementText(a.grid_element_id), format: (id) => elementText(id) },
  { key: "postal_code", label: "Postal code", filter: "text" },
  { key: "metering_point_id", label: "Metering point", hidden: true, filter: "text" },
  { key: "bidding_unit_id", label: "Bidding unit", hidden: true, format: (id) => (id ? `unit ${id}` : "") },
  { key: "prequalification", label: "Prequalification", filter: "select", filterValue: prequalificationState, format: (_, a) => prequalificationText(a) },
  { key: "station", label: "Charging station", hidden: true,
    format: (_, a) => (a.charging_station ? `${a.charging_station.model}, AC ${formatKW(a.charging_station.max_ac_power_w)}, DC ${formatKW(a.charging_station.max_dc_power_w)}, ${a.charging_station.connectors.map((c) => choiceLabel("connectors", c)).join(", ")}` : "") },
  { key: "vehicle", label: "Vehicle", hidden: true,
    format: (_, a) => (a.vehicle ? `${a.vehicle.model}, ${scaled(a.vehicle.battery_capacity_wh, 3)} kWh, ${formatKW(a.vehicle.max_charging_power_w)}` : "") },
  { key: "dso_id", label: "DSO", hidden: viewer.role === "dso", filter: "select", filterValue: (a) => dsos.get(a.dso_id) ?? "", format: (id) => dsos.get(id) ?? `participant ${id}` },
  ...(viewer.role !== "fsp" ? [{ key: "fsp_id", label: "FSP", filter: "text", format: (id) => `participant ${id}` }] : []),
  { key: "created_at", label: "Registered", hidden: true, format: (t) => formatTime(t) },
  { key: "id", label: "Id", hidden: true },
  ...(canWrite ? [{ key: "edit", label: "Change", render: (a) => button("Change", () => openEdit(a), { label: `Change ${a.name}` }) }] : []),
];
const table = new DataTable($("as-table"), { id: "assets", caption: "Assets", emptyText: "No asset registered yet.", rowKey: (a) => a.id, columns });

async function loadAssets() {
  table.setRows(await api.all("/assets"));
}

function openEdit(asset) {
  editing = asset;
  $("as-edit-title").textContent = `Change ${asset.name}`;
  fillForm($("as-edit-form"), asset);
  $("as-edit").hidden = false;
  $("ed-name").focus();
}

submitForm($("as-edit-form"), async (body) => {
  const changed = await api.patch(`/assets/${editing.id}`, { json: { description: null, contact_phone: null, ...body } });
  notify(`${changed.name} saved.`, { kind: "success" });
  $("as-edit").hidden = true;
  await loadAssets();
}, { title: "Asset not changed" });
$("ed-cancel").addEventListener("click", () => ($("as-edit").hidden = true));

function fillElements() {
  const select = $("as-element");
  if (!select) return;
  const allowed = CONNECTION_KINDS($("as-voltage").value);
  const current = select.value;
  const groups = new Map();
  for (const e of elements.values()) {
    if (!allowed.includes(e.kind)) continue;
    if (!groups.has(e.dso_id)) groups.set(e.dso_id, el("optgroup", { label: dsos.get(e.dso_id) ?? `DSO ${e.dso_id}` }));
    groups.get(e.dso_id).append(el("option", { value: String(e.id), text: elementLabel(e) }));
  }
  select.replaceChildren(el("option", { value: "", text: "Choose where it connects" }), ...groups.values());
  select.value = [...select.options].some((o) => o.value === current) ? current : "";
}

if (canWrite) {
  const type = $("as-type");
  const showDetails = () => {
    $("as-station").hidden = type.value !== "EV_charging";
    $("as-vehicle").hidden = type.value !== "electric_vehicle";
  };
  type.addEventListener("change", showDetails);
  showDetails();
  $("as-voltage").addEventListener("change", fillElements);

  submitForm($("as-form"), async (body, form) => {
    const asset = await api.post("/assets", { json: body });
    form.reset();
    showDetails();
    fillElements();
    notify(`${asset.name} registered (id ${asset.id}) on ${elementText(asset.grid_element_id)}.`, { kind: "success" });
    await loadAssets();
  }, { title: "Asset not registered" });

  const results = new DataTable($("as-bulk-results"), {
    id: "asset-bulk-results",
    caption: "Result per row",
    emptyText: "No upload yet.",
    rowKey: (r) => r.index,
    columns: [
      { key: "row", label: "Row", format: (_, r) => String(r.index + 1) },
      { key: "ok", label: "Result", filter: "select", filterValue: (r) => (r.ok ? "registered" : "refused"), render: (r) => statusBadge(r.ok ? "approved" : "rejected", r.ok ? "registered" : "refused") },
      { key: "id", label: "Asset id" },
      { key: "message", label: "Message", filter: "text", format: (m, r) => (r.code ? `${m} (${r.code})` : m) },
    ],
  });
  const bulkForm = $("as-bulk-form");
  bulkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    runForm(bulkForm, async ({ file }) => {
      const text = await file.text();
      const json = file.name.toLowerCase().endsWith(".json") || file.type === "application/json";
      const reply = await api.post("/assets/bulk", { text, contentType: json ? "application/json" : "text/csv" });
      results.setRows(reply.results);
      $("as-bulk-summary").textContent = `${file.name}: ${reply.created} registered, ${reply.failed} refused.`;
      notify(`Bulk upload: ${reply.created} assets registered, ${reply.failed} refused.`, { kind: reply.failed ? "error" : "success" });
      await loadAssets();
    }, { title: "Assets not uploaded", read: readForm });
  });
}

await guarded(async () => {
  const [list, names] = await Promise.all([loadElements(), dsoNames()]);
  elements = new Map(list.map((e) => [e.id, e]));
  dsos = names;
  fillElements();
  await loadAssets();
}, { title: "Assets not loaded" });
document.body.dataset.pageReady = "true";

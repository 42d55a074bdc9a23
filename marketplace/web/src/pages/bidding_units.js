// Local bidding units: list, create from free assets, dissolve.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, choiceLabel } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatKW, formatTime } from "../lib/units.js";
import { submitForm, readForm } from "../lib/forms.js";
import { elementLabel, loadElements, dsoNames } from "../lib/grid.js";

const { viewer, notify } = await startShell();
const canWrite = viewer.role === "fsp" && viewer.grant !== "read_only";
let assets = new Map();
let elements = new Map();
let dsos = new Map();

const PRODUCT_SHORT = { st_energy: "ST energy", lt_availability: "LT availability", lt_activation: "LT activation" };
const qualified = (u) => u.prequalification.filter((p) => p.status === "qualified")
  .map((p) => `${PRODUCT_SHORT[p.product] ?? p.product} ${p.direction} (${formatKW(p.qualified_power_w)})`).join("; ") || "none";

const table = new DataTable($("bu-table"), {
  id: "bidding-units",
  caption: "Bidding units",
  emptyText: "No bidding unit yet.",
  rowKey: (u) => u.id,
  columns: [
    { key: "name", label: "Unit", filter: "text" },
    { key: "asset_ids", label: "Assets", filter: "text", filterValue: (u) => u.asset_ids.map((id) => assets.get(id)?.name ?? id).join(", "),
      format: (ids) => ids.map((id) => assets.get(id)?.name ?? `asset ${id}`).join(", ") },
    { key: "active_export_w", label: "Upward flexibility", format: formatKW },
    { key: "active_import_w", label: "Downward flexibility", format: formatKW },
    { key: "location_element_id", label: "Location in the grid", format: (id) => (elements.has(id) ? elementLabel(elements.get(id)) : `element ${id}`) },
    { key: "dso_id", label: "DSO", filter: "select", filterValue: (u) => dsos.get(u.dso_id) ?? "", format: (id) => dsos.get(id) ?? `participant ${id}` },
    { key: "qualified", label: "Qualified for", format: (_, u) => qualified(u) },
    { key: "created_at", label: "Created", hidden: true, format: (t) => formatTime(t) },
    { key: "id", label: "Id", hidden: true },
    ...(canWrite ? [{ key: "dissolve", label: "Dissolve", render: dissolveButton }] : []),
  ],
});

function dissolveButton(u) {
  return button("Dissolve", () => guarded(async () => {
    await api.delete(`/bidding-units/${u.id}`);
    notify(`Bidding unit ${u.name} dissolved; its assets are free again.`, { kind: "success" });
    await load();
  }, { title: "Unit not dissolved" }), { label: `Dissolve ${u.name}`, kind: "danger" });
}

function renderChoices() {
  const box = $("bu-asset-choices");
  if (!box) return;
  const free = [...assets.values()].filter((a) => a.bidding_unit_id === null);
  if (!free.length) {
    box.replaceChildren(el("p", { text: "Every asset of yours is in a unit already (or none is registered)." }));
    return;
  }
  const byDso = new Map();
  for (const a of free) {
    if (!byDso.has(a.dso_id)) byDso.set(a.dso_id, []);
    byDso.get(a.dso_id).push(a);
  }
  box.replaceChildren(...[...byDso.entries()].map(([dso, list]) => el("div", { class: "choice-group" },
    el("p", { class: "choice-group-title", text: `${dsos.get(dso) ?? "DSO " + dso}'s grid` }),
    ...list.map((a) => el("span", { class: "choice" },
      el("input", { type: "checkbox", id: `bu-asset-${a.id}`, name: "asset_ids", value: String(a.id) }),
      el("label", { for: `bu-asset-${a.id}`, text: `${a.name} (${choiceLabel("asset_types", a.asset_type)}, up ${formatKW(a.active_export_w)}, down ${formatKW(a.active_import_w)})` }))))));
}

async function load() {
  const [units, list] = await Promise.all([api.all("/bidding-units"), api.all("/assets")]);
  assets = new Map(list.map((a) => [a.id, a]));
  table.setRows(units);
  renderChoices();
}

if (canWrite) {
  submitForm($("bu-form"), async (body, form) => {
    const unit = await api.post("/bidding-units", { json: { ...body, asset_ids: body.asset_ids.map(Number) } });
    form.reset();
    notify(`Bidding unit ${unit.name} created with ${unit.asset_ids.length} asset(s).`, { kind: "success" });
    await load();
  }, { title: "Bidding unit not created", read: readForm });
}

await guarded(async () => {
  const [list, names] = await Promise.all([loadElements(), dsoNames()]);
  elements = new Map(list.map((e) => [e.id, e]));
  dsos = names;
  await load();
}, { title: "Bidding units not loaded" });
document.body.dataset.pageReady = "true";

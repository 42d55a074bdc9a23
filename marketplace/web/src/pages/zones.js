// The DSO's aggregated zones: list (with the assets inside), create from postal codes, delete.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, button } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatKW, formatTime } from "../lib/units.js";
import { submitForm } from "../lib/forms.js";

const { viewer, notify } = await startShell();
const canWrite = viewer.grant !== "read_only";
const inside = new Map();

const table = new DataTable($("zn-table"), {
  id: "zones",
  caption: "Zones",
  emptyText: "No zone yet.",
  rowKey: (z) => z.id,
  columns: [
    { key: "name", label: "Zone", filter: "text" },
    { key: "province", label: "Province", filter: "select" },
    { key: "postal_codes", label: "Postal codes", filter: "text", filterValue: (z) => z.postal_codes.join(" "), format: (codes) => codes.join(", ") },
    { key: "assets", label: "Assets inside", format: (_, z) => { const a = inside.get(z.id); return a === undefined ? "…" : `${a.count} (up ${formatKW(a.up)}, down ${formatKW(a.down)})`; } },
    { key: "created_at", label: "Created", hidden: true, format: (t) => formatTime(t) },
    { key: "id", label: "Id", hidden: true },
    ...(canWrite ? [{ key: "delete", label: "Delete", render: (z) => deleteButton(z) }] : []),
  ],
});

function deleteButton(z) {
  return button("Delete", () => guarded(async () => {
    await api.delete(`/zones/${z.id}`);
    notify(`Zone ${z.name} deleted.`, { kind: "success" });
    await load();
  }, { title: "Zone not deleted" }), { label: `Delete zone ${z.name}`, kind: "danger" });
}

async function load() {
  const zones = await api.all("/zones", { dso_id: viewer.participantId });
  table.setRows(zones);
  await Promise.all(zones.map(async (z) => {
    const assets = await api.all("/assets", { zone_id: z.id });
    inside.set(z.id, { count: assets.length, up: assets.reduce((s, a) => s + a.active_export_w, 0), down: assets.reduce((s, a) => s + a.active_import_w, 0) });
  }));
  table.render();
}

if (canWrite) {
  submitForm($("zn-form"), async (body, form) => {
    const zone = await api.post("/zones", { json: body });
    form.reset();
    notify(`Zone ${zone.name} created with ${zone.postal_codes.length} postal code(s).`, { kind: "success" });
    await load();
  }, { title: "Zone not created" });
}

await guarded(load, { title: "Zones not loaded" });
document.body.dataset.pageReady = "true";


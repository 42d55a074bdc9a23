// Public market information: the participant directory, products, zones and traffic lights.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, choiceLabel, lightBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatKW, formatTime, formatMinutes } from "../lib/units.js";
import { elementLabel } from "../lib/grid.js";

const { viewer } = await startShell();
let dsos = new Map();
let elements = new Map();

const participants = new DataTable($("mk-participants"), {
  id: "market-participants",
  caption: "Approved participants",
  rowKey: (p) => p.id,
  columns: [
    { key: "entity_name", label: "Organisation", filter: "text" },
    { key: "role", label: "Role", filter: "select", filterValue: (p) => choiceLabel("roles", p.role) || p.role, format: (r) => choiceLabel("roles", r) || r.replaceAll("_", " ") },
    { key: "fsp_kind", label: "Kind", filter: "select", filterValue: (p) => choiceLabel("fsp_kinds", p.fsp_kind), format: (k) => choiceLabel("fsp_kinds", k) },
  ],
});

const products = new DataTable($("mk-products"), {
  id: "market-products",
  caption: "Products of the catalogue",
  emptyText: "The catalogue is empty.",
  rowKey: (p) => p.id,
  columns: [
    { key: "name", label: "Product", filter: "text" },
    { key: "code", label: "Code", hidden: true },
    { key: "category", label: "Category", filter: "select", filterValue: (p) => choiceLabel("products", p.category), format: (c) => choiceLabel("products", c) },
    { key: "direction", label: "Direction", filter: "select" },
    { key: "power", label: "Power per bid", format: (_, p) => `${formatKW(p.min_power_w)} to ${formatKW(p.max_power_w)}` },
    { key: "preparation_s", label: "Preparation", format: (s) => formatMinutes(s) },
    { key: "activation_duration_s", label: "Activation", hidden: true, format: (s) => formatMinutes(s) },
    { key: "active", label: "Offered", filter: "select", filterValue: (p) => (p.active ? "yes" : "no"), format: (a) => (a ? "yes" : "no") },
  ],
});

const zones = new DataTable($("mk-zones"), {
  id: "market-zones",
  caption: "Aggregated zones",
  emptyText: "No zone defined.",
  rowKey: (z) => z.id,
  columns: [
    { key: "name", label: "Zone", filter: "text" },
    { key: "province", label: "Province", filter: "select" },
    { key: "dso_id", label: "DSO", filter: "select", filterValue: (z) => dsos.get(z.dso_id) ?? "", format: (id) => dsos.get(id) ?? `participant ${id}` },
    { key: "postal_codes", label: "Postal codes", filter: "text", filterValue: (z) => z.postal_codes.join(" "), format: (c) => c.join(", ") },
  ],
});

const lights = new DataTable($("mk-lights"), {
  id: "market-lights",
  caption: "Current traffic lights",
  emptyText: "Every grid element is green.",
  rowKey: (l) => l.grid_element_id,
  columns: [
    { key: "grid_element_id", label: "Grid element", filter: "text", filterValue: (l) => (elements.has(l.grid_element_id) ? elementLabel(elements.get(l.grid_element_id)) : `element ${l.grid_element_id}`),
      format: (id) => (elements.has(id) ? elementLabel(elements.get(id)) : `element ${id}`) },
    { key: "state", label: "Traffic light", filter: "select", render: (l) => lightBadge(l.state) },
    { key: "since", label: "Since", format: (t) => formatTime(t) },
  ],
});

await guarded(async () => {
  const [directory, catalogue, zoneList, lightList] = await Promise.all([
    api.all("/participants"), api.all("/products"), api.all("/zones"), api.all("/grid/traffic-lights"),
  ]);
  dsos = new Map(directory.filter((p) => p.role === "dso").map((p) => [p.id, p.entity_name]));
  if (viewer.signedIn && viewer.status === "approved") {
    elements = new Map((await api.all("/grid/elements")).map((e) => [e.id, e]));
  }
  participants.setRows(directory);
  products.setRows(catalogue);
  zones.setRows(zoneList);
  lights.setRows(lightList);
}, { title: "Market information not loaded" });
document.body.dataset.pageReady = "true";

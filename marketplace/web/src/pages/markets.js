// Markets: every market (public); a DSO initiates one at its grid element or zone, with a
// validity period and the products traded.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, onSubmit, viewer, participantNames, nameOf, utcField, marketNow, fill } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
const isDso = me.role === "dso" && me.status === "approved";
let names = new Map();
let products = new Map();
let zones = new Map();
let elements = new Map();

const table = new DataTable(byId("markets-table"), {
  id: "markets",
  caption: "Markets",
  rowKey: (m) => m.id,
  columns: [
    { key: "id", label: "Id" },
    { key: "name", label: "Name", filter: "text" },
    { key: "dso", label: "DSO", filter: "select", filterValue: (m) => nameOf(names, m.dso_id), format: (_, m) => nameOf(names, m.dso_id) },
    { key: "where", label: "Grid element or zone", filter: "text", filterValue: where, format: (_, m) => where(m) },
    { key: "valid", label: "Validity", format: (_, m) => fmt.period(m.valid_from, m.valid_until) },
    { key: "product_ids", label: "Products", format: (ids) => ids.map((id) => products.get(id)?.code ?? `#${id}`).sort().join(", ") },
    { key: "sessions", label: "Sessions", render: (m) => h("a", { href: `/sessions?market=${m.id}`, text: "Sessions", "aria-label": `Sessions of market ${m.name}` }) },
  ],
});

function where(m) {
  if (m.zone_id) return `zone ${zones.get(m.zone_id)?.name ?? "#" + m.zone_id}`;
  const element = elements.get(m.grid_element_id);
  return element ? `${element.code} (${fmt.words(element.kind)})` : `grid element #${m.grid_element_id}`;
}

async function load() {
  names = await participantNames(api);
  products = new Map((await api.all("/products")).map((p) => [p.id, p]));
  zones = new Map((await api.all("/zones")).map((z) => [z.id, z]));
  if (me.signedIn) {
    try {
      elements = new Map((await api.all("/grid/elements")).map((e) => [e.id, e]));
    } catch {
      elements = new Map(); // not every viewer may list grid elements: ids stand in
    }
  }
  table.setRows(await api.all("/markets"));
}

function fillForm() {
  const select = byId("mn-where");
  const own = [...elements.values()].filter((e) => e.dso_id === me.participantId);
  const ownZones = [...zones.values()].filter((z) => z.dso_id === me.participantId);
  select.replaceChildren(
    h("option", { value: "", text: "Choose where" }),
    h("optgroup", { label: "Grid elements" }, own.map((e) => h("option", { value: `element:${e.id}`, text: `${e.code} — ${e.name} (${fmt.words(e.kind)})` }))),
    h("optgroup", { label: "Zones" }, ownZones.map((z) => h("option", { value: `zone:${z.id}`, text: `${z.name}` }))),
  );
  fill("mn-products-choices", [...products.values()].filter((p) => p.active).map((p) =>
    h("span", { class: "choice" }, h("input", { type: "checkbox", id: `mn-product-${p.id}`, value: String(p.id) }), h("label", { for: `mn-product-${p.id}`, text: `${p.code} (${p.name})` }))));
  const day = Math.floor(marketNow() / 86400) * 86400;
  byId("mn-from").value = utcField(day);
  byId("mn-until").value = utcField(day + 365 * 86400);
}

await guarded(load, { title: "Markets not loaded" });
if (isDso) {
  fillForm();
  onSubmit(byId("market-new"), (body) => {
    const where = byId("mn-where").value;
    if (!where) throw new Error("Grid element or zone: choose where the market is.");
    const [kind, id] = where.split(":");
    body[kind === "zone" ? "zone_id" : "grid_element_id"] = Number(id);
    return api.post("/markets", { json: body });
  }, {
    title: "Market not initiated",
    done: async (market) => {
      notify(`Market “${market.name}” initiated (id ${market.id}).`, { kind: "success" });
      byId("mn-name").value = "";
      await load();
    },
  });
}
document.body.dataset.pageReady = "true";

// Products: the catalogue for everyone; the market operator adds products and changes their
// limits (quantity limits and granularity, price resolution, preparation period, rest-time
// range, activation duration) or retires them.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, fieldText, onSubmit, viewer } from "../lib/ops.js";

await startShell();
const me = viewer();
const isOperator = me.role === "market_operator";
const byId = (id) => document.getElementById(id);
let products = [];

const columns = [
  { key: "code", label: "Code", filter: "text" },
  { key: "name", label: "Name", filter: "text" },
  { key: "category", label: "Category", filter: "select", format: fmt.words },
  { key: "direction", label: "Direction", filter: "select" },
  { key: "block", label: "Block", filter: "select" },
  { key: "min_power_w", label: "Minimum power", format: fmt.kw },
  { key: "max_power_w", label: "Maximum power", format: fmt.kw },
  { key: "quantity_step_wh", label: "Granularity", format: (v) => `${fmt.kwh(v)} per quarter-hour` },
  { key: "price_step", label: "Price resolution", format: fmt.perMWh },
  { key: "preparation_s", label: "Preparation period", format: fmt.minutes },
  { key: "rest_time", label: "Rest time", format: (_, p) => `${fmt.minutes(p.rest_time_min_s)} – ${fmt.minutes(p.rest_time_max_s)}`, filterValue: (p) => p.rest_time_min_s },
  { key: "activation_duration_s", label: "Activation duration", format: fmt.minutes },
  { key: "active", label: "Status", filter: "select", format: (v) => (v ? "active" : "retired"), filterValue: (p) => (p.active ? "active" : "retired") },
];
if (isOperator) {
  columns.push({ key: "edit", label: "Change", render: (p) => h("button", { type: "button", text: "Edit", "aria-label": `Edit product ${p.code}`, onclick: () => edit(p.id) }) });
}
const table = new DataTable(byId("products-table"), { id: "products", caption: "Products of the catalogue", columns, rowKey: (p) => p.id });

async function load() {
  products = await api.all("/products");
  table.setRows(products);
  if (isOperator) {
    const select = byId("pe-product");
    const current = select.value;
    select.replaceChildren(h("option", { value: "", text: "Choose a product" }), ...products.map((p) => h("option", { value: String(p.id), text: `${p.code} — ${p.name}` })));
    select.value = current;
  }
}

function edit(id) {
  const p = products.find((x) => x.id === Number(id));
  byId("pe-product").value = p ? String(p.id) : "";
  if (!p) return;
  byId("pe-name").value = p.name;
  byId("pe-min-power").value = fieldText.kw(p.min_power_w);
  byId("pe-max-power").value = fieldText.kw(p.max_power_w);
  byId("pe-step").value = fieldText.kwh(p.quantity_step_wh);
  byId("pe-price-step").value = fieldText.eur(p.price_step);
  byId("pe-preparation").value = fieldText.min(p.preparation_s);
  byId("pe-rest-min").value = fieldText.min(p.rest_time_min_s);
  byId("pe-rest-max").value = fieldText.min(p.rest_time_max_s);
  byId("pe-duration").value = fieldText.min(p.activation_duration_s);
  byId("pe-active").checked = p.active;
  byId("pe-product").focus();
}

if (isOperator) {
  onSubmit(byId("product-new"), (body) => api.post("/products", { json: body }), {
    title: "Product not added",
    done: async (created) => {
      notify(`Product ${created.code} added to the catalogue.`, { kind: "success" });
      byId("product-new").reset();
      await load();
    },
  });
  byId("pe-product").addEventListener("change", (e) => edit(e.target.value));
  onSubmit(byId("product-edit"), (body) => {
    const id = byId("pe-product").value;
    if (!id) throw new Error("Choose the product to change first.");
    return api.patch(`/products/${id}`, { json: body });
  }, {
    title: "Product not changed",
    done: async (changed) => {
      notify(`Product ${changed.code} saved${changed.active ? "" : " (retired)"}.`, { kind: "success" });
      await load();
      edit(changed.id);
    },
  });
}

await guarded(load, { title: "Catalogue not loaded" });
document.body.dataset.pageReady = "true";

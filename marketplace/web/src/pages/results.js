// Results per role by session: the requests' aggregate, the bids the viewer may see (accepted
// or rejected, allocated quantity, prices), the trade/order history; CSV for each.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, fill, csvLink, param, setParam } from "../lib/ops.js";

await startShell();
const byId = (id) => document.getElementById(id);
let sessions = [];

const summary = new DataTable(byId("summary-table"), {
  id: "results-summary", caption: "Awarded requests of the session", rowKey: (r) => r.request_id, emptyText: "Choose a session.",
  columns: [
    { key: "request_id", label: "Request" },
    { key: "product", label: "Product", filter: "select" },
    { key: "direction", label: "Direction" },
    { key: "requested_wh", label: "Requested", format: fmt.kwh },
    { key: "awarded_wh", label: "Awarded", format: fmt.kwh },
    { key: "bids", label: "Bids" },
    { key: "winners", label: "Winners" },
    { key: "average_price_per_mwh", label: "Average price", format: (v, r) => (r.category === "lt_availability" ? fmt.perMWh_h(v) : fmt.perMWh(v)) },
    { key: "average_activation_price_per_mwh", label: "Average activation price", format: fmt.perMWh, hidden: true },
    { key: "agreed", label: "Agreed", format: fmt.eur },
  ],
});

const bids = new DataTable(byId("bids-table"), {
  id: "results-bids", caption: "Bids of the session", rowKey: (b) => b.bid_id, emptyText: "No bid you may see in this session.",
  columns: [
    { key: "request_id", label: "Request", filter: "select" },
    { key: "bid_id", label: "Bid" },
    { key: "agent", label: "FSP", filter: "select" },
    { key: "bidding_unit", label: "Bidding unit", filter: "select" },
    { key: "outcome", label: "Outcome", filter: "select", render: (b) => badge(b.outcome), filterValue: (b) => b.outcome ?? "" },
    { key: "reason", label: "Reason", format: (v, b) => [fmt.words(v), b.detail].filter(Boolean).join(": ") },
    { key: "quantity_wh", label: "Offered", format: fmt.kwh },
    { key: "quantity_w", label: "Offered power", format: fmt.kw, hidden: true },
    { key: "allocated_wh", label: "Allocated", format: fmt.kwh },
    { key: "allocated_w", label: "Allocated power", format: fmt.kw, hidden: true },
    { key: "bid_price_per_mwh", label: "Bid price", format: fmt.perMWh },
    { key: "bid_availability_price_per_mw_h", label: "Bid availability price", format: fmt.perMWh_h, hidden: true },
    { key: "price_per_mwh", label: "Price paid", format: fmt.perMWh },
    { key: "availability_price_per_mw_h", label: "Availability price paid", format: fmt.perMWh_h },
    { key: "qualified_power_w", label: "Qualified power", format: fmt.kw, hidden: true },
  ],
});

const trades = new DataTable(byId("trades-table"), {
  id: "results-trades", caption: "Orders and trades of the session", rowKey: (t) => t.id, emptyText: "No order or trade you may see.",
  columns: [
    { key: "id", label: "Id" },
    { key: "transaction_type", label: "Type", filter: "select" },
    { key: "order_code", label: "Code", filter: "text" },
    { key: "market_participant", label: "Participant", filter: "select" },
    { key: "product", label: "Product", filter: "select" },
    { key: "order_type", label: "Order type", hidden: true },
    { key: "position", label: "Position" },
    { key: "quantity", label: "Quantity", format: (v, t) => (t.quantity_unit === "W" ? fmt.kw(v) : fmt.kwh(v)) },
    { key: "price", label: "Price", format: (v, t) => (t.price_unit === "per MWh" ? fmt.perMWh(v) : fmt.perMWh_h(v)) },
    { key: "trade_status", label: "Status", filter: "select" },
    { key: "bidding_unit", label: "Bidding unit", hidden: true },
    { key: "dca_code", label: "DCA", hidden: true },
    { key: "created_at", label: "Time", format: fmt.time },
  ],
});

async function show(id) {
  if (!id) return;
  setParam("session", id);
  const s = sessions.find((x) => x.id === Number(id));
  const data = await api.get(`/sessions/${id}/results`);
  summary.setRows(data.summary.requests ?? []);
  bids.setRows(data.items.filter((row) => "bid_id" in row));
  fill("bids-csv", csvLink(`/sessions/${id}/results`, {}, "Download the bids as CSV", `Download the bids of session ${s?.code ?? id} as CSV`));
  trades.setRows((await api.get("/trades", { session_id: id })).items);
  fill("trades-csv", csvLink("/trades", { session_id: id }, "Download the trade and order history as CSV", `Download the trade and order history of session ${s?.code ?? id} as CSV`));
}

byId("pick-session").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(() => show(byId("rs-session").value), { title: "Results not shown" });
});

await guarded(async () => {
  sessions = (await api.all("/sessions")).filter((s) => s.status === "awarded" || s.status === "closed").sort((a, b) => b.gate_close_at - a.gate_close_at);
  const select = byId("rs-session");
  select.replaceChildren(h("option", { value: "", text: "Choose a session with results" }), ...sessions.map((s) => h("option", { value: String(s.id), text: `${s.code} (${fmt.words(s.horizon)}, gate closed ${fmt.time(s.gate_close_at)}, ${fmt.words(s.status)})` })));
  const wanted = param("session") ?? (sessions[0] ? String(sessions[0].id) : "");
  select.value = sessions.some((s) => String(s.id) === wanted) ? wanted : "";
  await show(select.value);
}, { title: "Results not loaded" });
document.body.dataset.pageReady = "true";

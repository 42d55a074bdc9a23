// History of concluded requests (seed fig. 62): per request the offers the viewer may see and
// the winner; the window's transactions with CSV export (7, 14 or 30 days).
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, viewer, participantNames, nameOf, fill, readForm, csvLink, requestFacts, requestQuantity, param, setParam } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
let names = new Map();
let sessions = new Map();

const transactions = new DataTable(byId("transactions-table"), {
  id: "history-transactions", caption: "Transactions of the window", rowKey: (t) => t.agreement_id ?? `${t.date}-${t.kind}`,
  emptyText: "No transaction in this window.",
  columns: [
    { key: "date", label: "Date", filter: "select" },
    { key: "session", label: "Session", filter: "select" },
    { key: "request_id", label: "Request", filter: "text" },
    { key: "kind", label: "Kind", filter: "select" },
    { key: "direction", label: "Direction", hidden: true },
    { key: "dso", label: "DSO", filter: "select" },
    { key: "agent", label: "FSP", filter: "select" },
    { key: "bidding_unit", label: "Bidding unit", filter: "text" },
    { key: "quantity_wh", label: "Quantity", format: fmt.kwh },
    { key: "price_per_mwh", label: "Price", format: (v, t) => (t.kind === "availability" ? fmt.perMWh_h(v) : fmt.perMWh(v)) },
    { key: "amount", label: "Amount", format: fmt.eur },
    { key: "status", label: "Status", filter: "select" },
    { key: "agreement_id", label: "On-chain id", format: fmt.short, hidden: true },
  ],
});

function offerTable(request, bids) {
  const id = `offers-${request.id}`;
  const holder = h("div", { id: `${id}-holder` });
  const table = new DataTable(holder, {
    id, caption: `Offers of request ${request.id}`, rowKey: (b) => b.id,
    emptyText: me.role === "fsp" ? "You made no offer." : "No offer you may see.",
    columns: [
      { key: "winner", label: "Result", render: (b) => (b.outcome === "accepted" ? h("strong", { class: "winner", text: "Winner" }) : badge(b.outcome ?? (b.void_reason ? "void" : "not decided"))), filterValue: (b) => b.outcome ?? "", filter: "select" },
      { key: "id", label: "Offer" },
      { key: "fsp", label: "FSP", format: (_, b) => nameOf(names, b.fsp_id) },
      { key: "bidding_unit_id", label: "Bidding unit", format: (v) => `unit ${v}` },
      { key: "quantity_wh", label: "Offered", format: fmt.kwh },
      { key: "qualified_power_w", label: "Capacity", format: fmt.kw },
      { key: "price_per_mwh", label: "Price", format: fmt.perMWh },
      { key: "availability_price_per_mw_h", label: "Availability price", format: fmt.perMWh_h },
      { key: "accepted_wh", label: "Accepted", format: fmt.kwh },
      { key: "outcome_reason", label: "Reason", format: (v, b) => [fmt.words(v), b.outcome_detail].filter(Boolean).join(": ") },
      { key: "divisible", label: "Divisible", format: fmt.yesNo, hidden: true },
      { key: "version", label: "Version", hidden: true },
      { key: "submitted_at", label: "Submitted", format: fmt.time, hidden: true },
    ],
  });
  table.setRows(bids.sort((a, b) => (a.outcome === "accepted" ? 0 : 1) - (b.outcome === "accepted" ? 0 : 1) || a.price_per_mwh - b.price_per_mwh));
  return holder;
}

async function concluded(from, to) {
  const requests = (await api.all("/requests", { status: "awarded" })).filter((r) => r.awarded_at >= from && r.awarded_at < to);
  const panels = [];
  for (const r of requests.sort((a, b) => b.awarded_at - a.awarded_at)) {
    const bids = (await api.all("/bids", { request_id: r.id })).filter((b) => b.status === "active");
    if (me.role === "fsp" && !bids.length) continue;
    const winners = bids.filter((b) => b.outcome === "accepted");
    const session = sessions.get(r.session_id);
    const winnerText = me.role === "fsp"
      ? `your offer${bids.length === 1 ? "" : "s"}: ${bids.map((b) => `unit ${b.bidding_unit_id} ${b.outcome === "accepted" ? "won" : "not selected"}`).join(", ")}`
      : `winner: ${winners.length ? winners.map((b) => `${nameOf(names, b.fsp_id)} (unit ${b.bidding_unit_id})`).join(", ") : "none"}`;
    panels.push(h("details", { class: "request-history", id: `request-${r.id}`, open: panels.length < 3 },
      h("summary", {}, h("span", { text: `Request ${r.id}: ${r.product_code}, ${requestQuantity(r)}, session ${session?.code ?? r.session_id}, awarded ${fmt.time(r.awarded_at)} — ` }),
        h("span", { class: "winner-summary", text: `${winnerText}; ${bids.length} offer${bids.length === 1 ? "" : "s"} shown` })),
      h("p", {}, h("a", { href: `/requests/${r.id}`, text: `Request ${r.id}'s page`, "aria-label": `Open the page of request ${r.id}` })),
      requestFacts(r, { sessionCode: session?.code, dsoName: nameOf(names, r.dso_id) }),
      offerTable(r, bids)));
  }
  fill("concluded", panels.length ? panels : h("p", { text: "No request concluded in this window." }));
}

async function show(query) {
  const data = await api.get("/results/history", query);
  transactions.setRows(data.items);
  const { from, to, days } = data.summary;
  fill("hw-summary", `Window: ${fmt.date(from)} to ${fmt.date(to - 1)} (${days} days, UTC), ${data.items.length} transaction${data.items.length === 1 ? "" : "s"}.`);
  fill("hw-csv", csvLink("/results/history", query, "Download the transactions as CSV", `Download the transactions of ${fmt.date(from)} to ${fmt.date(to - 1)} as CSV`));
  await concluded(from, to);
}

const form = byId("window");
if (param("days")) byId("hw-days").value = param("days");
if (param("date")) byId("hw-date").value = param("date");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const query = readForm(form);
    setParam("days", query.days);
    setParam("date", query.date);
    await show(query);
  }, { title: "History not shown" });
});

await guarded(async () => {
  names = await participantNames(api);
  sessions = new Map((await api.all("/sessions")).map((s) => [s.id, s]));
  await show(readForm(form));
}, { title: "History not loaded" });
document.body.dataset.pageReady = "true";

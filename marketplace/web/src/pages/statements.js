// Settlement statements: a period statement (totals and one row per agreement, CSV) and an
// agreement's statement with its interval table (CSV), disputes, and the dispute form.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { parseWholeNumber } from "../lib/units.js";
import { h, fmt, badge, viewer, marketNow, fill, csvLink, dateField, parseDate, param, setParam, participantNames, nameOf, actionButton } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
const DAY = 86400;
const isOperator = me.role === "market_operator";

const side = (s) => (s.fsp.id === me.participantId ? "fsp" : s.dso.id === me.participantId ? "dso" : null);
const counterparty = (s) => {
  const mine = side(s);
  const other = mine === "fsp" ? s.dso : mine === "dso" ? s.fsp : null;
  return other ? other.name ?? other.address : `${s.dso.name ?? s.dso.address} → ${s.fsp.name ?? s.fsp.address}`;
};
const openDisputes = (s) => s.disputes.filter((d) => d.status === "open").length;

const periodTable = new DataTable(byId("period-table"), {
  id: "period-statements", caption: "Agreements of the period", rowKey: (s) => s.id, emptyText: "No agreement delivered in this period.",
  columns: [
    { key: "id", label: "Agreement" },
    { key: "kind", label: "Kind", filter: "select" },
    { key: "direction", label: "Direction", hidden: true },
    { key: "counterparty", label: isOperator ? "DSO → FSP" : "Counterparty", filter: "select", filterValue: counterparty, format: (_, s) => counterparty(s) },
    { key: "delivery", label: "Delivery", format: (_, s) => fmt.period(s.delivery_start, s.delivery_end) },
    { key: "ordered_wh", label: "Ordered", format: fmt.kwh },
    { key: "delivered_wh", label: "Delivered", format: fmt.kwh },
    { key: "ratio_pct", label: "Delivered share", format: (v) => (v === null || v === undefined ? "" : `${v} %`) },
    { key: "price_per_mwh", label: "Price", format: (v, s) => (s.kind === "availability" ? fmt.perMWh_h(v) : fmt.perMWh(v)) },
    { key: "payment", label: "Payment", format: fmt.eur },
    { key: "penalty", label: "Penalty", format: fmt.eur },
    { key: "refund", label: "Refund", format: fmt.eur },
    { key: "final", label: "Settled on chain", format: fmt.yesNo, filter: "select", filterValue: (s) => fmt.yesNo(s.final) },
    { key: "disputes", label: "Open disputes", format: (_, s) => String(openDisputes(s)) },
    { key: "open", label: "Statement", render: (s) => h("button", { type: "button", text: "Open", "aria-label": `Open the statement of agreement ${s.id}`, onclick: () => guarded(() => openStatement(s.id, true), { title: "Statement not shown" }) }) },
  ],
});

async function showPeriod() {
  const start = parseDate(byId("st-from").value, "From");
  const end = parseDate(byId("st-to").value, "To") + DAY;
  if (end <= start) throw new Error("To: the last day must not be before the first.");
  const query = { start, end };
  const participant = byId("st-participant")?.value;
  if (participant) query.participant_id = participant;
  const data = await api.get("/statements", query);
  setParam("from", byId("st-from").value);
  setParam("to", byId("st-to").value);
  const t = data.totals;
  fill("period-totals", h("dl", { class: "facts", id: "period-totals-list" },
    h("dt", { text: "Agreements" }), h("dd", { text: `${t.agreements} (${t.settled} settled on chain)` }),
    h("dt", { text: "Payments received" }), h("dd", { text: fmt.eur(t.payments_received) }),
    h("dt", { text: "Payments made" }), h("dd", { text: fmt.eur(t.payments_made) }),
    h("dt", { text: "Penalties paid" }), h("dd", { text: fmt.eur(t.penalties_paid) }),
    h("dt", { text: "Refunds and penalties received" }), h("dd", { text: fmt.eur(t.refunds_and_penalties_received) })));
  periodTable.setRows(data.agreements);
  fill("period-csv", csvLink("/statements", query, "Download the period statement as CSV"));
}

async function openStatement(id, focus) {
  const s = await api.get(`/agreements/${id}/statement`);
  setParam("agreement", id);
  byId("st-agreement").value = String(id);
  const names = await participantNames(api);
  const intervals = h("div", { id: "statement-intervals" });
  const facts = [
    ["Agreement", `${s.id} (${s.kind}, ${s.direction}); on chain ${s.agreement_id}`],
    ["Status", `${s.status}${s.final ? " — settled on chain, amounts final" : " — not settled yet, amounts expected from the oracle's verdict"}`],
    ["DSO", `${s.dso.name ?? ""} ${s.dso.address}`],
    ["FSP", `${s.fsp.name ?? ""} ${s.fsp.address}`],
    ["Request and session", `request ${s.request_id}, session ${s.session_id}, bidding unit ${s.bidding_unit_id}`],
    ["Delivery", fmt.period(s.delivery_start, s.delivery_end)],
    ["Attestation deadline", fmt.time(s.attest_deadline)],
    ["Price", s.kind === "availability" ? fmt.perMWh_h(s.price_per_mwh) : fmt.perMWh(s.price_per_mwh)],
    ["Ordered", fmt.kwh(s.ordered_wh)],
    ["Delivered", s.delivered_wh === null ? "not judged yet" : `${fmt.kwh(s.delivered_wh)}${s.ratio_pct ? ` (${s.ratio_pct} %)` : ""}`],
    ["Success", s.success === null ? "not judged yet" : `${fmt.yesNo(s.success)} (threshold ${s.success_threshold_pct} %)`],
    ["Escrowed amount", fmt.eur(s.amount)],
    ["Guarantee", `${fmt.eur(s.guarantee)} (penalty ${s.penalty_pct} %)`],
    ["Payment", fmt.eur(s.payment)],
    ["Penalty", fmt.eur(s.penalty)],
    ["Refund", fmt.eur(s.refund)],
    ["Verdict", s.verdict ? `${s.verdict.status}${s.verdict.reason ? ": " + s.verdict.reason : ""} (oracle ${fmt.short(s.verdict.oracle)}, ${s.verdict.missing_count} readings missing)` : "none yet"],
    ["Transactions", ["awarded", "attested", "settled"].filter((k) => s.transactions[k]).map((k) => `${k} ${fmt.short(s.transactions[k])}`).join(", ")],
  ];
  const disputes = s.disputes.length
    ? h("ul", { id: "statement-disputes" }, s.disputes.map((d) => h("li", { "data-dispute": String(d.id) }, badge(d.status), ` Dispute ${d.id} by ${nameOf(names, d.participant_id)} on ${fmt.time(d.created_at)}: ${d.reason}`, d.resolution ? ` — resolution: ${d.resolution}` : "")))
    : h("p", { id: "statement-disputes", text: "No dispute." });
  const mine = side(s);
  let form = null;
  if (mine && (me.role === "fsp" || me.role === "dso")) {
    const reason = h("textarea", { id: "dispute-reason", name: "reason", rows: "3", "aria-describedby": "dispute-reason-help dispute-reason-error" });
    form = h("form", { id: "dispute-form", novalidate: true, class: "ops-form" },
      h("h4", { text: "Dispute this statement" }),
      h("div", { class: "field" }, h("label", { for: "dispute-reason", text: "Reason for the dispute (required)" }), reason,
        h("p", { class: "help", id: "dispute-reason-help", text: "What is wrong, e.g. which quarter-hours and why; the market operator resolves it." }),
        h("p", { class: "field-error", id: "dispute-reason-error", hidden: true })),
      h("div", { class: "actions" }, h("button", { type: "submit", text: "Flag as disputed" })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(async () => {
        if (!reason.value.trim()) {
          reason.setAttribute("aria-invalid", "true");
          byId("dispute-reason-error").textContent = "Reason: this is required.";
          byId("dispute-reason-error").hidden = false;
          throw new Error("Reason for the dispute: this is required.");
        }
        const d = await api.post(`/agreements/${s.id}/disputes`, { json: { reason: reason.value.trim() } });
        notify(`Dispute ${d.id} of agreement ${s.id}'s statement filed.`, { kind: "success" });
        await openStatement(s.id, false);
      }, { title: "Dispute not filed" });
    });
  }
  const withdraw = s.disputes.filter((d) => d.status === "open" && d.participant_id === me.participantId && (me.role === "fsp" || me.role === "dso"))
    .map((d) => actionButton(`Withdraw dispute ${d.id}`, async () => {
      await api.post(`/disputes/${d.id}/withdraw`);
      notify(`Dispute ${d.id} withdrawn.`, { kind: "success" });
      await openStatement(s.id, false);
    }, { title: `Dispute ${d.id} not withdrawn` }));
  fill("statement",
    h("h3", { id: "statement-heading", tabindex: "-1", text: `Statement of agreement ${s.id}` }),
    h("dl", { class: "facts", id: "statement-facts" }, facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
    h("p", { class: "csv" }, csvLink(`/agreements/${s.id}/statement`, {}, "Download the interval table as CSV", `Download the interval table of agreement ${s.id} as CSV`)),
    intervals,
    h("h4", { text: "Disputes" }), disputes, withdraw.length ? h("div", { class: "actions" }, withdraw) : null, form);
  new DataTable(intervals, {
    id: "statement-intervals-table", caption: `Quarter-hours of agreement ${s.id}`, rowKey: (i) => i.start,
    columns: [
      { key: "start", label: "Quarter-hour (UTC)", format: fmt.time },
      { key: "ordered_wh", label: "Ordered", format: fmt.kwh },
      { key: "baseline_wh", label: "Baseline", format: fmt.kwh },
      { key: "actual_wh", label: "Actual", format: fmt.kwh },
      { key: "delivered_wh", label: "Delivered", format: fmt.kwh },
      { key: "shortfall_wh", label: "Shortfall", format: fmt.kwh },
    ],
  }).setRows(s.intervals);
  if (focus) byId("statement-heading").focus();
}

byId("period").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(showPeriod, { title: "Period statement not shown" });
});
byId("open-statement").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(() => openStatement(parseWholeNumber(byId("st-agreement").value, "Agreement number"), true), { title: "Statement not shown" });
});

const now = marketNow();
byId("st-from").value = param("from") ?? dateField(now - 30 * DAY);
byId("st-to").value = param("to") ?? dateField(now + 30 * DAY);
await guarded(async () => {
  if (isOperator) {
    const names = await participantNames(api);
    byId("st-participant").replaceChildren(h("option", { value: "", text: "All participants" }), ...[...names.entries()].map(([id, name]) => h("option", { value: String(id), text: name })));
  }
  await showPeriod();
}, { title: "Period statement not loaded" });
if (param("agreement")) await guarded(() => openStatement(param("agreement"), false), { title: "Statement not shown" });
document.body.dataset.pageReady = "true";

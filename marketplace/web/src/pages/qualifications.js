// Qualification queues: the DSO's technical validation and the operator's guarantee validation
// of long-term qualifications; everyone sees the qualifications the API shows them.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, actionButton, viewer, participantNames, nameOf } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
let names = new Map();
let requests = new Map();

const requestText = (q) => {
  const r = requests.get(q.request_id);
  return r ? `${q.request_id}: ${r.product_code} ${r.direction}` : String(q.request_id);
};
const decision = (who) => (q) => {
  const d = q[`${who}_decision`];
  const reason = q[`${who}_reason`];
  return h("span", {}, d ? badge(d) : h("span", { class: "muted", text: "waiting" }), reason ? ` ${reason}` : "");
};
const columns = [
  { key: "id", label: "Qualification", filter: "text" },
  { key: "request", label: "Request", filter: "select", filterValue: requestText, format: (_, q) => requestText(q) },
  { key: "fsp", label: "FSP", filter: "select", filterValue: (q) => nameOf(names, q.fsp_id), format: (_, q) => nameOf(names, q.fsp_id) },
  { key: "asset_id", label: "Asset", format: (v) => `asset ${v}` },
  { key: "qualified_power_w", label: "Qualified power", format: fmt.kw },
  { key: "guarantee", label: "Guarantee", format: fmt.eur },
  { key: "status", label: "Status", filter: "select", render: (q) => badge(q.status), filterValue: (q) => q.status },
  { key: "dso_decision", label: "DSO (technical)", render: decision("dso"), filterValue: (q) => q.dso_decision ?? "waiting", filter: "select" },
  { key: "operator_decision", label: "Operator (guarantee)", render: decision("operator"), filterValue: (q) => q.operator_decision ?? "waiting", filter: "select" },
  { key: "requested_at", label: "Requested", format: fmt.time },
  { key: "note", label: "Note", hidden: true },
];

function review(who, q) {
  const path = `/qualifications/${q.id}/${who === "dso" ? "dso-review" : "operator-review"}`;
  const what = who === "dso" ? "technical validation" : "guarantee validation";
  const reasonId = `${who}-reason-${q.id}`;
  const reason = h("input", { id: reasonId, name: "reason", autocomplete: "off", "aria-describedby": `${reasonId}-help` });
  const accept = actionButton("Accept", async () => {
    const done = await api.post(path, { json: { decision: "accepted" } });
    notify(`Qualification ${q.id}: ${what} accepted (now ${fmt.words(done.status)}).`, { kind: "success" });
    await load();
  }, { title: `Qualification ${q.id} not accepted`, name: `Accept qualification ${q.id}` });
  const reject = h("form", { class: "inline-form", novalidate: true },
    h("label", { for: reasonId, text: `Reason for rejecting qualification ${q.id}` }), reason,
    h("p", { class: "help", id: `${reasonId}-help`, text: "Required to reject; the FSP sees it." }),
    h("button", { type: "submit", text: "Reject", "aria-label": `Reject qualification ${q.id}` }));
  reject.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      if (!reason.value.trim()) {
        reason.setAttribute("aria-invalid", "true");
        throw new Error(`Qualification ${q.id}: give a reason to reject it.`);
      }
      await api.post(path, { json: { decision: "rejected", reason: reason.value.trim() } });
      notify(`Qualification ${q.id} rejected.`, { kind: "success" });
      await load();
    }, { title: `Qualification ${q.id} not rejected` });
  });
  return h("div", { class: "row-actions" }, accept, reject);
}

const queueTable = (id, who, caption, emptyText) =>
  byId(id) && new DataTable(byId(id), { id: `${id}-table`, caption, emptyText, rowKey: (q) => q.id, columns: [...columns.filter((c) => !["note", "requested_at"].includes(c.key)), { key: "review", label: "Decision", render: (q) => review(who, q) }] });
const dsoQueue = queueTable("dso-queue", "dso", "Qualifications waiting for your technical validation", "Nothing waits for your validation.");
const operatorQueue = queueTable("operator-queue", "operator", "Qualifications waiting for guarantee validation", "Nothing waits for guarantee validation.");
const all = new DataTable(byId("all-qualifications"), { id: "qualifications-all", caption: "Qualifications", columns, rowKey: (q) => q.id });

async function load() {
  names = await participantNames(api);
  const rows = await api.all("/qualifications");
  const ids = [...new Set(rows.map((q) => q.request_id))];
  const found = await Promise.all(ids.filter((id) => !requests.has(id)).map((id) => api.get(`/requests/${id}`).catch(() => null)));
  for (const r of found) if (r) requests.set(r.id, r);
  all.setRows(rows.slice().reverse());
  const pending = rows.filter((q) => q.status === "pending");
  dsoQueue?.setRows(pending.filter((q) => !q.dso_decision && requests.get(q.request_id)?.dso_id === me.participantId));
  operatorQueue?.setRows(pending.filter((q) => !q.operator_decision));
}

await guarded(load, { title: "Qualifications not loaded" });
document.body.dataset.pageReady = "true";

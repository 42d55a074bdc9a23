// The operator's request validation queue: validate or reject (with a reason) submitted requests.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, actionButton, participantNames, nameOf, requestFacts, requestQuantity } from "../lib/ops.js";

await startShell();
const byId = (id) => document.getElementById(id);
let names = new Map();
let sessions = new Map();

const code = (r) => sessions.get(r.session_id)?.code ?? `session ${r.session_id}`;
const base = [
  { key: "id", label: "Request", filter: "text", render: (r) => h("a", { href: `/requests/${r.id}`, text: String(r.id), "aria-label": `Request ${r.id}` }), filterValue: (r) => r.id },
  { key: "dso", label: "DSO", filter: "select", filterValue: (r) => nameOf(names, r.dso_id), format: (_, r) => nameOf(names, r.dso_id) },
  { key: "session", label: "Session", filter: "select", filterValue: code, format: (_, r) => code(r) },
  { key: "product_code", label: "Product", filter: "select" },
  { key: "quantity", label: "Quantity", format: (_, r) => requestQuantity(r) },
  { key: "delivery", label: "Delivery", format: (_, r) => fmt.period(r.delivery_start, r.delivery_end) },
  { key: "price_cap_per_mwh", label: "Price cap", format: fmt.perMWh },
  { key: "created_at", label: "Submitted", format: fmt.time, hidden: true },
  { key: "details", label: "Details", render: (r) => h("details", {}, h("summary", { text: `All parameters of request ${r.id}` }), requestFacts(r, { sessionCode: code(r), dsoName: nameOf(names, r.dso_id) })) },
];

const queue = new DataTable(byId("queue-table"), {
  id: "validation-queue", caption: "Requests waiting for validation", rowKey: (r) => r.id, emptyText: "No request is waiting for validation.",
  columns: [...base, { key: "decide", label: "Decision", render: decide }],
});
const decided = new DataTable(byId("decided-table"), {
  id: "validation-decided", caption: "Requests validated or rejected", rowKey: (r) => r.id,
  columns: [...base.filter((c) => c.key !== "details"), { key: "status", label: "Status", filter: "select", render: (r) => badge(r.status), filterValue: (r) => r.status },
    { key: "status_reason", label: "Reason" }, { key: "validated_at", label: "Validated", format: fmt.time }],
});

function decide(r) {
  const reasonId = `reject-reason-${r.id}`;
  const reason = h("input", { id: reasonId, name: "reason", autocomplete: "off", "aria-describedby": `${reasonId}-help` });
  const reject = h("form", { class: "inline-form", novalidate: true },
    h("label", { for: reasonId, text: `Reason for rejecting request ${r.id}` }), reason,
    h("p", { class: "help", id: `${reasonId}-help`, text: "Required to reject; the DSO sees it." }),
    h("button", { type: "submit", text: "Reject", "aria-label": `Reject request ${r.id}` }));
  reject.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      if (!reason.value.trim()) {
        reason.setAttribute("aria-invalid", "true");
        throw new Error(`Request ${r.id}: give a reason to reject it.`);
      }
      await api.post(`/requests/${r.id}/reject`, { json: { reason: reason.value.trim() } });
      notify(`Request ${r.id} rejected.`, { kind: "success" });
      await load();
    }, { title: `Request ${r.id} not rejected` });
  });
  const validate = actionButton("Validate", async () => {
    const done = await api.post(`/requests/${r.id}/validate`);
    notify(`Request ${done.id} validated: the DSO can now escrow and publish it.`, { kind: "success" });
    await load();
  }, { title: `Request ${r.id} not validated`, name: `Validate request ${r.id}` });
  return h("div", { class: "row-actions" }, validate, reject);
}

async function load() {
  names = await participantNames(api);
  sessions = new Map((await api.all("/sessions")).map((s) => [s.id, s]));
  const [submitted, validated, rejected] = await Promise.all(["submitted", "validated", "rejected"].map((status) => api.all("/requests", { status })));
  queue.setRows(submitted);
  decided.setRows([...validated, ...rejected].sort((a, b) => b.id - a.id));
}

await guarded(load, { title: "Requests not loaded" });
document.body.dataset.pageReady = "true";

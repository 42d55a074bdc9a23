// The operator's registration queue: review a participant's data, documents and users, then
// approve (the role is granted on chain) or reject with a reason.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, link, code, facts, choiceLabel, statusBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatTime } from "../lib/units.js";
import { submitForm } from "../lib/forms.js";
import { DOCUMENT_LABELS, formatBytes } from "../lib/documents.js";

const { config, notify } = await startShell();
let current = null;

const roleLabel = (role) => choiceLabel("roles", role);
const table = new DataTable($("reg-list"), {
  id: "registrations",
  caption: "Registrations",
  emptyText: "No registration in this state.",
  rowKey: (p) => p.id,
  columns: [
    { key: "entity_name", label: "Organisation", filter: "text" },
    { key: "role", label: "Role", filter: "select", filterValue: (p) => roleLabel(p.role), format: roleLabel },
    { key: "fsp_kind", label: "Kind", filter: "select", filterValue: (p) => choiceLabel("fsp_kinds", p.fsp_kind), format: (k) => choiceLabel("fsp_kinds", k) },
    { key: "status", label: "Status", render: (p) => statusBadge(p.status) },
    { key: "id", label: "Id", hidden: true },
    { key: "open", label: "Review", render: (p) => button("Review", () => guarded(() => open(p.id), { title: "Registration not loaded" }), { label: `Review ${p.entity_name}` }) },
  ],
});

async function loadList() {
  const status = $("reg-status").value;
  table.setRows(await api.all("/participants", { status }));
}

function renderFacts(p) {
  const r = p.representative;
  $("reg-detail-title").textContent = `Registration of ${p.entity_name}`;
  $("reg-detail-body").replaceChildren(facts([
    ["Status", el("span", { id: "reg-status-now" }, statusBadge(p.status), p.status_reason ? ` — ${p.status_reason}` : "")],
    ["Role", roleLabel(p.role)],
    ...(p.fsp_kind ? [["Kind of market agent", choiceLabel("fsp_kinds", p.fsp_kind)]] : []),
    ["Tax identification code", p.tax_id],
    ["IBAN", p.iban],
    ["Address", `${p.address}, ${p.postal_code} ${p.locality}, ${p.province}, ${p.country}`],
    ["Group phone and email", `${p.phone}, ${p.email}`],
    ["Representative", `${r.first_name} ${r.last_name} (tax code ${r.tax_id}), ${r.phone}, ${r.email}, ${r.address}`],
    ["Registered", formatTime(p.created_at)],
  ], { id: "reg-facts" }));
}

async function open(id) {
  const [p, documents, users] = await Promise.all([
    api.get(`/participants/${id}`),
    api.items(`/participants/${id}/documents`),
    api.items(`/participants/${id}/users`),
  ]);
  current = p;
  renderFacts(p);
  const have = new Map(documents.map((d) => [d.kind, d]));
  $("reg-documents").replaceChildren(...config.documents.required.map((kind) => {
    const d = have.get(kind);
    return d
      ? el("li", { "data-kind": kind }, `${DOCUMENT_LABELS[kind]}: `, link(d.filename, `/api/v1/participants/${p.id}/documents/${d.id}`, { "aria-label": `Download ${DOCUMENT_LABELS[kind]} of ${p.entity_name}` }), ` (${formatBytes(d.size_bytes)}, uploaded ${formatTime(d.uploaded_at)}, SHA-256 `, code(d.sha256.slice(0, 16) + "…"), ")")
      : el("li", { "data-kind": kind, class: "problem" }, `${DOCUMENT_LABELS[kind]}: missing`);
  }));
  $("reg-users").replaceChildren(...users.map((u) => el("li", {}, `${u.first_name} ${u.last_name} (${choiceLabel("grants", u.grant)}), wallet `, code(u.wallet_address), u.chain_role_granted_at ? ` — role on chain since ${formatTime(u.chain_role_granted_at)}` : "")));
  $("reg-decisions").hidden = p.status === "approved";
  $("reg-reject-form").hidden = p.status !== "pending";
  $("reg-outcome").hidden = true;
  $("reg-detail").hidden = false;
  $("reg-detail").focus();
}

function showOutcome(decision, text) {
  current = decision.participant;
  renderFacts(decision.participant);
  $("reg-outcome-text").textContent = text;
  $("reg-grants").replaceChildren(...decision.grants.map((g) => el("li", { "data-user-id": String(g.user_id) },
    "Wallet ", code(g.wallet_address), g.tx_hash ? el("span", {}, ": role granted in transaction ", code(g.tx_hash)) : ": already held the role")));
  $("reg-outcome").hidden = false;
  $("reg-decisions").hidden = true;
}

submitForm($("reg-approve-form"), async (body, form) => {
  const decision = await api.post(`/participants/${current.id}/approve`, { json: body });
  form.reset();
  const p = decision.participant;
  showOutcome(decision, `${p.entity_name} is approved as ${roleLabel(p.role)}. ${decision.grants.length} wallet(s) received the role.`);
  notify(`${p.entity_name} approved.`, { kind: "success" });
  await loadList();
}, { title: "Registration not approved" });

submitForm($("reg-reject-form"), async (body, form) => {
  const decision = await api.post(`/participants/${current.id}/reject`, { json: body });
  form.reset();
  showOutcome(decision, `${decision.participant.entity_name} is rejected. Reason sent: “${decision.participant.status_reason}”.`);
  notify(`${decision.participant.entity_name} rejected.`, { kind: "success" });
  await loadList();
}, { title: "Registration not rejected" });

$("reg-status-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(loadList, { title: "Registrations not loaded" });
});

await guarded(loadList, { title: "Registrations not loaded" });
document.body.dataset.pageReady = "true";

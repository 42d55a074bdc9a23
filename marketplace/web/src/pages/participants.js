// The operator's view of every participant and its users, with impersonation.
import { startShell, guarded } from "../lib/shell.js";
import { api, setCsrfToken } from "../lib/api.js";
import { $, el, button, code, facts, choiceLabel, statusBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatTime } from "../lib/units.js";

const { notify } = await startShell();
let current = null;
const roleLabel = (role) => choiceLabel("roles", role);

const participants = new DataTable($("pt-list"), {
  id: "participants",
  caption: "Participants",
  rowKey: (p) => p.id,
  columns: [
    { key: "entity_name", label: "Organisation", filter: "text" },
    { key: "role", label: "Role", filter: "select", filterValue: (p) => roleLabel(p.role), format: roleLabel },
    { key: "fsp_kind", label: "Kind", filter: "select", filterValue: (p) => choiceLabel("fsp_kinds", p.fsp_kind), format: (k) => choiceLabel("fsp_kinds", k) },
    { key: "status", label: "Status", filter: "select", render: (p) => statusBadge(p.status) },
    { key: "id", label: "Id", hidden: true },
    { key: "users", label: "Users", render: (p) => button("Users", () => guarded(() => openUsers(p), { title: "Users not loaded" }), { label: `Users of ${p.entity_name}` }) },
  ],
});

const users = new DataTable($("pt-users"), {
  id: "participant-users",
  caption: "Users",
  rowKey: (u) => u.id,
  columns: [
    { key: "name", label: "Name", filter: "text", format: (_, u) => `${u.first_name} ${u.last_name}` },
    { key: "email", label: "Email", filter: "text" },
    { key: "grant", label: "Grant", filter: "select", filterValue: (u) => choiceLabel("grants", u.grant), format: (g) => choiceLabel("grants", g) },
    { key: "active", label: "Active", format: (a) => (a ? "yes" : "no") },
    { key: "wallet_address", label: "Wallet", render: (u) => code(u.wallet_address) },
    { key: "chain_role_granted_at", label: "Role on chain", format: (t) => (t ? `since ${formatTime(t)}` : "not granted") },
    { key: "act", label: "Impersonation", render: impersonateButton },
  ],
});

function impersonateButton(u) {
  if (!u.active || current?.role === "market_operator") return el("span", { text: "—" });
  const name = `${u.first_name} ${u.last_name}`;
  return button("Act as this user", () => guarded(async () => {
    const reply = await api.post("/auth/impersonate", { json: { user_id: u.id } });
    setCsrfToken(reply.csrf_token);
    notify(`Acting as ${name} of ${reply.participant.entity_name}.`, { kind: "success" });
    window.location.assign("/organisation");
  }, { title: "Impersonation not started" }), { label: `Act as ${name} of ${current.entity_name}` });
}

async function openUsers(p) {
  current = p;
  const rows = await api.items(`/participants/${p.id}/users`);
  $("pt-users-title").textContent = `Users of ${p.entity_name}`;
  $("pt-summary").replaceChildren(facts([["Role", roleLabel(p.role)], ["Status", statusBadge(p.status)]]));
  users.setRows(rows);
  $("pt-chain-roles").hidden = p.status !== "approved" || p.role === "market_operator";
  $("pt-grants").replaceChildren();
  $("pt-users-panel").hidden = false;
  $("pt-users-panel").focus();
}

$("pt-chain-roles").addEventListener("click", () => guarded(async () => {
  const decision = await api.post(`/participants/${current.id}/chain-roles`);
  $("pt-grants").replaceChildren(...(decision.grants.length
    ? decision.grants.map((g) => el("li", {}, "Wallet ", code(g.wallet_address), g.tx_hash ? el("span", {}, " granted in ", code(g.tx_hash)) : " already held the role"))
    : [el("li", { text: "Every bound wallet already holds the role." })]));
  notify(`Chain roles of ${current.entity_name} checked.`, { kind: "success" });
  await openUsers(current);
}, { title: "Roles not granted" }));

await guarded(async () => {
  participants.setRows(await api.all("/participants")); // every status, for the operator
}, { title: "Participants not loaded" });
document.body.dataset.pageReady = "true";

// The audit log for the operator: server-side filters, then a table with column choice and
// filters; each record's before/after on demand.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatTime } from "../lib/units.js";
import { submitForm } from "../lib/forms.js";

await startShell();

/** Most records loaded for one search (newest shown first); narrow the search for more. */
const MAX_RECORDS = 5000;
const participantNames = new Map();
const userNames = new Map();

function person(id) {
  if (id === null || id === undefined) return "";
  return userNames.has(id) ? `${userNames.get(id)} (user ${id})` : `user ${id}`;
}

function changes(row) {
  if (!row.before && !row.after) return el("span", { text: "—" });
  const show = (label, value) => (value ? [el("h4", { text: label }), el("pre", { tabindex: "0", "aria-label": `${label} of record ${row.id}`, text: JSON.stringify(value, null, 2) })] : []);
  return el("details", {}, el("summary", { text: `Changes of record ${row.id}` }), ...show("Before", row.before), ...show("After", row.after));
}

const table = new DataTable($("au-table"), {
  id: "audit-log",
  caption: "Audit records, newest first",
  emptyText: "No record matches the search.",
  rowKey: (r) => r.id,
  columns: [
    { key: "id", label: "No." },
    { key: "at", label: "Time (UTC)", filter: "text", filterValue: (r) => formatTime(r.at, { seconds: true }), format: (t) => formatTime(t, { seconds: true }) },
    { key: "action", label: "Action", filter: "select" },
    { key: "object", label: "Object", filter: "text", filterValue: (r) => `${r.object_type} ${r.object_id ?? ""}`, format: (_, r) => `${r.object_type}${r.object_id ? " " + r.object_id : ""}` },
    { key: "participant", label: "Participant", filter: "select", filterValue: (r) => participantNames.get(r.participant_id) ?? "", format: (_, r) => participantNames.get(r.participant_id) ?? (r.participant_id ?? "") },
    { key: "actor", label: "Actor", filter: "text", filterValue: (r) => (r.actor_api_client_id ? `API client ${r.actor_api_client_id}` : person(r.actor_user_id)),
      format: (_, r) => (r.actor_api_client_id ? `API client ${r.actor_api_client_id}` : person(r.actor_user_id)) },
    { key: "acting_as", label: "Acting as", filter: "text", filterValue: (r) => (r.acting_as_user_id !== r.actor_user_id ? person(r.acting_as_user_id) : ""),
      format: (_, r) => (r.acting_as_user_id && r.acting_as_user_id !== r.actor_user_id ? person(r.acting_as_user_id) : "") },
    { key: "remote_addr", label: "Address", hidden: true },
    { key: "changes", label: "Before and after", render: changes },
  ],
});

async function loadNames() {
  const participants = await api.all("/participants");
  const select = $("au-participant");
  for (const p of participants) {
    participantNames.set(p.id, p.entity_name);
    select.append(el("option", { value: String(p.id), text: p.entity_name }));
  }
  const lists = await Promise.all(participants.map((p) => api.items(`/participants/${p.id}/users`)));
  for (const u of lists.flat()) userNames.set(u.id, `${u.first_name} ${u.last_name}`);
}

async function search(filters = {}) {
  const rows = [];
  let after = null;
  for (;;) {
    const page = await api.get("/audit", { ...filters, limit: 1000, after });
    rows.push(...page.items);
    if (page.next_after === null || rows.length >= MAX_RECORDS) break;
    after = page.next_after;
  }
  const capped = rows.length >= MAX_RECORDS;
  table.setRows(rows.slice(0, MAX_RECORDS).reverse());
  $("au-summary").textContent = capped
    ? `The first ${MAX_RECORDS.toLocaleString("en-GB")} matching records are loaded; narrow the search (time, participant, action) to see others.`
    : `${rows.length.toLocaleString("en-GB")} matching record(s).`;
  $("au-actions").replaceChildren(...[...new Set(rows.map((r) => r.action))].sort().map((a) => el("option", { value: a })));
}

submitForm($("au-form"), (filters) => search(filters), { title: "Search refused" });
$("au-form").addEventListener("reset", () => setTimeout(() => guarded(() => search(), { title: "Audit log not loaded" }), 0));

await guarded(async () => {
  await loadNames();
  await search();
}, { title: "Audit log not loaded" });
document.body.dataset.pageReady = "true";

// The viewer's organisation: registration status, data, contacts, users and grants, documents.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, button, link, code, facts, choiceLabel, statusBadge, options } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatTime } from "../lib/units.js";
import { readForm, runForm, submitForm, fillForm, FormProblems, fieldLabel } from "../lib/forms.js";
import { DOCUMENT_LABELS, documentProblem, formatBytes, uploadDocument } from "../lib/documents.js";

const { config, viewer, notify } = await startShell();
const id = viewer.participantId;
const admin = viewer.grant === "admin";
let participant = null;
let documents = [];
let users = [];

function renderStatus() {
  const p = participant;
  const have = new Set(documents.map((d) => d.kind));
  const missing = config.documents.required.filter((kind) => !have.has(kind));
  const explain = {
    pending: "The market operator reviews your registration and documents. Market pages open once it is approved.",
    approved: "Approved: your users' wallets hold the market role on chain.",
    rejected: "Rejected. Upload better documents below if needed; the market operator may approve the registration later.",
  }[p.status];
  const documentsLine = p.status === "approved"
    ? `${config.documents.required.length - missing.length} of the ${config.documents.required.length} registration documents on file.`
    : missing.length
      ? `Documents still missing for approval: ${missing.map((k) => DOCUMENT_LABELS[k]).join(", ")}.`
      : "All documents the approval needs are uploaded.";
  $("org-status-body").replaceChildren(...[
    el("p", { id: "org-status-line" }, "Status: ", statusBadge(p.status), p.decided_at ? ` since ${formatTime(p.decided_at)}` : ""),
    p.status_reason ? el("p", { id: "org-status-reason" }, p.status === "rejected" ? "Reason given by the market operator: " : "Note: ", el("q", { text: p.status_reason })) : null,
    el("p", {}, explain),
    el("p", { id: "org-documents-missing" }, documentsLine),
  ].filter(Boolean));
}

function renderData() {
  const p = participant;
  const r = p.representative;
  $("org-data").replaceChildren(facts([
    ["Name", p.entity_name],
    ["Role", choiceLabel("roles", p.role) || p.role.replaceAll("_", " ")],
    ...(p.fsp_kind ? [["Kind of market agent", choiceLabel("fsp_kinds", p.fsp_kind)]] : []),
    ["Tax identification code", p.tax_id],
    ["IBAN", p.iban],
    ["Address", `${p.address}, ${p.postal_code} ${p.locality}, ${p.province}, ${p.country}`],
    ["Group phone", p.phone],
    ["Group email", p.email],
    ["Representative", `${r.first_name} ${r.last_name} (tax code ${r.tax_id}), ${r.phone}, ${r.email}, ${r.address}`],
    ["Registered", formatTime(p.created_at)],
  ], { id: "org-facts" }));
  const form = $("org-contact-form");
  if (form) fillForm(form, p);
}

function renderContacts() {
  const r = participant.representative;
  const items = [el("li", {}, el("strong", { text: `${r.first_name} ${r.last_name}` }), ` — representative; ${r.phone}; `, link(r.email, `mailto:${r.email}`))];
  const isRepresentative = (u) => u.email === r.email && u.first_name === r.first_name && u.last_name === r.last_name;
  for (const u of users.filter((u) => u.is_contact && u.active && !isRepresentative(u))) {
    items.push(el("li", {}, el("strong", { text: `${u.first_name} ${u.last_name}` }), ` — contact (${choiceLabel("grants", u.grant)})${u.phone ? "; " + u.phone : ""}; `, link(u.email, `mailto:${u.email}`)));
  }
  $("org-contacts").replaceChildren(...items);
}

const userTable = new DataTable($("org-users"), {
  id: "organisation-users",
  caption: "Users of your organisation",
  rowKey: (u) => u.id,
  columns: [
    { key: "name", label: "Name", filter: "text", format: (_, u) => `${u.first_name} ${u.last_name}` },
    { key: "email", label: "Email", filter: "text" },
    { key: "grant", label: "Grant", filter: "select", filterValue: (u) => choiceLabel("grants", u.grant), format: (g) => choiceLabel("grants", g) },
    { key: "active", label: "Active", filter: "select", filterValue: (u) => (u.active ? "yes" : "no"), format: (a) => (a ? "yes" : "no") },
    { key: "wallet_address", label: "Wallet", render: (u) => code(u.wallet_address) },
    { key: "wallet_bound_at", label: "Wallet bound", format: (t) => (t ? formatTime(t) : "not yet (at first sign-in)") },
    { key: "chain_role_granted_at", label: "Market role on chain", format: (t, u) => (t ? `since ${formatTime(t)}` : u.active ? "not granted" : "") },
    { key: "is_contact", label: "Contact", hidden: true, format: (c) => (c ? "yes" : "no") },
    { key: "power_of_attorney", label: "Power of attorney", hidden: true, format: (c) => (c ? "yes" : "no") },
    { key: "phone", label: "Phone", hidden: true },
    ...(admin ? [{ key: "actions", label: "Actions", render: userActions }] : []),
  ],
});

function userActions(u) {
  if (!u.active) return el("span", { text: "deactivated" });
  const name = `${u.first_name} ${u.last_name}`;
  const select = el("select", { "aria-label": `Grant of ${name}`, id: `user-${u.id}-grant` }, ...options("grants"));
  select.value = u.grant;
  return el("div", { class: "row-actions" },
    select,
    button("Change grant", () => guarded(async () => {
      const changed = await api.patch(`/participants/${id}/users/${u.id}`, { json: { grant: select.value } });
      notify(`${name} now has the grant ${choiceLabel("grants", changed.grant)}.`, { kind: "success" });
      await loadUsers();
    }, { title: "Grant not changed" }), { label: `Change grant of ${name}` }),
    u.id === viewer.userId ? null : button("Deactivate", () => guarded(async () => {
      await api.delete(`/participants/${id}/users/${u.id}`);
      notify(`${name} is deactivated; their sessions ended.`, { kind: "success" });
      await loadUsers();
    }, { title: "User not deactivated" }), { label: `Deactivate ${name}`, kind: "danger" }),
  );
}

const docTable = new DataTable($("org-documents"), {
  id: "organisation-documents",
  caption: "Documents on file",
  emptyText: "No document uploaded yet.",
  rowKey: (d) => d.id,
  columns: [
    { key: "kind", label: "Document", filter: "select", filterValue: (d) => DOCUMENT_LABELS[d.kind], format: (k) => DOCUMENT_LABELS[k] ?? k },
    { key: "filename", label: "File", render: (d) => link(d.filename, `/api/v1/participants/${id}/documents/${d.id}`, { "aria-label": `Download ${DOCUMENT_LABELS[d.kind]}: ${d.filename}` }) },
    { key: "size_bytes", label: "Size", format: (b) => formatBytes(b) },
    { key: "uploaded_at", label: "Uploaded", format: (t) => formatTime(t) },
    { key: "sha256", label: "SHA-256", hidden: true, render: (d) => code(d.sha256) },
  ],
});

async function loadParticipant() {
  [participant, documents] = await Promise.all([api.get(`/participants/${id}`), api.items(`/participants/${id}/documents`)]);
  renderStatus();
  renderData();
  docTable.setRows(documents);
}

async function loadUsers() {
  users = await api.items(`/participants/${id}/users`);
  userTable.setRows(users);
  renderContacts();
}

await guarded(async () => {
  await loadParticipant();
  await loadUsers();
}, { title: "Organisation not loaded" });

if ($("org-contact-form")) {
  submitForm($("org-contact-form"), async (body) => {
    participant = await api.patch(`/participants/${id}`, { json: body });
    renderData();
    renderContacts();
    notify("Contact details saved.", { kind: "success" });
  }, { title: "Contact details not saved" });
}

if ($("org-user-form")) {
  submitForm($("org-user-form"), async (body, form) => {
    const user = await api.post(`/participants/${id}/users`, { json: body });
    form.reset();
    notify(`${user.first_name} ${user.last_name} added (${choiceLabel("grants", user.grant)}); they sign in with ${user.wallet_address}.`, { kind: "success" });
    await loadUsers();
  }, { title: "User not added" });
}

if ($("org-doc-form")) {
  const form = $("org-doc-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runForm(form, async (body) => {
      const doc = await uploadDocument(id, body.kind, body.file);
      form.reset();
      notify(`${DOCUMENT_LABELS[doc.kind]} uploaded: “${doc.filename}” (${formatBytes(doc.size_bytes)}).`, { kind: "success" });
      await loadParticipant();
    }, {
      title: "Document not uploaded",
      read: (f) => {
        const body = readForm(f);
        const problem = documentProblem(config, body.file);
        if (problem) throw new FormProblems([{ loc: "file", label: fieldLabel($("doc-file")), message: problem }]);
        return body;
      },
    });
  });
}

document.body.dataset.pageReady = "true";

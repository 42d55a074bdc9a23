// OAuth2 machine clients of the viewer's organisation: create (the secret shown once), revoke.
import { startShell, guarded } from "../lib/shell.js";
import { api, API_ROOT } from "../lib/api.js";
import { $, el, button, code, choiceLabel, statusBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatTime } from "../lib/units.js";
import { submitForm } from "../lib/forms.js";

const { notify } = await startShell();

const table = new DataTable($("ac-clients"), {
  id: "api-clients",
  caption: "Machine clients of your organisation",
  emptyText: "No client yet.",
  rowKey: (c) => c.id,
  columns: [
    { key: "name", label: "Name", filter: "text" },
    { key: "client_id", label: "Client id", render: (c) => code(c.client_id) },
    { key: "grant", label: "Grant", filter: "select", filterValue: (c) => choiceLabel("grants", c.grant), format: (g) => choiceLabel("grants", g) },
    { key: "created_at", label: "Created", format: (t) => formatTime(t) },
    { key: "state", label: "State", filter: "select", filterValue: (c) => (c.revoked_at ? "revoked" : "active"),
      render: (c) => (c.revoked_at ? statusBadge("revoked", `revoked ${formatTime(c.revoked_at)}`) : statusBadge("active")) },
    { key: "actions", label: "Actions", render: actions },
  ],
});

function actions(c) {
  if (c.revoked_at) return el("span", { text: "—" });
  const box = el("span", { class: "row-actions" });
  const ask = button("Revoke", () => {
    // Two steps: revoking cuts the client off at once and cannot be undone.
    const confirmRevoke = button("Confirm revoke", () => guarded(async () => {
      await api.delete(`/api-clients/${c.id}`);
      notify(`Client “${c.name}” revoked; its tokens no longer work.`, { kind: "success" });
      await load();
    }, { title: "Client not revoked" }), { label: `Confirm: revoke client ${c.name}`, kind: "danger" });
    const cancel = button("Cancel", () => box.replaceChildren(ask), { label: `Keep client ${c.name}` });
    box.replaceChildren(el("span", { text: "Revoke for good? " }), confirmRevoke, cancel);
    confirmRevoke.focus();
  }, { label: `Revoke client ${c.name}`, kind: "danger" });
  box.append(ask);
  return box;
}

async function load() {
  const clients = await api.items("/api-clients");
  table.setRows(clients.sort((a, b) => b.id - a.id));
}

submitForm($("ac-form"), async (body, form) => {
  const created = await api.post("/api-clients", { json: body });
  form.reset();
  $("ac-secret-client-id").textContent = created.client_id;
  $("ac-secret-value").textContent = created.client_secret;
  $("ac-secret-curl").textContent =
    `curl -u ${created.client_id}:<secret> -d grant_type=client_credentials ${window.location.origin}${API_ROOT}/oauth/token`;
  $("ac-secret").hidden = false;
  $("ac-secret").focus();
  notify(`Client “${created.name}” created (${choiceLabel("grants", created.grant)}).`, { kind: "success" });
  await load();
}, { title: "Client not created" });

$("ac-secret-hide").addEventListener("click", () => {
  $("ac-secret-value").textContent = "";
  $("ac-secret").hidden = true;
  $("ac-name").focus();
});

await guarded(load, { title: "Clients not loaded" });
document.body.dataset.pageReady = "true";

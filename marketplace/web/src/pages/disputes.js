// Statement disputes: the list (status filter), withdrawal by the disputing party, resolution
// by the operator, and a form to dispute one of your agreements' statements.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, viewer, readForm, onSubmit, actionButton, participantNames, nameOf, param, setParam } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
const isOperator = me.role === "market_operator";
const isParty = me.role === "dso" || me.role === "fsp";
let names = new Map();

function actions(d) {
  if (d.status !== "open") return "";
  const out = h("div", { class: "row-actions" });
  if (isParty && d.participant_id === me.participantId) {
    out.append(actionButton("Withdraw", async () => {
      await api.post(`/disputes/${d.id}/withdraw`);
      notify(`Dispute ${d.id} withdrawn.`, { kind: "success" });
      await load();
    }, { title: `Dispute ${d.id} not withdrawn`, name: `Withdraw dispute ${d.id}` }));
  }
  if (isOperator) {
    const id = `resolution-${d.id}`;
    const text = h("input", { id, name: "resolution", autocomplete: "off", "aria-describedby": `${id}-help` });
    const form = h("form", { class: "inline-form", novalidate: true },
      h("label", { for: id, text: `Resolution of dispute ${d.id}` }), text,
      h("p", { class: "help", id: `${id}-help`, text: "Required; both parties see it." }),
      h("button", { type: "submit", text: "Resolve", "aria-label": `Resolve dispute ${d.id}` }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(async () => {
        if (!text.value.trim()) {
          text.setAttribute("aria-invalid", "true");
          throw new Error(`Dispute ${d.id}: write the resolution first.`);
        }
        await api.post(`/disputes/${d.id}/resolve`, { json: { resolution: text.value.trim() } });
        notify(`Dispute ${d.id} resolved.`, { kind: "success" });
        await load();
      }, { title: `Dispute ${d.id} not resolved` });
    });
    out.append(form);
  }
  return out;
}

const table = new DataTable(byId("disputes-table"), {
  id: "disputes", caption: "Statement disputes", rowKey: (d) => d.id, emptyText: "No dispute.",
  columns: [
    { key: "id", label: "Dispute" },
    { key: "agreement_id", label: "Agreement", render: (d) => h("a", { href: `/statements?agreement=${d.agreement_id}`, text: `agreement ${d.agreement_id}`, "aria-label": `Statement of agreement ${d.agreement_id}` }), filterValue: (d) => d.agreement_id, filter: "text" },
    { key: "participant", label: "Filed by", filter: "select", filterValue: (d) => nameOf(names, d.participant_id), format: (_, d) => nameOf(names, d.participant_id) },
    { key: "status", label: "Status", filter: "select", render: (d) => badge(d.status), filterValue: (d) => d.status },
    { key: "reason", label: "Reason", filter: "text" },
    { key: "resolution", label: "Resolution" },
    { key: "created_at", label: "Filed", format: fmt.time },
    { key: "resolved_at", label: "Closed", format: fmt.time },
    { key: "actions", label: "Actions", render: actions },
  ],
});

async function load() {
  names = await participantNames(api);
  const query = readForm(byId("dispute-filter"));
  setParam("status", query.status);
  table.setRows((await api.all("/disputes", query)).reverse());
}

byId("dispute-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(load, { title: "Disputes not shown" });
});
if (param("status")) byId("df-status").value = param("status");
await guarded(load, { title: "Disputes not loaded" });

if (isParty) {
  await guarded(async () => {
    const agreements = await api.all("/agreements");
    byId("dn-agreement").replaceChildren(h("option", { value: "", text: "Choose one of your agreements" }), ...agreements.map((a) =>
      h("option", { value: String(a.id), text: `Agreement ${a.id}: ${a.kind} ${a.direction}, ${fmt.kwh(a.quantity_wh)}, delivery ${fmt.period(a.delivery_start, a.delivery_end)}, ${nameOf(names, me.role === "fsp" ? a.dso_id : a.fsp_id)}` })));
  }, { title: "Agreements not loaded" });
  onSubmit(byId("dispute-new"), ({ agreement_id: agreement, ...body }) => api.post(`/agreements/${agreement}/disputes`, { json: body }), {
    title: "Dispute not filed",
    done: async (d) => {
      notify(`Dispute ${d.id} filed for agreement ${d.agreement_id}.`, { kind: "success" });
      byId("dn-reason").value = "";
      await load();
    },
  });
}
document.body.dataset.pageReady = "true";

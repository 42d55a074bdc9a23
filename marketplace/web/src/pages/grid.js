// Grid topology: the tree and a table of elements with their traffic lights; a DSO adds
// elements, sets traffic lights and uploads congestion forecasts.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { $, el, lightBadge } from "../lib/dom.js";
import { DataTable } from "../lib/table.js";
import { formatDegrees, formatTime } from "../lib/units.js";
import { submitForm, runForm } from "../lib/forms.js";
import { PARENT_KIND, TRANSFORMER_KINDS, elementLabel, kindLabel, loadElements, dsoNames, currentLights } from "../lib/grid.js";

const { viewer, notify } = await startShell();
const dsoWriter = viewer.role === "dso" && viewer.grant !== "read_only";
let elements = [];
let byId = new Map();
let lights = new Map();
let dsos = new Map();

const lightOf = (id) => lights.get(id)?.state ?? "green";

function renderTree() {
  const children = new Map();
  for (const e of elements) {
    const key = e.parent_id ?? `dso-${e.dso_id}`;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(e);
  }
  const branch = (list) => el("ul", {}, ...list.map((e) => el("li", { "data-element-id": String(e.id) },
    el("span", { class: "tree-node" }, el("strong", { text: e.code }), ` ${e.name} — ${kindLabel(e.kind)} `, lightBadge(lightOf(e.id))),
    children.has(e.id) ? branch(children.get(e.id)) : null)));
  const roots = [...new Set(elements.map((e) => e.dso_id))];
  $("gr-tree").replaceChildren(...(roots.length
    ? roots.map((dso) => el("section", { class: "tree-dso", "aria-label": `Grid of ${dsos.get(dso) ?? "DSO " + dso}` },
      el("h3", { text: dsos.get(dso) ?? `DSO ${dso}` }), branch(children.get(`dso-${dso}`) ?? [])))
    : [el("p", { text: "No grid element yet." })]));
}

const table = new DataTable($("gr-table"), {
  id: "grid-elements",
  caption: "Grid elements",
  emptyText: "No grid element yet.",
  rowKey: (e) => e.id,
  columns: [
    { key: "code", label: "Code", filter: "text" },
    { key: "name", label: "Name", filter: "text" },
    { key: "kind", label: "Kind", filter: "select", filterValue: (e) => kindLabel(e.kind), format: kindLabel },
    { key: "parent_id", label: "Connected below", format: (id) => (id && byId.has(id) ? elementLabel(byId.get(id)) : "") },
    { key: "light", label: "Traffic light", filter: "select", filterValue: (e) => lightOf(e.id), render: (e) => lightBadge(lightOf(e.id)) },
    { key: "light_since", label: "Light since", hidden: true, format: (_, e) => (lights.has(e.id) ? formatTime(lights.get(e.id).since) : "") },
    { key: "postal_code", label: "Postal code", filter: "text" },
    { key: "coordinates", label: "Coordinates", hidden: true, format: (_, e) => (e.latitude_udeg === null ? "" : `${formatDegrees(e.latitude_udeg)}, ${formatDegrees(e.longitude_udeg)}`) },
    { key: "dso_id", label: "DSO", hidden: viewer.role === "dso", filter: "select", filterValue: (e) => dsos.get(e.dso_id) ?? "", format: (id) => dsos.get(id) ?? `participant ${id}` },
    { key: "id", label: "Id", hidden: true },
  ],
});

function fillSelect(id, list, empty) {
  const select = $(id);
  if (!select) return;
  const current = select.value;
  select.replaceChildren(el("option", { value: "", text: empty }), ...list.map((e) => el("option", { value: String(e.id), text: elementLabel(e) })));
  select.value = [...select.options].some((o) => o.value === current) ? current : "";
}

function fillParents() {
  const wanted = PARENT_KIND[$("gr-kind")?.value ?? ""] ?? null;
  fillSelect("gr-parent", wanted ? elements.filter((e) => e.kind === wanted && e.dso_id === viewer.participantId) : [],
    wanted ? `Choose a ${kindLabel(wanted)}` : "(none: an HV/MV substation has no parent)");
}

async function load() {
  [elements, lights, dsos] = await Promise.all([loadElements(), currentLights(), dsoNames()]);
  byId = new Map(elements.map((e) => [e.id, e]));
  renderTree();
  table.setRows(elements);
  const own = elements.filter((e) => e.dso_id === viewer.participantId);
  fillParents();
  fillSelect("gr-light-element", own, "Choose an element");
  fillSelect("gr-forecast-element", own.filter((e) => TRANSFORMER_KINDS.includes(e.kind)), "Choose a transformer");
}

async function showHistory(elementId) {
  const status = await api.get(`/grid/elements/${elementId}/traffic-light`, { history_limit: 5 });
  const e = byId.get(elementId);
  $("gr-light-history").replaceChildren(
    el("h3", { text: `Recent traffic lights of ${e ? elementLabel(e) : elementId}` }),
    el("ul", {}, ...status.history.map((h) => el("li", {}, lightBadge(h.state), ` from ${formatTime(h.valid_from)}, set ${formatTime(h.set_at)} by ${h.source === "grid_tool" ? "the grid tool" : "the DSO"}${h.note ? ` — ${h.note}` : ""}`))),
  );
}

if (dsoWriter) {
  $("gr-kind").addEventListener("change", fillParents);
  submitForm($("gr-form"), async (body, form) => {
    const e = await api.post("/grid/elements", { json: body });
    form.reset();
    notify(`${elementLabel(e)} added.`, { kind: "success" });
    await load();
  }, { title: "Grid element not added" });

  $("gr-light-element").addEventListener("change", (event) => {
    if (event.target.value) guarded(() => showHistory(Number(event.target.value)), { title: "History not loaded" });
  });
  submitForm($("gr-light-form"), async ({ element, ...body }) => {
    const set = await api.put(`/grid/elements/${element}/traffic-light`, { json: body });
    notify(`Traffic light of ${elementLabel(byId.get(element))} set to ${set.state} from ${formatTime(set.valid_from)}.`, { kind: "success" });
    await load();
    await showHistory(element);
  }, { title: "Traffic light not set" });

  $("gr-forecast-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runForm($("gr-forecast-form"), async ({ element, file }) => {
      const text = await file.text();
      const json = file.name.toLowerCase().endsWith(".json");
      const stored = await api.post(`/grid/elements/${element}/forecast`, { text, contentType: json ? "application/json" : "text/csv" });
      notify(`Forecast of ${elementLabel(byId.get(element))}: ${stored.stored} interval(s) stored.`, { kind: "success" });
      $("gr-forecast-form").reset();
    }, { title: "Forecast not uploaded" });
  });
}

await guarded(load, { title: "Grid not loaded" });
document.body.dataset.pageReady = "true";

// Activations of long-term availability: the availability agreements with their service
// windows and rules, the DSO's activation form (readable refusals for the preparation period,
// rest time, maximum consecutive activations ...), the activations with cancellation.
import { startShell, guarded } from "../lib/shell.js";
import { api, ApiError } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { parseKWh, parseUtc, parseWholeNumber } from "../lib/units.js";
import { h, fmt, badge, actionButton, viewer, marketNow, participantNames, nameOf, fill, utcField, clearFieldErrors, param, QUARTER_HOUR } from "../lib/ops.js";

await startShell();
const me = viewer();
const isDso = me.role === "dso";
const byId = (id) => document.getElementById(id);
let names = new Map();
let agreements = [];
let activations = [];
const terms = new Map(); // agreement id → {request, product, bid}

/** Consecutive quarter-hours of an agreement as blocks [from, to). */
function blocks(intervals) {
  const out = [];
  for (const { start } of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && last[1] === start) last[1] = start + QUARTER_HOUR;
    else out.push([start, start + QUARTER_HOUR]);
  }
  return out;
}
const windowText = (a) => blocks(a.intervals).map(([f, t]) => fmt.period(f, t)).join("; ");
const capacityWh = (a) => Math.max(0, ...a.intervals.map((i) => i.quantity_wh));
const ruleOf = (a) => terms.get(a.id) ?? {};
const restText = (a) => {
  const { bid } = ruleOf(a);
  if (!bid) return "";
  return `${fmt.minutes(bid.rest_time_s ?? 0)} rest, at most ${bid.max_consecutive_activations ?? 1} in a row`;
};
const label = (a) => `Agreement ${a.id} — unit ${a.bidding_unit_id}, ${nameOf(names, a.fsp_id)}, ${fmt.kw(capacityWh(a) * 4)} ${a.direction}`;

const agreementTable = new DataTable(byId("agreements-table"), {
  id: "availability-agreements", caption: "Availability agreements", rowKey: (a) => a.id,
  emptyText: "No availability agreement.",
  columns: [
    { key: "id", label: "Agreement" },
    { key: "request_id", label: "Request", filter: "text" },
    { key: "fsp", label: "FSP", filter: "select", filterValue: (a) => nameOf(names, a.fsp_id), format: (_, a) => nameOf(names, a.fsp_id) },
    { key: "bidding_unit_id", label: "Bidding unit", format: (v) => `unit ${v}` },
    { key: "capacity", label: "Capacity", format: (_, a) => fmt.kw(capacityWh(a) * 4) },
    { key: "direction", label: "Direction" },
    { key: "window", label: "Service window", format: (_, a) => windowText(a) },
    { key: "preparation", label: "Preparation period", format: (_, a) => fmt.minutes(ruleOf(a).product?.preparation_s) },
    { key: "duration", label: "Activation duration", format: (_, a) => fmt.minutes(ruleOf(a).product?.activation_duration_s) },
    { key: "rest", label: "Rest time", format: (_, a) => restText(a) },
    { key: "used", label: "Activations", format: (_, a) => String(activations.filter((x) => x.agreement_id === a.id && x.status === "ordered").length) },
    { key: "status", label: "Status", filter: "select", render: (a) => badge(a.status), filterValue: (a) => a.status },
    { key: "agreement_id", label: "On-chain id", format: fmt.short, hidden: true },
    ...(isDso ? [{ key: "activate", label: "Activate", render: (a) => (a.status === "active" ? h("button", { type: "button", text: "Activate", "aria-label": `Activate agreement ${a.id}`, onclick: () => choose(a.id, true) }) : "") }] : []),
  ],
});

const activationTable = new DataTable(byId("activations-table"), {
  id: "activations", caption: "Activations", rowKey: (x) => x.id, emptyText: "No activation yet.",
  columns: [
    { key: "id", label: "Activation" },
    { key: "agreement_id", label: "Agreement", filter: "text" },
    { key: "bidding_unit_id", label: "Bidding unit", format: (v) => `unit ${v}` },
    { key: "fsp", label: "FSP", filter: "select", filterValue: (x) => nameOf(names, x.fsp_id), format: (_, x) => nameOf(names, x.fsp_id) },
    { key: "period", label: "Period", format: (_, x) => fmt.period(x.start, x.end) },
    { key: "total_wh", label: "Energy", format: fmt.kwh },
    { key: "direction", label: "Direction", hidden: true },
    { key: "status", label: "Status", filter: "select", render: (x) => badge(x.status), filterValue: (x) => x.status },
    { key: "ordered_at", label: "Ordered", format: fmt.time },
    { key: "note", label: "Note", hidden: true },
    { key: "delivered_wh", label: "Delivered", format: fmt.kwh, hidden: true },
    { key: "success", label: "Success", format: fmt.yesNo, hidden: true },
    ...(isDso ? [{ key: "cancel", label: "Cancel", render: (x) => (x.status === "ordered" && x.start - (agreementProduct(x.agreement_id)?.preparation_s ?? 0) > marketNow()
      ? actionButton("Cancel", async () => {
        await api.post(`/activations/${x.id}/cancel`);
        notify(`Activation ${x.id} cancelled.`, { kind: "success" });
        await load();
      }, { title: `Activation ${x.id} not cancelled`, name: `Cancel activation ${x.id}` })
      : "") }] : []),
  ],
});
const agreementProduct = (id) => terms.get(id)?.product;

async function load() {
  names = await participantNames(api);
  const products = new Map((await api.all("/products")).map((p) => [p.id, p]));
  agreements = await api.all("/agreements", { kind: "availability" });
  activations = await api.all("/activations");
  await Promise.all(agreements.filter((a) => !terms.has(a.id)).map(async (a) => {
    const [request, bid] = await Promise.all([api.get(`/requests/${a.request_id}`).catch(() => null), api.get(`/bids/${a.bid_id}`).catch(() => null)]);
    terms.set(a.id, { request, bid, product: request ? products.get(request.product_id) : null });
  }));
  agreementTable.setRows(agreements);
  activationTable.setRows(activations.slice().reverse());
  if (isDso) {
    const select = byId("ac-agreement");
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "", text: "Choose an availability agreement" }), ...agreements.filter((a) => a.status === "active").map((a) => h("option", { value: String(a.id), text: label(a) })));
    select.value = chosen;
    showTerms();
  }
}

function earliest(a) {
  const { product, request } = ruleOf(a);
  const now = marketNow();
  let t = now + (product?.preparation_s ?? 0);
  if (request?.minimal_lead_time_s) t = Math.max(t, request.gate_close_at + request.minimal_lead_time_s);
  const previous = activations.filter((x) => x.agreement_id === a.id && x.status === "ordered").sort((x, y) => y.end - x.end)[0];
  // after the previous activation; after its rest time too when no two may follow closely
  const { bid } = ruleOf(a);
  if (previous) t = Math.max(t, previous.end + ((bid?.max_consecutive_activations ?? 1) <= 1 ? bid?.rest_time_s ?? 0 : 0));
  const next = a.intervals.map((i) => i.start).sort((x, y) => x - y).find((s) => s >= t);
  return next ?? null;
}

function showTerms() {
  const a = agreements.find((x) => x.id === Number(byId("ac-agreement").value));
  if (!a) return fill("ac-terms", h("p", { class: "muted", text: "Choose an agreement to see its service window and rules." }));
  const { product, bid } = ruleOf(a);
  const first = earliest(a);
  fill("ac-terms", h("dl", { class: "facts", id: "ac-terms-list" },
    h("dt", { text: "Service window" }), h("dd", { text: windowText(a) }),
    h("dt", { text: "Most per quarter-hour" }), h("dd", { text: `${fmt.kwh(capacityWh(a))} (contracted capacity ${fmt.kw(capacityWh(a) * 4)})` }),
    h("dt", { text: "Preparation period" }), h("dd", { text: fmt.minutes(product?.preparation_s ?? 0) }),
    h("dt", { text: "Shortest activation" }), h("dd", { text: fmt.minutes(product?.activation_duration_s ?? QUARTER_HOUR) }),
    h("dt", { text: "Rest time" }), h("dd", { text: bid ? `${fmt.minutes(bid.rest_time_s ?? 0)}; at most ${bid.max_consecutive_activations ?? 1} consecutive activation(s)` : "" }),
    h("dt", { text: "Earliest start now" }), h("dd", { id: "ac-earliest", text: first ? fmt.time(first) : "none left in the service window" }),
  ));
}

function choose(id, focus) {
  const select = byId("ac-agreement");
  select.value = String(id);
  const a = agreements.find((x) => x.id === Number(id));
  if (a) {
    const first = earliest(a);
    if (first && !byId("ac-start").value) byId("ac-start").value = utcField(first);
    if (!byId("ac-energy").value) byId("ac-energy").value = (capacityWh(a) / 1000).toString();
    const minimum = Math.max(1, Math.ceil((ruleOf(a).product?.activation_duration_s ?? QUARTER_HOUR) / QUARTER_HOUR));
    if (Number(byId("ac-quarters").value || 0) < minimum) byId("ac-quarters").value = String(minimum);
  }
  showTerms();
  if (focus) select.focus();
}

/** The API's refusal of an activation, in words that say what to change. */
function readable(error, a) {
  if (!(error instanceof ApiError)) return error;
  const d = error.details ?? {};
  const { product, bid } = ruleOf(a) ?? {};
  const because = {
    preparation_period: () => `Too soon: this product needs a preparation period of ${fmt.minutes(product?.preparation_s ?? 0)}, so the earliest start is ${fmt.time(d.earliest)}.`,
    minimal_lead_time: () => `The request's minimal lead time after the award has not passed: the earliest start is ${fmt.time(d.earliest)}.`,
    rest_time: () => `Rest time: the unit must rest ${fmt.minutes(d.rest_time_s)} between activations, and at most ${d.max_consecutive} activation(s) may follow each other closer than that. Start later (at ${fmt.time(lastEnd(a) + (d.rest_time_s ?? 0))} or after).`,
    overlapping_activation: () => `Activations of an agreement follow each other in time: this one must start at or after ${fmt.time(d.after)}, when the previous one ends.`,
    outside_service_window: () => `The quarter-hour starting ${fmt.time(d.start)} is outside the agreement's service window (${windowText(a)}).`,
    above_capacity: () => `The quarter-hour starting ${fmt.time(d.start)} may take at most ${fmt.kwh(d.capacity_wh)} (the contracted capacity).`,
    too_short: () => `Too short: an activation of this product lasts at least ${fmt.minutes(product?.activation_duration_s ?? QUARTER_HOUR)}; add quarter-hours.`,
    not_contiguous: () => "An activation is one block of consecutive quarter-hours.",
    agreement_closed: () => `The agreement is no longer active (${error.message}).`,
  }[error.code];
  void bid;
  return because ? new Error(`${because()} (${error.code})`) : error;
}
const lastEnd = (a) => Math.max(0, ...activations.filter((x) => x.agreement_id === a.id && x.status === "ordered").map((x) => x.end));

await guarded(load, { title: "Activations not loaded" });

if (isDso) {
  const form = byId("activate");
  byId("ac-agreement").addEventListener("change", () => choose(byId("ac-agreement").value, false));
  if (param("agreement")) choose(param("agreement"), false);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const a = agreements.find((x) => x.id === Number(byId("ac-agreement").value));
    guarded(async () => {
      if (!a) throw new Error("Agreement: choose the availability agreement to activate.");
      const start = parseUtc(byId("ac-start").value, "Start");
      if (start % QUARTER_HOUR) throw new Error(`Start: ${byId("ac-start").value} is not on a quarter-hour (:00, :15, :30, :45).`);
      const quarters = parseWholeNumber(byId("ac-quarters").value, "Number of quarter-hours");
      if (quarters < 1 || quarters > 96) throw new Error("Number of quarter-hours: between 1 and 96.");
      const wh = parseKWh(byId("ac-energy").value, "Energy per quarter-hour");
      const body = { intervals: [...Array(quarters).keys()].map((k) => ({ start: start + k * QUARTER_HOUR, quantity_wh: wh })) };
      if (byId("ac-note").value.trim()) body.note = byId("ac-note").value.trim();
      let done;
      try {
        done = await api.post(`/agreements/${a.id}/activations`, { json: body });
      } catch (error) {
        throw readable(error, a);
      }
      notify(`Activation ${done.id} ordered: ${fmt.kwh(done.total_wh)} ${done.direction}, ${fmt.period(done.start, done.end)}.`, { kind: "success" });
      byId("ac-start").value = "";
      await load();
    }, { title: "Activation refused" });
  });
}
document.body.dataset.pageReady = "true";

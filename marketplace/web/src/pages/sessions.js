// Auction sessions: a week calendar of gate openings, gate closures and delivery periods, the
// table of every session, the DSO's form to open one, the operator's "close gate now".
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, onSubmit, viewer, marketNow, utcField, dateField, parseDate, fill, param, setParam, actionButton } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
const DAY = 86400;
const isOperator = me.role === "market_operator";
const isDso = me.role === "dso" && me.status === "approved";
let sessions = [];
let markets = new Map();
let weekStart = mondayOf(param("week") ? parseDate(param("week")) : marketNow());

function mondayOf(t) {
  const day = Math.floor(t / DAY) * DAY;
  const weekday = (new Date(day * 1000).getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * DAY;
}

const hm = (t) => new Date(t * 1000).toISOString().slice(11, 16);
const marketName = (id) => markets.get(id)?.name ?? `market ${id}`;

function events(s) {
  const label = `${s.code} (${marketName(s.market_id)})`;
  const list = [
    { t: s.gate_open_at, kind: "gate-open", text: `${hm(s.gate_open_at)} gate opens: ${label}` },
    { t: s.gate_close_at, kind: "gate-close", text: `${hm(s.gate_close_at)} gate closes: ${label}` },
  ];
  for (let day = Math.floor(s.delivery_start / DAY) * DAY; day < s.delivery_end; day += DAY) {
    const from = Math.max(day, s.delivery_start);
    const to = Math.min(day + DAY, s.delivery_end);
    list.push({ t: from, kind: "delivery", text: `${hm(from)}–${to === day + DAY ? "24:00" : hm(to)} delivery: ${label}` });
  }
  return list;
}

function renderCalendar() {
  const marketFilter = byId("cal-market").value;
  const shown = sessions.filter((s) => !marketFilter || String(s.market_id) === marketFilter);
  const days = [...Array(7).keys()].map((k) => weekStart + k * DAY);
  const byDay = new Map(days.map((d) => [d, []]));
  for (const s of shown) for (const e of events(s)) byDay.get(Math.floor(e.t / DAY) * DAY)?.push({ ...e, session: s });
  const head = h("tr", {}, days.map((d) => h("th", { scope: "col", text: new Date(d * 1000).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) })));
  const cells = days.map((d) => {
    const list = byDay.get(d).sort((a, b) => a.t - b.t);
    return h("td", { "data-day": dateField(d) }, list.length
      ? h("ul", { class: "calendar-events" }, list.map((e) => h("li", { class: `event event-${e.kind}`, "data-session": String(e.session.id) }, e.text, " ", badge(e.session.status))))
      : h("p", { class: "muted", text: "Nothing" }));
  });
  const count = shown.filter((s) => events(s).some((e) => e.t >= weekStart && e.t < weekStart + 7 * DAY)).length;
  fill("calendar",
    h("p", { id: "calendar-summary", "aria-live": "polite", text: `Week of ${dateField(weekStart)} (UTC): ${count} session${count === 1 ? "" : "s"} with events.` }),
    h("div", { class: "table-scroll" }, h("table", { class: "calendar", id: "calendar-table", "aria-describedby": "calendar-summary" },
      h("caption", { text: `Sessions in the week of ${dateField(weekStart)} (UTC)` }), h("thead", {}, head), h("tbody", {}, h("tr", {}, cells)))),
    h("p", { class: "legend" }, h("span", { class: "event event-gate-open", text: "gate opens" }), " ", h("span", { class: "event event-gate-close", text: "gate closes" }), " ", h("span", { class: "event event-delivery", text: "delivery" })),
  );
  byId("cal-date").value = dateField(weekStart);
  setParam("week", dateField(weekStart));
}

const columns = [
  { key: "code", label: "Code", filter: "text" },
  { key: "market", label: "Market", filter: "select", filterValue: (s) => marketName(s.market_id), format: (_, s) => marketName(s.market_id) },
  { key: "horizon", label: "Horizon", filter: "select", format: fmt.words },
  { key: "mode", label: "Selection", filter: "select", format: fmt.words },
  { key: "pricing", label: "Pricing", format: fmt.words, hidden: true },
  { key: "status", label: "Status", filter: "select", render: (s) => badge(s.status), filterValue: (s) => s.status },
  { key: "gate_open_at", label: "Gate opens", format: fmt.time },
  { key: "gate_close_at", label: "Gate closes", format: fmt.time },
  { key: "delivery", label: "Delivery", format: (_, s) => fmt.period(s.delivery_start, s.delivery_end) },
  { key: "origin", label: "Opened by", format: (v) => (v === "scheduler" ? "scheduler" : "DSO"), hidden: true },
  { key: "traffic_light", label: "Light", hidden: true },
  { key: "success_threshold_pct", label: "Success threshold", format: (v) => `${v} %`, hidden: true },
  { key: "penalty_pct", label: "Penalty", format: (v) => `${v} %`, hidden: true },
  { key: "actions", label: "Actions", render: actions },
];

function actions(s) {
  const out = h("div", { class: "row-actions" });
  if (s.status === "awarded") out.append(h("a", { href: `/results?session=${s.id}`, text: "Results", "aria-label": `Results of session ${s.code}` }));
  if (isOperator && (s.status === "open" || s.status === "scheduled" || s.status === "closed")) {
    out.append(actionButton("Close gate now", async () => {
      const done = await api.post(`/sessions/${s.id}/close-gate`);
      notify(`Session ${done.session.code}: gate closed, status ${fmt.words(done.session.status)}.`, { kind: "success" });
      await load();
    }, { title: `Gate of ${s.code} not closed`, name: `Close the gate of session ${s.code} now` }));
  }
  return out;
}

const table = new DataTable(byId("sessions-table"), { id: "sessions", caption: "Auction sessions", columns, rowKey: (s) => s.id });

async function load() {
  markets = new Map((await api.all("/markets")).map((m) => [m.id, m]));
  sessions = await api.all("/sessions");
  const select = byId("cal-market");
  const current = select.value || param("market") || "";
  select.replaceChildren(h("option", { value: "", text: "All markets" }), ...[...markets.values()].map((m) => h("option", { value: String(m.id), text: m.name })));
  select.value = markets.has(Number(current)) ? current : "";
  table.setRows(sessions);
  renderCalendar();
  if (isDso) {
    const own = byId("sn-market");
    const chosen = own.value;
    own.replaceChildren(h("option", { value: "", text: "Choose one of your markets" }), ...[...markets.values()].filter((m) => m.dso_id === me.participantId).map((m) => h("option", { value: String(m.id), text: m.name })));
    own.value = chosen;
  }
}

byId("cal-prev").addEventListener("click", () => { weekStart -= 7 * DAY; renderCalendar(); });
byId("cal-next").addEventListener("click", () => { weekStart += 7 * DAY; renderCalendar(); });
byId("cal-today").addEventListener("click", () => { weekStart = mondayOf(marketNow()); renderCalendar(); });
byId("cal-market").addEventListener("change", () => { setParam("market", byId("cal-market").value); renderCalendar(); });
byId("calendar-controls").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    weekStart = mondayOf(parseDate(byId("cal-date").value, "Week containing"));
    renderCalendar();
  }, { title: "Week not shown" });
});

await guarded(load, { title: "Sessions not loaded" });

if (isDso) {
  const q = 900;
  const now = marketNow();
  const open = Math.ceil((now + 60) / q) * q;
  const deliveryDay = (Math.floor(now / DAY) + 1) * DAY;
  byId("sn-gate-open").value = utcField(open);
  byId("sn-gate-close").value = utcField(open + 3600);
  byId("sn-start").value = utcField(deliveryDay + 18 * 3600);
  byId("sn-end").value = utcField(deliveryDay + 19 * 3600);
  onSubmit(byId("session-new"), (body) => api.post("/sessions", { json: body }), {
    title: "Session not opened",
    done: async (s) => {
      notify(`Session ${s.code} opened: gate ${fmt.time(s.gate_open_at)} – ${fmt.time(s.gate_close_at)}.`, { kind: "success" });
      weekStart = mondayOf(s.gate_open_at);
      await load();
    },
  });
}
document.body.dataset.pageReady = "true";

// The calendar of requests (seed fig. 60): requests by delivery day and time, filtered by
// product, grid element (or zone) and status, and the list of requests — for DSOs (their own)
// and the operator with the number of offers each has received.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { DataTable } from "../lib/table.js";
import {
  viewer, loadCatalogue, requestWhere, offerCounts, link, h, formatPrice, formatKWh, formatKW, formatTime,
  formatSpan, STATUS_SHORT, DIRECTION_TEXT, MODE_TEXT,
} from "../lib/market.js";

const DAY = 86_400;
const ACTIVE = new Set(["submitted", "validated", "published", "closed"]);
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const $ = (id) => document.getElementById(id);

await startShell();
const me = viewer();

/** Monday 00:00 UTC of the week holding ``t``. */
function weekOf(t) {
  const day = Math.floor(t / DAY) * DAY;
  const weekday = (new Date(day * 1000).getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * DAY;
}

/** The days a request delivers on: [{day, start, end}] (UTC), from its quarter-hours. */
function deliveryDays(request) {
  const intervals = request.intervals.length ? request.intervals : [{ start: request.delivery_start }];
  const days = new Map();
  for (const { start } of intervals) {
    const day = Math.floor(start / DAY) * DAY;
    const span = days.get(day) ?? { day, start, end: start + 900 };
    span.start = Math.min(span.start, start);
    span.end = Math.max(span.end, start + 900);
    days.set(day, span);
  }
  if (!request.intervals.length) {
    days.clear();
    for (let day = Math.floor(request.delivery_start / DAY) * DAY; day < request.delivery_end; day += DAY) {
      days.set(day, { day, start: Math.max(day, request.delivery_start), end: Math.min(day + DAY, request.delivery_end) });
    }
  }
  return [...days.values()];
}

let catalogue;
let rows = [];
let counts = new Map();
let week = null;

async function load() {
  catalogue = await loadCatalogue({ elements: me.signedIn });
  const requests = await api.all("/requests");
  if (me.role === "dso" || me.role === "market_operator") {
    counts = await guarded(() => offerCounts(), { title: "Offer counts not read" }) ?? new Map();
  }
  rows = requests.map((r) => {
    const session = catalogue.sessions.get(r.session_id);
    const where = requestWhere(catalogue, r);
    const count = counts.get(r.id);
    return {
      ...r,
      where,
      whereKey: r.grid_element_id ? `element:${r.grid_element_id}` : `zone:${r.zone_id}`,
      sessionCode: session?.code ?? String(r.session_id),
      mode: session?.mode ?? "",
      offers: count ? count.offers : null,
      voidOffers: count ? count.void : null,
      days: deliveryDays(r),
    };
  });
  rows.sort((a, b) => a.delivery_start - b.delivery_start || a.id - b.id);
}

// ------------------------------------------------------------------ filters
const filterNodes = { product: $("rq-filter-product"), where: $("rq-filter-element"), status: $("rq-filter-status") };

function fillSelect(select, options) {
  const current = select.value;
  select.replaceChildren(h("option", { value: "", text: "any" }), ...options.map(([value, text]) => h("option", { value, text })));
  if (options.some(([value]) => value === current)) select.value = current;
}

function fillFilters() {
  const unique = (pairs) => [...new Map(pairs).entries()].sort((a, b) => a[1].localeCompare(b[1]));
  fillSelect(filterNodes.product, unique(rows.map((r) => [r.product_code, r.product_code])));
  fillSelect(filterNodes.where, unique(rows.map((r) => [r.whereKey, r.where])));
  fillSelect(filterNodes.status, unique(rows.map((r) => [r.status, STATUS_SHORT[r.status] ?? r.status])));
  const query = new URLSearchParams(location.search);
  for (const [key, select] of Object.entries(filterNodes)) {
    const wanted = query.get(key);
    if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
  }
}

function filtered() {
  const f = { product: filterNodes.product.value, where: filterNodes.where.value, status: filterNodes.status.value };
  return rows.filter((r) => (!f.product || r.product_code === f.product) && (!f.where || r.whereKey === f.where)
    && (!f.status || r.status === f.status));
}

function rememberFilters() {
  const query = new URLSearchParams();
  for (const [key, select] of Object.entries(filterNodes)) if (select.value) query.set(key, select.value);
  const text = query.toString();
  history.replaceState(null, "", `${location.pathname}${text ? `?${text}` : ""}`);
}

// ------------------------------------------------------------------ calendar
function defaultWeek(list) {
  const active = list.filter((r) => ACTIVE.has(r.status));
  if (active.length) return weekOf(Math.min(...active.map((r) => r.delivery_start)));
  if (list.length) return weekOf(Math.max(...list.map((r) => r.delivery_start)));
  return weekOf(Math.floor(Date.now() / 1000));
}

function timeBar(span) {
  const bar = h("span", { class: "timebar", "aria-hidden": "true" });
  const fill = h("span", { class: "timebar-fill" });
  fill.style.left = `${((span.start - span.day) / DAY) * 100}%`;
  fill.style.width = `${Math.max(((span.end - span.start) / DAY) * 100, 1)}%`;
  bar.append(fill);
  return bar;
}

function renderCalendar(list) {
  const days = Array.from({ length: 7 }, (_, i) => week + i * DAY);
  const last = formatTime(days[6]).slice(0, 10);
  const table = h("table", { id: "rq-week", class: "calendar-week" });
  table.append(h("caption", { text: `Week of ${formatTime(week).slice(0, 10)} to ${last} (UTC)` }));
  const head = h("tr");
  for (const [i, day] of days.entries()) {
    head.append(h("th", { scope: "col", "data-day": formatTime(day).slice(0, 10) }, `${WEEKDAYS[i]} ${formatTime(day).slice(5, 10)}`));
  }
  table.append(h("thead", {}, head));
  const body = h("tr");
  for (const day of days) {
    const entries = [];
    for (const r of list) {
      for (const span of r.days) if (span.day === day) entries.push({ r, span });
    }
    entries.sort((a, b) => a.span.start - b.span.start || a.r.id - b.r.id);
    const cell = h("td", { "data-day": formatTime(day).slice(0, 10) });
    if (!entries.length) cell.append(h("p", { class: "calendar-empty", text: "No delivery" }));
    else {
      const ul = h("ul", { class: "calendar-entries" });
      for (const { r, span } of entries) {
        const offers = r.offers === null ? "" : ` · ${r.offers} offer${r.offers === 1 ? "" : "s"}`;
        ul.append(h("li", { class: `calendar-entry calendar-${r.status}`, "data-request-id": String(r.id) },
          link(`/requests/${r.id}`, `Request ${r.id}`),
          h("span", { class: "calendar-time", text: ` ${formatSpan(span.start, span.end).slice(11)}` }),
          h("span", { class: "calendar-detail", text: ` ${r.product_code} · ${DIRECTION_TEXT[r.direction] ?? r.direction} · ${formatKWh(r.total_wh)} · ${STATUS_SHORT[r.status] ?? r.status}${offers}` }),
          timeBar(span)));
      }
      cell.append(ul);
    }
    body.append(cell);
  }
  table.append(h("tbody", {}, body));
  // A labelled, focusable region: keyboard users can scroll the week sideways on small screens.
  $("rq-calendar").replaceChildren(h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Calendar week (scrolls sideways)" }, table));
}

// ------------------------------------------------------------------ list
const showOffers = me.role === "dso" || me.role === "market_operator";
const table = new DataTable($("rq-table"), {
  id: "requests-list",
  caption: "Requests",
  emptyText: "No request yet.",
  rowKey: (r) => r.id,
  columns: [
    { key: "id", label: "Request", filter: "text", render: (r) => link(`/requests/${r.id}`, `Request ${r.id}`) },
    { key: "product_code", label: "Product" },
    { key: "direction", label: "Direction", format: (v) => DIRECTION_TEXT[v] ?? v },
    { key: "where", label: "Where" },
    { key: "delivery", label: "Delivery", format: (_, r) => formatSpan(r.delivery_start, r.delivery_end) },
    { key: "gate_close_at", label: "Gate closes", format: (v) => formatTime(v) },
    { key: "total_wh", label: "Energy", format: (v) => formatKWh(v) },
    { key: "required_power_w", label: "Required capacity", hidden: true, format: (v) => formatKW(v) },
    { key: "price_cap_per_mwh", label: "Price cap", format: (v) => formatPrice(v) },
    { key: "status", label: "Status", format: (v) => STATUS_SHORT[v] ?? v },
    ...(showOffers ? [{ key: "offers", label: "Offers", format: (v, r) => (v === null ? "" : `${v}${r.voidOffers ? ` (+${r.voidOffers} void)` : ""}`) }] : []),
    { key: "sessionCode", label: "Session", hidden: true },
    { key: "mode", label: "Mode", hidden: true, format: (v) => MODE_TEXT[v] ?? v },
  ],
});

function render() {
  const list = filtered();
  $("rq-count").textContent = `${list.length} of ${rows.length} requests match the filters.`;
  renderCalendar(list);
  table.setRows(list);
}

for (const select of Object.values(filterNodes)) {
  select.addEventListener("change", () => {
    rememberFilters();
    week = defaultWeek(filtered());
    render();
  });
}
$("rq-filters").addEventListener("reset", () => {
  setTimeout(() => {
    rememberFilters();
    week = defaultWeek(filtered());
    render();
  });
});
$("rq-prev").addEventListener("click", () => {
  week -= 7 * DAY;
  render();
});
$("rq-next").addEventListener("click", () => {
  week += 7 * DAY;
  render();
});
$("rq-this").addEventListener("click", () => {
  week = defaultWeek(filtered());
  render();
});

await guarded(async () => {
  await load();
  fillFilters();
  week = defaultWeek(filtered());
  render();
}, { title: "Requests not loaded" });

document.body.dataset.pageReady = "true";

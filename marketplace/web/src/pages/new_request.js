// The DSO's request form: every field of POST /api/v1/requests (seed fig. 10, table 6), or a
// JSON/XML request file. ?element=<id>&start=<Unix s>&end=<Unix s> (the transformer forecast
// chart's selected range) prefills the location, the quarter-hours and — from the forecast —
// the energy above the transformer's limit in each of them.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { parseEUR } from "../lib/money.js";
import { parseKW, parseKWh, parseMinutes, parseUtc, parseWholeNumber, scaled } from "../lib/units.js";
import {
  FieldError, readField,
  viewer, loadCatalogue, showFieldProblems, clearFieldProblems, h, facts, formatSpan, formatTime, formatKW,
  formatKWh, formatMinutes, formatPrice, CATEGORY_TEXT, DIRECTION_TEXT, MODE_TEXT, PRICING_TEXT,
} from "../lib/market.js";

const Q = 900;
const HORIZON_CATEGORIES = { short_term: ["st_energy"], long_term: ["lt_availability", "lt_activation"] };
const $ = (id) => document.getElementById(id);

await startShell();
const me = viewer();
const form = $("nr-form");
let catalogue;

// ------------------------------------------------------------------ options
function mySessions() {
  const mine = new Set([...catalogue.markets.values()].filter((m) => m.dso_id === me.participantId).map((m) => m.id));
  return [...catalogue.sessions.values()]
    .filter((s) => mine.has(s.market_id) && (s.status === "scheduled" || s.status === "open"))
    .sort((a, b) => a.delivery_start - b.delivery_start || a.id - b.id);
}

function option(value, text) {
  return h("option", { value: String(value), text });
}

function fillSessions() {
  const select = $("nr-session");
  const sessions = mySessions();
  select.replaceChildren(option("", sessions.length ? "Choose a session" : "No open session of your markets"),
    ...sessions.map((s) => {
      const market = catalogue.markets.get(s.market_id);
      return option(s.id, `${s.code} · ${market?.name ?? "market " + s.market_id} · delivery ${formatSpan(s.delivery_start, s.delivery_end)} · gate closes ${formatTime(s.gate_close_at)}`);
    }));
}

function fillPlaces() {
  const elements = [...catalogue.elements.values()].filter((e) => e.dso_id === me.participantId);
  $("nr-element").replaceChildren(option("", "Choose a grid element"), ...elements.map((e) => option(e.id, `${e.code} (${e.name}, ${e.kind.replaceAll("_", " ")})`)));
  const zones = [...catalogue.zones.values()].filter((z) => z.dso_id === me.participantId);
  $("nr-zone").replaceChildren(option("", zones.length ? "Choose a zone" : "You have no zone"), ...zones.map((z) => option(z.id, `${z.name} (${z.province})`)));
}

const selectedSession = () => catalogue.sessions.get(Number($("nr-session").value)) ?? null;
const selectedProduct = () => catalogue.productsByCode.get($("nr-product").value) ?? null;

function fillProducts() {
  const session = selectedSession();
  const select = $("nr-product");
  const current = select.value;
  if (!session) {
    select.replaceChildren(option("", "Choose a session first"));
    renderProduct();
    return;
  }
  const market = catalogue.markets.get(session.market_id);
  const direction = $("nr-direction").value;
  const products = (market?.product_ids ?? []).map((id) => catalogue.products.get(id)).filter((p) =>
    p && p.active && HORIZON_CATEGORIES[session.horizon].includes(p.category) && (!direction || p.direction === direction));
  select.replaceChildren(option("", products.length ? "Choose a product" : "No product of this market matches"),
    ...products.map((p) => option(p.code, `${p.code} · ${CATEGORY_TEXT[p.category]} · ${DIRECTION_TEXT[p.direction]}`)));
  if (products.some((p) => p.code === current)) select.value = current;
  else if (products.length === 1) select.value = products[0].code;
  renderProduct();
}

function renderSession() {
  const session = selectedSession();
  const box = $("nr-session-facts");
  if (!session) {
    box.replaceChildren();
    return;
  }
  const market = catalogue.markets.get(session.market_id);
  const where = market?.grid_element_id ? `grid element ${catalogue.elements.get(market.grid_element_id)?.code ?? market.grid_element_id}`
    : `zone ${catalogue.zones.get(market?.zone_id)?.name ?? market?.zone_id}`;
  box.replaceChildren(facts([
    ["Market", `${market?.name ?? session.market_id} (${where})`],
    ["Horizon", session.horizon === "long_term" ? "Long term" : "Short term"],
    ["Mode", MODE_TEXT[session.mode] ?? session.mode],
    ["Pricing", PRICING_TEXT[session.pricing] ?? session.pricing],
    ["Gate", `opens ${formatTime(session.gate_open_at)}, closes ${formatTime(session.gate_close_at)}`],
    ["Delivery period", formatSpan(session.delivery_start, session.delivery_end)],
  ], { id: "nr-session-dl" }));
  fillProducts();
}

function renderProduct() {
  const product = selectedProduct();
  const box = $("nr-product-facts");
  if (!product) {
    box.replaceChildren();
    $("nr-readiness").textContent = "Readiness period: set by the product (choose one above).";
    return;
  }
  box.replaceChildren(facts([
    ["Category", CATEGORY_TEXT[product.category]],
    ["Direction", DIRECTION_TEXT[product.direction]],
    ["Power per offer", `${formatKW(product.min_power_w)} to ${formatKW(product.max_power_w)}`],
    ["Quantity step", formatKWh(product.quantity_step_wh)],
    ["Price step", formatPrice(product.price_step)],
    ["Rest time", `${formatMinutes(product.rest_time_min_s)} to ${formatMinutes(product.rest_time_max_s)}`],
    ["Activation duration", formatMinutes(product.activation_duration_s)],
  ], { id: "nr-product-dl" }));
  $("nr-readiness").textContent = `Readiness (preparation) period: ${formatMinutes(product.preparation_s)}, set by the product ${product.code}.`;
  setShape(product.category === "lt_availability" ? "window" : $("nr-shape").value);
}

function setShape(shape) {
  $("nr-shape").value = shape;
  $("nr-intervals-part").hidden = shape !== "intervals";
  $("nr-window-part").hidden = shape !== "window";
}

function setWhere(where) {
  $("nr-where").value = where;
  $("nr-element").closest(".field").hidden = where !== "element";
  $("nr-zone").closest(".field").hidden = where !== "zone";
}

// ------------------------------------------------------------------ quarter-hours
function intervalRows(starts, quantities = new Map()) {
  const table = h("table", { id: "nr-intervals-table" });
  table.append(h("caption", { text: `Energy per quarter-hour (${starts.length} quarter-hour${starts.length === 1 ? "" : "s"}, kWh)` }));
  table.append(h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Quarter-hour (UTC)" }), h("th", { scope: "col", text: "Energy (kWh)" }))));
  const body = h("tbody");
  for (const start of starts) {
    const id = `nr-q-${start}`;
    const input = h("input", { id, name: "quantity", inputmode: "decimal", autocomplete: "off", "data-start": String(start), size: "10" });
    const wh = quantities.get(start);
    if (wh !== undefined && wh !== null) input.value = scaled(wh, 3);
    body.append(h("tr", {}, h("th", { scope: "row" }, h("label", { for: id, text: formatSpan(start, start + Q) })), h("td", {}, input)));
  }
  table.append(body);
  $("nr-intervals").replaceChildren(h("div", { class: "table-scroll" }, table));
}

function fillIntervals(quantities = null) {
  const from = parseUtc($("nr-from").value, "Delivery from");
  const to = parseUtc($("nr-to").value, "Delivery until");
  if (from % Q || to % Q) throw new RangeError("Delivery from and until must be on quarter-hours (:00, :15, :30, :45).");
  if (to <= from) throw new RangeError("Delivery until must be after delivery from.");
  if ((to - from) / Q > 96 * 31) throw new RangeError("At most 31 days of quarter-hours at once.");
  const starts = [];
  for (let t = from; t < to; t += Q) starts.push(t);
  let map = quantities;
  if (!map) {
    map = new Map();
    const each = $("nr-each").value.trim();
    if (each) {
      const wh = parseKWh(each, "Energy per quarter-hour");
      for (const t of starts) map.set(t, wh);
    } else {
      for (const input of document.querySelectorAll("#nr-intervals input[data-start]")) {
        if (input.value.trim()) map.set(Number(input.dataset.start), parseKWh(input.value, "Energy"));
      }
    }
  }
  intervalRows(starts, map);
}

// ------------------------------------------------------------------ reading the form
const read = readField;

const money = (text) => {
  const units = parseEUR(text);
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("That amount is too large.");
  return Number(units);
};

function hhmm(text) {
  const match = /^(\d{1,2}):(\d\d)$/.exec(text);
  if (!match || Number(match[2]) > 59 || Number(match[1]) > 24 || (Number(match[1]) === 24 && match[2] !== "00")) {
    throw new RangeError(`“${text}” is not a time of day as HH:MM.`);
  }
  return Number(match[1]) * 3600 + Number(match[2]) * 60;
}

function body() {
  const session = selectedSession();
  if (!session) throw new FieldError("nr-session", "Choose a session.");
  if (!$("nr-product").value) throw new FieldError("nr-product", "Choose a product.");
  const out = { session_id: session.id, product: $("nr-product").value };
  const where = $("nr-where").value;
  if (where === "element") {
    if (!$("nr-element").value) throw new FieldError("nr-element", "Choose a grid element.");
    out.grid_element_id = Number($("nr-element").value);
  } else if (where === "zone") {
    if (!$("nr-zone").value) throw new FieldError("nr-zone", "Choose a zone.");
    out.zone_id = Number($("nr-zone").value);
  }
  if ($("nr-shape").value === "intervals") {
    const inputs = [...document.querySelectorAll("#nr-intervals input[data-start]")];
    if (!inputs.length) throw new FieldError("nr-from", "Give the delivery period and fill the quarter-hours.");
    out.intervals = inputs.map((input) => {
      if (!input.value.trim()) throw new FieldError(input.id, "Give the energy of every quarter-hour.");
      return { start: Number(input.dataset.start), quantity_wh: read(input.id, (t) => parseKWh(t, "Energy")) };
    });
  } else {
    const days = [...form.querySelectorAll('#nr-days input[type="checkbox"]:checked')].map((box) => box.value).join("");
    if (!days) throw new FieldError("nr-days-1", "Choose at least one day of service.");
    const start = read("nr-start-date", (t) => (/^\d{4}-\d\d-\d\d$/.test(t) ? t : (() => { throw new RangeError("Give the date as YYYY-MM-DD."); })()));
    const end = read("nr-end-date", (t) => (/^\d{4}-\d\d-\d\d$/.test(t) ? t : (() => { throw new RangeError("Give the date as YYYY-MM-DD."); })()));
    if (!start) throw new FieldError("nr-start-date", "Give the service window's start date.");
    if (!end) throw new FieldError("nr-end-date", "Give the service window's end date.");
    const holidays = $("nr-holidays").value.split(/[\s,;]+/).map((d) => d.trim()).filter(Boolean);
    const bad = holidays.find((d) => !/^\d{4}-\d\d-\d\d$/.test(d));
    if (bad) throw new FieldError("nr-holidays", `“${bad}” is not a date as YYYY-MM-DD.`);
    out.service_window = {
      start_date: start,
      end_date: end,
      days,
      start_period_s: read("nr-start-period", hhmm) ?? 0,
      end_period_s: read("nr-end-period", hhmm) ?? 86_400,
      timezone: $("nr-timezone").value.trim() || "UTC",
      bank_holidays: holidays,
      bank_holidays_included: $("nr-holidays-included").checked,
    };
  }
  const optional = {
    required_power_w: read("nr-capacity", (t) => parseKW(t, "Required capacity")),
    min_bid_power_w: read("nr-min-power", (t) => parseKW(t, "Minimum power to bid")),
    price_cap_per_mwh: read("nr-cap", money),
    min_activation_price_per_mwh: read("nr-min-price", money),
    availability_price_cap_per_mw_h: read("nr-availability-cap", money),
    estimated_activation_hours: read("nr-hours", (t) => parseWholeNumber(t, "Estimated activation hours")),
    minimal_lead_time_s: read("nr-lead", (t) => parseMinutes(t, "Minimal lead time")),
    lt_request_id: read("nr-lt-request", (t) => parseWholeNumber(t, "Long-term request")),
    additional_info: $("nr-info").value.trim() || null,
  };
  if (optional.price_cap_per_mwh === null) throw new FieldError("nr-cap", "Give the maximum activation price.");
  for (const [key, value] of Object.entries(optional)) if (value !== null) out[key] = value;
  out.commitment_mandatory = $("nr-commitment").checked;
  return out;
}

function showLocalProblem(error) {
  clearFieldProblems(form);
  const control = $(error.field);
  const slot = $(`${error.field}-error`) ?? (control?.dataset.start ? $("nr-intervals-error") : null)
    ?? (error.field.startsWith("nr-days") ? $("nr-days-error") : null);
  if (slot) {
    slot.textContent = error.message;
    slot.hidden = false;
  }
  control?.setAttribute("aria-invalid", "true");
}

// ------------------------------------------------------------------ prefill from the forecast chart
function coveringSession(elementId, start, end) {
  const ancestors = new Set();
  for (let node = catalogue.elements.get(elementId); node; node = catalogue.elements.get(node.parent_id)) ancestors.add(node.id);
  const sessions = mySessions().filter((s) => {
    const market = catalogue.markets.get(s.market_id);
    return market && (market.grid_element_id === null || ancestors.has(market.grid_element_id));
  });
  return sessions.find((s) => s.delivery_start <= start && end <= s.delivery_end && s.horizon === "short_term")
    ?? sessions.find((s) => s.delivery_start <= start && end <= s.delivery_end) ?? null;
}

async function excessByQuarter(elementId, start, end, step) {
  const forecast = await api.get(`/grid/elements/${elementId}/forecast`, { from: start, to: end });
  const out = new Map();
  for (const point of forecast.points) {
    const limit = point.planning_limit_w ?? point.operational_limit_w; // the limit the DSO plans to
    if (limit === null || limit === undefined || point.start < start || point.start >= end) continue;
    const excessWh = Math.max(0, point.load_w - limit) / 4; // W over a quarter-hour → Wh
    if (excessWh > 0) out.set(point.start, Math.ceil(excessWh / step) * step);
  }
  return out;
}

async function prefill() {
  const query = new URLSearchParams(location.search);
  const elementId = Number(query.get("element"));
  const start = Number(query.get("start"));
  const end = Number(query.get("end"));
  if (!elementId && !start) return;
  const notes = [];
  if (elementId) {
    if (catalogue.elements.has(elementId)) {
      setWhere("element");
      $("nr-element").value = String(elementId);
      notes.push(`the grid element ${catalogue.elements.get(elementId).code}`);
    } else {
      notes.push(`grid element ${elementId} is not one of yours: choose the location yourself`);
    }
  }
  if (start && end && end > start) {
    const from = Math.floor(start / Q) * Q;
    const to = Math.ceil(end / Q) * Q;
    $("nr-from").value = formatTime(from).slice(0, 16);
    $("nr-to").value = formatTime(to).slice(0, 16);
    setShape("intervals");
    const session = elementId ? coveringSession(elementId, from, to) : null;
    if (session) {
      $("nr-session").value = String(session.id);
      renderSession();
      const market = catalogue.markets.get(session.market_id);
      const up = (market?.product_ids ?? []).map((id) => catalogue.products.get(id))
        .find((p) => p && p.active && p.category === "st_energy" && p.direction === "up");
      if (up && [...$("nr-product").options].some((o) => o.value === up.code)) $("nr-product").value = up.code;
      renderProduct();
      notes.push(`session ${session.code}`);
    }
    let quantities = new Map();
    if (elementId && catalogue.elements.has(elementId)) {
      const step = selectedProduct()?.quantity_step_wh ?? 1;
      quantities = await guarded(() => excessByQuarter(elementId, from, to, step), { title: "Forecast not read" }) ?? new Map();
    }
    fillIntervals(quantities);
    notes.push(`${(to - from) / Q} quarter-hours ${formatSpan(from, to)}` + (quantities.size
      ? `, with the forecast load above the transformer's planning limit as the energy of ${quantities.size} of them`
      : ""));
  }
  const note = $("nr-prefill-note");
  note.textContent = `Prefilled from the forecast chart: ${notes.join("; ")}. Check every field before submitting.`;
  note.hidden = false;
}

// ------------------------------------------------------------------ events
$("nr-session").addEventListener("change", renderSession);
$("nr-direction").addEventListener("change", fillProducts);
$("nr-product").addEventListener("change", renderProduct);
$("nr-where").addEventListener("change", () => setWhere($("nr-where").value));
$("nr-shape").addEventListener("change", () => setShape($("nr-shape").value));
$("nr-fill").addEventListener("click", () =>
  guarded(async () => {
    clearFieldProblems(form);
    try {
      fillIntervals();
    } catch (error) {
      const problem = new FieldError("nr-from", error.message);
      showLocalProblem(problem);
      throw problem;
    }
  }, { title: "Quarter-hours not filled" }));

async function uploadDocuments(requestId) {
  for (const file of $("nr-documents").files) {
    const data = new FormData();
    data.append("file", file, file.name);
    await api.post(`/requests/${requestId}/documents`, { form: data });
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    clearFieldProblems(form);
    let payload;
    try {
      payload = body();
    } catch (error) {
      if (error instanceof FieldError) showLocalProblem(error);
      throw error;
    }
    $("nr-submit").disabled = true;
    try {
      const created = await api.post("/requests", { json: payload });
      $("nr-status").textContent = `Request ${created.id} submitted.`;
      await uploadDocuments(created.id);
      notify(`Request ${created.id} submitted for validation.`, { kind: "success" });
      location.assign(`/requests/${created.id}`);
    } catch (error) {
      showFieldProblems(form, error);
      throw error;
    } finally {
      $("nr-submit").disabled = false;
    }
  }, { title: "Request not submitted" });
});

$("nr-upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const file = $("nr-upload-file").files[0];
    if (!file) throw new RangeError("Choose a JSON or XML request file first.");
    const data = new FormData();
    data.append("file", file, file.name);
    const created = await api.post("/requests/upload", { form: data });
    notify(`Request ${created.id} uploaded and submitted for validation.`, { kind: "success" });
    location.assign(`/requests/${created.id}`);
  }, { title: "Request file not accepted" });
});

await guarded(async () => {
  catalogue = await loadCatalogue({ elements: true });
  fillSessions();
  fillPlaces();
  setWhere("market");
  setShape("intervals");
  fillProducts();
  await prefill();
}, { title: "Form not ready" });

document.body.dataset.pageReady = "true";

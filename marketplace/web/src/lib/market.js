// What the trading pages share: who is looking, the market's catalogue (products, markets,
// sessions, grid elements, zones) read once, and readable labels for requests and bids.
//
//   import { viewer, loadCatalogue, requestWhere, STATUS_TEXT } from "../lib/market.js";
//   const me = viewer();                       // {signedIn, role, participantId, ...}
//   const cat = await loadCatalogue({ elements: true });
//
// Money stays BigInt base units (lib/money.js); energy Wh and power W integers (lib/units.js).
import { api, ApiError } from "./api.js";
import { formatEUR } from "./money.js";
import { formatKW, formatKWh, formatTime, formatMinutes } from "./units.js";

/** The signed-in viewer the server rendered the page for (#flex-viewer). */
export function viewer() {
  const node = document.getElementById("flex-viewer");
  return node ? JSON.parse(node.textContent) : { signedIn: false, role: null, participantId: null };
}

export const REQUEST_STATUS_TEXT = {
  submitted: "Submitted: waiting for the operator's validation",
  validated: "Validated: waiting for the DSO's escrow",
  published: "Published: open for offers",
  closed: "Gate closed: results pending",
  awarded: "Awarded: results published",
  rejected: "Rejected by the operator",
  cancelled: "Cancelled",
  expired: "Expired (not escrowed before gate closure)",
};

export const STATUS_SHORT = {
  submitted: "submitted", validated: "validated", published: "published", closed: "gate closed",
  awarded: "awarded", rejected: "rejected", cancelled: "cancelled", expired: "expired",
};

export const CATEGORY_TEXT = {
  st_energy: "Short-term energy",
  lt_availability: "Long-term availability",
  lt_activation: "Long-term activation",
};

export const DIRECTION_TEXT = { up: "Up", down: "Down" };
export const MODE_TEXT = { auction: "Auction (clearing engine)", manual_pick: "Manual pick by the DSO (Italian mode)" };
export const PRICING_TEXT = { pay_as_bid: "pay-as-bid", pay_as_clear: "pay-as-clear" };

/** Readable void reasons (the API's codes stay in brackets). */
export const VOID_TEXT = {
  missing_parameter: "a parameter is missing",
  invalid_parameter: "a parameter is not acceptable",
  currency_not_eur: "the currency is not EUR",
  quantity_below_minimum: "the quantity is below the minimum",
  quantity_above_maximum: "the quantity is above the product's maximum",
  quantity_off_granularity: "the quantity is not a multiple of the product's step",
  kind_not_allowed: "this kind of bid is not allowed under the grid's traffic light",
  location_mismatch: "the bidding unit is not where the request is",
  direction_mismatch: "the direction differs from the request's",
  not_prequalified: "the bidding unit is not (pre)qualified for this request",
  quantity_above_qualified: "the quantity is above the unit's qualified power",
  interval_outside_demand: "a quarter-hour lies outside the request",
  price_above_cap: "the price is above the request's cap",
  availability_price_above_cap: "the availability price is above the request's cap",
  price_off_resolution: "the price is not a multiple of the product's price step",
  price_below_minimum: "the price is below the request's minimum activation price",
  price_above_lt_activation_price: "the price is above your long-term activation price",
  signer_not_fsp: "the signing wallet does not hold the FSP role on chain",
  guarantee_insufficient: "the guarantee on chain is insufficient",
  not_selected: "not selected",
};

export function voidText(reason, detail) {
  if (!reason) return "";
  const text = VOID_TEXT[reason] ?? reason.replaceAll("_", " ");
  return `${text}${detail ? ` — ${detail}` : ""} (${reason})`;
}

export const formatPrice = (base) => (base === null || base === undefined ? "" : `${formatEUR(BigInt(base))} per MWh`);
export const formatAvailabilityPrice = (base) =>
  base === null || base === undefined ? "" : `${formatEUR(BigInt(base))} per MW and hour`;
export { formatKW, formatKWh, formatTime, formatMinutes, formatEUR };

/** "18:00–18:30 UTC" of [start, end) on one day, or the full span across days. */
export function formatSpan(start, end) {
  const a = formatTime(start);
  const b = formatTime(end);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a.slice(0, 16)}–${b.slice(11)}` : `${a} – ${b}`;
}

async function quietly(load, fallback) {
  try {
    return await load();
  } catch (error) {
    // The public and some roles may not read grid elements: names stay ids then.
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return fallback;
    throw error;
  }
}

/** Products, markets, sessions (and grid elements and zones when asked) as maps by id. */
export async function loadCatalogue({ elements = false, zones = true } = {}) {
  const [products, markets, sessions, gridElements, zoneRows] = await Promise.all([
    api.all("/products"),
    api.all("/markets"),
    api.all("/sessions"),
    elements ? quietly(() => api.all("/grid/elements"), []) : [],
    zones ? quietly(() => api.all("/zones"), []) : [],
  ]);
  const byId = (rows) => new Map(rows.map((row) => [row.id, row]));
  return {
    products: byId(products),
    productsByCode: new Map(products.map((p) => [p.code, p])),
    markets: byId(markets),
    sessions: byId(sessions),
    elements: byId(gridElements),
    zones: byId(zoneRows),
  };
}

export function elementLabel(catalogue, id) {
  const element = catalogue.elements.get(id);
  return element ? `${element.code} (${element.name})` : `grid element ${id}`;
}

/** Where a request is: its grid element or zone, in words. */
export function requestWhere(catalogue, request) {
  if (request.grid_element_id) return elementLabel(catalogue, request.grid_element_id);
  if (request.zone_id) {
    const zone = catalogue.zones.get(request.zone_id);
    return zone ? `zone ${zone.name}` : `zone ${request.zone_id}`;
  }
  return "";
}

/** Offers per request for a DSO (own requests) or the operator: Map request id → {offers, void}. */
export async function offerCounts(query = {}) {
  const reply = await api.get("/requests/offer-counts", query);
  return new Map(reply.items.map((row) => [row.request_id, row]));
}

/** Show the API's refused fields next to the form's controls ([data-loc] → #<id>-error). */
export function showFieldProblems(form, error) {
  clearFieldProblems(form);
  const problems = [...(error?.problems ?? [])];
  const field = error?.details?.field;
  if (field && !problems.length) problems.push({ loc: field, message: error.message.replace(/^The server refused: /, "") });
  let first = null;
  for (const problem of problems) {
    const loc = String(problem.loc).replace(/^body\./, "");
    const control = form.querySelector(`[data-loc="${CSS.escape(loc)}"]`)
      ?? form.querySelector(`[data-loc="${CSS.escape(loc.split(".")[0])}"]`);
    if (!control) continue;
    const slot = document.getElementById(`${control.id}-error`);
    if (!slot) continue;
    slot.textContent = problem.message;
    slot.hidden = false;
    control.setAttribute("aria-invalid", "true");
    first ??= control;
  }
  return first;
}

export function clearFieldProblems(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/** A link element. */
export function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

/** An element with text and attributes (small DOM helper for the trading pages). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** A <dl class="facts"> from [label, value] pairs (values: text or nodes; empty ones skipped). */
export function facts(pairs, attrs = {}) {
  const dl = h("dl", { class: "facts", ...attrs });
  for (const [label, value, id] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", { text: label }), h("dd", id ? { id } : {}, value));
  }
  return dl;
}

// ------------------------------------------------------------------ form fields
/** A refused form field: ``field`` is the control's id, the message says what to change. */
export class FieldError extends RangeError {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** The trimmed value of control ``id`` parsed by ``parse`` (null when empty); a parse error
 * becomes a FieldError naming the control. */
export function readField(id, parse) {
  const text = document.getElementById(id).value.trim();
  if (!text) return null;
  try {
    return parse(text);
  } catch (error) {
    throw new FieldError(id, error.message);
  }
}

// Helpers of the operations pages (products, sessions, queues, activations, results, statements,
// disputes, notifications): the viewer, the market's clock, DOM building, formatting of the
// API's integers for people, forms that read typed fields, and CSV links.
//
//   import { viewer, marketNow, h, fmt, readForm, showFieldErrors, csvLink, actionButton } from "../lib/ops.js";
//
// Integers only on the way to the API: energy Wh, power W, money and prices token base units,
// times Unix s UTC. What people type is converted exactly (lib/units.js, lib/money.js).
import { formatEUR, parseEUR } from "./money.js";
import { API_ROOT, ApiError } from "./api.js";
import { guarded } from "./shell.js";
import { formatKW, formatKWh, formatMinutes, formatTime, parseKW, parseKWh, parseMinutes, parseUtc, parseWholeNumber } from "./units.js";

/** The signed-in viewer as the server rendered the page ({signedIn, role, participantId, ...}). */
export function viewer() {
  const node = document.getElementById("flex-viewer");
  return node ? JSON.parse(node.textContent) : { signedIn: false };
}

/** The server's page context ({now, ...}; `now` is the market's clock, Unix s). */
export function opsContext() {
  const node = document.getElementById("ops-context");
  return node ? JSON.parse(node.textContent) : {};
}

/** The market's time now (Unix s): the server's clock when the page was rendered, moved on by
 * the time the page has been open. */
const openedAt = Date.now();
export function marketNow() {
  const base = opsContext().now;
  const elapsed = Math.floor((Date.now() - openedAt) / 1000);
  return (typeof base === "number" ? base : Math.floor(openedAt / 1000)) + elapsed;
}

/** An element: h("td", {class: "x", text: "..."}, child, ...). `on<Event>` attributes add listeners. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2).toLowerCase(), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const present = (v) => v !== null && v !== undefined;

/** Formatting of the API's integers (empty text for null). */
export const fmt = {
  eur: (units) => (present(units) ? formatEUR(BigInt(units)) : ""),
  perMWh: (units) => (present(units) ? `${formatEUR(BigInt(units))}/MWh` : ""),
  perMWh_h: (units) => (present(units) ? `${formatEUR(BigInt(units))}/MW/h` : ""),
  kw: (w) => formatKW(w),
  kwh: (wh) => formatKWh(wh),
  signedKWh: (wh) => (present(wh) ? `${wh > 0 ? "+" : ""}${formatKWh(wh)}` : ""),
  minutes: (s) => formatMinutes(s),
  time: (t) => formatTime(t),
  date: (t) => (present(t) ? new Date(t * 1000).toISOString().slice(0, 10) : ""),
  period: (from, to) => (present(from) && present(to) ? `${formatTime(from)} – ${formatTime(to)}` : ""),
  words: (text) => (present(text) ? String(text).replaceAll("_", " ") : ""),
  yesNo: (v) => (v === true ? "yes" : v === false ? "no" : ""),
  short: (hex) => (typeof hex === "string" && hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex ?? ""),
};

/** A status shown as a word in a badge (colour follows the word, never replaces it). */
export function badge(status) {
  const word = fmt.words(status);
  return h("span", { class: `badge badge-${String(status ?? "none").replace(/[^a-z_]/gi, "")}`, text: word || "—" });
}

/** "YYYY-MM-DD HH:MM" (UTC) for a form field. */
export function utcField(t) {
  return present(t) ? new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") : "";
}

/** "YYYY-MM-DD" (UTC) for a date field. */
export function dateField(t) {
  return present(t) ? new Date(t * 1000).toISOString().slice(0, 10) : "";
}

/** Unix s of a UTC date "YYYY-MM-DD" (00:00). */
export function parseDate(text, what = "Date") {
  if (!/^\d{4}-\d\d-\d\d$/.test(String(text).trim())) throw new RangeError(`${what}: “${text}” is not a date as YYYY-MM-DD.`);
  return parseUtc(String(text).trim(), what);
}

/** A field's refusal, shown next to it. */
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.name = "FieldError";
    this.field = field;
  }
}

// How typed text becomes the API's value, per data-kind.
const KINDS = {
  text: (v) => v.trim(),
  int: (v, what) => parseWholeNumber(v, what),
  kw: (v, what) => parseKW(v, what),
  kwh: (v, what) => parseKWh(v, what),
  eur: (v) => Number(parseEUR(v)),
  min: (v, what) => parseMinutes(v, what),
  utc: (v, what) => parseUtc(v, what),
  date: (v, what) => parseDate(v, what),
  id: (v, what) => parseWholeNumber(v, what),
};

function labelOf(field) {
  const label = field.labels?.[0]?.textContent ?? field.name;
  return label.replace(/\s*\(required\)\s*$/, "").trim();
}

/**
 * Read a form's fields that carry data-loc into the API's shape (dotted paths nest). Empty
 * optional fields are left out; a required one, or text that does not convert, raises a
 * FieldError naming the field. Checkbox groups (fieldset[data-kind=multi]) give arrays of
 * their checked values (converted with data-item-kind), single checkboxes booleans.
 */
export function readForm(form) {
  clearFieldErrors(form);
  const body = {};
  const problems = [];
  const set = (loc, value) => {
    const parts = loc.split(".");
    let target = body;
    for (const part of parts.slice(0, -1)) target = target[part] ??= {};
    target[parts.at(-1)] = value;
  };
  for (const group of form.querySelectorAll("fieldset[data-kind=multi][data-loc]")) {
    const itemKind = KINDS[group.dataset.itemKind ?? "text"];
    const values = [...group.querySelectorAll("input[type=checkbox]:checked")].map((box) => itemKind(box.value, labelOf(box)));
    if (!values.length && group.dataset.required === "true") problems.push(new FieldError(group, `${group.querySelector("legend").textContent.replace(/\s*\(required\)\s*$/, "")}: choose at least one.`));
    else if (values.length) set(group.dataset.loc, values);
  }
  for (const field of form.querySelectorAll("input[data-loc], select[data-loc], textarea[data-loc]")) {
    if (field.closest("fieldset[data-kind=multi]")) continue;
    const loc = field.dataset.loc;
    if (field.type === "checkbox") {
      set(loc, field.checked);
      continue;
    }
    const raw = field.value;
    if (raw.trim() === "") {
      if (field.required) problems.push(new FieldError(field, `${labelOf(field)}: this is required.`));
      continue;
    }
    const kind = field.dataset.kind ?? "text";
    try {
      set(loc, (KINDS[kind] ?? KINDS.text)(raw, labelOf(field)));
    } catch (error) {
      problems.push(new FieldError(field, error.message));
    }
  }
  if (problems.length) {
    for (const problem of problems) markField(problem.field, problem.message);
    const error = new Error(problems.length === 1 ? problems[0].message : `${problems.length} fields need attention: ${problems.map((p) => p.message).join(" ")}`);
    error.problems = problems;
    throw error;
  }
  return body;
}

function errorNode(field) {
  const id = field.getAttribute("aria-describedby")?.split(/\s+/).find((x) => x.endsWith("-error"));
  return id ? document.getElementById(id) : null;
}

function markField(field, message) {
  field.setAttribute("aria-invalid", "true");
  const node = errorNode(field);
  if (node) {
    node.textContent = message;
    node.hidden = false;
  }
}

export function clearFieldErrors(form) {
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  for (const node of form.querySelectorAll(".field-error")) {
    node.textContent = "";
    node.hidden = true;
  }
}

/** Show an ApiError's refused fields next to the fields with the same data-loc. */
export function showFieldErrors(form, error) {
  if (!(error instanceof ApiError)) return;
  for (const problem of error.problems) {
    const loc = String(problem.loc).replace(/^body\./, "");
    const field = form.querySelector(`[data-loc="${CSS.escape(loc)}"]`);
    if (field) markField(field, `${labelOf(field)}: ${problem.message}.`);
  }
}

/**
 * Wire a form: on submit, read it, call `action(body)`, show a refusal in the error area (and
 * next to the refused fields) titled `title`. Returns nothing; `action`'s result goes to `done`.
 */
export function onSubmit(form, action, { title = "Refused", done = null } = {}) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      let result;
      try {
        result = await action(readForm(form));
      } catch (error) {
        showFieldErrors(form, error);
        throw error;
      }
      await done?.(result);
    }, { title });
  });
}

/** A button that runs `action` guarded (its failure goes to the error area with `title`). */
export function actionButton(label, action, { title = "Refused", name = null, kind = null } = {}) {
  const button = h("button", { type: "button", text: label, "aria-label": name, class: kind ? `button-${kind}` : null });
  button.addEventListener("click", () => {
    button.disabled = true;
    guarded(action, { title }).finally(() => {
      if (button.isConnected) button.disabled = false;
    });
  });
  return button;
}

/** An <a download> of an API view as CSV (`query` gets format=csv). */
export function csvLink(path, query = {}, label = "Download CSV", name = null) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (present(v) && v !== "") params.append(k, String(v));
  params.set("format", "csv");
  return h("a", { class: "csv-link", href: `${API_ROOT}${path}?${params}`, download: "", text: label, "aria-label": name });
}

/** Replace the children of #id (or an element) with `children`. */
export function fill(target, ...children) {
  const node = typeof target === "string" ? document.getElementById(target) : target;
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Participant id → entity name, from the public directory (cached per page). */
let directory = null;
export async function participantNames(api) {
  if (!directory) {
    directory = new Map();
    try {
      for (const p of await api.all("/participants")) directory.set(p.id, p.entity_name ?? p.name ?? `#${p.id}`);
    } catch {
      // the directory is a nicety: ids stand in for names
    }
  }
  return directory;
}

export function nameOf(names, id) {
  return present(id) ? names.get(id) ?? `participant ${id}` : "";
}

/** Page-level query parameter. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Put a query parameter in the address (no reload), so the view can be linked. */
export function setParam(name, value) {
  const url = new URL(location.href);
  if (present(value) && value !== "") url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  history.replaceState(null, "", url);
}

export const QUARTER_HOUR = 900;

/** Values of the API as text for a form field (the inverse of readForm's kinds). */
export const fieldText = {
  kw: (w) => (present(w) ? scaledPlain(w, 3) : ""),
  kwh: (wh) => (present(wh) ? scaledPlain(wh, 3) : ""),
  eur: (units) => (present(units) ? formatEUR(BigInt(units), { currency: "", minDecimals: 0 }).trim().replaceAll(",", "") : ""),
  min: (s) => (present(s) ? ((s * 100) % 60 === 0 ? scaledPlain((s * 100) / 60, 2) : (s / 60).toFixed(2)) : ""),
};

function scaledPlain(value, decimals) {
  const v = BigInt(value);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const unit = 10n ** BigInt(decimals);
  const fraction = (abs % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / unit}${fraction ? "." + fraction : ""}`;
}

/** What a DSO request asks for, in one line (power or energy, direction, product). */
export function requestQuantity(r) {
  if (present(r.required_power_w)) return `${formatKW(r.required_power_w)} ${r.direction}`;
  return `${formatKWh(r.total_wh)} ${r.direction}`;
}

/** A DSO request's parameters (seed fig. 10) as a description list. */
export function requestFacts(r, { sessionCode = null, dsoName = null } = {}) {
  const w = r.service_window;
  const rows = [
    ["Request", `${r.id} (${fmt.words(r.status)}${r.status_reason ? ": " + r.status_reason : ""})`],
    ["DSO", dsoName ?? `participant ${r.dso_id}`],
    ["Session", sessionCode ?? `session ${r.session_id}`],
    ["Product", `${r.product_code} (${fmt.words(r.category)}), ${r.direction}`],
    ["Location", r.zone_id ? `zone ${r.zone_id}` : r.grid_element_id ? `grid element ${r.grid_element_id}` : "the market's"],
    ["Required capacity", present(r.required_power_w) ? formatKW(r.required_power_w) : ""],
    ["Energy", formatKWh(r.total_wh)],
    ["Minimum power to bid", present(r.min_bid_power_w) ? formatKW(r.min_bid_power_w) : ""],
    ["Price cap", fmt.perMWh(r.price_cap_per_mwh)],
    ["Minimum activation price", fmt.perMWh(r.min_activation_price_per_mwh)],
    ["Availability price cap", fmt.perMWh_h(r.availability_price_cap_per_mw_h)],
    ["Delivery", fmt.period(r.delivery_start, r.delivery_end)],
    ["Service window", w ? `${w.start_date} to ${w.end_date}, days ${w.days}, ${hhmm(w.start_period_s)}–${hhmm(w.end_period_s)} ${w.timezone}, bank holidays ${w.bank_holidays_included ? "included" : "excluded"}` : ""],
    ["Estimated activation hours", present(r.estimated_activation_hours) ? `${r.estimated_activation_hours} h` : ""],
    ["Minimal lead time", present(r.minimal_lead_time_s) ? formatMinutes(r.minimal_lead_time_s) : ""],
    ["Commitment mandatory", fmt.yesNo(r.commitment_mandatory)],
    ["Gate closes", formatTime(r.gate_close_at)],
    ["Source", fmt.words(r.source)],
    ["Additional information", r.additional_info ?? ""],
    ["Documents", (r.documents ?? []).map((d) => d.filename).join(", ")],
    ["Escrow", (r.legs ?? []).map((leg) => `${leg.leg}: ${formatEUR(BigInt(leg.escrow))} (${leg.status})`).join("; ")],
  ].filter(([, v]) => v !== "" && v !== null && v !== undefined);
  return h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
}

function hhmm(s) {
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
}

// Forms built with the macros of templates/web/_forms.html: read them into the API's shape,
// converting what people type into the API's integer units, and show each refused field's
// message next to it (from the page's own checks or from the API's 422 details).
//
//   import { readForm, submitForm } from "../lib/forms.js";
//   submitForm(form, async (body) => api.post("/assets", { json: body }), { title: "Asset not registered" });
//
// Every control with `data-loc="a.b"` becomes body.a.b. `data-kind` says how its text becomes
// the API's value:
//   (none) text, trimmed        int     whole number         kw   kW → W        kwh  kWh → Wh
//   kvar   kVAR → var           signed  whole number, may be negative
//   deg    degrees → µdeg       min     minutes → s          bool checkbox      multi checked boxes → [values]
//   list   comma/space/newline separated texts → [texts]     utc  "YYYY-MM-DD HH:MM" UTC → Unix s
//   file   the chosen File      json    JSON text → value
// Empty fields are left out (the API applies its defaults); a `required` empty field is a
// problem. Controls inside a [hidden] or disabled section are skipped, so sections shown only
// for some choices (a charging station's details) go along only when shown.
import { parseKW, parseKWh, parseKVAR, parseDegrees, parseMinutes, parseWholeNumber, parseUtc } from "./units.js";
import { showError, clearError } from "./notify.js";
import { ApiError } from "./api.js";

/** The page's own checks refused fields: `problems` = [{loc, message, label}]. */
export class FormProblems extends Error {
  constructor(problems, message = null) {
    const first = problems[0];
    super(message ?? (problems.length === 1 ? `${first.label || first.loc}: ${first.message}` : `${problems.length} fields need attention.`));
    this.name = "FormProblems";
    this.problems = problems;
  }
}

/** The visible name of a control (its label or legend, without "(required)"). */
export function fieldLabel(el) {
  let text = "";
  if (el.tagName === "FIELDSET") text = el.querySelector("legend")?.textContent ?? "";
  else if (el.labels && el.labels.length) text = el.labels[0].textContent;
  else text = el.getAttribute("aria-label") ?? el.name ?? "";
  return text.replace(/\s*\(required\)\s*$/, "").trim();
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part];
  }
  node[parts.at(-1)] = value;
}

const CONVERT = {
  int: (text, what) => parseWholeNumber(text, what),
  signed: (text, what) => parseWholeNumber(text, what, true),
  kw: (text, what) => parseKW(text, what),
  kwh: (text, what) => parseKWh(text, what),
  kvar: (text, what) => parseKVAR(text, what),
  deg: (text, what) => parseDegrees(text, what),
  min: (text, what) => parseMinutes(text, what),
  utc: (text, what) => parseUtc(text, what),
  list: (text) => text.split(/[\s,;]+/).filter(Boolean),
  json: (text, what) => {
    try {
      return JSON.parse(text);
    } catch {
      throw new RangeError(`${what}: not valid JSON.`);
    }
  },
};

function skipped(el, form) {
  if (el.disabled) return true;
  const hidden = el.closest("[hidden]");
  return hidden !== null && form.contains(hidden);
}

/** Read `form` into the API's body; throws FormProblems listing every refused field. */
export function readForm(form) {
  const body = {};
  const problems = [];
  for (const el of form.querySelectorAll("[data-loc]")) {
    if (skipped(el, form)) continue;
    const loc = el.dataset.loc;
    const kind = el.dataset.kind ?? "";
    const label = fieldLabel(el);
    const problem = (message) => problems.push({ loc, label, message });
    if (kind === "bool") {
      setPath(body, loc, el.checked);
      continue;
    }
    if (kind === "multi") {
      const values = [...el.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
      if (values.length) setPath(body, loc, values);
      else if (el.dataset.required === "true") problem("choose at least one");
      continue;
    }
    if (kind === "file") {
      const file = el.files?.[0];
      if (file) setPath(body, loc, file);
      else if (el.required) problem("choose a file");
      continue;
    }
    const text = (el.value ?? "").trim();
    if (text === "") {
      if (el.required) problem("is required");
      continue;
    }
    const convert = CONVERT[kind];
    if (!convert) {
      setPath(body, loc, text);
      continue;
    }
    try {
      setPath(body, loc, convert(text, label));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // units.js messages start with the field's name; next to the field it is implied.
      problem(error.message.startsWith(`${label}: `) ? error.message.slice(label.length + 2) : error.message);
    }
  }
  if (problems.length) throw new FormProblems(problems);
  return body;
}

/** Remove the messages shown next to fields. */
export function clearProblems(form) {
  for (const node of form.querySelectorAll(".field-error")) {
    node.textContent = "";
    node.hidden = true;
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function fieldFor(form, loc) {
  // The longest prefix of the API's location that names a field ("charging_station.connectors.0").
  const parts = String(loc ?? "").split(".");
  for (let n = parts.length; n > 0; n--) {
    const path = parts.slice(0, n).join(".");
    const el = form.querySelector(`[data-loc="${CSS.escape(path)}"]`);
    if (el) return el;
  }
  return null;
}

/** Show each problem next to its field (when the form has one); returns the problems with
 * the fields' labels filled in, for the error area. */
export function showProblems(form, problems) {
  const out = [];
  for (const p of problems) {
    const el = fieldFor(form, p.loc);
    if (el) {
      el.setAttribute("aria-invalid", "true");
      const note = document.getElementById(`${el.id}-error`);
      if (note) {
        note.textContent = note.textContent ? `${note.textContent} ${p.message}` : p.message;
        note.hidden = false;
      }
    }
    out.push({ ...p, label: p.label || (el ? fieldLabel(el) : p.loc) });
  }
  return out;
}

/** Handle `form`'s submit: clear old messages, read it, run `action(body, form)`; refused
 * fields are shown next to themselves and the error area says what happened (focused). The
 * submit button is disabled while the action runs. Returns what the action returned. */
export function submitForm(form, action, { title = "Refused", read = readForm } = {}) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await runForm(form, action, { title, read });
  });
}

export async function runForm(form, action, { title = "Refused", read = readForm } = {}) {
  clearError();
  clearProblems(form);
  const buttons = [...form.querySelectorAll("button[type=submit], button:not([type])")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    const body = await read(form);
    return await action(body, form);
  } catch (error) {
    if (error instanceof FormProblems || (error instanceof ApiError && error.problems.length)) {
      error.problems = showProblems(form, error.problems);
      showError(error, { title });
    } else {
      showError(error, { title });
    }
    return undefined;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

/** Fill a form's fields from an object in the API's shape (text fields and selects as the
 * API spells the values; `format` per data-kind turns integers back into what people type). */
export function fillForm(form, data, format = {}) {
  for (const el of form.querySelectorAll("[data-loc]")) {
    const value = el.dataset.loc.split(".").reduce((node, key) => (node == null ? undefined : node[key]), data);
    if (value === undefined) continue;
    const kind = el.dataset.kind ?? "";
    if (kind === "bool") el.checked = Boolean(value);
    else if (kind === "multi") for (const box of el.querySelectorAll("input[type=checkbox]")) box.checked = (value ?? []).includes(box.value);
    else if (kind === "file") continue;
    else el.value = value === null ? "" : format[kind] ? format[kind](value) : String(value);
  }
}

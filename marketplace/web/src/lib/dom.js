// Small DOM helpers the pages share: building elements, buttons with accessible names, the
// server's vocabularies (choices) and traffic-light badges (colour plus the word).
//
//   import { $, el, button, choiceLabel, lightBadge } from "../lib/dom.js";
//   list.append(el("li", { class: "x" }, "text", button("Remove", onClick, { label: "Remove zone Centro" })));

export const $ = (id) => document.getElementById(id);

/** An element: `attrs` are attributes (`text` sets textContent; false/null/undefined leave
 * it out); children are nodes or strings. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** A button; `label` is its accessible name when the visible text is not enough. */
export function button(text, onClick, { label = null, kind = null, id = null } = {}) {
  const node = el("button", { type: "button", class: kind ? `button-${kind}` : null, "aria-label": label, id, text });
  node.addEventListener("click", onClick);
  return node;
}

export function link(text, href, attrs = {}) {
  return el("a", { href, ...attrs, text });
}

export function code(text) {
  return el("code", { text: text ?? "" });
}

/** A <dl class="facts"> of [term, value] pairs (values: text or nodes). */
export function facts(pairs, attrs = {}) {
  return el("dl", { class: "facts", ...attrs }, ...pairs.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value ?? "")]));
}

let cachedChoices = null;
/** The server's vocabularies: {group: [[value, label], ...]} (marketplace.web.CHOICES). */
export function choices() {
  if (cachedChoices === null) {
    const node = document.getElementById("flex-choices");
    cachedChoices = node ? JSON.parse(node.textContent) : {};
  }
  return cachedChoices;
}

/** The label people read for `value` of a vocabulary ("EV_charging" → "EV charging station"). */
export function choiceLabel(group, value) {
  if (value === null || value === undefined) return "";
  const found = (choices()[group] ?? []).find(([v]) => v === String(value));
  return found ? found[1] : String(value).replaceAll("_", " ");
}

/** <option>s of a vocabulary for a <select>. */
export function options(group, { empty = null, only = null } = {}) {
  const list = (choices()[group] ?? []).filter(([v]) => !only || only.includes(v));
  return [...(empty !== null ? [el("option", { value: "", text: empty })] : []), ...list.map(([v, l]) => el("option", { value: v, text: l }))];
}

/** A traffic-light badge: the colour and the word. */
export function lightBadge(state) {
  return el("span", { class: `light light-${state}`, text: state });
}

/** A status word with its colour class (pending, approved, rejected, qualified, failed, ...). */
export function statusBadge(status, text = null) {
  return el("span", { class: `status status-${status}`, text: text ?? String(status).replaceAll("_", " ") });
}

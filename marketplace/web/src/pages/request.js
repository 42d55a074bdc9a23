// A request's page. Everyone: its terms, and after results the outcome with the session's order
// book and merit-order curve. The operator: validation (or rejection). The requesting DSO: the
// escrow from its wallet and publication, the offer count, cancellation before gate closure,
// and in a manual-pick session (Italian mode) the offers after gate closure and its pick,
// awarded on chain by its own wallet or by the operator. An FSP: qualification of its assets
// with the guarantee deposited from its wallet (long-term), bids signed in its wallet
// (EIP-712), new versions and withdrawal until gate closure; its results and payments.
import { startShell, guarded } from "../lib/shell.js";
import { api, ApiError } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { DataTable } from "../lib/table.js";
import { parseEUR } from "../lib/money.js";
import { parseKW, parseKWh, parseMinutes, parseWholeNumber, scaled } from "../lib/units.js";
import { signAndSubmitBid, nextVersion } from "../lib/bids.js";
import { sendInOrder } from "../lib/transactions.js";
import { renderOrderBook } from "../lib/orderbook.js";
import {
  FieldError, readField,
  viewer, loadCatalogue, requestWhere, offerCounts, showFieldProblems, clearFieldProblems, voidText, h, facts, link,
  formatPrice, formatAvailabilityPrice, formatKWh, formatKW, formatTime, formatSpan, formatMinutes, formatEUR,
  REQUEST_STATUS_TEXT, CATEGORY_TEXT, DIRECTION_TEXT, MODE_TEXT, PRICING_TEXT,
} from "../lib/market.js";

const $ = (id) => document.getElementById(id);
const show = (id, visible) => {
  const node = $(id);
  if (node) node.hidden = !visible;
};
const WEEKDAY = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const CANCELLABLE = new Set(["submitted", "validated", "published"]);

const { config, wallet } = await startShell();
const me = viewer();
const requestId = Number($("r-root").dataset.requestId);

let catalogue;
let request;
let session;
let product;
let units = new Map();
let ownBids = [];
let editing = null;
const tables = {};

const isOwnDso = () => me.role === "dso" && request.dso_id === me.participantId;
const isOperator = () => me.role === "market_operator";
const isFsp = () => me.role === "fsp";
const availability = () => request.category === "lt_availability";
const longTerm = () => session.horizon === "long_term";

async function ensureWallet() {
  if (!wallet.connected) await wallet.connect();
  wallet.requireChain();
}

function money(text, what) {
  let units;
  try {
    units = parseEUR(text);
  } catch (error) {
    throw new RangeError(`${what}: ${error.message}`);
  }
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what}: the amount is too large.`);
  return Number(units);
}

function table(key, container, options) {
  tables[key] ??= new DataTable(container, options);
  return tables[key];
}

// ------------------------------------------------------------------ loading
async function loadRequest() {
  request = await api.get(`/requests/${requestId}`);
  session = await api.get(`/sessions/${request.session_id}`);
  product = catalogue.products.get(request.product_id) ?? null;
}

// ------------------------------------------------------------------ summary
function windowText(w) {
  if (!w) return "";
  const days = String(w.days).split("").map((d) => WEEKDAY[Number(d)]).join(", ");
  const period = (s) => `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
  const holidays = w.bank_holidays?.length ? `; bank holidays ${w.bank_holidays.join(", ")}` : "";
  return `${w.start_date} to ${w.end_date}, ${days}, ${period(w.start_period_s)}–${period(w.end_period_s)} (${w.timezone}); bank holidays ${w.bank_holidays_included ? "included" : "excluded"}${holidays}`;
}

function renderSummary() {
  const status = REQUEST_STATUS_TEXT[request.status] ?? request.status;
  $("r-status").textContent = `Status: ${status}${request.status_reason ? ` — ${request.status_reason}` : ""}.`;
  $("r-status").dataset.status = request.status;
  const market = catalogue.markets.get(session.market_id);
  $("r-facts").replaceChildren(facts([
    ["Product", `${request.product_code} (${CATEGORY_TEXT[request.category] ?? request.category})`],
    ["Direction", DIRECTION_TEXT[request.direction] ?? request.direction],
    ["Where", requestWhere(catalogue, request)],
    ["Market and session", `${market?.name ?? "market " + session.market_id}, session ${session.code}`],
    ["Mode", `${MODE_TEXT[session.mode] ?? session.mode}, ${PRICING_TEXT[session.pricing] ?? session.pricing}`],
    ["Gate", `opens ${formatTime(session.gate_open_at)}, closes ${formatTime(request.gate_close_at)}`],
    ["Delivery", formatSpan(request.delivery_start, request.delivery_end)],
    ["Energy requested", formatKWh(request.total_wh), "r-total"],
    ["Required capacity", request.required_power_w ? formatKW(request.required_power_w) : ""],
    ["Minimum power to bid", request.min_bid_power_w ? formatKW(request.min_bid_power_w) : ""],
    ["Maximum activation price (cap)", formatPrice(request.price_cap_per_mwh), "r-cap"],
    ["Minimum activation price", formatPrice(request.min_activation_price_per_mwh)],
    ["Maximum reservation price", formatAvailabilityPrice(request.availability_price_cap_per_mw_h)],
    ["Service window", windowText(request.service_window)],
    ["Estimated activation hours", request.estimated_activation_hours ?? ""],
    ["Readiness period", product ? formatMinutes(product.preparation_s) : ""],
    ["Minimal lead time", request.minimal_lead_time_s !== null ? formatMinutes(request.minimal_lead_time_s) : ""],
    ["Commitment mandatory", request.commitment_mandatory ? "yes" : "no"],
    ["Follows long-term request", request.lt_request_id ? link(`/requests/${request.lt_request_id}`, `Request ${request.lt_request_id}`) : ""],
    ["Additional information", request.additional_info ?? ""],
    ["Entered", `${formatTime(request.created_at)} (${request.source})`],
    ["Published", request.published_at ? formatTime(request.published_at) : ""],
  ], { id: "r-facts-list" }));

  table("intervals", $("r-intervals"), {
    id: "request-intervals",
    caption: "Quarter-hours of the request",
    rowKey: (row) => row.start,
    columns: [
      { key: "start", label: "Quarter-hour", format: (v) => formatSpan(v, v + 900) },
      { key: "quantity_wh", label: "Energy", format: (v) => formatKWh(v) },
    ],
  }).setRows(request.intervals);

  const docs = request.documents ?? [];
  $("r-documents").replaceChildren(...(docs.length ? [
    h("h3", { text: "Documents" }),
    h("ul", {}, ...docs.map((d) => h("li", {}, link(`/api/v1/requests/${request.id}/documents/${d.id}`, d.filename),
      ` (${d.media_type}, ${d.size_bytes} bytes)`))),
  ] : []));

  table("legs", $("r-legs"), {
    id: "request-legs",
    caption: "On-chain requests (one per leg)",
    rowKey: (leg) => leg.leg,
    columns: [
      { key: "leg", label: "Leg" },
      { key: "status", label: "Status" },
      { key: "onchain_id", label: "On-chain id" },
      { key: "escrow", label: "Escrow", format: (v) => formatEUR(BigInt(v)) },
      { key: "awarded_wh", label: "Awarded", format: (v) => (v === null ? "" : formatKWh(v)) },
      { key: "agreed", label: "Agreed", format: (v) => (v === null ? "" : formatEUR(BigInt(v))) },
      { key: "refund", label: "Refunded", format: (v) => (v === null ? "" : formatEUR(BigInt(v))) },
      { key: "book_root", label: "Book root", hidden: true },
    ],
  }).setRows(request.legs);
}

// ------------------------------------------------------------------ operator: validation
function renderOperator() {
  show("r-operator", isOperator() && (request.status === "submitted" || request.status === "validated"));
  const validate = $("r-validate");
  if (validate) validate.hidden = request.status !== "submitted";
}

$("r-validate")?.addEventListener("click", () =>
  guarded(async () => {
    await api.post(`/requests/${requestId}/validate`);
    notify(`Request ${requestId} validated: the DSO's wallet escrows it next.`, { kind: "success" });
    await refresh();
  }, { title: "Request not validated" }));

$("r-reject-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const form = event.target;
    clearFieldProblems(form);
    const reason = $("r-reject-reason").value.trim();
    if (!reason) {
      $("r-reject-reason-error").textContent = "Give the reason the DSO will read.";
      $("r-reject-reason-error").hidden = false;
      throw new RangeError("A rejection needs a reason.");
    }
    await api.post(`/requests/${requestId}/reject`, { json: { reason } });
    notify(`Request ${requestId} rejected.`);
    await refresh();
  }, { title: "Request not rejected" });
});

// ------------------------------------------------------------------ cancellation
function renderCancel() {
  const allowed = (isOwnDso() || isOperator()) && CANCELLABLE.has(request.status);
  show("r-cancel", allowed);
  if (allowed) {
    show("r-cancel-button", true);
    show("r-cancel-confirm", false);
    show("r-cancel-keep", false);
  }
}

$("r-cancel-button")?.addEventListener("click", () => {
  show("r-cancel-button", false);
  show("r-cancel-confirm", true);
  show("r-cancel-keep", true);
  $("r-cancel-confirm").focus();
});
$("r-cancel-keep")?.addEventListener("click", () => {
  renderCancel();
  $("r-cancel-button").focus();
});
$("r-cancel-confirm")?.addEventListener("click", () =>
  guarded(async () => {
    await api.post(`/requests/${requestId}/cancel`);
    notify(`Request ${requestId} cancelled; any escrow is credited back.`, { kind: "success" });
    await refresh();
  }, { title: "Request not cancelled" }));

// ------------------------------------------------------------------ DSO: escrow and publication
function renderEscrow() {
  show("r-escrow", isOwnDso() && request.status === "validated");
  if (isOwnDso() && request.status === "validated") {
    const total = request.legs.reduce((sum, leg) => sum + BigInt(leg.escrow), 0n);
    $("r-escrow-facts").replaceChildren(facts([
      ["Escrow (maximum payment)", formatEUR(total), "r-escrow-total"],
      ["Transactions", `token approval, then ${request.legs.length} × createRequest`],
    ]));
  }
}

$("r-escrow-button")?.addEventListener("click", () =>
  guarded(async () => {
    await ensureWallet();
    $("r-escrow-button").disabled = true;
    try {
      const escrow = await api.get(`/requests/${requestId}/escrow`, { wallet: wallet.account });
      await sendInOrder(wallet, escrow.transactions, {
        list: $("r-escrow-steps"),
        afterEach: async (tx, hash) => {
          if (tx.purpose.startsWith("create")) await api.post(`/requests/${requestId}/publish`, { json: { tx_hash: hash } });
        },
      });
      notify(`Request ${requestId} escrowed and published.`, { kind: "success" });
      await refresh();
    } finally {
      $("r-escrow-button").disabled = false;
    }
  }, { title: "Escrow not completed" }));

// ------------------------------------------------------------------ DSO: offers and the pick
let offers = [];

function pickTotals() {
  const chosen = offers.filter((o) => $(`r-pick-${o.id}`)?.checked);
  const wh = chosen.reduce((sum, o) => sum + o.quantity_wh, 0);
  const amount = chosen.reduce((sum, o) => sum + (BigInt(o.price_per_mwh) * BigInt(o.quantity_wh)) / 1_000_000n, 0n);
  $("r-pick-total").textContent = `Selected ${chosen.length} offer(s): ${formatKWh(wh)} of ${formatKWh(request.total_wh)} requested, ${formatEUR(amount)} at their prices.`;
  return chosen;
}

function unitName(id) {
  return units.get(id)?.name ?? `bidding unit ${id}`;
}

async function renderOffers() {
  const own = isOwnDso();
  show("r-offers", own && ["published", "closed"].includes(request.status));
  if (!own) return;
  const form = $("r-pick-form");
  form.hidden = true;
  if (request.status === "published") {
    const counts = await guarded(() => offerCounts({ request_id: requestId }), { title: "Offer count not read" });
    const count = counts?.get(requestId);
    $("r-offer-count").textContent = count
      ? `${count.offers} offer${count.offers === 1 ? "" : "s"} received so far${count.void ? ` (and ${count.void} void)` : ""}. Offers stay private until gate closure at ${formatTime(request.gate_close_at)}.`
      : "No offer yet.";
    return;
  }
  if (session.mode !== "manual_pick") {
    $("r-offer-count").textContent = "The gate has closed: the clearing engine selects the offers; results follow.";
    return;
  }
  offers = (await api.all("/bids", { request_id: requestId })).sort((a, b) => a.price_per_mwh - b.price_per_mwh || a.id - b.id);
  $("r-offer-count").textContent = `${offers.length} valid offer${offers.length === 1 ? "" : "s"} to pick from (cheapest first).`;
  form.hidden = false;
  table("offers", $("r-offers-table"), {
    id: "request-offers",
    caption: "Offers after gate closure",
    emptyText: "No valid offer.",
    rowKey: (o) => o.id,
    columns: [
      {
        key: "pick", label: "Pick",
        render: (o) => {
          const box = h("input", { type: "checkbox", id: `r-pick-${o.id}`, name: "bid_ids", value: String(o.id) });
          box.addEventListener("change", pickTotals);
          return h("span", { class: "choice" }, box, h("label", { for: `r-pick-${o.id}`, text: `Offer ${o.id}` }));
        },
      },
      { key: "bidding_unit_id", label: "Bidding unit", format: (v) => unitName(v) },
      { key: "quantity_wh", label: "Energy", format: (v) => formatKWh(v) },
      { key: "price_per_mwh", label: "Price", format: (v) => formatPrice(v) },
      { key: "amount", label: "Amount", format: (_, o) => formatEUR((BigInt(o.price_per_mwh) * BigInt(o.quantity_wh)) / 1_000_000n) },
      { key: "divisible", label: "Divisible", format: (v, o) => (v ? `yes, from ${formatKWh(o.min_quantity_wh)}` : "no") },
      { key: "intervals", label: "Quarter-hours", format: (v) => v.map((i) => `${formatTime(i.start).slice(11, 16)} ${formatKWh(i.quantity_wh)}`).join(", ") },
      { key: "submitted_at", label: "Submitted", hidden: true, format: (v) => formatTime(v) },
    ],
  }).setRows(offers);
  pickTotals();
  renderOrderBook($("r-offers-chart"), {
    idPrefix: "offers",
    caption: "Offers",
    offers: offers.map((o) => ({ id: o.id, label: `Offer ${o.id} (${unitName(o.bidding_unit_id)})`, priceBase: o.price_per_mwh, quantityWh: o.quantity_wh, acceptedWh: 0 })),
    demandWh: request.total_wh,
    capBase: request.price_cap_per_mwh,
  });
}

$("r-pick-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const chosen = pickTotals();
    if (!chosen.length) throw new RangeError("Select at least one offer to award.");
    const by = $("r-pick-by").value;
    if (by === "wallet") await ensureWallet();
    $("r-pick-button").disabled = true;
    try {
      const picked = await api.post(`/requests/${requestId}/pick`, { json: { bid_ids: chosen.map((o) => o.id), by } });
      if (by === "wallet") {
        await sendInOrder(wallet, picked.transactions, {
          list: $("r-pick-steps"),
          afterEach: (tx, hash) => api.post(`/requests/${requestId}/awarded`, { json: { tx_hash: hash } }),
        });
      }
      notify(`Offer${chosen.length === 1 ? "" : "s"} ${chosen.map((o) => o.id).join(", ")} awarded.`, { kind: "success" });
      await refresh();
    } finally {
      $("r-pick-button").disabled = false;
    }
  }, { title: "Offers not awarded" });
});

// ------------------------------------------------------------------ qualification (long-term)
async function renderQualify() {
  const visible = isFsp() && longTerm() && ["published", "closed", "awarded"].includes(request.status);
  show("r-qualify", visible);
  if (!visible) return;
  $("r-qualify-form").hidden = request.status !== "published";
  const [assets, prequalifications, mine] = await Promise.all([
    api.all("/assets"), api.all("/prequalifications"), api.all("/qualifications", { request_id: requestId }),
  ]);
  const qualified = new Map();
  for (const p of prequalifications) {
    if (p.status === "qualified" && p.product === request.category && p.direction === request.direction) {
      qualified.set(p.asset_id, Math.max(qualified.get(p.asset_id) ?? 0, p.qualified_power_w ?? 0));
    }
  }
  const options = assets.filter((a) => qualified.has(a.id));
  $("r-q-asset").replaceChildren(h("option", { value: "", text: options.length ? "Choose an asset" : "No asset prequalified for this product" }),
    ...options.map((a) => h("option", { value: String(a.id), text: `${a.name} (${a.metering_point_id}), prequalified ${formatKW(qualified.get(a.id))}` })));
  const names = new Map(assets.map((a) => [a.id, a.name]));
  table("qualifications", $("r-qualifications-table"), {
    id: "request-own-qualifications",
    caption: "Your qualifications for this request",
    emptyText: "No qualification yet.",
    rowKey: (q) => q.id,
    columns: [
      { key: "asset_id", label: "Asset", format: (v) => names.get(v) ?? `asset ${v}` },
      { key: "qualified_power_w", label: "Qualified power", format: (v) => formatKW(v) },
      { key: "guarantee", label: "Guarantee", format: (v) => formatEUR(BigInt(v)) },
      { key: "status", label: "Status" },
      { key: "dso_decision", label: "DSO", format: (v, q) => (v ? `${v}${q.dso_reason ? `: ${q.dso_reason}` : ""}` : "pending") },
      { key: "operator_decision", label: "Operator", format: (v, q) => (v ? `${v}${q.operator_reason ? `: ${q.operator_reason}` : ""}` : "pending") },
    ],
  }).setRows(mine);
}

$("r-qualify-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  guarded(async () => {
    clearFieldProblems(form);
    const assetId = Number($("r-q-asset").value);
    if (!assetId) throw new RangeError("Choose the asset to qualify.");
    const body = { asset_id: assetId, qualified_power_w: parseKW($("r-q-power").value, "Qualified power") };
    if ($("r-q-note").value.trim()) body.note = $("r-q-note").value.trim();
    await ensureWallet();
    let qualification;
    try {
      qualification = await api.post(`/requests/${requestId}/qualifications`, { json: body });
    } catch (error) {
      showFieldProblems(form, error);
      throw error;
    }
    if (qualification.deposit_transactions.length) {
      await sendInOrder(wallet, qualification.deposit_transactions, { list: $("r-qualify-steps") });
    }
    notify(`Qualification requested: guarantee ${formatEUR(BigInt(qualification.guarantee))}.`, { kind: "success" });
    await renderQualify();
  }, { title: "Qualification not requested" });
});

// DSO (technical check) and operator (guarantee) reviews of the request's qualifications.
async function renderReviews() {
  const visible = (isOwnDso() || isOperator()) && longTerm() && !["submitted", "validated", "rejected"].includes(request.status);
  show("r-reviews", visible);
  if (!visible) return;
  const rows = await api.all("/qualifications", { request_id: requestId });
  const mine = isOperator() ? "operator_decision" : "dso_decision";
  table("reviews", $("r-reviews-table"), {
    id: "request-qualification-reviews",
    caption: "Qualifications of this request",
    emptyText: "No qualification requested yet.",
    rowKey: (q) => q.id,
    columns: [
      { key: "id", label: "Qualification" },
      { key: "asset_id", label: "Asset" },
      { key: "fsp_id", label: "FSP" },
      { key: "qualified_power_w", label: "Qualified power", format: (v) => formatKW(v) },
      { key: "guarantee", label: "Guarantee", format: (v) => formatEUR(BigInt(v)) },
      { key: "status", label: "Status" },
      { key: "dso_decision", label: "DSO", format: (v) => v ?? "pending" },
      { key: "operator_decision", label: "Operator", format: (v) => v ?? "pending" },
      {
        key: "review", label: "Your review",
        render: (q) => {
          if (q[mine] || q.status !== "pending") return document.createTextNode(q[mine] ?? "");
          const accept = h("button", { type: "button", text: "Accept", "aria-label": `Accept qualification ${q.id}` });
          const reject = h("button", { type: "button", text: "Reject", "aria-label": `Reject qualification ${q.id}` });
          accept.addEventListener("click", () => review(q.id, "accepted"));
          reject.addEventListener("click", () => review(q.id, "rejected"));
          return h("span", { class: "actions" }, accept, reject);
        },
      },
    ],
  }).setRows(rows);
}

function review(id, decision) {
  return guarded(async () => {
    const reason = $("r-review-reason").value.trim();
    if (decision === "rejected" && !reason) throw new RangeError("Give a reason for the rejection first.");
    const path = isOperator() ? "operator-review" : "dso-review";
    await api.post(`/qualifications/${id}/${path}`, { json: reason ? { decision, reason } : { decision } });
    notify(`Qualification ${id} ${decision}.`, { kind: "success" });
    await renderReviews();
  }, { title: "Review not recorded" });
}

// ------------------------------------------------------------------ FSP: bids
function bidIntervals(quantities) {
  const rows = request.intervals.map((i) => {
    const id = `r-bid-q-${i.start}`;
    const input = h("input", { id, name: "quantity", inputmode: "decimal", autocomplete: "off", size: "10", "data-start": String(i.start) });
    const wh = quantities ? quantities.get(i.start) : i.quantity_wh;
    input.value = wh === undefined || wh === null ? "" : scaled(wh, 3);
    return h("tr", {}, h("th", { scope: "row" }, h("label", { for: id, text: `${formatSpan(i.start, i.start + 900)} (requested ${formatKWh(i.quantity_wh)})` })),
      h("td", {}, input));
  });
  $("r-bid-intervals").replaceChildren(h("div", { class: "table-scroll" }, h("table", { id: "r-bid-intervals-table" },
    h("caption", { text: "Energy offered per quarter-hour (kWh; leave empty or 0 to skip one)" }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Quarter-hour (UTC)" }), h("th", { scope: "col", text: "Energy (kWh)" }))),
    h("tbody", {}, ...rows))));
}

function updateVersion() {
  const unitId = Number($("r-bid-unit").value);
  $("r-bid-version").textContent = unitId
    ? editing
      ? `Modifying bid ${editing.id} (version ${editing.version}): you sign version ${nextVersion(ownBids, unitId)} of the bid of ${unitName(unitId)}.`
      : `You sign version ${nextVersion(ownBids, unitId)} of the bid of ${unitName(unitId)}${nextVersion(ownBids, unitId) > 1 ? " (it replaces the current one)" : ""}.`
    : "";
}

function resetBidForm() {
  editing = null;
  const form = $("r-bid-form");
  clearFieldProblems(form);
  $("r-bid-price").value = "";
  $("r-bid-divisible").checked = false;
  $("r-bid-min").value = "";
  $("r-bid-capacity").value = availability() && request.required_power_w ? scaled(request.required_power_w, 3) : "";
  $("r-bid-availability-price").value = "";
  $("r-bid-rest").value = "";
  $("r-bid-consecutive").value = "";
  $("r-bid-kind").value = "st";
  $("r-bid-dca").value = "";
  show("r-bid-dca-field", false);
  show("r-bid-min-field", false);
  show("r-bid-new", false);
  bidIntervals(null);
  updateVersion();
}

let bidFormShown = false;

function renderBidForm() {
  const visible = isFsp() && request.status === "published";
  show("r-bid", visible);
  if (!visible) {
    bidFormShown = false;
    return;
  }
  const select = $("r-bid-unit");
  const current = select.value;
  const mine = [...units.values()];
  select.replaceChildren(h("option", { value: "", text: mine.length ? "Choose a bidding unit" : "You have no bidding unit" }),
    ...mine.map((u) => h("option", { value: String(u.id), text: `${u.name} (${formatKW(u.active_import_w)} import, ${formatKW(u.active_export_w)} export)` })));
  if (mine.some((u) => String(u.id) === current)) select.value = current;
  else if (mine.length === 1) select.value = String(mine[0].id);
  show("r-bid-kind-field", !longTerm());
  show("r-bid-energy", !availability());
  show("r-bid-availability", availability());
  show("r-bid-long-term", longTerm());
  $("r-bid-price-label").textContent = availability() ? "Activation price (EUR per MWh)" : "Price (EUR per MWh)";
  const step = product ? `; price step ${formatPrice(product.price_step)}` : "";
  $("r-bid-price-help").textContent = `Cap ${formatPrice(request.price_cap_per_mwh)}${request.min_activation_price_per_mwh ? `, minimum ${formatPrice(request.min_activation_price_per_mwh)}` : ""}${step}.`;
  // A reload keeps what the FSP is typing; the form starts afresh when it appears.
  if (!bidFormShown) resetBidForm();
  else updateVersion();
  bidFormShown = true;
}

function modify(bid) {
  editing = bid;
  $("r-bid-unit").value = String(bid.bidding_unit_id);
  $("r-bid-kind").value = bid.kind === "dca" ? "dca" : "st";
  $("r-bid-dca").value = bid.dca_code ?? "";
  show("r-bid-dca-field", bid.kind === "dca");
  $("r-bid-price").value = scaled(bid.price_per_mwh, 6);
  $("r-bid-divisible").checked = bid.divisible;
  show("r-bid-min-field", bid.divisible);
  $("r-bid-min").value = bid.divisible ? scaled(bid.min_quantity_wh, 3) : "";
  if (availability()) {
    const perQuarter = Math.max(...bid.intervals.map((i) => i.quantity_wh), 0);
    $("r-bid-capacity").value = scaled(perQuarter * 4, 3);
    $("r-bid-availability-price").value = bid.availability_price_per_mw_h === null ? "" : scaled(bid.availability_price_per_mw_h, 6);
  } else {
    bidIntervals(new Map(bid.intervals.map((i) => [i.start, i.quantity_wh])));
  }
  $("r-bid-rest").value = bid.rest_time_s === null ? "" : scaled(Math.round((bid.rest_time_s * 100) / 60), 2);
  $("r-bid-consecutive").value = bid.max_consecutive_activations ?? "";
  show("r-bid-new", true);
  updateVersion();
  $("r-bid-price").focus();
}

const field = readField;

function bidTerms() {
  const unitId = Number($("r-bid-unit").value);
  if (!unitId) throw new FieldError("r-bid-unit", "Choose the bidding unit that offers.");
  const price = field("r-bid-price", (t) => money(t, "Price"));
  if (price === null) throw new FieldError("r-bid-price", "Give your price in EUR per MWh.");
  const terms = { version: nextVersion(ownBids, unitId), bidding_unit_id: unitId, divisible: $("r-bid-divisible").checked, price_per_mwh: price };
  if (!longTerm()) {
    terms.kind = $("r-bid-kind").value;
    if (terms.kind === "dca") {
      terms.dca_code = $("r-bid-dca").value.trim();
      if (!terms.dca_code) throw new FieldError("r-bid-dca", "A DCA bid names its DCA code.");
    }
  }
  if (terms.divisible) terms.min_quantity_wh = field("r-bid-min", (t) => parseKWh(t, "Minimum quantity")) ?? 0;
  if (availability()) {
    terms.capacity_w = field("r-bid-capacity", (t) => parseKW(t, "Capacity"));
    if (!terms.capacity_w) throw new FieldError("r-bid-capacity", "Give the capacity you offer.");
    terms.availability_price_per_mw_h = field("r-bid-availability-price", (t) => money(t, "Availability price"));
    if (terms.availability_price_per_mw_h === null) throw new FieldError("r-bid-availability-price", "Give your availability price.");
  } else {
    terms.intervals = [];
    for (const input of document.querySelectorAll("#r-bid-intervals input[data-start]")) {
      const wh = field(input.id, (t) => parseKWh(t, "Energy"));
      if (wh) terms.intervals.push({ start: Number(input.dataset.start), quantity_wh: wh });
    }
    if (!terms.intervals.length) throw new FieldError("r-bid-intervals", "Offer energy in at least one quarter-hour.");
  }
  if (longTerm()) {
    const rest = field("r-bid-rest", (t) => parseMinutes(t, "Rest time"));
    if (rest !== null) terms.rest_time_s = rest;
    const consecutive = field("r-bid-consecutive", (t) => parseWholeNumber(t, "Maximum consecutive activations"));
    if (consecutive !== null) terms.max_consecutive_activations = consecutive;
  }
  return terms;
}

function showBidProblem(error) {
  const form = $("r-bid-form");
  clearFieldProblems(form);
  const slot = $(`${error.field}-error`) ?? (error.field.startsWith("r-bid-q-") ? $("r-bid-intervals-error") : null);
  if (slot) {
    slot.textContent = error.message;
    slot.hidden = false;
  }
  $(error.field)?.setAttribute("aria-invalid", "true");
}

$("r-bid-unit")?.addEventListener("change", () => {
  if (editing && Number($("r-bid-unit").value) !== editing.bidding_unit_id) {
    editing = null;
    show("r-bid-new", false);
  }
  updateVersion();
});
$("r-bid-kind")?.addEventListener("change", () => show("r-bid-dca-field", $("r-bid-kind").value === "dca"));
$("r-bid-divisible")?.addEventListener("change", () => show("r-bid-min-field", $("r-bid-divisible").checked));
$("r-bid-new")?.addEventListener("click", () => {
  resetBidForm();
  $("r-bid-unit").focus();
});

$("r-bid-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  guarded(async () => {
    clearFieldProblems(form);
    let terms;
    try {
      terms = bidTerms();
    } catch (error) {
      if (error instanceof FieldError) showBidProblem(error);
      throw error;
    }
    await ensureWallet();
    $("r-bid-submit").disabled = true;
    $("r-bid-result").textContent = "Waiting for your wallet's signature…";
    let bid;
    try {
      bid = await signAndSubmitBid({ wallet, config, requestId, terms });
    } catch (error) {
      $("r-bid-result").textContent = "";
      if (error instanceof ApiError) showFieldProblems(form, error);
      throw error;
    } finally {
      $("r-bid-submit").disabled = false;
    }
    const replaced = editing ? ` It replaces bid ${editing.id}.` : "";
    if (bid.void_reason) {
      $("r-bid-result").textContent = `Bid ${bid.id} (version ${bid.version}) was stored but is void: ${voidText(bid.void_reason, bid.void_detail)}. It takes no part in the auction; correct it and sign a new version.${replaced}`;
      notify(`Bid ${bid.id} is void: ${voidText(bid.void_reason, bid.void_detail)}.`, { kind: "error" });
    } else {
      $("r-bid-result").textContent = `Bid ${bid.id} (version ${bid.version}) signed and submitted.${replaced}`;
      notify(`Bid ${bid.id} signed by ${bid.signer_address} and submitted.`, { kind: "success" });
    }
    editing = null;
    await renderOwnBids();
    resetBidForm();
  }, { title: "Bid not submitted" });
});

function withdraw(bid) {
  return guarded(async () => {
    await api.post(`/bids/${bid.id}/withdraw`);
    notify(`Bid ${bid.id} withdrawn.`, { kind: "success" });
    if (editing?.id === bid.id) resetBidForm();
    await renderOwnBids();
  }, { title: "Bid not withdrawn" });
}

async function renderOwnBids() {
  const visible = isFsp() && request.status !== "submitted" && request.status !== "validated";
  show("r-my-bids", visible);
  if (!visible) return;
  ownBids = await api.all("/bids", { request_id: requestId });
  table("own-bids", $("r-my-bids-table"), {
    id: "request-own-bids",
    caption: "Your bids on this request (every version)",
    emptyText: "You have not bid on this request.",
    rowKey: (b) => b.id,
    columns: [
      { key: "id", label: "Bid" },
      { key: "bidding_unit_id", label: "Bidding unit", format: (v) => unitName(v) },
      { key: "version", label: "Version" },
      { key: "status", label: "Status" },
      { key: "quantity_wh", label: "Energy", format: (v) => formatKWh(v) },
      { key: "price_per_mwh", label: "Price", format: (v) => formatPrice(v) },
      { key: "availability_price_per_mw_h", label: "Availability price", hidden: !availability(), format: (v) => formatAvailabilityPrice(v) },
      { key: "void_reason", label: "Void", format: (v, b) => voidText(v, b.void_detail) },
      { key: "outcome", label: "Outcome", format: (v, b) => (v ? `${v}${b.accepted_wh ? `, ${formatKWh(b.accepted_wh)}` : ""}${b.outcome_reason ? ` (${voidText(b.outcome_reason, b.outcome_detail)})` : ""}` : "") },
      { key: "submitted_at", label: "Submitted", hidden: true, format: (v) => formatTime(v) },
      { key: "signer_address", label: "Signed by", hidden: true },
      {
        key: "actions", label: "Actions",
        render: (b) => {
          if (request.status !== "published" || b.status !== "active") return document.createTextNode(""); // until gate closure
          const change = h("button", { type: "button", text: "Modify", "aria-label": `Modify bid ${b.id}` });
          const remove = h("button", { type: "button", text: "Withdraw", "aria-label": `Withdraw bid ${b.id}` });
          change.addEventListener("click", () => modify(b));
          remove.addEventListener("click", () => withdraw(b));
          return h("span", { class: "actions" }, change, remove);
        },
      },
    ],
  }).setRows(ownBids);
  updateVersion();
}

// ------------------------------------------------------------------ results
async function renderResults() {
  const visible = request.status === "awarded";
  show("r-results", visible);
  if (!visible) return;
  const results = await api.get(`/sessions/${request.session_id}/results`);
  const aggregate = results.summary.requests?.find((r) => r.request_id === requestId);
  $("r-results-summary").replaceChildren(aggregate ? facts([
    ["Requested", formatKWh(aggregate.requested_wh)],
    ["Awarded", formatKWh(aggregate.awarded_wh), "r-awarded"],
    ["Valid offers", String(aggregate.bids)],
    ["Winners", String(aggregate.winners), "r-winners"],
    ["Average price", aggregate.average_price_per_mwh === null ? ""
      : availability() ? formatAvailabilityPrice(aggregate.average_price_per_mwh) : formatPrice(aggregate.average_price_per_mwh)],
    ["Average activation price", aggregate.average_activation_price_per_mwh ? formatPrice(aggregate.average_activation_price_per_mwh) : ""],
    ["Agreed amount", formatEUR(BigInt(aggregate.agreed))],
  ], { id: "r-results-facts" }) : h("p", { text: "No aggregate for this request." }));
  const rows = results.items.filter((i) => i.request_id === requestId && i.bid_id !== undefined);
  const perBid = rows.length > 0;
  show("r-results-table", perBid);
  show("r-charts-title", perBid);
  show("r-results-charts", perBid);
  if (!perBid) return;
  table("results", $("r-results-table"), {
    id: "request-results",
    caption: isFsp() ? "Your bids' results" : isOwnDso() ? "Matched offers" : "Every bid's result",
    rowKey: (r) => r.bid_id,
    columns: [
      { key: "bid_id", label: "Bid" },
      { key: "bidding_unit", label: "Bidding unit" },
      { key: "agent", label: "Market agent" },
      { key: "outcome", label: "Outcome", filter: "select" },
      { key: "reason", label: "Reason", format: (v, r) => voidText(v, r.detail) },
      { key: "quantity_wh", label: "Offered", format: (v) => formatKWh(v) },
      { key: "allocated_wh", label: "Allocated", format: (v) => formatKWh(v) },
      { key: "bid_price_per_mwh", label: "Bid price", format: (v) => formatPrice(v) },
      { key: "price_per_mwh", label: "Price paid", format: (v) => formatPrice(v) },
      { key: "availability_price_per_mw_h", label: "Availability price", hidden: !availability(), format: (v) => formatAvailabilityPrice(v) },
    ],
  }).setRows(rows);
  const priceOf = (r) => (availability() ? r.bid_availability_price_per_mw_h ?? r.bid_price_per_mwh : r.bid_price_per_mwh);
  renderOrderBook($("r-results-charts"), {
    idPrefix: "results",
    caption: `Session ${session.code}`,
    offers: rows.map((r) => ({ id: r.bid_id, label: `Bid ${r.bid_id} (${r.bidding_unit ?? r.bidding_unit_id})`, priceBase: priceOf(r), quantityWh: r.quantity_wh, acceptedWh: r.allocated_wh })),
    demandWh: request.total_wh,
    capBase: availability() ? request.availability_price_cap_per_mw_h : request.price_cap_per_mwh,
    priceUnit: availability() ? "per MW and hour" : "per MWh",
  });
}

async function renderAgreements() {
  const visible = request.status === "awarded" && (isFsp() || isOwnDso() || isOperator());
  show("r-agreements", visible);
  if (!visible) return;
  const rows = await api.all("/agreements", { request_id: requestId });
  table("agreements", $("r-agreements-table"), {
    id: "request-agreements",
    caption: isFsp() ? "Your agreements" : "Agreements of this request",
    emptyText: "No agreement.",
    rowKey: (a) => a.id,
    columns: [
      { key: "agreement_id", label: "Agreement", render: (a) => h("code", { title: a.agreement_id, text: `${a.agreement_id.slice(0, 10)}…` }) },
      { key: "kind", label: "Kind" },
      { key: "bidding_unit_id", label: "Bidding unit", format: (v) => unitName(v) },
      { key: "quantity_wh", label: "Ordered", format: (v) => formatKWh(v) },
      { key: "price_per_mwh", label: "Price", format: (v) => formatPrice(v) },
      { key: "amount", label: "Amount", format: (v) => formatEUR(BigInt(v)) },
      { key: "status", label: "Status" },
      { key: "delivered_wh", label: "Delivered", format: (v) => (v === null ? "not attested yet" : formatKWh(v)) },
      { key: "payment", label: "Payment", format: (v) => (v === null ? "" : formatEUR(BigInt(v))) },
      { key: "penalty", label: "Penalty", format: (v) => (v === null ? "" : formatEUR(BigInt(v))) },
      { key: "refund", label: "Refund to the DSO", hidden: isFsp(), format: (v) => (v === null ? "" : formatEUR(BigInt(v))) },
    ],
  }).setRows(rows);
}

// ------------------------------------------------------------------ everything
async function loadUnits() {
  if (!["fsp", "dso", "market_operator"].includes(me.role)) return;
  const rows = await guarded(() => api.all("/bidding-units"), { title: "Bidding units not read" }) ?? [];
  units = new Map(rows.map((u) => [u.id, u]));
}

async function refresh() {
  document.body.dataset.refreshing = "true";
  try {
    await refreshAll();
  } finally {
    delete document.body.dataset.refreshing;
  }
}

async function refreshAll() {
  await loadRequest();
  renderSummary();
  renderOperator();
  renderCancel();
  renderEscrow();
  await renderOffers();
  await renderQualify();
  await renderReviews();
  await renderOwnBids();
  renderBidForm();
  await renderResults();
  await renderAgreements();
  document.body.dataset.requestStatus = request.status;
}

$("r-reload").addEventListener("click", () => guarded(refresh, { title: "Request not reloaded" }));

function notFound() {
  $("r-status").textContent = `There is no request ${requestId} here: it does not exist, or it is not published yet and not yours${me.signedIn ? "" : " (sign in to see your own)"}.`;
  $("r-status").dataset.status = "not-found";
  for (const id of ["r-intervals-details", "r-legs-details"]) show(id, false);
}

await guarded(async () => {
  catalogue = await loadCatalogue({ elements: me.signedIn });
  await loadUnits();
  try {
    await refresh();
  } catch (error) {
    if (!request && error instanceof ApiError && error.status === 404) notFound();
    else throw error;
  }
}, { title: "Request not loaded" });

// While others act (the operator validates, the gate closes, the pick is awarded), follow the
// request's status without a reload; forms being filled in are left alone otherwise.
setInterval(async () => {
  if (!request || ["awarded", "rejected", "cancelled", "expired"].includes(request.status)) return;
  try {
    const latest = await api.get(`/requests/${requestId}`);
    if (latest.status !== request.status) await refresh();
  } catch {
    // the next round tries again; a lasting problem shows on the next action
  }
}, 4000);

document.body.dataset.pageReady = "true";

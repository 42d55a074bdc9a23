// A session's order book and merit-order curve, as charts (uPlot, lib/chart.js) and as a
// table of the same data (the canvas is not readable by screen readers or keyboard).
//
//   renderOrderBook(container, {
//     idPrefix: "results",
//     offers: [{ id, label, priceBase, quantityWh, acceptedWh }],   // price: base units per MWh
//     demandWh, capBase,                                           // the request(s)
//     priceUnit: "per MWh",                                        // or "per MW and hour" (availability)
//   });
//
// The order book is the offered (and accepted) energy per price level; the merit-order curve
// stacks the offers from the cheapest up (cumulative kWh on x, price on y) against the demand:
// the price cap up to the requested energy. Exact values come from lib/money.js and
// lib/units.js; the charts plot floats.
import { xyChart } from "./chart.js";
import { DataTable } from "./table.js";
import { formatEUR } from "./money.js";
import { formatKWh } from "./units.js";

const eurPerMWh = (base) => Number(BigInt(base)) / 1e6;
const kwh = (wh) => wh / 1000;

/** Offered and accepted energy per price level, cheapest first. */
export function priceLevels(offers) {
  const levels = new Map();
  for (const offer of offers) {
    const key = BigInt(offer.priceBase).toString();
    const level = levels.get(key) ?? { priceBase: BigInt(offer.priceBase), offeredWh: 0, acceptedWh: 0, offers: 0 };
    level.offeredWh += offer.quantityWh;
    level.acceptedWh += offer.acceptedWh ?? 0;
    level.offers += 1;
    levels.set(key, level);
  }
  return [...levels.values()].sort((a, b) => (a.priceBase < b.priceBase ? -1 : a.priceBase > b.priceBase ? 1 : 0));
}

/** The offers stacked cheapest first: [{offer, fromWh, toWh}] (ties keep their order). */
export function meritOrder(offers) {
  const sorted = [...offers].sort((a, b) => {
    const pa = BigInt(a.priceBase);
    const pb = BigInt(b.priceBase);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  let total = 0;
  return sorted.map((offer) => {
    const step = { offer, fromWh: total, toWh: total + offer.quantityWh };
    total = step.toWh;
    return step;
  });
}

/** uPlot data of the merit-order curve: x (kWh), supply, accepted and demand series. */
export function meritOrderSeries(offers, demandWh, capBase) {
  const steps = meritOrder(offers);
  const xs = new Set([0, ...steps.map((s) => s.toWh)]);
  if (demandWh) xs.add(demandWh);
  const x = [...xs].sort((a, b) => a - b);
  const stepAt = (wh) => steps.find((s) => s.fromWh <= wh && wh < s.toWh) ?? null;
  const last = steps.at(-1);
  const supply = x.map((wh) => {
    const step = stepAt(wh) ?? (last && wh === last.toWh ? last : null);
    return step ? eurPerMWh(step.offer.priceBase) : null;
  });
  const accepted = x.map((wh) => {
    const step = stepAt(wh) ?? (last && wh === last.toWh ? last : null);
    return step && step.offer.acceptedWh > 0 ? eurPerMWh(step.offer.priceBase) : null;
  });
  const demand = x.map((wh) => {
    if (!demandWh || capBase === null || capBase === undefined) return null;
    if (wh < demandWh) return eurPerMWh(capBase);
    return wh === demandWh ? 0 : null;
  });
  return { x: x.map(kwh), supply, accepted, demand };
}

function chartBox(container, id, label) {
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  const box = document.createElement("div");
  box.id = id;
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", label);
  const caption = document.createElement("figcaption");
  caption.textContent = label;
  figure.append(box, caption);
  container.append(figure);
  return box;
}

/** Both charts and the table, into ``container`` (replacing what it held). */
export function renderOrderBook(container, { idPrefix, offers, demandWh = 0, capBase = null, caption = "Offers", priceUnit = "per MWh" }) {
  container.replaceChildren();
  if (!offers.length) {
    const p = document.createElement("p");
    p.textContent = "No offers to chart.";
    container.append(p);
    return { charts: [] };
  }
  const levels = priceLevels(offers);
  const accepted = offers.reduce((sum, o) => sum + (o.acceptedWh ?? 0), 0);
  const offered = offers.reduce((sum, o) => sum + o.quantityWh, 0);
  const bookBox = chartBox(
    container,
    `${idPrefix}-orderbook-chart`,
    `Order book: ${formatKWh(offered)} offered at ${levels.length} price level(s), ${formatKWh(accepted)} accepted.`,
  );
  const book = xyChart(bookBox, {
    x: levels.map((l) => eurPerMWh(l.priceBase)),
    xLabel: `Price (EUR ${priceUnit})`,
    yLabel: "Energy (kWh)",
    padX: true,
    series: [
      { label: "Offered (kWh)", values: levels.map((l) => kwh(l.offeredWh)), color: "#5b6b7b", kind: "bars" },
      { label: "Accepted (kWh)", values: levels.map((l) => kwh(l.acceptedWh)), color: "#146c2e", kind: "bars" },
    ],
  });
  const series = meritOrderSeries(offers, demandWh, capBase);
  const curveBox = chartBox(
    container,
    `${idPrefix}-merit-chart`,
    `Merit-order curve: offers stacked from the cheapest, against the demand of ${formatKWh(demandWh)}` +
      (capBase !== null && capBase !== undefined ? ` at a cap of ${formatEUR(BigInt(capBase))} ${priceUnit}.` : "."),
  );
  const curve = xyChart(curveBox, {
    x: series.x,
    xLabel: "Cumulative energy (kWh)",
    yLabel: `Price (EUR ${priceUnit})`,
    series: [
      { label: "Offers (merit order)", values: series.supply, color: "#0b57d0", kind: "step" },
      { label: "Accepted", values: series.accepted, color: "#146c2e", kind: "step" },
      { label: "Demand (price cap)", values: series.demand, color: "#b3261e", kind: "step", dash: [8, 4] },
    ],
  });
  const tableBox = document.createElement("div");
  container.append(tableBox);
  const table = new DataTable(tableBox, {
    id: `${idPrefix}-merit-table`,
    caption: `${caption}: merit order (the data of the charts)`,
    rowKey: (row) => row.offer.id,
    columns: [
      { key: "rank", label: "Rank" },
      { key: "offer", label: "Offer", format: (_, row) => row.offer.label },
      { key: "price", label: "Price", format: (_, row) => `${formatEUR(BigInt(row.offer.priceBase))} ${priceUnit}` },
      { key: "quantity", label: "Energy", format: (_, row) => formatKWh(row.offer.quantityWh) },
      { key: "cumulative", label: "Cumulative energy", format: (_, row) => formatKWh(row.toWh) },
      { key: "accepted", label: "Accepted energy", format: (_, row) => formatKWh(row.offer.acceptedWh ?? 0) },
    ],
  });
  table.setRows(meritOrder(offers).map((row, i) => ({ ...row, rank: i + 1 })));
  return { charts: [book, curve], table };
}

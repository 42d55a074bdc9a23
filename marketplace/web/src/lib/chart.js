// Time-series charts with uPlot (canvas), e.g. a transformer's day-ahead congestion forecast.
// A drag on the chart selects a time range, snapped to the 15-min market intervals; the same
// range can be typed into the two labelled fields the caller provides, for keyboard users.
//
//   const chart = forecastChart(element, {
//     times,                                   // Unix seconds, 900 s apart
//     series: [{ label: "Forecast load (kW)", values, color }],
//     limit: { label: "Transformer limit (kW)", value },
//     onSelect: ({ from, to }) => ...,        // Unix seconds, [from, to)
//     yLabel: "Power (kW)",                    // optional; default: the first series' label
//   });
//   chart.setRange(from, to);
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const INTERVAL_S = 900;

export const snapDown = (t) => Math.floor(t / INTERVAL_S) * INTERVAL_S;
export const snapUp = (t) => Math.ceil(t / INTERVAL_S) * INTERVAL_S;

/** An x-axis tick in UTC: "17:15", or "2026-06-01" at midnight. */
function utcTick(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const iso = new Date(seconds * 1000).toISOString();
  return iso.slice(11, 16) === "00:00" ? iso.slice(0, 10) : iso.slice(11, 16);
}

export function forecastChart(container, { times, series, limit = null, title = "", height = 280, onSelect = null, yLabel = null }) {
  container.classList.add("chart");
  const data = [times, ...series.map((s) => s.values)];
  const seriesOpts = [{}, ...series.map((s) => ({ label: s.label, stroke: s.color ?? "#0b57d0", width: 2, fill: s.fill }))];
  if (limit) {
    data.push(times.map(() => limit.value));
    seriesOpts.push({ label: limit.label, stroke: "#b3261e", width: 2, dash: [8, 4] });
  }
  let silent = false;
  const plot = new uPlot(
    {
      title,
      width: Math.max(container.clientWidth, 320),
      height,
      series: seriesOpts,
      scales: { x: { time: true } },
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"), // market times are UTC
      // UTC on the axis as the market writes it: 24-hour times, the date at midnight.
      axes: [{ values: (u, splits) => splits.map(utcTick) }, { label: yLabel ?? series[0]?.label ?? "" }],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (u) => {
            if (silent || u.select.width <= 0) return;
            const from = snapDown(u.posToVal(u.select.left, "x"));
            const to = snapUp(u.posToVal(u.select.left + u.select.width, "x"));
            if (to > from) onSelect?.({ from, to });
          },
        ],
      },
    },
    data,
    container,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(container.clientWidth, 320), height }));
  resize.observe(container);
  return {
    plot,
    /** Show [from, to) as the selection (e.g. typed into the form), without calling onSelect. */
    setRange(from, to) {
      const left = plot.valToPos(from, "x");
      const right = plot.valToPos(to, "x");
      silent = true;
      plot.setSelect({ left, width: Math.max(right - left, 0), top: 0, height: plot.over.clientHeight }, true);
      silent = false;
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/** A chart over a numeric x axis (not time), e.g. a merit-order curve or an order book:
 *
 *   xyChart(el, { x, xLabel, yLabel, series: [{ label, values, color, kind: "line" | "step" | "bars" }] })
 *
 * ``x`` ascending; ``values`` may hold null (no point). Steps hold each value until the next
 * x; bars are drawn centred on x. Canvas only: pair it with a table of the same data. */
export function xyChart(container, { x, series, xLabel = "", yLabel = "", title = "", height = 260, padX = false }) {
  container.classList.add("chart");
  const paths = {
    step: uPlot.paths.stepped({ align: 1 }),
    bars: uPlot.paths.bars({ size: [0.6, 48] }),
  };
  const plot = new uPlot(
    {
      title,
      width: Math.max(container.clientWidth, 320),
      height,
      scales: {
        x: {
          time: false,
          // bars at the ends (or a single bar) need room on both sides
          range: padX ? (u, min, max) => {
            const pad = max > min ? (max - min) * 0.15 : Math.max(Math.abs(max) * 0.25, 1);
            return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
          } : undefined,
        },
        y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color ?? "#0b57d0",
          width: 2,
          fill: s.kind === "bars" ? `${s.color ?? "#0b57d0"}99` : s.fill,
          dash: s.dash,
          paths: paths[s.kind] ?? undefined,
          points: { show: s.kind !== "bars" && s.kind !== "step" },
          spanGaps: false,
        })),
      ],
      axes: [{ label: xLabel }, { label: yLabel }],
      cursor: { drag: { x: false, y: false } },
    },
    [x, ...series.map((s) => s.values)],
    container,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(container.clientWidth, 320), height }));
  resize.observe(container);
  return {
    plot,
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

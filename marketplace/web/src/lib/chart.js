// Time-series charts with uPlot (canvas), e.g. a transformer's day-ahead congestion forecast.
// A drag on the chart selects a time range, snapped to the 15-min market intervals; the same
// range can be typed into the two labelled fields the caller provides, for keyboard users.
//
//   const chart = forecastChart(element, {
//     times,                                   // Unix seconds, 900 s apart
//     series: [{ label: "Forecast load (kW)", values, color }],
//     limit: { label: "Transformer limit (kW)", value },
//     onSelect: ({ from, to }) => ...,        // Unix seconds, [from, to)
//   });
//   chart.setRange(from, to);
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const INTERVAL_S = 900;

export const snapDown = (t) => Math.floor(t / INTERVAL_S) * INTERVAL_S;
export const snapUp = (t) => Math.ceil(t / INTERVAL_S) * INTERVAL_S;

export function forecastChart(container, { times, series, limit = null, title = "", height = 280, onSelect = null }) {
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
      axes: [{}, { label: series[0]?.label ?? "" }],
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

"""A picture of the merit-order curves of a clearing result, for the UI and for reports.

Each panel is one demand interval: the eligible bids as steps of price over cumulative
quantity (accepted part filled), the demand (vertical line), the cap and, under
pay-as-clear, the clearing price (horizontal lines). Axes in kWh and EUR/MWh, converted
for display only. Uses matplotlib's object API with the Agg canvas (no pyplot state).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from marketplace.clearing.result import ClearingResult, Curve

#: Most panels drawn in one picture; later intervals are left out (and the title says so).
MAX_PANELS = 6
_BASE_UNITS_PER_EUR = 1_000_000
_WH_PER_KWH = 1_000


def _panel(ax, curve: Curve) -> None:
    x = 0
    for step in curve.steps:
        left, width = x / _WH_PER_KWH, step.quantity_wh / _WH_PER_KWH
        height = step.price_per_mwh / _BASE_UNITS_PER_EUR
        taken = step.accepted_wh / _WH_PER_KWH
        ax.bar(left, height, width=width, align="edge", color="#d9d9d9", edgecolor="#7f7f7f", linewidth=0.5)
        if taken:
            ax.bar(left, height, width=taken, align="edge", color="#2b8cbe", edgecolor="#08589e", linewidth=0.5)
        x += step.quantity_wh
    ax.axvline(curve.demand_wh / _WH_PER_KWH, color="#e34a33", linestyle="--", linewidth=1, label="demand")
    ax.axhline(curve.cap_per_mwh / _BASE_UNITS_PER_EUR, color="#636363", linestyle="-.", linewidth=1, label="cap")
    if curve.clearing_price_per_mwh is not None:
        ax.axhline(
            curve.clearing_price_per_mwh / _BASE_UNITS_PER_EUR, color="#31a354", linestyle=":", linewidth=1.5, label="clearing price"
        )
    when = datetime.fromtimestamp(curve.start, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    ax.set_title(f"{curve.demand_id} · {when}", fontsize=9)
    ax.set_xlabel("cumulative quantity (kWh)", fontsize=8)
    ax.set_ylabel("price (EUR/MWh)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_xlim(0, max(x, curve.demand_wh, 1) / _WH_PER_KWH * 1.05)


def plot_result(result: ClearingResult, path: str | Path) -> None:
    """Write a PNG of the result's merit-order curves (at most ``MAX_PANELS`` panels)."""
    curves = result.merit_order[:MAX_PANELS]
    columns = min(len(curves), 2) or 1
    rows = max((len(curves) + columns - 1) // columns, 1)
    figure = Figure(figsize=(6 * columns, 3.6 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax, curve in zip(axes.flat, curves):
        _panel(ax, curve)
    for ax in list(axes.flat)[len(curves) :]:
        ax.set_axis_off()
    if curves:
        axes.flat[0].legend(fontsize=7, loc="upper left")
    title = f"Merit order, auction {result.auction_id} ({result.pricing})"
    if len(result.merit_order) > len(curves):
        title += f": first {len(curves)} of {len(result.merit_order)} intervals"
    figure.suptitle(title, fontsize=10)
    figure.savefig(path, format="png", dpi=110)

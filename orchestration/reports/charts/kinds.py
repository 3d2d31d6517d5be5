"""The chart kinds: line, bar / grouped_bar, stacked_bar and barh, each drawn on one
``Axes`` from a ``Data``, with its category axis, value axis and target marks."""

from __future__ import annotations

import math
from collections.abc import Callable

from matplotlib.ticker import FuncFormatter, MaxNLocator

from orchestration.reports.charts.data import BARH_WRAP, Data, x_labels
from orchestration.reports.charts.style import (
    GRID,
    LINESTYLES,
    MARKERS,
    MUTED,
    TARGET,
    axis_formatter,
    value_label,
)
from orchestration.reports.model import Chart, Format


def _value_axis(ax, chart: Chart, data: Data, horizontal: bool = False) -> None:  # noqa: ANN001
    axis = ax.xaxis if horizontal else ax.yaxis
    counts = chart.unit in ("int", "number") and all(
        float(v).is_integer() for v in (*data.y.values(), *data.target.values())
    )  # counts: no tick at 0.5
    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=counts))
    axis.set_major_formatter(FuncFormatter(axis_formatter(chart.unit)))
    ax.grid(True, axis="x" if horizontal else "y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    if horizontal:
        ax.spines["left"].set_visible(True)
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", length=0)
        if chart.y_label:
            ax.set_xlabel(chart.y_label)
    elif chart.y_label:
        ax.set_ylabel(chart.y_label)


def _zero_line(ax, horizontal: bool = False) -> None:  # noqa: ANN001
    lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
    if lo < 0 < hi:
        (ax.axvline if horizontal else ax.axhline)(0, color="#8A8A8A", linewidth=0.8, zorder=2)


def _categories(ax, data: Data, horizontal: bool = False) -> None:  # noqa: ANN001
    n = max(1, len(data.xs))
    labels = x_labels(data.xs, BARH_WRAP if horizontal else int(80 / n))
    ticks = list(range(len(data.xs)))
    if horizontal:
        ax.set_yticks(ticks, labels)
        for text in ax.get_yticklabels():
            text.set_multialignment("right")
        ax.set_ylim(len(data.xs) - 0.5, -0.5)  # first category on top
    else:
        step = max(1, math.ceil(n / 14))  # at most ~14 labels along the bottom
        ax.set_xticks(ticks[::step], labels[::step])
        pad = max(0, 4 - n) / 2  # one or two bars stay bar-shaped, centred
        ax.set_xlim(-0.6 - pad, n - 0.4 + pad)


def _line(ax, chart: Chart, data: Data) -> None:  # noqa: ANN001
    xs = list(range(len(data.xs)))
    many = len(data.series) > 6
    shared = data.shared_target() if data.target else None
    for k, s in enumerate(data.series):
        ax.plot(
            xs,
            data.values(s),
            color=data.colour(s),
            linewidth=1.8,
            linestyle=LINESTYLES[k % 12] if many else "-",
            marker=MARKERS[k % 12] if len(xs) <= 24 else None,
            markersize=3.2,
            label=s or chart.y,
            zorder=3,
        )
        if data.target and shared is None:  # each series its own target
            ax.plot(
                xs,
                data.targets(s),
                color=data.colour(s),
                linewidth=0.9,
                linestyle=(0, (4, 3)),
                alpha=0.75,
                label=f"{s} target" if s else "Target",
                zorder=2,
            )
    if shared is not None:
        ax.plot(
            xs,
            shared,
            color=TARGET,
            linewidth=1.2,
            linestyle=(0, (5, 3)),
            label=_target_label(shared, chart.unit),
            zorder=2,
        )
    _categories(ax, data)
    _value_axis(ax, chart, data)
    if chart.unit in ("pct", "money", "hours", "fte") and _all_nonneg(data):
        ax.set_ylim(bottom=0)
    _zero_line(ax)


def _target_label(values: list[float], unit: Format) -> str:
    """'Target 70%' when the target is one value throughout, else 'Target'."""
    known = {v for v in values if not math.isnan(v)}
    return f"Target {axis_formatter(unit)(known.pop())}" if len(known) == 1 else "Target"


def _all_nonneg(data: Data) -> bool:
    return all(v >= 0 for v in list(data.y.values()) + list(data.target.values()))


def _bars(ax, chart: Chart, data: Data) -> None:  # noqa: ANN001
    one = len(data.series) == 1
    _side_by_side(ax, chart, data, fill=0.92, labelled=one and len(data.xs) <= 12)
    _categories(ax, data)
    _value_axis(ax, chart, data)
    _zero_line(ax)


def _stacked(ax, chart: Chart, data: Data) -> None:  # noqa: ANN001
    xs = list(range(len(data.xs)))
    up = [0.0] * len(xs)
    down = [0.0] * len(xs)
    for s in data.series:
        vals = [0.0 if math.isnan(v) else v for v in data.values(s)]
        bottoms = [up[i] if v >= 0 else down[i] for i, v in enumerate(vals)]
        ax.bar(
            xs,
            vals,
            0.62,
            bottom=bottoms,
            color=data.colour(s),
            label=s or chart.y,
            zorder=3,
            edgecolor="white",
            linewidth=0.6,
        )
        for i, v in enumerate(vals):
            if v >= 0:
                up[i] += v
            else:
                down[i] += v
    if len(xs) <= 12 and not any(down) and len(data.series) > 1:  # each stack's total on top
        fmt = value_label(chart.unit)
        for i, total in enumerate(up):
            ax.annotate(
                fmt(total),
                (i, total),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=MUTED,
            )
    if data.target:
        # a stack has one target per x: the first series' that has one
        per_x = [
            next((data.target[(i, s)] for s in data.series if (i, s) in data.target), math.nan)
            for i in xs
        ]
        _target_marks(ax, xs, per_x, 0.62, horizontal=False, first=True, unit=chart.unit)
    _categories(ax, data)
    _value_axis(ax, chart, data)
    _zero_line(ax)


def _barh(ax, chart: Chart, data: Data) -> None:  # noqa: ANN001
    few = len(data.xs) * len(data.series) <= 30
    _side_by_side(ax, chart, data, fill=0.9, labelled=few, horizontal=True)
    _categories(ax, data, horizontal=True)
    _value_axis(ax, chart, data, horizontal=True)
    _zero_line(ax, horizontal=True)
    ax.margins(x=0.12)


def _side_by_side(
    ax,  # noqa: ANN001
    chart: Chart,
    data: Data,
    fill: float,
    labelled: bool,
    horizontal: bool = False,
) -> None:
    """Each series' bars next to the others' around each category (one series: centred),
    ``fill`` of the slot wide, with value labels if ``labelled`` and target marks."""
    n = len(data.series)
    slot = 0.8 / n if n > 1 else 0.62
    draw = ax.barh if horizontal else ax.bar  # both take (position, value, thickness)
    for k, s in enumerate(data.series):
        offs = (k - (n - 1) / 2) * slot
        pos = [i + offs for i in range(len(data.xs))]
        bars = draw(
            pos, data.values(s), slot * fill, color=data.colour(s), label=s or chart.y, zorder=3
        )
        if labelled:
            _bar_labels(ax, bars, chart.unit)
        if data.target:
            _target_marks(
                ax, pos, data.targets(s), slot, horizontal=horizontal, first=k == 0, unit=chart.unit
            )


def _bar_labels(ax, bars, unit: Format) -> None:  # noqa: ANN001
    fmt = value_label(unit)
    ax.bar_label(
        bars,
        labels=[fmt(b) if not math.isnan(b) else "" for b in bars.datavalues],
        padding=2,
        fontsize=7.5,
        color=MUTED,
    )


def _target_marks(
    ax,  # noqa: ANN001
    pos: list[float],
    targets: list[float],
    width: float,
    horizontal: bool,
    first: bool,
    unit: Format,
) -> None:
    """A short dark dash across each bar at its target."""
    half = width * 0.5
    for i, (p, t) in enumerate(zip(pos, targets, strict=True)):
        if math.isnan(t):
            continue
        first_known = next(j for j, v in enumerate(targets) if not math.isnan(v))
        label = _target_label(targets, unit) if first and i == first_known else None
        if horizontal:
            ax.plot(
                [t, t], [p - half, p + half], color=TARGET, linewidth=1.6, label=label, zorder=4
            )
        else:
            ax.plot(
                [p - half, p + half], [t, t], color=TARGET, linewidth=1.6, label=label, zorder=4
            )


DRAW: dict[str, Callable[..., None]] = {
    "line": _line,
    "bar": _bars,
    "grouped_bar": _bars,
    "stacked_bar": _stacked,
    "barh": _barh,
}  # by ``Chart.kind``: draw(ax, chart, data)

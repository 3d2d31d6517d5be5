"""A section's chart as an inline SVG string, drawn with matplotlib from the section's table.

The table is long format: one row per (x, series) point, ``Chart.y`` the value and
``Chart.target`` (optional) the target for that row.  Only matplotlib's object API is used
(``matplotlib.figure.Figure`` on the Agg/SVG canvas) so no pyplot state is shared between
charts or threads, and the rc settings apply only inside ``rc_context``.

The SVG is deterministic (fixed ``svg.hashsalt``, no date metadata), keeps its text as text
(``svg.fonttype = none``: small and selectable) and has no XML prolog, so it embeds in HTML.
Text is laid out with DejaVu Sans (shipped with matplotlib: the same layout on every machine)
and drawn with the page's sans-serif stack, which is no wider, so labels never collide."""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from html import escape

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from orchestration.reports.model import Chart, Format, Table, Value

matplotlib.use("Agg", force=False)  # never a GUI backend (the Figure below needs none)

WIDTH_IN = 7.5  # fits A4 and Letter with ~14 mm margins at 100 %; scales to the page width
HEIGHT_IN = 3.2
MAX_SERIES = 12  # more would be unreadable: the largest are drawn, the table has them all
FONT_STACK = (
    "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', "
    "'DejaVu Sans', sans-serif"
)

# Paul Tol's "muted" scheme (colour-blind safe), ordered so neighbours differ most,
# then two neutrals for the 11th and 12th series.
PALETTE = (
    "#332288",  # indigo
    "#44AA99",  # teal
    "#CC6677",  # rose
    "#DDCC77",  # sand
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#117733",  # green
    "#999933",  # olive
    "#AA4499",  # purple
    "#6F6F6F",  # dark grey
    "#BBBBBB",  # light grey
    "#000000",  # black
)
SINGLE = "#33608C"  # one series: a sober blue
TARGET = "#3A3A3A"
INK = "#2B2B2B"
MUTED = "#6B6B6B"
GRID = "#E3E3E3"
LINESTYLES = ("-", "-", "-", "-", "-", "-", "--", "--", "--", "--", "--", "--")
MARKERS = ("o", "s", "^", "D", "v", "P", "o", "s", "^", "D", "v", "P")

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "psops-qbr",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "axes.labelcolor": MUTED,
    "axes.edgecolor": "#9A9A9A",
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.major.size": 2.5,
    "ytick.major.size": 0,
    "xtick.major.width": 0.6,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "text.color": INK,
    "path.simplify": False,
    "axes.ymargin": 0.1,
}

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_FONT = re.compile(r"font-family: [^;\"]+")


def render_chart(chart: Chart, table: Table, caption: str, id_prefix: str = "chart") -> str:
    """The chart of ``table`` drawn per ``chart`` as an ``<svg>`` element (no prolog), with
    ``role="img"`` and ``aria-label`` = ``caption``; ids are prefixed with ``id_prefix`` so
    several charts can sit in one HTML document."""
    data = _Data.of(chart, table)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, _height(chart, data)), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.04, h_pad=0.04)
        ax = fig.add_subplot()
        draw = {
            "line": _line,
            "bar": _bars,
            "grouped_bar": _bars,
            "stacked_bar": _stacked,
            "barh": _barh,
        }[chart.kind]
        draw(ax, chart, data)
        _legend(fig, ax, data)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _clean_svg(buf.getvalue(), caption, id_prefix)


def has_values(chart: Chart, table: Table) -> bool:
    """Whether the table holds anything to draw for ``chart`` (a number in its y column)."""
    i = table.index(chart.y)
    return any(_num(row[i]) is not None for row in table.rows)


# --- the data, in long format -------------------------------------------------------------


class _Data:
    """x categories (in order), series names (in order) and the values by (x, series)."""

    def __init__(
        self,
        xs: list[Value],
        series: list[str],
        y: dict[tuple[int, str], float],
        target: dict[tuple[int, str], float],
        hidden: int,
    ) -> None:
        self.xs, self.series, self.y, self.target, self.hidden = xs, series, y, target, hidden

    @classmethod
    def of(cls, chart: Chart, table: Table) -> _Data:
        names = [c.name for c in table.columns]
        for role, col in (
            ("x", chart.x),
            ("y", chart.y),
            ("series", chart.series),
            ("target", chart.target),
        ):
            if col is not None and col not in names:
                raise ValueError(f"chart {role} column {col!r} is not in the table ({names})")
        xi, yi = table.index(chart.x), table.index(chart.y)
        si = table.index(chart.series) if chart.series else None
        ti = table.index(chart.target) if chart.target else None

        raw_xs: list[Value] = []
        for row in table.rows:
            if row[xi] not in raw_xs:
                raw_xs.append(row[xi])
        # time runs left to right whatever order the rows came in; categories keep theirs
        if raw_xs and all(isinstance(v, date | int | float) for v in raw_xs):
            if not any(isinstance(v, bool) for v in raw_xs):
                raw_xs = sorted(raw_xs, key=_sort_key)
        pos = {v: i for i, v in enumerate(raw_xs)}

        series: list[str] = []
        y: dict[tuple[int, str], float] = {}
        target: dict[tuple[int, str], float] = {}
        for row in table.rows:
            s = _label(row[si]) if si is not None else ""
            if s not in series:
                series.append(s)
            key = (pos[row[xi]], s)
            v = _num(row[yi])
            if v is not None:
                y[key] = y.get(key, 0.0) + v  # duplicates of a point add up (a stacked layer)
            if ti is not None and (t := _num(row[ti])) is not None:
                target[key] = t

        hidden = 0
        if len(series) > MAX_SERIES:
            size = {s: sum(abs(v) for (_, k), v in y.items() if k == s) for s in series}
            keep = set(sorted(series, key=lambda s: -size[s])[:MAX_SERIES])
            hidden = len(series) - MAX_SERIES
            series = [s for s in series if s in keep]
        return cls(raw_xs, series, y, target, hidden)

    def values(self, s: str) -> list[float]:
        return [self.y.get((i, s), math.nan) for i in range(len(self.xs))]

    def targets(self, s: str) -> list[float]:
        return [self.target.get((i, s), math.nan) for i in range(len(self.xs))]

    def shared_target(self) -> list[float] | None:
        """One target per x when every series has the same (or only one has it)."""
        out: list[float] = []
        for i in range(len(self.xs)):
            ts = {self.target[(i, s)] for s in self.series if (i, s) in self.target}
            if len(ts) > 1:
                return None
            out.append(ts.pop() if ts else math.nan)
        return out

    def colour(self, s: str) -> str:
        return SINGLE if len(self.series) == 1 else PALETTE[self.series.index(s) % len(PALETTE)]

    @property
    def labels(self) -> list[str]:
        return [_label(v) for v in self.xs]


def _num(v: Value | Decimal) -> float | None:
    if v is None or isinstance(v, bool | str | date):
        return None
    f = float(v)
    return None if math.isnan(f) else f


def _sort_key(v: Value) -> tuple[int, float]:
    if isinstance(v, datetime):
        return (0, v.toordinal() + (v.hour * 3600 + v.minute * 60 + v.second) / 86400)
    if isinstance(v, date):
        return (0, float(v.toordinal()))
    return (1, float(v))  # type: ignore[arg-type]


def _label(v: Value) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _x_labels(xs: Sequence[Value], width_chars: int) -> list[str]:
    """Month starts as 'Oct 25', other dates as '6 Oct', text wrapped to the space per bar."""
    if xs and all(isinstance(v, date) and not isinstance(v, datetime) for v in xs):
        if all(v.day == 1 for v in xs):  # type: ignore[union-attr]
            return [f"{v:%b %y}" for v in xs]  # type: ignore[str-format]
        return [f"{v.day} {v:%b}" for v in xs]  # type: ignore[union-attr,str-format]
    width = max(6, width_chars)
    return [textwrap.fill(_label(v), width=width, max_lines=3, placeholder="…") for v in xs]


BARH_WRAP = 34  # characters per line of a horizontal bar's label


def _height(chart: Chart, data: _Data) -> float:
    """Line and column charts: a fixed size.  Horizontal bars: room for every bar and for
    its label's lines."""
    if chart.kind != "barh":
        return HEIGHT_IN
    n = len(data.series)
    per_bar = 0.2 if n > 1 else 0.28
    rows = 0.0
    for label in _x_labels(data.xs, BARH_WRAP):
        lines = label.count("\n") + 1
        rows += max(per_bar * n, 0.15 * lines + 0.08)
    legend = 0.3 if n > 1 or data.target else 0.0
    return min(11.0, max(1.8, 0.75 + legend + rows))


# --- value axis ---------------------------------------------------------------------------


def axis_formatter(unit: Format) -> Callable[[float, object], str]:
    """Tick labels for the value axis: pct '50%', money '$1.2M', hours '1,200 h', fte '2 FTE'."""

    def fmt(v: float, _pos: object = None) -> str:
        if abs(v) < 1e-12:
            v = 0.0
        if unit == "pct":
            p = v * 100
            return f"{p:.0f}%" if abs(p - round(p)) < 1e-6 else f"{p:.1f}%"
        if unit == "money":
            return ("-" if v < 0 else "") + "$" + _compact(abs(v))
        if unit == "hours":
            return f"{_compact(v)} h"
        if unit == "fte":
            return f"{_trim(v)} FTE"
        if unit == "score":
            return _trim(v, 2)
        return _compact(v)

    return fmt


def value_label(unit: Format) -> Callable[[float], str]:
    """A bar's value label: as the axis, a little more precise (64.1%, $1.23M, 0.71)."""
    axis = axis_formatter(unit)

    def fmt(v: float) -> str:
        if unit == "pct":
            return f"{v * 100:.1f}%"
        if unit == "score":
            return f"{v:.2f}"
        if unit == "money":
            a = abs(v)
            for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
                if a >= size:
                    return ("-" if v < 0 else "") + f"${a / size:.3g}{suffix}"
            return ("-" if v < 0 else "") + f"${a:,.0f}"
        if unit == "fte":
            return f"{v:.1f} FTE"
        return axis(v)

    return fmt


def _trim(v: float, digits: int = 2) -> str:
    s = f"{v:,.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _compact(v: float) -> str:
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size:
            return _trim(v / size, 1) + suffix
    return _trim(v, 2)


def _value_axis(ax, chart: Chart, data: _Data, horizontal: bool = False) -> None:  # noqa: ANN001
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


def _categories(ax, data: _Data, horizontal: bool = False) -> None:  # noqa: ANN001
    n = max(1, len(data.xs))
    labels = _x_labels(data.xs, BARH_WRAP if horizontal else int(80 / n))
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


# --- kinds --------------------------------------------------------------------------------


def _line(ax, chart: Chart, data: _Data) -> None:  # noqa: ANN001
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


def _all_nonneg(data: _Data) -> bool:
    return all(v >= 0 for v in list(data.y.values()) + list(data.target.values()))


def _bars(ax, chart: Chart, data: _Data) -> None:  # noqa: ANN001
    n = len(data.series)
    width = 0.8 / n if n > 1 else 0.62
    for k, s in enumerate(data.series):
        offs = (k - (n - 1) / 2) * width
        xs = [i + offs for i in range(len(data.xs))]
        bars = ax.bar(
            xs, data.values(s), width * 0.92, color=data.colour(s), label=s or chart.y, zorder=3
        )
        if n == 1 and len(data.xs) <= 12:
            _bar_labels(ax, bars, chart.unit)
        if data.target:
            _target_marks(
                ax, xs, data.targets(s), width, horizontal=False, first=k == 0, unit=chart.unit
            )
    _categories(ax, data)
    _value_axis(ax, chart, data)
    _zero_line(ax)


def _stacked(ax, chart: Chart, data: _Data) -> None:  # noqa: ANN001
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


def _barh(ax, chart: Chart, data: _Data) -> None:  # noqa: ANN001
    n = len(data.series)
    height = 0.8 / n if n > 1 else 0.62
    for k, s in enumerate(data.series):
        offs = (k - (n - 1) / 2) * height
        ys = [i + offs for i in range(len(data.xs))]
        bars = ax.barh(
            ys, data.values(s), height * 0.9, color=data.colour(s), label=s or chart.y, zorder=3
        )
        if len(data.xs) * n <= 30:
            _bar_labels(ax, bars, chart.unit)
        if data.target:
            _target_marks(
                ax, ys, data.targets(s), height, horizontal=True, first=k == 0, unit=chart.unit
            )
    _categories(ax, data, horizontal=True)
    _value_axis(ax, chart, data, horizontal=True)
    _zero_line(ax, horizontal=True)
    ax.margins(x=0.12)


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


def _is_target(label: str) -> bool:
    return label.lower().startswith("target") or label.endswith(" target")


def _legend(fig: Figure, ax, data: _Data) -> None:  # noqa: ANN001
    """Above the plot, read left to right: the series in table order, then the targets
    (a row of their own when each series has one)."""
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _is_target(labels[i]))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if data.hidden:
        from matplotlib.patches import Patch

        handles.append(Patch(visible=False))
        labels.append(f"+{data.hidden} more in the table")
    if len(labels) <= 1 and not (data.target and labels):
        return
    # as many columns as fit across the figure (8 pt text ≈ 0.062 in a character)
    entry = 0.45 + 0.062 * max(len(label) for label in labels)
    cols = max(1, min(len(labels), 6, int((WIDTH_IN - 0.3) / entry)))
    targets = sum(1 for label in labels if _is_target(label))
    if 1 < targets == len(labels) - targets <= cols:
        cols = targets  # one row of series, one row of their targets
    handles, labels = _row_major(handles, cols), _row_major(labels, cols)
    fig.legend(
        handles,
        labels,
        loc="outside upper left",
        ncols=cols,
        handlelength=1.8,
        columnspacing=1.4,
        borderaxespad=0.2,
    )


def _row_major(items: list, cols: int) -> list:
    """matplotlib fills a legend's columns top to bottom (the first ``n % cols`` columns one
    longer); reorder so the entries read left to right, row by row."""
    n = len(items)
    return [items[k] for c in range(cols) for k in range(c, n, cols)]


# --- the SVG ------------------------------------------------------------------------------


def _clean_svg(svg: str, caption: str, prefix: str) -> str:
    svg = svg[svg.index("<svg") :]  # no <?xml?> prolog, no <!DOCTYPE>
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", prefix) or "chart"
    svg = _ID.sub(lambda m: f'id="{safe}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{safe}-{m.group(2)}", svg)
    svg = _FONT.sub(f"font-family: {FONT_STACK}", svg)
    label = escape(caption, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart-svg" ', 1)
    return svg.strip() + "\n"

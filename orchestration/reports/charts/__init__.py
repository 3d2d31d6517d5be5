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
import re
from html import escape

import matplotlib
from matplotlib.figure import Figure

from orchestration.reports.charts.data import Data, chart_height, num
from orchestration.reports.charts.kinds import DRAW
from orchestration.reports.charts.style import FONT_STACK, RC, WIDTH_IN
from orchestration.reports.model import Chart, Table

__all__ = ["has_values", "render_chart"]

matplotlib.use("Agg", force=False)  # never a GUI backend (the Figure below needs none)

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_FONT = re.compile(r"font-family: [^;\"]+")


def render_chart(chart: Chart, table: Table, caption: str, id_prefix: str = "chart") -> str:
    """The chart of ``table`` drawn per ``chart`` as an ``<svg>`` element (no prolog), with
    ``role="img"`` and ``aria-label`` = ``caption``; ids are prefixed with ``id_prefix`` so
    several charts can sit in one HTML document."""
    data = Data.of(chart, table)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, chart_height(chart, data)), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.04, h_pad=0.04)
        ax = fig.add_subplot()
        DRAW[chart.kind](ax, chart, data)
        _legend(fig, ax, data)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _clean_svg(buf.getvalue(), caption, id_prefix)


def has_values(chart: Chart, table: Table) -> bool:
    """Whether the table holds anything to draw for ``chart`` (a number in its y column)."""
    i = table.index(chart.y)
    return any(num(row[i]) is not None for row in table.rows)


def _is_target(label: str) -> bool:
    return label.lower().startswith("target") or label.endswith(" target")


def _legend(fig: Figure, ax, data: Data) -> None:  # noqa: ANN001
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

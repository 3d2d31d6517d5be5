"""The charts' look: size, palette, matplotlib rc settings, and the value axis's units
(tick labels and bar value labels per ``Format``)."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.reports.model import Format

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

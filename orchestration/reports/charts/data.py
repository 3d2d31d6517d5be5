"""A chart's table in long format: the x categories, the series and the values by point,
plus the x labels and (for horizontal bars) the figure height they need."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from orchestration.reports.charts.style import HEIGHT_IN, MAX_SERIES, PALETTE, SINGLE
from orchestration.reports.model import Chart, Table, Value


class Data:
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
    def of(cls, chart: Chart, table: Table) -> Data:
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
                raw_xs = sorted(raw_xs, key=sort_key)
        pos = {v: i for i, v in enumerate(raw_xs)}

        series: list[str] = []
        y: dict[tuple[int, str], float] = {}
        target: dict[tuple[int, str], float] = {}
        for row in table.rows:
            s = label_of(row[si]) if si is not None else ""
            if s not in series:
                series.append(s)
            key = (pos[row[xi]], s)
            v = num(row[yi])
            if v is not None:
                y[key] = y.get(key, 0.0) + v  # duplicates of a point add up (a stacked layer)
            if ti is not None and (t := num(row[ti])) is not None:
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
        return [label_of(v) for v in self.xs]


def num(v: Value | Decimal) -> float | None:
    if v is None or isinstance(v, bool | str | date):
        return None
    f = float(v)
    return None if math.isnan(f) else f


def sort_key(v: Value) -> tuple[int, float]:
    if isinstance(v, datetime):
        return (0, v.toordinal() + (v.hour * 3600 + v.minute * 60 + v.second) / 86400)
    if isinstance(v, date):
        return (0, float(v.toordinal()))
    return (1, float(v))  # type: ignore[arg-type]


def label_of(v: Value) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def x_labels(xs: Sequence[Value], width_chars: int) -> list[str]:
    """Month starts as 'Oct 25', other dates as '6 Oct', text wrapped to the space per bar."""
    if xs and all(isinstance(v, date) and not isinstance(v, datetime) for v in xs):
        if all(v.day == 1 for v in xs):  # type: ignore[union-attr]
            return [f"{v:%b %y}" for v in xs]  # type: ignore[str-format]
        return [f"{v.day} {v:%b}" for v in xs]  # type: ignore[union-attr,str-format]
    width = max(6, width_chars)
    return [textwrap.fill(label_of(v), width=width, max_lines=3, placeholder="…") for v in xs]


BARH_WRAP = 34  # characters per line of a horizontal bar's label


def chart_height(chart: Chart, data: Data) -> float:
    """Line and column charts: a fixed size.  Horizontal bars: room for every bar and for
    its label's lines."""
    if chart.kind != "barh":
        return HEIGHT_IN
    n = len(data.series)
    per_bar = 0.2 if n > 1 else 0.28
    rows = 0.0
    for label in x_labels(data.xs, BARH_WRAP):
        lines = label.count("\n") + 1
        rows += max(per_bar * n, 0.15 * lines + 0.08)
    legend = 0.3 if n > 1 or data.target else 0.0
    return min(11.0, max(1.8, 0.75 + legend + rows))

"""What a report is, between the queries that fill it (``qbr_data``) and the renderer that
draws it (``render``): sections of exact values, each with the chart drawn from them.

Every number a reader sees sits in a ``Table`` cell exactly as the mart query returned it;
the chart of a section is drawn from the same table (long format), so the picture and the
table fallback under it can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# how a column's values are printed (render.format_value): the raw value is kept beside it
Format = Literal["text", "int", "number", "pct", "money", "hours", "fte", "date", "score"]
ChartKind = Literal["line", "bar", "grouped_bar", "stacked_bar", "barh"]
Value = str | int | float | date | datetime | bool | None


@dataclass(frozen=True)
class Column:
    name: str  # the heading printed, also how a chart spec names the column
    format: Format = "text"


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]

    def index(self, name: str) -> int:
        return [c.name for c in self.columns].index(name)

    def values(self, name: str) -> list[Value]:
        i = self.index(name)
        return [row[i] for row in self.rows]


@dataclass(frozen=True)
class Chart:
    """A chart drawn from its section's table.  ``x``: the category / time column;
    ``y``: the value column; ``series``: the column whose values are the lines / bar
    colours (None: one series); ``target``: a column holding a target value per row, drawn
    as a dashed line (utilization target) or marker; ``unit`` formats the value axis."""

    kind: ChartKind
    x: str
    y: str
    series: str | None = None
    target: str | None = None
    unit: Format = "number"
    y_label: str = ""


@dataclass(frozen=True)
class Kpi:
    """A headline tile: a key result of the quarter's SOKR scorecard."""

    label: str  # the key result's description
    metric: str
    actual: float | None
    target: float | None
    score: float | None
    status: str  # on_track / at_risk / off_track / achieved / missed / no_data
    unit: Format = "number"


@dataclass(frozen=True)
class Section:
    key: str  # stable id (html id="section-<key>"), e.g. "utilization"
    chapter: str  # the heading the section sits under, e.g. "Utilization"
    title: str
    caption: str  # one line: what this shows
    table: Table
    chart: Chart | None = None
    empty: str | None = None  # set: no data — say this instead of drawing anything
    notes: tuple[str, ...] = ()  # e.g. "3 projects have no region and are not shown"
    kpis: tuple[Kpi, ...] = ()  # the headline section's tiles


@dataclass(frozen=True)
class Cover:
    """Which refresh the pack shows (from ``marts._publish_log``)."""

    run_id: str
    as_of: date
    published_at: datetime
    check_summary: str  # e.g. "281 checks passed, 0 warnings"


@dataclass(frozen=True)
class Pack:
    title: str  # "PS QBR pack — 2026-Q3 — EMEA"
    quarter: str  # "2026-Q3"
    region: str | None  # None: every region
    cover: Cover
    sections: tuple[Section, ...]
    footer: tuple[Section, ...] = field(default=())  # source freshness, the gate's results

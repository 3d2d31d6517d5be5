"""A ``Pack`` as one self-contained HTML file: inline CSS, inline SVG charts, no script and
nothing fetched at view time.  Every table cell carries the exact value it prints in
``data-value`` (``parse.read_tables`` reads them back), so each number a reader sees can be
checked against the mart it came from."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from orchestration.reports.charts import has_values, render_chart
from orchestration.reports.model import Format, Kpi, Pack, Section, Value

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "qbr.html.j2"
NONE = "—"
NUMERIC: frozenset[str] = frozenset({"int", "number", "pct", "money", "hours", "fte", "score"})
STATUS = {
    "on_track": ("good", "On track"),
    "achieved": ("good", "Achieved"),
    "at_risk": ("warn", "At risk"),
    "off_track": ("bad", "Off track"),
    "missed": ("bad", "Missed"),
    "no_data": ("none", "No data"),
}


def format_value(value: Value | Decimal, fmt: Format, compact: bool = False) -> str:
    """How a value is printed: pct 0.518 → '51.8%', money '$1,234,567' ('$1.23M' with
    ``compact``, as on the KPI tiles), hours '1,234.5 h', fte '2.3 FTE', score '0.70',
    dates ISO, None '—'.  A value that is not a number under a number format prints as text."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) or fmt in ("text", "date"):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return NONE
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if fmt == "pct":
        return f"{v * 100:,.1f}%"
    if fmt == "money":
        sign, a = ("-" if v < 0 else ""), abs(v)
        if compact:
            return f"{sign}${_significant(a)}"
        return f"{sign}${a:,.0f}"
    if fmt == "hours":
        return f"{v:,.1f} h"
    if fmt == "fte":
        return f"{v:,.1f} FTE"
    if fmt == "score":
        return f"{v:.2f}"
    if fmt == "int":
        return f"{round(v):,}"
    # number: as many decimals as it has, up to two
    if isinstance(value, int):
        return f"{value:,}"
    if compact:
        return _significant(v)
    s = f"{v:,.2f}"
    return s.rstrip("0").rstrip(".")


def _significant(a: float) -> str:
    """Three significant digits with a K/M/B suffix: 1234567 → '1.23M', 45600 → '45.6K'."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(a) >= size * 0.9995:
            x = a / size
            digits = 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0
            return f"{x:.{digits}f}{suffix}"
    return f"{a:,.0f}"


def _datetime(v: datetime) -> str:
    text = v.strftime("%Y-%m-%d %H:%M")
    if v.tzinfo is not None:
        offset = v.utcoffset()
        text += " UTC" if offset is not None and not offset else v.strftime(" %z")
    return text


def raw_value(value: Value | Decimal) -> str | None:
    """The exact value behind a cell, as ``data-value``: repr() for floats (round-trips),
    str() for ints and decimals, ISO for dates and datetimes, 'true'/'false'; None: None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- the view the template draws ----------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    raw: str | None
    text: Markup
    numeric: bool


@dataclass(frozen=True)
class _Tile:
    kpi: Kpi
    tone: str
    status: str
    actual: str
    target: str
    score: str
    raw_actual: str
    raw_target: str
    raw_score: str


@dataclass(frozen=True)
class _SectionView:
    s: Section
    empty: str | None
    svg: Markup | None
    header: list[tuple[str, bool]]  # (column name, numeric)
    rows: list[list[_Cell]]
    tiles: list[_Tile]
    short: bool  # small enough to keep on one printed page, whole


@dataclass(frozen=True)
class _Chapter:
    name: str
    slug: str
    sections: list[_SectionView]


def _tile(k: Kpi) -> _Tile:
    tone, label = STATUS.get(k.status, ("none", k.status.replace("_", " ").capitalize()))
    return _Tile(
        kpi=k,
        tone=tone,
        status=label,
        actual=format_value(k.actual, k.unit, compact=True),
        target=format_value(k.target, k.unit, compact=True),
        score=format_value(k.score, "score"),
        raw_actual=raw_value(k.actual) or "",
        raw_target=raw_value(k.target) or "",
        raw_score=raw_value(k.score) or "",
    )


def _section(s: Section) -> _SectionView:
    empty = s.empty
    if empty is None and not s.table.rows and not s.kpis:
        empty = "No data for this section."  # never an empty chart or a header-only table
    svg = None
    if empty is None and s.chart is not None and s.table.rows and has_values(s.chart, s.table):
        label = s.caption or s.title
        svg = Markup(render_chart(s.chart, s.table, label, id_prefix=f"c-{s.key}"))
    header = [(c.name, c.format in NUMERIC) for c in s.table.columns]
    rows = [
        [
            _Cell(raw_value(v), _breakable(format_value(v, c.format)), c.format in NUMERIC)
            for v, c in zip(row, s.table.columns, strict=True)
        ]
        for row in s.table.rows
    ]
    return _SectionView(
        s=s,
        empty=empty,
        svg=svg,
        header=header,
        rows=rows,
        tiles=[_tile(k) for k in s.kpis],
        short=_printed_height(s, svg is not None, len(rows)) <= SHORT_INCHES,
    )


SHORT_INCHES = 5.5  # a section up to about half a Letter/A4 page is never split


def _printed_height(s: Section, chart: bool, rows: int) -> float:
    """A rough printed height in inches (heading, tiles, chart, table rows)."""
    wide = sum(1 for c in s.table.columns if c.format not in NUMERIC) > 2  # wrapped text
    tiles = math.ceil(len(s.kpis) / 4) * 1.0
    return 0.6 + tiles + (3.4 if chart else 0.0) + 0.3 + rows * (0.3 if wide else 0.17)


def _breakable(text: str) -> Markup:
    """Escaped text that may wrap after '_' or '/' (metric names, paths) in a narrow column."""
    return Markup(str(escape(text)).replace("_", "_<wbr>").replace("/", "/<wbr>"))


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(p for p in out.split("-") if p) or "chapter"


def _chapters(sections: Iterable[Section]) -> list[_Chapter]:
    """Consecutive sections under the same chapter heading."""
    chapters: list[_Chapter] = []
    slugs: set[str] = set()
    for s in sections:
        if not chapters or chapters[-1].name != s.chapter:
            slug = base = _slug(s.chapter)
            n = 1
            while slug in slugs:  # a chapter name seen before, further down: its own id
                n += 1
                slug = f"{base}-{n}"
            slugs.add(slug)
            chapters.append(_Chapter(s.chapter, slug, []))
        chapters[-1].sections.append(_section(s))
    return chapters


def _css_string(text: str) -> Markup:
    """A CSS string literal (for @page margin boxes), safe inside <style>."""
    out = []
    for ch in str(text):
        if ch in "\\\"'<>&" or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["fmt"] = format_value
    return env


def render_html(pack: Pack) -> str:
    """The pack as one self-contained HTML document."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        pack=pack,
        region=pack.region or "All regions",
        published_at=_datetime(pack.cover.published_at),
        chapters=_chapters(pack.sections),
        footer=_chapters(pack.footer),
    )

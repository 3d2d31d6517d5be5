"""Read a rendered pack back (stdlib ``html.parser`` only): the exact values of every table
fallback, the "no data" messages and the charts drawn — how the tests check that every
number printed equals the mart it came from."""

from __future__ import annotations

from html.parser import HTMLParser

Row = dict[str, str | None]


def _classes(attrs: dict[str, str | None]) -> set[str]:
    return set((attrs.get("class") or "").split())


class _PackParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[Row]] = {}
        self.empty: dict[str, str] = {}
        self.kpis: list[dict[str, str | None]] = []
        self.charts = 0
        self._section: str | None = None  # data-section of the <section> we are in
        self._table: str | None = None  # data-section of the table.values we are in
        self._columns: list[str] = []
        self._row: list[str | None] | None = None
        self._th: list[str] | None = None  # text of the heading cell being read
        self._empty: list[str] | None = None
        self._figure_depth = 0  # inside figure.chart
        self._figure_has_svg = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        cls = _classes(attrs)
        if tag == "section" and "section" in cls:
            self._section = attrs.get("data-section")
        elif tag == "table" and "values" in cls:
            key = attrs.get("data-section") or self._section or ""
            self._table, self._columns = key, []
            self.tables[key] = []
        elif self._table is not None and tag == "th":
            self._th = []
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._table is not None and tag == "td" and self._row is not None:
            null = attrs.get("data-null") is not None
            self._row.append(None if null else (attrs.get("data-value") or ""))
        elif tag == "p" and "empty" in cls:
            self._empty = []
        elif tag == "figure" and "chart" in cls:
            self._figure_depth, self._figure_has_svg = 1, False
        elif tag == "figure" and self._figure_depth:
            self._figure_depth += 1
        elif tag == "svg" and self._figure_depth:
            self._figure_has_svg = True
        elif tag == "div" and "kpi" in cls:
            self.kpis.append({k: v for k, v in attrs.items() if k.startswith("data-")})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("td", "th", "tr", "figure", "section", "table", "p"):
            return
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        elif tag == "table" and self._table is not None:
            self._table = None
        elif tag == "th" and self._th is not None:
            self._columns.append("".join(self._th).strip())
            self._th = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row:
                if len(self._row) != len(self._columns):
                    raise ValueError(
                        f"table {self._table!r}: a row of {len(self._row)} cells "
                        f"under {len(self._columns)} columns"
                    )
                self.tables[self._table].append(dict(zip(self._columns, self._row, strict=True)))
            self._row = None
        elif tag == "p" and self._empty is not None:
            key = self._section or ""
            self.empty[key] = " ".join("".join(self._empty).split())
            self._empty = None
        elif tag == "figure" and self._figure_depth:
            self._figure_depth -= 1
            if not self._figure_depth and self._figure_has_svg:
                self.charts += 1

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)
        if self._empty is not None:
            self._empty.append(data)


def _parse(html: str) -> _PackParser:
    parser = _PackParser()
    parser.feed(html)
    parser.close()
    return parser


def read_tables(html: str) -> dict[str, list[Row]]:
    """Section key → the rows of its value table, column name → the exact value
    (``data-value``), None for a null cell."""
    return _parse(html).tables


def read_empty(html: str) -> dict[str, str]:
    """Section key → the "no data" message shown instead of its chart and table."""
    return _parse(html).empty


def count_charts(html: str) -> int:
    """The charts drawn: ``figure.chart`` elements holding an ``<svg>``."""
    return _parse(html).charts


def read_kpis(html: str) -> list[dict[str, str | None]]:
    """The headline tiles' ``data-*`` attributes (metric, status, actual, target, score)."""
    return _parse(html).kpis

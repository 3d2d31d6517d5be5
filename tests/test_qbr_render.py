"""The QBR pack's renderer on a small hand-built Pack: every table value parses back exactly
from the HTML, the formats print as specified, an empty section draws nothing, the file
fetches nothing, the charts are deterministic, and (with Chromium) it prints to a PDF."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from orchestration.reports.charts import render_chart
from orchestration.reports.model import Chart, Column, Cover, Kpi, Pack, Section, Table
from orchestration.reports.parse import count_charts, read_empty, read_kpis, read_tables
from orchestration.reports.pdf import (
    ChromiumMissing,
    PrintFailed,
    find_chromium,
    page_count,
    preview_png,
    print_pdf,
)
from orchestration.reports.render import format_value, raw_value, render_html

MONTHS = tuple(date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(10, 23))  # 13


def _utilization() -> Section:
    rows = []
    for region, base in (("AMER", 0.6183), ("EMEA", 0.5712), ("APAC", 0.5501)):
        for i, month in enumerate(MONTHS):
            rows.append((month, region, round(base + 0.013 * (i % 4) - 0.007 * (i % 3), 4), 0.7))
    rows[5] = (MONTHS[5], "AMER", None, 0.7)  # a month with no hours: a gap, a null cell
    return Section(
        key="utilization",
        chapter="Utilization",
        title="Billable utilization by region",
        caption="Billable hours over available hours per month, 13 months, against the target.",
        table=Table(
            (
                Column("Month", "date"),
                Column("Region"),
                Column("Billable utilization", "pct"),
                Column("Target", "pct"),
            ),
            tuple(rows),
        ),
        chart=Chart(
            "line",
            x="Month",
            y="Billable utilization",
            series="Region",
            target="Target",
            unit="pct",
        ),
        notes=("3 people without a region are not shown.",),
    )


def _revenue() -> Section:
    rows = (
        ("2026-Q4", "Booked", 1234567.89),
        ("2026-Q4", "Scheduled", 402311.5),
        ("2026-Q4", "Weighted pipeline", 150000.0),
        ("2027-Q1", "Booked", 820000.0),
        ("2027-Q1", "Scheduled", 311250.25),
        ("2027-Q1", "Weighted pipeline", 402500.75),
    )
    return Section(
        key="revenue_layers",
        chapter="Revenue",
        title="The next two quarters by layer",
        caption="Forecast revenue of the next two quarters, stacked by how certain it is.",
        table=Table((Column("Quarter"), Column("Layer"), Column("Revenue", "money")), rows),
        chart=Chart("stacked_bar", x="Quarter", y="Revenue", series="Layer", unit="money"),
    )


def _capacity() -> Section:
    weeks = [
        date(2026, 10, 19 + 7 * i) if i < 2 else date(2026, 11, 2 + 7 * (i - 2)) for i in range(6)
    ]
    rows = []
    for role, gap in (("Consultant", 1.25), ("Architect", -0.5)):
        for i, w in enumerate(weeks):
            rows.append((w, role, 120.5 + i * 3, 100 + i, round(gap - 0.25 * i, 2)))
    return Section(
        key="capacity",
        chapter="Capacity",
        title="Capacity vs demand, next 6 weeks",
        caption="FTE gap by role: positive means more demand than people at target.",
        table=Table(
            (
                Column("Week", "date"),
                Column("Role"),
                Column("Demand", "hours"),
                Column("Supply", "hours"),
                Column("FTE gap", "fte"),
            ),
            tuple(rows),
        ),
        chart=Chart("grouped_bar", x="Week", y="FTE gap", series="Role", unit="fte"),
    )


def _accuracy() -> Section:
    return Section(
        key="forecast_accuracy",
        chapter="Forecast accuracy",
        title="MAPE by horizon",
        caption="Mean absolute percentage error of the revenue forecast, by months ahead.",
        table=Table(
            (
                Column("Horizon"),
                Column("MAPE", "pct"),
                Column("Months compared", "int"),
                Column("Target", "pct"),
            ),
            (
                ("1 month", 0.0812, 9, 0.1),
                ("2 months", 0.1234, 8, 0.1),
                ("3 months", 0.1655, 7, 0.1),
            ),
        ),
        chart=Chart("barh", x="Horizon", y="MAPE", target="Target", unit="pct"),
    )


def _bookings() -> Section:
    return Section(
        key="bookings",
        chapter="Revenue",
        title="Bookings and weighted pipeline",
        caption="PS amount by forecast category this quarter.",
        table=Table(
            (Column("Category"), Column("Amount", "money"), Column("Opportunities", "int")),
            (("Closed won", 2100000.0, 14), ("Commit", 950000.5, 6), ("Best case", 0.0, 0)),
        ),
        chart=Chart("bar", x="Category", y="Amount", unit="money"),
    )


def _risks() -> Section:
    return Section(
        key="risks",
        chapter="Top risks",
        title="Breached P1s and engagements over budget",
        caption="What needs a leader's attention this quarter.",
        table=Table(
            (
                Column("Kind"),
                Column("Item"),
                Column("Opened", "date"),
                Column("Score", "score"),
                Column("Overrun", "number"),
                Column("Breached", "text"),
                Column("At", "date"),
            ),
            (
                (
                    "Breached P1",
                    "SUP-1042 <Outage> & restart",
                    date(2026, 9, 30),
                    None,
                    None,
                    True,
                    datetime(2026, 10, 1, 14, 5, 9, tzinfo=UTC),
                ),
                (
                    "Over budget",
                    "Acme rollout",
                    date(2026, 7, 1),
                    0.35,
                    1.5e-7,
                    False,
                    datetime(2026, 10, 2, 8, 0),
                ),
            ),
        ),
    )


def _coverage_empty() -> Section:
    return Section(
        key="coverage",
        chapter="Coverage",
        title="Coverage and partner share",
        caption="Share of delivery hours by partners.",
        table=Table((Column("Region"), Column("Partner share", "pct")), ()),
        chart=Chart("bar", x="Region", y="Partner share", unit="pct"),
        empty="Not yet available: the coverage marts are not in this warehouse.",
    )


def _headline() -> Section:
    kpis = (
        Kpi(
            "Billable utilization at 70%",
            "billable_utilization",
            0.6412,
            0.7,
            0.71,
            "on_track",
            "pct",
        ),
        Kpi(
            "Bookings of $5M", "bookings_closed_won", 2100000.0, 5000000.0, 0.42, "at_risk", "money"
        ),
        Kpi("P1 response SLA at 95%", "sla_attainment", 0.81, 0.95, 0.1, "off_track", "pct"),
        Kpi(
            "Time to staff under 10 days",
            "time_to_staff_days",
            None,
            10.0,
            None,
            "no_data",
            "number",
        ),
    )
    return Section(
        key="headline",
        chapter="Headline",
        title="Key results of 2026-Q4",
        caption="Each key result of the quarter's SOKR scorecard: actual, target, score.",
        table=Table(
            (
                Column("Key result"),
                Column("Actual", "number"),
                Column("Target", "number"),
                Column("Score", "score"),
                Column("Status"),
            ),
            tuple((k.label, k.actual, k.target, k.score, k.status) for k in kpis),
        ),
        kpis=kpis,
    )


def _footer() -> Section:
    return Section(
        key="freshness",
        chapter="Data and checks",
        title="Source freshness",
        caption="When each source was last loaded.",
        table=Table(
            (Column("Source"), Column("Loaded at", "date"), Column("Rows", "int")),
            (
                ("jira", datetime(2026, 10, 15, 6, 1, 2, tzinfo=UTC), 18234),
                ("kantata", datetime(2026, 10, 15, 6, 2, 3, tzinfo=UTC), 902211),
            ),
        ),
    )


def small_pack(region: str | None = None) -> Pack:
    return Pack(
        title="PS QBR pack — 2026-Q4" + (f" — {region}" if region else ""),
        quarter="2026-Q4",
        region=region,
        cover=Cover(
            run_id="7f3c2a9e-41d2-4c55-9f0e-2b8e1d6c0a17",
            as_of=date(2026, 10, 15),
            published_at=datetime(2026, 10, 15, 6, 4, 31, tzinfo=UTC),
            check_summary="281 checks passed, 0 warnings",
        ),
        sections=(
            _headline(),
            _utilization(),
            _bookings(),
            _revenue(),
            _accuracy(),
            _capacity(),
            _coverage_empty(),
            _risks(),
        ),
        footer=(_footer(),),
    )


@pytest.fixture(scope="module")
def pack() -> Pack:
    return small_pack()


@pytest.fixture(scope="module")
def html(pack: Pack) -> str:
    return render_html(pack)


def _expected_raw(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


def test_every_table_value_round_trips_exactly(pack: Pack, html: str) -> None:
    tables = read_tables(html)
    empty_keys = {s.key for s in pack.sections if s.empty}
    for s in (*pack.sections, *pack.footer):
        if s.key in empty_keys:
            assert s.key not in tables
            continue
        names = [c.name for c in s.table.columns]
        assert [list(r) for r in tables[s.key]] == [names] * len(s.table.rows)
        got = [[r[n] for n in names] for r in tables[s.key]]
        assert got == [[_expected_raw(v) for v in row] for row in s.table.rows], s.key
        for row, parsed in zip(s.table.rows, got, strict=True):
            for v, raw in zip(row, parsed, strict=True):
                if isinstance(v, float):
                    assert float(raw) == v  # repr() round-trips the exact double
    # spot checks, by hand
    assert tables["revenue_layers"][0] == {
        "Quarter": "2026-Q4",
        "Layer": "Booked",
        "Revenue": "1234567.89",
    }
    assert tables["utilization"][5]["Billable utilization"] is None
    assert tables["risks"][1]["Overrun"] == "1.5e-07"
    assert tables["risks"][0]["Breached"] == "true"
    assert tables["risks"][0]["At"] == "2026-10-01T14:05:09+00:00"
    assert tables["risks"][0]["Item"] == "SUP-1042 <Outage> & restart"
    assert tables["forecast_accuracy"][2]["Months compared"] == "7"


def test_cells_print_the_formatted_value(html: str) -> None:
    assert '<td class="num" data-value="1234567.89">$1,234,568</td>' in html
    assert '<td class="num" data-value="0.0812">8.1%</td>' in html
    assert '<td class="num" data-value="120.5">120.5 h</td>' in html
    assert '<td class="num" data-value="-0.5">-0.5 FTE</td>' in html
    assert '<td data-value="2026-10-01">2026-10-01</td>' in html
    assert '<td class="num" data-value="" data-null="1">—</td>' in html
    assert "SUP-1042 &lt;Outage&gt; &amp; restart" in html  # escaped, not markup


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (0.518, "pct", "51.8%"),
        (1.0, "pct", "100.0%"),
        (1234567, "money", "$1,234,567"),
        (1234567.5, "money", "$1,234,568"),
        (-2500.0, "money", "-$2,500"),
        (1234.5, "hours", "1,234.5 h"),
        (2.345, "fte", "2.3 FTE"),
        (-1.25, "fte", "-1.2 FTE"),  # round half to even
        (0.7, "score", "0.70"),
        (1234, "int", "1,234"),
        (1234.5678, "number", "1,234.57"),
        (1.5, "number", "1.5"),
        (12, "number", "12"),
        (date(2026, 10, 15), "date", "2026-10-15"),
        (datetime(2026, 10, 15, 6, 4, 31, tzinfo=UTC), "date", "2026-10-15 06:04 UTC"),
        ("EMEA", "text", "EMEA"),
        (True, "text", "yes"),
        (None, "pct", "—"),
        (None, "money", "—"),
        (None, "text", "—"),
    ],
)
def test_format_value(value: object, fmt: str, expected: str) -> None:
    assert format_value(value, fmt) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567.0, "$1.23M"),
        (45600.0, "$45.6K"),
        (950.0, "$950"),
        (12345678.0, "$12.3M"),
        (999999.0, "$1.00M"),
        (-2100000.0, "-$2.10M"),
        (2.5e9, "$2.50B"),
    ],
)
def test_money_is_compact_on_tiles(value: float, expected: str) -> None:
    assert format_value(value, "money", compact=True) == expected


def test_raw_value() -> None:
    assert raw_value(0.1 + 0.2) == "0.30000000000000004"
    assert raw_value(7) == "7"
    assert raw_value(False) == "false"
    assert raw_value(None) is None
    assert raw_value(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05"


def test_empty_section_says_so_and_draws_nothing(html: str) -> None:
    assert read_empty(html) == {
        "coverage": "Not yet available: the coverage marts are not in this warehouse."
    }
    block = html.split('id="section-coverage"', 1)[1].split("</section>", 1)[0]
    assert '<p class="empty">Not yet available' in block
    assert "<figure" not in block and "<table" not in block and "<svg" not in block


def test_kpi_tiles_carry_status_and_exact_values(html: str) -> None:
    kpis = read_kpis(html)
    assert [(k["data-metric"], k["data-status"], k["data-actual"]) for k in kpis] == [
        ("billable_utilization", "on_track", "0.6412"),
        ("bookings_closed_won", "at_risk", "2100000.0"),
        ("sla_attainment", "off_track", "0.81"),
        ("time_to_staff_days", "no_data", ""),
    ]
    tiles = re.findall(r'<div class="kpi tone-(\w+)"', html)
    assert tiles == ["good", "warn", "bad", "none"]
    assert '<div class="kpi-actual">$2.10M</div>' in html
    assert "<span>Target $5.00M</span><span>Score 0.42</span>" in html


def test_cover_says_which_refresh(html: str) -> None:
    assert '<dd class="run-id">7f3c2a9e-41d2-4c55-9f0e-2b8e1d6c0a17</dd>' in html
    assert '<dd class="as-of">2026-10-15</dd>' in html
    assert '<dd class="published-at">2026-10-15 06:04 UTC</dd>' in html
    assert '<dd class="checks">281 checks passed, 0 warnings</dd>' in html
    assert '<dd class="region">All regions</dd>' in html
    assert '<dd class="region">EMEA</dd>' in render_html(small_pack("EMEA"))


def test_self_contained_nothing_fetched(html: str) -> None:
    assert re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I) is None
    assert re.search(r"<script", html, re.I) is None
    assert re.search(r"<link\b", html, re.I) is None
    assert re.search(r"<img\b|<iframe\b|<object\b|<embed\b", html, re.I) is None
    assert re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html, re.I) is None
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    # every local reference (chart clip paths, markers, the contents) resolves in the file
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    refs = re.findall(r'(?:url\(#|href="#)([^)"]+)', html)
    assert refs and set(refs) <= ids
    assert len(re.findall(r'\bid="', html)) == len(ids), "duplicate ids"


def test_one_chart_per_section_with_a_chart_and_data(pack: Pack, html: str) -> None:
    expected = [
        s.key for s in pack.sections if s.chart is not None and not s.empty and s.table.rows
    ]
    assert expected == [
        "utilization",
        "bookings",
        "revenue_layers",
        "forecast_accuracy",
        "capacity",
    ]
    assert count_charts(html) == len(expected)
    for key in expected:
        figure = re.search(
            rf'<figure class="chart" data-section="{key}">\s*<svg role="img" aria-label="([^"]*)"',
            html,
        )
        assert figure is not None, key
        caption = next(s.caption for s in pack.sections if s.key == key)
        assert figure.group(1) == caption.replace("'", "&#x27;")


def test_sections_are_anchored_and_in_order(pack: Pack, html: str) -> None:
    keys = re.findall(
        r'<section id="section-([\w-]+)" class="section[^"]*" data-section="\1"', html
    )
    assert keys == [s.key for s in (*pack.sections, *pack.footer)]


def test_charts_are_deterministic(pack: Pack) -> None:
    assert render_html(pack) == render_html(pack)
    s = pack.sections[1]
    first = render_chart(s.chart, s.table, s.caption)  # type: ignore[arg-type]
    assert first == render_chart(s.chart, s.table, s.caption)  # type: ignore[arg-type]
    assert first.startswith('<svg role="img"')
    assert "font-family: -apple-system" in first  # text stays text
    assert "<metadata>" not in first and "<dc:date>" not in first


def test_chart_rejects_an_unknown_column(pack: Pack) -> None:
    s = pack.sections[1]
    with pytest.raises(ValueError, match="'Nope' is not in the table"):
        render_chart(Chart("line", x="Month", y="Nope"), s.table, "x")


requires_chromium = pytest.mark.skipif(
    find_chromium(os.environ.get("PSOPS_CHROMIUM")) is None,
    reason="REAL BROWSER: no Chromium found (apt-get install chromium, or set "
    "PSOPS_CHROMIUM); the lead's CI installs it",
)


@requires_chromium
def test_real_chromium_prints_the_pack_to_pdf(pack: Pack, html: str, tmp_path: Path) -> None:
    """REAL BROWSER: Debian's chromium prints the pack; poppler reads the PDF back."""
    page = tmp_path / "qbr.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / "out" / "qbr.pdf"
    print_pdf(page, pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert page_count(pdf) >= 1
    png = tmp_path / "qbr.png"
    preview_png(pdf, png, width_px=600)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "out",
        "qbr.html",
        "qbr.pdf",
        "qbr.png",
    ]  # no partial PDF, no profile left


def test_missing_chromium_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-browser")
    assert find_chromium(missing) is None
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(ChromiumMissing, match="apt-get install chromium.*PSOPS_CHROMIUM"):
        print_pdf(page, tmp_path / "p.pdf", chromium=missing)
    assert not (tmp_path / "p.pdf").exists()


def _fake_browser(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-chromium"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_a_failed_print_shows_chromium_stderr_and_leaves_no_pdf(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = _fake_browser(tmp_path, 'echo "[ERROR] cannot open display" >&2\nexit 3')
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(PrintFailed, match=r"exit 3, no PDF written(.|\n)*cannot open display"):
        print_pdf(page, tmp_path / "p.pdf", chromium=str(fake))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-chromium", "p.html"]


def test_a_hung_print_is_killed_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = _fake_browser(tmp_path, 'echo "still loading" >&2\nsleep 30 & wait')
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(PrintFailed, match=r"did not finish in 1 s(.|\n)*still loading"):
        print_pdf(page, tmp_path / "p.pdf", timeout=1, chromium=str(fake))
    assert not (tmp_path / "p.pdf").exists()


def test_text_from_the_data_cannot_break_out_of_the_page() -> None:
    base = small_pack()
    hostile = 'Q4 "</style><script>alert(1)</script>\\'
    p = Pack(
        title=hostile,
        quarter=base.quarter,
        region=hostile,
        cover=base.cover,
        sections=base.sections,
        footer=base.footer,
    )
    html = render_html(p)
    assert "<script" not in html
    assert html.split("</head>")[0].count("</style>") == 1  # the page style ends once
    assert '@bottom-left { content: "Q4 \\22 \\3c /style\\3e \\3c script\\3e ' in html

"""The QBR pack of a real refresh (the small sandbox, through `psops refresh`), made by
`psops report qbr`: every number in it, parsed back from the HTML's table fallbacks, equals
a query on the published analytics.duckdb written here independently of the pack's own;
`--region` filters it; it opens in a real Chromium with its charts drawn and no console
error; its PDF has pages.  The first page's picture for the README is taken here."""

from __future__ import annotations

import math
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.reports.parse import count_charts, read_empty, read_tables
from tests.browser import browser_page, screenshot
from tests.conftest import REPO_ROOT
from tests.test_refresh_e2e import psops, published  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

QUARTER = "2026-Q4"  # the sandbox's as-of (2026-10-15) falls in it
NEXT = ("2027-Q1", "2027-Q2")


@pytest.fixture(scope="module")
def pack(published, sandbox_env):  # noqa: F811
    warehouse, result, _ = published
    assert result.returncode == 0, result.stdout + result.stderr
    made = psops(["report", "qbr"], sandbox_env, warehouse)
    assert made.returncode == 0, made.stdout + made.stderr
    html = warehouse / "reports" / f"qbr-{QUARTER}.html"
    assert str(html) in made.stdout
    return warehouse, html


def _query(warehouse: Path, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _num(raw: str | None) -> float | None:
    return None if raw is None else float(raw)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _cells(row: dict[str, str]) -> dict[str, object]:
    """A table row for comparison: float cells rounded to 9 significant digits."""

    def cell(text: str) -> object:
        try:
            number = float(text)
        except (TypeError, ValueError):
            return text
        return float(f"{number:.9g}") if "." in text or "e" in text else text

    return {name: cell(value) for name, value in row.items()}


def _assert_values(found: dict[tuple, float | None], expected: dict[tuple, float | None]):
    assert found.keys() == expected.keys()
    wrong = {k: (found[k], expected[k]) for k in found if not _same(found[k], expected[k])}
    assert not wrong, wrong


def test_the_pack_says_which_refresh_it_shows(pack) -> None:
    warehouse, html = pack
    run_id, as_of, checks = _query(
        warehouse,
        "SELECT run_id, as_of_date, check_summary FROM marts._publish_log "
        "ORDER BY published_at DESC LIMIT 1",
    )[0]
    text = html.read_text()
    assert run_id in text and as_of.isoformat() in text and checks in text
    assert "http://" not in text.replace("http://www.w3.org", "")  # nothing fetched at view
    assert "<script src" not in text


def test_every_table_and_tile_reads_back_as_built_from_the_published_file(pack) -> None:
    """The whole pack: each printed table cell and tile is the value the pack's queries read
    from analytics.duckdb (the tests below check those queries against the marts)."""
    from orchestration.reports.parse import read_kpis
    from orchestration.reports.qbr_data import build_pack
    from orchestration.reports.render import raw_value

    warehouse, html = pack
    built = build_pack(warehouse / "analytics.duckdb")
    text = html.read_text()
    tables = read_tables(text)
    for s in (*built.sections, *built.footer):
        if s.empty:
            continue
        names = [c.name for c in s.table.columns]
        expected = [
            {n: raw_value(v) for n, v in zip(names, row, strict=True)} for row in s.table.rows
        ]
        # the second build re-runs the aggregates: a float summed by DuckDB's threads in
        # another order may differ in its last bits (seen in CI: ...1591903 vs ...1591898)
        assert [_cells(r) for r in tables[s.key]] == [_cells(r) for r in expected], s.key
    headline = next(s for s in built.sections if s.key == "headline")
    assert [(t["data-metric"], t["data-actual"] or None) for t in read_kpis(text)] == [
        (k.metric, raw_value(k.actual)) for k in headline.kpis
    ]


def test_the_key_results_equal_the_scorecard(pack) -> None:
    warehouse, html = pack
    rows = read_tables(html.read_text())["headline"]
    expected = _query(
        warehouse,
        """SELECT description, actual, score, status FROM marts.mart_sokr_scorecard
           WHERE quarter = ? AND as_of_date = (SELECT max(as_of_date)
                 FROM marts.mart_sokr_scorecard WHERE quarter = ?)""",
        QUARTER,
        QUARTER,
    )
    assert len(rows) == len(expected) > 0
    _assert_values(
        {(r["key result"], "actual"): _num(r["actual"]) for r in rows}
        | {(r["key result"], "score"): _num(r["score"]) for r in rows},
        {(d, "actual"): a for d, a, _, _ in expected}
        | {(d, "score"): s for d, _, s, _ in expected},
    )
    assert {r["key result"]: r["status"] for r in rows} == {d: st for d, *_, st in expected}


def test_utilization_equals_the_monthly_mart(pack) -> None:
    warehouse, html = pack
    tables = read_tables(html.read_text())
    for measure in ("billable", "productive"):
        rows = tables[f"utilization_{measure}"]
        expected = _query(
            warehouse,
            f"""SELECT month_start, CASE WHEN grain = 'org' THEN 'All regions' ELSE region END,
                       {measure}_utilization FROM marts.mart_utilization_monthly
                WHERE grain IN ('org', 'region')
                  AND month_start BETWEEN DATE '2025-10-01' AND DATE '2026-10-01'""",
        )
        assert len({r["month"] for r in rows}) == 13
        _assert_values(
            {(r["month"], r["region"]): _num(r["utilization"]) for r in rows},
            {(m.isoformat(), reg): v for m, reg, v in expected},
        )


def test_sla_attainment_is_met_over_met_plus_breached_in_the_quarter(pack) -> None:
    warehouse, html = pack
    rows = read_tables(html.read_text())["sla_attainment"]
    expected = _query(
        warehouse,
        """SELECT priority, metric, sum(met_count), sum(breached_count)
           FROM marts.mart_sla_attainment_monthly
           WHERE month_start >= DATE '2026-10-01' AND month_start < DATE '2027-01-01'
           GROUP BY ALL""",
    )
    _assert_values(
        {(r["priority"], r["metric"]): _num(r["attainment"]) for r in rows},
        {(p, m): met / (met + br) if met + br else None for p, m, met, br in expected},
    )
    assert {(r["priority"], r["metric"]): int(r["breached"]) for r in rows} == {
        (p, m): br for p, m, _, br in expected
    }


def test_revenue_bookings_and_capacity_equal_their_marts(pack) -> None:
    warehouse, html = pack
    tables = read_tables(html.read_text())
    revenue = _query(
        warehouse,
        """SELECT quarter, layer, sum(amount) FROM marts.mart_revenue_forecast
           WHERE quarter IN (?, ?) GROUP BY ALL""",
        *NEXT,
    )
    _assert_values(
        {(r["quarter"], r["layer"]): _num(r["amount"]) for r in tables["revenue_next_quarters"]},
        {(q, layer): amount for q, layer, amount in revenue},
    )
    bookings = _query(
        warehouse,
        """SELECT forecast_category, sum(ps_amount), sum(weighted_ps_amount)
           FROM marts.mart_bookings_forecast
           WHERE quarter = ? AND NOT (is_closed AND NOT is_won) GROUP BY ALL""",
        QUARTER,
    )
    _assert_values(
        {(r["forecast category"], r["measure"]): _num(r["amount"]) for r in tables["bookings"]},
        {(c, "PS amount"): ps for c, ps, _ in bookings}
        | {(c, "weighted PS amount"): w for c, _, w in bookings},
    )
    weeks = _query(
        warehouse,
        "SELECT DISTINCT week_start FROM marts.mart_capacity_forecast ORDER BY 1 LIMIT 12",
    )
    capacity = _query(
        warehouse,
        """SELECT role, sum(supply_hours), sum(demand_hours) FROM marts.mart_capacity_forecast
           WHERE week_start BETWEEN ? AND ? GROUP BY ALL""",
        weeks[0][0],
        weeks[-1][0],
    )
    gap_rows = tables["capacity_gap"]
    _assert_values(
        {(r["role"], "supply"): _num(r["supply hours"]) for r in gap_rows}
        | {(r["role"], "demand"): _num(r["demand hours"]) for r in gap_rows},
        {(role, "supply"): s for role, s, _ in capacity}
        | {(role, "demand"): d for role, _, d in capacity},
    )


def test_risks_equal_the_clocks_and_the_hygiene_marts(pack) -> None:
    warehouse, html = pack
    tables = read_tables(html.read_text())
    # the sandbox's top priority is 'Highest'; a clock breached in the quarter counts
    breached = _query(
        warehouse,
        """SELECT issue_key, metric, elapsed_business_hours FROM marts.fct_sla_clocks
           WHERE priority = 'Highest' AND sla_status = 'breached'
             AND stop_month BETWEEN DATE '2026-10-01' AND DATE '2026-12-01'""",
    )
    assert breached
    _assert_values(
        {(r["issue"], r["metric"]): _num(r["elapsed hours"]) for r in tables["sla_breached_p1"]},
        {(key, metric): hours for key, metric, hours in breached},
    )
    assert sum(int(r["breached"]) for r in tables["risk_p1"]) == len(breached)
    hygiene = _query(
        warehouse,
        """SELECT source, reason, count(*) FROM marts.dq_unmatched_identities GROUP BY ALL
           UNION ALL SELECT 'jira', missing_reason, count(*)
           FROM marts.dq_tickets_without_policy GROUP BY ALL""",
    )
    assert {(r["source"], r["reason"]): int(r["records"]) for r in tables["risk_hygiene"]} == {
        (source, reason): n for source, reason, n in hygiene
    }


def test_the_footer_shows_freshness_and_the_gate_of_the_published_run(pack) -> None:
    warehouse, html = pack
    tables = read_tables(html.read_text())
    freshness = _query(warehouse, "SELECT source, stream, rows_loaded FROM marts._source_freshness")
    assert len(freshness) >= 10  # every stream of the three sources
    assert {(r["source"], r["stream"]): int(r["rows loaded"]) for r in tables["freshness"]} == {
        (s, st): n for s, st, n in freshness
    }
    by_result = Counter()
    for r in tables["checks"]:
        by_result[r["result"]] += int(r["checks"])
    expected = _query(
        warehouse,
        """SELECT passed, count(*) FROM marts.mart_dq_results WHERE run_id =
           (SELECT run_id FROM marts._publish_log ORDER BY published_at DESC LIMIT 1)
           GROUP BY ALL""",
    )
    assert sum(by_result.values()) == sum(n for _, n in expected) > 200


def test_the_coverage_sections_show_their_marts_or_wait_for_them(pack) -> None:
    warehouse, html = pack
    text = html.read_text()
    empty, tables = read_empty(text), read_tables(text)
    marts = {r[0] for r in _query(warehouse, "SHOW TABLES FROM marts")}
    for key, mart in (
        ("coverage", "mart_coverage_quarterly"),
        ("partner_share", "mart_partner_delivery_quarterly"),
        ("presales", "mart_presales_monthly"),
        ("timesheets", "mart_timesheet_compliance_weekly"),
    ):
        if mart not in marts:
            assert "Not yet available" in empty[key], key
        else:  # never invented: a value table from the mart, or a plain "no data" line
            assert key in tables or "Not yet available" not in empty.get(key, ""), key


def test_a_region_pack_shows_only_that_region(pack, sandbox_env) -> None:
    warehouse, _ = pack
    made = psops(["report", "qbr", "--region", "EMEA", "--no-pdf"], sandbox_env, warehouse)
    assert made.returncode == 0, made.stdout + made.stderr
    tables = read_tables((warehouse / "reports" / f"qbr-{QUARTER}-EMEA.html").read_text())
    regions = {r["region"] for rows in tables.values() for r in rows if r.get("region") is not None}
    assert regions == {"EMEA"}
    assert {r["scope"] for r in tables["headline"]} == {"region EMEA"}


def test_a_quarter_without_data_says_so_and_no_pack_without_a_publish(pack, sandbox_env, tmp_path):
    warehouse, _ = pack
    made = psops(["report", "qbr", "--quarter", "2019-Q1", "--no-pdf"], sandbox_env, warehouse)
    assert made.returncode == 0, made.stdout + made.stderr
    text = (warehouse / "reports" / "qbr-2019-Q1.html").read_text()
    assert count_charts(text) == 0
    assert not {k for k, rows in read_tables(text).items() if rows} - {"freshness", "checks"}
    nothing = psops(["report", "qbr"], sandbox_env, tmp_path / "empty-warehouse")
    assert nothing.returncode == 2
    assert "nothing is published" in nothing.stderr
    bad = psops(["report", "qbr", "--quarter", "2026Q3"], sandbox_env, warehouse)
    assert bad.returncode == 2 and "2026Q3" in bad.stderr


def test_the_pack_renders_in_chromium_and_prints(pack) -> None:
    """A real browser: every chart drawn, no console error; the PDF's pages counted by
    poppler; the first page kept for the README (docs/qbr_pack_page1.png)."""
    warehouse, html = pack
    charts = count_charts(html.read_text())
    assert charts >= 8
    with browser_page(width=1100, height=1400) as browser:
        page = browser.page
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("figure.chart svg").count() == charts
        assert page.locator("section.section").count() >= 15
        assert page.locator(".kpi").count() == len(read_tables(html.read_text())["headline"])
        shot = screenshot(page, "qbr-pack", full_page=True)
        assert not browser.console_errors + browser.page_errors + browser.failed_requests
    assert shot.stat().st_size > 10_000
    pdf = html.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    assert pages >= 3
    first = html.with_suffix(".png")
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    screenshots = REPO_ROOT / "warehouse" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(first, screenshots / "qbr-pack-page1.png")

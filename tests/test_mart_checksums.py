"""``tests.mart_checksums`` on hand-built analytics files: the order of rows does not change
a mart's checksum, one changed value (or a duplicated row) does, and ``--compare`` exits 1
naming the marts that differ."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.mart_checksums import main, mart_checksums

ROWS = [
    (1, "Ada", 0.1 + 0.2, None),
    (2, "Grace", 1.5, "2026-10-15"),
    (3, "Linus", -0.0, "2026-10-16"),
]


def build(path: Path, rows: list[tuple], stamp: str = "2026-12-03 06:00:00") -> Path:
    """``marts.people`` with ``rows``, ``marts.mart_dq_results`` stamped ``stamp``, a log."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.people (id INT, name VARCHAR, score DOUBLE, day DATE)")
    con.executemany("INSERT INTO marts.people VALUES (?, ?, ?, ?)", rows)
    con.execute(
        "CREATE TABLE marts.mart_dq_results (run_id VARCHAR, checked_at TIMESTAMP, passed BOOL)"
    )
    con.execute("INSERT INTO marts.mart_dq_results VALUES (?, ?, true)", [stamp, stamp])
    con.execute("CREATE TABLE marts._publish_log (run_id VARCHAR)")
    con.execute("INSERT INTO marts._publish_log VALUES (?)", [stamp])
    con.close()
    return path


def by_mart(path: Path) -> dict[str, tuple[int, str]]:
    return {m.mart: (m.rows, m.checksum) for m in mart_checksums(path)}


def test_the_same_rows_in_another_order_have_the_same_checksum(tmp_path: Path) -> None:
    a = by_mart(build(tmp_path / "a.duckdb", ROWS))
    b = by_mart(build(tmp_path / "b.duckdb", list(reversed(ROWS)), stamp="2026-12-04 07:00:00"))
    assert a == b
    assert set(a) == {"people", "mart_dq_results"}  # the _publish_log is not a mart
    assert a["people"][0] == 3
    assert a == by_mart(tmp_path / "a.duckdb")  # stable across runs


def test_one_changed_value_or_a_duplicated_row_changes_the_checksum(tmp_path: Path) -> None:
    a = by_mart(build(tmp_path / "a.duckdb", ROWS))
    changed = [ROWS[0], (2, "Grace", 1.5000000000000002, "2026-10-15"), ROWS[2]]
    b = by_mart(build(tmp_path / "b.duckdb", changed))
    assert a["people"][0] == b["people"][0] == 3
    assert a["people"][1] != b["people"][1]
    assert a["mart_dq_results"] == b["mart_dq_results"]
    twice = by_mart(build(tmp_path / "c.duckdb", ROWS + [ROWS[0], ROWS[0]]))
    assert twice["people"][0] == 5
    assert twice["people"][1] != a["people"][1]  # a sum, not a XOR: duplicates do not cancel


def test_compare_exits_1_listing_the_marts_that_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = build(tmp_path / "a.duckdb", ROWS)
    b = build(tmp_path / "b.duckdb", ROWS[:2] + [(3, "Linus", -0.0, "2026-10-17")])
    assert main(["--compare", str(a), str(a)]) == 0
    assert capsys.readouterr().out == "2 marts identical\n"
    assert main(["--compare", str(a), str(b)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("people: checksum ")


def test_run_stamped_columns_count_only_with_all_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = build(tmp_path / "a.duckdb", ROWS)
    b = build(tmp_path / "b.duckdb", ROWS, stamp="2026-12-04 07:00:00")
    assert main(["--compare", str(a), str(b)]) == 0
    capsys.readouterr()
    assert main(["--compare", str(a), str(b), "--all-columns", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["identical"] is False
    assert [line.split(":")[0] for line in report["differences"]] == ["mart_dq_results"]


def test_json_lists_every_mart_with_rows_checksum_and_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(build(tmp_path / "a.duckdb", ROWS)), "--json"]) == 0
    marts = json.loads(capsys.readouterr().out)
    assert [m["mart"] for m in marts] == ["mart_dq_results", "people"]
    people = marts[1]
    assert people["rows"] == 3 and len(people["checksum"]) == 16
    assert people["columns"] == ["id INTEGER", "name VARCHAR", "score DOUBLE", "day DATE"]


def test_float_summation_noise_is_identical_unless_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.1 + 0.2 summed in another order (0.30000000000000004 vs 0.3) is the same number to
    1e-9; a real change (0.31) is not."""
    a = build(tmp_path / "a.duckdb", ROWS)
    noise = build(tmp_path / "b.duckdb", [(1, "Ada", 0.3, None), *ROWS[1:]])
    real = build(tmp_path / "c.duckdb", [(1, "Ada", 0.31, None), *ROWS[1:]])
    assert main(["--compare", str(a), str(noise)]) == 0
    assert main(["--compare", str(a), str(noise), "--exact"]) == 1
    assert main(["--compare", str(a), str(real)]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("people: checksum ")

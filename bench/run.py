"""``make bench``: one table of side-by-side measurements, each pair taken in the same run
on this machine (ratios, not absolute timings, are what compare across machines):

- ingest: each connector's records/s vs the same requests replayed with plain ``requests``
  (``bench.ingest``; the sandbox servers in their own process);
- dbt: ``dbt build`` / ``dbt run`` of ``+mart_utilization_monthly`` vs one hand-written
  DuckDB query giving the same numbers, ``dbt run`` of one view, the dbt command's own
  cost (``bench.dbt_floor``), and the build's SQL alone, replayed without dbt
  (``bench.dbt_sql_alone``); ``dbt build`` of the whole graph an hourly build may run vs
  its SQL alone; dbt's own work a node is what a build takes beyond its start and its SQL;
- refresh: full, ``sandbox advance --days 1``, incremental, and incremental again with
  nothing changed (no dbt: what every hourly run costs); wall time and peak memory
  (``bench.refresh``), and ``incremental refresh: N % of full (nothing changed: M %)``.

The dataset (seed 7, as of 2026-10-15) is kept in ``--dir`` (default
``warehouse/bench/<scale>``) and generated only when missing.

    python -m bench [--scale small|medium|large] [--only ingest,dbt,refresh] [--dir DIR]

``--scale large`` runs the refresh part (generate, full, incremental) unless ``--only``
says otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.sandbox import dataset_as_of, ensure_dataset

PARTS = ("ingest", "refresh", "dbt")
INGEST_GOAL = 1.5
DBT_GOAL = 5.0
INCREMENTAL_GOAL = 0.10


@dataclass(frozen=True)
class Row:
    measure: str
    psops: str
    floor: str = ""
    ratio: str = ""
    note: str = ""


HEADER = Row("measure", "psops", "floor / reference", "ratio", "")


def format_table(rows: list[Row]) -> str:
    """Rows as aligned columns under a header and a rule (text left, figures right)."""
    table = [HEADER, *rows]
    widths = [
        max(len(getattr(row, name)) for row in table)
        for name in ("measure", "psops", "floor", "ratio")
    ]

    def line(row: Row) -> str:
        cells = [
            row.measure.ljust(widths[0]),
            row.psops.rjust(widths[1]),
            row.floor.rjust(widths[2]),
            row.ratio.rjust(widths[3]),
        ]
        return ("  ".join(cells) + ("  " + row.note if row.note else "")).rstrip()

    head = line(HEADER)
    return "\n".join([head, "-" * len(head), *(line(row) for row in rows)])


def load_line(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    averages = f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"
    return f"load at {when} ({stamp}): {averages}, {os.cpu_count()} CPUs (nproc)"


def _mb(value: float) -> str:
    return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB"


def ingest_rows(results: list) -> list[Row]:
    rows = []
    for r in results:
        failures = f", {r.replay_failures} non-200 in replay" if r.replay_failures else ""
        rows.append(
            Row(
                f"ingest {r.source} (records/s)",
                f"{r.records / r.connector_s:,.0f}",
                f"{r.records / r.replay_s:,.0f}",
                f"{r.connector_s / r.replay_s:.2f}x",
                f"{r.records:,} records, {r.requests:,} requests{failures}",
            )
        )
    records = sum(r.records for r in results)
    connector = sum(r.connector_s for r in results)
    floor = sum(r.replay_s for r in results)
    rows.append(
        Row(
            "ingest all (records/s)",
            f"{records / connector:,.0f}",
            f"{records / floor:,.0f}",
            f"{connector / floor:.2f}x",
            f"goal <= {INGEST_GOAL:.2f}x; floor = same requests, plain requests",
        )
    )
    return rows


def dbt_rows(result) -> list[Row]:
    check = (
        f"floor = mart: {result.rows:,} rows identical"
        if not result.mismatches
        else f"FLOOR != MART: {len(result.mismatches)} differences"
    )
    return [
        Row(
            "dbt build +mart_utilization_monthly (s)",
            f"{result.build_s:.1f}",
            f"{result.floor_s:.2f}",
            f"{result.build_s / result.floor_s:.1f}x",
            f"goal <= {DBT_GOAL:.0f}x (3x); {check}",
        ),
        Row(
            "dbt run +mart_utilization_monthly (s)",
            f"{result.run_s:.1f}",
            f"{result.floor_s:.2f}",
            f"{result.run_s / result.floor_s:.1f}x",
            "floor = bench/floor_utilization_monthly.sql",
        ),
        Row(
            "dbt run, one view (s)",
            f"{result.one_view_s:.1f}",
            f"{result.floor_s:.2f}",
            f"{result.one_view_s / result.floor_s:.1f}x",
            "the dbt command's own cost, before any of the path's nodes",
        ),
        Row(
            "dbt build's SQL alone (s)",
            f"{result.sql_alone_s:.1f}",
            f"{result.floor_s:.2f}",
            f"{result.sql_alone_s / result.floor_s:.1f}x",
            "each node's compiled SQL, the build's order, one DuckDB connection, no dbt; "
            f"dbt's own work: {_per_node(result, result.one_view_s)}",
        ),
    ]


def _per_node(measured, start_s: float) -> str:
    """dbt's own work a node: a build less the command's start (``dbt run`` of one view)
    and less its SQL alone, over its nodes."""
    ms = 1000 * (measured.build_s - start_s - measured.sql_alone_s) / measured.nodes
    return f"~{ms:.0f} ms a node ({measured.nodes} nodes)"


def whole_graph_rows(result, start_s: float) -> list[Row]:
    return [
        Row(
            "dbt build, whole graph (s)",
            f"{result.build_s:.1f}",
            f"{result.sql_alone_s:.2f}",
            f"{result.build_s / result.sql_alone_s:.1f}x",
            "every node an hourly build may run; reference = their SQL alone; "
            f"dbt's own work: {_per_node(result, start_s)}",
        )
    ]


def refresh_rows(result, generated_s: float | None) -> list[Row]:
    rows = []
    if generated_s is not None:
        rows.append(Row("sandbox generate (s)", f"{generated_s:.0f}"))
    for name, measured in (
        ("refresh --full", result.full),
        ("sandbox advance --days 1", result.advance),
        ("refresh (incremental)", result.incremental),
        ("refresh (incremental), nothing changed", result.unchanged),
    ):
        rows.append(
            Row(
                f"{name} (s)",
                f"{measured.seconds:.1f}",
                note=f"peak RSS {_mb(measured.peak_rss_mb)} (process tree, sampled: "
                f"{_mb(measured.tree_rss_mb)}; largest process: {_mb(measured.process_rss_mb)})",
            )
        )
    rows.append(
        Row(
            "incremental / full (wall time)",
            f"{result.incremental.seconds:.1f}",
            f"{result.full.seconds:.1f}",
            f"{result.incremental_share:.0%}",
            f"goal <= {INCREMENTAL_GOAL:.0%}",
        )
    )
    rows.append(
        Row(
            "nothing changed / full (wall time)",
            f"{result.unchanged.seconds:.1f}",
            f"{result.full.seconds:.1f}",
            f"{result.unchanged_share:.0%}",
            "no dbt: run start, ingest, gate, publish",
        )
    )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from sources.common.settings import read_run_settings

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small", choices=["small", "medium", "large"])
    parser.add_argument(
        "--only", help=f"comma-separated parts of {','.join(PARTS)} (default: all; large: refresh)"
    )
    parser.add_argument("--dir", help="where the dataset is kept (default warehouse/bench/<scale>)")
    parser.add_argument(
        "--workers",
        type=int,
        default=read_run_settings(os.environ, "kantata").max_workers,
        help="ingest concurrency per source (default PSOPS_MAX_WORKERS)",
    )
    args = parser.parse_args(argv)
    default = "refresh" if args.scale == "large" else ",".join(PARTS)
    args.parts = [part.strip() for part in (args.only or default).split(",") if part.strip()]
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown --only part(s) {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    from bench.dbt_floor import measure_dbt_floor, measure_whole_graph
    from bench.ingest import measure_ingest
    from bench.refresh import make_refreshed, measure_refresh

    args = parse_args(argv)
    root = Path(args.dir or Path("warehouse") / "bench" / args.scale).resolve()
    dataset, work, refreshed = root / "dataset", root / "run", root / "refreshed" / "psops.duckdb"
    start_load = load_line("start")
    print(start_load, flush=True)
    started = time.monotonic()
    generated_s = ensure_dataset(dataset, args.scale)
    if generated_s is not None:
        shutil.rmtree(refreshed.parent, ignore_errors=True)  # made from an older dataset
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows: list[Row] = []
    mismatches: list[str] = []
    if "ingest" in args.parts:
        print("ingest: connectors vs plain requests ...", flush=True)
        rows += ingest_rows(measure_ingest(dataset, work, args.workers))
    if "refresh" in args.parts:
        print("refresh: full, advance --days 1, incremental, unchanged ...", flush=True)
        result = measure_refresh(dataset, work / "refresh", refreshed)
        rows += refresh_rows(result, generated_s)
        incremental_line = (
            f"incremental refresh: {result.incremental_share:.0%} of full "
            f"(nothing changed: {result.unchanged_share:.0%})"
        )
    if "dbt" in args.parts:
        if not refreshed.exists():
            print("dbt: making a refreshed warehouse (a full refresh) ...", flush=True)
            make_refreshed(dataset, work / "base", refreshed)
        print("dbt: +mart_utilization_monthly vs the floor query ...", flush=True)
        outcome = measure_dbt_floor(refreshed, work / "dbt", dataset_as_of(dataset))
        rows += dbt_rows(outcome)
        print("dbt: the whole graph vs its SQL alone ...", flush=True)
        whole = measure_whole_graph(refreshed, work / "dbt-whole-graph", dataset_as_of(dataset))
        rows += whole_graph_rows(whole, outcome.one_view_s)
        mismatches = outcome.mismatches
    print()
    print(
        f"psops bench: {args.scale} sandbox (seed 7, as of {dataset_as_of(dataset)}), "
        f"{args.workers} ingest worker(s) per source, in {root}"
    )
    print(start_load)
    print(format_table(rows))
    if "refresh" in args.parts:
        print(incremental_line)
    print(load_line("end") + f"; the bench took {time.monotonic() - started:.0f}s")
    if mismatches:
        print(f"\nTHE FLOOR QUERY DOES NOT MATCH {len(mismatches)} VALUE(S) OF THE MART:")
        for problem in mismatches[:20]:
            print(f"  {problem}")
        return 1
    return 0

"""The SQL of a dbt build without dbt: every node the build ran, its compiled SQL executed in
the build's order in one DuckDB connection (a model's as ``create or replace table|view``, a
test's as ``select count(*)`` of its failing rows, a seed's CSV read into a temporary table,
the snapshot's select counted, an incremental model's new rows replacing the rows of their
keys as dbt's delete+insert does). What a ``dbt build`` takes beyond this and beyond the dbt
command's own start is dbt's work per node (rendering, materialization, events).

    python -m bench --only dbt    (the row "dbt build's SQL alone")
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import duckdb

from orchestration.defs.resources import DBT_PROJECT_DIR


def build_order(build_log: Path) -> list[str]:
    """The unique ids of the nodes a ``dbt build`` started, in order (its JSON log lines)."""
    order = []
    for line in build_log.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("info", {}).get("name") == "LogStartLine":
            order.append(event["data"]["node_info"]["unique_id"])
    return order


def statements(node: dict[str, Any]) -> list[str]:
    """The statements that do ``node``'s database work."""
    kind, sql, config = node["resource_type"], node.get("compiled_code", ""), node["config"]
    if kind == "seed":
        csv = DBT_PROJECT_DIR / node["original_file_path"]
        return [f"create or replace temp table seed_{node['name']} as from read_csv('{csv}')"]
    if kind == "model" and config["materialized"] == "incremental":
        # compiled on a warehouse that has the table: the SQL selects the new rows
        unique_key = config["unique_key"]  # a column or a list of them
        columns = [unique_key] if isinstance(unique_key, str) else unique_key
        table, keys = node["relation_name"], ", ".join(columns)
        return [
            f"create or replace temp table new_rows as {sql}",
            f"delete from {table} where ({keys}) in (select ({keys}) from new_rows)",
            f"insert into {table} by name from new_rows",
        ]
    if kind == "model":
        table = "view" if config["materialized"] == "view" else "table"
        return [f"create or replace {table} {node['relation_name']} as {sql}"]
    return [f"select count(*) from ({sql}) as dbt_internal_test"]


def replay(db: Path, manifest: Path, build_log: Path) -> float:
    """Seconds to run, on ``db``, the SQL of every node of the build logged in
    ``build_log``, compiled in ``manifest`` (``dbt compile`` of the same selection)."""
    nodes = json.loads(manifest.read_text())["nodes"]
    work = [sql for unique_id in build_order(build_log) for sql in statements(nodes[unique_id])]
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'UTC'")  # the profile's setting (profiles.yml)
        started = time.monotonic()
        for sql in work:
            con.execute(sql).fetchall()
        return time.monotonic() - started
    finally:
        con.close()

"""What a refresh's ``dbt build`` must rebuild: only what changed since the last build.

A build's inputs are the dbt project (its files, the run's dbt vars, dbt's version), the raw
tables dbt reads as sources, and the as-of date.  After every build that passes (of the
whole graph, or of all that changed), the refresh records them in the working copy
(``meta.dbt_builds``), which is committed with what dbt built, so a run that dies leaves
both as they were:

- the project as one fingerprint of its files and the dbt vars;
- each source table as a fingerprint of its content: its row count and the sum of one hash
  per row over every column but ``_loaded_at`` (a re-read record that did not change keeps
  its fingerprint; a new, changed or deleted one moves it);
- the as-of date.

The next build compares.  No earlier build, or another project: everything.  Else the
models downstream of the source tables whose fingerprint moved, and, when the as-of date
moved, of the models that read it (``as_of_date()`` and the macros calling it, found in the
manifest); the tests of all these (dbt's eager indirect selection).  Nothing moved: no dbt
at all.  Whatever is not rebuilt was built from exactly these inputs before; its tests'
latest results stand (publish audits the latest result of every check, whichever run).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

BUILDS_TABLE = "meta.dbt_builds"
# metadata of the materialization of a mart a build of what changed left as it was
NOT_REBUILT_KEY = "psops/not_rebuilt"
AS_OF_MACRO = "macro.psops.as_of_date"
# not inputs of the build: dbt's own output and logs
_NOT_PROJECT = {"target", "logs", "dbt_packages"}
_LOAD_TIME_COLUMN = "_loaded_at"  # set again on every upsert, changed or not


@dataclass(frozen=True)
class BuildInputs:
    project: str  # fingerprint of the project's files, the dbt vars and dbt's version
    as_of: str  # YYYY-MM-DD
    sources: Mapping[str, str] = field(default_factory=dict)  # source unique_id → fingerprint


def project_fingerprint(project_dir: Path, dbt_vars: Mapping[str, str]) -> str:
    """sha256 over the project's files (paths and bytes; not target/, logs/), the run's
    dbt vars and the installed dbt-core."""
    digest = hashlib.sha256()
    digest.update(importlib.metadata.version("dbt-core").encode())
    digest.update(json.dumps(dict(dbt_vars), sort_keys=True).encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and relative.parts[0] not in _NOT_PROJECT:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_tables(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """dbt source unique_id → (schema, table) in the warehouse."""
    return {
        uid: (source["schema"], source.get("identifier") or source["name"])
        for uid, source in manifest["sources"].items()
    }


def source_fingerprints(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, tuple[str, str]]
) -> dict[str, str]:
    """Each source table's ``<rows>:<sum of row hashes>``; ``missing`` for a table that is
    not there.  One scan per table (~0.1 s for the medium sandbox's 680k time entries)."""
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE column_name <> ? ORDER BY table_schema, table_name, ordinal_position",
        [_LOAD_TIME_COLUMN],
    ).fetchall():
        columns.setdefault((schema, table), []).append(column)
    found = {}
    for uid, (schema, table) in tables.items():
        names = columns.get((schema, table))
        if not names:
            found[uid] = "missing"
            continue
        row = ", ".join(f'"{name}"' for name in names)
        count, total = con.execute(
            f'SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0) FROM "{schema}"."{table}"'
        ).fetchone()
        found[uid] = f"{count}:{total}"
    return found


def last_build(con: duckdb.DuckDBPyConnection) -> BuildInputs | None:
    """The inputs of the last whole-graph build recorded in this warehouse, if any."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        BUILDS_TABLE.split("."),
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(
        f"SELECT project, as_of, sources FROM {BUILDS_TABLE} ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return BuildInputs(project=row[0], as_of=row[1], sources=json.loads(row[2]))


def record_build(con: duckdb.DuckDBPyConnection, inputs: BuildInputs, run_id: str) -> None:
    """Record a whole-graph build that succeeded (older rows stay, as history)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {BUILDS_TABLE} (built_at TIMESTAMP, run_id VARCHAR, "
        "project VARCHAR, as_of VARCHAR, sources VARCHAR)"
    )
    con.execute(
        f"INSERT INTO {BUILDS_TABLE} VALUES (?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            run_id,
            inputs.project,
            inputs.as_of,
            json.dumps(dict(inputs.sources), sort_keys=True),
        ],
    )


def models_reading_the_as_of_date(manifest: Mapping[str, Any]) -> list[str]:
    """The unique_ids of the models and snapshots whose SQL calls ``as_of_date()``,
    directly or through the macros that call it."""
    macros = {AS_OF_MACRO}
    grew = True
    while grew:
        grew = False
        for uid, macro in manifest["macros"].items():
            if uid not in macros and macros & set(macro["depends_on"]["macros"]):
                macros.add(uid)
                grew = True
    return sorted(
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot")
        and macros & set(node["depends_on"]["macros"])
    )


@dataclass(frozen=True)
class Changes:
    """What moved between two builds' inputs (same project)."""

    sources: list[str]  # source unique_ids whose content moved
    as_of_moved: bool

    def roots(self, manifest: Mapping[str, Any]) -> list[str]:
        """The changed sources, and the models reading the as-of date when it moved."""
        return self.sources + (models_reading_the_as_of_date(manifest) if self.as_of_moved else [])

    def select(self, manifest: Mapping[str, Any]) -> list[str]:
        """dbt ``--select`` items: each root and what is downstream of it ([]: nothing)."""
        items = []
        for uid in self.roots(manifest):
            if uid in manifest["sources"]:
                source = manifest["sources"][uid]
                items.append(f"source:{source['source_name']}.{source['name']}+")
            else:
                items.append(f"{manifest['nodes'][uid]['name']}+")
        return items

    def rebuilt(self, manifest: Mapping[str, Any]) -> set[str]:
        """The unique_ids ``select`` reaches (the roots and everything downstream)."""
        children: dict[str, list[str]] = {}
        for uid, node in manifest["nodes"].items():
            for parent in node["depends_on"].get("nodes", []):
                children.setdefault(parent, []).append(uid)
        reached, todo = set(), list(self.roots(manifest))
        while todo:
            uid = todo.pop()
            if uid not in reached:
                reached.add(uid)
                todo.extend(children.get(uid, []))
        return reached


def what_changed(previous: BuildInputs | None, current: BuildInputs) -> Changes | None:
    """What moved since ``previous``; None: everything is to be built (no earlier build, or
    the project changed)."""
    if previous is None or previous.project != current.project:
        return None
    moved = [
        uid for uid in sorted(current.sources) if previous.sources.get(uid) != current.sources[uid]
    ]
    return Changes(sources=moved, as_of_moved=previous.as_of != current.as_of)


def in_build_order(manifest: Mapping[str, Any], uids: set[str]) -> list[str]:
    """``uids`` parents first (among themselves), as a multi-asset yields them."""
    ordered: list[str] = []
    placed: set[str] = set()
    pending = sorted(uids)
    while pending:
        ready = [
            uid
            for uid in pending
            if not (set(manifest["nodes"][uid]["depends_on"].get("nodes", [])) & uids) - placed
        ]
        if not ready:  # a cycle: dbt refuses those; keep the rest in name order
            ready = pending
        ordered += ready
        placed.update(ready)
        pending = [uid for uid in pending if uid not in placed]
    return ordered

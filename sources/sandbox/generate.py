"""Deterministic generator of a synthetic Professional Services organisation of a payments
company, consistent across Kantata, Salesforce and Jira, written into
``<out_dir>/sandbox.duckdb`` (tables of ``sources/sandbox/schema.py``).

The order of work: reference data, people, accounts and opportunities (each closed-won
opportunity with PS lines becomes a Kantata workspace and a Jira service project),
staffing (a greedy scheduler puts people on engagements by role, region and load), then
month by month the time entries, time off, timesheets and allocations, and the Jira
tickets with their changelogs.  Large volumes stream into DuckDB month by month.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np

from sources.sandbox import bad_records as bad_record_list
from sources.sandbox import org
from sources.sandbox.gen.activity import Activity
from sources.sandbox.gen.common import (
    FORECAST_DAYS,
    SCALES,
    WARMUP_MONTHS,
    Scale,
    TableWriter,
    add_months,
    day_number,
    salesforce_id,
    salesforce_id_suffix,
)
from sources.sandbox.gen.jira import DEFAULT_PRIORITY_SCHEME, PRIORITY_SCHEMES, JiraTickets
from sources.sandbox.gen.people import People
from sources.sandbox.gen.presales import PresalesRequests
from sources.sandbox.gen.reference import ReferenceData
from sources.sandbox.gen.sales import Sales
from sources.sandbox.gen.staffing import Staffing
from sources.sandbox.salesforce_org import SalesforceOrg, write_org
from sources.sandbox.schema import SYSTEMS, create_sandbox_tables_sql, sandbox_table_name

__all__ = ["SCALES", "Scale", "day_number", "generate", "salesforce_id", "salesforce_id_suffix"]

log = logging.getLogger(__name__)


class _Generator(ReferenceData, People, Sales, Staffing, Activity, JiraTickets, PresalesRequests):
    def __init__(
        self, con: duckdb.DuckDBPyConnection, scale: Scale, seed: int, as_of: date
    ) -> None:
        self.w = TableWriter(con)
        self.scale = scale
        self.seed = seed
        self.as_of = as_of
        self.as_of_n = day_number(as_of)
        self.as_of_s = self.as_of_n * 86400  # as_of 00:00 UTC in epoch seconds
        self.start = add_months(as_of, -scale.months)
        self.start_n = day_number(self.start)
        self.horizon_n = self.as_of_n + FORECAST_DAYS
        self.warmup = add_months(self.start, -WARMUP_MONTHS)
        self.emails: set[str] = set()
        self.counters: dict[str, int] = {}
        self.region_codes = [r.code for r in org.REGIONS]

    # -- utilities ------------------------------------------------------------------
    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def ids(self, table: str, n: int, base: int = 1) -> np.ndarray:
        first = self.counters.get(table, base)
        self.counters[table] = first + n
        return np.arange(first, first + n, dtype="int64")

    def clip_ts(self, seconds: np.ndarray, low: np.ndarray | int | None = None) -> np.ndarray:
        out = np.minimum(np.asarray(seconds, dtype="int64"), self.as_of_s)
        if low is not None:
            out = np.maximum(out, low)
        return out

    def unique_email(self, first: str, last: str, domain: str) -> str:
        base = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email, n = f"{base}@{domain}", 2
        while email in self.emails:
            email, n = f"{base}{n}@{domain}", n + 1
        self.emails.add(email)
        return email

    def run(self) -> None:
        self.reference_data()
        self.people()
        self.salesforce_users()
        self.accounts()
        self.opportunities()
        self.workspaces()
        self.staffing()
        self.time_off_plan()
        self.kantata_activity()
        self.jira_users()
        self.jira_issues()
        self.presales_requests()  # after every other ticket: its own ids follow theirs


# public entry point


def generate(
    out_dir: Path,
    scale: str = "small",
    seed: int = 7,
    as_of: date | None = None,
    orphan_time_entries: int = 0,
    bad_records: bool = False,
    jira_priorities: str = DEFAULT_PRIORITY_SCHEME,
    salesforce_org: SalesforceOrg | None = None,
) -> dict[str, int]:
    """Write <out_dir>/sandbox.duckdb (replacing any existing one) and <out_dir>/manifest.json
    ({"scale", "seed", "as_of", "counts": {table: rows}, "bad_records": [...]}). Returns the
    row counts per table.  ``bad_records``: list a few records the servers render corrupted
    (see ``bad_records.py``); the tables themselves are the same either way.
    ``jira_priorities``: the Jira site's priority scheme, ``default`` (Highest..Lowest) or
    ``p1-p4`` (kept in ``jira_priorities`` and the manifest; ``serve`` serves it).
    ``salesforce_org``: which Salesforce org to play (multi-currency or not, custom fields
    present, missing or renamed; ``salesforce_org.py``), kept in ``_salesforce_org``."""
    if jira_priorities not in PRIORITY_SCHEMES:
        choices = ", ".join(PRIORITY_SCHEMES)
        raise ValueError(f"unknown Jira priority scheme {jira_priorities!r}: choose {choices}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    as_of = as_of or datetime.now(UTC).date()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "sandbox.duckdb"
    building = out_dir / ".sandbox.building.duckdb"
    for stale in (building, Path(f"{building}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        for statement in create_sandbox_tables_sql():
            con.execute(statement)
        gen = _Generator(con, SCALES[scale], seed, as_of)
        gen.jira_priority_scheme = jira_priorities  # Highest..Lowest or P1..P4 (gen/jira.py)
        gen.salesforce_org = salesforce_org or SalesforceOrg()  # describe()'s fields
        gen.run()
        gen.orphans(orphan_time_entries)
        write_org(con, gen.salesforce_org)
        con.execute(bad_record_list.create_table_sql())
        planted = bad_record_list.plant(con, seed) if bad_records else []
        counts = {}
        for system, tables in SYSTEMS.items():
            for table in tables:
                name = sandbox_table_name(system, table)
                counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(building, target)
    manifest = {
        "scale": scale,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "counts": counts,
        "bad_records": planted,
        "jira_priorities": jira_priorities,
        "salesforce_org": gen.salesforce_org.as_dict(),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("sandbox %s (seed %d, as of %s) written to %s", scale, seed, as_of, target)
    return counts

"""Move a sandbox dataset forward in time, so incremental loads can be tested for real.

``advance(sandbox_dir, days)`` adds what ``days`` more days of work would leave behind in
the three systems, every change stamped inside the new days (strictly after the old
``as_of`` 00:00 UTC, before the new one):

- Kantata: time entries for each new working day (each person repeats the entries of
  the same weekday a week earlier, unless on time off), a few past entries edited and a
  few deleted (removed from the table); a pending timesheet submission per person and
  workspace for each week whose Friday is a new day; time off booked, one changed, one
  cancelled (removed).
- Jira: new tickets (To Do, then taken In Progress the same day: a changelog each), open
  tickets moving one status on, one ticket deleted (with its changelog).
- Salesforce: new opportunities, open ones moving a stage on (amount revised), one
  deleted (``IsDeleted = true`` on it and its line items, as the recycle bin shows them
  to ``queryAll``).

Records listed in ``_bad_records`` are never edited or deleted.  The file is rewritten
atomically (a copy is advanced, then renamed over the original): running servers keep
serving the old dataset until they are restarted.  The steps are ``advance_kantata``,
``advance_jira`` and ``advance_salesforce`` (over ``advance_base``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from sources.sandbox.advance_base import Counts
from sources.sandbox.advance_jira import JiraAdvance
from sources.sandbox.advance_kantata import KantataAdvance
from sources.sandbox.advance_salesforce import SalesforceAdvance
from sources.sandbox.schema import SYSTEMS, sandbox_table_name

log = logging.getLogger(__name__)


class _Advance(KantataAdvance, JiraAdvance, SalesforceAdvance):
    def run(self) -> Counts:
        self.time_entries()
        self.timesheets()
        self.time_off()
        self.tickets()
        self.opportunities()
        return self.counts


def advance(sandbox_dir: Path, days: int = 1, seed: int | None = None) -> Counts:
    """Move the dataset in ``sandbox_dir`` forward by ``days`` (new, updated and deleted
    records in all three systems; ``manifest.json``'s ``as_of`` and counts follow).
    ``seed`` defaults to the dataset's own.  Returns ``{table: {"new", "updated",
    "deleted"}}`` per sandbox table changed."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    sandbox_dir = Path(sandbox_dir)
    target = sandbox_dir / "sandbox.duckdb"
    manifest_path = sandbox_dir / "manifest.json"
    if not target.exists() or not manifest_path.exists():
        raise FileNotFoundError(
            f"no sandbox dataset in {sandbox_dir}: run `psops sandbox generate` first"
        )
    manifest = json.loads(manifest_path.read_text())
    start = date.fromisoformat(manifest["as_of"])
    seed = manifest["seed"] if seed is None else seed
    working = sandbox_dir / ".sandbox.advancing.duckdb"
    for stale in (working, Path(f"{working}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(target, working)
    if Path(f"{target}.wal").exists():
        shutil.copyfile(f"{target}.wal", f"{working}.wal")
    con = duckdb.connect(str(working))
    try:
        con.execute("BEGIN")
        counts = _Advance(con, start, days, seed).run()
        con.execute("COMMIT")
        manifest["counts"] = {
            sandbox_table_name(system, table): con.execute(
                f"SELECT count(*) FROM {sandbox_table_name(system, table)}"
            ).fetchall()[0][0]
            for system, tables in SYSTEMS.items()
            for table in tables
        }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(working, target)
    Path(f"{target}.wal").unlink(missing_ok=True)
    new_as_of = start + timedelta(days=days)
    manifest["as_of"] = new_as_of.isoformat()
    manifest.setdefault("advances", []).append(
        {"from": start.isoformat(), "days": days, "seed": seed}
    )
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("sandbox in %s advanced %d day(s) to %s: %s", sandbox_dir, days, new_as_of, counts)
    return counts

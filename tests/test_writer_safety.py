"""Readers never break a refresh, and a refresh killed anywhere breaks nothing: end to end,
``psops refresh`` as a subprocess against the sandbox servers.

- an analyst's read-only connection held on ``psops.duckdb`` for a whole refresh, and
  ``psops status`` / ``psops checks`` polled every second during one: the refresh
  publishes and every poll answers;
- SIGKILL of ``psops refresh`` at points of ingest, of the dbt build and of publish, one
  after the other on one warehouse: after each kill the writer lock is free, no dbt
  process survives, ``psops.duckdb`` is the last finished run's, ``analytics.duckdb`` and
  ``export/`` are complete; the next refresh starts at once (saying it took the dead
  holder's lock over, not waiting) and leaves no staging file.

The kill points are found by watching what a refresh shows (its progress lines, its child
processes, the files it stages in the warehouse folder), never by sleeping.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.test_refresh_e2e import psops_env

pytestmark = pytest.mark.e2e

PSOPS = [sys.executable, "-m", "orchestration.cli"]
REFRESH_TIMEOUT = 900
PROGRESS = re.compile(r"^(jira|kantata|salesforce) (\w+): ([\d,]+) pages, ")
DBT_START = re.compile(r"^(\d+) of (\d+) START ")
# the CLI's "another refresh (…) is writing this warehouse; waiting for it…", the run's
# "waiting for the warehouse writer (…)" (dbt's output holds "waiting_for_customer")
WAITED = re.compile(r"is writing this warehouse|waiting for (it|the warehouse writer)")
LOCK_ERROR = re.compile(r"\block|conflicting", re.IGNORECASE)  # not "fct_sla_clocks"
TOOK_OVER = "took over the writer lock"
STAGED_RUN = re.compile(r"^\.(?:export|analytics)\.([0-9a-f-]{36})(?:\.duckdb)?$")
PUBLISHED_RUN = re.compile(r"^published .* run ([0-9a-f-]+)\)$", re.MULTILINE)


environment = psops_env  # the sandbox's variables, the warehouse, the as-of date


# --- processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    start: int  # clock ticks since boot: (pid, start) names one process, reused pids aside
    cmdline: str


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(root: int) -> list[Proc]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        fields = _stat(pid)
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fields:
            found.append(Proc(pid, int(fields[19]), cmdline))
    return found


def running(proc: Proc) -> bool:
    """Alive and not a zombie (a zombie runs nothing and holds no file)."""
    fields = _stat(proc.pid)
    return fields is not None and int(fields[19]) == proc.start and fields[0] != "Z"


def is_dbt(proc: Proc) -> bool:
    return any(Path(arg).name in ("dbt", "psops-dbt") for arg in proc.cmdline.split()[:2])


# --- a refresh in the background ---------------------------------------------------------


class Refresh:
    """``psops refresh`` started in the background; its output read line by line."""

    def __init__(self, env: dict[str, str], warehouse: Path, args: tuple[str, ...] = ()) -> None:
        self.warehouse = warehouse
        self.earlier = set(staging_files(warehouse)) | {p.name for p in warehouse.glob(".export.*")}
        self.started_at = time.time()  # wall clock, against file times
        self.lines: list[str] = []
        self.dbt_seen: list[Proc] = []  # every dbt process seen, for the post-kill check
        self.elapsed = 0.0
        self._run_id: str | None = None
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [*PSOPS, "refresh", *args],
            env=environment(env, warehouse),
            cwd=warehouse.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def run_id(self) -> str | None:
        """The run's id: from what publish stages (``.export.<run>``, ``.analytics.<run>
        .duckdb``) once it stages it, from the last line once it published."""
        if self._run_id is None:
            for name in set(staging_files(self.warehouse)) - self.earlier:
                if found := STAGED_RUN.match(name):
                    self._run_id = found[1]
        if self._run_id is None and (found := PUBLISHED_RUN.search(self.output)):
            self._run_id = found[1]
        return self._run_id

    def children(self) -> list[Proc]:
        procs = descendants(self.proc.pid)
        self.dbt_seen.extend(p for p in procs if is_dbt(p) and p not in self.dbt_seen)
        return procs

    def wait(self, timeout: float = REFRESH_TIMEOUT) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=30)
        self.elapsed = time.monotonic() - self.started
        return code

    def kill_when(
        self, point: Callable[[Refresh], bool], timeout: float = REFRESH_TIMEOUT, poll: float = 0.02
    ) -> int:
        """SIGKILL the refresh (itself only, as the OOM killer or ``kill -9`` would) as
        soon as ``point`` holds; its exit code (0 or 1 if it ended first)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if point(self):
                self.children()  # what was running when it was killed
                self.proc.send_signal(signal.SIGKILL)
                break
            time.sleep(poll)
        else:
            if self.proc.poll() is None:
                self.stop()
                pytest.fail(f"the kill point was not reached in {timeout}s:\n{self.output}")
        return self.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.wait(timeout=60)


@pytest.fixture
def refreshes() -> Iterator[list[Refresh]]:
    """Refreshes a test starts; any still running at its end is killed."""
    started: list[Refresh] = []
    yield started
    for refresh in started:
        refresh.stop()


def start(started: list[Refresh], env: dict[str, str], warehouse: Path, *args: str) -> Refresh:
    refresh = Refresh(env, warehouse, args)
    started.append(refresh)
    return refresh


# --- the warehouse's state ---------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def staging_files(warehouse: Path) -> list[str]:
    """Files a run stages and must not outlive the next run (``export``'s target kept)."""
    export = warehouse / "export"
    target = export.resolve() if export.is_symlink() else None
    patterns = (".psops.*", ".analytics.*", ".export.*", ".export-link.*")
    found = {p for pattern in patterns for p in warehouse.glob(pattern)}
    return sorted(p.name for p in found if p.resolve() != target)


def writer_lock_is_free(warehouse: Path) -> bool:
    with open(warehouse / ".refresh.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def raw_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse / "psops.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name LIKE 'raw_%' ORDER BY 1"
        ).fetchall()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}
    finally:
        con.close()


@dataclass(frozen=True)
class Published:
    run_id: str
    counts: dict[str, int]  # mart → rows, as the publish log recorded them


def published(warehouse: Path) -> Published:
    """The publish ``analytics.duckdb`` holds, every logged mart read back in full."""
    con = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        log = con.execute("SELECT DISTINCT run_id FROM marts._publish_log").fetchall()
        assert len(log) == 1, f"one publish per analytics file, found {log}"
        counts = dict(con.execute("SELECT mart, row_count FROM marts._publish_log").fetchall())
        for mart, rows in counts.items():
            assert con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0] == rows, mart
    finally:
        con.close()
    return Published(log[0][0], counts)


def export_counts(warehouse: Path) -> dict[str, int]:
    export = warehouse / "export"
    assert export.is_dir(), "export/ exists once a publish happened"
    con = duckdb.connect()
    try:
        return {
            f.stem: con.execute("SELECT count(*) FROM read_parquet(?)", [str(f)]).fetchone()[0]
            for f in sorted(export.glob("*.parquet"))
        }
    finally:
        con.close()


def export_target(warehouse: Path) -> str:
    return os.readlink(warehouse / "export")


def assert_intact_after_kill(
    warehouse: Path,
    refresh: Refresh,
    pipeline_before: str,
    publish_before: Published,
    export_before: str,
) -> str:
    """Assert what a kill must leave; say which publish ``analytics.duckdb`` and
    ``export`` hold (``old``: the one before the killed run, ``new``: its own)."""
    assert writer_lock_is_free(warehouse), "the killed refresh's writer lock is released"
    deadline = time.monotonic() + 5
    while (alive := [p for p in refresh.dbt_seen if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive == [], f"dbt outlived the killed refresh: {alive}"
    # psops.duckdb is the last finished run's, byte for byte, and reads
    assert not Path(f"{warehouse / 'psops.duckdb'}.wal").exists()
    assert digest(warehouse / "psops.duckdb") == pipeline_before
    counts = raw_counts(warehouse)
    assert counts["raw_kantata.time_entries"] > 0 and counts["raw_jira.issues"] > 0
    # analytics.duckdb and export/ are complete (a kill between the two renames may leave
    # them one publish apart, never half-written)
    now = published(warehouse)
    assert now.run_id in (publish_before.run_id, refresh.run_id)
    assert export_counts(warehouse) in (now.counts, publish_before.counts)
    # this run cleaned up what earlier crashed runs left; only its own staging remains, and
    # the export folder it replaced when it died before removing it
    older = [
        name
        for name in staging_files(warehouse)
        if (warehouse / name).lstat().st_mtime < refresh.started_at and name != export_before
    ]
    assert older == [], f"staging files of earlier runs: {older}"
    new_export = export_target(warehouse) != export_before
    assert not new_export or export_target(warehouse) == f".export.{refresh.run_id}"
    return (
        f"analytics {'new' if now.run_id == refresh.run_id else 'old'}, "
        f"export {'new' if new_export else 'old'}"
    )


# --- the module's warehouse --------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(sandbox_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with one clean refresh from empty (the kills below have a publish to
    keep)."""
    root = tmp_path_factory.mktemp("writer-safety") / "warehouse"
    refresh = Refresh(sandbox_env, root)
    try:
        code = refresh.wait()
    finally:
        refresh.stop()
    assert code == 0, refresh.output
    print(f"clean refresh from empty: {refresh.elapsed:.0f}s")
    return root


# --- readers -----------------------------------------------------------------------------

READER = textwrap.dedent(
    """
    import select, sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)  # held until stdin closes
    query = "SELECT count(*) FROM raw_kantata.time_entries"
    print("ready", con.execute(query).fetchone()[0], flush=True)
    while True:
        if select.select([sys.stdin], [], [], 0.25)[0] and not sys.stdin.readline():
            break
        print("read", con.execute(query).fetchone()[0], flush=True)
    con.close()
    """
)


def test_a_reader_holding_psops_duckdb_does_not_stop_a_refresh(
    warehouse: Path, sandbox_env: dict[str, str], refreshes: list[Refresh]
) -> None:
    """An analyst's notebook keeps ``psops.duckdb`` open read-only for the whole refresh:
    the refresh publishes, and the notebook reads all along."""
    rows = raw_counts(warehouse)["raw_kantata.time_entries"]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse / "psops.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["ready", str(rows)]
        refresh = start(refreshes, sandbox_env, warehouse, *FULL)
        code = refresh.wait()
        assert reader.poll() is None, "the reader held its connection the whole refresh"
        out, err = reader.communicate(timeout=30)  # closes its stdin: it stops
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    print(f"refresh beside a reader: {refresh.elapsed:.0f}s")
    assert code == 0, refresh.output
    assert published(warehouse).run_id == refresh.run_id
    assert f"published {warehouse / 'analytics.duckdb'}" in refresh.output
    assert reader.returncode == 0, err
    reads = out.split()
    assert reads[::2] == ["read"] * (len(reads) // 2)
    assert set(reads[1::2]) == {str(rows)}, "the reader saw one snapshot throughout"
    assert len(reads) // 2 >= refresh.elapsed, "the reader read four times a second"


def test_status_polled_every_second_during_a_refresh_never_fails(
    warehouse: Path, sandbox_env: dict[str, str], refreshes: list[Refresh]
) -> None:
    """``psops status`` (and ``psops checks``) every second while a refresh runs: each
    answers, exit 0, none mentions a lock; the refresh publishes."""
    refresh = start(refreshes, sandbox_env, warehouse, *FULL)
    polls: list[tuple[str, subprocess.CompletedProcess]] = []
    while refresh.proc.poll() is None:
        command = "checks" if len(polls) % 3 == 2 else "status"
        polls.append(
            (
                command,
                subprocess.run(
                    [*PSOPS, command],
                    env=environment(sandbox_env, warehouse),
                    cwd=warehouse.parent,
                    capture_output=True,
                    text=True,
                    timeout=120,
                ),
            )
        )
        time.sleep(1)
    code = refresh.wait()
    print(f"refresh polled {len(polls)} times: {refresh.elapsed:.0f}s")
    assert code == 0, refresh.output
    assert published(warehouse).run_id == refresh.run_id
    assert len(polls) >= 10
    failed = [
        (command, p.returncode, p.stdout + p.stderr)
        for command, p in polls
        if p.returncode != 0 or LOCK_ERROR.search(p.stdout + p.stderr)
    ]
    assert failed == [], f"{len(failed)} of {len(polls)} polls failed: {failed[:3]}"
    statuses = [p.stdout for command, p in polls if command == "status"]
    assert all("Last publish: run " in out and "kantata" in out for out in statuses)


# --- SIGKILL at every stage --------------------------------------------------------------


def _progress(refresh: Refresh) -> list[tuple[str, str, int]]:
    return [
        (m[1], m[2], int(m[3].replace(",", "")))
        for line in list(refresh.lines)
        if (m := PROGRESS.match(line))
    ]


def ingest_started(refresh: Refresh) -> bool:
    return len(_progress(refresh)) >= 3


def ingest_writing_time_entries(refresh: Refresh) -> bool:
    return any(obj == "time_entries" and pages >= 100 for _, obj, pages in _progress(refresh))


def ingest_last_source(refresh: Refresh) -> bool:
    return any(source == "salesforce" for source, _, _ in _progress(refresh))


def dbt_build_started(refresh: Refresh) -> bool:
    return any(is_dbt(p) and " build " in p.cmdline for p in refresh.children())


def dbt_build_half_done(refresh: Refresh) -> bool:
    return any(
        int(m[1]) >= int(m[2]) // 2 for line in list(refresh.lines) if (m := DBT_START.match(line))
    )


def dbt_build_finished(refresh: Refresh) -> bool:
    """The dbt child has come and gone (dagster-dbt is reading row counts, the check
    results are being recorded)."""
    children = refresh.children()
    built = any(" build " in p.cmdline for p in refresh.dbt_seen)
    return built and not any(is_dbt(p) for p in children)


def _staged(refresh: Refresh, prefix: str, suffix: str = "") -> bool:
    run = refresh.run_id
    return run is not None and (refresh.warehouse / f"{prefix}{run}{suffix}").exists()


def publish_exporting(refresh: Refresh) -> bool:
    return _staged(refresh, ".export.")


def publish_building_analytics(refresh: Refresh) -> bool:
    return _staged(refresh, ".analytics.", ".duckdb")


def publish_swapping(refresh: Refresh) -> bool:
    """Between the rename of ``analytics.duckdb`` and the swap of ``export``: the staged
    database gone (renamed in), or the new link made.  The window lasts microseconds, so
    once the staging database shows, poll without sleeping."""
    if not publish_building_analytics(refresh):
        return False
    staged = refresh.warehouse / f".analytics.{refresh.run_id}.duckdb"
    while refresh.proc.poll() is None:
        if not staged.exists() or any(refresh.warehouse.glob(".export-link.*")):
            return True
    return False


KILL_POINTS: list[tuple[str, Callable[[Refresh], bool]]] = [
    ("ingest-early", ingest_started),
    ("ingest-time-entries", ingest_writing_time_entries),
    ("ingest-last-source", ingest_last_source),
    ("dbt-started", dbt_build_started),
    ("dbt-half-built", dbt_build_half_done),
    ("dbt-finished", dbt_build_finished),
    ("publish-export", publish_exporting),
    ("publish-analytics", publish_building_analytics),
    ("publish-swap", publish_swapping),
]


# a refresh of the unchanged sandbox ingests a few pages and builds no dbt model (nothing
# changed): the refreshes below run --full, so their ingest reads whole pages and their dbt
# builds every model while the kills land and the readers read
FULL = ("--full",)


@pytest.mark.parametrize("point", [p for _, p in KILL_POINTS], ids=[n for n, _ in KILL_POINTS])
def test_a_refresh_killed_breaks_nothing(
    point: Callable[[Refresh], bool],
    warehouse: Path,
    sandbox_env: dict[str, str],
    refreshes: list[Refresh],
) -> None:
    """One link of a chain: each refresh is killed later than the one before, starts at
    once after it, and leaves the warehouse readable and complete."""
    pipeline_before = digest(warehouse / "psops.duckdb")
    publish_before = published(warehouse)
    dead_holder = (warehouse / ".refresh.lock").read_text().strip()  # the last kill's
    export_before = export_target(warehouse)
    refresh = start(refreshes, sandbox_env, warehouse, *FULL)
    code = refresh.kill_when(point)
    assert not WAITED.search(refresh.output), refresh.output
    if dead_holder:
        assert f"{TOOK_OVER} of pid {dead_holder.split()[0]}" in refresh.output
    if point is publish_swapping and code == 0:  # it finished before the kill landed
        pytest.skip(f"the refresh published before the kill landed ({refresh.elapsed:.0f}s)")
    assert code == -signal.SIGKILL, refresh.output
    left = assert_intact_after_kill(
        warehouse, refresh, pipeline_before, publish_before, export_before
    )
    print(f"killed at {point.__name__} after {refresh.elapsed:.0f}s: {left}")


def test_after_the_kills_the_next_refresh_publishes_at_once(
    warehouse: Path, sandbox_env: dict[str, str], refreshes: list[Refresh]
) -> None:
    dead_holder = (warehouse / ".refresh.lock").read_text().strip()
    refresh = start(refreshes, sandbox_env, warehouse)
    code = refresh.wait()
    print(f"refresh after the kills: {refresh.elapsed:.0f}s")
    assert code == 0, refresh.output
    assert not WAITED.search(refresh.output), refresh.output
    if dead_holder:
        assert f"{TOOK_OVER} of pid {dead_holder.split()[0]}" in refresh.output
    assert published(warehouse).run_id == refresh.run_id
    assert staging_files(warehouse) == []
    assert export_counts(warehouse) == published(warehouse).counts


def test_killed_during_dbt_then_refreshed_at_once(
    warehouse: Path, sandbox_env: dict[str, str], refreshes: list[Refresh]
) -> None:
    """The reported failure: ``psops`` SIGKILLed while dbt builds, a refresh started the
    same instant publishes (the dbt child died with its parent; nobody waits)."""
    killed = start(refreshes, sandbox_env, warehouse, *FULL)
    assert killed.kill_when(dbt_build_half_done) == -signal.SIGKILL
    again = start(refreshes, sandbox_env, warehouse)
    code = again.wait()
    print(f"killed during dbt at {killed.elapsed:.0f}s; next refresh {again.elapsed:.0f}s")
    assert code == 0, again.output
    assert not WAITED.search(again.output), again.output
    assert TOOK_OVER in again.output, "the dead holder's lock is taken over, saying so"
    assert [p for p in killed.dbt_seen if running(p)] == []
    assert published(warehouse).run_id == again.run_id
    assert staging_files(warehouse) == []
    assert export_counts(warehouse) == published(warehouse).counts

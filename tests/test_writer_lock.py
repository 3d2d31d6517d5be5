"""One writer per warehouse, across processes: the second waits, or is skipped; a dead
holder's lock is taken over, saying so; the holding process may re-enter; the dbt child
dies with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.writer_lock import (
    LOCK_NAME,
    WarehouseBusy,
    holds_lock,
    warehouse_writer_lock,
)

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.writer_lock import warehouse_writer_lock
    with warehouse_writer_lock(Path(sys.argv[1]), purpose="test holder"):
        print("held", flush=True)
        sys.stdin.readline()
    """
)


@contextmanager
def lock_held_by_another_process(root: Path) -> Iterator[subprocess.Popen]:
    """A child process holding the writer lock until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "held"
        yield child
    finally:
        if child.poll() is None:
            child.stdin.close()
            child.wait(timeout=10)


def test_a_second_writer_is_refused_without_waiting(tmp_path: Path) -> None:
    with lock_held_by_another_process(tmp_path) as child:
        with pytest.raises(WarehouseBusy, match=f"pid {child.pid} test holder"):
            with warehouse_writer_lock(tmp_path, wait=False):
                pass


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    waited: list[str] = []
    with lock_held_by_another_process(tmp_path) as child:
        releaser = threading.Timer(0.5, lambda: child.stdin.close())  # the holder's cue
        releaser.start()
        started = time.monotonic()
        with warehouse_writer_lock(tmp_path, on_wait=waited.append):
            assert child.wait(timeout=10) == 0  # the holder finished first
            assert time.monotonic() - started >= 0.4
    assert waited == [f"pid {child.pid} test holder"]


def test_the_holding_process_re_enters_and_keeps_the_lock_until_the_outer_block_ends(
    tmp_path: Path,
) -> None:
    with warehouse_writer_lock(tmp_path, purpose="outer"):
        with warehouse_writer_lock(tmp_path, wait=False, purpose="inner"):
            assert holds_lock(tmp_path)
        assert holds_lock(tmp_path)
        assert (tmp_path / LOCK_NAME).read_text() == f"{os.getpid()} outer"
    assert not holds_lock(tmp_path)
    assert (tmp_path / LOCK_NAME).read_text() == ""


def test_a_killed_holders_lock_is_taken_over_at_once_saying_so(tmp_path: Path) -> None:
    with lock_held_by_another_process(tmp_path) as child:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    took_over: list[str] = []
    started = time.monotonic()
    with warehouse_writer_lock(tmp_path, wait=False, on_takeover=took_over.append):
        pass
    assert time.monotonic() - started < 1
    assert took_over == [
        f"took over the writer lock of pid {child.pid} test holder, no longer running"
    ]


def test_refresh_no_wait_is_skipped_visibly_while_another_writes(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", str(warehouse))
    monkeypatch.setattr("orchestration.refresh.preflight", lambda settings, sources=None: None)
    warehouse.mkdir()
    with lock_held_by_another_process(warehouse):
        code = main(["refresh", "--no-wait"])
    assert code == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "another refresh" in err
    assert not (warehouse / "psops.duckdb").exists()


CHILD_OF_PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c",
        "import time; from orchestration.dbt_child import die_with_parent; "
        "die_with_parent(); print('ready', flush=True); time.sleep(120)"])
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan waits for its reaper as a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_dbt_child_dies_with_its_parent() -> None:
    """What ``psops-dbt`` does before it becomes dbt: a SIGKILLed refresh leaves no dbt."""
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_OF_PARENT], stdout=subprocess.PIPE, text=True
    )
    child_pid = int(parent.stdout.readline())
    assert parent.stdout.readline().strip() == "ready"
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(child_pid):
        time.sleep(0.05)
    if _running(child_pid):
        os.kill(child_pid, signal.SIGKILL)
        pytest.fail("the child outlived its parent")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_dbt_launcher_stops_when_its_parent_died_while_it_started() -> None:
    """A refresh killed while ``psops-dbt``'s Python is still starting: the launcher finds
    another parent than the refresh that named itself, and stops instead of becoming dbt."""
    from orchestration.dbt_child import PARENT_FLAG

    launcher = str(Path(sys.executable).parent / "psops-dbt")

    def argv(parent: int) -> list[str]:  # the refresh names itself; dbt never sees the flag
        return [launcher, "parse", f"{PARENT_FLAG}={parent}", "--help"]

    orphan = subprocess.run(argv(1), capture_output=True, timeout=60)  # not its parent
    assert orphan.returncode == 137 and b"Usage" not in orphan.stdout
    child = subprocess.run(argv(os.getpid()), capture_output=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert b"Usage" in child.stdout  # dbt's own help


def test_the_dbt_launcher_tells_its_version_as_dagster_dbt_reads_it() -> None:
    """dagster-dbt asks ``psops-dbt --version`` once per run and reads the first x.y.z: the
    launcher answers with the installed dbt-core, without starting dbt (which asks PyPI)."""
    import importlib.metadata
    import re

    launcher = str(Path(sys.executable).parent / "psops-dbt")
    out = subprocess.run([launcher, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    found = re.search(r"(\d+\.\d+\.\d+)", out.stdout)
    assert found and found.group(1) == importlib.metadata.version("dbt-core")
    assert "installed" in out.stdout

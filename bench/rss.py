"""Wall time and peak memory of a command: the resident set of its whole process tree
(sampled from /proc twice a second) and the largest single process (``wait4``'s
``ru_maxrss``, exact)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Measured:
    seconds: float
    tree_rss_mb: float  # peak sum over the process tree (sampled)
    process_rss_mb: float  # peak of the largest process in the tree (exact)
    exit_code: int

    @property
    def peak_rss_mb(self) -> float:
        return max(self.tree_rss_mb, self.process_rss_mb)


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree_rss_kb(root: int) -> int:
    """The resident set of ``root`` and its descendants now, in kB (0: gone)."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_measured(
    command: list[str], env: dict[str, str], cwd: Path, log: Path, interval_s: float = 0.5
) -> Measured:
    """Run ``command`` (output to ``log``) and measure it."""
    peak = [0]
    with log.open("w") as out:
        started = time.monotonic()
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(interval_s):
                peak[0] = max(peak[0], tree_rss_kb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, peak[0] / 1024, usage.ru_maxrss / 1024, child.returncode)

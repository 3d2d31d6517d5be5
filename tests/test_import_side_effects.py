"""Importing psops does nothing: no subprocess (no ``dbt parse``), no file written, no folder
made or removed, and nothing below the edge reads or changes the process environment
(``orchestration.settings.Settings.from_env`` reads it once, at the edge)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

# Third-party libraries are imported first, outside the audit: they are not psops (Dagster's
# vendored croniter, for one, runs `file` on the interpreter at import to learn its word size).
THIRD_PARTY = (
    "import numpy, pandas, dagster, dagster_dbt, duckdb, requests, jira, simple_salesforce"
)
PSOPS = (
    "orchestration.defs.definitions",
    "orchestration.cli",
    "orchestration.refresh",
    "orchestration.backfill",
    "checks",
    "checks.gx_runner",
    "sources.registry",
)

AUDIT = """
import sys
{third_party}
seen = []
SPAWNS = {{"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.fork", "os.spawn"}}
CHANGES = {{"os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.putenv",
            "os.unsetenv", "os.truncate", "os.symlink", "os.link", "os.chmod"}}

def hook(event, args):
    if event in SPAWNS or event in CHANGES:
        seen.append(f"{{event}} {{args[:2]!r}}")
    elif event == "open" and len(args) > 1:
        mode = args[1]
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else (
            isinstance(mode, int) and mode & 0o3 != 0)  # os.open flags: O_WRONLY / O_RDWR
        if writes:
            seen.append(f"open {{args[0]!r}} {{mode!r}}")

sys.addaudithook(hook)
import os
before = dict(os.environ)
{imports}
assert dict(os.environ) == before, "an import changed os.environ"
print("\\n".join(seen))
"""


def test_importing_psops_spawns_nothing_and_writes_nothing(tmp_path: Path) -> None:
    code = AUDIT.format(third_party=THIRD_PARTY, imports="\n".join(f"import {m}" for m in PSOPS))
    done = subprocess.run(
        [sys.executable, "-B", "-c", code],  # -B: no bytecode written
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PSOPS_WAREHOUSE_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"importing psops did I/O:\n{done.stdout}"


# the edge: the one module that reads the process environment
ENVIRON_READERS = {"orchestration/settings.py"}


def test_only_the_edge_reads_the_process_environment() -> None:
    """``grep -rn "os.environ\\|os.getenv\\|os.putenv" orchestration sources checks``: only
    ``orchestration/settings.py`` (the sandbox generator/servers are test fixtures, not the
    pipeline, and are left out)."""
    pattern = re.compile(r"os\.environ|os\.getenv|os\.putenv|os\.unsetenv|load_dotenv\(")
    found = set()
    for folder in ("orchestration", "sources", "checks"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if relative.startswith("sources/sandbox/"):
                continue
            code = "\n".join(
                line.split("#", 1)[0] for line in path.read_text().splitlines()
            )  # comments and docstrings may name it; code may not
            code = re.sub(r'"""(.|\n)*?"""', "", code)
            if pattern.search(code):
                found.add(relative)
    assert found == ENVIRON_READERS


def test_imports_flow_one_way() -> None:
    """orchestration → checks, sources; never back (not even a lazy import in a function)."""
    pattern = re.compile(r"^\s*(from|import)\s+orchestration\b", re.MULTILINE)
    backwards = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for folder in ("sources", "checks")
        for path in (REPO_ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    )
    assert backwards == []

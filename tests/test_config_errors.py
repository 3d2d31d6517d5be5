"""Errors a person can act on: each bad setting makes ``psops refresh`` exit 2 (configuration)
or 1 (a source cannot be reached) with one line that names the variable, before anything
is written; ``JIRA_PROJECTS`` reaches JQL only as quoted project keys; ``psops sandbox serve``
writes ``.env`` readable by its owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sources.sandbox.serve import write_env_file
from tests.conftest import REPO_ROOT, SANDBOX_AS_OF

pytestmark = pytest.mark.slow

PSOPS = [sys.executable, "-m", "orchestration.cli"]
CONNECTOR_PREFIXES = ("JIRA_", "SFDC_", "KANTATA_", "PSOPS_")


def refresh(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``psops refresh`` in ``cwd`` (no ``.env`` there) with the connector variables ``env``;
    the warehouse is ``cwd/warehouse``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(CONNECTOR_PREFIXES)}
    full_env.update(env)
    full_env["PSOPS_WAREHOUSE_DIR"] = str(cwd / "warehouse")
    full_env["PSOPS_AS_OF"] = SANDBOX_AS_OF.isoformat()
    full_env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        PSOPS + ["refresh", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused(result: subprocess.CompletedProcess, code: int, *named: str) -> str:
    """Exit ``code``, one line on stderr naming each of ``named``, nothing written."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    for name in named:
        assert name in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert lines[0].endswith("Nothing was written.")
    return lines[0]


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    yield tmp_path
    warehouse = tmp_path / "warehouse"
    assert not warehouse.exists(), f"written: {list(warehouse.rglob('*'))}"


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "KANTATA_URL",
            "htp://x",
            "psops refresh: configuration error: kantata: 'htp://x' is not a http:// or "
            "https:// URL (check KANTATA_URL). Nothing was written.",
        ),
        (
            "JIRA_URL",
            "https://",
            "psops refresh: configuration error: jira: 'https://' names no host "
            "(check JIRA_URL). Nothing was written.",
        ),
        (
            "SFDC_INSTANCE_URL",
            "http://localhost:1",
            "psops refresh: configuration error: salesforce: 'http://localhost:1' is not a "
            "https:// URL (check SFDC_INSTANCE_URL). Nothing was written.",
        ),
        (
            "PSOPS_MAX_WORKERS",
            "abc",
            "psops refresh: configuration error: psops: 'abc' is not a whole number "
            "(check PSOPS_MAX_WORKERS). Nothing was written.",
        ),
        (
            "PSOPS_RETRY_BUDGET",
            "-1",
            "psops refresh: configuration error: psops: '-1' is not a whole number >= 0 "
            "(check PSOPS_RETRY_BUDGET). Nothing was written.",
        ),
        (
            "PSOPS_KANTATA_RATE_LIMIT",
            "fast",
            "psops refresh: configuration error: kantata: 'fast' is not a number "
            "(check PSOPS_KANTATA_RATE_LIMIT). Nothing was written.",
        ),
        (
            "JIRA_PROJECTS",
            "PS) OR (1=1",
            "psops refresh: configuration error: jira: 'PS) OR (1=1' is not a Jira project "
            "key (an uppercase letter, then uppercase letters, digits or _; separate keys "
            "with commas) (check JIRA_PROJECTS). Nothing was written.",
        ),
    ],
)
def test_a_bad_setting_exits_2_in_one_line_naming_it_and_writes_nothing(
    sandbox_env: dict[str, str], cwd: Path, variable: str, value: str, line: str
) -> None:
    result = refresh(dict(sandbox_env, **{variable: value}), cwd)
    assert assert_refused(result, 2, variable) == line


def test_an_unreachable_url_exits_1_within_seconds_in_one_line_naming_it(
    sandbox_env: dict[str, str], cwd: Path
) -> None:
    started = time.monotonic()
    result = refresh(dict(sandbox_env, KANTATA_URL="https://127.0.0.1:1"), cwd)
    elapsed = time.monotonic() - started
    assert assert_refused(result, 1, "KANTATA_URL") == (
        "psops refresh: kantata: cannot reach https://127.0.0.1:1 (connection refused); "
        "check KANTATA_URL. Nothing was written."
    )
    assert elapsed < 15, f"took {elapsed:.0f}s"


def test_jira_projects_are_quoted_keys_in_jql_and_the_sandbox_answers_them(
    sandbox_servers, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sources.jira.extract import config_from_env, connect, fetch_issues, issues_jql

    for key, value in sandbox_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JIRA_PROJECTS", " fjo4, HOR4 ,PIN8")
    config = config_from_env(os.environ)
    assert config.projects == ("FJO4", "HOR4", "PIN8")
    assert issues_jql(None, "UTC", config.projects) == (
        'project in ("FJO4", "HOR4", "PIN8") AND updated >= "1970-01-01 00:00" '
        "ORDER BY updated ASC, key ASC"
    )
    jira = next(s for s in sandbox_servers if "JIRA_URL" in s.env)
    before = len(jira.requests)
    batches = list(fetch_issues(connect(config), config, None))
    searches = [r for r in jira.requests[before:] if r.path.endswith("/search/jql")]
    assert [r.status for r in searches] == [200]  # Jira (and the sandbox) accept quoted keys
    assert searches[0].body["jql"].startswith('project in ("FJO4", "HOR4", "PIN8") AND')
    keys = sorted(i["key"].split("-")[0] for b in batches for i in b.records["issues"])
    assert keys == ["FJO4", "HOR4", "PIN8"]  # one issue each in the small sandbox


def test_sandbox_env_file_is_written_0600_and_an_existing_one_is_narrowed(tmp_path: Path) -> None:
    fresh = tmp_path / ".env"
    write_env_file({"KANTATA_TOKEN": "secret"}, fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert fresh.read_text() == "KANTATA_TOKEN=secret\n"

    fresh.chmod(0o644)
    fresh.write_text("KEEP=me\nKANTATA_TOKEN=old\n")
    write_env_file({"KANTATA_TOKEN": "new"}, fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert fresh.read_text() == "KEEP=me\nKANTATA_TOKEN=new\n"


def test_psops_sandbox_serve_writes_env_0600(sandbox_db: Path, tmp_path: Path) -> None:
    """The command itself, started in a temporary working directory and stopped once
    ``.env`` is there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CONNECTOR_PREFIXES)}
    env["PYTHONPATH"] = str(REPO_ROOT)
    serve = subprocess.Popen(
        PSOPS + ["sandbox", "serve", "--dir", str(sandbox_db.parent)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        for line in serve.stdout:
            if "Ctrl-C" in line:
                break
        dotenv = tmp_path / ".env"
        assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
        assert "KANTATA_TOKEN=" in dotenv.read_text()
    finally:
        serve.terminate()
        serve.wait(timeout=30)

"""What every connector shares from ``sources/common``: one translation of an HTTP status
into psops's errors, one API-timestamp parser, and the connector template (each
``sources/<system>/`` has contract, tables and extract, and exports ``from_env``, ``check``,
``streams`` and ``SOURCE`` from its ``__init__``)."""

from __future__ import annotations

import ast
import importlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sources.common.errors import SourceConfigError, SourceUnavailableError, status_error
from sources.common.raw_tables import timestamp_or_none, to_timestamp
from sources.registry import all_sources
from tests.conftest import REPO_ROOT

FAILING = "kantata: GET https://x/api/v1/users.json kept failing (HTTP 503) after retries"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_variable(status: int) -> None:
    error = status_error("kantata", status, "KANTATA_TOKEN", FAILING)
    assert isinstance(error, SourceConfigError)
    assert (error.source, error.variable) == ("kantata", "KANTATA_TOKEN")
    assert str(error) == f"kantata: credentials were refused (HTTP {status}) (check KANTATA_TOKEN)"


@pytest.mark.parametrize("status", [None, 429, 500, 502, 503])
def test_outages_are_unavailable_with_the_connectors_message(status: int | None) -> None:
    error = status_error("jira", status, "JIRA_API_TOKEN", FAILING)
    assert isinstance(error, SourceUnavailableError)
    assert str(error) == FAILING


@pytest.mark.parametrize("status", [200, 300, 400, 404, 410])
def test_other_statuses_are_left_to_the_connector(status: int) -> None:
    assert status_error("salesforce", status, "SFDC_PASSWORD", FAILING) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T14:05:11.000+0000", datetime(2026, 3, 2, 14, 5, 11)),  # Jira, Salesforce
        ("2026-03-02T16:05:11.123+0200", datetime(2026, 3, 2, 14, 5, 11, 123000)),
        ("2026-03-02T14:05:11Z", datetime(2026, 3, 2, 14, 5, 11)),  # Kantata
        ("2026-03-02T09:05:11-05:00", datetime(2026, 3, 2, 14, 5, 11)),
        (" 2026-03-02T14:05:11 ", datetime(2026, 3, 2, 14, 5, 11)),  # naive is UTC
        ("2026-03-02T14:05:11.000", datetime(2026, 3, 2, 14, 5, 11)),  # a psops cursor
    ],
)
def test_api_timestamps_become_naive_utc(text: str, expected: datetime) -> None:
    assert to_timestamp(text) == expected
    assert timestamp_or_none(text) == expected


def test_an_aware_datetime_becomes_naive_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert to_timestamp(datetime(2026, 3, 2, 16, 5, tzinfo=plus_two)) == datetime(2026, 3, 2, 14, 5)
    assert to_timestamp(datetime(2026, 3, 2, 14, 5, tzinfo=UTC)) == datetime(2026, 3, 2, 14, 5)


@pytest.mark.parametrize("value", [None, "", "  ", "yesterday", "2026-13-02T00:00:00Z", 17])
def test_what_is_no_timestamp_is_none_or_valueerror(value: object) -> None:
    assert timestamp_or_none(value) is None
    if isinstance(value, str):
        with pytest.raises(ValueError):
            to_timestamp(value)


def test_every_connector_follows_one_template() -> None:
    for source in all_sources():
        folder = REPO_ROOT / "sources" / source.name
        assert {"__init__.py", "contract.py", "tables.py", "extract.py"} <= {
            p.name for p in folder.glob("*.py")
        }
        package = importlib.import_module(f"sources.{source.name}")
        assert package.SOURCE is source
        assert (source.from_env, source.check, source.streams) == (
            package.from_env,
            package.check,
            package.streams,
        )
        for part in ("from_env", "check", "streams"):
            assert getattr(package, part).__module__ == f"sources.{source.name}"


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_sandbox_jira_read_and_write_apis_import_one_way() -> None:
    sandbox = REPO_ROOT / "sources" / "sandbox"
    assert "sources.sandbox.jira_write_api" in _imported_modules(sandbox / "jira_api.py")
    assert "sources.sandbox.jira_api" not in _imported_modules(sandbox / "jira_write_api.py")

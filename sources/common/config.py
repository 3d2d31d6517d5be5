"""Configuration from environment variables (and ``.env`` in the working directory)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dotenv import load_dotenv

from sources.common.errors import SourceConfigError


def load_env() -> None:
    """Read ``.env`` from the working directory; real environment variables win."""
    load_dotenv(Path.cwd() / ".env", override=False)


def require(source: str, *names: str) -> dict[str, str]:
    """Return the named variables, or raise naming the first one that is missing."""
    values = {}
    for name in names:
        value = os.environ.get(name, "").strip()
        if not value:
            raise SourceConfigError(source, name, f"{name} is not set")
        values[name] = value
    return values


PIPELINE_DB_VARIABLE = "PSOPS_PIPELINE_DB"  # set by a run to its working copy (dbt reads it)


@dataclass(frozen=True)
class WarehousePaths:
    root: Path
    pipeline_file: Path | None = None  # a run's working copy (orchestration.working_copy)

    @property
    def pipeline_db(self) -> Path:
        """The pipeline's DuckDB: ``psops.duckdb`` (what readers open), or inside a run the
        run's working copy of it."""
        return self.pipeline_file or self.root / "psops.duckdb"

    @property
    def analytics_db(self) -> Path:
        return self.root / "analytics.duckdb"

    @property
    def export_dir(self) -> Path:
        return self.root / "export"


WAREHOUSE_DIR_VARIABLE = "PSOPS_WAREHOUSE_DIR"
DEFAULT_WAREHOUSE_DIR = "warehouse"  # relative to the working directory


def warehouse_paths(directory: str | Path | None = None) -> WarehousePaths:
    """Where the warehouse lives: ``directory`` when given, else ``PSOPS_WAREHOUSE_DIR``,
    else ``./warehouse``, made absolute.  The one place the warehouse folder is resolved
    (nothing is created here: writers create what they write)."""
    chosen = directory or os.environ.get(WAREHOUSE_DIR_VARIABLE, DEFAULT_WAREHOUSE_DIR)
    return WarehousePaths(Path(chosen).resolve())


def as_of_date() -> date:
    """``PSOPS_AS_OF`` (YYYY-MM-DD) or today (UTC)."""
    raw = os.environ.get("PSOPS_AS_OF", "").strip()
    if not raw:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        problem = f"'{raw}' is not a YYYY-MM-DD date"
        raise SourceConfigError("psops", "PSOPS_AS_OF", problem) from exc


_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def field_name_setting(source: str, variable: str, default: str) -> str:
    """A source field's name as the site calls it (e.g. ``PSOPS_SFDC_SEGMENT_FIELD`` naming
    the Salesforce custom field that holds the segment), or ``default`` when unset."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not _API_NAME.match(raw):
        problem = f"'{raw}' is not a field API name (letters, digits and underscores)"
        raise SourceConfigError(source, variable, problem)
    return raw

"""Configuration helpers over an explicit environment mapping (``Settings.environ``: the
process environment plus ``.env``, read once at the edge by ``orchestration.settings``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sources.common.errors import SourceConfigError


def setting(environ: Mapping[str, str], name: str) -> str | None:
    """``environ[name]`` stripped, or None when unset or blank."""
    return (environ.get(name) or "").strip() or None


def require(environ: Mapping[str, str], source: str, *names: str) -> dict[str, str]:
    """Return the named variables, or raise naming the first one that is missing."""
    values = {}
    for name in names:
        value = (environ.get(name) or "").strip()
        if not value:
            raise SourceConfigError(source, name, f"{name} is not set")
        values[name] = value
    return values


PIPELINE_DB_VARIABLE = "PSOPS_PIPELINE_DB"  # dbt's fallback for the pipeline file (profiles.yml)


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


def warehouse_paths(directory: str | Path) -> WarehousePaths:
    """The warehouse in ``directory``, made absolute.  The one place the warehouse folder is
    resolved (``Settings.from_env`` passes ``PSOPS_WAREHOUSE_DIR`` or ``./warehouse``;
    nothing is created here: writers create what they write)."""
    return WarehousePaths(Path(directory).resolve())


AS_OF_VARIABLE = "PSOPS_AS_OF"


def parse_as_of(raw: str | None) -> date | None:
    """``PSOPS_AS_OF`` (YYYY-MM-DD) as a date, None when blank; ``SourceConfigError`` naming
    the variable when it is not a date."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        problem = f"'{raw}' is not a YYYY-MM-DD date"
        raise SourceConfigError("psops", AS_OF_VARIABLE, problem) from exc


_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def field_name_setting(environ: Mapping[str, str], source: str, variable: str, default: str) -> str:
    """A source field's name as the site calls it (e.g. ``PSOPS_SFDC_SEGMENT_FIELD`` naming
    the Salesforce custom field that holds the segment), or ``default`` when unset."""
    raw = (environ.get(variable) or "").strip()
    if not raw:
        return default
    if not _API_NAME.match(raw):
        problem = f"'{raw}' is not a field API name (letters, digits and underscores)"
        raise SourceConfigError(source, variable, problem)
    return raw

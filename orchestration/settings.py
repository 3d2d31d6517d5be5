"""One ``Settings``: everything psops reads from its environment, read once at the edge.

``Settings.from_env`` is THE place that reads ``os.environ`` (and ``.env``, without writing
it back: ``dotenv_values``, never ``load_dotenv``).  The edges call it once — the command
line (``orchestration.cli.main``), the Dagster definitions load
(``orchestration.defs.definitions``), the dev ingest runner — and pass the object down: to
the Dagster assets, hooks and sensors as the ``settings`` resource, to everything else as an
argument.  Nothing below the edge reads or changes the process environment.

The connectors parse what they need from ``settings.environ`` (``Source.from_env(environ)``);
dbt gets the run's values as ``--vars`` (``orchestration.defs.assets.dbt``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

from dotenv import dotenv_values

from orchestration.alerts_admin import AdminAlertConfig, admin_alert_config
from orchestration.alerts_jira import AlertConfig, alert_config
from sources.common.config import (
    AS_OF_VARIABLE,
    DEFAULT_WAREHOUSE_DIR,
    WAREHOUSE_DIR_VARIABLE,
    WarehousePaths,
    parse_as_of,
    warehouse_paths,
)
from sources.common.errors import SourceConfigError

GATE_CONFIG_VARIABLE = "PSOPS_GATE_CONFIG"
DEFAULT_GATE_CONFIG = Path(__file__).resolve().parent.parent / "checks" / "gate.toml"
ALERT_WEBHOOK_VARIABLE = "PSOPS_ALERT_WEBHOOK"
CHROMIUM_VARIABLE = "PSOPS_CHROMIUM"
DAGSTER_HOME_VARIABLE = "DAGSTER_HOME"
DBT_TARGET_VARIABLE = "PSOPS_DBT_TARGET"
DBT_TARGETS = ("duckdb", "postgres")  # dbt_project/profiles.yml's outputs
PG_DSN_VARIABLE = "PSOPS_PG_DSN"
PG_PART_VARIABLES = {  # libpq keyword -> variable, when PSOPS_PG_DSN is not set
    "host": "PSOPS_PG_HOST",
    "port": "PSOPS_PG_PORT",
    "user": "PSOPS_PG_USER",
    "password": "PSOPS_PG_PASSWORD",
    "dbname": "PSOPS_PG_DBNAME",
}
PUBLISH_PG_DSN_VARIABLE = "PSOPS_PUBLISH_PG_DSN"
PUBLISH_PG_SCHEMA_VARIABLE = "PSOPS_PUBLISH_PG_SCHEMA"

_CWD_DOTENV = object()  # from_env's default: ``.env`` in the working directory


def export_environment(values: Mapping[str, str]) -> None:
    """Set ``values`` in this process's environment, for a command that reads them as it
    runs in this process (``psops-dbt`` hands dbt the run's PSOPS_AS_OF)."""
    os.environ.update(values)


def _blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None


@dataclass(frozen=True)
class Settings:
    """What psops is configured with.  ``environ`` is a read-only snapshot (the process
    environment over ``.env``); the typed fields are parsed from it."""

    environ: Mapping[str, str] = field(repr=False)
    as_of_text: str  # PSOPS_AS_OF as set ('' : today, UTC), validated by as_of_date()
    warehouse: WarehousePaths  # PSOPS_WAREHOUSE_DIR or ./warehouse, absolute
    gate_config: Path  # PSOPS_GATE_CONFIG or checks/gate.toml
    gate_config_named: bool = False  # PSOPS_GATE_CONFIG was set (a missing file is an error)
    alerts: AlertConfig | None = None  # PSOPS_DQ_JIRA_* (None: the Jira loop is off)
    admin_alerts: AdminAlertConfig | None = None  # PSOPS_ADMIN_JIRA_* (None: hygiene loop off)
    alert_webhook_url: str | None = None  # PSOPS_ALERT_WEBHOOK
    chromium: str | None = None  # PSOPS_CHROMIUM
    dagster_home: str | None = None  # DAGSTER_HOME (None: an ephemeral instance)
    dbt_target: str = "duckdb"  # PSOPS_DBT_TARGET: the engine dbt builds on
    publish_pg_dsn: str | None = None  # PSOPS_PUBLISH_PG_DSN (None: publish to DuckDB only)
    publish_pg_schema: str = "marts"  # PSOPS_PUBLISH_PG_SCHEMA

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None | object = _CWD_DOTENV,
    ) -> Settings:
        """Settings from ``environ`` (default: the process environment) over the values of
        the ``dotenv`` file (default ``./.env``; None: none).  Real variables win over
        ``.env``."""
        merged: dict[str, str] = {}
        if dotenv is _CWD_DOTENV:
            dotenv = Path.cwd() / ".env"
        if isinstance(dotenv, Path) and dotenv.is_file():
            merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        merged.update(os.environ if environ is None else environ)
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, environ: Mapping[str, str]) -> Settings:
        """Settings parsed from exactly ``environ`` (no process environment, no ``.env``)."""
        frozen = MappingProxyType(dict(environ))
        gate = _blank_is_none(frozen.get(GATE_CONFIG_VARIABLE))
        directory = _blank_is_none(frozen.get(WAREHOUSE_DIR_VARIABLE)) or DEFAULT_WAREHOUSE_DIR
        return cls(
            environ=frozen,
            as_of_text=(frozen.get(AS_OF_VARIABLE) or "").strip(),
            warehouse=warehouse_paths(directory),
            gate_config=Path(gate) if gate else DEFAULT_GATE_CONFIG,
            gate_config_named=gate is not None,
            alerts=alert_config(frozen),
            admin_alerts=admin_alert_config(frozen),
            alert_webhook_url=_blank_is_none(frozen.get(ALERT_WEBHOOK_VARIABLE)),
            chromium=frozen.get(CHROMIUM_VARIABLE) or None,
            dagster_home=frozen.get(DAGSTER_HOME_VARIABLE) or None,
            dbt_target=(frozen.get(DBT_TARGET_VARIABLE) or "duckdb").strip().lower(),
            publish_pg_dsn=_blank_is_none(frozen.get(PUBLISH_PG_DSN_VARIABLE)),
            publish_pg_schema=_blank_is_none(frozen.get(PUBLISH_PG_SCHEMA_VARIABLE)) or "marts",
        )

    def dbt_target_checked(self) -> str:
        """``PSOPS_DBT_TARGET`` (duckdb or postgres); ``SourceConfigError`` otherwise, and for
        postgres without a server to build on."""
        if self.dbt_target not in DBT_TARGETS:
            raise SourceConfigError(
                "psops", DBT_TARGET_VARIABLE, f"must be one of {', '.join(DBT_TARGETS)}"
            )
        if self.dbt_target == "postgres":
            self.pg_dsn()
        return self.dbt_target

    def pg_dsn(self) -> str:
        """The PostgreSQL database dbt builds in on the postgres target: ``PSOPS_PG_DSN``,
        else a DSN from ``PSOPS_PG_HOST``/``_PORT``/``_USER``/``_PASSWORD``/``_DBNAME``."""
        dsn = _blank_is_none(self.environ.get(PG_DSN_VARIABLE))
        if dsn:
            return dsn
        parts = {k: v for k, name in PG_PART_VARIABLES.items() if (v := self.environ.get(name))}
        if "host" not in parts or "dbname" not in parts:
            raise SourceConfigError(
                "psops",
                PG_DSN_VARIABLE,
                f"PSOPS_DBT_TARGET=postgres needs {PG_DSN_VARIABLE} (or PSOPS_PG_HOST and "
                "PSOPS_PG_DBNAME)",
            )
        from psycopg.conninfo import make_conninfo  # psycopg: only on the postgres paths

        return make_conninfo(**parts)

    def pg_dbt_vars(self) -> dict[str, str]:
        """What dbt's postgres output reads from ``--vars``: host, port, user, dbname (never
        the password: dbt logs its vars; it reads ``PSOPS_PG_PASSWORD`` or ~/.pgpass)."""
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(self.pg_dsn())
        return {
            f"psops_pg_{key}": str(parts[key])
            for key in ("host", "port", "user", "dbname")
            if parts.get(key) is not None
        }

    @property
    def as_of(self) -> date | None:
        """``PSOPS_AS_OF`` (None: unset); ``SourceConfigError`` naming it when not a date."""
        return parse_as_of(self.as_of_text)

    def as_of_date(self) -> date:
        """``PSOPS_AS_OF``, else today (UTC) — evaluated when called, so a long-lived Dagster
        code server is right tomorrow.  ``SourceConfigError`` names an invalid ``PSOPS_AS_OF``
        (raised here, where the date is used, as before)."""
        return self.as_of or datetime.now(UTC).date()

    def with_values(self, values: Mapping[str, str]) -> Settings:
        """These settings with ``values`` merged into ``environ`` (re-parsed), e.g. the
        sandbox's URLs and tokens for ``psops demo``."""
        return Settings.from_mapping({**self.environ, **values})

    def for_day(self, day: date, gate_config: Path | None = None) -> Settings:
        """These settings as of ``day`` (and with another gate config): one backfill step."""
        values = {AS_OF_VARIABLE: day.isoformat()}
        if gate_config is not None:
            values[GATE_CONFIG_VARIABLE] = str(gate_config)
        return self.with_values(values)

    def with_warehouse(self, paths: WarehousePaths) -> Settings:
        return replace(self, warehouse=paths)


__all__ = ["Settings"]

"""The dbt project as Dagster assets: staging → intermediate → marts, with every dbt test
as an asset check (error severity blocks what is downstream, publish included)."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, ResourceParam
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.dbt_child import PARENT_FLAG
from orchestration.defs.assets.ingest import OWNERS
from orchestration.defs.resources import WarehouseResource, dbt_manifest
from orchestration.settings import Settings

PIPELINE_DB_VAR = "psops_pipeline_db"  # dbt_project/profiles.yml: the file dbt writes
AS_OF_VAR = "psops_as_of"  # dbt_project/macros/as_of_date.sql
MARTS_SCHEMA = "marts"


def layer_group(fqn: list[str]) -> str:
    """``['psops', 'marts', 'utilization', 'x']`` → ``marts_utilization``; staging and
    intermediate models group by their layer."""
    layer = fqn[1] if len(fqn) > 2 else "default"
    if layer == "marts" and len(fqn) > 3:
        return f"marts_{fqn[2]}"
    return layer


class PsopsDbtTranslator(DagsterDbtTranslator):
    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            # the raw tables the ingest assets land: raw_<source>/<table>
            return spec.replace_attributes(key=AssetKey([props["source_name"], props["name"]]))
        group = "seeds" if props["resource_type"] == "seed" else layer_group(props["fqn"])
        return spec.replace_attributes(group_name=group).merge_attributes(
            kinds={"duckdb"}, owners=OWNERS, tags={"layer": group.split("_")[0]}
        )


translator = PsopsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_vars(settings: Settings, warehouse: WarehouseResource) -> dict[str, str]:
    """The run's values for dbt (``--vars``): the file to build in (the run's working copy,
    the same path every run of a warehouse) and the as-of date; on the postgres target, the
    server and database to build in.  Nothing that changes from run to run of a day: dbt
    re-parses the whole project when its vars change (partial parsing)."""
    values = {
        PIPELINE_DB_VAR: str(warehouse.paths.pipeline_db),
        AS_OF_VAR: settings.as_of_date().isoformat(),
    }
    if settings.dbt_target == "postgres":
        values.update(settings.pg_dbt_vars())
    return values


class DbtBuildConfig(Config):
    # the nightly run (``psops refresh --full``): incremental models rebuilt from scratch
    # (``--full-refresh``; the history marts keep their rows: full_refresh=false) and the
    # column schema and lineage of every model fetched for the UI
    full: bool = False


def dbt_target_dir(warehouse: WarehouseResource) -> Path:
    """dbt's target folder for this warehouse: the same every run, so the project parsed by
    the last run is re-parsed only where it changed (``partial_parse.msgpack``).  Runs of one
    warehouse never overlap (the writer lock)."""
    return warehouse.paths.root / ".dbt" / "target"


def build_args(settings: Settings, warehouse: WarehouseResource, full: bool) -> list[str]:
    """``dbt build`` for a refresh.  dbt's unit tests check the SQL against fixtures, not
    the data: they run in CI (tests/test_dbt_unit_tests.py) and are left out of refreshes."""
    args = ["build", "--vars", json.dumps(dbt_vars(settings, warehouse))]
    args += ["--exclude-resource-type", "unit_test"]
    return args + (["--full-refresh"] if full else [])


# the manifest is read, not built, here: `make manifest` / the command line build it
@dbt_assets(manifest=dbt_manifest(), dagster_dbt_translator=translator)
def dbt_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    settings: ResourceParam[Settings],
    config: DbtBuildConfig,
):
    target = settings.dbt_target_checked()  # the dbt resource passes it as --target
    # psops-dbt (the dbt dagster-dbt starts) checks that this process is still its parent
    # once the kernel is told to kill it with its parent (orchestration.dbt_child)
    args = [*build_args(settings, warehouse, config.full), f"{PARENT_FLAG}={os.getpid()}"]
    # on postgres the run's raw tables go in first and the built marts come back after, so
    # the gate, publish and status read the working copy as on DuckDB (orchestration/postgres)
    dsn = settings.pg_dsn() if target == "postgres" else None
    if dsn:  # psycopg is imported on this path only: the definitions load faster
        from orchestration.postgres import fetch_schema, load_raw

        with warehouse.connect(read_only=True) as con:
            loaded = load_raw(con, dsn)
        context.log.info(f"copied {len(loaded)} raw tables ({sum(loaded.values())} rows) in")
    try:
        target_path = dbt_target_dir(warehouse)
        events = dbt.cli(args, context=context, target_path=target_path).stream()
        events = events.fetch_row_counts()
        # column schema and lineage: a query and a SQL parse per model, ~40 s on the small
        # sandbox — on the nightly full run only (the UI shows the latest it has)
        yield from events.fetch_column_metadata() if config.full else events
    finally:  # what dbt built, also after a failed build (as on DuckDB)
        if dsn:
            with warehouse.connect() as con:
                marts = fetch_schema(dsn, con, MARTS_SCHEMA)
            context.log.info(f"copied {len(marts)} marts back from PostgreSQL")


def mart_keys() -> list[AssetKey]:
    return sorted(
        (
            key
            for key in dbt_models.keys
            if dbt_models.group_names_by_key.get(key, "").startswith("marts")
        ),
        key=lambda k: k.to_user_string(),
    )

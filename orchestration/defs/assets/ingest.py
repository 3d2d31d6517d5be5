"""The ingest step: one Dagster multi-asset over every source, each raw table an asset of its
own (group ``raw_<source>``), materialized with its load statistics as metadata.

The sources load at the same time, each on its own connection to the run's working copy
(``sources.common.runner.load_sources``), each fetching its streams concurrently
(``PSOPS_MAX_WORKERS``).  A source that fails keeps what it committed and does not stop the
others: their tables are materialized, then the step fails with the source's error.  A run
of picked raw tables (the UI, ``psops refresh --select``) loads the sources they belong to.
Progress (pages, records, records/s per object) goes to the run log."""

from datetime import timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    TableColumn,
    TableSchema,
    multi_asset,
)

from checks.gx_runner import import_gx_in_background
from orchestration.defs.resources import WarehouseResource
from orchestration.settings import Settings
from sources.common.loader import StreamResult, TableStats
from sources.common.raw_tables import META_COLUMNS, RawTable
from sources.common.runner import load_sources, raise_failures
from sources.common.source import Source

OWNERS = ["team:ps-ops-data"]
# the hourly refresh loads every source: warn after one missed hour, fail after two
RAW_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=2), warn_window=timedelta(hours=1)
)


class IngestConfig(Config):
    full: bool = False  # re-extract everything instead of resuming from the cursor


def raw_asset_key(table: RawTable) -> AssetKey:
    return AssetKey([table.schema, table.name])


def raw_table_schema(table: RawTable) -> TableSchema:
    """The landed table's columns: the API fields, typed, then psops' bookkeeping columns."""
    return TableSchema(
        columns=[TableColumn(name=name, type=type_) for name, type_ in table.columns + META_COLUMNS]
    )


def raw_asset_spec(source: Source, table: RawTable) -> AssetSpec:
    return AssetSpec(
        key=raw_asset_key(table),
        group_name=table.schema,
        kinds={source.name, "duckdb"},
        owners=OWNERS,
        tags={"layer": "raw", "source": source.name},
        description=f"{source.name} `{table.name}` as the API sent it: typed columns, "
        "the original JSON in `_raw_json`, deletes flagged in `_deleted`.",
        metadata={
            "table": table.qualified_name,
            "primary_key": table.primary_key,
            "dagster/column_schema": MetadataValue.table_schema(raw_table_schema(table)),
            "dagster/table_name": f"psops.{table.qualified_name}",  # as dbt names it
        },
        freshness_policy=RAW_FRESHNESS,
    )


INGEST_OP_NAME = "ingest"  # the step, as run config names it


def build_ingest_asset(sources: list[Source]) -> AssetsDefinition:
    specs = [raw_asset_spec(source, table) for source in sources for table in source.tables]

    @multi_asset(name=INGEST_OP_NAME, specs=specs, can_subset=True)
    def _ingest(
        context: AssetExecutionContext,
        config: IngestConfig,
        warehouse: WarehouseResource,
        settings: ResourceParam[Settings],
    ):
        # a full run's gate judges every row with Great Expectations: import it meanwhile
        # (an hourly gate judges the rows loaded since in DuckDB SQL: checks.sql_engine)
        if config.full:
            import_gx_in_background()
        selected = context.selected_asset_keys
        picked = [s for s in sources if any(raw_asset_key(t) in selected for t in s.tables)]
        with warehouse.connect() as con:
            loads = load_sources(con, picked, settings.environ, config.full, context.log.info)
        for load in loads:
            by_table = {name: (stats, r) for r in load.results for name, stats in r.tables.items()}
            for table in load.source.tables if load.error is None else []:
                if raw_asset_key(table) in selected:
                    stats, result = by_table[table.name]
                    count = load.live_rows[table.name]
                    yield MaterializeResult(
                        asset_key=raw_asset_key(table),
                        metadata=_metadata(count, stats, result, config.full),
                    )
        raise_failures(loads)

    return _ingest


def _metadata(count: int, stats: TableStats, result: StreamResult, full: bool) -> dict[str, Any]:
    return {
        "dagster/row_count": count,
        "rows_inserted": stats.inserted,
        "rows_updated": stats.updated,
        "rows_deleted": stats.deleted,
        "rows_quarantined": stats.quarantined,
        "pages": stats.pages,
        "cursor_before": MetadataValue.text(str(result.cursor_before)),
        "cursor_after": MetadataValue.text(str(result.cursor_after)),
        "full_extract": full,
        "read_whole": result.read_whole,  # no incremental filter/sort: re-read
        **(
            {"warnings": MetadataValue.md("\n".join(f"- {n}" for n in result.notes))}
            if result.notes
            else {}
        ),  # e.g. a field the source lacks: NULL
    }

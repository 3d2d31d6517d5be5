"""One Dagster multi-asset per source: every raw table it lands is an asset of its own
(group ``raw_<source>``), materialized with its load statistics as metadata.  The source's
streams are fetched concurrently (``PSOPS_MAX_WORKERS``) and written by this step's one
DuckDB connection; progress (pages, records, records/s per object) goes to the run log."""

from datetime import timedelta

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

from orchestration.defs.resources import WarehouseResource
from orchestration.settings import Settings
from sources.common.loader import StreamResult, TableStats
from sources.common.raw_tables import META_COLUMNS, RawTable
from sources.common.runner import progress_reporter, run_source
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


def ingest_op_name(source: str) -> str:
    """The op (step) of ``source``'s multi-asset, as run config names it."""
    return f"ingest_{source}"


def build_ingest_assets(source: Source) -> AssetsDefinition:
    specs = [raw_asset_spec(source, table) for table in source.tables]

    @multi_asset(name=ingest_op_name(source.name), specs=specs)
    def _ingest(
        context: AssetExecutionContext,
        config: IngestConfig,
        warehouse: WarehouseResource,
        settings: ResourceParam[Settings],
    ):
        source_config = source.from_env(settings.environ)
        source.check(source_config)
        results: dict[str, tuple[TableStats, StreamResult]] = {}
        on_progress = progress_reporter(source.name, context.log.info)
        with warehouse.connect() as con:
            for result in run_source(con, source, source_config, config.full, on_progress):
                for name, stats in result.tables.items():
                    results[name] = (stats, result)
            counts = {
                t.name: con.execute(
                    f"SELECT count(*) FROM {t.qualified_name} WHERE NOT _deleted"
                ).fetchone()[0]
                for t in source.tables
            }
        for table in source.tables:
            stats, result = results[table.name]
            yield MaterializeResult(
                asset_key=raw_asset_key(table),
                metadata={
                    "dagster/row_count": counts[table.name],
                    "rows_inserted": stats.inserted,
                    "rows_updated": stats.updated,
                    "rows_deleted": stats.deleted,
                    "rows_quarantined": stats.quarantined,
                    "pages": stats.pages,
                    "cursor_before": MetadataValue.text(str(result.cursor_before)),
                    "cursor_after": MetadataValue.text(str(result.cursor_after)),
                    "full_extract": config.full,
                    "read_whole": result.read_whole,  # no incremental filter/sort: re-read
                    **(
                        {"warnings": MetadataValue.md("\n".join(f"- {n}" for n in result.notes))}
                        if result.notes
                        else {}
                    ),  # e.g. a field the source lacks: NULL
                },
            )

    return _ingest

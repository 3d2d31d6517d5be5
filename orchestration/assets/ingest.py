"""One Dagster multi-asset per source: every raw table it lands is an asset of its own
(group ``raw_<source>``), materialized with its load statistics as metadata.  The source's
streams are fetched concurrently (``PSOPS_MAX_WORKERS``) and written by this step's one
DuckDB connection; progress (pages, records, records/s per object) goes to the run log."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.resources import WarehouseResource
from sources.common.loader import StreamResult, TableStats
from sources.common.raw_tables import RawTable
from sources.common.runner import progress_reporter, run_source
from sources.common.source import Source


class IngestConfig(Config):
    full: bool = False  # re-extract everything instead of resuming from the cursor


def raw_asset_key(table: RawTable) -> AssetKey:
    return AssetKey([table.schema, table.name])


def build_ingest_assets(source: Source) -> AssetsDefinition:
    specs = [
        AssetSpec(
            key=raw_asset_key(table),
            group_name=table.schema,
            kinds={source.name, "duckdb"},
            description=f"{source.name} `{table.name}` as the API sent it: typed columns, "
            "the original JSON in `_raw_json`, deletes flagged in `_deleted`.",
            metadata={"table": table.qualified_name, "primary_key": table.primary_key},
        )
        for table in source.tables
    ]

    @multi_asset(name=f"ingest_{source.name}", specs=specs)
    def _ingest(context: AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource):
        source_config = source.from_env()
        source.check(source_config)
        results: dict[str, tuple[TableStats, StreamResult]] = {}
        on_progress = progress_reporter(source.name, context.log.info)
        with warehouse.connect() as con:
            for result in run_source(con, source, config.full, on_progress):
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
                },
            )

    return _ingest

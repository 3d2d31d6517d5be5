"""What leaders look at: the QBR pack, built from what ``publish`` just published.
(No ``from __future__ import annotations``: Dagster reads the config annotation.)

Materialized by the weekly QBR schedule (the ``qbr_refresh`` job: a whole refresh, then the
pack), or on its own from the UI (Materialize → config ``quarter`` / ``region``)."""

import base64

from dagster import (
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from orchestration.defs.resources import WarehouseResource
from orchestration.settings import Settings

REPORTS_GROUP = "reports"


class QbrPackConfig(Config):
    quarter: str | None = None  # "2026-Q3"; default: the quarter of the last publish's as-of
    region: str | None = None  # AMER / EMEA / APAC; default: every region


@asset(
    key="qbr_pack",
    group_name=REPORTS_GROUP,
    deps=["publish"],
    kinds={"html", "pdf"},
    description="The QBR pack: `warehouse/reports/qbr-<quarter>[-<region>].html` (charts "
    "inline, no network at view time) and `.pdf`, from the published analytics.duckdb only.",
)
def qbr_pack(
    context: AssetExecutionContext,
    config: QbrPackConfig,
    warehouse: WarehouseResource,
    settings: ResourceParam[Settings],
) -> MaterializeResult:
    from orchestration.reports.qbr import write_qbr_pack  # matplotlib: only when drawing

    paths = warehouse.paths
    pack, files = write_qbr_pack(
        paths.analytics_db,
        paths.root / "reports",
        config.quarter,
        config.region,
        chromium=settings.chromium,
    )
    context.log.info(f"QBR pack for {pack.quarter}: {files.html}, {files.pdf}")
    preview = base64.b64encode(files.preview.read_bytes()).decode() if files.preview else ""
    return MaterializeResult(
        metadata={
            "html": MetadataValue.path(str(files.html)),
            "pdf": MetadataValue.path(str(files.pdf)),
            "pages": files.pages or 0,
            "quarter": pack.quarter,
            "region": pack.region or "all",
            "published_run": pack.cover.run_id,
            "as_of": pack.cover.as_of.isoformat(),
            "sections": len(pack.sections),
            "empty_sections": MetadataValue.json(
                {s.key: s.empty for s in pack.sections if s.empty}
            ),
            # the first page, shown in the UI (markdown with an inline image)
            "preview": MetadataValue.md(f"![first page](data:image/png;base64,{preview})"),
        }
    )

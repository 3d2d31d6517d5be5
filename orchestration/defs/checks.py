"""Great Expectations suites (checks/) as blocking Dagster asset checks on raw assets."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    ResourceParam,
    asset_check,
)

from checks import config
from checks.gx_runner import ExpectationOutcome, SuiteOutcome, run_suite
from orchestration.defs.resources import WarehouseResource
from orchestration.settings import Settings
from sources.registry import all_sources


def check_name(table: str) -> str:
    """``raw_kantata.time_entries`` → ``gx_time_entries``."""
    return f"gx_{table.split('.', 1)[1]}"


def check_result(outcome: SuiteOutcome) -> AssetCheckResult:
    failed = [e for e in outcome.expectations if not e.passed]
    errors = [e for e in failed if e.severity == "error"]
    shown = errors or failed  # the sample shows the blocking failures first
    metadata = {
        "summary": MetadataValue.md(outcome.summary()),
        "row_count": outcome.row_count,
        "expectations": len(outcome.expectations),
        "failed_error": len(errors),
        "failed_warn": len(failed) - len(errors),
        "failing_count": sum(e.unexpected_count for e in shown),
        "sample": MetadataValue.json(
            [dict(item, expectation=e.expectation) for e in shown for item in _items(e)][
                : config.SAMPLE_SIZE
            ]
        ),
    }
    for e in failed:
        metadata[f"failed: {e.expectation}"] = MetadataValue.json(
            {
                "severity": e.severity,
                "unexpected_count": e.unexpected_count,
                "sample": e.unexpected_sample,
                "details": e.details,
            }
        )
    return AssetCheckResult(
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata=metadata,
        description="\n".join(outcome.summary().splitlines()[:4])
        if failed
        else "all expectations met",
    )


def _items(outcome: ExpectationOutcome) -> list[dict]:
    return [i if isinstance(i, dict) else {"value": i} for i in outcome.unexpected_sample]


def build_gx_check(table: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(table.split(".")),
        name=check_name(table),
        blocking=True,
        description=f"Great Expectations suite on {table}: error-level failures block "
        "every downstream asset and the publish step.",
    )
    def _check(
        context: AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        settings: ResourceParam[Settings],
    ):
        with warehouse.connect(read_only=True) as con:
            outcome = run_suite(con, table, settings.as_of_date())
        context.log.info(outcome.summary())
        return check_result(outcome)

    return _check


# one suite per raw table (tests/test_gate_suites.py): the tables are the connectors', so the
# suites themselves (and the gate config they read) are built only when a check runs
gx_checks = [
    build_gx_check(table.qualified_name) for source in all_sources() for table in source.tables
]

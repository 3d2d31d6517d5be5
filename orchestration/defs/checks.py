"""Great Expectations suites (checks/) as blocking Dagster asset checks on raw assets."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    Config,
    MetadataValue,
    ResourceParam,
    multi_asset_check,
)

from checks import config
from checks.gx_runner import ExpectationOutcome, SuiteOutcome, run_suite
from orchestration.defs.resources import WarehouseResource
from orchestration.dq import last_passed
from orchestration.settings import Settings
from sources.registry import all_sources


def check_name(table: str) -> str:
    """``raw_kantata.time_entries`` → ``gx_time_entries``."""
    return f"gx_{table.split('.', 1)[1]}"


def check_result(outcome: SuiteOutcome, key: AssetCheckKey) -> AssetCheckResult:
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
        asset_key=key.asset_key,
        check_name=key.name,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata=metadata,
        description="\n".join(outcome.summary().splitlines()[:4])
        if failed
        else "all expectations met",
    )


def _items(outcome: ExpectationOutcome) -> list[dict]:
    return [i if isinstance(i, dict) else {"value": i} for i in outcome.unexpected_sample]


def gx_check_key(table: str) -> AssetCheckKey:
    """``raw_kantata.time_entries`` → check ``gx_time_entries`` of ``raw_kantata/time_entries``."""
    return AssetCheckKey(AssetKey(table.split(".")), check_name(table))


def gx_check_spec(table: str) -> AssetCheckSpec:
    key = gx_check_key(table)
    return AssetCheckSpec(
        name=key.name,
        asset=key.asset_key,
        blocking=True,
        description=f"Great Expectations suite on {table}: error-level failures block "
        "every downstream asset and the publish step.",
    )


GATE_OP_NAME = "gx_raw_suites"


class GateConfig(Config):
    # every live row (``psops refresh --full``, the nightly run); else the rows that can
    # change a suite's verdict since it last passed (checks.gx_runner)
    full: bool = False


def build_gx_checks(tables: list[str]) -> AssetChecksDefinition:
    """Every raw table's suite in one step: one DuckDB connection and one Great Expectations
    import per run instead of one step (and its events) per table — 29 steps cost ~15 s of a
    refresh.  Each suite is still its own blocking check; a UI run may select some of them."""

    @multi_asset_check(
        name=GATE_OP_NAME,
        specs=[gx_check_spec(table) for table in tables],
        can_subset=True,
        description="Great Expectations suites on the raw tables (checks/suites.py)",
    )
    def _checks(
        context: AssetCheckExecutionContext,
        config: GateConfig,
        warehouse: WarehouseResource,
        settings: ResourceParam[Settings],
    ) -> Iterator[AssetCheckResult]:
        selected = context.selected_asset_check_keys
        as_of = settings.as_of_date()
        with warehouse.connect(read_only=True) as con:
            for table in tables:
                key = gx_check_key(table)
                if key not in selected:
                    continue
                asset = key.asset_key.to_user_string()
                since = None if config.full else last_passed(con, key.name, asset)
                outcome = run_suite(con, table, as_of, loaded_since=since)
                context.log.info(outcome.summary())
                yield check_result(outcome, key)

    return _checks


# one suite per raw table (tests/test_gate_suites.py): the tables are the connectors', so the
# suites themselves (and the gate config they read) are built only when a check runs
gx_checks = [
    build_gx_checks([table.qualified_name for source in all_sources() for table in source.tables])
]

"""The dbt project as Dagster assets: staging → intermediate → marts, with every dbt test
as an asset check (error severity blocks what is downstream, publish included)."""

import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    Config,
    MetadataValue,
    Output,
    ResourceParam,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.dbt_changes import (
    NOT_REBUILT_KEY,
    BuildInputs,
    Changes,
    in_build_order,
    last_build,
    project_fingerprint,
    record_build,
    source_fingerprints,
    source_tables,
    what_changed,
)
from orchestration.dbt_child import AS_OF_FLAG, PARENT_FLAG
from orchestration.defs.assets.ingest import OWNERS
from orchestration.defs.resources import (
    DBT_PROJECT_DIR,
    WarehouseResource,
    dbt_manifest,
    without_dbt_adapter,
)
from orchestration.defs.schedules import DBT_OP_NAME
from orchestration.dq import release_dbt_duckdb
from orchestration.settings import Settings

PIPELINE_DB_VAR = "psops_pipeline_db"  # dbt_project/profiles.yml: the file dbt writes
ROW_COUNTS_VAR = "psops_row_counts_dir"  # dbt_project/macros/record_row_count.sql
MARTS_SCHEMA = "marts"
NIGHTLY_TAG = "nightly"  # dbt tests run by the nightly full refresh (and CI), not hourly


def layer_group(fqn: list[str]) -> str:
    """``['psops', 'marts', 'utilization', 'x']`` → ``marts_utilization``; staging and
    intermediate models group by their layer."""
    layer = fqn[1] if len(fqn) > 2 else "default"
    if layer == "marts" and len(fqn) > 3:
        return f"marts_{fqn[2]}"
    return layer


class PsopsDbtTranslator(DagsterDbtTranslator):
    """Models and seeds grouped by layer (``layer_group``), tagged with it and owned by the
    team; sources keep dagster-dbt's defaults (key ``raw_<source>/<table>``, the raw tables
    the ingest assets land).  Attribute hooks rather than a rebuilt spec: the definitions
    load ~0.4 s faster than replacing attributes of 1,100 specs."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return super().get_group_name(dbt_resource_props)
        return "seeds" if kind == "seed" else layer_group(dbt_resource_props["fqn"])

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        owners = super().get_owners(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source":
            return owners
        return list(dict.fromkeys([*(owners or []), *OWNERS]))

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = super().get_tags(dbt_resource_props)
        group = self.get_group_name(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source" or group is None:
            return tags
        return {**tags, "layer": group.split("_")[0]}


translator = PsopsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_vars(settings: Settings, warehouse: WarehouseResource) -> dict[str, str]:
    """The run's values for dbt (``--vars``): the file to build in (the run's working copy,
    the same path every run of a warehouse); on the postgres target, the server and
    database to build in.  Nothing that changes from run to run: dbt re-parses the whole
    project when its vars change (partial parsing), so the as-of date goes to dbt as
    PSOPS_AS_OF instead (``build_args``)."""
    values = {PIPELINE_DB_VAR: str(warehouse.paths.pipeline_db)}
    if settings.dbt_target == "postgres":
        values.update(settings.pg_dbt_vars())
    else:
        values[ROW_COUNTS_VAR] = str(row_counts_dir(warehouse))
    return values


class _ChecksOfMartsLeftAsTheyAre(logging.Filter):
    """Dagster warns, per blocking check, when a step ends without its result.  A dbt build
    of what changed leaves the tests of the marts it does not rebuild unexecuted on purpose
    (``marts_left_as_they_are``): ~100 warnings an hourly run, said once in its log instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f"emitted no result in step '{DBT_OP_NAME}'" not in record.getMessage()


logging.getLogger("dagster._core.execution.plan.active").addFilter(_ChecksOfMartsLeftAsTheyAre())


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


def row_counts_dir(warehouse: WarehouseResource) -> Path:
    """Where each table dbt builds on DuckDB leaves its row count (``<unique_id>.csv``,
    written by the ``record_row_count`` post-hook): the same folder every run."""
    return warehouse.paths.root / ".dbt" / "row_counts"


def with_recorded_row_counts(events: Iterable[Any], folder: Path) -> Iterator[Any]:
    """dbt's Dagster events as they come, each table's materialization carrying the row
    count its post-hook recorded (``dagster/row_count``, as ``fetch_row_counts`` gives).
    On DuckDB ``fetch_row_counts`` cannot count until dbt exits (dbt holds the file), so it
    holds back every event until then: ~900 events written after the build, ~13 s of a
    medium refresh.  Here they are written while dbt builds.  A table whose count is
    missing (a view, a failed hook) keeps its event without one."""
    for event in events:
        if isinstance(event, (Output, AssetMaterialization)):
            unique_id = event.metadata.get("unique_id")
            count = _recorded_row_count(folder, getattr(unique_id, "value", None))
            if count is not None:
                metadata = {
                    "dagster/row_count": MetadataValue.int(count),
                    "dagster/storage_kind": MetadataValue.text("duckdb"),
                }  # the keys of dagster's TableMetadataSet, as fetch_row_counts writes them
                event = event.with_metadata({**event.metadata, **metadata})
        yield event


def _recorded_row_count(folder: Path, unique_id: str | None) -> int | None:
    if not unique_id:
        return None
    try:
        return int((folder / f"{unique_id}.csv").read_text().strip())
    except (OSError, ValueError):
        return None


def build_args(settings: Settings, warehouse: WarehouseResource, full: bool) -> list[str]:
    """``dbt build`` for a refresh.  dbt's unit tests check the SQL against fixtures, not
    the data: they run in CI (tests/test_dbt_unit_tests.py) and are left out of refreshes.
    The reconciliations tagged ``nightly`` (each re-derives a mart from staging across
    several models) run on the full refresh only; every other test runs every refresh.
    The as-of date reaches dbt as PSOPS_AS_OF (psops-dbt's ``--psops-as-of``), read as dbt
    executes: a new day re-parses nothing.

    No ``manifest.json``/``run_results.json`` in the run's target folder (``--no-write-json``):
    dbt would serialise the whole manifest twice a build (~0.5 s an hourly run on the medium
    sandbox), and nothing reads them: the Dagster event log has every node's result, the
    definitions read the project's own manifest (``make manifest``)."""
    args = ["build", "--no-write-json", "--vars", json.dumps(dbt_vars(settings, warehouse))]
    args += [f"{AS_OF_FLAG}={settings.as_of_date().isoformat()}"]
    args += ["--exclude-resource-type", "unit_test"]
    return args + (["--full-refresh"] if full else ["--exclude", f"tag:{NIGHTLY_TAG}"])


@cache
def dbt_manifest_json() -> dict[str, Any]:
    """The manifest the definitions were loaded from, parsed (once a process)."""
    return json.loads(dbt_manifest().read_text())


def inputs_and_last_build(
    settings: Settings, warehouse: WarehouseResource
) -> tuple[BuildInputs, BuildInputs | None]:
    """This run's dbt inputs (the project, the as-of date, each source table's content)
    and those of the last build recorded in the working copy, read in one connection."""
    with warehouse.connect(read_only=True) as con:
        sources = source_fingerprints(con, source_tables(dbt_manifest_json()))
        previous = last_build(con)
    inputs = BuildInputs(
        project=project_fingerprint(DBT_PROJECT_DIR, dbt_vars(settings, warehouse)),
        as_of=settings.as_of_date().isoformat(),
        sources=sources,
    )
    return inputs, previous


def changes_since(
    context: AssetExecutionContext, previous: BuildInputs | None, inputs: BuildInputs
) -> Changes | None:
    """What changed since the ``previous`` build (None: build everything), said in the
    run's log."""
    changes = what_changed(previous, inputs)
    if changes is None:
        why = "no earlier build recorded" if previous is None else "the dbt project changed"
        context.log.info(f"dbt builds every model: {why}")
    elif not changes.sources and not changes.as_of_moved:
        context.log.info("dbt builds nothing: no source table, nor the as-of date, changed")
    else:
        moved = [uid.removeprefix("source.psops.") for uid in changes.sources]
        said = ", ".join(moved) or "no source table"
        if changes.as_of_moved:
            said += f"; the as-of date {previous.as_of} -> {inputs.as_of}"
        context.log.info(f"dbt builds what changed and what is downstream: {said}")
    return changes


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
    # on DuckDB a whole-graph build records its inputs; an hourly one rebuilds only what
    # changed since the last (orchestration.dbt_changes).  A run of picked assets builds them.
    inputs = changes = None
    if not (dsn or context.is_subset):
        inputs, previous = inputs_and_last_build(settings, warehouse)
        if not config.full:
            changes = changes_since(context, previous, inputs)
    try:
        select = None
        if changes is not None:
            manifest = dbt_manifest_json()
            rebuilt = changes.rebuilt(manifest)
            yield from marts_left_as_they_are(context, manifest, rebuilt, row_counts_dir(warehouse))
            select = changes.select(manifest)
        if select is None or select:  # []: nothing changed, no dbt
            # one value: dagster-dbt takes the value after --select out of the args
            args += ["--select", " ".join(select)] if select else []
            yield from _dbt_events(context, dbt, warehouse, args, config.full, dsn, select is None)
        if inputs is not None:  # dbt built the whole graph, or all that changed, and passed
            release_dbt_duckdb()
            with warehouse.connect() as con:
                record_build(con, inputs, context.run_id)
    finally:  # what dbt built, also after a failed build (as on DuckDB)
        if dsn:
            with warehouse.connect() as con:
                marts = fetch_schema(dsn, con, MARTS_SCHEMA)
            context.log.info(f"copied {len(marts)} marts back from PostgreSQL")


def _dbt_events(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    args: list[str],
    full: bool,
    dsn: str | None,
    whole_graph: bool,
) -> Iterator[Any]:
    # dbt's adapter in this process serves only the column metadata (full) and the row
    # counts fetched from PostgreSQL: an hourly build on DuckDB starts dbt without it
    with nullcontext() if full or dsn else without_dbt_adapter():
        invocation = dbt.cli(args, context=context, target_path=dbt_target_dir(warehouse))
    events = invocation.stream()
    if full:
        # column schema and lineage: a query and a SQL parse per model, ~40 s on the
        # small sandbox — on the nightly full run only (the UI shows the latest it has)
        events = events.fetch_column_metadata()
    if dsn:
        return events.fetch_row_counts()
    # counted by dbt's post-hooks: the events stream while dbt builds; the counts of what a
    # build of what changed leaves as it is stay
    counts = row_counts_dir(warehouse)
    if whole_graph:
        shutil.rmtree(counts, ignore_errors=True)
    counts.mkdir(parents=True, exist_ok=True)
    return with_recorded_row_counts(events, counts)


def marts_left_as_they_are(
    context: AssetExecutionContext,
    manifest: Mapping[str, Any],
    rebuilt: AbstractSet[str],
    counts: Path,
) -> Iterator[Output]:
    """An Output for each mart a build of what changed leaves as it is (parents first, and
    before dbt's events: a rebuilt mart may read one).  Its inputs did not change, so it is
    current, and publish, which copies every mart, runs.  Its tests' latest results stand:
    publish audits them."""
    by_unique_id = {}
    for key in mart_keys():
        unique_id = context.assets_def.specs_by_key[key].metadata.get("dagster_dbt/unique_id")
        if unique_id not in rebuilt:
            by_unique_id[unique_id] = context.assets_def.get_output_name_for_asset_key(key)
    for unique_id in in_build_order(manifest, set(by_unique_id)):
        metadata: dict[str, Any] = {
            NOT_REBUILT_KEY: MetadataValue.text("its inputs did not change since the last build")
        }
        count = _recorded_row_count(counts, unique_id)
        if count is not None:
            metadata["dagster/row_count"] = MetadataValue.int(count)
        yield Output(None, output_name=by_unique_id[unique_id], metadata=metadata)


@contextmanager
def every_node_selected_from_the_manifest() -> Iterator[None]:
    """While ``dbt_assets`` is built: the default selection (every node) answered from the
    manifest, as dagster-dbt does when dbt-core is absent (``dagster_dbt.utils``
    ``_is_select_all``).  With dbt-core installed it evaluates even ``fqn:*`` with dbt's
    graph selector: ~0.7 s of imports and graph building on every load of the definitions
    (``dagster definitions validate``, the webserver, each run).  Any other selection goes
    to dagster-dbt; tests/test_definitions.py checks both give the same assets and checks."""
    from dagster_dbt import asset_utils

    evaluate = asset_utils.select_unique_ids

    def select_unique_ids(**kwargs: Any) -> AbstractSet[str]:
        if kwargs["select"] in ("", "fqn:*") and not kwargs["exclude"] and not kwargs["selector"]:
            manifest = kwargs["manifest_json"]
            return {*manifest["nodes"], *manifest.get("unit_tests", {})}
        return evaluate(**kwargs)

    asset_utils.select_unique_ids = select_unique_ids
    try:
        yield
    finally:
        asset_utils.select_unique_ids = evaluate


# the manifest is read, not built, here: `make manifest` / the command line build it.
# select="": every node, as the default "fqn:*" selects, but without dagster-dbt passing
# `--select fqn:*` to every whole-graph build: dbt unions repeated --select flags, so the
# hourly build's own `--select` (what changed, orchestration.dbt_changes) would be void
with every_node_selected_from_the_manifest():
    dbt_models = dbt_assets(manifest=dbt_manifest(), dagster_dbt_translator=translator, select="")(
        dbt_models
    )


def mart_keys() -> list[AssetKey]:
    return sorted(
        (
            key
            for key in dbt_models.keys
            if dbt_models.group_names_by_key.get(key, "").startswith("marts")
        ),
        key=lambda k: k.to_user_string(),
    )

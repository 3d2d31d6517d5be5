"""Resources: the pipeline warehouse (DuckDB) and dbt, wired once from ``Settings``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from pydantic import PrivateAttr

from orchestration.working_copy import working_copy
from orchestration.writer_lock import warehouse_writer_lock
from sources.common.config import WAREHOUSE_DIR_VARIABLE, WarehousePaths, warehouse_paths

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The venv's ``psops-dbt`` (``dbt`` that dies with its parent, next to this
    interpreter), else the venv's ``dbt``, else whatever is on PATH."""
    for name in ("psops-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


DBT_SOURCE_DIRS = ("models", "seeds", "macros", "snapshots", "tests", "analyses")


def manifest_is_stale(manifest: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is missing or any project file changed after it was built."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    candidates = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in DBT_SOURCE_DIRS:
        candidates.extend((project_dir / folder).rglob("*"))
    return any(p.is_file() and p.stat().st_mtime > built for p in candidates if p.exists())


class ManifestMissing(RuntimeError):
    def __init__(self, manifest: Path) -> None:
        super().__init__(
            f"no dbt manifest at {manifest}: run `make manifest` (dbt parse) before loading "
            "the Dagster definitions"
        )


def dbt_manifest(manifest: Path | None = None) -> Path:
    """``target/manifest.json``, which ``make manifest`` (a prerequisite of ``make dev``,
    ``demo``, ``test``, ``ci``) and the command line (``ensure_dbt_manifest``) build: loading
    the definitions only reads it.  ``ManifestMissing`` names ``make manifest``."""
    manifest = manifest or dbt_project.manifest_path
    if not manifest.exists():
        raise ManifestMissing(manifest)
    return manifest


def ensure_dbt_manifest(environ: Mapping[str, str], warehouse_root: Path) -> Path:
    """Build ``target/manifest.json`` with ``dbt parse`` when it is missing or older than
    the project (a stale one would hide a new model from Dagster): the command line's edge
    calls it before it builds the definitions.  ``environ``: the parse's environment
    (``Settings.environ``), with ``PSOPS_WAREHOUSE_DIR`` = ``warehouse_root`` (absolute: dbt
    runs in its project folder)."""
    manifest = dbt_project.manifest_path
    if manifest_is_stale(manifest):
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
            ],
            check=True,
            cwd=DBT_PROJECT_DIR,
            env={**environ, WAREHOUSE_DIR_VARIABLE: str(warehouse_root)},
        )
    return manifest


class WarehouseResource(ConfigurableResource):
    """The pipeline's own DuckDB file (raw, staging, marts, quarantine, state).

    In a run, the resource is the run's hold on the warehouse: it takes the writer lock for
    the whole run (``orchestration.writer_lock``; the refresh job runs in one process, see
    ``orchestration.defs.definitions``) and gives every step the run's working copy of
    ``psops.duckdb``, swapped in when the run ends (``orchestration.working_copy``)."""

    directory: str  # absolute (``Settings.warehouse.root``)
    _run_paths: WarehousePaths | None = PrivateAttr(default=None)

    @property
    def paths(self) -> WarehousePaths:
        if self._run_paths is not None:
            return self._run_paths
        return warehouse_paths(self.directory)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[WarehouseResource]:
        run_id = context.run_id or uuid.uuid4().hex
        log = context.log
        with (
            warehouse_writer_lock(
                self.paths.root,
                on_wait=lambda holder: log.info(f"waiting for the warehouse writer ({holder})"),
                purpose=f"dagster run {run_id}",
                on_takeover=log.warning,
            ),
            working_copy(self.paths) as run_paths,
        ):
            self._run_paths = run_paths
            try:
                yield self
            finally:
                self._run_paths = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.paths.pipeline_db), read_only=read_only)
        try:
            yield con
        finally:
            con.close()


_WITHOUT_ADAPTER: ContextVar[bool] = ContextVar("psops_dbt_without_adapter", default=False)


@contextmanager
def without_dbt_adapter() -> Iterator[None]:
    """``dbt.cli(...)`` inside starts dbt without first building dbt's adapter in this
    process: dagster-dbt builds it (~1.5 s, the first time in a process) for
    ``fetch_row_counts`` and ``fetch_column_metadata`` only."""
    token = _WITHOUT_ADAPTER.set(True)
    try:
        yield
    finally:
        _WITHOUT_ADAPTER.reset(token)


class PsopsDbtResource(DbtCliResource):
    """dagster-dbt's dbt resource; the adapter it builds in-process is left out inside
    ``without_dbt_adapter`` (a build on DuckDB counts its rows itself)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        if _WITHOUT_ADAPTER.get():
            return None
        return super()._initialize_dbt_core_adapter(args)


# dbt's flags on every command a refresh runs (the bench runs its dbt path with them too)
DBT_GLOBAL_FLAGS = ["--log-level-file", "warn"]


def dbt_resource(target: str = "duckdb") -> DbtCliResource:
    """dbt on ``target`` (``PSOPS_DBT_TARGET``): the resource passes ``--target`` to every
    command and builds its in-process adapter (row counts, column metadata) for it.

    dbt's file log (``dbt.log`` in the target folder) keeps warnings and errors only: at its
    default level, debug, it writes every statement of every node, ~15 % of a build on the
    medium sandbox (a whole build 12.8–13.0 s instead of 14.7–15.4 s).  The run's Dagster
    log has dbt's info-level events either way."""
    return PsopsDbtResource(
        global_config_flags=DBT_GLOBAL_FLAGS,
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
        target=target,
    )

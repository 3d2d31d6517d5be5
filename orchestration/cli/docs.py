"""``psops docs``: dbt's documentation site."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.cli._common import EXIT_CHECK_FAILED, EXIT_CONFIG, EXIT_OK, _command, _err, _say
from orchestration.settings import Settings
from sources.common.config import PIPELINE_DB_VARIABLE, WAREHOUSE_DIR_VARIABLE


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    """dbt's documentation site (catalog included) in warehouse/docs/."""
    import shutil
    import subprocess
    import tempfile

    from orchestration.defs.resources import DBT_PROJECT_DIR, dbt_executable

    paths = settings.warehouse
    if not paths.pipeline_db.exists():
        _err(f"psops docs: no warehouse at {paths.pipeline_db}; run `psops refresh` first.")
        return EXIT_CONFIG
    docs_dir = paths.root / "docs"
    _say(f"building dbt docs (catalog from {paths.pipeline_db}) into {docs_dir}")
    dbt_dir = str(DBT_PROJECT_DIR)
    # dbt opens its database for writing: give it a copy, so no refresh or reader minds
    scratch = Path(tempfile.mkdtemp(prefix="psops-docs-")) / "psops.duckdb"
    shutil.copyfile(paths.pipeline_db, scratch)
    done = subprocess.run(
        [
            dbt_executable(),
            "docs",
            "generate",
            "--static",
            "--quiet",
            "--project-dir",
            dbt_dir,
            "--profiles-dir",
            dbt_dir,
            "--target-path",
            str(docs_dir),
        ],
        cwd=DBT_PROJECT_DIR,
        check=False,
        env={
            **settings.environ,
            WAREHOUSE_DIR_VARIABLE: str(paths.root),
            PIPELINE_DB_VARIABLE: str(scratch),
        },
    )
    shutil.rmtree(scratch.parent, ignore_errors=True)
    if done.returncode != 0:
        _err(f"psops docs: dbt docs generate failed (exit {done.returncode}); see above.")
        return EXIT_CHECK_FAILED
    _say(f"dbt docs: {docs_dir / 'static_index.html'} (one file, opens in a browser)")
    _say(f"  or serve {docs_dir} (index.html + manifest.json + catalog.json) over HTTP")
    return EXIT_OK


def add_docs_parser(sub: argparse._SubParsersAction) -> None:
    """``psops docs``."""
    docs = _command(sub, "docs", help="build dbt's documentation site into warehouse/docs/")
    docs.set_defaults(func=cmd_docs)

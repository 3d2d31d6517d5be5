"""``python -m orchestration.ingest_only [--full]``: ingest every configured source into
``$PSOPS_WAREHOUSE_DIR/psops.duckdb`` — no gate, no dbt, no publish (a developer's and the
fault tests' entry point). An edge: the settings are read here, once."""

from __future__ import annotations

import argparse
import logging

from orchestration.settings import Settings
from sources.common.runner import ingest_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="ignore the saved cursors")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    ingest_sources(settings.warehouse.pipeline_db, settings.environ, full=args.full)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``make bench-ingest``: each connector's records/s against the sandbox (``medium`` by
default), side by side with the floor: the very same requests replayed with plain
``requests`` (same concurrency, body read and JSON-parsed, nothing else), and the ratio.

    python -m bench.ingest [--scale medium] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import requests

from sources.common.runner import run_source
from sources.common.settings import read_run_settings
from sources.registry import all_sources
from sources.sandbox.generate import generate
from sources.sandbox.request_log import RequestLogEntry
from sources.sandbox.serve import environment, start_all, stop_all
from sources.sandbox.server_base import RunningServer

SERVER_OF = {"jira": 0, "salesforce": 1, "kantata": 2}  # start_all's order
AS_OF = date(2026, 10, 15)


def _auth(source: str, env: dict[str, str]) -> dict:
    if source == "jira":
        return {"auth": (env["JIRA_USER"], env["JIRA_API_TOKEN"])}
    if source == "salesforce":
        return {
            "headers": {"Authorization": f"Bearer {env['SFDC_ACCESS_TOKEN']}"},
            "verify": env["SFDC_CA_BUNDLE"],
        }
    return {"headers": {"Authorization": f"Bearer {env['KANTATA_TOKEN']}"}}


def replay(server: RunningServer, entries: list[RequestLogEntry], auth: dict, workers: int):
    """The floor: the same requests, plain ``requests``, same concurrency; seconds taken."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=workers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    def fetch(entry: RequestLogEntry) -> int:
        response = session.request(
            entry.method,
            server.url + entry.path,
            params=entry.query,
            json=entry.body if entry.method == "POST" else None,
            timeout=60,
            **auth,
        )
        response.json()
        return response.status_code

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(fetch, entries))
    elapsed = time.monotonic() - started
    bad = [s for s in statuses if s != 200]
    if bad:
        print(f"  (replay: {len(bad)} non-200 answers)", file=sys.stderr)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument(
        "--workers", type=int, default=read_run_settings(os.environ, "kantata").max_workers
    )
    parser.add_argument("--dir", default="warehouse/bench", help="where the dataset is kept")
    args = parser.parse_args(argv)

    sandbox_dir = Path(args.dir) / args.scale
    if not (sandbox_dir / "sandbox.duckdb").exists():
        print(f"generating the {args.scale} sandbox in {sandbox_dir} ...", flush=True)
        generate(sandbox_dir, scale=args.scale, seed=7, as_of=AS_OF)
    servers = start_all(sandbox_dir / "sandbox.duckdb")
    env = environment(servers)
    os.environ.update(env)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for source in all_sources():
                server = servers[SERVER_OF[source.name]]
                server.clear_requests()
                con = duckdb.connect(str(Path(tmp) / f"{source.name}.duckdb"))
                started = time.monotonic()
                config = source.from_env(os.environ)
                results = run_source(
                    con, source, config, on_progress=lambda *_: None, workers=args.workers
                )
                seconds = time.monotonic() - started
                con.close()
                records = sum(t.received for r in results for t in r.tables.values())
                entries = server.requests
                floor = replay(server, entries, _auth(source.name, env), args.workers)
                rows.append((source.name, records, len(entries), seconds, floor))
    finally:
        stop_all(servers)

    print(f"\ningest benchmark: {args.scale} sandbox, {args.workers} worker(s) per source")
    head = (
        f"{'source':<11}{'records':>10}{'requests':>10}{'connector rec/s':>17}"
        f"{'raw requests rec/s':>20}{'ratio':>8}"
    )
    print(head)
    print("-" * len(head))
    for name, records, requests_made, seconds, floor in rows:
        print(
            f"{name:<11}{records:>10,}{requests_made:>10,}{records / seconds:>17,.0f}"
            f"{records / floor:>20,.0f}{seconds / floor:>7.2f}x"
        )
    total, conn, raw = (sum(r[1] for r in rows), sum(r[3] for r in rows), sum(r[4] for r in rows))
    print(
        f"{'all':<11}{total:>10,}{'':>10}{total / conn:>17,.0f}{total / raw:>20,.0f}"
        f"{conn / raw:>7.2f}x   (goal: at most 1.50x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

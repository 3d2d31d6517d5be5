"""Ingest: each connector's records/s against the sandbox, side by side with the floor —
the very same HTTP requests replayed with plain ``requests`` (same concurrency, body read
and JSON-parsed, nothing else). The servers run in their own process (``bench.sandbox``);
the requests a connector sent are recorded on the client side, at ``HTTPAdapter.send``
(every request psops's session sends passes there, retries included).

    python -m bench --only ingest    (``python -m bench.ingest`` says the same)
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import requests
from requests.adapters import HTTPAdapter

from bench.sandbox import base_env, served


@dataclass(frozen=True)
class IngestResult:
    source: str
    records: int
    requests: int
    connector_s: float
    replay_s: float
    replay_failures: int


@contextmanager
def recording() -> Iterator[list[requests.PreparedRequest]]:
    """Every request sent through any ``HTTPAdapter`` while inside, in sending order."""
    sent: list[requests.PreparedRequest] = []
    original = HTTPAdapter.send

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(request.copy())
        return original(self, request, *args, **kwargs)

    HTTPAdapter.send = send  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


def replay(sent: list[requests.PreparedRequest], verify: str, workers: int) -> tuple[float, int]:
    """The floor: the same requests on a plain session, ``workers`` at a time; the seconds
    taken and how many answers were not a 200."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=workers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    def fetch(request: requests.PreparedRequest) -> int:
        response = session.send(request.copy(), verify=verify, timeout=60)
        if response.content:
            response.json()
        return response.status_code

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(fetch, sent))
    return time.monotonic() - started, sum(1 for status in statuses if status != 200)


def measure_ingest(dataset_dir: Path, work_dir: Path, workers: int) -> list[IngestResult]:
    """Each source ingested into a scratch database, then its requests replayed."""
    from sources.common.runner import run_source
    from sources.registry import all_sources

    results = []
    with served(dataset_dir, work_dir / "ingest") as server_env:
        environ = {**base_env(), **server_env}
        with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
            for source in all_sources():
                con = duckdb.connect(str(Path(scratch) / f"{source.name}.duckdb"))
                config = source.from_env(environ)
                with recording() as sent:
                    started = time.monotonic()
                    streams = run_source(
                        con, source, config, on_progress=lambda *_: None, workers=workers
                    )
                    seconds = time.monotonic() - started
                con.close()
                records = sum(t.received for s in streams for t in s.tables.values())
                floor, failures = replay(sent, server_env["SFDC_CA_BUNDLE"], workers)
                results.append(
                    IngestResult(source.name, records, len(sent), seconds, floor, failures)
                )
    return results


if __name__ == "__main__":
    import sys

    from bench.run import main

    raise SystemExit(main(["--only", "ingest", *sys.argv[1:]]))

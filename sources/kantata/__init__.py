"""Kantata OX (API v1, Bearer token): one stream per object into ``raw_kantata.<object>``,
asking only what Kantata's contract documents (``contract.py``, ``extract.READS``).
Objects whose endpoint documents an ``updated_after`` filter (on an object with
``updated_at``) are incremental, by page where an ``updated_at`` sort is documented too, else
by pass (``extract.py``); the rest are re-read whole every run (their result says
``read_whole``).  Kantata's list endpoints do not report deletes: a whole read (every run for
the re-read objects, ``psops refresh --full`` for the others) marks what is no longer listed
``_deleted``.  Objects are fetched concurrently (``PSOPS_MAX_WORKERS``), within
``PSOPS_KANTATA_RATE_LIMIT`` requests/s."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sources.common.http import HttpPolicy, check_policy, policy_from_env, reaching
from sources.common.loader import Batch, Stream
from sources.common.source import Source
from sources.kantata.extract import (
    READS,
    SOURCE_NAME,
    URL_VARIABLE,
    KantataConfig,
    config_from_env,
    fetch_object,
    get_page,
    make_kantata_session,
)
from sources.kantata.tables import TABLES


def from_env(environ: Mapping[str, str]) -> KantataConfig:
    return config_from_env(environ)


def check(config: KantataConfig) -> None:
    """One cheap authenticated call; SourceConfigError naming KANTATA_TOKEN on 401/403,
    SourceUnavailableError naming KANTATA_URL within seconds when it cannot be reached."""
    with (
        reaching(SOURCE_NAME, config.url, URL_VARIABLE),
        make_kantata_session(config, check_policy(SOURCE_NAME, config.run)) as session,
    ):
        get_page(session, config, "users", {"per_page": 1})


def _fetcher(config: KantataConfig, obj: str, policy: HttpPolicy):
    def fetch(since: str | None) -> Iterator[Batch]:
        with make_kantata_session(config, policy) as session:
            yield from fetch_object(session, config, obj, since)

    return fetch


def streams(config: KantataConfig) -> list[Stream]:
    """One stream per Kantata object, each with its own session (and ``updated_at`` cursor
    where Kantata allows one), all sharing the run's HTTP policy (retry budget, rate limit)."""
    policy = policy_from_env(SOURCE_NAME, config.run)
    return [
        Stream(
            SOURCE_NAME,
            obj,
            [table],
            _fetcher(config, obj, policy),
            incremental=READS[obj].incremental,
            reconcile=True,
        )
        for obj, table in TABLES.items()
    ]


SOURCE = Source(SOURCE_NAME, list(TABLES.values()), from_env, check, streams)

__all__ = ["SOURCE", "KantataConfig", "check", "from_env", "streams"]

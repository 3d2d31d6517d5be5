"""Pages of Kantata OX API v1 objects (``GET /api/v1/<object>.json``) as loader batches.

Incremental on ``updated_at``: a run asks for ``updated_after`` = the committed cursor less
one second (Kantata's filter is strict and its timestamps have whole seconds, so records
updated in the cursor's own second are read again: upserts make that harmless, and a crash
between two pages of one second never skips a record).  Pages come ordered by
``updated_at`` ascending, so each page's max ``updated_at`` is a safe cursor.  To keep the
server's OFFSET shallow on big objects, after ``restart_after_pages`` pages the window
restarts at page 1 from the last cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from sources.common.config import load_env, require
from sources.common.errors import SourceConfigError, SourceUnavailableError
from sources.common.http import HttpPolicy, make_session
from sources.common.loader import Batch

log = logging.getLogger(__name__)

SOURCE_NAME = "kantata"
URL_VARIABLE = "KANTATA_URL"
TOKEN_VARIABLE = "KANTATA_TOKEN"
MAX_PER_PAGE = 200
CURSOR_FIELD = "updated_at"


@dataclass(frozen=True)
class KantataConfig:
    url: str  # the base, e.g. https://api.mavenlink.com (``/api/v1/...`` is appended)
    token: str
    per_page: int = MAX_PER_PAGE
    restart_after_pages: int = 100

    def __repr__(self) -> str:  # never show the token
        return f"KantataConfig(url={self.url!r}, per_page={self.per_page})"


def config_from_env() -> KantataConfig:
    """KANTATA_URL and KANTATA_TOKEN (``.env`` too); SourceConfigError names a missing one."""
    load_env()
    values = require(SOURCE_NAME, URL_VARIABLE, TOKEN_VARIABLE)
    url = values[URL_VARIABLE].rstrip("/")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    return KantataConfig(url=url, token=values[TOKEN_VARIABLE])


def make_kantata_session(
    config: KantataConfig, policy: HttpPolicy | None = None
) -> requests.Session:
    session = make_session(policy=policy)
    session.headers.update(
        {"Authorization": f"Bearer {config.token}", "Accept": "application/json"}
    )
    return session


def get_page(
    session: requests.Session, config: KantataConfig, obj: str, params: dict[str, Any]
) -> dict[str, Any]:
    """One GET of ``/api/v1/<obj>.json``; refused credentials raise SourceConfigError."""
    url = f"{config.url}/api/v1/{obj}.json"
    try:
        response = session.get(url, params=params)
    except requests.RequestException as exc:
        raise SourceUnavailableError(f"kantata: GET {url} failed after retries: {exc}") from exc
    if response.status_code in (401, 403):
        raise SourceConfigError(
            SOURCE_NAME,
            TOKEN_VARIABLE,
            f"credentials were refused (HTTP {response.status_code})",
        )
    if response.status_code >= 500 or response.status_code == 429:
        raise SourceUnavailableError(
            f"kantata: GET {url} kept failing (HTTP {response.status_code}) after retries"
        )
    if response.status_code != 200:
        raise RuntimeError(
            f"kantata: GET {url} params={params} answered HTTP {response.status_code}: "
            f"{_error_messages(response)}"
        )
    return response.json()


def _error_messages(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors", [])
        return "; ".join(str(e.get("message")) for e in errors) or response.text[:200]
    except ValueError:
        return response.text[:200]


def records_of(body: dict[str, Any], obj: str) -> list[dict[str, Any]]:
    """The page's records in canonical order: ``results`` references into the object map."""
    objects = body.get(obj) or {}
    return [objects[ref["id"]] for ref in body.get("results", []) if ref.get("key") == obj]


def _parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def format_cursor(value: datetime) -> str:
    """Cursors are compared as strings: always naive UTC ``YYYY-MM-DDTHH:MM:SS``."""
    return value.replace(microsecond=0).isoformat()


def page_cursor(records: list[dict[str, Any]]) -> str | None:
    """The max ``updated_at`` of a page (records whose value is unreadable are skipped)."""
    stamps = [s for s in (_parse_timestamp(r.get(CURSOR_FIELD)) for r in records) if s]
    return format_cursor(max(stamps)) if stamps else None


def updated_after_param(cursor: str) -> str:
    """``updated_after`` that re-reads the cursor's own second (the filter is strict)."""
    stamp = _parse_timestamp(cursor)
    if stamp is None:
        raise ValueError(f"not a cursor: {cursor!r}")
    return format_cursor(stamp - timedelta(seconds=1)) + "Z"


def fetch_object(
    session: requests.Session, config: KantataConfig, obj: str, since: str | None
) -> Iterator[Batch]:
    """Every record of ``obj`` updated at/after ``since`` (all when None), one Batch per page."""
    window = since
    page = 1
    pages = 0
    while True:
        params: dict[str, Any] = {
            "page": page,
            "per_page": config.per_page,
            "order": f"{CURSOR_FIELD}:asc",
        }
        if window is not None:
            params["updated_after"] = updated_after_param(window)
        body = get_page(session, config, obj, params)
        records = records_of(body, obj)
        pages += 1
        cursor = page_cursor(records)
        if records:
            yield Batch({obj: records}, cursor=cursor)
        page_count = int((body.get("meta") or {}).get("page_count") or 0)
        if not records or page >= page_count:
            break
        if page >= config.restart_after_pages and cursor and (window is None or cursor > window):
            window, page = cursor, 1  # a fresh, shallow window from where we are
            continue
        page += 1
    log.info("kantata %s: %d page(s) read since %s", obj, pages, since or "the beginning")

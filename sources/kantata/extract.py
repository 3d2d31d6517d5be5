"""Pages of Kantata OX API v1 objects (``GET /api/v1/<object>.json``) as loader batches.

Every request asks only what the endpoint's contract (``contract.py``, from Kantata's
OpenAPI spec) documents; ``READS`` says what psops sends per endpoint: ``on_my_account`` and
``show_disabled`` for users (else people on no shared project, and leavers, are missing),
``include_archived`` for workspaces, ``from_archived_workspaces`` for time entries, the
includes that make Kantata send foreign keys (``user_id`` on a time entry ...), one pass per
``subject_type`` (``User``, ``Workspace``) for custom fields and their values, and one pass
for active and one for inactive account memberships.

Incremental on ``updated_at`` where the endpoint documents the ``updated_after`` filter and the
object carries ``updated_at``.  Where it also documents the ``updated_at`` sort
(``contract.is_incremental``), a run asks for
``updated_after`` = the committed cursor less one second (Kantata's filter is strict and its
timestamps have whole seconds, so records updated in the cursor's own second are read again:
upserts make that harmless, and a crash between two pages of one second never skips a
record).  Pages come ordered by ``updated_at`` ascending, so each page's max ``updated_at``
is a safe cursor.  Page numbers are offsets, and a server may skip ``(page - 1) * per_page``
rows to serve one (the sandbox seeks instead, ``sources/sandbox/keyset``): on big objects,
after ``restart_after_pages`` pages the window restarts at page 1 from the last cursor.  An
endpoint read in several passes commits its cursor only after the last pass (the max of all).

Where the filter is documented but not the sort (timesheet submissions, roles, workweeks ...:
``contract.is_filterable``), a run asks for ``updated_after`` the same way and reads the
changed records whole, in the endpoint's default order; the cursor moves once, after the last
page, to the greatest ``updated_at`` read — but never past the server's clock (the HTTP
``Date``) when the pass began: a record updated while the pass was paging may have been on a
page already read, and is read again by the next run.  Such an object's deletes are seen by
a whole read (``psops refresh --full``, the nightly run), as for the sorted ones.

Where the filter is documented on an object whose schema has no ``updated_at`` (users, time
off entries: Kantata stamps them but does not send the stamp), a run asks for
``updated_after`` the same way and the pass is dated by the server's clock (the HTTP ``Date``
of its first page, less ``CLOCK_MARGIN``): the next run asks for what changed since.  Their
deletes, too, are seen by a whole read.

Every other endpoint (holidays, holiday calendars and their associations) is read whole on
every run, which also lets the loader mark what it no longer lists as deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from sources.common.config import require
from sources.common.errors import SourceUnavailableError, status_error
from sources.common.http import HttpPolicy, make_session
from sources.common.loader import Batch
from sources.common.raw_tables import timestamp_or_none
from sources.common.settings import RunSettings, read_run_settings, validated_url
from sources.kantata.contract import (
    CUSTOM_FIELD_SUBJECTS,
    ENDPOINTS,
    is_filterable,
    is_incremental,
    reads_changes,
    request_problems,
)
from sources.kantata.tables import SYSTEM

log = logging.getLogger(__name__)

SOURCE_NAME = SYSTEM
URL_VARIABLE = "KANTATA_URL"
TOKEN_VARIABLE = "KANTATA_TOKEN"
MAX_PER_PAGE = 200
CURSOR_FIELD = "updated_at"
# a pass read without the updated_at sort ends its cursor this far before its first answer
CLOCK_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Read:
    """How psops reads one Kantata endpoint: ``params`` on every request, one pass per
    ``variant``; ``stamp`` copies a variant's parameter into each record it returns (for a
    fact the object itself does not carry, e.g. a custom field's ``subject_type``)."""

    obj: str
    params: Mapping[str, str] = field(default_factory=dict)
    variants: tuple[Mapping[str, str], ...] = ({},)
    stamp: tuple[str, ...] = ()

    @property
    def incremental(self) -> bool:
        """Read from a cursor: by ``updated_after``, in ``updated_at`` order or not."""
        return reads_changes(ENDPOINTS[self.obj])

    @property
    def dated_by_clock(self) -> bool:
        """Filtered by ``updated_after`` but without ``updated_at`` in the records: the
        cursor is the server's clock when the pass began."""
        return self.incremental and not is_filterable(ENDPOINTS[self.obj])

    @property
    def ordered(self) -> bool:
        """Pages in ``updated_at`` order, so each page's max ``updated_at`` is a safe cursor."""
        return is_incremental(ENDPOINTS[self.obj])


_PER_SUBJECT = tuple({"subject_type": subject} for subject in CUSTOM_FIELD_SUBJECTS)

READS: dict[str, Read] = {
    r.obj: r
    for r in (
        Read("users", {"on_my_account": "true", "show_disabled": "true"}),
        Read("roles"),
        Read(
            "account_memberships",
            {"include": "user,default_role,manager"},
            variants=({}, {"only_inactive": "true"}),
        ),
        Read("custom_fields", variants=_PER_SUBJECT, stamp=("subject_type",)),
        Read("custom_field_values", {"include": "custom_field"}, variants=_PER_SUBJECT),
        Read("custom_field_choices", {"include": "custom_field"}),
        Read("workweeks"),
        Read("workweek_memberships", {"include": "workweek"}),
        Read("holiday_calendars"),
        Read("holiday_calendar_memberships", {"include": "holiday_calendar"}),
        Read("holidays"),
        Read("holiday_calendar_associations", {"include": "holiday,holiday_calendar"}),
        Read("workspaces", {"include_archived": "true", "optional_fields": "estimated_minutes"}),
        Read("time_entries", {"from_archived_workspaces": "true", "include": "user,workspace"}),
        Read("timesheet_submissions", {"include": "user,workspace"}),
        Read("time_off_entries", {"include": "user"}),
        Read("workspace_resources", {"include": "user,role"}),
        Read("workspace_allocations", {"include": "workspace"}),
    )
}


@dataclass(frozen=True)
class KantataConfig:
    url: str  # the base, e.g. https://api.mavenlink.com (``/api/v1/...`` is appended)
    token: str
    per_page: int = MAX_PER_PAGE
    restart_after_pages: int = 100
    run: RunSettings = RunSettings()  # workers, commit size, retry budget, rate limit

    def __repr__(self) -> str:  # never show the token
        return f"KantataConfig(url={self.url!r}, per_page={self.per_page})"


def config_from_env(environ: Mapping[str, str]) -> KantataConfig:
    """KANTATA_URL, KANTATA_TOKEN and the run settings, from ``environ``;
    SourceConfigError names a missing or invalid one."""
    run = read_run_settings(environ, SOURCE_NAME)
    values = require(environ, SOURCE_NAME, URL_VARIABLE, TOKEN_VARIABLE)
    url = validated_url(SOURCE_NAME, URL_VARIABLE, values[URL_VARIABLE]).rstrip("/")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    return KantataConfig(url=url, token=values[TOKEN_VARIABLE], run=run)


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
    """One GET of ``/api/v1/<obj>.json``; refused credentials raise SourceConfigError.
    A query the endpoint does not document is a psops bug: ValueError before sending."""
    return get_response(session, config, obj, params).json()


def get_response(
    session: requests.Session, config: KantataConfig, obj: str, params: dict[str, Any]
) -> requests.Response:
    """``get_page``'s answer before its body is read (its ``Date`` header dates a pass)."""
    problems = request_problems(ENDPOINTS[obj], {k: str(v) for k, v in params.items()})
    if problems:
        raise ValueError(f"kantata: psops would send an undocumented query: {problems}")
    url = f"{config.url}/api/v1/{obj}.json"
    try:
        response = session.get(url, params=params)
    except requests.RequestException as exc:
        raise SourceUnavailableError(f"kantata: GET {url} failed after retries: {exc}") from exc
    failing = f"kantata: GET {url} kept failing (HTTP {response.status_code}) after retries"
    error = status_error(SOURCE_NAME, response.status_code, TOKEN_VARIABLE, failing)
    if error is not None:
        raise error
    if response.status_code != 200:
        raise RuntimeError(
            f"kantata: GET {url} params={params} answered HTTP {response.status_code}: "
            f"{_error_messages(response)}"
        )
    return response


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


def format_cursor(value: datetime) -> str:
    """Cursors are compared as strings: always naive UTC ``YYYY-MM-DDTHH:MM:SS``."""
    return value.replace(microsecond=0).isoformat()


def page_cursor(records: list[dict[str, Any]]) -> str | None:
    """The max ``updated_at`` of a page (records whose value is unreadable are skipped)."""
    stamps = [s for s in (timestamp_or_none(r.get(CURSOR_FIELD)) for r in records) if s]
    return format_cursor(max(stamps)) if stamps else None


def updated_after_param(cursor: str) -> str:
    """``updated_after`` that re-reads the cursor's own second (the filter is strict)."""
    stamp = timestamp_or_none(cursor)
    if stamp is None:
        raise ValueError(f"not a cursor: {cursor!r}")
    return format_cursor(stamp - timedelta(seconds=1)) + "Z"


def server_clock(response: requests.Response) -> str | None:
    """The server's time when it answered (HTTP ``Date``), less ``CLOCK_MARGIN``, as a
    cursor; None without a readable header."""
    try:
        stamp = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return format_cursor(stamp - CLOCK_MARGIN)


def _pages(
    session: requests.Session,
    config: KantataConfig,
    read: Read,
    variant: Mapping[str, str],
    since: str | None,
) -> Iterator[tuple[list[dict[str, Any]], str | None, str | None]]:
    """``(records, max updated_at, the server's clock)`` per page of one pass; ordered passes
    come in ``updated_at`` order from ``since``, the others in the endpoint's default order
    (filtered by ``since`` when the endpoint allows)."""
    window = since
    page = 1
    while True:
        params: dict[str, Any] = {**read.params, **variant, "page": page}
        params["per_page"] = config.per_page
        if read.ordered:
            params["order"] = f"{CURSOR_FIELD}:asc"
        if read.incremental and window is not None:
            params["updated_after"] = updated_after_param(window)
        response = get_response(session, config, read.obj, params)
        body = response.json()
        records = records_of(body, read.obj)
        for name in read.stamp:
            for record in records:
                record.setdefault(name, variant.get(name))
        cursor = page_cursor(records) if read.incremental else None
        if records:
            yield records, cursor, server_clock(response)
        page_count = int((body.get("meta") or {}).get("page_count") or 0)
        if not records or page >= page_count:
            return
        restart = read.ordered and page >= config.restart_after_pages
        if restart and cursor and (window is None or cursor > window):
            window, page = cursor, 1  # a fresh, shallow window from where we are
            continue
        page += 1


def fetch_object(
    session: requests.Session, config: KantataConfig, obj: str, since: str | None
) -> Iterator[Batch]:
    """Every record of ``obj`` updated at/after ``since`` (all when None, and always all for
    an endpoint without a documented ``updated_after`` filter), one Batch per page."""
    read = READS[obj]
    since = since if read.incremental else None
    # the cursor moves per page only in updated_at order and one pass; else once, at the end
    at_the_end = len(read.variants) > 1 or not read.ordered
    reached: str | None = None
    began: str | None = None  # the server's clock at the first page (unordered passes)
    pages = 0
    for variant in read.variants:
        for records, cursor, clock in _pages(session, config, read, variant, since):
            pages += 1
            began = began or clock
            if at_the_end:
                reached = max(filter(None, (reached, cursor)), default=None)
                cursor = None
            yield Batch({obj: records}, cursor=cursor)
    # the cursor no later than the pass's start: a record changed mid-pass is read again
    if read.dated_by_clock:
        reached = began
    elif not read.ordered and reached is not None and began is not None:
        reached = min(reached, began)
    if at_the_end and reached is not None:
        yield Batch({}, cursor=reached)
    if read.dated_by_clock:
        log.info(
            "kantata %s: %d page(s) of records updated since %s (Kantata documents the "
            "updated_after filter but sends no updated_at: the pass is dated by its clock)",
            obj,
            pages,
            since or "the beginning",
        )
    elif read.ordered:
        log.info("kantata %s: %d page(s) read since %s", obj, pages, since or "the beginning")
    elif read.incremental:
        log.info(
            "kantata %s: %d page(s) of records updated since %s (Kantata documents the "
            "updated_after filter, not the updated_at sort: the cursor moves after the pass)",
            obj,
            pages,
            since or "the beginning",
        )
    else:
        log.info(
            "kantata %s: %d page(s), read whole (Kantata documents no updated_after filter)",
            obj,
            pages,
        )

"""Pages of Jira Cloud (REST v3, ``jira`` client library) as loader batches.

Issues come from the enhanced JQL search (``/rest/api/3/search/jql``, ``nextPageToken``)
ordered by ``updated`` ascending, with ``expand=changelog``.  Jira embeds only the first
few dozen histories of an issue in a search result (``changelog.total`` tells the truth),
so an issue whose changelog is cut short is completed from ``/issue/{id}/changelog``.
Each batch is one page of issues plus every status item of their changelogs, with the
page's max ``updated`` as the cursor, so both commit together.

JQL's ``updated >=`` has minute precision and is read in the searching user's time zone:
a run asks from the cursor's minute (in that zone, from ``/myself``), so the issues of the
cursor's own minute are read again; upserts make that harmless, and a crash between two
pages of one minute never skips an issue.

An incremental run also re-reads an overlap window before the cursor
(``PSOPS_JIRA_OVERLAP_MINUTES``, default 5): an issue whose ``updated`` was stamped during
an earlier sync but became searchable only after it (Jira's index lags) is not skipped.
Changelogs are read only for the issues the search returns, i.e. the changed ones.

The client's own retry loop (``ResilientSession``) is turned off (its waits are minutes
long and it ignores 5xx); psops's policy (``sources.common.http``) is mounted instead:
backoff on 5xx/timeouts/resets/cut-off bodies, 429 ``Retry-After``, the source's retry
budget and rate limit, and a 401 surfaces at once.

Jira sends custom fields by id only (``customfield_NNNNN``, different on every site): the
Salesforce opportunity a pre-sales request points at lives in the custom field NAMED
``Salesforce Opportunity ID`` (``PSOPS_JIRA_OPPORTUNITY_FIELD``), whose id each issues run
looks up in ``GET /rest/api/3/field`` and asks the search for.  A site without that field
lands NULL (one warning), never an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA, JIRAError

from sources.common import settings
from sources.common.config import require, setting
from sources.common.errors import SourceConfigError, SourceUnavailableError, status_error
from sources.common.http import HttpPolicy, mount_policy, policy_from_env
from sources.common.loader import Batch
from sources.common.raw_tables import timestamp_or_none, to_timestamp
from sources.common.settings import RunSettings, read_run_settings, validated_url
from sources.jira.tables import OPPORTUNITY_FIELD_KEY, SYSTEM, changelog_record

log = logging.getLogger(__name__)

SOURCE_NAME = SYSTEM
URL_VARIABLE = "JIRA_URL"
USER_VARIABLE = "JIRA_USER"
TOKEN_VARIABLE = "JIRA_API_TOKEN"
PROJECTS_VARIABLE = "JIRA_PROJECTS"  # optional: comma-separated project keys to ingest
OVERLAP_VARIABLE = settings.JIRA_OVERLAP_MINUTES.variable
DEFAULT_OVERLAP_MINUTES = int(settings.JIRA_OVERLAP_MINUTES.default or 0)
ISSUE_FIELDS = [
    "project",
    "issuetype",
    "priority",
    "status",
    "summary",
    "assignee",
    "reporter",
    "created",
    "updated",
    "resolutiondate",
]
CHANGELOG_FIELD = "status"  # the changelog items psops lands
EPOCH_JQL_TIME = "1970-01-01 00:00"
# the name (not id) of the custom field holding a request's Salesforce opportunity id
OPPORTUNITY_FIELD_VARIABLE = "PSOPS_JIRA_OPPORTUNITY_FIELD"
DEFAULT_OPPORTUNITY_FIELD = "Salesforce Opportunity ID"


class JiraRequestError(RuntimeError):
    """Jira refused a request (HTTP 4xx other than 401/403): a bug in what we sent."""


@dataclass(frozen=True)
class JiraConfig:
    url: str  # the site, e.g. https://example.atlassian.net
    user: str  # the account's e-mail address
    api_token: str = field(repr=False)
    projects: tuple[str, ...] = ()  # empty: every project the account can see
    page_size: int = 100  # issues per search page (Jira Cloud's cap with fields)
    changelog_page_size: int = 100  # histories per /issue/{id}/changelog page
    list_page_size: int = 50  # projects / users per page
    overlap_minutes: int = DEFAULT_OVERLAP_MINUTES  # re-read before the cursor
    opportunity_field: str = DEFAULT_OPPORTUNITY_FIELD  # custom field name, found via /field
    run: RunSettings = RunSettings()  # workers, commit size, retry budget, rate limit


def config_from_env(environ: Mapping[str, str]) -> JiraConfig:
    """JIRA_URL, JIRA_USER, JIRA_API_TOKEN, optional JIRA_PROJECTS,
    PSOPS_JIRA_OPPORTUNITY_FIELD and the run settings, from ``environ``."""
    run = read_run_settings(environ, SOURCE_NAME)
    values = require(environ, SOURCE_NAME, URL_VARIABLE, USER_VARIABLE, TOKEN_VARIABLE)
    return JiraConfig(
        url=validated_url(SOURCE_NAME, URL_VARIABLE, values[URL_VARIABLE]).rstrip("/"),
        user=values[USER_VARIABLE],
        api_token=values[TOKEN_VARIABLE],
        projects=project_keys(setting(environ, PROJECTS_VARIABLE) or ""),
        overlap_minutes=run.jira_overlap_minutes,
        opportunity_field=(
            setting(environ, OPPORTUNITY_FIELD_VARIABLE) or DEFAULT_OPPORTUNITY_FIELD
        ),
        run=run,
    )


# Atlassian's supported project key formats: the first character is a letter, letters are
# upper case (Modern Roman alphabet), and only letters, numbers and the underscore are used
# (the default rule is ``[A-Z][A-Z]+``):
# https://confluence.atlassian.com/adminjiraserver/changing-the-project-key-format-938847081.html
_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def project_keys(raw: str) -> tuple[str, ...]:
    """``JIRA_PROJECTS`` (comma-separated keys, any case) as upper-case keys; anything that
    is not a project key is a ``SourceConfigError`` naming the variable (the keys go into
    JQL, quoted, but never as free text)."""
    keys = tuple(key.strip().upper() for key in raw.split(",") if key.strip())
    bad = [key for key in keys if not _PROJECT_KEY.fullmatch(key)]
    if bad:
        problem = (
            f"{bad[0]!r} is not a Jira project key (an uppercase letter, then uppercase "
            "letters, digits or _; separate keys with commas)"
        )
        raise SourceConfigError(SOURCE_NAME, PROJECTS_VARIABLE, problem)
    return keys


@contextmanager
def jira_errors(what: str) -> Iterator[None]:
    """Turn the client's errors into psops's: 401/403 name the token variable."""
    try:
        yield
    except JIRAError as exc:
        status = exc.status_code
        failing = f"jira: {what} kept failing (HTTP {status}) after retries: {exc.text}"
        error = status_error(SOURCE_NAME, status, TOKEN_VARIABLE, failing)
        if error is not None:
            raise error from None
        raise JiraRequestError(f"jira: {what} answered HTTP {status}: {exc.text}") from None
    except requests.RequestException as exc:
        raise SourceUnavailableError(
            f"jira: {what} failed after retries: {type(exc).__name__}"
        ) from exc


def connect(config: JiraConfig, policy: HttpPolicy | None = None) -> JIRA:
    """A ``jira.JIRA`` client on REST v3 with psops's HTTP policy (a fresh one unless the
    run's is given), told the deployment type by ``/serverInfo`` (the enhanced search is a
    Cloud-only method of the client)."""
    client = JIRA(
        server=config.url,
        basic_auth=(config.user, config.api_token),
        options={"rest_api_version": "3", "check_update": False},
        get_server_info=False,  # read below, once the retry policy is mounted
        max_retries=0,  # retries happen in the mounted adapter (sources.common.http)
    )
    mount_policy(client._session, policy or policy_from_env(SOURCE_NAME, config.run))
    with jira_errors("GET /serverInfo"):
        info = client.server_info()
    client.deploymentType = info.get("deploymentType")
    client._version = tuple(info.get("versionNumbers") or (0, 0, 0))
    if client.deploymentType != "Cloud":
        log.warning("jira: %s is not Jira Cloud (%s)", config.url, client.deploymentType)
    return client


def myself(client: JIRA) -> dict[str, Any]:
    """The authenticated account (the cheap call ``check`` makes)."""
    with jira_errors("GET /myself"):
        return client.myself()


def get_json(client: JIRA, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET ``/rest/api/3/<path>`` through the client (for resources it has no method for)."""
    with jira_errors(f"GET /{path}"):
        return client._get_json(path, params=params)


# --- full lists ---------------------------------------------------------------------
def _fetch_paged_list(client: JIRA, config: JiraConfig, path: str, table: str) -> Iterator[Batch]:
    """A ``startAt``/``maxResults`` page bean (``values``, ``isLast``) page by page."""
    start = 0
    while True:
        page = get_json(client, path, {"startAt": start, "maxResults": config.list_page_size})
        values = page.get("values", [])
        yield Batch({table: values})
        start += len(values)
        if page.get("isLast", True) or not values:
            return


def fetch_projects(client: JIRA, config: JiraConfig) -> Iterator[Batch]:
    """``/project/search`` page by page."""
    yield from _fetch_paged_list(client, config, "project/search", "projects")


def fetch_statuses(client: JIRA, config: JiraConfig) -> Iterator[Batch]:
    """``/status``: every status with its category (one response)."""
    yield Batch({"statuses": get_json(client, "status")})


def fetch_priorities(client: JIRA, config: JiraConfig) -> Iterator[Batch]:
    """``/priority/search`` page by page: the site's own priorities (``Highest``..``Lowest``,
    ``P1``..``P4``, ...), whose names the gate and the SLA policies rely on."""
    yield from _fetch_paged_list(client, config, "priority/search", "priorities")


def fetch_users(client: JIRA, config: JiraConfig) -> Iterator[Batch]:
    """``/users/search`` (a bare list) until an empty page."""
    start = 0
    while True:
        users = get_json(
            client, "users/search", {"startAt": start, "maxResults": config.list_page_size}
        )
        if not users:
            return
        yield Batch({"users": users})
        start += len(users)


# --- custom fields --------------------------------------------------------------------
def custom_field_id(client: JIRA, name: str) -> str | None:
    """The id (``customfield_NNNNN``) of the site's custom field called ``name``, from
    Atlassian's "Get fields" (``GET /rest/api/3/field``, every system and custom field the
    user can see: https://developer.atlassian.com/cloud/jira/platform/rest/v3/
    api-group-issue-fields/#api-rest-api-3-field-get).  An exact name first, then one that
    differs only in case; None, with one warning, when the site has none (Jira lets two
    custom fields share a name: the first listed wins, with a warning)."""
    fields = [f for f in get_json(client, "field") or [] if isinstance(f, dict) and f.get("custom")]
    wanted = name.strip()
    matches = [f for f in fields if f.get("name") == wanted] or [
        f for f in fields if str(f.get("name") or "").casefold() == wanted.casefold()
    ]
    if not matches:
        log.warning(
            "jira: the site has no custom field named %r (%s): "
            "salesforce_opportunity_id lands NULL",
            wanted,
            OPPORTUNITY_FIELD_VARIABLE,
        )
        return None
    if len(matches) > 1:
        log.warning(
            "jira: %d custom fields are named %r; reading %s",
            len(matches),
            wanted,
            matches[0].get("id"),
        )
    return str(matches[0]["id"])


# --- issues -------------------------------------------------------------------------
def jql_time(cursor: str | None, time_zone: str) -> str:
    """The cursor (ISO, UTC) as a JQL time in the searching user's zone, floored to the
    minute (JQL's precision)."""
    if not cursor:
        return EPOCH_JQL_TIME
    moment = to_timestamp(cursor).replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("jira: unknown user time zone %r, reading JQL times as UTC", time_zone)
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def issues_jql(cursor: str | None, time_zone: str, projects: tuple[str, ...] = ()) -> str:
    """``[project in (...) AND] updated >= "<cursor minute>" ORDER BY updated ASC, key ASC``."""
    clauses = []
    if projects:
        quoted = ", ".join(f'"{key}"' for key in projects)  # keys are validated: no quotes
        clauses.append(f"project in ({quoted})")
    clauses.append(f'updated >= "{jql_time(cursor, time_zone)}"')
    return " AND ".join(clauses) + " ORDER BY updated ASC, key ASC"


def cursor_of(issues: list[dict[str, Any]]) -> str | None:
    """The max ``updated`` of a page as an ISO string (millisecond precision, UTC); Jira
    writes ``2026-03-02T14:05:11.000+0000``."""
    moments = [timestamp_or_none((issue.get("fields") or {}).get("updated")) for issue in issues]
    known = [m for m in moments if m is not None]
    if not known:
        return None
    return max(known).isoformat(timespec="milliseconds")


def full_histories(client: JIRA, config: JiraConfig, issue: dict[str, Any]) -> list[dict]:
    """Every history of the issue: the embedded ones, or all from the changelog resource
    when the search result cut them short."""
    changelog = issue.get("changelog") or {}
    histories = list(changelog.get("histories") or [])
    total = changelog.get("total", len(histories))
    if total <= len(histories):
        return histories
    histories = []
    start = 0
    while True:
        page = get_json(
            client,
            f"issue/{issue['id']}/changelog",
            {"startAt": start, "maxResults": config.changelog_page_size},
        )
        values = page.get("values", [])
        histories.extend(values)
        start += len(values)
        if page.get("isLast", True) or not values:
            break
    log.debug("jira: %s changelog read from its resource (%d histories)", issue["key"], total)
    return histories


def status_items(issue_id: str, histories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One changelog record per status item (index kept: the row id is stable)."""
    records = []
    for history in histories:
        for index, item in enumerate(history.get("items") or []):
            if item.get("field") == CHANGELOG_FIELD:
                records.append(changelog_record(issue_id, history, index))
    return records


def search_page(
    client: JIRA,
    config: JiraConfig,
    jql: str,
    token: str | None,
    custom_fields: tuple[str, ...] = (),
) -> dict:
    with jira_errors("POST /search/jql"):
        return client.enhanced_search_issues(
            jql,
            nextPageToken=token,
            maxResults=config.page_size,
            fields=[*ISSUE_FIELDS, *custom_fields],  # the client rewrites this list in place
            expand="changelog",
            json_result=True,
            use_post=True,
        )


def overlap_start(cursor: str | None, minutes: int) -> str | None:
    """Where an incremental search starts: ``minutes`` before the cursor."""
    if not cursor or not minutes:
        return cursor
    moment = to_timestamp(cursor) - timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds")


def fetch_issues(client: JIRA, config: JiraConfig, since: str | None) -> Iterator[Batch]:
    """Issues updated at/after ``since`` less the overlap window (and their status
    changelogs), page by page."""
    time_zone = myself(client).get("timeZone") or "UTC"
    jql = issues_jql(overlap_start(since, config.overlap_minutes), time_zone, config.projects)
    log.info("jira: searching %s", jql)
    opportunity_field = custom_field_id(client, config.opportunity_field)
    custom_fields = (opportunity_field,) if opportunity_field else ()
    token: str | None = None
    pages = 0
    while True:
        page = search_page(client, config, jql, token, custom_fields)
        issues = page.get("issues", [])
        changelog: list[dict[str, Any]] = []
        records = []
        for issue in issues:
            changelog.extend(status_items(issue.get("id"), full_histories(client, config, issue)))
            # the changelog lands in issue_changelog; the embedded copy may be cut short
            record = {k: v for k, v in issue.items() if k != "changelog"}
            record[OPPORTUNITY_FIELD_KEY] = opportunity_field  # which customfield is which
            records.append(record)
        pages += 1
        yield Batch({"issues": records, "issue_changelog": changelog}, cursor_of(issues))
        token = page.get("nextPageToken")
        if page.get("isLast", True) or not token:
            log.info("jira: issues read in %d page(s)", pages)
            return


def fetcher(
    config: JiraConfig,
    fetch: Callable[[JIRA, JiraConfig], Iterator[Batch]],
    policy: HttpPolicy | None = None,
) -> Callable[[str | None], Iterator[Batch]]:
    """A stream's ``fetch(since)`` for a full list: its own client, no cursor."""

    def run(since: str | None) -> Iterator[Batch]:
        yield from fetch(connect(config, policy), config)

    return run

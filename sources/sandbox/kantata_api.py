"""The sandbox Kantata OX API v1: ``GET /api/v1/<object>.json`` for every Kantata object
psops reads, in Kantata's wire format and held to the vendor's contract
(``sources/kantata/contract.py``, from Kantata's OpenAPI spec).

- Auth: ``Authorization: Bearer <token>``; otherwise 401
  ``{"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]}``.
- Paging: ``page`` (from 1) and ``per_page`` (default 20; more than 200 is served as 200).
- Only what an endpoint documents is served.  A missing required parameter (``subject_type``
  on ``custom_field_values``) is refused: 400 ``{"errors": [{"type": "system", ...}]}``.
  An ``order`` naming a sort the endpoint does not list is ignored (the default order is
  served), as the API does; so are undocumented parameters and includes (Kantata's list
  endpoints apply the filters they know).  Each such departure is logged and reported by
  ``contract_problems`` for the contract tests.
- ``updated_after`` (strictly after) only where documented; ``only`` (ids) everywhere.
- Default filters of the real API: ``users`` lists only people participating in a project
  (the sandbox's API user is an Account Administrator: for an admin Kantata lists every user
  participating in a project on the account) unless ``on_my_account=true``, and never users
  whose account membership is disabled unless ``show_disabled=true``;
  ``account_memberships`` leaves out disabled memberships unless ``only_inactive=true``;
  ``workspaces`` leaves out archived ones unless ``include_archived=true``
  (or ``archived=include|only``); ``time_entries`` leaves out entries of archived workspaces
  unless ``from_archived_workspaces=true``; ``custom_fields`` filters by ``subject_type``.
- Records carry only the documented fields: a field gated by an association (``user_id`` on
  a time entry) only when that association is in ``include``; a workspace's ``status`` is
  ``{color, key, message}``, its budgeted hours ``estimated_minutes`` (with
  ``optional_fields=estimated_minutes``); a choice custom field's ``value`` is the list of
  selected choice ids.  Included objects themselves are not added as top-level maps.

Pages are numbered, as Kantata documents (``page``/``per_page``, ``meta.page_count``), and
read by keyset (``keyset``): the server remembers the last sort key of each page it served
(a bounded LRU per object, filters, order and page size) and serves the next page by seeking
after it, so a reader going through the pages in order never makes DuckDB skip rows; a page
it has no key for (a client jumping pages) is read with ``OFFSET``.  The order is total
(``id`` last).  The count of a filtered object is remembered too (the database is read-only
while served).  A table is never loaded whole.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sources.common.contract import Endpoint
from sources.kantata.contract import ENDPOINTS, includes_of, order_terms, request_problems
from sources.sandbox import keyset
from sources.sandbox.credentials import KANTATA_TOKEN
from sources.sandbox.faults import FaultConfig
from sources.sandbox.keyset import SeekCache, SortTerm
from sources.sandbox.schema import KANTATA_TABLES, sandbox_table_name
from sources.sandbox.server_base import (
    ApiError,
    Request,
    Response,
    RunningServer,
    SandboxApi,
    dataset_clock,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
CHOICE_TYPES = ("single", "multi")

# sort fields that are not a column of the sandbox table
_SORT_COLUMNS: dict[str, dict[str, str]] = {
    "alphabetical": {"users": "full_name", "roles": "name"},
    "date": {"timesheet_submissions": "start_date"},
    "title": {"workspaces": "title"},
    "status": {"workspaces": "status_key"},
}


# one page query reads this many pages; the pages after the one asked for wait for their
# requests in a small cache (64 pages of at most 200 records)
READ_AHEAD_PAGES = 5
READ_AHEAD_CACHED_PAGES = 64


def _table(obj: str) -> str:
    return sandbox_table_name("kantata", obj)


def _system_error(message: str, status: int = 400) -> ApiError:
    return ApiError(status, {"errors": [{"type": "system", "message": message}]})


def _positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _system_error(f"{name} must be a positive integer, got '{raw}'") from None
    if value < 1:
        raise _system_error(f"{name} must be a positive integer, got '{raw}'")
    return value


def _truthy(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("true", "1")


def _parse_datetime(name: str, raw: str) -> datetime:
    """ISO 8601 date or datetime (any offset) -> naive UTC, as the sandbox stores it."""
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _system_error(f"{name} must be an ISO 8601 datetime, got '{raw}'") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _render(value: Any, json_type: str = "any") -> Any:
    """One column value as Kantata sends it for a field of ``json_type``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "+00:00"
    if isinstance(value, date):
        return value.isoformat()
    if json_type == "integer" and not isinstance(value, bool):
        try:
            return int(round(float(value)))
        except (TypeError, ValueError):
            return value  # served as stored: the contract check reports it
    if json_type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if json_type == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _choice_ids(text: str) -> list[Any]:
    return [int(p) if p.strip().isdigit() else p.strip() for p in text.split(",") if p.strip()]


class KantataApi(SandboxApi):
    name = "kantata"

    def __init__(self, db_path: Path, token: str = KANTATA_TOKEN) -> None:
        super().__init__(db_path)
        self._token = token
        # no writes here: the HTTP Date is the dataset's own time (users and time off
        # entries are read from the server's clock, sources/kantata/extract.py)
        self._clock = dataset_clock(db_path)
        self._page_keys = SeekCache()  # (object, filters, order, per_page, page) -> last key
        self._counts = SeekCache()  # (object, filters) -> (count,)
        # (object, filters, order, per_page, page) -> the page's rows, read ahead of it
        self._read_ahead = SeekCache(size=READ_AHEAD_CACHED_PAGES)
        self.route("GET", rf"{API_PREFIX}/(?P<object>[a-z_]+)\.json", self.list_objects)
        fields = self._rows_of("custom_fields", "id, name, value_type")
        self._field_names = {str(f["id"]): f["name"] for f in fields}
        self._choice_fields = {str(f["id"]) for f in fields if f["value_type"] in CHOICE_TYPES}
        choices = self._rows_of("custom_field_choices", "id, label")
        self._choice_labels = {str(c["id"]): c["label"] for c in choices}

    def _rows_of(self, obj: str, columns: str) -> list[dict[str, Any]]:
        """A small lookup table read once (none in a dataset generated before it existed:
        ``psops sandbox generate`` again)."""
        exists = self.query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?",
            [_table(obj)],
        )[0]["n"]
        return self.query(f"SELECT {columns} FROM {_table(obj)}") if exists else []

    def clock(self) -> datetime | None:
        return self._clock

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self._token}"

    def unauthorized(self) -> Response:
        return Response(401, {"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]})

    def not_found(self, request: Request) -> Response:
        message = f'No route matches [{request.method}] "{request.path}"'
        return Response(404, {"errors": [{"type": "system", "message": message}]})

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"type": "system", "message": message}]}

    # --- the contract check -------------------------------------------------------------
    def contract_problems(self, request: Request, response: Response) -> list[str]:
        """The request against the endpoint's documented parameters, sorts and includes;
        each record of a 200 body against its documented fields (records this sandbox
        corrupts on purpose, ``bad_records``, are left out)."""
        obj = self._object_of(request.path)
        if obj is None:
            return [f"{request.method} {request.path} is not a Kantata endpoint psops reads"]
        ep = ENDPOINTS[obj]
        problems = request_problems(ep, request.query)
        body = response.body
        if response.status == 200 and isinstance(body, dict):
            for key, record in (body.get(obj) or {}).items():
                if self.bad_records.is_corrupted(obj, key):
                    continue
                problems += [f"{obj} {key}: {p}" for p in ep.record_problems(record)]
        return problems

    @staticmethod
    def _object_of(path: str) -> str | None:
        prefix, suffix = f"{API_PREFIX}/", ".json"
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return None
        obj = path[len(prefix) : -len(suffix)]
        return obj if obj in ENDPOINTS and obj in KANTATA_TABLES else None

    # --- the list endpoint --------------------------------------------------------------
    def list_objects(self, request: Request) -> Response:
        assert request.match is not None
        obj = request.match.group("object")
        ep = ENDPOINTS.get(obj)
        columns = KANTATA_TABLES.get(obj)
        if ep is None or columns is None:
            return self.not_found(request)
        missing = sorted(ep.required_params - set(request.query))
        if missing:
            raise _system_error(f"You must specify {' and '.join(missing)}.")
        ignored = sorted(set(request.query) - ep.params)
        if ignored:
            log.info("kantata %s: ignoring undocumented parameter(s) %s", obj, ", ".join(ignored))
        page = _positive_int("page", request.query.get("page"), 1)
        per_page = min(
            _positive_int("per_page", request.query.get("per_page"), DEFAULT_PER_PAGE),
            MAX_PER_PAGE,
        )
        where, params = self._filters(obj, ep, request, columns)
        sort = self._sort(obj, ep, request.query.get("order"), columns)
        count = self._count(obj, where, params)
        rows = self._page_rows(obj, columns, where, params, sort, page, per_page)
        includes = set(includes_of(request.query.get("include"))) & ep.extra["includes"]
        optional = set(includes_of(request.query.get("optional_fields")))
        objects = {
            str(row["id"]): self.bad_records.apply(
                obj, row["id"], self._wire(obj, ep, row, includes, optional)
            )
            for row in rows
        }
        body = {
            "count": count,
            "results": [{"key": obj, "id": str(row["id"])} for row in rows],
            obj: objects,
            "meta": {
                "count": count,
                "page_count": math.ceil(count / per_page),
                "page_number": page,
                "page_size": per_page,
            },
        }
        return Response(200, body)

    def _count(self, obj: str, where: str, params: list[Any]) -> int:
        position = (obj, where, tuple(params))
        known = self._counts.get(position)
        if known is None:
            n = self.query(f"SELECT count(*) AS n FROM {_table(obj)}{where}", params)[0]["n"]
            known = (n,)
            self._counts.put(position, known)
        return int(known[0])

    def _page_rows(
        self,
        obj: str,
        columns: list[tuple[str, str]],
        where: str,
        params: list[Any],
        sort: list[SortTerm],
        page: int,
        per_page: int,
    ) -> list[dict[str, Any]]:
        """Page ``page``: read ahead by the page before it, else after the remembered last
        key of the page before it, else by OFFSET; its own last key is remembered for the
        page after it.  One query reads ``READ_AHEAD_PAGES`` pages and keeps those after
        ``page`` for their requests: a client reading page after page waits for one query
        per five pages (the dataset does not change while it is served)."""
        names = ", ".join(f'"{name}"' for name, _ in columns)
        position = (obj, where, tuple(params), keyset.order_sql(sort), per_page)
        ahead = self._read_ahead.get((*position, page))
        if ahead is not None:
            rows = list(ahead)
        else:
            last = self._page_keys.get((*position, page - 1)) if page > 1 else None
            offset = (page - 1) * per_page
            sql, args = keyset.page_query(
                names, _table(obj), where, params, sort, last, per_page * READ_AHEAD_PAGES, offset
            )
            read = self.query(sql, args)
            rows = read[:per_page]
            for n, start in enumerate(range(per_page, len(read), per_page), start=1):
                self._read_ahead.put((*position, page + n), tuple(read[start : start + per_page]))
        if len(rows) == per_page:
            self._page_keys.put((*position, page), keyset.key_of(rows[-1], sort))
        return rows

    def _filters(
        self, obj: str, ep: Endpoint, request: Request, columns: list[tuple[str, str]]
    ) -> tuple[str, list[Any]]:
        query = request.query
        names = {name for name, _ in columns}
        clauses: list[str] = []
        params: list[Any] = []
        raw = query.get("updated_after")
        if raw is not None and "updated_after" in ep.params and "updated_at" in names:
            clauses.append("updated_at > ?")
            params.append(_parse_datetime("updated_after", raw))
        only = query.get("only")
        if only is not None:
            ids = [part.strip() for part in only.split(",") if part.strip()]
            if not ids or not all(part.isdigit() for part in ids):
                raise _system_error(f"only must be comma-separated ids, got '{only}'")
            clauses.append(f"id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        if "subject_type" in ep.params and query.get("subject_type") is not None:
            clauses.append("subject_type = ?")
            params.append(query["subject_type"])
        clauses += self._default_filters(obj, query)
        return (" WHERE " + " AND ".join(f"({c})" for c in clauses) if clauses else ""), params

    @staticmethod
    def _default_filters(obj: str, query: dict[str, str]) -> list[str]:
        """The filters the real API applies unless told otherwise."""
        memberships, workspaces = _table("account_memberships"), _table("workspaces")
        if obj == "users":
            clauses = []
            if not _truthy(query.get("on_my_account")):
                clauses.append(
                    f"id IN (SELECT user_id FROM {_table('workspace_resources')} "
                    f"UNION SELECT user_id FROM {_table('time_entries')})"
                )
            if not _truthy(query.get("show_disabled")):
                clauses.append(
                    f"id NOT IN (SELECT user_id FROM {memberships} "
                    "WHERE disabled_at IS NOT NULL AND user_id IS NOT NULL)"
                )
            return clauses
        if obj == "account_memberships":
            if _truthy(query.get("only_inactive")):
                return ["disabled_at IS NOT NULL"]
            return ["disabled_at IS NULL"]
        if obj == "workspaces":
            archived = (query.get("archived") or "").strip().lower()
            if archived == "only":
                return ["coalesce(archived, false)"]
            if _truthy(query.get("include_archived")) or archived == "include":
                return []
            return ["NOT coalesce(archived, false)"]
        if obj == "time_entries" and not _truthy(query.get("from_archived_workspaces")):
            return [
                "workspace_id IS NULL OR workspace_id NOT IN "
                f"(SELECT id FROM {workspaces} WHERE coalesce(archived, false))"
            ]
        return []

    @staticmethod
    def _sort(
        obj: str, ep: Endpoint, raw: str | None, columns: list[tuple[str, str]]
    ) -> list[SortTerm]:
        """The requested order when every term is a listed sort, else the endpoint's
        documented default order (an unlisted sort is ignored, as Kantata does); id last."""
        names = {name for name, _ in columns}
        terms, problems = order_terms(ep, raw) if raw else ([], [])
        if problems or not terms:
            if problems:
                log.info("kantata %s: ignoring order %r (%s)", obj, raw, "; ".join(problems))
            default = ep.extra.get("default_order")
            terms = order_terms(ep, default)[0] if default else []
        sort: list[SortTerm] = []
        for field, direction in terms:
            column = field if field in names else _SORT_COLUMNS.get(field, {}).get(obj)
            if column:
                sort.append(SortTerm(f'"{column}"', direction.upper() == "DESC"))
        return keyset.total_order(sort, '"id"')

    # --- one record on the wire ---------------------------------------------------------
    def _wire(
        self,
        obj: str,
        ep: Endpoint,
        row: dict[str, Any],
        includes: set[str],
        optional: set[str],
    ) -> dict[str, Any]:
        gated: dict[str, str] = ep.extra["gated"]
        record: dict[str, Any] = {}
        for spec in ep.fields:
            name = spec.name
            if name in gated and gated[name] not in includes:
                continue
            special = self._special(obj, name, row, optional)
            if special is not _ABSENT:
                if special is not _SKIP:
                    record[name] = special
            elif name in row:
                record[name] = _render(row[name], spec.type)
        return record

    def _special(self, obj: str, name: str, row: dict[str, Any], optional: set[str]) -> Any:
        """Fields whose wire shape differs from the raw column (contract.py)."""
        if obj == "workspaces" and name == "status":
            parts = {k: row.get(f"status_{k}") for k in ("color", "key", "message")}
            return None if all(v is None for v in parts.values()) else parts
        if obj == "workspaces" and name == "estimated_minutes":
            hours = row.get("budgeted_hours")
            if "estimated_minutes" not in optional:
                return _SKIP
            return None if hours is None else int(round(hours * 60))
        if obj == "workspace_allocations" and name == "workspace_resource_id":
            return _render(row.get("resource_id"), "string")
        if obj == "custom_field_values":
            field_id = str(row.get("custom_field_id"))
            value = row.get("value")
            if name == "custom_field_name":
                return self._field_names.get(field_id)
            if name == "value" and field_id in self._choice_fields and value is not None:
                return _choice_ids(str(value))
            if name == "display_value":
                if field_id in self._choice_fields and value is not None:
                    labels = [
                        self._choice_labels.get(str(c), str(c)) for c in _choice_ids(str(value))
                    ]
                    return ", ".join(labels)
                return None if value is None else str(value)
        return _ABSENT


_ABSENT = object()  # not a special field: rendered from its column
_SKIP = object()  # a special field this request does not get


def start(
    db_path: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
) -> RunningServer:
    """Serve the Kantata tables of ``db_path``; ``env`` holds KANTATA_URL and KANTATA_TOKEN."""
    server = RunningServer(KantataApi(Path(db_path)), host=host, port=port, faults=faults)
    server.env = {"KANTATA_URL": server.url, "KANTATA_TOKEN": KANTATA_TOKEN}
    log.info("kantata sandbox API at %s", server.url)
    return server

"""The sandbox Kantata OX API v1: ``GET /api/v1/<object>.json`` for every Kantata table of
the sandbox dataset, in Kantata's wire format.

- Auth: ``Authorization: Bearer <token>``; otherwise 401
  ``{"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]}`` (the body the
  real API answers).
- Paging: ``page`` (from 1) and ``per_page`` (default 20; more than 200 is served as 200).
- Filters: ``updated_after`` (ISO 8601; records updated strictly after it) and ``only``
  (comma-separated ids).  Ordering: ``order=<field>:<asc|desc>[,...]``; ``id`` breaks ties.
- Response: ``{"count": N, "results": [{"key": "<object>", "id": "1"}, ...],
  "<object>": {"1": {...}}, "meta": {"count", "page_count", "page_number", "page_size"}}``.
- A value the API cannot read (bad date, unknown order field, bad page size) or a
  parameter this sandbox does not serve: 400 ``{"errors": [{"type": "system", ...}]}``.

Pages are read with SQL ``LIMIT``/``OFFSET``: a table is never loaded whole.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sources.sandbox.credentials import KANTATA_TOKEN
from sources.sandbox.faults import FaultConfig
from sources.sandbox.schema import KANTATA_TABLES, sandbox_table_name
from sources.sandbox.server_base import ApiError, Request, Response, RunningServer, SandboxApi

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
SUPPORTED_PARAMS = frozenset({"page", "per_page", "updated_after", "order", "only"})


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


def _render(value: Any) -> Any:
    """One column value as Kantata sends it (timestamps with their UTC offset)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "+00:00"
    if isinstance(value, date):
        return value.isoformat()
    return value


class KantataApi(SandboxApi):
    name = "kantata"

    def __init__(self, db_path: Path, token: str = KANTATA_TOKEN) -> None:
        super().__init__(db_path)
        self._token = token
        self.route("GET", rf"{API_PREFIX}/(?P<object>[a-z_]+)\.json", self.list_objects)

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self._token}"

    def unauthorized(self) -> Response:
        return Response(401, {"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]})

    def not_found(self, request: Request) -> Response:
        message = f'No route matches [{request.method}] "{request.path}"'
        return Response(404, {"errors": [{"type": "system", "message": message}]})

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"type": "system", "message": message}]}

    def list_objects(self, request: Request) -> Response:
        assert request.match is not None
        obj = request.match.group("object")
        columns = KANTATA_TABLES.get(obj)
        if columns is None:
            return self.not_found(request)
        unsupported = sorted(set(request.query) - SUPPORTED_PARAMS)
        if unsupported:
            raise _system_error(f"unsupported parameter(s): {', '.join(unsupported)}")
        page = _positive_int("page", request.query.get("page"), 1)
        per_page = min(
            _positive_int("per_page", request.query.get("per_page"), DEFAULT_PER_PAGE),
            MAX_PER_PAGE,
        )
        where, params = self._filters(request, columns)
        order_by = self._order_by(request.query.get("order"), columns)
        table = sandbox_table_name("kantata", obj)
        names = ", ".join(f'"{name}"' for name, _ in columns)
        count = self.query(f"SELECT count(*) AS n FROM {table}{where}", params)[0]["n"]
        rows = self.query(
            f"SELECT {names} FROM {table}{where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            [*params, per_page, (page - 1) * per_page],
        )
        objects = {
            str(row["id"]): self.bad_records.apply(
                obj, row["id"], {k: _render(v) for k, v in row.items()}
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

    @staticmethod
    def _filters(request: Request, columns: list[tuple[str, str]]) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        raw = request.query.get("updated_after")
        if raw is not None:
            if not any(name == "updated_at" for name, _ in columns):
                raise _system_error("updated_after is not supported on this endpoint")
            clauses.append("updated_at > ?")
            params.append(_parse_datetime("updated_after", raw))
        only = request.query.get("only")
        if only is not None:
            ids = [part.strip() for part in only.split(",") if part.strip()]
            if not ids or not all(part.isdigit() for part in ids):
                raise _system_error(f"only must be comma-separated ids, got '{only}'")
            clauses.append(f"id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    @staticmethod
    def _order_by(raw: str | None, columns: list[tuple[str, str]]) -> str:
        """``field:dir[,field:dir]`` over id and the table's date/time columns; id last."""
        orderable = {name for name, ctype in columns if ctype in ("TIMESTAMP", "DATE")} | {"id"}
        terms: list[str] = []
        for part in (raw or "").split(","):
            if not part.strip():
                continue
            field, _, direction = part.strip().partition(":")
            direction = (direction or "asc").lower()
            if field not in orderable or direction not in ("asc", "desc"):
                raise _system_error(
                    f"order '{part.strip()}' is not supported; use one of "
                    f"{', '.join(sorted(orderable))} with :asc or :desc"
                )
            terms.append(f'"{field}" {direction.upper()}')
        if not any(term.startswith('"id"') for term in terms):
            terms.append('"id" ASC')
        return ", ".join(terms)


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

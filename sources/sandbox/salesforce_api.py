"""The sandbox Salesforce REST API (HTTPS): the SOQL query resources the connector uses.

Serves the ``salesforce_<object>`` tables of a sandbox.duckdb in Salesforce's wire format:

- ``GET /services/data/`` (no session needed): the API versions.
- ``GET /services/data/vNN.N/limits/`` and ``/sobjects/``: the cheap authenticated calls.
- ``GET /services/data/vNN.N/query/?q=<SOQL>`` and ``/queryAll/`` (``queryAll`` also returns
  rows with ``IsDeleted = true``): ``{"totalSize", "done", "records", "nextRecordsUrl"}``,
  records carrying ``attributes`` (``type``, ``url``); further pages at
  ``/services/data/vNN.N/query/<locator>-<offset>`` as Salesforce does.

Only the SOQL the connector sends is understood::

    SELECT <fields> FROM <Object> [WHERE SystemModstamp <op> <datetime>]
    [ORDER BY <field> [ASC|DESC], ...] [LIMIT n]

An unknown object is ``INVALID_TYPE``, an unknown field ``INVALID_FIELD``, anything else
``MALFORMED_QUERY`` (HTTP 400, Salesforce's ``[{"message", "errorCode"}]`` shape).  A bad
session is the real 401 ``INVALID_SESSION_ID``.  Pages are read with SQL LIMIT/OFFSET in
a stable order (the query's order, then ``Id``): a table is never loaded whole.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sources.sandbox.credentials import SFDC_ACCESS_TOKEN
from sources.sandbox.faults import FaultConfig
from sources.sandbox.schema import SALESFORCE_OBJECT_NAMES, SALESFORCE_TABLES, sandbox_table_name
from sources.sandbox.server_base import ApiError, Request, Response, RunningServer, SandboxApi
from sources.sandbox.tls import ensure_certificate

DEFAULT_PAGE_SIZE = 2000  # Salesforce's default query batch size
MAX_OPEN_LOCATORS = 1000  # query cursors kept for nextRecordsUrl (oldest forgotten first)
API_VERSIONS = [f"{v}.0" for v in range(50, 63)]
_RELEASES = {0: "Spring", 1: "Summer", 2: "Winter"}  # by API version modulo 3

_V = r"/services/data/v(?P<version>\d+\.\d)"

# object name (any case) -> (sObject API name, sandbox table)
_OBJECTS: dict[str, tuple[str, str]] = {
    api.lower(): (api, sandbox_table_name("salesforce", table))
    for table, api in SALESFORCE_OBJECT_NAMES.items()
}
_FIELDS: dict[str, dict[str, str]] = {  # sObject -> field (lower) -> API name
    api: {name.lower(): name for name, _ in SALESFORCE_TABLES[table]}
    for table, api in SALESFORCE_OBJECT_NAMES.items()
}

_TYPES: dict[str, dict[str, str]] = {  # sObject -> field -> duckdb type
    api: dict(SALESFORCE_TABLES[table]) for table, api in SALESFORCE_OBJECT_NAMES.items()
}

_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\S+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^(?P<field>\w+)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>\S+)$")
_ORDER_ITEM = re.compile(r"^(?P<field>\w+)(?:\s+(?P<dir>ASC|DESC))?$", re.IGNORECASE)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})$")


def sf_error(status: int, error_code: str, message: str) -> ApiError:
    """Salesforce's REST error shape: a list of ``{"message", "errorCode"}``."""
    return ApiError(status, [{"message": message, "errorCode": error_code}])


def malformed(message: str) -> ApiError:
    return sf_error(400, "MALFORMED_QUERY", message)


def parse_datetime_literal(text: str) -> datetime:
    """A SOQL dateTime literal (``2026-03-02T14:05:11.000+0000``, ``...Z``) as naive UTC."""
    if not _DATETIME.match(text):
        raise ValueError(text)
    value = text[:-1] + "+00:00" if text.endswith("Z") else text
    if value[-5] in "+-" and ":" not in value[-5:]:
        value = f"{value[:-2]}:{value[-2:]}"
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def format_datetime(value: datetime) -> str:
    """Salesforce's dateTime wire format: ``2026-03-02T14:05:11.000+0000`` (UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class Soql:
    """A parsed query the sandbox can answer."""

    sobject: str  # API name, e.g. 'Opportunity'
    table: str  # sandbox table
    fields: list[str]  # API names, in SELECT order
    condition: tuple[str, str, datetime] | None  # (field, operator, value)
    order: list[tuple[str, str]]  # (field, 'ASC'|'DESC'), always ending in Id
    limit: int | None


def parse_soql(soql: str) -> Soql:
    """Parse the SOQL subset the sandbox serves, or raise the API's 400 error."""
    match = _SOQL.match(soql)
    if not match:
        raise malformed(f"unexpected token in query: {soql.strip()[:80]!r}")
    obj = match["object"]
    if obj.lower() not in _OBJECTS:
        raise sf_error(
            400,
            "INVALID_TYPE",
            f"sObject type '{obj}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference "
            "your WSDL or the describe call for the appropriate names.",
        )
    sobject, table = _OBJECTS[obj.lower()]
    fields = [_field(sobject, f.strip()) for f in match["fields"].split(",")]
    condition = _condition(sobject, match["where"]) if match["where"] else None
    order: list[tuple[str, str]] = []
    for item in (match["order"] or "").split(",") if match["order"] else []:
        parts = _ORDER_ITEM.match(item.strip())
        if not parts:
            raise malformed(f"unexpected token in ORDER BY: {item.strip()!r}")
        order.append((_field(sobject, parts["field"]), (parts["dir"] or "ASC").upper()))
    if "Id" not in [name for name, _ in order]:
        order.append(("Id", "ASC"))
    limit = int(match["limit"]) if match["limit"] else None
    return Soql(sobject, table, fields, condition, order, limit)


def _field(sobject: str, name: str) -> str:
    if not re.fullmatch(r"\w+", name):
        raise malformed(f"the sandbox does not support {name!r} (plain field names only)")
    known = _FIELDS[sobject].get(name.lower())
    if known is None:
        raise sf_error(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        )
    return known


def _condition(sobject: str, where: str) -> tuple[str, str, datetime]:
    match = _CONDITION.match(where.strip())
    if not match or match["field"].lower() != "systemmodstamp":
        raise malformed(
            f"the sandbox supports only WHERE SystemModstamp <op> <dateTime>, not {where!r}"
        )
    try:
        value = parse_datetime_literal(match["value"])
    except ValueError:
        raise malformed(
            f"value of filter criterion for field 'SystemModstamp' must be of type dateTime "
            f"and should not be enclosed in quotes: {match['value']}"
        ) from None
    return _field(sobject, match["field"]), match["op"], value


@dataclass(frozen=True)
class _Cursor:
    query: Soql
    include_deleted: bool
    total: int


def _wire_sql(sobject: str, field: str) -> str:
    """The column rendered in SQL as Salesforce sends it (dateTime, date as text)."""
    ctype = _TYPES[sobject][field]
    if ctype == "TIMESTAMP":
        return f'strftime(t."{field}", \'%Y-%m-%dT%H:%M:%S.%g+0000\') AS "{field}"'
    if ctype == "DATE":
        return f'CAST(t."{field}" AS VARCHAR) AS "{field}"'
    return f't."{field}"'


class SalesforceApi(SandboxApi):
    name = "salesforce"

    def __init__(self, db_path: Path, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        super().__init__(db_path)
        self.page_size = page_size
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._cursor_lock = threading.Lock()
        self._locator_ids = itertools.count(1)
        self.route("GET", r"/services/data/?", self.versions)
        self.route("GET", rf"{_V}/?", self.resources)
        self.route("GET", rf"{_V}/limits/?", self.limits)
        self.route("GET", rf"{_V}/sobjects/?", self.sobjects)
        self.route("GET", rf"{_V}/(?P<endpoint>query|queryAll)/?", self.query_first)
        self.route(
            "GET",
            rf"{_V}/(?P<endpoint>query|queryAll)/(?P<locator>01g\w+)-(?P<offset>\d+)",
            self.query_more,
        )

    # -- credentials and errors ----------------------------------------------------------
    def authorized(self, request: Request) -> bool:
        if request.path.rstrip("/") == "/services/data":
            return True  # the versions list needs no session, as in Salesforce
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme in ("Bearer", "OAuth") and token == SFDC_ACCESS_TOKEN

    def unauthorized(self) -> Response:
        return Response(
            401,
            [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            {"WWW-Authenticate": "Token"},
        )

    def not_found(self, request: Request) -> Response:
        return Response(
            404,
            [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
        )

    def error_body(self, status: int, message: str) -> Any:
        code = {429: "REQUEST_LIMIT_EXCEEDED", 503: "SERVER_UNAVAILABLE"}.get(
            status, "UNKNOWN_EXCEPTION"
        )
        return [{"message": message, "errorCode": code}]

    # -- resources -----------------------------------------------------------------------
    def versions(self, request: Request) -> Response:
        body = []
        for version in API_VERSIONS:
            n = int(float(version))
            label = f"{_RELEASES[n % 3]} '{(n + 1) // 3 + 4:02d}"  # v59.0: Winter '24
            body.append({"label": label, "url": f"/services/data/v{version}", "version": version})
        return Response(200, body)

    def resources(self, request: Request) -> Response:
        base = f"/services/data/v{request.match['version']}"
        names = ("limits", "query", "queryAll", "sobjects")
        return Response(200, {name: f"{base}/{name}" for name in names})

    def limits(self, request: Request) -> Response:
        return Response(
            200,
            {
                "DailyApiRequests": {"Max": 15000, "Remaining": 14999},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            },
        )

    def sobjects(self, request: Request) -> Response:
        base = f"/services/data/v{request.match['version']}/sobjects"
        body = [
            {
                "name": api,
                "label": api,
                "queryable": True,
                "urls": {"sobject": f"{base}/{api}", "describe": f"{base}/{api}/describe"},
            }
            for api in SALESFORCE_OBJECT_NAMES.values()
        ]
        return Response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": body})

    def query_first(self, request: Request) -> Response:
        soql = request.query.get("q", "").strip()
        if not soql:
            raise malformed("A query string has to be specified")
        query = parse_soql(soql)
        include_deleted = request.match["endpoint"] == "queryAll"
        where, params = self._where(query, include_deleted)
        total = self.query(f"SELECT count(*) AS n FROM {query.table} t{where}", params)[0]["n"]
        if query.limit is not None:
            total = min(total, query.limit)
        cursor = _Cursor(query, include_deleted, total)
        locator = f"01gSB{next(self._locator_ids):013d}"
        with self._cursor_lock:
            self._cursors[locator] = cursor
            while len(self._cursors) > MAX_OPEN_LOCATORS:
                self._cursors.popitem(last=False)
        return self._page(request, locator, cursor, 0)

    def query_more(self, request: Request) -> Response:
        with self._cursor_lock:
            cursor = self._cursors.get(request.match["locator"])
        offset = int(request.match["offset"])
        if cursor is None or offset >= cursor.total:
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(request, request.match["locator"], cursor, offset)

    # -- paging --------------------------------------------------------------------------
    def _where(self, query: Soql, include_deleted: bool) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if not include_deleted:
            clauses.append('NOT coalesce(t."IsDeleted", false)')
        if query.condition is not None:
            field, op, value = query.condition
            clauses.append(f't."{field}" {"<>" if op == "!=" else op} ?')
            params.append(value)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params

    def _page(self, request: Request, locator: str, cursor: _Cursor, offset: int) -> Response:
        query = cursor.query
        size = max(0, min(self.page_size, cursor.total - offset))
        where, params = self._where(query, cursor.include_deleted)
        columns = ", ".join(_wire_sql(query.sobject, f) for f in query.fields)
        order = ", ".join(f't."{f}" {d}' for f, d in query.order)
        rows = self.query(
            f'SELECT {columns}, t."Id" AS _sb_id FROM {query.table} t{where} '
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, size, offset],
        )
        version = request.match["version"]
        records = []
        for row in rows:
            url = f"/services/data/v{version}/sobjects/{query.sobject}/{row['_sb_id']}"
            record: dict[str, Any] = {"attributes": {"type": query.sobject, "url": url}}
            record.update({f: row[f] for f in query.fields})
            records.append(self.bad_records.apply(query.sobject.lower(), row["_sb_id"], record))
        body: dict[str, Any] = {"totalSize": cursor.total, "done": True, "records": records}
        reached = offset + len(rows)
        if reached < cursor.total:
            body["done"] = False
            endpoint = request.match["endpoint"]
            body["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{locator}-{reached}"
        return Response(200, body)


def start(
    db_path: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    page_size: int = DEFAULT_PAGE_SIZE,
    cert_dir: Path | None = None,
    faults: FaultConfig | None = None,
) -> RunningServer:
    """Serve ``db_path`` over HTTPS; ``server.env`` points the Salesforce connector at it.

    The certificate lives in ``cert_dir`` (default: ``tls/`` beside the database) and is
    reused while valid, so an exported ``SFDC_CA_BUNDLE`` survives a restart.
    """
    db_path = Path(db_path)
    # an absolute path: the exported SFDC_CA_BUNDLE must work from any working directory
    certificate = ensure_certificate(Path(cert_dir or db_path.parent / "tls").resolve())
    api = SalesforceApi(db_path, page_size=page_size)
    server = RunningServer(api, host, port, ssl_context=certificate.server_context(), faults=faults)
    server.env = {
        "SFDC_INSTANCE_URL": server.url,
        "SFDC_ACCESS_TOKEN": SFDC_ACCESS_TOKEN,
        "SFDC_CA_BUNDLE": str(certificate.cert_path),
    }
    return server

"""The sandbox Salesforce REST API (HTTPS): the SOQL query resources the connector uses.

Serves the ``salesforce_<object>`` tables of a sandbox.duckdb in Salesforce's wire format:

- ``GET /services/data/`` (no session needed): the API versions.
- ``GET /services/data/vNN.N/limits/`` and ``/sobjects/``: the cheap authenticated calls.
- ``GET /services/data/vNN.N/sobjects/<Object>/describe/``: exactly the fields this org has
  (``salesforce_org.py``: with or without multi-currency, the custom fields present,
  missing or under other API names), typed as ``sources/salesforce/contract.py`` says.
- ``GET /services/data/vNN.N/query/?q=<SOQL>`` and ``/queryAll/`` (``queryAll`` also returns
  rows with ``IsDeleted = true``): ``{"totalSize", "done", "records", "nextRecordsUrl"}``,
  records carrying ``attributes`` (``type``, ``url``); further pages at
  ``/services/data/vNN.N/query/<locator>-<offset>`` as Salesforce does.

Only the SOQL the connector sends is understood (``salesforce_soql``)::

    SELECT <fields> FROM <Object> [WHERE SystemModstamp <op> <datetime>]
    [ORDER BY <field> [ASC|DESC], ...] [LIMIT n]

An unknown object is ``INVALID_TYPE``, a field the org does not have ``INVALID_FIELD`` (with
Salesforce's message: the query line, a caret, ``ERROR at Row:1:Column:N`` and ``No such
column 'X' on entity 'Y'. …``), anything else ``MALFORMED_QUERY`` (HTTP 400, Salesforce's
``[{"message", "errorCode"}]`` shape).  ``IsDeleted`` on ``User`` is such an unknown field.
A bad session is the real 401 ``INVALID_SESSION_ID``.  Pages are read by keyset
(``keyset``) in a total order (the query's order, then ``Id``): the server remembers, per
query locator, the last sort key served before each ``nextRecordsUrl`` offset and reads the
next page after it; an offset it has no key for is read with ``OFFSET``.  The wire contract
(``query``/``queryAll``, ``nextRecordsUrl`` as ``<locator>-<offset>``) is Salesforce's and
unchanged.  A table is never loaded whole.

``contract_problems`` reports, per answered request, a query the vendor refused, a field
outside psops' contract, ``queryAll`` on an object without ``IsDeleted`` and any record
whose values do not have the contract's types.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sources.salesforce.contract import sobject
from sources.sandbox import keyset
from sources.sandbox.credentials import SFDC_ACCESS_TOKEN
from sources.sandbox.faults import FaultConfig
from sources.sandbox.keyset import SeekCache, SortTerm
from sources.sandbox.salesforce_org import ORG_TABLE, SalesforceOrg, read_org
from sources.sandbox.salesforce_soql import (
    SOBJECT_TABLES,
    OrgField,
    SalesforceOrgSchema,
    Soql,
    malformed,
    sf_error,
)
from sources.sandbox.server_base import Request, Response, RunningServer, SandboxApi
from sources.sandbox.tls import ensure_certificate

DEFAULT_PAGE_SIZE = 2000  # Salesforce's default query batch size
MAX_OPEN_LOCATORS = 1000  # query cursors kept for nextRecordsUrl (oldest forgotten first)
API_VERSIONS = [f"{v}.0" for v in range(50, 63)]
_RELEASES = {0: "Spring", 1: "Summer", 2: "Winter"}  # by API version modulo 3

_V = r"/services/data/v(?P<version>\d+\.\d)"
_QUERY_PATH = re.compile(rf"^{_V}/(?P<endpoint>query|queryAll)/?$")
_QUERY_MORE_PATH = re.compile(rf"^{_V}/(?:query|queryAll)/01g\w+-\d+$")
_DESCRIBE_PATH = re.compile(rf"^{_V}/sobjects/(?P<sobject>\w+)/describe/?$")


@dataclass(frozen=True)
class _Cursor:
    query: Soql
    include_deleted: bool
    total: int


def _wire_sql(field: OrgField, ctype: str) -> str:
    """The column rendered in SQL as Salesforce sends it (dateTime, date as text), under
    the org's API name."""
    column, alias = field.column, field.name
    if ctype == "TIMESTAMP":
        return f'strftime(t."{column}", \'%Y-%m-%dT%H:%M:%S.%g+0000\') AS "{alias}"'
    if ctype == "DATE":
        return f'CAST(t."{column}" AS VARCHAR) AS "{alias}"'
    return f't."{column}" AS "{alias}"'


class SalesforceApi(SandboxApi):
    name = "salesforce"

    def __init__(self, db_path: Path, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        super().__init__(db_path)
        self.page_size = page_size
        self.schema = SalesforceOrgSchema(self._stored_org())
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._cursor_lock = threading.Lock()
        self._locator_ids = itertools.count(1)
        self._page_keys = SeekCache()  # (locator, offset) -> the last key served before it
        self.route("GET", r"/services/data/?", self.versions)
        self.route("GET", rf"{_V}/?", self.resources)
        self.route("GET", rf"{_V}/limits/?", self.limits)
        self.route("GET", rf"{_V}/sobjects/?", self.sobjects)
        self.route("GET", rf"{_V}/sobjects/(?P<sobject>\w+)/describe/?", self.describe)
        self.route("GET", rf"{_V}/(?P<endpoint>query|queryAll)/?", self.query_first)
        self.route(
            "GET",
            rf"{_V}/(?P<endpoint>query|queryAll)/(?P<locator>01g\w+)-(?P<offset>\d+)",
            self.query_more,
        )

    def _stored_org(self) -> SalesforceOrg:
        found = self.query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?",
            [ORG_TABLE],
        )
        rows = self.query(f"SELECT setting, value FROM {ORG_TABLE}") if found[0]["n"] else []
        return read_org(rows)

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

    # -- the vendor contract ---------------------------------------------------------------
    def contract_problems(self, request: Request, response: Response) -> list[str]:
        """A refused query or describe, a field outside psops' contract, ``queryAll`` on an
        object without ``IsDeleted``, and record values that are not of the contract's type."""
        problems: list[str] = []
        query_path = _QUERY_PATH.match(request.path)
        more = _QUERY_MORE_PATH.match(request.path)
        if _DESCRIBE_PATH.match(request.path) and response.status != 200:
            problems.append(f"describe refused: HTTP {response.status} {response.body}")
        if query_path and response.status == 400:
            for error in response.body or []:
                first = " ".join(str(error.get("message", "")).split())
                problems.append(f"query refused: {error.get('errorCode')}: {first[:300]}")
        if query_path and response.status == 200:
            problems += self._query_problems(request.query.get("q", ""), query_path["endpoint"])
        if (query_path or more) and response.status == 200:
            for record in (response.body or {}).get("records", []):
                problems += self._record_problems(record)
        return problems

    def _query_problems(self, soql: str, endpoint: str) -> list[str]:
        query = self.schema.parse(soql)
        contract = sobject(query.sobject)
        if contract is None:
            return [f"{query.sobject} is not in psops' contract (sources/salesforce/contract.py)"]
        problems = [
            f"{query.sobject}.{f.name} is not in psops' contract for {query.sobject}"
            for f in query.fields
            if contract.field(f.spec.name) is None
        ]
        if endpoint == "queryAll" and not contract.deletable:
            problems.append(
                f"queryAll on {query.sobject}, which has no IsDeleted (its records are never "
                "deleted): use query"
            )
        return problems

    def _record_problems(self, record: dict[str, Any]) -> list[str]:
        api = str((record.get("attributes") or {}).get("type", ""))
        contract = sobject(api)
        if contract is None or api not in self.schema.fields:
            return [f"a record of {api or 'no type'}, which psops' contract does not know"]
        names = {key: f.spec.name for key, f in self.schema.fields[api].items()}
        return contract.record_problems(record, names)

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
            for api in SOBJECT_TABLES
        ]
        return Response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": body})

    def describe(self, request: Request) -> Response:
        api = self.schema.objects.get(request.match["sobject"].lower())
        if api is None:
            return self.not_found(request)
        base = f"/services/data/v{request.match['version']}/sobjects"
        return Response(200, self.schema.describe(api, base))

    def query_first(self, request: Request) -> Response:
        soql = request.query.get("q", "").strip()
        if not soql:
            raise malformed("A query string has to be specified")
        query = self.schema.parse(soql)
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
        if not include_deleted and "IsDeleted" in SOBJECT_TABLES[query.sobject][1]:
            clauses.append('NOT coalesce(t."IsDeleted", false)')
        if query.condition is not None:
            column, op, value = query.condition
            clauses.append(f't."{column}" {"<>" if op == "!=" else op} ?')
            params.append(value)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params

    def _page(self, request: Request, locator: str, cursor: _Cursor, offset: int) -> Response:
        query = cursor.query
        size = max(0, min(self.page_size, cursor.total - offset))
        where, params = self._where(query, cursor.include_deleted)
        types = SOBJECT_TABLES[query.sobject][1]
        columns = ", ".join(_wire_sql(f, types[f.column]) for f in query.fields)
        sort = keyset.total_order(
            [SortTerm(f't."{c}"', d == "DESC") for c, d in query.order], 't."Id"'
        )
        last = self._page_keys.get((locator, offset)) if offset else None
        sql, args = keyset.page_query(
            f'{columns}, t."Id" AS _sb_id',
            f"{query.table} t",
            where,
            params,
            sort,
            last,
            size,
            offset,
        )
        rows = self.query(sql, args)
        version = request.match["version"]
        records = []
        for row in rows:
            url = f"/services/data/v{version}/sobjects/{query.sobject}/{row['_sb_id']}"
            record: dict[str, Any] = {"attributes": {"type": query.sobject, "url": url}}
            record.update({f.name: row[f.name] for f in query.fields})
            records.append(self.bad_records.apply(query.sobject.lower(), row["_sb_id"], record))
        body: dict[str, Any] = {"totalSize": cursor.total, "done": True, "records": records}
        reached = offset + len(rows)
        if reached < cursor.total:
            self._page_keys.put((locator, reached), keyset.key_of(rows[-1], sort))
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

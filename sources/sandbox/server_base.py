"""What the three sandbox API servers share: a threaded HTTP(S) server on loopback that
reads the sandbox DuckDB file, checks a bearer/basic credential, routes by regex and
answers JSON.  Each API module (``jira_api``, ``salesforce_api``, ``kantata_api``) adds
only its routes and its wire format.

Every server keeps a request log (``RunningServer.requests``) and can inject faults
(``faults.FaultConfig``): the credential is checked first, so a wrong one always gets its
401; then latency, rate limiting, 5xx, resets and truncated bodies apply.

The database is opened read-only when the server starts: after ``sandbox advance`` (which
replaces the file) restart the servers to serve the advanced dataset.

A server whose API has no writes may answer in the dataset's own time: its HTTP ``Date`` is
the start of the dataset's as-of day (``manifest.json``): ``generate`` stamps records up to
that moment, ``advance`` stamps the days it adds before the new one.  So a client that dates
its reads by the server's clock stays in step with the records' stamps
(``SandboxApi.clock``).  Without a manifest, and for the others, the machine's clock.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb

from sources.sandbox.bad_records import BadRecords
from sources.sandbox.faults import NO_FAULT, Fault, FaultConfig, FaultInjector
from sources.sandbox.request_log import RequestLog, RequestLogEntry

log = logging.getLogger(__name__)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]  # first value of each query parameter
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None
    query_lists: dict[str, list[str]] = field(default_factory=dict)  # every value, in order

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


class ApiError(Exception):
    """Raised inside a route: becomes a response with the API's own error shape."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


class SandboxApi:
    """Routes + credential check + a read-only view of the sandbox database."""

    name = "sandbox"

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._db = duckdb.connect(str(self.db_path), read_only=True)
        self._lock = threading.Lock()
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.bad_records = BadRecords(self.name, self.query)  # rendered corrupted

    def clock(self) -> datetime | None:
        """The server's time for its HTTP ``Date`` (naive UTC); None: the machine's."""
        return None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts (a fresh cursor per call: safe across server threads)."""
        with self._lock:
            cursor = self._db.cursor()
        try:
            result = cursor.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    def authorized(self, request: Request) -> bool:  # pragma: no cover - overridden
        return False

    def unauthorized(self) -> Response:  # pragma: no cover - overridden
        return Response(401, {"message": "unauthorized"})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": f"no such resource: {request.path}"})

    def error_body(self, status: int, message: str) -> Any:
        """An error body in the API's own shape (used for injected faults)."""
        return {"message": message}

    def contract_problems(self, request: Request, response: Response) -> list[str]:
        """Where ``request`` (as psops sent it) or ``response`` (as this sandbox answered)
        departs from the vendor's documented contract.  Each API checks against its source's
        ``contract.py``; the request log keeps the result for the contract tests."""
        return []

    def fault_response(self, fault: Fault) -> Response:
        if fault.kind == "rate_limit":
            body = self.error_body(429, "Rate limit exceeded: retry later")
            return Response(429, body, {"Retry-After": str(fault.retry_after)})
        return Response(fault.status or 500, self.error_body(fault.status or 500, "injected fault"))

    def dispatch(self, request: Request) -> Response:
        if not self.authorized(request):
            return self.unauthorized()
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.match = match
                try:
                    return handler(request)
                except ApiError as exc:
                    return Response(exc.status, exc.body)
        return self.not_found(request)

    def close(self, wait_s: float = 10.0) -> None:
        """Close the dataset, once the requests still answering (a client that was killed
        leaves some behind) are done with it: DuckDB refuses to close a busy connection."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self._db.close()
                return
            except duckdb.ResourceInUseException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def dataset_clock(db_path: Path) -> datetime | None:
    """The start of the dataset's as-of day (naive UTC), from the ``manifest.json`` beside
    ``db_path``; None without one."""
    try:
        manifest = json.loads((Path(db_path).parent / "manifest.json").read_text())
        return datetime.combine(date.fromisoformat(manifest["as_of"]), time_of_day())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _make_handler(
    api: SandboxApi, injector: FaultInjector | None, requests: RequestLog
) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("%s %s", api.name, format % args)

        def date_time_string(self, timestamp: float | None = None) -> str:
            now = api.clock() if timestamp is None else None
            if now is None:
                return super().date_time_string(timestamp)
            return formatdate(now.replace(tzinfo=UTC).timestamp(), usegmt=True)

        def _read_request(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            query_lists = parse_qs(parts.query)
            return Request(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in query_lists.items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                query_lists=query_lists,
            )

        def _fault(self, request: Request) -> Fault:
            if injector is None or not api.authorized(request):
                return NO_FAULT
            injector.delay()
            return injector.decide((request.method, self.path, request.body))

        def _serve(self) -> None:
            request = self._read_request()
            fault = self._fault(request)
            response: Response | None = None
            if fault.kind != "reset":
                if fault.before_handling:
                    response = api.fault_response(fault)
                else:
                    response = self._dispatch(request)
                if fault.kind == "truncate" and response.status != 200:
                    fault = NO_FAULT  # only a 200's body is cut short
            problems: list[str] = []
            if response is not None and not fault.before_handling:
                try:
                    problems = api.contract_problems(request, response)
                except Exception as exc:  # noqa: BLE001 - a checker bug shows as a problem
                    problems = [f"contract check failed: {exc!r}"]
            # logged before answering, so a client that got its answer finds it in the log
            requests.append(
                RequestLogEntry(
                    request.method,
                    request.path,
                    dict(request.query),
                    None if response is None else response.status,
                    fault.kind,
                    _json_body(request.body),
                    tuple(problems),
                )
            )
            if fault.kind:
                log.debug(
                    "%s: injected %s on %s %s", api.name, fault.kind, self.command, request.path
                )
            if response is None:
                self._reset()
            else:
                self._write(response, truncate=fault.kind == "truncate")

        def _dispatch(self, request: Request) -> Response:
            try:
                return api.dispatch(request)
            except Exception as exc:  # noqa: BLE001 - a server bug is a 500, never a hang
                log.exception("%s: %s %s failed", api.name, self.command, self.path)
                return Response(500, {"message": f"internal error: {exc}"})

        def _write(self, response: Response, truncate: bool) -> None:
            payload = (
                b"" if response.body is None else json.dumps(response.body, default=str).encode()
            )
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
                payload = payload[: len(payload) // 2]
            self.end_headers()
            self.wfile.write(payload)

        def _reset(self) -> None:
            """Drop the connection with a TCP RST, sending nothing."""
            self.close_connection = True
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            except OSError:
                pass
            self.connection.close()

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve
        do_PATCH = _serve

    return _Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (killed, or timed out) is routine here, not a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            log.debug("connection from %s ended abruptly", client_address, exc_info=True)
        else:
            log.exception("sandbox server: request from %s failed", client_address)


class RunningServer:
    """A server started on a background thread; ``url`` is where it listens."""

    def __init__(
        self,
        api: SandboxApi,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        faults: FaultConfig | None = None,
    ) -> None:
        self.api = api
        self.faults = faults
        self._log = RequestLog()
        injector = FaultInjector(faults) if faults is not None and faults.active else None
        self.httpd = _QuietServer((host, port), _make_handler(api, injector, self._log))
        scheme = "http"
        if ssl_context is not None:
            # the handshake runs in the request's thread: a silent client cannot block accept()
            self.httpd.socket = ssl_context.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"{scheme}://{'localhost' if host == '127.0.0.1' else host}:{self.port}"
        self.env: dict[str, str] = {}  # filled by each API's start(): the variables to export
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )  # a short poll: stop() returns in ~50 ms, not 0.5 s
        self._thread.start()

    @property
    def requests(self) -> list[RequestLogEntry]:
        """Every request answered so far (a snapshot, in arrival order)."""
        return self._log.entries()

    def contract_problems(self) -> list[str]:
        """Every departure from the vendor contract logged so far, with its request."""
        return [
            f"{entry.method} {entry.path} {entry.query}: {problem}"
            for entry in self._log.entries()
            for problem in entry.contract_problems
        ]

    def clear_requests(self) -> None:
        self._log.clear()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.api.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

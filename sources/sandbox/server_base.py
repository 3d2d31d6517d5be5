"""What the three sandbox API servers share: a threaded HTTP(S) server on loopback that
reads the sandbox DuckDB file, checks a bearer/basic credential, routes by regex and
answers JSON.  Each API module (``jira_api``, ``salesforce_api``, ``kantata_api``) adds
only its routes and its wire format.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb

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

    def close(self) -> None:
        self._db.close()


def _make_handler(api: SandboxApi) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("%s %s", api.name, format % args)

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            query_lists = parse_qs(parts.query)
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in query_lists.items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                query_lists=query_lists,
            )
            try:
                response = api.dispatch(request)
            except Exception as exc:  # noqa: BLE001 - a server bug is a 500, never a hang
                log.exception("%s: %s %s failed", api.name, self.command, self.path)
                response = Response(500, {"message": f"internal error: {exc}"})
            payload = (
                b"" if response.body is None else json.dumps(response.body, default=str).encode()
            )
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve
        do_PATCH = _serve

    return _Handler


class RunningServer:
    """A server started on a background thread; ``url`` is where it listens."""

    def __init__(
        self,
        api: SandboxApi,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.api = api
        self.httpd = ThreadingHTTPServer((host, port), _make_handler(api))
        self.httpd.daemon_threads = True
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

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.api.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

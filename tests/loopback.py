"""A real HTTP server on 127.0.0.1 for the tests: routes are plain functions, answers real.

    with LoopbackServer() as server:
        server.route("/feed.xml", body=b"...", content_type="application/atom+xml", etag='"1"')
        url = server.url("/feed.xml")

A route may also be a callable taking the request handler and returning
(status, headers, body). `server.hits[path]` counts requests; `server.requests` keeps
(path, headers) in order. The listen backlog is large, so concurrent clients never wait.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer stalls ~40 ms on delayed ACKs

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                path = urlsplit(self.path).path
                with owner._lock:
                    owner.hits[path] += 1
                    owner.requests.append((self.path, dict(self.headers)))
                route = owner.routes.get(path) or owner.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(self)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body and status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def route(self, path: str, body: bytes | str = b"", *, status: int = 200,
              content_type: str = "application/xml", etag: str = "",
              last_modified: str = "", headers: dict[str, str] | None = None) -> None:
        """A static answer; with an etag or last_modified it answers 304 to a matching GET."""
        payload = body.encode() if isinstance(body, str) else body

        def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            sent = {"Content-Type": content_type, **(headers or {})}
            if etag:
                sent["ETag"] = etag
            if last_modified:
                sent["Last-Modified"] = last_modified
            if (etag and request.headers.get("If-None-Match") == etag) or (
                    last_modified and not etag
                    and request.headers.get("If-Modified-Since") == last_modified):
                return 304, sent, b""
            return status, sent, payload

        self.routes[path] = answer

    def handle(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

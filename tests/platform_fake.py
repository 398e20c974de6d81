"""A local fake of a platform's HTTP API for adapter tests: scripted answers, recorded requests.

    def test_paging(fake_platform: FakePlatform) -> None:
        fake_platform.route("GET", "/2/tweets/search/recent", Reply(json=load_fixture("x", "page1")))
        fake_platform.route(
            "GET", "/2/tweets/search/recent", Reply(json=load_fixture("x", "page2")), query={"next_token": "b"}
        )
        source = XSource(config(base_url=fake_platform.base_url), ...)
        ...
        assert fake_platform.requests[-1].query["next_token"] == ["b"]

A route matches on method and path, and on `query` when given (each named parameter must have that
value; a route with a query wins over one without). Its replies are served in order and the last one
repeats, so `route(..., Reply(status=503), Reply(json=page))` is "one 503, then success". An unknown
route answers 404 with a JSON error. `Reply(delay=...)` sleeps first (for client timeouts).

The fixtures under tests/fixtures/<platform>/ follow the platform's documented response shapes; each
folder's README names the documentation page.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(platform: str, name: str) -> Any:
    """tests/fixtures/<platform>/<name>.json, parsed."""
    return json.loads((FIXTURES / platform / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Reply:
    status: int = 200
    json: Any = None
    body: str | bytes | None = None  # raw body instead of JSON (malformed payloads)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Route:
    method: str
    path: str
    query: dict[str, str] | None
    replies: list[Reply]
    served: int = 0

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if (method, path) != (self.method, self.path):
            return False
        return all(query.get(key) == [value] for key, value in (self.query or {}).items())

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class FakePlatform:
    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route(self, method: str, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Answer `method path` (and `query`) with `replies` in order, the last one repeating."""
        if not replies:
            raise ValueError("a route needs at least one reply")
        with self._lock:
            self._routes.append(_Route(method.upper(), path, query, list(replies)))

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self.requests.clear()

    def calls(self, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.path == path]

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            candidates = [r for r in self._routes if r.matches(method, parts.path, query)]
            # The most specific route wins; among equals, the one added last.
            candidates.sort(key=lambda r: len(r.query or {}))
            if not candidates:
                return Reply(404, json={"error": "no such route in the fake", "path": parts.path})
            return candidates[-1].next_reply()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = platform._answer(self.command, self.path, dict(self.headers), body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.body is not None:
                    payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                    content_type = "text/plain; charset=utf-8"
                else:
                    payload = b"" if reply.json is None else json.dumps(reply.json).encode()
                    content_type = "application/json; charset=utf-8"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.headers.get("Content-Type", content_type))
                    for key, value in reply.headers.items():
                        if key.lower() != "content-type":
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    return

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 (http.server API)

            def log_message(self, *args: object) -> None:
                return

        return Handler


def serve() -> Iterator[FakePlatform]:
    """The body of the `fake_platform` fixture (tests/conftest.py): one server per test."""
    platform = FakePlatform().start()
    try:
        yield platform
    finally:
        platform.stop()

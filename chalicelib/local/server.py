"""Chalice's local HTTP server, the one way the local stack and the browser tests serve the app.

The server handles each request on its own thread. A plain Chalice app keeps `current_request` on the
app object, shared by every thread, so two overlapping requests could see each other's headers (a
401 for a valid key, or worse). Chalice's LocalChalice keeps it per thread; this module installs it
exactly as `chalice local` does, and only once per process.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer


class _QuietHandler(ChaliceRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        return


def _per_thread_requests(app: Chalice) -> None:
    if isinstance(app, LocalChalice):
        return
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice


class LocalServer:
    def __init__(self, app: Chalice, host: str, port: int, *, stage: str, quiet: bool = True) -> None:
        _per_thread_requests(app)
        config = Config.create(chalice_stage=stage, app_name=app.app_name, lambda_timeout=60)
        handler = _QuietHandler if quiet else ChaliceRequestHandler
        self._server = LocalDevServer(app, config, host, port, handler_cls=handler)
        self._thread = threading.Thread(target=self._server.server.serve_forever, name="api", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=10)

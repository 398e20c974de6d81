"""Chalice's local HTTP server, the one way the local stack and the browser tests serve the app.

The server handles each request on its own thread. A plain Chalice app keeps `current_request` on the
app object, shared by every thread, so two overlapping requests could see each other's headers (a
401 for a valid key, or worse). Chalice's LocalChalice keeps it per thread; this module installs it
exactly as `chalice local` does, and only once per process.

Chalice's local gateway answers an unknown route as API Gateway does: a 403 whose body quotes the
caller's Authorization header (and a dropped connection if that header is not ASCII). Here it answers
as the deployed gateway is configured to (api/gateway.py): a 404 in the API's error shape.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
)

from chalicelib.api.gateway import GATEWAY_ERRORS, error_body, security_headers

# What Chalice's local gateway raises, as API Gateway response types.
_LOCAL_ERRORS = {403: "MISSING_AUTHENTICATION_TOKEN", 401: "UNAUTHORIZED"}


class _Gateway(LocalGateway):
    def __init__(self, app: Chalice, config: Config, stage: str) -> None:
        super().__init__(app, config)
        self._stage = stage

    def handle_request(
        self, method: str, path: str, headers: dict[str, Any], body: bytes | None
    ) -> dict[str, Any]:
        try:
            self.event_converter.create_lambda_event(method=method, path=path, headers={}, body=None)
        except ValueError:  # no such route
            return self._error("MISSING_AUTHENTICATION_TOKEN", 403)
        try:
            return dict(super().handle_request(method, path, headers, body))
        except LocalGatewayException as error:
            return self._error(_LOCAL_ERRORS.get(error.CODE, "DEFAULT_4XX"), error.CODE)

    def _error(self, response_type: str, status: int) -> dict[str, Any]:
        error = GATEWAY_ERRORS[response_type]
        request_id = self._generate_lambda_context().aws_request_id
        return {
            "statusCode": error.status or status,
            "headers": {
                "Content-Type": "application/json; charset=utf-8",
                "Cache-Control": "no-store",
                **security_headers(self._stage),
            },
            "multiValueHeaders": {},
            "body": error_body(error, request_id),
        }


class _Handler(ChaliceRequestHandler):
    def __init__(
        self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config
    ) -> None:
        self.local_gateway = _Gateway(app_object, config, config.chalice_stage)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)


class _QuietHandler(_Handler):
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
        handler = _QuietHandler if quiet else _Handler
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

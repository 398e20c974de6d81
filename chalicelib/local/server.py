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
from http import HTTPStatus
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

from chalicelib.api.gateway import GATEWAY_ERRORS, GatewayError, error_body, security_headers

# What Chalice's local gateway raises, as API Gateway response types.
_LOCAL_ERRORS = {403: "MISSING_AUTHENTICATION_TOKEN", 401: "UNAUTHORIZED"}


class _Gateway(LocalGateway):
    def __init__(self, app: Chalice, config: Config, stage: str) -> None:
        super().__init__(app, config)
        self.stage = stage

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
                **security_headers(self.stage),
            },
            "multiValueHeaders": {},
            "body": error_body(error, request_id),
        }


class _Handler(ChaliceRequestHandler):
    def __init__(
        self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config
    ) -> None:
        self._stage = config.chalice_stage
        self.local_gateway = _Gateway(app_object, config, self._stage)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method it has no do_<METHOD> for (TRACE, QUERY, ...) with an HTML 501;
        # the gateway answers any method: Chalice's 405 where the route lacks it.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (a malformed request line, a too long URL) in the API's shape,
        with a fixed message: its own quotes the request line."""
        phrase = HTTPStatus(code).phrase.lower() if code in HTTPStatus._value2member_map_ else "error"
        error = GatewayError("invalid_input" if code < 500 else "gateway_error", phrase, code)
        body = error_body(error, "local").encode()
        self.close_connection = True
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in security_headers(self._stage).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


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

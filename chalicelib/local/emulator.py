"""The emulated AWS of the local stack and the tests: moto in server mode on loopback.

It is an emulator, not a database: the local stack keeps its data in SQLite and uses moto for SNS,
SQS and Secrets Manager only, which the bootstrap re-creates from the same definitions at every start.
The integration tests use its DynamoDB too, over real HTTP, as the AWS path.
"""

from __future__ import annotations

import os
import socket
from typing import Any

ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "krisenradar-local",
    "AWS_SECRET_ACCESS_KEY": "krisenradar-local",
    "AWS_SESSION_TOKEN": "krisenradar-local",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    def __init__(self, port: int, region: str) -> None:
        self.port = port
        self.region = region
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        for key, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(key, value)
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

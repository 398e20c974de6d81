"""The embedded AWS of the local stack and the tests: moto in server mode on loopback.

DynamoDB state is snapshotted to disk (pickled moto tables) periodically and at shutdown, and
restored at start, so a restarted local stack finds every mention, incident and alert again.
SNS topics, queues and parameters are re-created by the bootstrap from the same definitions.
"""

from __future__ import annotations

import os
import pickle
import socket
import threading
from pathlib import Path
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
    def __init__(self, port: int, region: str, snapshot: Path | None = None) -> None:
        self.port = port
        self.region = region
        self.snapshot = snapshot
        self._server: Any = None
        self._lock = threading.Lock()

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
        self.restore()

    def stop(self) -> None:
        self.save()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _dynamodb(self) -> Any:
        from moto.backends import get_backend

        return get_backend("dynamodb")[ACCOUNT_ID][self.region]

    def save(self) -> bool:
        """Write the DynamoDB tables atomically; retried if a request mutates them mid-way."""
        if self.snapshot is None or self._server is None:
            return False
        with self._lock:
            for _ in range(5):
                try:
                    blob = pickle.dumps(dict(self._dynamodb().tables))
                    break
                except RuntimeError:  # "dictionary changed size during iteration"
                    continue
            else:
                return False
            self.snapshot.parent.mkdir(parents=True, exist_ok=True)
            partial = self.snapshot.with_suffix(".tmp")
            partial.write_bytes(blob)
            partial.replace(self.snapshot)
        return True

    def restore(self) -> int:
        if self.snapshot is None or not self.snapshot.is_file():
            return 0
        tables = pickle.loads(self.snapshot.read_bytes())  # our own file, written by save()
        self._dynamodb().tables.update(tables)
        return len(tables)

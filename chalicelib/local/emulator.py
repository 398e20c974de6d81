"""The emulated AWS of the local stack and the tests: moto in server mode on loopback.

It is an emulator, not a database: the local stack keeps its data in SQLite and uses moto for SNS,
SQS and Secrets Manager only, which the bootstrap re-creates from the same definitions at every start.
The integration tests use its DynamoDB too, over real HTTP, as the AWS path.
"""

from __future__ import annotations

import copy
import os
import socket
import threading
import types
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


_transaction = threading.local()


def _deepcopy_once_per_transaction(obj: Any, memo: Any = None) -> Any:
    """copy.deepcopy, except that within one TransactWriteItems a table is copied once: moto backs up
    each table before the transaction, but once per *item*, so a transaction of 100 items copied its
    table 100 times (and a page of mentions took seconds). The backup is taken before any write, so
    one copy per table is the same backup."""
    copies: dict[int, Any] | None = getattr(_transaction, "copies", None)
    if copies is None or memo is not None or type(obj).__name__ != "Table":  # items: copied as moto does
        return copy.deepcopy(obj, memo)
    if id(obj) not in copies:
        copies[id(obj)] = copy.deepcopy(obj)
    return copies[id(obj)]


def _back_up_each_table_once() -> None:
    """Fix moto's per-item table backup in TransactWriteItems (the emulator's cost, not a semantic
    change: the rollback restores the same state). Applied once per process."""
    from moto.dynamodb import models

    if getattr(models.DynamoDBBackend, "_krisenradar_once", False):
        return
    original = models.DynamoDBBackend.transact_write_items
    models.copy = types.SimpleNamespace(deepcopy=_deepcopy_once_per_transaction, copy=copy.copy)  # type: ignore[assignment,attr-defined]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _transaction.copies = {}
        try:
            original(self, transact_items)
        finally:
            _transaction.copies = None

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.DynamoDBBackend._krisenradar_once = True  # type: ignore[attr-defined]


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

        _back_up_each_table_once()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

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
from dataclasses import dataclass, field
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


@dataclass
class _Before:
    """One item a transaction names, as it was before: None if absent. `had_hash` tells whether its
    partition existed (moto keeps a table with a range key as partitions of items, and a read makes
    an empty partition that a rollback removes again)."""

    table: Any
    hash_value: Any
    range_value: Any
    item: Any
    had_hash: bool

    def restore(self) -> None:
        items = self.table.items
        if self.range_value is None:
            if self.item is None:
                items.pop(self.hash_value, None)
            else:
                items[self.hash_value] = self.item
            return
        if self.item is not None:
            items[self.hash_value][self.range_value] = self.item
        elif self.hash_value in items:
            items[self.hash_value].pop(self.range_value, None)
        if not self.had_hash and self.hash_value in items and not items[self.hash_value]:
            del items[self.hash_value]


@dataclass
class _Journal:
    """What a TransactWriteItems may change, taken before it runs: the items it names (an update's
    item copied, since moto updates in place; a put replaces and a delete removes the object), each
    touched table's stream records, and a whole-table copy only for an action whose key moto cannot
    read (it refuses that action, but the journal then restores exactly what moto's backup did)."""

    items: list[_Before] = field(default_factory=list)
    streams: list[tuple[Any, list[Any], int]] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def before(cls, backend: Any, transact_items: list[dict[str, Any]]) -> _Journal:
        from moto.dynamodb.models.dynamo_type import DynamoType

        journal = cls()
        touched: dict[int, Any] = {}
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto refuses it before reading any table
            op_type, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue  # not a table moto backs up or restores
            touched[id(table)] = table
            try:
                key = op["Item"] if op_type == "Put" else op["Key"]
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            except (KeyError, TypeError, AttributeError):
                journal.tables.setdefault(op["TableName"], copy.deepcopy(table))
                continue
            had_hash = hash_value in table.items
            current = table.items.get(hash_value) if had_hash else None
            if range_value is not None and current is not None:
                current = current.get(range_value)
            journal.items.append(
                _Before(
                    table,
                    hash_value,
                    range_value,
                    copy.deepcopy(current) if op_type == "Update" else current,
                    had_hash,
                )
            )
        for table in touched.values():
            if table.stream_shard is not None:
                shard = table.stream_shard
                journal.streams.append((shard, shard.items, len(shard.items)))
        return journal

    def undo(self, backend: Any) -> None:
        for before in reversed(self.items):
            before.restore()
        for shard, records, length in self.streams:
            del records[length:]
            shard.items = records
        for name, table in self.tables.items():
            backend.tables[name] = table


def _no_table_copy_in_a_transaction(obj: Any, memo: Any = None) -> Any:
    """copy.deepcopy for moto's DynamoDB models, except that inside a TransactWriteItems on this
    thread a table is not copied: moto's backup is then the live table, its restore a no-op, and the
    journal undoes the transaction instead."""
    if getattr(_transaction, "active", False) and memo is None and type(obj).__name__ == "Table":
        return obj
    return copy.deepcopy(obj, memo)


def _journal_transactions() -> None:
    """Replace moto's rollback of TransactWriteItems: it deep-copies every table the transaction
    touches (once per item), so a transaction cost grew with the table; the journal of just the
    touched items costs what the transaction touches. What moto decides is unchanged: its checks,
    its order, its errors and cancellation reasons; only the backup and the restore differ, and they
    restore the same state. Applied once per process."""
    from moto.dynamodb import models

    if getattr(models.DynamoDBBackend, "_krisenradar_journal", False):
        return
    original = models.DynamoDBBackend.transact_write_items
    models.copy = types.SimpleNamespace(deepcopy=_no_table_copy_in_a_transaction, copy=copy.copy)  # type: ignore[assignment,attr-defined]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        journal = _Journal.before(self, transact_items) if len(transact_items) <= 100 else _Journal()
        _transaction.active = True
        try:
            original(self, transact_items)
        except BaseException:
            journal.undo(self)
            raise
        finally:
            _transaction.active = False

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.DynamoDBBackend._krisenradar_journal = True  # type: ignore[attr-defined]


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

        _journal_transactions()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

"""The emulated AWS of the local stack and the tests: moto in server mode on loopback.

It is an emulator, not a database: the local stack keeps its data in SQLite and uses moto for SNS,
SQS and Secrets Manager only, which the bootstrap re-creates from the same definitions at every start.
The integration tests use its DynamoDB too, over real HTTP, as the AWS path.
"""

from __future__ import annotations

import copy
import functools
import os
import re
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


_SET = r"#\w+ = :\w+"
_ADD = r"#\w+ :\w+"
_COUNTER_UPDATE = re.compile(
    rf"(?:SET (?P<set>{_SET}(?:, {_SET})*))?(?P<gap> ?)(?:ADD (?P<add>{_ADD}(?:, {_ADD})*))?"
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _is_number(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["N"] and bool(_NUMBER.fullmatch(str(value["N"])))


def _key_attributes(table: Any) -> set[str]:
    """The table's key attributes and every index's: moto checks an update of those itself."""
    indexes = [*(table.global_indexes or []), *(table.indexes or [])]
    return {*table.table_key_attrs, *(key["AttributeName"] for index in indexes for key in index.schema)}


def _counter_actions(
    table: Any, key: dict[str, Any], expression: str, names: dict[str, str], values: dict[str, Any]
) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]] | None:
    """The SETs and ADDs of an update that only adds numbers to, and sets numbers or strings on,
    distinct top-level attributes that key neither the table nor an index, of an item named by its
    full key, each name and value used once: what PynamoDB sends for a counter. None for anything
    else, which moto evaluates itself."""
    match = _COUNTER_UPDATE.fullmatch(expression)
    if not expression or match is None or sorted(key) != sorted(table.table_key_attrs):
        return None
    if (match["gap"] == " ") != bool(match["set"] and match["add"]):
        return None
    sets = [pair.split(" = ") for pair in match["set"].split(", ")] if match["set"] else []
    adds = [pair.split(" ") for pair in match["add"].split(", ")] if match["add"] else []
    used_names, used_values = [n for n, _ in sets + adds], [v for _, v in sets + adds]
    if not (
        sorted(used_names) == sorted(names)
        and sorted(used_values) == sorted(values)
        and len(set(used_names)) == len(used_names)
        and len(set(used_values)) == len(used_values)
        and not {names[n] for n in used_names} & _key_attributes(table)
    ):
        return None
    resolved_sets = [(names[n], values[v]) for n, v in sets]
    resolved_adds = [(names[n], values[v]) for n, v in adds]
    settable = all(
        _is_number(value) or (isinstance(value, dict) and list(value) == ["S"] and bool(value["S"]))
        for _, value in resolved_sets
    )
    addable = all(_is_number(value) for _, value in resolved_adds)
    return (resolved_sets, resolved_adds) if settable and addable else None


def _fast_counter_updates() -> None:
    """Answer an UpdateItem that only ADDs numbers and SETs plain values (a counter) without moto's
    expression parser and validator, which cost it milliseconds per update (its validator walks the
    expression tree once per node): ingestion's bucket counters spent about 85% of moto's time
    there. The result is what moto's evaluation makes, stream records included (moto records an
    update that creates its item twice, so does this); any other update, and a counter whose item
    holds a non-number where it adds, goes to moto. Applied once per process."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(models.DynamoDBBackend, "_krisenradar_counters", False):
        return
    original = models.DynamoDBBackend.update_item

    def update_item(  # moto's signature
        self: Any,
        table_name: str,
        key: dict[str, Any],
        update_expression: str,
        expression_attribute_names: dict[str, Any],
        expression_attribute_values: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> Any:
        table = self.get_table(table_name)
        actions = None
        if attribute_updates is None and not expected and condition_expression is None:
            actions = _counter_actions(
                table,
                key,
                update_expression or "",
                expression_attribute_names or {},
                expression_attribute_values or {},
            )
        item = None
        if actions is not None:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            item = table.get_item(hash_value, range_value)
        if actions is None or (
            item is not None
            and (
                item.size() > 300_000  # near the item size limit: moto's checks decide
                or any(name in item.attrs and item.attrs[name].type != "N" for name, _ in actions[1])
            )
        ):
            return original(
                self,
                table_name,
                key,
                update_expression=update_expression,
                expression_attribute_names=expression_attribute_names,
                expression_attribute_values=expression_attribute_values,
                attribute_updates=attribute_updates,
                expected=expected,
                condition_expression=condition_expression,
                return_values_on_condition_check_failure=return_values_on_condition_check_failure,
            )
        before = copy.deepcopy(item) if table.stream_shard is not None else None
        if item is None:  # as moto creates it: the key first, then the update
            table.put_item({name: key[name] for name in table.table_key_attrs})
            item = table.get_item(hash_value, range_value)
        sets, adds = actions
        for name, value in sets:
            item.attrs[name] = DynamoType(value)
        for name, value in adds:
            item.attrs[name] = item.attrs.get(name, DynamoType({"N": "0"})) + DynamoType(value)
        if table.stream_shard is not None:
            table.stream_shard.add(before, item)
        return item

    models.DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    models.DynamoDBBackend._krisenradar_counters = True  # type: ignore[attr-defined]
    _parse_request_expressions_once()


def _parse_request_expressions_once() -> None:
    """moto's request checks parse every UpdateExpression to list the names and values it uses (a
    quarter of its time for a page of counters), and a page sends the same few expressions again and
    again: the parse is a function of the string, and those checks only read the tree."""
    from moto.dynamodb import responses

    parser: Any = getattr(responses, "UpdateExpressionParser")  # noqa: B009 (not exported)

    class ParsedOnce:
        make = staticmethod(functools.lru_cache(maxsize=512)(parser.make))

    setattr(responses, "UpdateExpressionParser", ParsedOnce)  # noqa: B010


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
        _fast_counter_updates()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

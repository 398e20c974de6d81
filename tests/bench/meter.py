"""Counts the AWS requests our code makes, at the emulator: a WSGI layer in front of moto's server.

Counting at the server sees every client alike (PynamoDB's botocore client, the boto3 clients of SNS,
SQS and Secrets Manager, retries included) without touching our code. Each request is recorded as
(service, operation); DynamoDB requests also get an estimate of the capacity units that on-demand
billing would charge, from the request and response bodies (the rules on
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
writes 1 WRU per started KB of item (2 in a transaction), reads ½ RRU per started 4 KB (eventually
consistent; 1 strongly consistent, 2 in a transaction), a Query summed over the items it read, and a
write that puts an item into a global secondary index costs the same units again for that index.
The estimate errs high where a body does not tell (an UpdateItem's resulting item size is taken from
the request: our updates are counters and small documents).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits + 1)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return len(str(data).lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(str(data)) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_bytes({kind[0]: element}) for element in data)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in data.items())
    return len(json.dumps(data))


def _wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _rru(size: int, *, consistent: bool = False) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


@dataclass
class Tally:
    """What one stretch of work asked of AWS."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    wru: float = 0.0
    rru: float = 0.0

    def add(self, other: Tally) -> None:
        self.requests.update(other.requests)
        self.wru += other.wru
        self.rru += other.rru

    def count(self, service: str | None = None, operation: str | None = None) -> int:
        return sum(
            n
            for (svc, op), n in self.requests.items()
            if (service is None or svc == service) and (operation is None or op == operation)
        )

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def scaled(self, divisor: float) -> dict[str, Any]:
        """Per unit of work: requests by "service:operation", WRU, RRU."""
        return {
            "requests": {f"{s}:{o}": n / divisor for (s, o), n in sorted(self.requests.items())},
            "total": self.total / divisor,
            "wru": self.wru / divisor,
            "rru": self.rru / divisor,
        }

    def describe(self, divisor: float = 1.0) -> str:
        ops = ", ".join(f"{o} {n / divisor:g}" for (_, o), n in sorted(self.requests.items()))
        return ops or "none"


class Meter:
    """WSGI middleware: tallies every request into the tally that `measure()` has open."""

    def __init__(self, app: Any, indexes: Callable[[], dict[str, list[set[str]]]]) -> None:
        self._app = app
        self._indexes = indexes  # table name -> the key attributes of each of its GSIs
        self._lock = threading.Lock()
        self._open: list[Tally] = []

    @contextmanager
    def measure(self) -> Iterator[Tally]:
        tally = Tally()
        with self._lock:
            self._open.append(tally)
        try:
            yield tally
        finally:
            with self._lock:
                self._open.remove(tally)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = BytesIO(body)
        chunks = list(self._app(environ, start_response))
        if self._open:
            self._record(environ, body, b"".join(chunks))
        return chunks

    def _record(self, environ: dict[str, Any], body: bytes, response: bytes) -> None:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group(1) if scope else "unknown"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            operation = target.rsplit(".", 1)[-1]
        else:
            form = parse_qs(body.decode("utf-8", "replace"))
            operation = (form.get("Action") or ["?"])[0]
        wru = rru = 0.0
        if service == "dynamodb":
            try:
                wru, rru = self._units(operation, json.loads(body or b"{}"), json.loads(response or b"{}"))
            except (ValueError, KeyError, TypeError, AttributeError):
                wru, rru = 1.0, 0.5  # a body we cannot read: the smallest charge
        with self._lock:
            for tally in self._open:
                tally.requests[(service, operation)] += 1
                tally.wru += wru
                tally.rru += rru

    def _index_copies(self, table: str, attributes: Iterable[str]) -> int:
        present = set(attributes)
        return sum(1 for keys in self._indexes().get(table, []) if keys <= present)

    def _put_units(self, table: str, item: dict[str, Any]) -> float:
        return _wru(item_bytes(item)) * (1 + self._index_copies(table, item))

    def _update_units(self, table: str, request: dict[str, Any]) -> float:
        values = request.get("ExpressionAttributeValues", {})
        size = item_bytes(request.get("Key", {})) + sum(_value_bytes(v) for v in values.values())
        names = set(request.get("ExpressionAttributeNames", {}).values()) | set(request.get("Key", {}))
        return _wru(size) * (1 + self._index_copies(table, names))

    def _units(
        self, operation: str, request: dict[str, Any], response: dict[str, Any]
    ) -> tuple[float, float]:
        consistent = bool(request.get("ConsistentRead"))
        table = request.get("TableName", "")
        if operation == "PutItem":
            return self._put_units(table, request["Item"]), 0.0
        if operation == "UpdateItem":
            return self._update_units(table, request), 0.0
        if operation == "DeleteItem":
            return float(1 + len(self._indexes().get(table, []))), 0.0
        if operation == "GetItem":
            return 0.0, _rru(item_bytes(response.get("Item", {})), consistent=consistent)
        if operation in ("Query", "Scan"):
            items = response.get("Items", [])
            size = sum(item_bytes(item) for item in items)
            scanned, count = response.get("ScannedCount", len(items)), len(items)
            if count and scanned > count:  # a filter drops items after they were read (and billed)
                size = size * scanned // count
            return 0.0, _rru(size, consistent=consistent)
        if operation == "BatchWriteItem":
            wru = 0.0
            for name, requests in request["RequestItems"].items():
                for entry in requests:
                    if "PutRequest" in entry:
                        wru += self._put_units(name, entry["PutRequest"]["Item"])
                    else:
                        wru += 1 + len(self._indexes().get(name, []))
            return wru, 0.0
        if operation == "BatchGetItem":
            # Each key is billed as its own GetItem: one not found costs the minimum read as well;
            # keys handed back unprocessed are not read (and are billed when asked again).
            rru = 0.0
            for name, asked in request["RequestItems"].items():
                wanted = asked.get("ConsistentRead", False)
                items = response.get("Responses", {}).get(name, [])
                unprocessed = len(response.get("UnprocessedKeys", {}).get(name, {}).get("Keys", []))
                missing = max(0, len(asked.get("Keys", [])) - len(items) - unprocessed)
                rru += sum(_rru(item_bytes(item), consistent=wanted) for item in items)
                rru += missing * _rru(0, consistent=wanted)
            return 0.0, rru
        if operation == "TransactWriteItems":
            wru = 0.0
            for entry in request["TransactItems"]:
                ((kind, action),) = entry.items()
                if kind == "Put":
                    wru += 2 * self._put_units(action["TableName"], action["Item"])
                elif kind == "Update":
                    wru += 2 * self._update_units(action["TableName"], action)
                else:  # ConditionCheck and Delete: counted as one transactional write each (errs high)
                    wru += 2.0
            return wru, 0.0
        if operation == "TransactGetItems":
            items = [r.get("Item", {}) for r in response.get("Responses", [])]
            return 0.0, sum(2 * _rru(item_bytes(item), consistent=True) for item in items)
        return 0.0, 0.0  # control plane (CreateTable, DescribeTable, ...): not billed per request


def serve(endpoint_port: int, indexes: Callable[[], dict[str, list[set[str]]]]) -> tuple[Meter, Any, str]:
    """A metered endpoint onto the in-process moto backends that an `Emulator` started (the emulator's
    own transaction fix applies, it patches the backends). Returns (meter, server, endpoint)."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    meter = Meter(DomainDispatcherApplication(create_backend_app), indexes)
    server = make_server("127.0.0.1", endpoint_port, meter, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return meter, server, f"http://127.0.0.1:{endpoint_port}"


def model_indexes() -> dict[str, list[set[str]]]:
    """The GSIs of our tables as the PynamoDB models are bound right now (table name -> key sets)."""
    from chalicelib.adapters.dynamo.models import MODELS

    found: dict[str, list[set[str]]] = {}
    for model in MODELS.values():
        schema = model._get_schema()
        found[model.Meta.table_name] = [
            {key["AttributeName"] for key in index["key_schema"]}
            for index in schema.get("global_secondary_indexes", [])
        ]
    return found

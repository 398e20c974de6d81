"""The scale bench's request meter (tests/bench/meter.py): DynamoDB capacity units from request and
response bodies, as on-demand billing counts them, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench.meter import Meter, item_bytes

SMALL = {"pk": {"S": "mueller"}, "n": {"N": "12"}}  # 2 + 7, 1 + 2 bytes
BIG = {"pk": {"S": "mueller"}, "text": {"S": "x" * 1500}}  # ~1.5 KB: two write units


def _meter(indexes: dict[str, list[set[str]]] | None = None) -> Meter:
    return Meter(app=None, indexes=lambda: indexes or {})


def _units(
    meter: Meter, operation: str, request: dict[str, Any], response: dict[str, Any] | None = None
) -> tuple[float, float]:
    return meter._units(operation, request, response or {})


def test_item_size_counts_names_and_values() -> None:
    assert item_bytes(SMALL) == len("pk") + len("mueller") + len("n") + 2
    assert item_bytes(BIG) > 1024


def test_writes_cost_a_unit_per_started_kilobyte_and_again_per_index_they_enter() -> None:
    meter = _meter({"t": [{"pk", "n"}, {"other"}]})
    assert _units(meter, "PutItem", {"TableName": "t", "Item": SMALL}) == (2.0, 0.0)  # table + one GSI
    assert _units(meter, "PutItem", {"TableName": "u", "Item": BIG}) == (2.0, 0.0)  # two KB, no GSI


def test_a_transaction_doubles_its_writes() -> None:
    meter = _meter()
    request = {
        "TransactItems": [
            {"Put": {"TableName": "u", "Item": SMALL}},
            {"Put": {"TableName": "u", "Item": BIG}},
        ]
    }
    assert _units(meter, "TransactWriteItems", request) == (2 * (1 + 2), 0.0)


def test_reads_cost_half_a_unit_per_started_4_kb_unless_strongly_consistent() -> None:
    meter = _meter()
    found = {"Item": SMALL}
    assert _units(meter, "GetItem", {"TableName": "u"}, found) == (0.0, 0.5)
    assert _units(meter, "GetItem", {"TableName": "u", "ConsistentRead": True}, found) == (0.0, 1.0)
    page = {"Items": [BIG] * 5, "Count": 5, "ScannedCount": 5}  # ~7.5 KB read: two 4 KB units
    assert _units(meter, "Query", {"TableName": "u"}, page) == (0.0, 1.0)


def test_a_batch_read_pays_per_key_asked_found_or_not_but_not_for_unprocessed_keys() -> None:
    meter = _meter()
    keys = [{"pk": {"S": f"k{i}"}} for i in range(5)]
    request = {"RequestItems": {"u": {"Keys": keys}, "t": {"Keys": keys[:2], "ConsistentRead": True}}}
    response = {
        "Responses": {"u": [SMALL], "t": [SMALL]},  # u: 1 found, 1 unprocessed, 3 missing; t: 1 and 1
        "UnprocessedKeys": {"u": {"Keys": keys[4:]}},
    }
    assert _units(meter, "BatchGetItem", request, response) == (0.0, 4 * 0.5 + 2 * 1.0)


def test_a_filtered_query_pays_for_what_it_read() -> None:
    meter = _meter()
    filtered = {"Items": [BIG], "Count": 1, "ScannedCount": 10}  # ten read, one returned: ~15 KB
    assert _units(meter, "Query", {"TableName": "u"}, filtered)[1] == pytest.approx(2.0)

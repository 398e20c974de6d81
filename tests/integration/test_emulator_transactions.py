"""TransactWriteItems on the emulator (chalicelib/local/emulator.py undoes a transaction from a journal
of the items it names instead of moto's whole-table copies): all or nothing, with moto's errors and
cancellation reasons, for puts, updates, deletes and condition checks, on tables with and without a
sort key, and on a table with a stream."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


@pytest.fixture
def dynamodb(emulator: Any) -> Any:
    return boto3.client("dynamodb", endpoint_url=emulator.endpoint, region_name="eu-central-1")


@pytest.fixture
def tables(dynamodb: Any) -> dict[str, str]:
    """`pairs` (partition and sort key, with a stream) and `singles` (partition key only), each holding
    items that transactions update, delete and check, beside items no transaction names."""
    suffix = uuid.uuid4().hex[:8]
    pairs, singles = f"pairs-{suffix}", f"singles-{suffix}"
    dynamodb.create_table(
        TableName=pairs,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName=singles,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for sk, total in (("counter", 5), ("doomed", 1), ("guard", 1), ("bystander", 9)):
        dynamodb.put_item(
            TableName=pairs,
            Item={"pk": {"S": "brand"}, "sk": {"S": sk}, "total": {"N": str(total)}, "tags": {"SS": ["a"]}},
        )
    for key in ("taken", "kept", "gone"):
        dynamodb.put_item(TableName=singles, Item={"id": {"S": key}, "text": {"S": f"{key} before"}})
    return {"pairs": pairs, "singles": singles}


def _everything(dynamodb: Any, tables: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: sorted(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"], key=repr)
        for name, table in tables.items()
    }


def _stream_records(dynamodb: Any, table: str) -> list[str]:
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=dynamodb.meta.endpoint_url,
        region_name="eu-central-1",
    )
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [f"{r['eventName']} {r['dynamodb']['Keys']['sk']['S']}" for r in records]


def _every_kind_of_action(tables: dict[str, str], *, guard_total: int) -> list[dict[str, Any]]:
    """A put of a new item on each table, an in-place ADD, a delete, a put replacing an item, and a
    condition check on `guard` that holds only if its total is `guard_total`."""
    pairs, singles = tables["pairs"], tables["singles"]
    return [
        {
            "Put": {
                "TableName": pairs,
                "Item": {"pk": {"S": "brand"}, "sk": {"S": "new"}, "total": {"N": "1"}},
            }
        },
        {
            "Update": {
                "TableName": pairs,
                "Key": {"pk": {"S": "brand"}, "sk": {"S": "counter"}},
                "UpdateExpression": "ADD #t :one, tags :tag SET note = :note",
                "ExpressionAttributeNames": {"#t": "total"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":tag": {"SS": ["b"]}, ":note": {"S": "x"}},
            }
        },
        {"Delete": {"TableName": pairs, "Key": {"pk": {"S": "brand"}, "sk": {"S": "doomed"}}}},
        {"Put": {"TableName": singles, "Item": {"id": {"S": "taken"}, "text": {"S": "replaced"}}}},
        {"Put": {"TableName": singles, "Item": {"id": {"S": "fresh"}, "text": {"S": "new"}}}},
        {
            "Update": {
                "TableName": pairs,
                "Key": {"pk": {"S": "other-brand"}, "sk": {"S": "created"}},
                "UpdateExpression": "ADD #t :one",
                "ExpressionAttributeNames": {"#t": "total"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": singles, "Key": {"id": {"S": "gone"}}}},
        {
            "ConditionCheck": {
                "TableName": pairs,
                "Key": {"pk": {"S": "brand"}, "sk": {"S": "guard"}},
                "ConditionExpression": "#t = :expected",
                "ExpressionAttributeNames": {"#t": "total"},
                "ExpressionAttributeValues": {":expected": {"N": str(guard_total)}},
            }
        },
    ]


def test_a_cancelled_transaction_leaves_every_item_it_touched_as_it_was(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    # Given two tables with items, and the stream records their creation wrote
    before = _everything(dynamodb, tables)
    records_before = _stream_records(dynamodb, tables["pairs"])

    # When a transaction of puts, updates and deletes fails its condition check (the last action)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=_every_kind_of_action(tables, guard_total=2))

    # Then it is cancelled with moto's reasons, one per action, the failed check named
    error = cancelled.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in error["CancellationReasons"]] == ["None"] * 7 + [
        "ConditionalCheckFailed"
    ]
    # and every item, the updated, deleted, replaced, created and checked ones, is exactly as before
    assert _everything(dynamodb, tables) == before
    # and the stream holds no record of the writes that were undone
    assert _stream_records(dynamodb, tables["pairs"]) == records_before


def test_a_committed_transaction_applies_every_action(dynamodb: Any, tables: dict[str, str]) -> None:
    # Given the same transaction whose condition check holds
    actions = _every_kind_of_action(tables, guard_total=1)
    records_before = _stream_records(dynamodb, tables["pairs"])

    # When it runs
    dynamodb.transact_write_items(TransactItems=actions)

    # Then every put, update and delete is there, and what it did not name is unchanged
    after = _everything(dynamodb, tables)
    pairs = {item["sk"]["S"]: item for item in after["pairs"]}
    assert sorted(pairs) == ["bystander", "counter", "created", "guard", "new"]
    assert pairs["counter"]["total"] == {"N": "6"}
    assert sorted(pairs["counter"]["tags"]["SS"]) == ["a", "b"]
    assert pairs["counter"]["note"] == {"S": "x"}
    assert pairs["created"]["total"] == {"N": "1"}
    assert pairs["bystander"]["total"] == {"N": "9"}
    singles = {item["id"]["S"]: item["text"]["S"] for item in after["singles"]}
    assert singles == {"taken": "replaced", "kept": "kept before", "fresh": "new"}
    # and the stream holds its records in order (moto records an update that creates an item twice)
    assert _stream_records(dynamodb, tables["pairs"])[len(records_before) :] == [
        "INSERT new",
        "MODIFY counter",
        "REMOVE doomed",
        "INSERT created",
        "INSERT created",
    ]


def test_a_transaction_refused_midway_undoes_the_writes_before_the_refusal(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    # Given a transaction that puts a new item and then names the same item again
    before = _everything(dynamodb, tables)
    twice = {"pk": {"S": "brand"}, "sk": {"S": "twice"}}
    actions = [
        {"Put": {"TableName": tables["pairs"], "Item": {**twice, "total": {"N": "1"}}}},
        {"Delete": {"TableName": tables["singles"], "Key": {"id": {"S": "kept"}}}},
        {
            "Update": {
                "TableName": tables["pairs"],
                "Key": twice,
                "UpdateExpression": "SET a = :a",
                "ExpressionAttributeValues": {":a": {"S": "a"}},
            }
        },
    ]

    # When it runs, moto refuses it as a whole (a validation error, not a cancellation)
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=actions)

    # Then the put and the delete written before the refusal are undone
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _everything(dynamodb, tables) == before


def test_a_put_whose_condition_fails_cancels_the_page_with_its_position(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    # Given a page of conditional puts, one of which exists already (ingestion's case)
    before = _everything(dynamodb, tables)
    absent = "attribute_not_exists(id)"
    actions = [
        {"Put": {"TableName": tables["singles"], "Item": {"id": {"S": key}}, "ConditionExpression": absent}}
        for key in ("one", "kept", "three")
    ]

    # When the page is written
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=actions)

    # Then the reasons name the stored item by position and nothing of the page is written
    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert _everything(dynamodb, tables) == before


def _counter_update(dynamodb: Any, table: str, sk: str, *, as_pynamodb: bool, **adds: str) -> Any:
    """An UpdateItem as PynamoDB sends a counter (`SET ... ADD ...`, answered by the emulator's counter
    path), or the same update with its clauses the other way round, which moto evaluates itself."""
    names = {f"#{name}": name for name in ["expires_at", *adds]}
    values = {":expires_at": {"N": "1795983484"}} | {f":{name}": {"N": n} for name, n in adds.items()}
    set_clause = "SET #expires_at = :expires_at"
    add_clause = "ADD " + ", ".join(f"#{name} :{name}" for name in adds)
    return dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "counters"}, "sk": {"S": sk}},
        UpdateExpression=f"{set_clause} {add_clause}" if as_pynamodb else f"{add_clause} {set_clause}",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
    )


@pytest.mark.parametrize(
    "updates",
    [
        [{"total": "1", "arousal": "0.4321", "reach": "120"}],
        [{"total": "3", "arousal": "0.5"}, {"total": "-1", "arousal": "-0.25", "reach": "7"}],
        [{"total": "2"}, {"total": "5", "negative": "1"}, {"total": "1", "negative": "0", "reach": "0"}],
    ],
)
def test_counter_updates_make_what_moto_makes(
    dynamodb: Any, tables: dict[str, str], updates: list[dict[str, str]]
) -> None:
    # Given the same counter updates sent the way PynamoDB sends them and the other way round
    records_before = _stream_records(dynamodb, tables["pairs"])
    for adds in updates:
        fast = _counter_update(dynamodb, tables["pairs"], "fast", as_pynamodb=True, **adds)
        moto = _counter_update(dynamodb, tables["pairs"], "moto", as_pynamodb=False, **adds)

        # Then every answer and every stored counter is the same, but for the key
        assert {k: v for k, v in fast["Attributes"].items() if k != "sk"} == {
            k: v for k, v in moto["Attributes"].items() if k != "sk"
        }
    # and the stream recorded the same events for both
    new = _stream_records(dynamodb, tables["pairs"])[len(records_before) :]
    assert [r.split()[0] for r in new if r.endswith("fast")] == [
        r.split()[0] for r in new if r.endswith("moto")
    ]
    assert len(new) == 2 * (len(updates) + 1)


def test_a_counter_added_to_a_string_is_refused_as_moto_refuses_it(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    # Given a counter item whose `total` holds a string
    for sk in ("fast", "moto"):
        dynamodb.put_item(
            TableName=tables["pairs"], Item={"pk": {"S": "counters"}, "sk": {"S": sk}, "total": {"S": "x"}}
        )

    # When a number is added to it either way
    errors = []
    for sk, as_pynamodb in (("fast", True), ("moto", False)):
        with pytest.raises(ClientError) as refused:
            _counter_update(dynamodb, tables["pairs"], sk, as_pynamodb=as_pynamodb, total="1")
        errors.append(refused.value.response["Error"])

    # Then both are refused with the same error, and the item is unchanged
    assert errors[0] == errors[1]
    assert errors[0]["Code"] == "ValidationException"
    item = dynamodb.get_item(TableName=tables["pairs"], Key={"pk": {"S": "counters"}, "sk": {"S": "fast"}})
    assert item["Item"]["total"] == {"S": "x"}

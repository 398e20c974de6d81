"""Fixtures the API integration tests share."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib import deps
from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"


@pytest.fixture
def incident_id(container: Any, api: Any, keys: dict) -> str:
    """A fresh SEV1 storm incident, opened by the real rules job (earlier ones are resolved first)."""
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    for incident in container.incidents.active_for_brand("mueller"):
        call(api, "post", f"/incidents/{incident.incident_id}/resolve", keys["admin"])
    container.clock.advance(days=2)
    now = container.clock()
    storm = [raw_mention(STORM, at=now - timedelta(seconds=9 * i)) for i in range(30)]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)
    result = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("evaluate_rules")
    return str(result["opened"][0])


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: Any, container: Any, tmp_path: Any) -> Iterator[Any]:
    """The application's container on one of the two stores; SNS and SQS are moto's either way.

    DynamoDB makes each request atomic and moto does not when requests overlap, so DynamoDB is reached
    through `atomic_moto` (the same moto, one request at a time; the jobs still interleave)."""
    if request.param == "dynamodb":
        update: dict[str, Any] = {"endpoint_url": request.getfixturevalue("atomic_moto")}
    else:
        update = {"store": "sqlite", "database_path": tmp_path / "k.db"}
    local = deps.Container(container.settings.model_copy(update=update), clock=container.clock)
    deps.override(local)
    yield local
    deps.override(container)


@pytest.fixture
def published(container: Any) -> Callable[[], Counter[tuple[str, str, str]]]:
    """Every message SNS accepted, by (alert id, channel, recipient): a queue subscribed to the alert
    topic without a filter."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName=f"count-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=container.settings.alert_topic_arn, Protocol="sqs", Endpoint=arn)
    seen: Counter[tuple[str, str, str]] = Counter()

    def drain() -> Counter[tuple[str, str, str]]:
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                attributes = json.loads(message["Body"])["MessageAttributes"]
                key = tuple(attributes[name]["Value"] for name in ("alert_id", "channel", "recipient"))
                seen[key] += 1  # type: ignore[index]
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return seen

    return drain

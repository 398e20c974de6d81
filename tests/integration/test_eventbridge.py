"""Events reach the company's bus in moto server: a rule on `source` and `detail-type` routes them to a
queue, as a company would route them to its own target."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from chalicelib.config import Settings
from chalicelib.deps import Container
from tests.event_samples import event_delivery, sample_envelope

pytestmark = pytest.mark.integration


@pytest.fixture
def routed(emulator: Any) -> dict[str, str]:
    """A bus and a rule sending SEV1 `incident.opened` events from Krisenradar to a queue."""
    name = f"krisenradar-{uuid.uuid4().hex[:8]}"
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["krisenradar"],
        "detail-type": ["incident.opened"],
        "detail": {"severity": ["SEV1"]},
    }
    events.put_rule(Name="sev1-opened", EventBusName=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="sev1-opened", EventBusName=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return {"bus": name, "queue_url": queue_url}


def _received(queue_url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


def test_an_opened_sev1_incident_reaches_the_companys_rule_target(
    routed: dict[str, str], emulator: Any
) -> None:
    # Given the application configured with the company's bus
    container = Container(
        Settings(stage="test", event_bus_name=routed["bus"], endpoint_url=emulator.endpoint)
    )
    assert container.events is not None
    envelope = sample_envelope("incident.opened")

    # When the incident.opened delivery is published
    event_id = container.events.publish(event_delivery(envelope, routed["bus"]))

    # Then the rule's queue holds the event: Krisenradar's source, the type as detail-type, data as detail
    (event,) = _received(routed["queue_url"])
    assert event["id"] == event_id
    assert event["source"] == "krisenradar"
    assert event["detail-type"] == "incident.opened"
    assert event["resources"] == []
    assert event["time"].startswith("2026-11-20T14:02:30")
    assert event["detail"] == {
        **envelope["data"],
        "type": "incident.opened",
        "timestamp": envelope["timestamp"],
    }
    assert event["detail"]["brand_name"] == "Müller Haushaltsgeräte GmbH"


def test_events_the_rule_does_not_ask_for_stay_off_its_target(routed: dict[str, str], emulator: Any) -> None:
    container = Container(
        Settings(stage="test", event_bus_name=routed["bus"], endpoint_url=emulator.endpoint)
    )
    assert container.events is not None
    container.events.publish(
        event_delivery(sample_envelope("incident.opened", severity="SEV3"), routed["bus"])
    )
    container.events.publish(event_delivery(sample_envelope("incident.resolved"), routed["bus"]))
    assert _received(routed["queue_url"]) == []


def test_without_a_bus_there_is_no_publisher() -> None:
    assert Container(Settings(stage="test")).events is None

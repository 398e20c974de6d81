"""The EventBridge publisher against a stubbed client: the entry it sends, and which refusals are retried
(DeliveryFailed) and which are recorded for good (DeliveryRejected)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError
from botocore.stub import ANY, Stubber

from chalicelib.adapters.eventbridge import MAX_ENTRY_BYTES, EventBridgePublisher
from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected
from tests.event_samples import event_delivery, sample_envelope

BUS = "krisenradar-test"


@pytest.fixture
def client() -> Any:
    return boto3.client("events", region_name="eu-central-1", endpoint_url="https://events.invalid")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _accepts(stub: Stubber, expected: dict[str, Any] | None = None) -> None:
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "evt-1"}]},
        expected or {"Entries": ANY},
    )


def _refuses_entry(stub: Stubber, code: str) -> None:
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": code, "ErrorMessage": f"{code} happened"}]},
        {"Entries": ANY},
    )


def test_an_event_goes_to_the_bus_with_its_type_as_detail_type_and_data_as_detail(
    client: Any, stub: Stubber
) -> None:
    # Given an incident.opened event for the bus
    envelope = sample_envelope("incident.opened")
    data = envelope["data"]
    detail = json.dumps(
        {**data, "type": "incident.opened", "timestamp": "2026-11-20T14:02:30Z"}, ensure_ascii=False
    )
    entry = {
        "EventBusName": BUS,
        "Source": "krisenradar",
        "DetailType": "incident.opened",
        "Detail": detail,
        "Resources": [],
        "Time": datetime(2026, 11, 20, 14, 2, 30, tzinfo=UTC),
    }
    _accepts(stub, {"Entries": [entry]})
    # When it is published, Then the entry is exactly that and the event id comes back
    assert EventBridgePublisher(client, BUS).publish(event_delivery(envelope, BUS)) == "evt-1"


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalFailure", "AccessDeniedException"])
def test_a_refusal_that_may_pass_later_is_retried(client: Any, stub: Stubber, code: str) -> None:
    _refuses_entry(stub, code)
    with pytest.raises(DeliveryFailed) as raised:
        EventBridgePublisher(client, BUS).publish(event_delivery(sample_envelope(), BUS))
    assert not isinstance(raised.value, DeliveryRejected)
    assert raised.value.details[0]["code"] == code


@pytest.mark.parametrize("code", ["MalformedDetail", "InvalidArgument"])
def test_a_malformed_entry_is_rejected_for_good(client: Any, stub: Stubber, code: str) -> None:
    _refuses_entry(stub, code)
    with pytest.raises(DeliveryRejected) as raised:
        EventBridgePublisher(client, BUS).publish(event_delivery(sample_envelope(), BUS))
    assert raised.value.details[0]["code"] == code


@pytest.mark.parametrize(
    ("code", "rejected"),
    [("ValidationException", True), ("ResourceNotFoundException", False), ("ThrottlingException", False)],
)
def test_a_refused_request_is_rejected_only_when_it_is_invalid(
    client: Any, stub: Stubber, code: str, rejected: bool
) -> None:
    stub.add_client_error("put_events", service_error_code=code, http_status_code=400)
    with pytest.raises(DeliveryFailed) as raised:
        EventBridgePublisher(client, BUS).publish(event_delivery(sample_envelope(), BUS))
    assert isinstance(raised.value, DeliveryRejected) is rejected


def test_an_unreachable_endpoint_is_retried(client: Any) -> None:
    def time_out(**_: Any) -> None:
        raise ConnectTimeoutError(endpoint_url="https://events.invalid")

    client.meta.events.register("before-send.events.PutEvents", time_out)
    with pytest.raises(DeliveryFailed) as raised:
        EventBridgePublisher(client, BUS).publish(event_delivery(sample_envelope(), BUS))
    assert not isinstance(raised.value, DeliveryRejected)


def test_an_event_over_256_kb_is_rejected_without_calling_eventbridge(client: Any, stub: Stubber) -> None:
    huge = sample_envelope(reasons=["x" * MAX_ENTRY_BYTES])
    with pytest.raises(DeliveryRejected) as raised:
        EventBridgePublisher(client, BUS).publish(event_delivery(huge, BUS))
    assert raised.value.details[0]["bytes"] > MAX_ENTRY_BYTES


def test_a_body_that_is_not_an_event_is_rejected(client: Any, stub: Stubber) -> None:
    delivery = event_delivery(sample_envelope(), BUS).model_copy(update={"body": "Neue Krise: Rauch"})
    with pytest.raises(DeliveryRejected):
        EventBridgePublisher(client, BUS).publish(delivery)
    other = event_delivery(sample_envelope(), BUS).model_copy(update={"event_type": "incident.resolved"})
    with pytest.raises(DeliveryRejected):
        EventBridgePublisher(client, BUS).publish(other)

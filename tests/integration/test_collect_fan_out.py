"""Sources run independently: the collect schedule sends one message per due source to the collect
queue (SQS in moto server), and the worker collects each one on its own, a broken one counted while
the others carry on."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from chalicelib.adapters.work_queue import SqsWorkQueue
from chalicelib.domain.errors import SourceMisconfigured
from chalicelib.services.collect import read_health
from tests.conftest import FakeClock
from tests.factories import raw_mention
from tests.fakes import ScriptedSource

pytestmark = pytest.mark.integration

FEED, X = f"presse-{uuid.uuid4().hex[:6]}", f"x-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def queue_url(container: Any) -> str:
    sqs = boto3.client("sqs", region_name=container.settings.region)
    url = sqs.create_queue(QueueName=f"krisenradar-test-collect-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    container.__dict__["collect_queue"] = SqsWorkQueue(sqs, url)
    return str(url)


def _received(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs", region_name="eu-central-1")
    bodies: list[str] = []
    while True:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _schedule(api: Any) -> dict[str, Any]:
    event = api.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return dict(api.lambda_.invoke("collect_mentions", event).payload)


def _work(api: Any, bodies: list[str]) -> dict[str, Any]:
    event = api.events.generate_sqs_event(message_bodies=bodies, queue_name="krisenradar-collect")
    return dict(api.lambda_.invoke("collect_source", event).payload)


def test_each_due_source_is_one_message_and_collected_on_its_own(
    api: Any, container: Any, clock: FakeClock, queue_url: str
) -> None:
    # Given two sources, one of which the platform refuses
    now = clock()
    healthy = ScriptedSource(FEED, [[raw_mention(at=now), raw_mention(at=now)]], poll_seconds=300)
    refused = ScriptedSource(X, [SourceMisconfigured("401")], poll_seconds=600)
    container.__dict__["sources"] = [healthy, refused]

    # When the schedule runs, it only enqueues: one message per source, nothing collected yet
    assert sorted(_schedule(api)["queued"]) == [FEED, X]
    bodies = _received(queue_url)
    assert sorted(json.loads(body)["source_id"] for body in bodies) == [FEED, X]
    assert healthy.calls == [] and refused.calls == []
    # And a minute later, with the units still waiting, it does not send them again
    clock.advance(minutes=1)
    assert _schedule(api)["queued"] == [] and _received(queue_url) == []

    # When the worker gets each message on its own
    results = {json.loads(body)["source_id"]: _work(api, [body]) for body in bodies}

    # Then the healthy source is stored, the refused one counted, each with its own health
    assert results[FEED]["stored"] == 2 and results[FEED]["failed"] == []
    assert results[X]["failed"] == [X]
    assert read_health(container.state, FEED).last_success_at == clock()
    assert read_health(container.state, X).last_error_kind == "misconfigured"

    # And five minutes later the healthy one is due again, the refused one waits for its next poll
    clock.advance(minutes=5)
    assert _schedule(api)["queued"] == [FEED]


def test_a_unit_no_worker_ran_is_sent_again_after_five_minutes(
    api: Any, container: Any, clock: FakeClock, queue_url: str
) -> None:
    lone = f"feed-{uuid.uuid4().hex[:6]}"
    container.__dict__["sources"] = [ScriptedSource(lone, [[]], poll_seconds=60)]
    assert _schedule(api)["queued"] == [lone]
    _received(queue_url)  # lost: no worker ran it

    clock.advance(minutes=4)
    assert _schedule(api)["queued"] == []
    clock.advance(minutes=1, seconds=1)
    assert _schedule(api)["queued"] == [lone]

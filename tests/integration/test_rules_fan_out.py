"""Brands are evaluated independently: the rules schedule sends one unit per brand and live drill to the
rules queue (SQS in moto server), and the worker `evaluate_brand` evaluates each one on its own. A brand
whose evaluation fails is reported back as a batch item failure and retried alone, while the others
open their incidents and alert; the same unit twice opens one incident; the local event source
mapping (`make run`) deletes what succeeded and hands the failure out again."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.work_queue import SqsWorkQueue
from chalicelib.domain.errors import AppError
from chalicelib.domain.models import DeliveryStatus, Principal, Role
from chalicelib.domain.playbook import Brand
from chalicelib.local.queues import EventSourceMapping, Poll, QueueFunction, lambda_event, queue_functions
from chalicelib.local.scheduler import LambdaContext
from chalicelib.observability import metrics
from chalicelib.services.drills import stop_drill
from chalicelib.services.incidents import resolve
from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention
from tests.threads import at_once

pytestmark = pytest.mark.integration

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"
BROKEN = "kaputt"
ADMIN = Principal(key_id="k-admin", name="Admin", role=Role.ADMIN)


class FailingFor:
    """The buckets of every brand but one, whose every read fails (a throttled partition)."""

    def __init__(self, brand: str, buckets: Any) -> None:
        self.brand, self._buckets = brand, buckets

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._buckets, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.brand in (*args[:1], kwargs.get("brand")):
                raise AppError("storage query failed", [{"cause": "ProvisionedThroughputExceededException"}])
            return method(*args, **kwargs)

        return call


def _with_broken_brand(container: Any) -> None:
    """A second brand, whose evaluation fails."""
    playbook = container.playbook
    broken = Brand(id=BROKEN, name="Kaputt AG", keywords=("Kaputt AG",))
    container.__dict__["playbook"] = playbook.model_copy(update={"brands": (*playbook.brands, broken)})
    container.__dict__["storage"] = dataclasses.replace(
        container.storage, buckets=FailingFor(BROKEN, container.storage.buckets)
    )


def _repaired(container: Any) -> None:
    container.__dict__["storage"] = dataclasses.replace(
        container.storage, buckets=container.storage.buckets._buckets
    )
    container.__dict__.pop("ports", None)


@pytest.fixture
def queue_url(container: Any) -> str:
    sqs = boto3.client("sqs", region_name=container.settings.region)
    url = sqs.create_queue(QueueName=f"krisenradar-test-rules-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    container.__dict__["rules_queue"] = SqsWorkQueue(sqs, url)
    return str(url)


@pytest.fixture
def worker() -> QueueFunction:
    import app as chalice_app

    (function,) = [f for f in queue_functions(chalice_app.app) if f.name == "evaluate_brand"]
    return function


def _mapping(worker: QueueFunction, queue_url: str, errors: list[BaseException]) -> EventSourceMapping:
    """The local event source mapping; failures come back at once (visibility 0) instead of in 90 s."""
    return EventSourceMapping(
        worker,
        client=boto3.client("sqs", region_name="eu-central-1"),
        queue_url=queue_url,
        region="eu-central-1",
        on_error=lambda name, error: errors.append(error),
        visibility_seconds=0,
    )


def _schedule() -> dict[str, Any]:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    return dict(Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("evaluate_rules"))


def _storm(container: Any) -> None:
    """No incident open for the brand (the module's tables are shared), then a complaint storm days later."""
    for incident in container.incidents.active_for_brand("mueller"):
        resolve(
            incident.incident_id,
            incidents=container.incidents,
            principal=ADMIN,
            note=None,
            now=container.clock(),
        )
    now = container.clock.advance(days=3)
    storm = [
        raw_mention(STORM, at=now - timedelta(seconds=7 * i), native_id=f"storm-{uuid.uuid4().hex}")
        for i in range(30)
    ]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)


def _received(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="eu-central-1")
    return list(
        sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        )
    )


def test_the_schedule_only_sends_one_unit_per_brand_keyed_by_brand_and_minute(
    container: Any, queue_url: str
) -> None:
    # Given two brands and a storm for one of them
    _with_broken_brand(container)
    _storm(container)
    minute = f"{container.clock():%Y-%m-%dT%H:%M}Z"

    # When the rules schedule runs
    result = _schedule()

    # Then it sent one unit per brand, named by brand and minute, and evaluated nothing itself
    assert result["queued"] == [f"mueller@{minute}", f"{BROKEN}@{minute}"]
    bodies = sorted((json.loads(m["Body"]) for m in _received(queue_url)), key=lambda b: b["brand_key"])
    assert bodies == [
        {"unit_id": f"{BROKEN}@{minute}", "brand_key": BROKEN, "minute": minute},
        {"unit_id": f"mueller@{minute}", "brand_key": "mueller", "minute": minute},
    ]
    assert container.incidents.active_for_brand("mueller") == []


def test_a_failing_brand_is_reported_alone_and_the_others_open_their_incident_and_alert(
    container: Any, api: Any, queue_url: str
) -> None:
    # Given two queued units, one for a brand whose evaluation fails
    _with_broken_brand(container)
    _storm(container)
    _schedule()
    messages = _received(queue_url)
    broken_id = next(m["MessageId"] for m in messages if json.loads(m["Body"])["brand_key"] == BROKEN)

    # When the worker gets both in one batch
    event = lambda_event(messages, "arn:aws:sqs:eu-central-1:123456789012:krisenradar-rules", "eu-central-1")
    response = api.lambda_.invoke("evaluate_brand", event).payload

    # Then only the broken brand's message is reported as failed, to be retried alone
    assert response == {"batchItemFailures": [{"itemIdentifier": broken_id}]}
    # And the healthy brand's incident is open, and its alerts left in the same run
    [incident] = container.incidents.active_for_brand("mueller")
    rows = container.outbox.list(incident_id=incident.incident_id, limit=100, next_token=None).items
    assert rows and all(row.status is DeliveryStatus.DELIVERED for row in rows)


def test_the_same_unit_twice_at_once_opens_one_incident_and_alerts_once(
    store: Any, published: Any, queue_url: str, worker: QueueFunction
) -> None:
    # Given a storm, and its brand's unit delivered twice (an overlapping run, SQS's at-least-once)
    _storm(store)
    for part in ("storage", "notifier", "enricher", "detector_config", "playbook", "seeded_users"):
        getattr(store, part)  # what a cold start builds once, before the overlapping runs share it
    store.__dict__["rules_queue"] = SqsWorkQueue(boto3.client("sqs", region_name="eu-central-1"), queue_url)
    _schedule()
    _schedule()  # the same minute: the same unit again
    messages = _received(queue_url)
    assert [json.loads(m["Body"])["brand_key"] for m in messages] == ["mueller", "mueller"]

    # When two workers evaluate them at the same instant
    def work(message: dict[str, Any]) -> Callable[[], Any]:
        event = lambda_event(
            [message], "arn:aws:sqs:eu-central-1:123456789012:krisenradar-rules", "eu-central-1"
        )
        return lambda: worker.handler(event, LambdaContext(function_name="krisenradar-test-evaluate-brand"))

    results = at_once([work(message) for message in messages])

    # Then both succeed, and one incident opened, whose every alert went out once
    assert results == [{"batchItemFailures": []}, {"batchItemFailures": []}]
    [incident] = store.incidents.active_for_brand("mueller")
    rows = store.outbox.list(incident_id=incident.incident_id, limit=100, next_token=None).items
    assert any("#incident_opened#" in row.alert_id for row in rows)
    assert all(row.status is DeliveryStatus.DELIVERED for row in rows)
    counts = published()
    sent = {(row.alert_id, row.channel, row.recipient) for row in rows if row.channel in ("sms", "email")}
    assert sent and {key: counts[key] for key in sent} == dict.fromkeys(sent, 1)
    assert [event.kind for event in incident.timeline].count("detected") == 1


def test_the_worker_counts_each_brands_outcome_as_its_own_metric(
    container: Any, api: Any, queue_url: str, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two queued units, one for a brand whose evaluation fails, and metrics on (CloudWatch EMF)
    _with_broken_brand(container)
    _storm(container)
    _schedule()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()  # what earlier tests added while metrics were off
    capsys.readouterr()

    # When the worker evaluates both
    event = lambda_event(_received(queue_url), "arn:aws:sqs:eu-central-1:1:krisenradar-rules", "eu-central-1")
    api.lambda_.invoke("evaluate_brand", event)

    # Then the broken brand's failure is counted under its name (its alarm), and the opened incident too
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [d["brand"] for d in lines if "BrandEvaluationFailed" in d] == [BROKEN]
    opened = [d["IncidentOpened"] for d in lines if "IncidentOpened" in d]  # a value, or one per unit
    assert sum(sum(v) if isinstance(v, list) else v for v in opened) == 1


def test_the_local_mapping_deletes_what_succeeded_and_hands_the_failure_out_again(
    container: Any, queue_url: str, worker: QueueFunction
) -> None:
    # Given two queued units, one for a brand whose evaluation fails
    _with_broken_brand(container)
    _storm(container)
    _schedule()
    errors: list[BaseException] = []
    mapping = _mapping(worker, queue_url, errors)

    # When the mapping polls: the healthy unit is done and deleted, the failed one is left
    assert mapping.poll_once() == Poll(received=2, deleted=1, left=1)
    assert len(container.incidents.active_for_brand("mueller")) == 1
    # ... and handed out again (and fails again) until the brand can be evaluated
    assert mapping.poll_once() == Poll(received=1, deleted=0, left=1)
    _repaired(container)
    assert mapping.poll_once() == Poll(received=1, deleted=1, left=0)

    # Then nothing is left, and the worker never raised (failures are reported, not thrown)
    assert mapping.poll_once() == Poll() and _received(queue_url) == []
    assert errors == []


def test_the_local_mapping_leaves_the_whole_batch_when_the_function_raises(
    container: Any, queue_url: str
) -> None:
    # Given a unit, and a function that fails as a whole (an invocation error, a timeout)
    container.rules_queue.send([{"brand_key": "mueller", "minute": "2026-11-20T14:02Z"}])

    def broken(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("function crashed")

    errors: list[BaseException] = []
    mapping = _mapping(QueueFunction("evaluate_brand", broken, "krisenradar-rules", 10), queue_url, errors)

    # When the mapping polls, the message stays and the error is reported
    assert mapping.poll_once() == Poll(received=1, deleted=0, left=1)
    assert [str(error) for error in errors] == ["function crashed"]
    assert len(_received(queue_url)) == 1


def test_a_drills_unit_evaluates_its_shadow_brand_and_records_the_drills_incident(
    container: Any, api: Any, keys: dict, queue_url: str, worker: QueueFunction
) -> None:
    # Given a drill whose storm has been collected
    for running in container.drills.running():
        stop_drill(running.drill_id, drills=container.drills, principal=ADMIN, now=container.clock())
    container.clock.advance(days=len(container.drills.list(limit=100, next_token=None).items) + 1)
    status, drill = call(
        api,
        "post",
        "/drills",
        keys["approver"],
        {"playbook": "produktmangel-rueckruf", "brand": "mueller", "speed": 600},
    )
    assert status == 201, drill
    schedule = api.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    assert api.lambda_.invoke("collect_mentions", schedule).payload["failed"] == []  # the calm week
    container.clock.advance(minutes=1)
    assert api.lambda_.invoke("collect_mentions", schedule).payload["stored"] >= 30  # the storm

    # When the schedule runs, it sends the drill's shadow brand as a unit of its own
    result = _schedule()
    assert result["drills"] == [drill["drill_id"]]
    assert f"{drill['brand_key']}@{container.clock():%Y-%m-%dT%H:%M}Z" in result["queued"]
    # ... and the worker evaluates it
    assert _mapping(worker, queue_url, []).poll_once().deleted == 2

    # Then the drill's incident opened on the shadow brand and is recorded on the drill
    [incident] = container.incidents.active_for_brand(drill["brand_key"])
    assert incident.drill_id == drill["drill_id"]
    assert container.drills.get(drill["drill_id"]).incident_id == incident.incident_id
    stop_drill(drill["drill_id"], drills=container.drills, principal=ADMIN, now=container.clock())

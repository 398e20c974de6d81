"""Services against fakes: collection (cursor after store, isolation) and the alert outbox."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.links import verify_link
from chalicelib.domain.messages import gsm7_length
from chalicelib.domain.models import DeliveryStatus, Incident, IncidentStatus, Severity
from chalicelib.services.alerts import LEASE, Alerting, deliver_pending, enqueue_alert, retry_delay
from chalicelib.services.collect import collect, cursor_key
from chalicelib.services.ingest import IngestResult
from tests.factories import raw_mention
from tests.fakes import (
    FlakyNotifier,
    MemoryOutbox,
    MemoryState,
    MemoryUsers,
    ScriptedSource,
    StaticSecrets,
    unavailable,
)

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
ALERTING = Alerting(
    playbook=PLAYBOOK,
    users=MemoryUsers(PLAYBOOK.team.as_users(NOW)),
    secrets=StaticSecrets(),
    public_url="https://krisenradar.example.de",
)


class RecordingStore:
    def __init__(self, fail_on_call: int | None = None) -> None:
        self.batches: list[list] = []
        self.fail_on_call = fail_on_call

    def __call__(self, raws: list) -> IngestResult:
        if self.fail_on_call is not None and len(self.batches) == self.fail_on_call:
            raise RuntimeError("DynamoDB throttled")
        self.batches.append(raws)
        return IngestResult(stored=len(raws))


def test_cursor_advances_only_after_the_page_is_stored() -> None:
    source = ScriptedSource("s", [[raw_mention(at=NOW)], [raw_mention(at=NOW)]])
    state = MemoryState()
    report = collect([source], state=state, store=RecordingStore(fail_on_call=1), now=NOW)
    assert report.failed == ["s"]
    assert state.get(cursor_key("s"))["cursor"] == {"page": 1}  # first page stored, second not
    store = RecordingStore()
    collect([source], state=state, store=store, now=NOW.replace(hour=15))
    assert len(store.batches) == 1  # the unstored page is fetched again
    assert state.get(cursor_key("s"))["cursor"] == {"page": 2}


def test_one_broken_source_does_not_stop_the_others() -> None:
    broken = ScriptedSource("broken", [unavailable()])
    crashing = ScriptedSource("crashing", [ValueError("bad json")])
    healthy = ScriptedSource("healthy", [[raw_mention(at=NOW), raw_mention(at=NOW)]])
    state = MemoryState()
    report = collect([broken, crashing, healthy], state=state, store=RecordingStore(), now=NOW)
    assert report.stored == 2
    assert sorted(report.failed) == ["broken", "crashing"]
    assert state.get(cursor_key("broken")) is None


def test_sources_are_polled_at_their_own_interval() -> None:
    state = MemoryState()
    source = ScriptedSource("slow", [[raw_mention(at=NOW)]], poll_seconds=300)
    collect([source], state=state, store=RecordingStore(), now=NOW)
    collect([source], state=state, store=RecordingStore(), now=NOW.replace(minute=1))
    assert len(source.calls) == 1
    collect([source], state=state, store=RecordingStore(), now=NOW.replace(minute=5))
    assert len(source.calls) == 2


def _incident(severity: Severity = Severity.SEV2) -> Incident:
    return Incident(
        incident_id="INC-20261120-AAAAAA",
        brand="mueller",
        topic="#rueckruf",
        title="t",
        status=IncidentStatus.OPEN,
        severity=severity,
        opened_at=NOW,
        updated_at=NOW,
        detected_at=NOW,
        first_signal_at=NOW,
    )


def test_enqueueing_the_same_alert_twice_writes_it_once() -> None:
    outbox = MemoryOutbox()
    _, first = enqueue_alert(_incident(), "incident_opened", alerting=ALERTING, outbox=outbox, now=NOW)
    _, second = enqueue_alert(_incident(), "incident_opened", alerting=ALERTING, outbox=outbox, now=NOW)
    assert first == len(outbox.rows) > 0
    assert second == 0


def test_a_failed_publish_is_retried_with_back_off_until_delivered_and_never_dropped() -> None:
    outbox = MemoryOutbox()
    enqueue_alert(_incident(), "incident_opened", alerting=ALERTING, outbox=outbox, now=NOW)
    notifier = FlakyNotifier(failures=2 * len(outbox.rows))  # SNS is down for two runs
    now = NOW
    for waited in (timedelta(seconds=30), timedelta(seconds=60)):
        report = deliver_pending(outbox=outbox, notifier=notifier, now=now)
        assert report.delivered == 0 and report.failed == len(outbox.rows)
        assert report.due == len({alert_id for alert_id, _ in outbox.rows})  # the backlog it found
        assert all(d.status is DeliveryStatus.PENDING for d in outbox.rows.values())
        assert all(d.next_attempt_at == now + waited for d in outbox.rows.values())
        # Not before the back-off has passed: a down SNS is not hammered every run.
        waiting = deliver_pending(outbox=outbox, notifier=notifier, now=now + waited / 2)
        assert waiting.failed == 0 and waiting.due == 0
        now += waited
    report = deliver_pending(outbox=outbox, notifier=notifier, now=now)
    assert report.published == len(outbox.rows)  # one message per recipient
    assert all(d.status is DeliveryStatus.DELIVERED for d in outbox.rows.values())
    assert all(d.attempts == 3 and d.last_error == "SNS is down" for d in outbox.rows.values())
    assert deliver_pending(outbox=outbox, notifier=notifier, now=now).published == 0


def test_the_back_off_doubles_and_stops_growing_at_fifteen_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 6, 20)] == [30, 60, 120, 240, 900, 900]


def test_overlapping_senders_publish_each_alert_once() -> None:
    outbox = MemoryOutbox()
    for severity in (Severity.SEV1, Severity.SEV2):
        enqueue_alert(_incident(severity), "incident_opened", alerting=ALERTING, outbox=outbox, now=NOW)
    notifier = FlakyNotifier()
    start = threading.Barrier(4)

    def sender() -> None:
        start.wait()
        deliver_pending(outbox=outbox, notifier=notifier, now=NOW)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((d.alert_id, d.target) for d in notifier.published) == sorted(outbox.rows)
    assert all(d.status is DeliveryStatus.DELIVERED for d in outbox.rows.values())


def test_a_sender_that_died_mid_publish_leaves_the_alert_to_the_next_one_after_its_lease() -> None:
    outbox = MemoryOutbox()
    enqueue_alert(_incident(), "incident_opened", alerting=ALERTING, outbox=outbox, now=NOW)
    [alert_id] = outbox.due(NOW, 10)
    assert outbox.claim(alert_id, holder="dead", now=NOW, lease=LEASE)  # then it crashed
    notifier = FlakyNotifier()
    assert deliver_pending(outbox=outbox, notifier=notifier, now=NOW + LEASE / 2).published == 0
    assert deliver_pending(outbox=outbox, notifier=notifier, now=NOW + LEASE).published == len(outbox.rows)
    # The dead sender's late settlement no longer counts.
    assert outbox.mark_delivered(outbox.for_alert(alert_id), holder="dead", message_id="x", at=NOW) == 0
    assert all(d.message_id and d.message_id.startswith("msg-") for d in outbox.rows.values())


def test_each_recipient_gets_their_own_text_with_a_link_only_they_can_use() -> None:
    outbox = MemoryOutbox()
    enqueue_alert(
        _incident(Severity.SEV1), "escalation", alerting=ALERTING, outbox=outbox, now=NOW, escalation_level=2
    )
    notifier = FlakyNotifier()
    deliver_pending(outbox=outbox, notifier=notifier, now=NOW)
    sms = {d.user_id: d for d in notifier.published if d.channel == "sms"}
    assert set(sms) == {"anna-schmidt", "jonas-weber", "petra-krause"}  # levels 1 and 2 at SEV1
    assert all(d.escalation_level == 2 and gsm7_length(d.body) <= 160 for d in sms.values())
    anna = sms["anna-schmidt"].body
    token = re.search(r"/#/i/INC-20261120-AAAAAA/([A-Za-z0-9_-]{27})", anna)
    assert token is not None and token.group(0) not in sms["jonas-weber"].body
    claims = verify_link(
        b"link-secret", token.group(1), incident_id="INC-20261120-AAAAAA", user_ids=["anna-schmidt"], now=NOW
    )
    assert claims.expires_at == NOW + timedelta(minutes=60)
    [integration] = [d for d in notifier.published if d.channel == "integration"]
    assert json.loads(integration.body)["alert_id"] == integration.alert_id and integration.user_id is None


def test_the_brands_own_posts_and_namesakes_are_not_mentions_and_authors_are_minimised() -> None:
    from datetime import timedelta

    from chalicelib.analysis.analyzer import get_analyzer
    from chalicelib.services.ingest import Enricher

    enricher = Enricher(
        analyzer=get_analyzer(), playbook=PLAYBOOK, retention=timedelta(days=90), clock=lambda: NOW
    )
    own = raw_mention("Wir prüfen die Meldungen zum Spülmeister.", at=NOW, handle="@Mueller_HG")
    namesake = raw_mention("Thomas Müller trifft wieder!", at=NOW)
    complaint = raw_mention("Mein Spülmeister 3000 qualmt, #Rückruf!", at=NOW, followers=60_000)
    assert not enricher.is_relevant(own)
    assert not enricher.is_relevant(namesake)
    assert enricher.is_relevant(complaint)
    mention = enricher.enrich(complaint)
    assert mention.expires_at == NOW + timedelta(days=90)
    assert mention.high_reach and mention.risk_weight >= 4
    assert set(mention.author.model_dump()) == {"handle", "followers", "is_media"}
    assert "#rueckruf" in mention.topics


def test_a_pulled_mention_dated_in_the_future_is_skipped_and_none_outlives_its_retention() -> None:
    from datetime import timedelta

    from chalicelib.analysis.analyzer import get_analyzer
    from chalicelib.services.ingest import Enricher

    # Given an enricher with a five-minute skew and 90 days of retention
    enricher = Enricher(
        analyzer=get_analyzer(),
        playbook=PLAYBOOK,
        retention=timedelta(days=90),
        clock=lambda: NOW,
        future_skew=timedelta(minutes=5),
    )
    complaint = "Mein Spülmeister 3000 qualmt!"

    # When a source returns posts dated in 2099, just within the skew, and an hour ago
    in_2099 = raw_mention(complaint, at=NOW.replace(year=2099))
    within = raw_mention(complaint, at=NOW + timedelta(minutes=4))
    earlier = raw_mention(complaint, at=NOW - timedelta(hours=1))

    # Then the 2099 post is not stored at all, and retention runs from no later than our clock
    assert not enricher.is_relevant(in_2099)
    assert enricher.enrich(within).expires_at == NOW + timedelta(days=90)
    assert enricher.enrich(earlier).expires_at == NOW - timedelta(hours=1) + timedelta(days=90)

"""The alert outbox: idempotent enqueueing, due alerts, leases and settling. SQLite, DynamoDB and the
memory fake the service tests use must agree, or a service test proves nothing about production."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.models import Delivery, DeliveryStatus
from chalicelib.ports import OutboxRepository
from tests.contract.builders import FORGED_TOKENS, alert, delivery, every_page, items, minutes, unique

NOW = minutes(60)
LEASE = timedelta(minutes=1)
SENDING, PENDING, DELIVERED = DeliveryStatus.SENDING, DeliveryStatus.PENDING, DeliveryStatus.DELIVERED


def due(outbox: OutboxRepository, now: object, ours: list[str]) -> list[str]:
    """The due alerts among `ours` (other tests' alerts share the table), in the order listed."""
    return [alert_id for alert_id in outbox.due(now, 10_000) if alert_id in ours]  # type: ignore[arg-type]


def states(outbox: OutboxRepository, alert_id: str) -> list[tuple[DeliveryStatus, str | None, int]]:
    return [(d.status, d.claimed_by, d.attempts) for d in outbox.for_alert(alert_id)]


def test_adding_an_alert_again_writes_nothing_twice(outbox: OutboxRepository) -> None:
    # Given an alert for two people
    alert_id, single = unique("alert"), unique("alert")
    rows = alert(alert_id, created_at=NOW)
    assert outbox.add(rows) == 2

    # When the evaluator enqueues it again with a third recipient, and another alert names one
    # recipient twice
    again = outbox.add([*rows, delivery(alert_id, created_at=NOW, channel="integration", recipient="hook")])
    doubled = outbox.add([delivery(single), delivery(single)])

    # Then only the new rows were written, once each, waiting to be sent
    assert (again, doubled) == (1, 1)
    assert [d.target for d in outbox.for_alert(alert_id)] == [
        "email#lagezentrum@example.org",
        "integration#hook",
        "sms#+4917000000001",
    ]
    assert states(outbox, alert_id) == [(PENDING, None, 0)] * 3
    assert len(outbox.for_alert(single)) == 1


def test_adding_a_delivered_alert_again_does_not_send_it_again(outbox: OutboxRepository) -> None:
    # Given an alert that was delivered
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))
    claimed = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)
    outbox.mark_delivered(claimed, holder="sender-1", message_id="msg-1", at=NOW)

    # When a retried rules run enqueues it again
    added = outbox.add(alert(alert_id, created_at=NOW))

    # Then it stays delivered and is not due
    assert added == 0
    assert states(outbox, alert_id) == [(DELIVERED, None, 1)] * 2
    assert due(outbox, NOW + timedelta(days=1), [alert_id]) == []


def test_due_alerts_come_oldest_first_once_each(outbox: OutboxRepository) -> None:
    # Given three alerts, enqueued out of order
    first, second, third = (unique(f"alert{n}") for n in (1, 2, 3))
    for alert_id, offset in ((third, 3), (first, 1), (second, 2)):
        outbox.add(alert(alert_id, created_at=minutes(offset)))

    # When the due alerts are listed
    listed = outbox.due(NOW, 10_000)

    # Then each alert is listed once, oldest first, and a limit keeps the oldest
    assert [a for a in listed if a in (first, second, third)] == [first, second, third]
    assert len(listed) == len(set(listed))
    assert outbox.due(NOW, 2) == listed[:2]


def test_due_leaves_out_delivered_and_backed_off_alerts_until_their_time(outbox: OutboxRepository) -> None:
    # Given a delivered alert, one waiting out a retry back-off, one claimed under a live lease, and a
    # fresh one
    delivered, backed_off, leased, fresh = ours = [unique(f"alert{n}") for n in range(4)]
    for offset, alert_id in enumerate(ours):
        outbox.add(alert(alert_id, created_at=minutes(offset)))
    claimed = outbox.claim(delivered, holder="sender-1", now=NOW, lease=LEASE)
    outbox.mark_delivered(claimed, holder="sender-1", message_id="msg-1", at=NOW)
    claimed = outbox.claim(backed_off, holder="sender-1", now=NOW, lease=LEASE)
    outbox.release(claimed, holder="sender-1", error="SNS throttled", retry_at=NOW + timedelta(minutes=5))
    outbox.claim(leased, holder="sender-1", now=NOW, lease=LEASE)

    # When due alerts are listed now, when the lease runs out, and when the back-off is over
    # Then only what may be sent at that moment is listed, oldest first
    assert due(outbox, NOW, ours) == [fresh]
    assert due(outbox, NOW + LEASE, ours) == [leased, fresh]
    assert due(outbox, NOW + timedelta(minutes=5), ours) == [backed_off, leased, fresh]


def test_a_claim_takes_every_row_of_the_alert_and_shuts_out_other_senders(outbox: OutboxRepository) -> None:
    # Given an alert for two people
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))

    # When one sender claims it, and another tries while the lease is live
    claimed = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)
    late = outbox.claim(alert_id, holder="sender-2", now=NOW + timedelta(seconds=59), lease=LEASE)

    # Then the first holds both rows until the lease ends and the second gets nothing
    assert sorted((d.target, d.status, d.claimed_by, d.lease_until) for d in claimed) == [
        ("email#lagezentrum@example.org", SENDING, "sender-1", NOW + LEASE),
        ("sms#+4917000000001", SENDING, "sender-1", NOW + LEASE),
    ]
    assert late == []
    assert states(outbox, alert_id) == [(SENDING, "sender-1", 0)] * 2
    assert due(outbox, NOW + timedelta(seconds=59), [alert_id]) == []


def test_after_the_lease_runs_out_another_sender_takes_over(outbox: OutboxRepository) -> None:
    # Given an alert whose sender stalled past its lease
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))
    stalled = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)

    # When another sender claims it, and then the stalled one wakes up and settles
    taken = outbox.claim(alert_id, holder="sender-2", now=NOW + LEASE, lease=LEASE)
    settled_late = outbox.mark_delivered(stalled, holder="sender-1", message_id="msg-late", at=NOW + LEASE)
    outbox.release(stalled, holder="sender-1", error="timeout", retry_at=NOW + LEASE)

    # Then the second sender holds both rows and the stalled one changed nothing
    assert [d.claimed_by for d in taken] == ["sender-2", "sender-2"]
    assert settled_late == 0
    assert states(outbox, alert_id) == [(SENDING, "sender-2", 0)] * 2
    assert outbox.mark_delivered(taken, holder="sender-2", message_id="msg-2", at=NOW + LEASE) == 2
    assert {d.message_id for d in outbox.for_alert(alert_id)} == {"msg-2"}


def test_marking_delivered_settles_the_rows_for_good(outbox: OutboxRepository) -> None:
    # Given a claimed alert
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))
    claimed = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)

    # When its sender reports SNS accepted it
    settled = outbox.mark_delivered(
        claimed, holder="sender-1", message_id="msg-1", at=NOW + timedelta(seconds=2)
    )

    # Then both rows are delivered with the message id and one attempt, and nobody sends it again
    assert settled == 2
    rows = outbox.for_alert(alert_id)
    assert [(d.status, d.attempts, d.message_id, d.delivered_at) for d in rows] == [
        (DELIVERED, 1, "msg-1", NOW + timedelta(seconds=2))
    ] * 2
    assert all(d.claimed_by is None and d.lease_until is None and d.next_attempt_at is None for d in rows)
    assert due(outbox, NOW + timedelta(days=1), [alert_id]) == []
    assert outbox.claim(alert_id, holder="sender-2", now=NOW + timedelta(days=1), lease=LEASE) == []


def test_releasing_after_a_failed_publish_retries_later(outbox: OutboxRepository) -> None:
    # Given a claimed alert
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))
    claimed = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)

    # When SNS refused it and the sender releases it for a retry in two minutes
    retry_at = NOW + timedelta(minutes=2)
    outbox.release(claimed, holder="sender-1", error="SNS throttled", retry_at=retry_at)

    # Then the rows wait with the attempt and the error recorded, and can be claimed at retry time
    rows = outbox.for_alert(alert_id)
    assert [(d.status, d.attempts, d.last_error, d.next_attempt_at, d.claimed_by) for d in rows] == [
        (PENDING, 1, "SNS throttled", retry_at, None)
    ] * 2
    assert outbox.claim(alert_id, holder="sender-2", now=retry_at - timedelta(seconds=1), lease=LEASE) == []
    again = outbox.claim(alert_id, holder="sender-2", now=retry_at, lease=LEASE)
    assert len(again) == 2
    outbox.mark_delivered(again, holder="sender-2", message_id="msg-2", at=retry_at)
    assert states(outbox, alert_id) == [(DELIVERED, None, 2)] * 2


def test_a_delivery_its_receiver_refused_is_failed_for_good_and_the_rest_goes_on(
    outbox: OutboxRepository,
) -> None:
    # Given an alert for two people and a Teams channel, claimed
    alert_id = unique("alert")
    teams = delivery(alert_id, created_at=NOW, channel="teams", recipient="teams-krisenstab")
    outbox.add([*alert(alert_id, created_at=NOW), teams])
    claimed = outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)
    chat = [d for d in claimed if d.channel == "teams"]
    people = [d for d in claimed if d.channel != "teams"]

    # When the people's messages went out and Teams answered 400
    outbox.mark_delivered(people, holder="sender-1", message_id="msg-1", at=NOW)
    outbox.mark_failed(chat, holder="sender-1", error="HTTP 400: invalid card")

    # Then the Teams row is failed with its error, and the alert is never due again
    [refused] = [d for d in outbox.for_alert(alert_id) if d.channel == "teams"]
    assert (refused.status, refused.attempts, refused.last_error, refused.claimed_by) == (
        DeliveryStatus.FAILED,
        1,
        "HTTP 400: invalid card",
        None,
    )
    assert due(outbox, NOW + timedelta(days=1), [alert_id]) == []
    assert outbox.claim(alert_id, holder="sender-2", now=NOW + timedelta(days=1), lease=LEASE) == []


def test_a_claim_takes_only_the_rows_still_due(outbox: OutboxRepository) -> None:
    # Given an alert whose SMS was delivered while its email failed and may be retried now
    alert_id = unique("alert")
    outbox.add(alert(alert_id, created_at=NOW))
    claimed = {d.channel: d for d in outbox.claim(alert_id, holder="sender-1", now=NOW, lease=LEASE)}
    email, sms = claimed["email"], claimed["sms"]
    outbox.mark_delivered([sms], holder="sender-1", message_id="msg-1", at=NOW)
    outbox.release([email], holder="sender-1", error="bounced", retry_at=NOW)

    # When another sender claims the alert
    again = outbox.claim(alert_id, holder="sender-2", now=NOW + timedelta(seconds=1), lease=LEASE)

    # Then it gets the email only
    assert [d.target for d in again] == [email.target]
    assert states(outbox, alert_id) == [(SENDING, "sender-2", 1), (DELIVERED, None, 1)]


def test_listing_is_newest_first_per_incident_and_pages_through_each_row_once(
    outbox: OutboxRepository,
) -> None:
    # Given three alerts of one incident and one of another, each for two people
    incident, other = unique("INC"), unique("INC")
    alerts = [unique("alert") for _ in range(4)]
    for offset, alert_id in enumerate(alerts):
        outbox.add(
            alert(alert_id, created_at=minutes(offset), incident_id=other if offset == 2 else incident)
        )
    ours = [d for alert_id in alerts for d in outbox.for_alert(alert_id)]

    def newest_first(rows: list[Delivery]) -> list[Delivery]:
        return sorted(rows, key=lambda d: (d.created_at, d.alert_id, d.target), reverse=True)

    # When the incident's rows are listed three at a time, and all rows five at a time
    per_incident = every_page(lambda token: outbox.list(incident_id=incident, limit=3, next_token=token))
    everything = items(every_page(lambda token: outbox.list(incident_id=None, limit=5, next_token=token)))

    # Then each listing holds every row it should exactly once, newest first
    assert len(per_incident) >= 2 and all(len(page.items) <= 3 for page in per_incident)
    assert items(per_incident) == newest_first([d for d in ours if d.incident_id == incident])
    assert [d for d in everything if d in ours] == newest_first(ours)
    assert len({(d.alert_id, d.target) for d in everything}) == len(everything)


def test_one_targets_rows_are_a_query_newest_first_and_page_through_each_once(
    outbox: OutboxRepository,
) -> None:
    # Given seven alerts that went to one webhook among people's messages, and two to another webhook
    hook, other = unique("wh_"), unique("wh_")
    mine: list[Delivery] = []
    for offset in range(9):
        alert_id = unique("alert")
        rows = alert(alert_id, created_at=minutes(offset))
        webhook = delivery(alert_id, created_at=minutes(offset), channel="webhook", recipient=hook)
        if offset in (3, 6):
            webhook = webhook.model_copy(update={"recipient": other})
        else:
            mine.append(webhook)
        outbox.add([*rows, webhook])

    # When the webhook's rows are listed two at a time (its delivery log)
    pages = every_page(
        lambda token: outbox.list(incident_id=None, limit=2, next_token=token, target=f"webhook#{hook}")
    )

    # Then the log holds its rows only, each once, newest first, in full pages
    assert [d.alert_id for d in items(pages)] == [d.alert_id for d in reversed(mine)]
    assert [len(page.items) for page in pages[:-1]] == [2, 2, 2]


@pytest.mark.parametrize("forged", FORGED_TOKENS)
def test_listing_rejects_a_token_it_did_not_issue(outbox: OutboxRepository, forged: str) -> None:
    # Given an alert
    outbox.add(alert(unique("alert")))

    # When a client pages with a token no listing issued
    # Then it is told its input is invalid
    with pytest.raises(InvalidInput):
        outbox.list(incident_id=None, limit=10, next_token=forged)

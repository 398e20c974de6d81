"""The delivery log of one webhook subscription (services/webhooks.py `deliveries`), over the memory
outbox: only this subscription's webhook rows, newest first, nothing lost or repeated across pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import NotFound
from chalicelib.domain.models import Delivery, Severity
from chalicelib.domain.webhooks import WebhookSubscription
from chalicelib.services.webhooks import deliveries
from tests.fakes import MemoryOutbox, MemoryWebhooks

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
MINE = "wh_00000000000000aa"
OTHER = "wh_00000000000000bb"


def _row(n: int, channel: str, recipient: str) -> Delivery:
    # model_construct: the sender's "webhook" channel may be newer than this checkout's Delivery model
    return Delivery.model_construct(
        alert_id=f"ALR-{n:05d}",
        incident_id="INC-20261120-AAAAAA",
        brand="mueller",
        event_type="incident.opened",
        severity=Severity.SEV1,
        channel=channel,
        recipient=recipient,
        user_id=None,
        escalation_level=1,
        subject="incident.opened",
        body="{}",
        attempts=0,
        created_at=T0 + timedelta(seconds=n),
    )


@pytest.fixture
def webhooks() -> MemoryWebhooks:
    repository = MemoryWebhooks()
    for webhook_id in (MINE, OTHER):
        repository.create(
            WebhookSubscription(
                webhook_id=webhook_id,
                url="https://crm.example.de/hook",
                events=("incident.opened",),
                secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                created_at=T0,
                created_by="Anna Schmidt",
            )
        )
    return repository


def test_the_log_pages_through_this_webhooks_rows_only_newest_first(webhooks: MemoryWebhooks) -> None:
    # Given 300 outbox rows: every 50th to this webhook, others to another webhook and to a person
    outbox = MemoryOutbox()
    mine = {n for n in range(300) if n % 50 == 7}
    outbox.add(
        [
            _row(n, "webhook", MINE) if n in mine else _row(n, "webhook" if n % 2 else "email", OTHER)
            for n in range(300)
        ]
    )
    # When the log is read two at a time until it ends
    seen: list[str] = []
    token = None
    while True:
        page = deliveries(MINE, webhooks=webhooks, outbox=outbox, limit=2, next_token=token)
        seen += [d.alert_id for d in page.items]
        token = page.next_token
        if token is None:
            break
    # Then every row of this webhook came once, newest first, and nothing else
    assert seen == [f"ALR-{n:05d}" for n in sorted(mine, reverse=True)]


def test_an_unknown_webhook_has_no_log(webhooks: MemoryWebhooks) -> None:
    with pytest.raises(NotFound):
        deliveries("wh_00000000000000cc", webhooks=webhooks, outbox=MemoryOutbox(), limit=25, next_token=None)

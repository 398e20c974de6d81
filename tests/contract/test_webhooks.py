"""Webhook subscriptions on both stores (and the memory fake): create once, get by id with the secret
the sender needs, list, optimistic locking, delete.

The tables are shared by the module's tests, so each test works on subscriptions of its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import webhooks as rules
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.webhooks import WebhookSubscription
from chalicelib.ports import WebhookRepository
from tests.contract.builders import T0, minutes
from tests.contract.conftest import DYNAMODB, MEMORY, SQLITE, _store
from tests.fakes import MemoryWebhooks


@pytest.fixture(params=[SQLITE, DYNAMODB, MEMORY])
def webhooks(request: pytest.FixtureRequest) -> WebhookRepository:
    if request.param == "memory":
        return MemoryWebhooks()
    return _store(request, request.param).webhooks


def subscription(**changes: Any) -> WebhookSubscription:
    webhook = WebhookSubscription(
        webhook_id=rules.new_webhook_id(),
        url="https://crm.example.de/hooks/krisenradar",
        events=("incident.opened", "incident.resolved"),
        secret=rules.new_secret(),
        created_at=T0,
        created_by="Anna Schmidt",
    )
    return webhook.model_copy(update=changes)


def test_a_created_subscription_is_read_back_with_what_the_sender_needs(webhooks: WebhookRepository) -> None:
    # Given a new subscription
    new = subscription()
    # When it is created and read back
    created = webhooks.create(new)
    loaded = webhooks.get(new.webhook_id)
    # Then it has version 1 and carries URL, secret, events and the paused flag
    assert created.version == 1
    assert loaded == created
    assert (loaded.url, loaded.secret, loaded.events, loaded.paused) == (
        new.url,
        new.secret,
        new.events,
        False,
    )


def test_an_id_is_created_once(webhooks: WebhookRepository) -> None:
    new = subscription()
    webhooks.create(new)
    with pytest.raises(Conflict):
        webhooks.create(new.model_copy(update={"url": "https://other.example.de/"}))
    assert webhooks.get(new.webhook_id).url == new.url


def test_an_unknown_id_is_not_found(webhooks: WebhookRepository) -> None:
    with pytest.raises(NotFound):
        webhooks.get(rules.new_webhook_id())


def test_the_listing_holds_every_subscription_oldest_first(webhooks: WebhookRepository) -> None:
    # Given two subscriptions created a minute apart (the later one first)
    later = webhooks.create(subscription(created_at=minutes(1)))
    earlier = webhooks.create(subscription(created_at=minutes(-1)))
    # When the subscriptions are listed
    ids = [w.webhook_id for w in webhooks.list()]
    # Then both are there, the earlier first
    assert ids.index(earlier.webhook_id) < ids.index(later.webhook_id)


def test_a_save_pauses_and_a_stale_save_is_a_conflict(webhooks: WebhookRepository) -> None:
    # Given a subscription, and a second copy of it loaded before the first save
    created = webhooks.create(subscription())
    # When one writer pauses it
    paused = webhooks.save(created.model_copy(update={"paused": True, "updated_by": "Ben"}))
    # Then the pause is stored with a new version, and the stale copy cannot overwrite it
    assert paused.version == 2
    assert webhooks.get(created.webhook_id).paused is True
    with pytest.raises(Conflict):
        webhooks.save(created.model_copy(update={"events": ("draft.approved",)}))
    assert webhooks.get(created.webhook_id).events == created.events


def test_a_deleted_subscription_is_gone_and_stays_gone(webhooks: WebhookRepository) -> None:
    # Given a subscription
    created = webhooks.create(subscription())
    # When it is deleted
    webhooks.delete(created.webhook_id)
    # Then it cannot be read, listed, deleted again or brought back by a stale save
    with pytest.raises(NotFound):
        webhooks.get(created.webhook_id)
    assert created.webhook_id not in {w.webhook_id for w in webhooks.list()}
    with pytest.raises(NotFound):
        webhooks.delete(created.webhook_id)
    with pytest.raises(NotFound):
        webhooks.save(created)
    with pytest.raises(NotFound):
        webhooks.get(created.webhook_id)

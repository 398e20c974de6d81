"""Writers that race, as Lambda invocations and the local scheduler's threads do: a claim is won by
exactly one sender, and overlapping ingestion stores and counts every mention once.

On DynamoDB the threads go through a moto endpoint that answers one request at a time, the atomicity
DynamoDB gives every request and moto's threaded server does not (see conftest._OneRequestAtATime).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from chalicelib.domain.models import Mention
from chalicelib.ports import Storage
from tests.contract.builders import (
    WIDE,
    alert,
    every_page,
    expected_buckets,
    items,
    mention,
    minutes,
    read_buckets,
    unique,
)
from tests.contract.conftest import DynamoStore, new_dynamo_store
from tests.threads import at_once

THREADS = 4
NOW = minutes(60)
LEASE = timedelta(minutes=1)


@pytest.fixture(scope="module")
def dynamo_store(atomic_moto: str) -> DynamoStore:
    """This module's DynamoDB tables, behind the moto endpoint that keeps each request atomic."""
    return new_dynamo_store(atomic_moto)


def test_of_senders_claiming_an_alert_at_once_exactly_one_gets_it(storage: Storage) -> None:
    for _ in range(3):
        # Given an alert for two people
        alert_id = unique("alert")
        storage.outbox.add(alert(alert_id, created_at=NOW))

        # When four senders claim it at the same instant
        claims = at_once(
            [
                partial(storage.outbox.claim, alert_id, holder=f"sender-{n}", now=NOW, lease=LEASE)
                for n in range(THREADS)
            ]
        )

        # Then one sender holds both rows and the others got nothing
        winners = [claimed for claimed in claims if claimed]
        assert len(winners) == 1 and len(winners[0]) == 2
        holder = winners[0][0].claimed_by
        assert [d.claimed_by for d in storage.outbox.for_alert(alert_id)] == [holder, holder]


def _mentions(brand: str) -> list[Mention]:
    """Twelve mentions over two buckets, with topics, so every counter kind is raced on."""
    return [
        mention(
            brand, minutes(offset * 0.75), reach=10 * (offset + 1), topics=("rueckruf",) if offset % 2 else ()
        )
        for offset in range(12)
    ]


def _assert_stored_once(storage: Storage, brand: str, mentions: list[Mention], reported: list[int]) -> None:
    listed = items(every_page(lambda token: storage.mentions.list_by_brand(brand, *WIDE, 50, token)))
    assert sum(reported) == len(mentions)
    assert sorted(m.mention_id for m in listed) == sorted(m.mention_id for m in mentions)
    assert read_buckets(storage, brand) == expected_buckets(mentions)


def test_overlapping_batches_stored_at_once_store_and_count_each_mention_once(
    storage: Storage, brand: str
) -> None:
    # Given twelve mentions and four collectors whose batches overlap (each mention is in two batches)
    mentions = _mentions(brand)
    batches = [[mentions[(3 * n + i) % 12] for i in range(6)] for n in range(THREADS)]

    # When the four store their batches at the same instant
    reported = at_once([partial(storage.mentions.store_all, batch) for batch in batches])

    # Then each mention was reported new once, is listed once and counted once
    _assert_stored_once(storage, brand, mentions, reported)


def test_different_batches_stored_at_once_are_all_counted(storage: Storage, brand: str) -> None:
    # Given twelve mentions split among four collectors, all into the same buckets
    mentions = _mentions(brand)
    batches = [mentions[n::THREADS] for n in range(THREADS)]

    # When the four store their batches at the same instant
    reported = at_once([partial(storage.mentions.store_all, batch) for batch in batches])

    # Then no counter lost an update
    _assert_stored_once(storage, brand, mentions, reported)

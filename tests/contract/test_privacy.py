"""DSGVO on both stores: expired rows are never read, an author's mentions and drafts are found through
the author index, erasing a mention takes exactly its counts out of its buckets (once, however often it
is asked), and SQLite's retention deletes what has expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.models import AuditEntry, Author, Mention
from chalicelib.ports import Storage
from tests.contract.builders import (
    T0,
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
from tests.contract.test_drafts import draft
from tests.threads import at_once


@pytest.fixture(scope="module")
def dynamo_store(atomic_moto: str) -> DynamoStore:
    """Racing erasures must meet DynamoDB's transactions, not moto's threading (tests/conftest.py)."""
    return new_dynamo_store(atomic_moto)


def by(handle: str, stored: Mention) -> Mention:
    return stored.model_copy(update={"author": Author(handle=handle, followers=stored.reach)})


def expired(stored: Mention) -> Mention:
    """Expired a second ago (the stores read with the real clock), not yet deleted by anyone."""
    return stored.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})


def test_expired_mentions_are_never_read_even_before_they_are_deleted(storage: Storage, brand: str) -> None:
    # Given a live mention and one whose retention ended a second ago
    live = mention(brand, minutes(1), reach=10)
    gone = expired(mention(brand, minutes(2), reach=99_000))
    storage.mentions.store_all([live, gone])

    # When the brand's mentions, its loudest ones and the mention a draft answers are read
    listed = items(every_page(lambda t: storage.mentions.list_by_brand(brand, *WIDE, 100, t)))
    top = storage.mentions.top_for_incident(brand, *WIDE, 10)

    # Then only the live one is there
    assert [m.mention_id for m in listed] == [live.mention_id]
    assert [m.mention_id for m in top] == [live.mention_id]
    assert storage.drafts.mention(gone.mention_id) is None
    assert storage.drafts.mention(live.mention_id) == live


def test_an_authors_mentions_are_found_however_the_handle_is_written(storage: Storage, brand: str) -> None:
    # Given two posts by one author on X (written "@Anna_K" and "anna_k"), one by her namesake on
    # Mastodon, and one by somebody else
    handle = unique("Anna")
    first = by(f"@{handle}", mention(brand, minutes(1)))
    second = by(handle.lower(), mention(brand, minutes(2)))
    namesake = by(f"@{handle}", mention(brand, minutes(3), platform="mastodon"))
    other = by(f"@{unique('bob')}", mention(brand, minutes(4)))
    storage.mentions.store_all([first, second, namesake, other])

    # When her mentions on X are looked up
    found = storage.mentions.for_author("x", f"@{handle.upper()}")

    # Then both of hers are found, oldest first, and nobody else's
    assert [m.mention_id for m in found] == [first.mention_id, second.mention_id]
    assert [m.mention_id for m in storage.mentions.for_author("mastodon", handle)] == [namesake.mention_id]


def test_erasing_a_mention_takes_exactly_its_counts_out_of_its_buckets(storage: Storage, brand: str) -> None:
    # Given mentions of every kind in two buckets, with topics
    handle = unique("@erase")
    kept = [
        mention(brand, minutes(1), risk_terms=("feuer",), risk_weight=5, topics=("rueckruf",)),
        mention(brand, minutes(6), sentiment="neutral", reach=70),
    ]
    erased = [
        by(
            handle, mention(brand, minutes(2), risk_terms=("feuer",), risk_weight=5, topics=("rueckruf", "x"))
        ),
        by(handle, mention(brand, minutes(7), high_reach=True, reach=90_000, arousal=0.3333)),
    ]
    storage.mentions.store_all([*kept, *erased])

    # When the author's mentions are erased, twice
    first = [storage.mentions.erase(m) for m in storage.mentions.for_author("x", handle)]
    again = [storage.mentions.erase(m) for m in erased]

    # Then each was erased once, the buckets say what the kept mentions alone say, and the author is gone
    assert first == [True, True] and again == [False, False]
    after = read_buckets(storage, brand)
    assert [b.model_copy(update={"topics": {k: v for k, v in b.topics.items() if v}}) for b in after] == (
        expected_buckets(kept)
    )
    assert storage.mentions.for_author("x", handle) == []
    listed = items(every_page(lambda t: storage.mentions.list_by_brand(brand, *WIDE, 100, t)))
    assert sorted(m.mention_id for m in listed) == sorted(m.mention_id for m in kept)


def test_racing_erasures_of_one_mention_count_it_out_once(storage: Storage, brand: str) -> None:
    # Given one mention of an author beside another mention in its bucket
    handle = unique("@race")
    target = by(handle, mention(brand, minutes(1), reach=500))
    neighbour = mention(brand, minutes(2), reach=40)
    storage.mentions.store_all([target, neighbour])

    # When four erasures of it run at once
    results = at_once([lambda: storage.mentions.erase(target)] * 4)

    # Then exactly one erased it and the bucket holds the neighbour alone, never less
    assert sorted(results) == [False, False, False, True]
    [bucket] = read_buckets(storage, brand)
    assert (bucket.total, bucket.reach) == (1, 40)


def test_an_authors_drafts_are_found_by_the_mention_they_answer(storage: Storage) -> None:
    # Given a draft answering her post, one answering someone else's, and a statement answering nobody
    handle = unique("@kundin")
    hers = storage.drafts.create(draft(mention_id="x#1", author_handle=handle))
    storage.drafts.create(draft(mention_id="x#2", author_handle=unique("@other")))
    storage.drafts.create(draft(mention_id=None, author_handle=None))

    # When her drafts are looked up, then after the draft no longer names her
    found = storage.drafts.for_author("x", handle.lstrip("@"))
    storage.drafts.save(found[0].model_copy(update={"author_handle": None, "mention_id": None}))

    # Then hers was found, and once it names nobody it is not
    assert [d.draft_id for d in found] == [hers.draft_id]
    assert storage.drafts.for_author("x", handle) == []


def test_outbox_rows_past_their_retention_are_never_read(storage: Storage) -> None:
    # Given an alert created 31 days ago (retention: 30 days) and one created now
    old, new = unique("ALR-old"), unique("ALR-new")
    now = datetime.now(UTC).replace(microsecond=0)
    incident_id = unique("INC")
    storage.outbox.add(alert(old, created_at=now - timedelta(days=31), incident_id=incident_id))
    storage.outbox.add(alert(new, created_at=now, incident_id=incident_id))

    # When the alerts are read every way they are read
    listed = items(every_page(lambda t: storage.outbox.list(incident_id=incident_id, limit=10, next_token=t)))
    due = storage.outbox.due(now, 1000)

    # Then the old one is nowhere, and it cannot be claimed and sent
    assert {d.alert_id for d in listed} == {new}
    assert storage.outbox.for_alert(old) == []
    assert old not in due and new in due
    assert storage.outbox.claim(old, holder="job", now=now, lease=timedelta(minutes=1)) == []


def test_expired_audit_entries_are_never_read(storage: Storage) -> None:
    target = unique("incident:INC")
    now = datetime.now(UTC)
    for entry_id, expires_at in (
        ("2026-11-20T10:00:00Z#a", now - timedelta(seconds=1)),
        ("2026-11-20T11:00:00Z#b", now + timedelta(days=1)),
    ):
        storage.audit.append(
            AuditEntry(
                entry_id=f"{entry_id}{unique('')}",
                at=T0,
                actor="Admin",
                actor_key_id="k",
                action="POST /x",
                target=target,
                status=200,
                expires_at=expires_at,
            )
        )

    listed = storage.audit.list(target=target, limit=10, next_token=None).items

    assert [e.entry_id[:22] for e in listed] == ["2026-11-20T11:00:00Z#b"]


@pytest.mark.parametrize("store", ["sqlite"])
def test_sqlite_retention_deletes_what_has_expired_and_nothing_else(store: str, tmp_path: object) -> None:
    from pathlib import Path

    from tests.contract.conftest import _sqlite

    # Given a store of its own with a live and an expired mention and an old and a new alert
    storage = _sqlite(Path(str(tmp_path)) / "retention.db")
    now = datetime.now(UTC)
    live, gone = mention("b", minutes(1)), expired(mention("b", minutes(2)))
    storage.mentions.store_all([live, gone])
    storage.outbox.add(alert("ALR-old", created_at=now - timedelta(days=31)))
    storage.outbox.add(alert("ALR-new", created_at=now - timedelta(days=29)))

    # When the retention job purges
    purged = storage.retention.purge_expired(now)

    # Then the expired rows are deleted (not just hidden), and the rest is kept
    assert purged["mentions"] == 1 and purged["outbox"] == 2
    assert storage.mentions.for_author("x", "@kundin") == [live]
    assert [d.alert_id for d in storage.outbox.for_alert("ALR-new")] == ["ALR-new"] * 2
    assert storage.retention.purge_expired(now) == {"mentions": 0, "buckets": 0, "outbox": 0, "audit": 0}


@pytest.mark.integration
def test_the_backfill_puts_items_from_before_the_author_index_into_it(dynamo_store: DynamoStore) -> None:
    from chalicelib.adapters.dynamo.backfill import backfill
    from chalicelib.adapters.dynamo.models import DeliveryItem, DraftItem, MentionItem
    from tests.contract.conftest import _dynamo

    storage = _dynamo(dynamo_store.table_names, dynamo_store.endpoint, create_missing=False)
    # Given a mention, a draft and an alert as an older version wrote them (no author key, no TTL)
    handle = unique("@early")
    old = by(handle, mention(unique("brand"), minutes(1)))
    storage.mentions.store_all([old])
    MentionItem(old.mention_id).update(actions=[MentionItem.author_key.remove()])
    answer = storage.drafts.create(draft(mention_id=old.mention_id, author_handle=handle))
    DraftItem.get(answer.draft_id).update(actions=[DraftItem.author_key.remove()])
    alert_id = unique("ALR")
    storage.outbox.add(alert(alert_id, created_at=datetime.now(UTC)))
    for row in DeliveryItem.query(alert_id):
        row.update(actions=[DeliveryItem.expires_at.remove()])
    assert storage.mentions.for_author("x", handle) == [] and storage.drafts.for_author("x", handle) == []

    # When the backfill runs, twice
    first, second = backfill(timedelta(days=30)), backfill(timedelta(days=30))

    # Then the author's data is found again, every alert row has its TTL, and the repeat finds nothing
    assert first["mentions"] >= 1 and first["drafts"] >= 1 and first["outbox"] >= 2
    assert second == {"mentions": 0, "drafts": 0, "outbox": 0}
    assert [m.mention_id for m in storage.mentions.for_author("x", handle)] == [old.mention_id]
    assert [d.draft_id for d in storage.drafts.for_author("x", handle)] == [answer.draft_id]
    assert all(row.expires_at is not None for row in DeliveryItem.query(alert_id))

"""Mentions and their 5-minute buckets: the same contract on SQLite and DynamoDB."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.models import Mention
from chalicelib.ports import Storage
from tests.contract.builders import (
    DEEPLY_NESTED_TOKEN,
    FORGED_TOKENS,
    SEVERE_WEIGHT,
    WIDE,
    every_page,
    expected_buckets,
    items,
    mention,
    minutes,
    read_buckets,
)


def listed(storage: Storage, brand: str, since: datetime, until: datetime, limit: int = 100) -> list[Mention]:
    return items(every_page(lambda token: storage.mentions.list_by_brand(brand, since, until, limit, token)))


def test_storing_counts_only_the_mentions_that_are_new(storage: Storage, brand: str) -> None:
    # Given two mentions already stored
    first = [mention(brand, minutes(1)), mention(brand, minutes(2))]
    assert storage.mentions.store_all(first) == 2

    # When a later batch repeats both and brings one new mention
    stored = storage.mentions.store_all([*first, mention(brand, minutes(3))])

    # Then only the new one is reported and counted
    assert stored == 1
    assert [bucket.total for bucket in storage.buckets.range(brand, *WIDE)] == [3]
    assert len(listed(storage, brand, *WIDE)) == 3


def test_a_mention_repeated_within_one_batch_is_stored_and_counted_once(storage: Storage, brand: str) -> None:
    # Given a batch in which a source delivered the same post twice, and a post on another platform
    # that happens to carry the same native id
    post = mention(brand, minutes(1), reach=300)
    namesake = mention(brand, minutes(1), native_id=post.native_id, platform="facebook", reach=20)

    # When the batch is stored
    stored = storage.mentions.store_all([post, post, namesake])

    # Then the repeat is dropped, and platform plus native id tell the two posts apart
    assert stored == 2
    assert sorted(m.mention_id for m in listed(storage, brand, *WIDE)) == sorted(
        [post.mention_id, namesake.mention_id]
    )
    assert read_buckets(storage, brand) == expected_buckets([post, namesake])


def test_a_batch_stored_again_later_changes_no_counter(storage: Storage, brand: str) -> None:
    # Given a batch stored once
    batch = [
        mention(brand, minutes(1), risk_terms=("feuer",), risk_weight=5, topics=("brand",)),
        mention(brand, minutes(6), sentiment="neutral", high_reach=True, reach=90_000),
    ]
    storage.mentions.store_all(batch)
    before = read_buckets(storage, brand)

    # When the collector retries the same batch
    stored = storage.mentions.store_all(batch)

    # Then nothing is new and no bucket counter moved
    assert stored == 0
    assert read_buckets(storage, brand) == before == expected_buckets(batch)


def test_bucket_counters_add_up_what_was_stored(storage: Storage, brand: str) -> None:
    # Given mentions of every kind across two 5-minute buckets
    batch = [
        mention(
            brand,
            minutes(0),
            reach=12_000,
            high_reach=True,
            risk_terms=("brand", "rauch"),
            risk_weight=5,
            topics=("rueckruf", "brand"),
            first_person=2,
            arousal=0.8123,
        ),
        mention(brand, minutes(1.5), sentiment="neutral", reach=40, topics=("rueckruf",), arousal=0.1),
        mention(
            brand, minutes(4.99), sentiment="positive", reach=10, topics=tuple(f"t{i}" for i in range(7))
        ),
        mention(
            brand, minutes(5), risk_terms=("verletzt",), risk_weight=SEVERE_WEIGHT - 1, topics=("brand",)
        ),
        mention(brand, minutes(9), risk_terms=("gift",), risk_weight=SEVERE_WEIGHT, first_person=0),
    ]

    # When they are stored
    assert storage.mentions.store_all(batch) == 5

    # Then each bucket holds exactly what its mentions add up to
    buckets = read_buckets(storage, brand)
    assert buckets == expected_buckets(batch)
    assert [(b.start, b.total, b.negative, b.severe, b.high_reach) for b in buckets] == [
        (minutes(0), 3, 1, 1, 1),
        (minutes(5), 2, 2, 1, 0),
    ]
    assert buckets[0].topics["rueckruf"] == 2
    assert "t6" not in buckets[0].topics  # only the first topics of a mention are counted


def test_a_backlog_larger_than_one_write_with_old_mentions_among_it_counts_each_once(
    storage: Storage, brand: str
) -> None:
    # Given 40 mentions stored before, and a backlog of 330 across 12 buckets and many topics that
    # holds those 40 again (spread through it) and 30 repeats within itself
    known = [mention(brand, minutes(i % 60), topics=("rueckruf",)) for i in range(40)]
    assert storage.mentions.store_all(known) == 40
    fresh = [mention(brand, minutes(i % 60), topics=(f"t{i % 9}", "rueckruf")) for i in range(290)]
    backlog = [*fresh[:100], *known[:20], *fresh[100:], *known[20:], *fresh[:30]]

    # When the backlog is stored in one call
    stored = storage.mentions.store_all(backlog)

    # Then only the new ones are stored, and every bucket counts each mention exactly once
    assert stored == 290
    assert read_buckets(storage, brand) == expected_buckets([*known, *fresh])


def test_buckets_in_a_range_start_within_it_and_come_oldest_first(storage: Storage, brand: str) -> None:
    # Given one mention (with a topic) in each of four consecutive buckets, stored out of order, and
    # another brand in the same buckets
    batch = [mention(brand, minutes(offset), topics=(f"topic{offset}",)) for offset in (15, 0, 10, 5)]
    storage.mentions.store_all(batch)
    storage.mentions.store_all([mention(f"{brand}-other", minutes(offset)) for offset in (5, 10)])

    # When ranges are read
    def starts(since: float, until: float) -> list[tuple[datetime, dict[str, int]]]:
        return [(b.start, b.topics) for b in storage.buckets.range(brand, minutes(since), minutes(until))]

    # Then a range holds the buckets starting in [since, until), oldest first, each with its own topics
    assert starts(5, 15) == [(minutes(5), {"topic5": 1}), (minutes(10), {"topic10": 1})]
    assert starts(2, 12) == [(minutes(5), {"topic5": 1}), (minutes(10), {"topic10": 1})]
    assert [start for start, _ in starts(-5, 20)] == [minutes(0), minutes(5), minutes(10), minutes(15)]
    assert starts(5, 5) == []
    assert all(b.brand == brand and b.total == 1 for b in storage.buckets.range(brand, *WIDE))


def test_listing_a_brand_pages_newest_first_through_every_mention_once(storage: Storage, brand: str) -> None:
    # Given eleven mentions in a window, three of them published in the same second, and mentions
    # just outside the window and of another brand
    inside = [mention(brand, minutes(offset)) for offset in range(8)]
    inside += [mention(brand, minutes(3.5)) for _ in range(3)]
    outside = [mention(brand, minutes(-1)), mention(brand, minutes(9)), mention(f"{brand}-other", minutes(2))]
    storage.mentions.store_all([*outside, *reversed(inside)])

    # When the window is listed three at a time
    pages = every_page(
        lambda token: storage.mentions.list_by_brand(brand, minutes(-0.5), minutes(8.5), 3, token)
    )

    # Then the pages hold every mention of the window exactly once, newest first, as it was stored
    found = items(pages)
    assert len(pages) >= 4 and all(len(page.items) <= 3 for page in pages)
    assert len(found) == len({m.mention_id for m in found}) == 11
    assert {m.mention_id: m for m in found} == {m.mention_id: m for m in inside}
    assert [m.published_at for m in found] == sorted((m.published_at for m in inside), reverse=True)


@pytest.mark.parametrize("forged", [*FORGED_TOKENS, DEEPLY_NESTED_TOKEN])
def test_listing_a_brand_rejects_a_token_it_did_not_issue(storage: Storage, brand: str, forged: str) -> None:
    # Given a brand with mentions
    storage.mentions.store_all([mention(brand, minutes(1))])

    # When a client sends a token the listing never issued
    # Then it is told its input is invalid (a 400), not handed a server error
    with pytest.raises(InvalidInput):
        storage.mentions.list_by_brand(brand, *WIDE, 10, forged)


def test_top_mentions_of_an_incident_rank_by_reach_then_negativity(storage: Storage, brand: str) -> None:
    # Given mentions in the incident's window and loud ones outside it or of another brand
    quiet = mention(brand, minutes(1), reach=50, negativity=0.9)
    loud_calm = mention(brand, minutes(2), reach=500, negativity=0.4)
    loud_angry = mention(brand, minutes(3), reach=500, negativity=0.9)
    tiny = mention(brand, minutes(4), reach=10, negativity=0.99)
    storage.mentions.store_all(
        [
            quiet,
            loud_calm,
            loud_angry,
            tiny,
            mention(brand, minutes(-5), reach=5_000),
            mention(brand, minutes(35), reach=7_000),
            mention(f"{brand}-other", minutes(2), reach=9_000),
        ]
    )

    # When the top mentions of the window are read
    top = storage.mentions.top_for_incident(brand, minutes(0), minutes(30), 3)
    everything = storage.mentions.top_for_incident(brand, minutes(0), minutes(30), 10)

    # Then the widest reach comes first, the angrier one first among equals, and only the window counts
    assert [m.mention_id for m in top] == [loud_angry.mention_id, loud_calm.mention_id, quiet.mention_id]
    assert [m.mention_id for m in everything] == [m.mention_id for m in (loud_angry, loud_calm, quiet, tiny)]


def test_the_top_mentions_are_the_loudest_of_the_whole_window_however_many_it_holds(
    storage: Storage, brand: str
) -> None:
    # Given the loudest mentions early in a window that then fills with more than a thousand quiet ones
    loudest = [
        mention(brand, minutes(1), reach=90_000, negativity=0.2),
        mention(brand, minutes(1.5), reach=90_000, negativity=0.8),
        mention(brand, minutes(2), reach=40_000),
    ]
    quiet = [mention(brand, minutes(10) + timedelta(seconds=n), reach=n % 50) for n in range(1_100)]
    assert storage.mentions.store_all([*loudest, *quiet]) == 1_103

    # When the top three of the window are read
    top = storage.mentions.top_for_incident(brand, minutes(0), minutes(30), 3)

    # Then they are the loudest, in order, whole
    assert [m.mention_id for m in top] == [loudest[i].mention_id for i in (1, 0, 2)]
    assert top[0] == loudest[1]


def test_engagement_and_thread_survive_the_round_trip(storage: Storage, brand: str) -> None:
    # Given a reply with its engagement and thread, and a post from before those fields existed
    reply = mention(brand, minutes(1)).model_copy(
        update={"engagement": 42, "thread_id": "1850000000000000001"}
    )
    plain = mention(brand, minutes(2))

    # When both are stored and listed
    storage.mentions.store_all([reply, plain])
    found = {m.native_id: m for m in listed(storage, brand, *WIDE)}

    # Then the reply keeps its numbers and thread, and the plain post reads as no engagement, no thread
    assert (found[reply.native_id].engagement, found[reply.native_id].thread_id) == (
        42,
        "1850000000000000001",
    )
    assert (found[plain.native_id].engagement, found[plain.native_id].thread_id) == (0, None)

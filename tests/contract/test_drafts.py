"""Reply drafts on both stores (and the memory fake the unit tests use): create once, optimistic
locking, an incident's drafts newest first across pages, everything a draft holds read back as
written, published drafts, and the mention a draft answers.

The DynamoDB tables of this module sit behind the moto endpoint that keeps each request atomic, so
that two saves at the same instant meet DynamoDB's guarantees rather than moto's threading.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.models import (
    Approval,
    Draft,
    DraftCheck,
    DraftRevision,
    DraftStatus,
    Recommendation,
)
from chalicelib.ports import DraftRepository, Storage
from tests.contract.builders import (
    DEEPLY_NESTED_TOKEN,
    FORGED_TOKENS,
    T0,
    every_page,
    items,
    mention,
    minutes,
    unique,
)
from tests.contract.conftest import DYNAMODB, MEMORY, SQLITE, DynamoStore, _store, new_dynamo_store
from tests.threads import at_once
from tests.unit.test_draft_review import MemoryDrafts


@pytest.fixture(scope="module")
def dynamo_store(atomic_moto: str) -> DynamoStore:
    return new_dynamo_store(atomic_moto)


@pytest.fixture(params=[SQLITE, DYNAMODB, MEMORY])
def drafts(request: pytest.FixtureRequest) -> DraftRepository:
    if request.param == "memory":
        return MemoryDrafts()
    return _store(request, request.param).drafts


def draft(incident_id: str | None = None, *, created_at: Any = T0, **changes: Any) -> Draft:
    fields: dict[str, Any] = {
        "draft_id": unique("DRF"),
        "incident_id": incident_id or unique("INC"),
        "brand": "mueller",
        "kind": "reply",
        "channel": "x",
        "language": "de",
        "address": "Sie",
        "mention_id": "x#123",
        "author_handle": "@kundin",
        "playbook_id": "produktmangel-rueckruf",
        "template_text": "@kundin Danke für Ihren Hinweis – wir prüfen das. Äöü ß 😀",
        "text": "@kundin Danke für Ihren Hinweis – wir prüfen das. Äöü ß 😀",
        "recommendation": Recommendation(
            rule="high_reach",
            channel="public_reply",
            reason="Reichweitenstarker Account (120.000 Follower): öffentlich antworten.",
            reason_en="High-reach account (120,000 followers): reply in public.",
        ),
        "checks": (
            DraftCheck(code="unverified_claim", message="„alle“", message_en='"all"', severity="warning"),
        ),
        "created_by": "Jonas Weber",
        "created_by_id": "jonas-weber",
        "created_at": created_at,
        "edited_by": "Jonas Weber",
        "edited_by_id": "jonas-weber",
        "edited_at": created_at,
        "revisions": (
            DraftRevision(version=1, change="created", by="Jonas Weber", at=created_at, text="Danke."),
        ),
    }
    return Draft(**{**fields, **changes})


def test_a_created_draft_reads_back_as_written_with_version_one(drafts: DraftRepository) -> None:
    new = draft()
    created = drafts.create(new)
    assert created == new.model_copy(update={"version": 1})
    assert drafts.get(new.draft_id) == created


def test_creating_a_draft_id_twice_conflicts_and_keeps_the_first(drafts: DraftRepository) -> None:
    first = drafts.create(draft())
    with pytest.raises(Conflict):
        drafts.create(draft(draft_id=first.draft_id, text="Etwas anderes."))
    assert drafts.get(first.draft_id).text == first.text


def test_saving_bumps_the_version_and_a_stale_save_conflicts(drafts: DraftRepository) -> None:
    # Given a draft approved once
    created = drafts.create(draft())
    approval = Approval(by="Anna Schmidt", by_id="anna-schmidt", at=minutes(3), version=2, note="passt")
    approved = drafts.save(
        created.model_copy(update={"approvals": (approval,), "status": DraftStatus.APPROVED})
    )
    assert approved.version == 2 and drafts.get(created.draft_id) == approved

    # When someone saves the version they loaded before
    with pytest.raises(Conflict):
        drafts.save(created.model_copy(update={"text": "Überholt."}))

    # Then the approval stands
    assert drafts.get(created.draft_id).approvals == (approval,)


def test_a_published_draft_keeps_when_and_where_it_was_published(drafts: DraftRepository) -> None:
    created = drafts.create(draft())
    published = drafts.save(
        created.model_copy(
            update={
                "status": DraftStatus.PUBLISHED,
                "published_by": "Jonas Weber",
                "published_at": minutes(30),
                "published_url": "https://x.com/mueller_hg/status/1",
            }
        )
    )
    read = drafts.get(created.draft_id)
    assert read == published and read.published_at == minutes(30) and read.status is DraftStatus.PUBLISHED


def test_an_unknown_draft_is_not_found(drafts: DraftRepository) -> None:
    with pytest.raises(NotFound):
        drafts.get(unique("DRF"))


def test_an_incidents_drafts_are_listed_newest_first_across_pages(drafts: DraftRepository) -> None:
    # Given five drafts of one incident a minute apart, and one of another incident
    incident_id = unique("INC")
    written = [drafts.create(draft(incident_id, created_at=minutes(n))) for n in range(5)]
    drafts.create(draft(created_at=minutes(10)))

    # When they are read two at a time
    pages = every_page(lambda token: drafts.list_for_incident(incident_id, limit=2, next_token=token))

    # Then each comes once, newest first, and only this incident's
    assert [d.draft_id for d in items(pages)] == [d.draft_id for d in reversed(written)]
    assert items(pages)[0] == written[-1]
    assert drafts.list_for_incident(unique("INC"), limit=5, next_token=None).items == []


def test_two_saves_of_the_same_version_at_once_one_wins(storage: Storage) -> None:
    created = storage.drafts.create(draft())

    def save(by: str) -> Draft | str:
        approval = Approval(by=by, by_id=by, at=minutes(1), version=2)
        try:
            return storage.drafts.save(created.model_copy(update={"approvals": (approval,)}))
        except Conflict:
            return "conflict"

    results = at_once([partial(save, "anna"), partial(save, "ben")])
    winners = [r for r in results if isinstance(r, Draft)]
    assert len(winners) == 1 and results.count("conflict") == 1
    assert storage.drafts.get(created.draft_id) == winners[0]


def test_the_mention_a_draft_answers_is_found_by_its_id(storage: Storage, brand: str) -> None:
    stored = mention(brand, T0 + timedelta(minutes=1))
    storage.mentions.store_all([stored])
    assert storage.drafts.mention(stored.mention_id) == stored
    assert storage.drafts.mention(f"x#{unique('nothing')}") is None


@pytest.mark.parametrize("forged", [*FORGED_TOKENS, DEEPLY_NESTED_TOKEN])
def test_listing_drafts_rejects_a_token_it_did_not_issue(storage: Storage, forged: str) -> None:
    incident_id = unique("INC")
    storage.drafts.create(draft(incident_id))
    with pytest.raises(InvalidInput):
        storage.drafts.list_for_incident(incident_id, limit=1, next_token=forged)

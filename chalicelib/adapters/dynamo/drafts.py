"""Reply drafts in DynamoDB: one item per draft (the document, plus the keys of its two indexes), saved
with PynamoDB's VersionAttribute, so a stale save is a Conflict."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.dynamo.common import conditional_check_failed, query_page
from chalicelib.adapters.dynamo.mentions import _mention
from chalicelib.adapters.dynamo.models import DraftItem, MentionItem
from chalicelib.adapters.paging import iso
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Draft, Mention, Page, utcnow
from chalicelib.domain.privacy import author_key, draft_author_key


def _item(draft: Draft) -> DraftItem:
    published = draft.published_at
    item = DraftItem(
        draft.draft_id,
        incident_id=draft.incident_id,
        brand=draft.brand,
        status=draft.status.value,
        created_key=f"{iso(draft.created_at)}#{draft.draft_id}",
        published_brand=draft.brand if published else None,
        published_key=f"{iso(published)}#{draft.draft_id}" if published else None,
        published_at=published,
        doc=draft.model_dump_json(exclude={"version"}),
        author_key=draft_author_key(draft),
    )
    if draft.version:
        item.version = draft.version
    return item


def _draft(item: DraftItem) -> Draft:
    return Draft.model_validate_json(item.doc).model_copy(update={"version": int(item.version or 0)})


class DynamoDraftRepository:
    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    def create(self, draft: Draft) -> Draft:
        item = _item(draft.model_copy(update={"version": 0}))
        try:
            item.save()  # no version yet: PynamoDB conditions the put on the item not existing
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict("a draft with this id exists", [{"draft_id": draft.draft_id}]) from error
            raise
        return _draft(item)

    def save(self, draft: Draft) -> Draft:
        item = _item(draft)
        try:
            item.save()
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict(
                    "the draft was changed by someone else; reload and try again",
                    [{"draft_id": draft.draft_id}],
                ) from error
            raise
        return _draft(item)

    def get(self, draft_id: str) -> Draft:
        try:
            return _draft(DraftItem.get(draft_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFound("no such draft", [{"draft_id": draft_id}]) from error

    def list_for_incident(self, incident_id: str, *, limit: int, next_token: str | None) -> Page[Draft]:
        return query_page(
            DraftItem.by_incident.query,
            incident_id,
            _draft,
            {"draft_id", "incident_id", "created_key"},
            limit,
            next_token,
        )

    def mention(self, mention_id: str) -> Mention | None:
        try:
            mention = _mention(MentionItem.get(mention_id))
        except DoesNotExist:
            return None
        return mention if mention.expires_at > self._clock() else None  # TTL deletes within days

    def for_author(self, platform: str, handle: str) -> list[Draft]:
        key = author_key(platform, handle)
        return [_draft(item) for item in DraftItem.by_author.query(key)] if key else []

"""One-off migration for tables made before issue 12 (run once per stage after deploying it):

    python -m chalicelib.adapters.dynamo.backfill

Mentions and drafts get their `author_key` (so that the DSGVO export and erasure find them through the
by_author index), and outbox rows their TTL. A Scan, on purpose: it runs once, offline, never on a
request path. Safe to repeat: it touches only items that lack the attribute."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.adapters.dynamo.models import DeliveryItem, DraftItem, MentionItem
from chalicelib.domain.models import Draft
from chalicelib.domain.privacy import author_key, draft_author_key


def backfill(outbox_retention: timedelta) -> dict[str, int]:
    counts = {"mentions": 0, "drafts": 0, "outbox": 0}
    for mention in MentionItem.scan(
        MentionItem.author_key.does_not_exist() & MentionItem.author_handle.exists()
    ):
        key = author_key(mention.platform, mention.author_handle)
        if key:
            mention.update(actions=[MentionItem.author_key.set(key)])
            counts["mentions"] += 1
    for item in DraftItem.scan(DraftItem.author_key.does_not_exist()):
        key = draft_author_key(Draft.model_validate_json(item.doc))
        if key:
            item.update(actions=[DraftItem.author_key.set(key)])  # a new version: an open edit reloads
            counts["drafts"] += 1
    # The outbox table also holds the alerts' lease items (no created_at, no personal data).
    for row in DeliveryItem.scan(DeliveryItem.expires_at.does_not_exist() & DeliveryItem.created_at.exists()):
        row.update(actions=[DeliveryItem.expires_at.set(row.created_at + outbox_retention)])
        counts["outbox"] += 1
    return counts


def main() -> None:  # pragma: no cover (a deployment step; backfill() is tested)
    import json

    from chalicelib.adapters.dynamo.models import bind
    from chalicelib.config import TABLES, get_settings

    settings = get_settings()
    bind({table: settings.table_name(table) for table in TABLES}, settings.region, settings.endpoint_url)
    print(json.dumps(backfill(timedelta(days=settings.outbox_retention_days))))


if __name__ == "__main__":
    main()

"""Webhook subscriptions in SQLite: one row per subscription (the document, its creation time for the
listing) and a version column for optimistic locking."""

from __future__ import annotations

import sqlite3

from chalicelib.adapters.sqlite.database import Database
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.webhooks import WebhookSubscription


def _doc(webhook: WebhookSubscription) -> str:
    return webhook.model_dump_json(exclude={"version"})


def _webhook(row: sqlite3.Row) -> WebhookSubscription:
    return WebhookSubscription.model_validate_json(row["doc"]).model_copy(
        update={"version": int(row["version"])}
    )


def _missing(webhook_id: str) -> NotFound:
    return NotFound("no such webhook", [{"webhook_id": webhook_id}])


class SqliteWebhookRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, webhook: WebhookSubscription) -> WebhookSubscription:
        created = webhook.model_copy(update={"version": 1})
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO webhooks (webhook_id, created_key, version, doc) VALUES (?, ?, 1, ?)",
                    (webhook.webhook_id, webhook.created_at.isoformat(), _doc(created)),
                )
        except sqlite3.IntegrityError as error:
            raise Conflict("a webhook with this id exists", [{"webhook_id": webhook.webhook_id}]) from error
        return created

    def get(self, webhook_id: str) -> WebhookSubscription:
        with self._db.snapshot() as conn:
            row = conn.execute(
                "SELECT doc, version FROM webhooks WHERE webhook_id = ?", (webhook_id,)
            ).fetchone()
        if row is None:
            raise _missing(webhook_id)
        return _webhook(row)

    def list(self) -> list[WebhookSubscription]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT doc, version FROM webhooks ORDER BY created_key, webhook_id"
            ).fetchall()
        return [_webhook(row) for row in rows]

    def save(self, webhook: WebhookSubscription) -> WebhookSubscription:
        saved = webhook.model_copy(update={"version": webhook.version + 1})
        with self._db.transaction() as tx:
            changed = tx.execute(
                "UPDATE webhooks SET version = ?, doc = ? WHERE webhook_id = ? AND version = ?",
                (saved.version, _doc(saved), webhook.webhook_id, webhook.version),
            ).rowcount
            exists = (
                changed
                or tx.execute("SELECT 1 FROM webhooks WHERE webhook_id = ?", (webhook.webhook_id,)).fetchone()
            )
        if not exists:
            raise _missing(webhook.webhook_id)
        if not changed:
            raise Conflict(
                "the webhook was changed by someone else; reload and try again",
                [{"webhook_id": webhook.webhook_id}],
            )
        return saved

    def delete(self, webhook_id: str) -> None:
        with self._db.transaction() as tx:
            deleted = tx.execute("DELETE FROM webhooks WHERE webhook_id = ?", (webhook_id,)).rowcount
        if not deleted:
            raise _missing(webhook_id)

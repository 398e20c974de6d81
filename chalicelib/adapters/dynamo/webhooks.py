"""Webhook subscriptions in DynamoDB: one item per subscription under a constant partition key (its id
as sort key, so the listing is a Query and the sender's lookup a GetItem). Saves use PynamoDB's
VersionAttribute, so a stale save is a Conflict."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.adapters.dynamo.common import conditional_check_failed
from chalicelib.adapters.dynamo.models import WEBHOOK_PK, WebhookItem
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.webhooks import WebhookSubscription


def _item(webhook: WebhookSubscription) -> WebhookItem:
    item = WebhookItem(WEBHOOK_PK, webhook.webhook_id, doc=webhook.model_dump_json(exclude={"version"}))
    if webhook.version:
        item.version = webhook.version
    return item


def _webhook(item: WebhookItem) -> WebhookSubscription:
    return WebhookSubscription.model_validate_json(item.doc).model_copy(
        update={"version": int(item.version or 0)}
    )


def _missing(webhook_id: str) -> NotFound:
    return NotFound("no such webhook", [{"webhook_id": webhook_id}])


class DynamoWebhookRepository:
    def create(self, webhook: WebhookSubscription) -> WebhookSubscription:
        item = _item(webhook.model_copy(update={"version": 0}))
        try:
            item.save(condition=WebhookItem.sk.does_not_exist())
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict(
                    "a webhook with this id exists", [{"webhook_id": webhook.webhook_id}]
                ) from error
            raise
        return _webhook(item)

    def get(self, webhook_id: str) -> WebhookSubscription:
        try:
            return _webhook(WebhookItem.get(WEBHOOK_PK, webhook_id, consistent_read=True))
        except DoesNotExist as error:
            raise _missing(webhook_id) from error

    def list(self) -> list[WebhookSubscription]:
        webhooks = [_webhook(item) for item in WebhookItem.query(WEBHOOK_PK, consistent_read=True)]
        return sorted(webhooks, key=lambda w: (w.created_at, w.webhook_id))

    def save(self, webhook: WebhookSubscription) -> WebhookSubscription:
        item = _item(webhook)
        try:
            # The version condition alone would recreate a deleted subscription from a stale copy.
            item.save(condition=WebhookItem.sk.exists())
        except PutError as error:
            if not conditional_check_failed(error):
                raise
            self.get(webhook.webhook_id)  # NotFound when it was deleted
            raise Conflict(
                "the webhook was changed by someone else; reload and try again",
                [{"webhook_id": webhook.webhook_id}],
            ) from error
        return _webhook(item)

    def delete(self, webhook_id: str) -> None:
        try:
            WebhookItem(WEBHOOK_PK, webhook_id).delete(
                condition=WebhookItem.sk.exists(), add_version_condition=False
            )
        except DeleteError as error:
            if conditional_check_failed(error):
                raise _missing(webhook_id) from error
            raise

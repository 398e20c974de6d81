"""Keeps the alert topic's subscriptions in step with the crisis team in the store.

Each person's SMS and email subscription filters on their own address (domain/routing.py), so a new
person or a changed phone number needs a subscription. Sync only adds and updates: a subscription of
an address nobody has any more hears nothing, since no message is addressed to it (and the deploy may
own it). New email subscriptions wait for the recipient to confirm them (AWS sends that email).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import DeliveryFailed
from chalicelib.domain.models import User
from chalicelib.domain.routing import subscriptions


class SnsSubscriptions:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def _existing(self) -> dict[tuple[str, str], tuple[str, dict[str, Any] | None]]:
        found: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {}
        paginator = self._client.get_paginator("list_subscriptions_by_topic")
        for page in paginator.paginate(TopicArn=self._topic_arn):
            for sub in page.get("Subscriptions", []):
                arn = sub["SubscriptionArn"]
                policy = None
                if arn.startswith("arn:"):  # "PendingConfirmation" has no ARN yet
                    attributes = self._client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
                    policy = json.loads(attributes["FilterPolicy"]) if "FilterPolicy" in attributes else None
                found[(sub["Protocol"], sub["Endpoint"])] = (arn, policy)
        return found

    def sync(self, users: Sequence[User]) -> int:
        """Subscribe whoever is missing and correct filter policies; returns how many changed."""
        try:
            existing = self._existing()
            changed = 0
            for protocol, endpoint, policy in subscriptions(users):
                known = existing.get((protocol, endpoint))
                if known is None:
                    self._client.subscribe(
                        TopicArn=self._topic_arn,
                        Protocol=protocol,
                        Endpoint=endpoint,
                        Attributes={
                            "FilterPolicy": json.dumps(policy),
                            "FilterPolicyScope": "MessageAttributes",
                        },
                    )
                    changed += 1
                elif known[0].startswith("arn:") and known[1] != policy:
                    self._client.set_subscription_attributes(
                        SubscriptionArn=known[0],
                        AttributeName="FilterPolicy",
                        AttributeValue=json.dumps(policy),
                    )
                    changed += 1
            return changed
        except (ClientError, BotoCoreError) as error:
            raise DeliveryFailed(
                "the alert topic's subscriptions could not be updated", [{"cause": str(error)[:300]}]
            ) from error

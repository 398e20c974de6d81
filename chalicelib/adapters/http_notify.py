"""Chat posts over HTTPS: Microsoft Teams (Workflows webhook) and Slack (incoming webhook).

The webhook URL of each channel is a secret (Secrets Manager, read through Powertools Parameters,
cached for five minutes) and never appears in logs or errors. Short timeouts, so a slow receiver
delays the outbox run by seconds, not minutes. 2xx is delivered; 408, 429, 5xx and network errors
are retried by the outbox with its back-off; any other 4xx is refused for good (DeliveryRejected)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import httpx

from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected, NotFound
from chalicelib.domain.models import Delivery
from chalicelib.ports import WebhookRepository

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_RETRYABLE = {408, 425, 429}


def outcome(response: httpx.Response, what: str) -> str:
    """The message id of an accepted post, or the error the outbox acts on."""
    if response.is_success:
        return (
            response.headers.get("x-request-id")
            or response.headers.get("request-id")
            or f"{what}:{response.status_code}"
        )
    detail = f"{what} answered HTTP {response.status_code}: {response.text[:200]}"
    if response.status_code in _RETRYABLE or response.status_code >= 500:
        raise DeliveryFailed(detail, [{"status": response.status_code}])
    raise DeliveryRejected(detail, [{"status": response.status_code}])


class ChatNotifier:
    """Posts a delivery's body (the card or message JSON) to the channel's webhook URL."""

    def __init__(
        self, client: httpx.Client, url_of: Callable[[str], str], channels: Mapping[str, str]
    ) -> None:
        self._client = client
        self._url_of = url_of  # channel id -> webhook URL (from its secret)
        self._channels = channels  # channel id -> "teams" | "slack"

    def publish(self, delivery: Delivery) -> str:
        kind = self._channels.get(delivery.recipient)
        if kind is None or kind != delivery.channel:
            raise DeliveryRejected(
                f"no {delivery.channel} channel {delivery.recipient} in integrations.yaml",
                [{"recipient": delivery.recipient}],
            )
        try:
            url = self._url_of(delivery.recipient)
        except Exception as error:  # a missing secret is configuration: retried once it is fixed
            raise DeliveryFailed(f"the webhook URL of {delivery.recipient} is not readable", []) from error
        try:
            response = self._client.post(
                url,
                content=delivery.body.encode(),
                headers={"Content-Type": "application/json", "Idempotency-Key": delivery.alert_id},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(
                f"{delivery.channel} {delivery.recipient}: {type(error).__name__}", []
            ) from error
        return outcome(response, f"{delivery.channel} {delivery.recipient}")


class WebhookNotifier:
    """Posts an event to a subscribed URL, signed per Standard Webhooks (webhook-id is the event's
    outbox id, the same on every retry, so receivers can drop duplicates). The subscription is read
    at send time: a deleted or paused one refuses the message for good."""

    def __init__(self, client: httpx.Client, webhooks: WebhookRepository) -> None:
        self._client = client
        self._webhooks = webhooks

    def publish(self, delivery: Delivery) -> str:
        from chalicelib.domain.webhooks import headers

        try:
            subscription = self._webhooks.get(delivery.recipient)
        except NotFound as error:
            raise DeliveryRejected(f"webhook {delivery.recipient} was deleted", []) from error
        if subscription.paused:
            raise DeliveryRejected(f"webhook {delivery.recipient} is paused", [])
        payload = delivery.body.encode()
        # The moment of sending, by the wall clock: receivers check it against theirs (replay window).
        signed = headers(subscription.secret, delivery.alert_id, int(time.time()), payload)
        try:
            response = self._client.post(
                subscription.url,
                content=payload,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Krisenradar-Webhooks/1",
                    **signed,
                },
                timeout=TIMEOUT,
                follow_redirects=False,
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook {delivery.recipient}: {type(error).__name__}", []) from error
        return outcome(response, f"webhook {delivery.recipient}")

"""One notifier for the outbox, routing each delivery by its channel: SNS for people and the SQS copy,
HTTP for chat and webhooks, EventBridge for the bus. Each route is built on its first delivery, so a
function that only ever sends SMS and email never imports an HTTP client or builds another AWS client
(cold start)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chalicelib.domain.errors import DeliveryRejected
from chalicelib.domain.models import Delivery
from chalicelib.ports import Notifier


class RoutingNotifier:
    def __init__(self, routes: Mapping[str, Callable[[], Notifier | None]]) -> None:
        self._routes = routes  # channel -> builds its notifier (None: not configured)
        self._built: dict[Callable[[], Notifier | None], Notifier | None] = {}

    def _notifier(self, channel: str) -> Notifier | None:
        build = self._routes.get(channel)
        if build is None:
            return None
        if build not in self._built:  # channels sharing a builder (teams, slack) share one notifier
            self._built[build] = build()
        return self._built[build]

    def publish(self, delivery: Delivery) -> str:
        notifier = self._notifier(delivery.channel)
        if notifier is None:
            raise DeliveryRejected(f"no {delivery.channel} notifier is configured", [])
        return notifier.publish(delivery)

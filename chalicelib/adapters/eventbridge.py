"""EventBridge publisher: one `PutEvents` entry per delivery, on the company's Krisenradar event bus.

The event's `detail-type` is the event type itself (`incident.opened`), the same name the webhooks
carry in `type`: one vocabulary for both, and a rule can take a family with a prefix
(`{"detail-type": [{"prefix": "incident."}]}`). `detail` is the envelope's `data` with `type` and
`timestamp` beside its fields (chalicelib/domain/event_schema.py), and the event's `time` is the
envelope's timestamp.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected
from chalicelib.domain.models import Delivery

SOURCE = "krisenradar"
# PutEvents refuses an entry over 256 KB (Time 14 bytes, then Source, DetailType, Detail, Resources).
MAX_ENTRY_BYTES = 256 * 1024
# Entries that will fail the same way every time; anything else (throttling, internal failure, a bus
# or a permission not there yet) may succeed once retried or once the deployment is fixed.
_NEVER_ACCEPTED = frozenset({"MalformedDetail", "InvalidArgument", "ValidationException"})


def event_detail(envelope: dict[str, Any]) -> dict[str, Any]:
    """`{"type", "timestamp", "data": {...}}` -> `{...data, "type", "timestamp"}`."""
    return {**envelope["data"], "type": envelope["type"], "timestamp": envelope["timestamp"]}


def entry_size(entry: dict[str, Any]) -> int:
    """The size EventBridge counts against its limit for one entry."""
    size = 14 if "Time" in entry else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(entry.get(key, "").encode())
    return size + sum(len(resource.encode()) for resource in entry.get("Resources", []))


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str, source: str = SOURCE) -> None:
        self._client = client
        self._bus_name = bus_name
        self._source = source

    def entry(self, delivery: Delivery) -> dict[str, Any]:
        """The `PutEvents` entry of one delivery whose body is the JSON event envelope."""
        try:
            envelope = json.loads(delivery.body)
            detail = event_detail(envelope)
            time = datetime.fromisoformat(envelope["timestamp"].replace("Z", "+00:00"))
        except (ValueError, TypeError, KeyError) as error:
            raise DeliveryRejected(
                "the alert is not a Krisenradar event envelope", [{"cause": str(error)[:300]}]
            ) from error
        if envelope["type"] != delivery.event_type:
            raise DeliveryRejected(
                "the event envelope's type differs from the delivery's",
                [{"type": envelope["type"], "event_type": delivery.event_type}],
            )
        return {
            "EventBusName": self._bus_name,
            "Source": self._source,
            "DetailType": delivery.event_type,
            "Detail": json.dumps(detail, ensure_ascii=False),
            "Resources": [],
            "Time": time,
        }

    def publish(self, delivery: Delivery) -> str:
        entry = self.entry(delivery)
        size = entry_size(entry)
        if size > MAX_ENTRY_BYTES:
            raise DeliveryRejected(
                "the event is larger than EventBridge accepts", [{"bytes": size, "limit": MAX_ENTRY_BYTES}]
            )
        try:
            response = self._client.put_events(Entries=[entry])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            failure = DeliveryRejected if code in _NEVER_ACCEPTED else DeliveryFailed
            raise failure(
                "EventBridge did not accept the event", [{"code": code, "cause": str(error)[:300]}]
            ) from error
        except BotoCoreError as error:
            raise DeliveryFailed(
                "EventBridge did not accept the event", [{"cause": str(error)[:300]}]
            ) from error
        (result,) = response["Entries"]
        if response.get("FailedEntryCount", 0) or "EventId" not in result:
            code = result.get("ErrorCode", "")
            failure = DeliveryRejected if code in _NEVER_ACCEPTED else DeliveryFailed
            raise failure(
                "EventBridge did not accept the event",
                [{"code": code, "cause": str(result.get("ErrorMessage", ""))[:300]}],
            )
        return str(result["EventId"])

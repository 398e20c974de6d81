"""Units of work on an SQS queue (SendMessageBatch, ten at a time)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.errors import AppError

_BATCH = 10  # SQS's limit per SendMessageBatch


class SqsWorkQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, units: Sequence[dict[str, Any]]) -> int:
        failed: list[str] = []
        for start in range(0, len(units), _BATCH):
            chunk = units[start : start + _BATCH]
            answer = self._client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "MessageBody": json.dumps(unit, separators=(",", ":"))}
                    for index, unit in enumerate(chunk)
                ],
            )
            failed.extend(str(entry.get("Code")) for entry in answer.get("Failed", []))
        if failed:
            raise AppError("work units not enqueued", [{"failed": len(failed), "codes": sorted(set(failed))}])
        return len(units)

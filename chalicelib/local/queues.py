"""A local SQS event source mapping: what Lambda does for an `@on_sqs_message` function in AWS, against
the emulator's queues.

Pollers receive up to the function's batch size, invoke the very same handler with a Lambda-shaped SQS
event, and then delete what succeeded: the whole batch when the handler returns, all but the reported
`batchItemFailures` when it reports some (ReportBatchItemFailures), nothing when it raises. What is not
deleted comes back after the visibility timeout, and after the queue's maxReceiveCount the emulator
moves it to the dead-letter queue, as SQS does."""

from __future__ import annotations

import importlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice, SQSEventConfig

from chalicelib.local.scheduler import LambdaContext

POLL_SECONDS = 1  # long polling: how long an idle poller waits, and so how quickly it stops
_DELETE_BATCH = 10  # SQS's limit per DeleteMessageBatch


@dataclass(frozen=True)
class QueueFunction:
    """An `@on_sqs_message` function of the app: its name, handler, queue name and batch size."""

    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    queue: str
    batch_size: int


def queue_functions(app: Chalice) -> list[QueueFunction]:
    functions: list[QueueFunction] = []
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig) or source.queue is None:
            continue
        module_name, _, attribute = source.handler_string.rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        functions.append(QueueFunction(source.name, handler, source.queue, source.batch_size))
    return functions


def lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda hands an SQS-triggered function, built from ReceiveMessage's answer."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": dict(message.get("MessageAttributes", {})),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


@dataclass
class Poll:
    """One batch: how many messages came, which were deleted, and which are left for redelivery."""

    received: int = 0
    deleted: int = 0
    left: int = 0


class EventSourceMapping:
    """Feeds one queue to one function. `visibility_seconds` overrides the queue's visibility timeout
    for the messages it receives (None: the queue's own, as Lambda does)."""

    def __init__(
        self,
        function: QueueFunction,
        *,
        client: Any,
        queue_url: str,
        region: str,
        on_error: Callable[[str, BaseException], None],
        visibility_seconds: int | None = None,
        pollers: int = 2,
    ) -> None:
        self.function = function
        self._client = client
        self._queue_url = queue_url
        self._region = region
        self._on_error = on_error
        self._visibility = visibility_seconds
        attributes = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self._queue_arn = str(attributes["Attributes"]["QueueArn"])
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"sqs-{function.name}-{index}", daemon=True)
            for index in range(pollers)
        ]

    def poll_once(self, wait_seconds: int = 0) -> Poll:
        """Receive one batch, invoke the function with it, and delete what it did."""
        request: dict[str, Any] = {
            "QueueUrl": self._queue_url,
            "MaxNumberOfMessages": self.function.batch_size,
            "WaitTimeSeconds": wait_seconds,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        if self._visibility is not None:
            request["VisibilityTimeout"] = self._visibility
        messages = self._client.receive_message(**request).get("Messages", [])
        if not messages:
            return Poll()
        done = self._invoke(messages)
        for start in range(0, len(done), _DELETE_BATCH):
            chunk = done[start : start + _DELETE_BATCH]
            self._client.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        return Poll(received=len(messages), deleted=len(done), left=len(messages) - len(done))

    def _invoke(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages the function finished with."""
        name = self.function.name
        context = LambdaContext(
            function_name=f"krisenradar-local-{name}",
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:{self._region}:123456789012:function:krisenradar-local-{name}",
        )
        try:
            result = self.function.handler(lambda_event(messages, self._queue_arn, self._region), context)
        except Exception as error:  # the whole batch comes back after its visibility timeout
            self._on_error(name, error)
            return []
        if not isinstance(result, dict) or "batchItemFailures" not in result:
            return messages
        failed = {str(item["itemIdentifier"]) for item in result["batchItemFailures"]}
        return [message for message in messages if message["MessageId"] not in failed]

    def start(self) -> EventSourceMapping:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=POLL_SECONDS)
            except Exception as error:  # the emulator did not answer: try again shortly
                self._on_error(self.function.name, error)
                self._stop.wait(POLL_SECONDS)

"""Prints what the SMS and email gateways would send, read from the local gateway queues."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.local.bootstrap import GatewayQueue


def render(gateway: GatewayQueue, envelope: dict[str, Any]) -> str:
    """What the gateway would send: the SMS text, or the email's subject (each message is addressed)."""
    if gateway.channel == "sms":
        return f"[SMS an {gateway.member} {gateway.recipient}] {envelope.get('Message', '')}"
    return f"[E-Mail an {gateway.member} <{gateway.recipient}>] {envelope.get('Subject', '')}"


class Console:
    def __init__(
        self, sqs: Any, gateways: Sequence[GatewayQueue], emit: Callable[[str], None], interval: float = 1.0
    ) -> None:
        self._sqs = sqs
        self._gateways = list(gateways)
        self._emit = emit
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="console", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def poll_once(self) -> int:
        printed = 0
        for gateway in self._gateways:
            response = self._sqs.receive_message(
                QueueUrl=gateway.url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            for message in response.get("Messages", []):
                self._emit(render(gateway, json.loads(message["Body"])))
                self._sqs.delete_message(QueueUrl=gateway.url, ReceiptHandle=message["ReceiptHandle"])
                printed += 1
        return printed

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll_once()
            except Exception as error:  # the console is a convenience; it never stops the stack
                self._emit(f"(console: {type(error).__name__}: {error})")

"""`make run`'s stand-in for Microsoft Teams, Slack and webhook receivers: a small HTTP server on
loopback that accepts what Krisenradar posts and prints one line per post on the console, the way
the console prints SMS and email. Its URLs go into the chat secrets at start-up (bootstrap)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _headline(kind: str, document: dict[str, Any]) -> str:
    if kind == "teams":
        card = document["attachments"][0]["content"]
        title = card["body"][0]["text"]
        news = card["body"][1]["text"]
        buttons = ", ".join(action["title"] for action in card.get("actions", []))
        return f"{title} | {news} | Adaptive Card {card['version']}, Knöpfe: {buttons}"
    if kind == "slack":
        return f"{document['text']} | {len(document['blocks'])} Blöcke"
    return json.dumps(document, ensure_ascii=False)[:200]


class _Handler(BaseHTTPRequestHandler):
    """One request to the receiver; the Receiver it serves is the server's `receiver`."""

    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/posts":
            self._answer(404)
            return
        self._answer(200, json.dumps(self.server.receiver.arrivals()).encode(), "application/json")

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        receiver = self.server.receiver
        parts = self.path.strip("/").split("/")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if len(parts) != 2 or parts[0] not in ("teams", "slack", "webhook"):
            self._answer(404)
            return
        kind, channel = parts
        if kind == "webhook":
            self._webhook(channel, body)
            return
        if receiver.answers:
            self._answer(receiver.answers.pop(0), b'{"error": "refused on purpose"}')
            return
        try:
            document = json.loads(body)
            line = _headline(kind, document)
        except (ValueError, KeyError, IndexError, TypeError):
            self._answer(400, b'{"error": "not a valid message"}')
            return
        receiver.record(kind, channel, document, dict(self.headers))
        receiver.say(f"[{'Teams' if kind == 'teams' else 'Slack'} {channel}] {line}")
        self._answer(202 if kind == "teams" else 200, b"ok" if kind == "slack" else b"")

    def _webhook(self, webhook_id: str, body: bytes) -> None:
        from chalicelib.domain.errors import AppError
        from chalicelib.domain.webhooks import verify

        receiver = self.server.receiver
        secret = receiver.webhook_secrets.get(webhook_id)
        try:
            if secret is None:
                raise AppError("unknown webhook", [])
            verify(secret, dict(self.headers), body, datetime.now(UTC))
            event = json.loads(body)
        except (AppError, ValueError) as error:
            message = error.message if isinstance(error, AppError) else "not JSON"
            receiver.say(f"[Webhook {webhook_id}] abgelehnt: {message}")
            self._answer(401)
            return
        receiver.record("webhook", webhook_id, event, dict(self.headers))
        data = event["data"]
        receiver.say(
            f"[Webhook {webhook_id}] {event['type']} {data['severity']} {data['brand_name']}: "
            f"{data['news']} (Standard-Webhooks-Signatur gültig)"
        )
        self._answer(204)

    def _answer(self, status: int, payload: bytes = b"", content_type: str | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class _Server(ThreadingHTTPServer):
    receiver: Receiver


class Receiver:
    """POST /teams/<channel>, /slack/<channel>: prints, answers 202 (Teams) or 200 (Slack).
    POST /webhook/<id>: verifies the Standard Webhooks signature. GET /posts: what arrived, and when."""

    def __init__(self, say: Callable[[str], None], host: str = "127.0.0.1", port: int = 0) -> None:
        self.say = say
        self.posts: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.answers: list[int] = []  # statuses to answer the next posts with (tests: 400, 500)
        self.webhook_secrets: dict[str, str] = {}  # webhook id -> its whsec_ secret, to verify
        self.received_at: list[float] = []  # wall-clock time of each accepted post (latency)
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True)

    def record(self, kind: str, channel: str, document: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.posts.append((kind, channel, document, headers))
            self.received_at.append(time.time())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def arrivals(self) -> list[dict[str, str]]:
        """What arrived (kind, channel) and when, UTC."""
        with self._lock:
            pairs = list(zip(self.posts, self.received_at, strict=False))
        return [
            {"kind": kind, "channel": channel, "received_at": datetime.fromtimestamp(at, UTC).isoformat()}
            for (kind, channel, _, _), at in pairs
        ]

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

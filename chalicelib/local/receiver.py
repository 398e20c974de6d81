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


class Receiver:
    """POST /teams/<channel>, /slack/<channel>: prints, answers 202 (Teams) or 200 (Slack)."""

    def __init__(self, say: Callable[[str], None], host: str = "127.0.0.1", port: int = 0) -> None:
        self.posts: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.answers: list[int] = []  # statuses to answer the next posts with (tests: 400, 500)
        self.webhook_secrets: dict[str, str] = {}  # webhook id -> its whsec_ secret, to verify
        self.received_at: list[float] = []  # wall-clock time of each accepted post (latency)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                parts = self.path.strip("/").split("/")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if len(parts) != 2 or parts[0] not in ("teams", "slack", "webhook"):
                    self.send_response(404)
                    self.end_headers()
                    return
                kind, channel = parts
                if kind == "webhook":
                    self._webhook(channel, body)
                    return
                if receiver.answers:
                    self.send_response(receiver.answers.pop(0))
                    self.end_headers()
                    self.wfile.write(b'{"error": "refused on purpose"}')
                    return
                try:
                    document = json.loads(body)
                    line = _headline(kind, document)
                except (ValueError, KeyError, IndexError, TypeError):
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(b'{"error": "not a valid message"}')
                    return
                receiver.posts.append((kind, channel, document, dict(self.headers)))
                receiver.received_at.append(time.time())
                say(f"[{'Teams' if kind == 'teams' else 'Slack'} {channel}] {line}")
                self.send_response(202 if kind == "teams" else 200)
                self.end_headers()
                self.wfile.write(b"ok" if kind == "slack" else b"")

            def _webhook(self, webhook_id: str, body: bytes) -> None:
                from chalicelib.domain.errors import AppError
                from chalicelib.domain.webhooks import verify

                secret = receiver.webhook_secrets.get(webhook_id)
                try:
                    if secret is None:
                        raise AppError("unknown webhook", [])
                    verify(secret, dict(self.headers), body, datetime.now(UTC))
                    event = json.loads(body)
                except (AppError, ValueError) as error:
                    message = error.message if isinstance(error, AppError) else "not JSON"
                    say(f"[Webhook {webhook_id}] abgelehnt: {message}")
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver.posts.append(("webhook", webhook_id, event, dict(self.headers)))
                receiver.received_at.append(time.time())
                data = event["data"]
                say(
                    f"[Webhook {webhook_id}] {event['type']} {data['severity']} {data['brand_name']}: "
                    f"{data['news']} (Standard-Webhooks-Signatur gültig)"
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

"""A fake Krisenradar backend for browser tests: the real files from chalicelib/web/ plus canned API
answers in the shapes of chalicelib/api/schemas.py, with just enough state for acknowledge/resolve."""

from __future__ import annotations

import copy
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.domain.messages import reason_fields

WEB = Path(__file__).resolve().parents[2] / "chalicelib" / "web"
ASSET = re.compile(r"^/ui/([a-z0-9][a-z0-9_.-]{0,80}\.(js|css|svg|json))$")
CONTENT_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}
# The browser clock is pinned to NOW, so "seit 7 Min offen" is exact.
NOW = datetime(2025, 11, 26, 9, 0, tzinfo=UTC)
KEYS = {"responder-key": ("Rita Responder", 2), "viewer-key": ("Viktor Viewer", 1)}
RESPONDER = 2
MENTIONS_PAGE = 2


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# Reasons as incidents store them; the API serves them through the same function as the real one:
# plain German and English sentences, and the statistics apart (here: an incident stored with them).
STORM_REASONS = (
    "Volumen: 31 Erwähnungen in 5 Min statt 0.8 erwartet; 40 in den letzten 60 Min statt 9.6 (p<1e-12)",
    "84% negativ (27 von 32) statt üblich 17% (p=2.2e-16)",
    "12 Erwähnungen mit Risikobegriffen, davon 8 zu Sicherheit, Rückruf oder Gefahr",
)
BRAND_NAME = "Müller Haushaltsgeräte GmbH"


def incident(
    incident_id: str, title: str, severity: str, status: str, opened_minutes_ago: int, **extra: Any
) -> dict[str, Any]:
    opened = NOW - timedelta(minutes=opened_minutes_ago)
    acknowledged = opened + timedelta(minutes=3) if status != "open" else None
    resolved = opened + timedelta(minutes=40) if status == "resolved" else None
    return {
        "incident_id": incident_id,
        "brand": "mueller",
        "brand_name": BRAND_NAME,
        "topic": extra.get("topic", "produkt"),
        "title": title,
        "status": status,
        "severity": severity,
        **reason_fields(extra.get("reasons", ["25 Erwähnungen in 5 Minuten, sonst etwa 4"])),
        "opened_at": iso(opened),
        "updated_at": iso(resolved or acknowledged or opened),
        "detected_at": iso(opened),
        "first_signal_at": iso(opened - timedelta(minutes=2)),
        "acknowledged_at": iso(acknowledged),
        "acknowledged_by": "Rita Responder" if acknowledged else None,
        "resolved_at": iso(resolved),
        "resolved_by": "Rita Responder" if resolved else None,
        "version": 1,
        "timers": {
            "time_to_detect_s": 120.0,
            "time_to_acknowledge_s": 180.0 if acknowledged else None,
            "time_to_resolve_s": 2400.0 if resolved else None,
        },
    }


def mention(index: int, text: str, sentiment: str, **extra: Any) -> dict[str, Any]:
    return {
        "mention_id": f"m-{index}",
        "platform": extra.get("platform", "mastodon"),
        "native_id": f"n-{index}",
        "brand": "mueller",
        "text": text,
        "url": extra.get("url", f"https://social.example/@kunde{index}/{index}"),
        "published_at": iso(NOW - timedelta(minutes=5 + index)),
        "author": {"handle": f"@kunde{index}", "followers": 12400 * index, "is_media": index == 2},
        "reach": 12400 * index,
        "lang": extra.get("lang", "de"),
        "sentiment": sentiment,
        "sentiment_score": -0.82 if sentiment == "negative" else 0.1,
        "risk_terms": extra.get("risk_terms", []),
        "topics": ["produkt"],
    }


def initial_state() -> dict[str, Any]:
    incidents = [
        incident(
            "inc-1",
            "Rückruf-Gerüchte zum Kinderwagen „Flitzer“",
            "SEV1",
            "open",
            7,
            topic="rueckruf",
            reasons=STORM_REASONS,
        ),
        incident(
            "inc-2", "Lieferverzug <b>Hotline</b> überlastet", "SEV3", "acknowledged", 50, topic="service"
        ),
        incident("inc-3", "Kritik an Werbespot", "SEV4", "resolved", 600, topic="marketing"),
    ]
    mentions = [
        mention(
            1,
            "Der Flitzer ist gefährlich, bitte sofort Rückruf! #mueller",
            "negative",
            risk_terms=["gefährlich", "rückruf"],
        ),
        mention(
            2,
            '<img src=x onerror="alert(1)"> Stimmt das mit dem Rückruf?',
            "neutral",
            url="javascript:alert(1)",
        ),
        mention(3, "Great stroller, no problems here.", "positive", lang="en"),
        mention(
            4,
            "Warte seit einer Woche auf Antwort vom Kundenservice.",
            "negative",
            risk_terms=["kundenservice"],
        ),
        mention(5, "Hat jemand Infos zum Rückruf?", "neutral"),
    ]
    alerts = [
        {
            "alert_id": "al-1",
            "incident_id": "inc-1",
            "brand": "mueller",
            "event_type": "incident_opened",
            "severity": "SEV1",
            "channel": "sms",
            "recipient": "+49 151 0000001",
            "status": "delivered",
            "attempts": 1,
            "last_error": None,
            "subject": "SEV1 Müller: Rückruf-Gerüchte",
            "body": "Neuer Vorfall SEV1 – bitte bestätigen.",
            "created_at": iso(NOW - timedelta(minutes=6)),
            "delivered_at": iso(NOW - timedelta(minutes=6)),
        },
        {
            "alert_id": "al-2",
            "incident_id": "inc-1",
            "brand": "mueller",
            "event_type": "incident_opened",
            "severity": "SEV1",
            "channel": "email",
            "recipient": "krisenstab@mueller.example",
            "status": "pending",
            "attempts": 2,
            "last_error": "SMTP 451 temporarily deferred",
            "subject": "SEV1 Müller: Rückruf-Gerüchte",
            "body": "Neuer Vorfall SEV1.",
            "created_at": iso(NOW - timedelta(minutes=6)),
            "delivered_at": None,
        },
    ]
    timelines = {
        "inc-1": [
            {
                "at": iso(NOW - timedelta(minutes=7)),
                "kind": "detected",
                "message": "Erkannt: 31 Erwähnungen in 5 Minuten",
                "actor": None,
                "severity": "SEV1",
            }
        ]
    }
    return {
        "incidents": incidents,
        "mentions": mentions,
        "alerts": alerts,
        "timelines": timelines,
        "posts": [],
        "queries": [],
        "revoked": set(),
    }


def error(
    status: int, code: str, message: str, details: list[Any] | None = None
) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message, "details": details or []}}


class FakeApi:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = initial_state()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.state = initial_state()

    def add_incident(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.state["incidents"].insert(0, item)

    def revoke(self, key: str) -> None:
        with self.lock:
            self.state["revoked"].add(key)

    # ---- routes -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, str], auth: str, body: Any) -> tuple[int, Any]:
        key = auth.removeprefix("Bearer ").strip()
        if key not in KEYS or key in self.state["revoked"]:
            return error(401, "unauthorized", "invalid or missing API key")
        actor, role = KEYS[key]
        self.state["queries"].append((method, path, params))
        if method == "GET" and path == "/incidents":
            return self.list_incidents(params)
        if method == "GET" and path == "/alerts":
            items = [a for a in self.state["alerts"] if params.get("incident_id") in (None, a["incident_id"])]
            return 200, {"items": items, "next_token": None}
        if method == "GET" and path == "/mentions":
            return self.list_mentions(params)
        match = re.fullmatch(r"/incidents/([\w-]+)(?:/(acknowledge|resolve))?", path)
        if match is None:
            return error(404, "not_found", "no such route")
        found = next((i for i in self.state["incidents"] if i["incident_id"] == match.group(1)), None)
        if found is None:
            return error(404, "not_found", "incident not found", [{"incident_id": match.group(1)}])
        if method == "GET" and match.group(2) is None:
            return 200, self.detail(found)
        if method == "POST" and match.group(2):
            if role < RESPONDER:
                return error(403, "forbidden", "role responder required", [{"role": "viewer"}])
            return self.transition(found, match.group(2), actor, (body or {}).get("note"))
        return error(405, "method_not_allowed", "method not allowed")

    def list_incidents(self, params: dict[str, str]) -> tuple[int, Any]:
        items = [
            i
            for i in self.state["incidents"]
            if params.get("status") in (None, i["status"]) and params.get("severity") in (None, i["severity"])
        ]
        return 200, {"items": items[: int(params.get("limit", "25"))], "next_token": None}

    def list_mentions(self, params: dict[str, str]) -> tuple[int, Any]:
        if not params.get("brand"):
            return error(
                400,
                "invalid_input",
                "the query is invalid",
                [{"field": "query.brand", "message": "required"}],
            )
        start = int(params.get("next_token") or 0)
        end = start + min(MENTIONS_PAGE, int(params.get("limit", "50")))
        items = self.state["mentions"]
        return 200, {"items": items[start:end], "next_token": str(end) if end < len(items) else None}

    def detail(self, found: dict[str, Any]) -> dict[str, Any]:
        return {
            **found,
            "timeline": self.state["timelines"].get(found["incident_id"], []),
            "top_mentions": self.state["mentions"][:2],
        }

    def transition(self, found: dict[str, Any], action: str, actor: str, note: str | None) -> tuple[int, Any]:
        if found["status"] == "resolved":
            return error(409, "conflict", "a resolved incident cannot be changed", [{"status": "resolved"}])
        self.state["posts"].append((found["incident_id"], action, note))
        at = NOW + timedelta(minutes=1)
        detected = datetime.fromisoformat(found["detected_at"])
        seconds = round((at - detected).total_seconds(), 1)
        if action == "acknowledge":
            found.update(status="acknowledged", acknowledged_at=iso(at), acknowledged_by=actor)
            found["timers"]["time_to_acknowledge_s"] = seconds
        else:
            found.update(status="resolved", resolved_at=iso(at), resolved_by=actor)
            found["timers"]["time_to_resolve_s"] = seconds
        word = "Bestätigt" if action == "acknowledge" else "Gelöst"
        self.state["timelines"].setdefault(found["incident_id"], []).append(
            {
                "at": iso(at),
                "kind": f"{action}d",
                "message": word + (f": {note}" if note else ""),
                "actor": actor,
            }
        )
        return 200, copy.deepcopy(found)

    # ---- HTTP plumbing ------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _file(self, name: str, kind: str) -> None:
                path = WEB / name
                if not path.is_file():
                    self._json(*error(404, "not_found", "no such asset", [{"asset": name}]))
                    return
                self._send(200, path.read_bytes(), CONTENT_TYPES[kind], SECURITY_HEADERS)

            def _json(self, status: int, payload: Any) -> None:
                extra = {"WWW-Authenticate": 'Bearer realm="krisenradar"'} if status == 401 else {}
                self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", extra)

            def _api(self, method: str) -> None:
                url = urlsplit(self.path)
                params = {name: values[0] for name, values in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with api.lock:
                    status, payload = api.handle(
                        method,
                        url.path,
                        params,
                        self.headers.get("Authorization", ""),
                        json.loads(raw or b"null"),
                    )
                self._json(status, payload)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/":
                    self._file("index.html", "html")
                elif match := ASSET.match(path):
                    self._file(match.group(1), match.group(2))
                elif path.startswith("/ui/"):
                    self._json(*error(404, "not_found", "no such asset"))
                else:
                    self._api("GET")

            def do_POST(self) -> None:
                self._api("POST")

        return Handler

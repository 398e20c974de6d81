"""Chat posts from an event envelope (domain/events.py): a Microsoft Teams Adaptive Card for a
Workflows (Power Automate) webhook, and a Slack Block Kit message for an incoming webhook. Plain
German first, the English label beside it; a drill says "[ÜBUNG]" before everything else."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.drills import DRILL_PREFIX
from chalicelib.domain.events import LABELS, EventType

MAX_REASONS = 5
_COLOURS = {"SEV1": "attention", "SEV2": "warning", "SEV3": "accent", "SEV4": "default"}


def headline(event: dict[str, Any]) -> str:
    data = event["data"]
    label_de, _ = LABELS[_type(event)]
    drill = f"{DRILL_PREFIX} " if data.get("drill") else ""
    return f"{drill}{data['severity']} {label_de}: {data['brand_name']} – {data['topic']}"


def _type(event: dict[str, Any]) -> EventType:
    kind: EventType = event["type"]
    return kind


def _facts(event: dict[str, Any]) -> list[tuple[str, str]]:
    data = event["data"]
    facts = [
        ("Schweregrad", str(data["severity"])),
        ("Marke", str(data["brand_name"])),
        ("Status", str(data["status"])),
        ("Playbook", str(data.get("playbook_id") or "wird gewählt")),
    ]
    if data.get("channel"):
        facts.append(("Kanal", str(data["channel"])))
    return facts


def teams_card(event: dict[str, Any]) -> dict[str, Any]:
    """The message a Teams Workflows webhook ("Post to a channel when a webhook request is received")
    expects: `type: message` with one Adaptive Card attachment (schema 1.4, Teams renders up to 1.5)."""
    data = event["data"]
    _, label_en = LABELS[_type(event)]
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": headline(event),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": _COLOURS.get(str(data["severity"]), "default"),
        },
        {"type": "TextBlock", "text": str(data["news"]), "wrap": True},
        {"type": "TextBlock", "text": label_en, "isSubtle": True, "spacing": "None", "wrap": True},
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in _facts(event)]},
    ]
    reasons = [str(r) for r in data.get("reasons") or []][:MAX_REASONS]
    if reasons:
        body.append({"type": "TextBlock", "text": "\n".join(f"- {r}" for r in reasons), "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": "Im Krisenradar öffnen", "url": data["url"]},
            {"type": "Action.OpenUrl", "title": "Bestätigen", "url": data["url"]},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _mrkdwn(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(event: dict[str, Any]) -> dict[str, Any]:
    """An incoming-webhook message: `text` for notifications, `blocks` for the message itself."""
    data = event["data"]
    _, label_en = LABELS[_type(event)]
    reasons = [str(r) for r in data.get("reasons") or []][:MAX_REASONS]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline(event)[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{_mrkdwn(str(data['news']))}\n_{label_en}_"},
        },
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{t}:*\n{_mrkdwn(v)}"} for t, v in _facts(event)],
        },
    ]
    if reasons:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "\n".join(f"• {_mrkdwn(r)}" for r in reasons)},
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Im Krisenradar öffnen"},
                    "url": data["url"],
                    "style": "danger" if data["severity"] == "SEV1" else "primary",
                }
            ],
        }
    )
    return {"text": headline(event), "blocks": blocks}

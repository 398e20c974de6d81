"""The alert SMS (German, at most 160 GSM-7 characters, whole words) and the bilingual email. Every
text about a drill's incident starts with "[ÜBUNG]", so nobody mistakes an exercise for a crisis."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

from chalicelib.domain.drills import DRILL_PREFIX, drill_id_of, marked
from chalicelib.domain.messages.reasons import (
    local_time,
    plain_reasons,
)
from chalicelib.domain.models import AlertMessage, Incident

# -------------------------------------------------------------------------------------- SMS, email

SMS_LIMIT = 160

# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_REPLACEMENTS = {"–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "…": "..."}
_ELLIPSIS = "..."

EVENT_LABELS_DE = {
    "incident_opened": "Neue Krise erkannt",
    "severity_raised": "Schweregrad erhöht",
    "escalation": "Eskalation: noch nicht bestätigt",
    "incident_updated": "Lage verändert",
}
EVENT_LABELS_EN = {
    "incident_opened": "New crisis detected",
    "severity_raised": "Severity raised",
    "escalation": "Escalation: not acknowledged yet",
    "incident_updated": "Situation changed",
}
_SMS_LABELS = {**EVENT_LABELS_DE, "escalation": "Eskalation, unbestätigt"}
_STATUS = {
    "open": "offen / open",
    "acknowledged": "bestätigt / acknowledged",
    "responding": "in Bearbeitung / responding",
    "monitoring": "unter Beobachtung / monitoring",
    "resolved": "gelöst / resolved",
    "reviewed": "nachbereitet / reviewed",
}


def gsm7_length(text: str) -> int | None:
    """Septets the text needs, or None if a character is outside GSM-7."""
    length = 0
    for char in text:
        if char in _GSM_BASIC:
            length += 1
        elif char in _GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def to_gsm7(text: str) -> str:
    """Replace typographic characters and drop what GSM-7 cannot carry (emoji, accents outside it)."""
    out: list[str] = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if gsm7_length(char) is not None:
            out.append(char)
            continue
        ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(ascii_form if gsm7_length(ascii_form) is not None else "")
    return "".join(out)


def _septets(text: str) -> int:
    return gsm7_length(text) or 0


def _trim_tail(text: str) -> str:
    """Without trailing punctuation and trailing words that have no letter or digit ("&", "-")."""
    words = text.rstrip(",;:-. ").split(" ")
    while words and not any(char.isalnum() for char in words[-1]):
        words.pop()
    return " ".join(words).rstrip(",;:-. ")


def _whole_words(text: str, budget: int) -> str:
    """The text if it fits, else as many whole words as fit with "..." marking the cut ("" if none)."""
    if _septets(text) <= budget:
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        kept = _trim_tail(" ".join(words[:count]))
        if kept and _septets(kept + _ELLIPSIS) <= budget:
            return kept + _ELLIPSIS
    return ""


def _sms_body(parts: Sequence[tuple[str, str]], reason: str | None, budget: int) -> str:
    """Parts (prefix, words) while they fit whole; the first that does not is cut after a whole word
    (or left out). The reason comes last, and only whole."""
    body = ""
    for prefix, words in parts:
        if _septets(body + prefix + words + ".") <= budget:
            body += prefix + words
            continue
        cut = _whole_words(words, budget - _septets(body + prefix))
        return body + prefix + cut if cut else body + "."
    if reason and _septets(f"{body}. {reason}.") <= budget:
        return f"{body}. {reason}."
    return body + "."


def incident_link(public_url: str, incident_id: str) -> str:
    return f"{public_url.rstrip('/')}/#/incidents/{incident_id}"


def compose_sms(incident: Incident, event_type: str, link: str, brand_name: str) -> str:
    """German, at most 160 GSM-7 characters, ending on whole words: severity, what happened, brand and
    topic (cut after a word if need be), the first reason if it fits whole, and the link, which names
    the incident. Only if the link is too long for that does the incident id take its place."""

    def clean(text: str) -> str:
        return " ".join(to_gsm7(text).split())

    reasons = plain_reasons(incident.reasons[:1])
    reason = clean(reasons[0]) if reasons else None
    label = ("", clean(_SMS_LABELS.get(event_type, event_type)))
    if event_type == "incident_updated" and reason:
        # An update is about what is new: that comes first, the brand after it if there is room.
        parts, reason = [label, (": ", reason), (" - ", clean(brand_name))], None
    else:
        parts = [label, (" - ", clean(brand_name)), (", Thema ", clean(incident.topic))]
    drill = clean(DRILL_PREFIX) + " " if incident.drill_id else ""
    head, tail = drill + clean(f"KRISENRADAR {incident.severity.label}:") + " ", " " + clean(link)
    budget = SMS_LIMIT - _septets(head) - _septets(tail)
    if budget >= 30:
        return head + _sms_body(parts, reason, budget) + tail
    head = drill + clean(f"KRISENRADAR {incident.severity.label} {incident.incident_id}:") + " "
    return head + _sms_body(parts, reason, SMS_LIMIT - _septets(head))


def compose_email(incident: Incident, event_type: str, link: str, brand_name: str) -> tuple[str, str]:
    """Bilingual, times in Europe/Berlin, the reasons in plain words (no statistics)."""
    drill = incident.drill_id is not None
    label_de = EVENT_LABELS_DE.get(event_type, event_type)
    label_en = EVENT_LABELS_EN.get(event_type, event_type)
    subject = f"[Krisenradar] {incident.severity.label} {label_de}: {brand_name} - {incident.topic}"

    def bullets(lines: list[str]) -> str:
        return "\n".join(f"  - {line}" for line in lines) or "  -"

    status = incident.status.value
    exercise = (
        f"Dies ist eine Übung ({incident.drill_id}): nichts davon ist wirklich geschehen.\n"
        f"This is a drill ({incident.drill_id}): none of this really happened.\n\n"
        if drill
        else ""
    )
    body = (
        f"{label_de} / {label_en}\n\n"
        f"{exercise}"
        f"Vorfall / Incident:     {incident.incident_id}\n"
        f"Marke / Brand:          {brand_name}\n"
        f"Thema / Topic:          {incident.topic}\n"
        f"Schweregrad / Severity: {incident.severity.label}\n"
        f"Status:                 {_STATUS.get(status, status)}\n"
        f"Erkannt / Detected:     {local_time(incident.detected_at)}\n\n"
        f"Warum dieser Alarm:\n{bullets(plain_reasons(incident.reasons))}\n\n"
        f"Why this alert:\n{bullets(plain_reasons(incident.reasons, 'en'))}\n\n"
        f"Bitte bestätigen Sie den Vorfall, damit die Eskalation stoppt:\n"
        f"Please acknowledge the incident to stop the escalation:\n{link}\n"
    )
    if drill:
        subject, body = marked(subject), marked(body)
    return subject[:200], body


def compose_alert(
    incident: Incident, event_type: str, alert_id: str, public_url: str, brand_name: str
) -> AlertMessage:
    link = incident_link(public_url, incident.incident_id)
    subject, email = compose_email(incident, event_type, link, brand_name)
    return AlertMessage(
        alert_id=alert_id,
        incident_id=incident.incident_id,
        brand=incident.brand,
        event_type=event_type,
        severity=incident.severity,
        subject=subject,
        sms=compose_sms(incident, event_type, link, brand_name),
        email=email,
    )


def integration_document(message: AlertMessage, escalation_level: int) -> str:
    """The alert as integrations (CRM, queues, chat) read it: one JSON document."""
    return json.dumps(
        {
            "alert_id": message.alert_id,
            "incident_id": message.incident_id,
            "brand": message.brand,
            "event_type": message.event_type,
            "severity": message.severity.label,
            "escalation_level": escalation_level,
            "drill": drill_id_of(message.brand) is not None,
            "drill_id": drill_id_of(message.brand),
            "subject": message.subject,
            "sms": message.sms,
            "email": message.email,
        },
        ensure_ascii=False,
    )

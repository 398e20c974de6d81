"""Alert texts: a German SMS of at most 160 GSM-7 characters, and a German/English email."""

from __future__ import annotations

import unicodedata

from chalicelib.domain.models import AlertMessage, Incident

SMS_LIMIT = 160

# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_REPLACEMENTS = {"–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "…": "..."}

EVENT_LABELS_DE = {
    "incident_opened": "Neue Krise erkannt",
    "severity_raised": "Schweregrad erhöht",
    "escalation": "Eskalation: noch nicht bestätigt",
}
EVENT_LABELS_EN = {
    "incident_opened": "New crisis detected",
    "severity_raised": "Severity raised",
    "escalation": "Escalation: not acknowledged yet",
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


def _fit(text: str, budget: int) -> str:
    text = to_gsm7(text)
    while (gsm7_length(text) or 0) > budget and text:
        text = text[:-1]
    return text


def incident_link(public_url: str, incident_id: str) -> str:
    return f"{public_url.rstrip('/')}/#/incidents/{incident_id}"


def compose_sms(incident: Incident, event_type: str, link: str, brand_name: str) -> str:
    """German, at most 160 GSM-7 characters: severity, incident id, what happened, the first reason
    if it fits whole, and the link (dropped only if even the bare message would not fit)."""
    head = to_gsm7(f"KRISENRADAR {incident.severity.label} {incident.incident_id}: ")
    tail = to_gsm7(f" {link}")
    label = EVENT_LABELS_DE.get(event_type, event_type)
    body = to_gsm7(f"{label} - {brand_name}, Thema {incident.topic}.")
    if incident.reasons:
        with_reason = body + to_gsm7(f" {incident.reasons[0]}.")
        if (gsm7_length(head + with_reason + tail) or SMS_LIMIT + 1) <= SMS_LIMIT:
            body = with_reason
    budget = SMS_LIMIT - (gsm7_length(head) or 0) - (gsm7_length(tail) or 0)
    if budget < 10:  # a very long link: keep the incident and severity, drop the link
        return _fit(head + body, SMS_LIMIT)
    return head + _fit(body, budget) + tail


def compose_email(incident: Incident, event_type: str, link: str, brand_name: str) -> tuple[str, str]:
    label_de = EVENT_LABELS_DE.get(event_type, event_type)
    label_en = EVENT_LABELS_EN.get(event_type, event_type)
    subject = f"[Krisenradar] {incident.severity.label} {label_de}: {brand_name} - {incident.topic}"
    reasons = "\n".join(f"  - {reason}" for reason in incident.reasons) or "  -"
    body = (
        f"{label_de} / {label_en}\n\n"
        f"Vorfall / Incident: {incident.incident_id}\n"
        f"Marke / Brand:      {brand_name}\n"
        f"Thema / Topic:      {incident.topic}\n"
        f"Schweregrad:        {incident.severity.label}\n"
        f"Status:             {incident.status.value}\n"
        f"Erkannt / Detected: {incident.detected_at.isoformat()}\n\n"
        f"Warum dieser Alarm / Why this alert:\n{reasons}\n\n"
        f"Bitte bestätigen Sie den Vorfall, damit die Eskalation stoppt:\n"
        f"Please acknowledge the incident to stop the escalation:\n{link}\n"
    )
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

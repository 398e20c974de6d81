"""An incident's case in the company's CRM: what the ticket and the notes say, and the claims that
make each of them be created once, however many people press the button at the same moment.

A key ("ticket", or a mention id for its note) is claimed on the incident itself, under its version
lock, before the CRM is called; the claim is settled with the id the CRM returned, or released when
the call failed. A claim whose holder died is taken over after its lease."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import CrmRecord, Incident, Mention, TimelineEvent

TICKET = "ticket"
CLAIM_LEASE = timedelta(minutes=2)  # a CRM call gives up well within this (HubSpot adapter: < 30 s)
_BERLIN = ZoneInfo("Europe/Berlin")
_SEVERITY_DE = {1: "SEV1 (kritisch)", 2: "SEV2 (hoch)", 3: "SEV3 (mittel)", 4: "SEV4 (niedrig)"}
NOTE_TEXT_LIMIT = 2000


def record_of(incident: Incident) -> CrmRecord:
    return incident.crm or CrmRecord()


def done_id(record: CrmRecord, key: str) -> str | None:
    """The CRM id already created for `key`, if any."""
    return record.ticket_id if key == TICKET else record.notes.get(key)


def claim(incident: Incident, key: str, *, holder: str, now: datetime) -> Incident | None:
    """The incident with `key` claimed by `holder`; None when it is created already.

    Raises Conflict while another holder's claim is live: that person's request is creating it."""
    record = record_of(incident)
    if done_id(record, key):
        return None
    current = record.claims.get(key)
    if current and current[0] != holder and now - current[1] < CLAIM_LEASE:
        raise Conflict(
            "this is being created in the CRM right now; reload in a moment",
            [{"incident_id": incident.incident_id, "key": key}],
        )
    claims = {**record.claims, key: (holder, now)}
    return incident.model_copy(update={"crm": record.model_copy(update={"claims": claims})})


def release(incident: Incident, key: str, *, holder: str) -> Incident | None:
    """The incident without `holder`'s claim on `key` (the CRM call failed); None if it holds none."""
    record = record_of(incident)
    current = record.claims.get(key)
    if not current or current[0] != holder:
        return None
    claims = {k: v for k, v in record.claims.items() if k != key}
    return incident.model_copy(update={"crm": record.model_copy(update={"claims": claims})})


def settle(
    incident: Incident, key: str, crm_id: str, *, crm: str, actor: str, now: datetime, what: str
) -> Incident:
    """Record the created ticket or note, drop its claim and say so in the timeline (`what`: the
    timeline text). Settling again is harmless: the first id stays."""
    record = record_of(incident)
    claims = {k: v for k, v in record.claims.items() if k != key}
    if done_id(record, key):
        return incident.model_copy(update={"crm": record.model_copy(update={"claims": claims})})
    if key == TICKET:
        update: dict[str, object] = {"ticket_id": crm_id, "ticket_by": actor, "ticket_at": now}
    else:
        update = {"notes": {**record.notes, key: crm_id}}
    settled = record.model_copy(update={**update, "claims": claims, "crm": crm})
    event = TimelineEvent(at=now, kind="crm", message=what, actor=actor, ref=crm_id)
    return incident.model_copy(
        update={"crm": settled, "updated_at": now, "timeline": (*incident.timeline, event)}
    )


def _berlin(moment: datetime) -> str:
    return moment.astimezone(_BERLIN).strftime("%d.%m.%Y %H:%M")


def ticket_subject(incident: Incident, brand_name: str) -> str:
    severity = _SEVERITY_DE[int(incident.severity)].split()[0]
    return f"Krisenradar {severity}: {brand_name}: {incident.title}"[:250]


def ticket_body(incident: Incident, brand_name: str, link: str) -> str:
    reasons = "\n".join(f"- {reason}" for reason in incident.reasons) or "- (keine)"
    return "\n".join(
        [
            f"Krise bei {brand_name}: {incident.title}",
            f"Schweregrad: {_SEVERITY_DE[int(incident.severity)]}. Status: {incident.status.value}.",
            f"Erkannt: {_berlin(incident.detected_at)} (Berlin).",
            "Gründe:",
            reasons,
            f"Im Krisenradar öffnen: {link}",
        ]
    )


def note_body(mention: Mention, link: str) -> str:
    """The mention as the CRM keeps it: what was said, where and when, and the way back."""
    text = mention.text if len(mention.text) <= NOTE_TEXT_LIMIT else mention.text[: NOTE_TEXT_LIMIT - 1] + "…"
    author = mention.author.handle or "unbekannt"
    lines = [
        f"Erwähnung auf {mention.platform} von {author}, {_berlin(mention.published_at)} (Berlin):",
        text,
        f"Stimmung: {mention.sentiment}. Reichweite: {mention.reach}.",
    ]
    if mention.url:
        lines.append(f"Original: {mention.url}")
    lines.append(f"Im Krisenradar öffnen: {link}")
    return "\n".join(lines)

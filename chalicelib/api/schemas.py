"""Request and response models of the REST API (also the source of the OpenAPI schemas)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.config import Settings
from chalicelib.domain.drills import MAX_SPEED, MIN_SPEED, Drill
from chalicelib.domain.events import EVENT_TYPES
from chalicelib.domain.links import without_link_tokens
from chalicelib.domain.messages import brand_display_name, reason_fields
from chalicelib.domain.models import (
    ApiKey,
    AuditEntry,
    CrmRecord,
    Delivery,
    Draft,
    DraftChannel,
    DraftKind,
    Incident,
    IncidentStatus,
    Mention,
    Role,
    Severity,
    Tick,
    User,
)
from chalicelib.domain.webhooks import WebhookSubscription
from chalicelib.services.escalation import ChainView
from chalicelib.services.incidents import PlaybookInUse
from chalicelib.services.privacy import AuthorData, Erasure

SeverityLabel = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
RoleLabel = Literal["viewer", "responder", "approver", "admin"]


# Dates outside this range are typos or attacks (a mention dated 2099 would escape retention): 422.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "date_out_of_range"
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")


def _iso_8601(value: Any) -> Any:
    """A date-time as the document says (RFC 3339); pydantic alone also reads "0.5" as a Unix time.
    Parsed here, so that strict (JSON body) and lax (query) validation both receive a datetime."""
    if not isinstance(value, str):
        return value
    if not _ISO_8601.match(value):
        raise ValueError("expected an ISO 8601 date-time with a time zone, e.g. 2026-11-20T14:00:00Z")
    return datetime.fromisoformat(value)  # its ValueError (a 13th month) is a validation error too


def _within_range(moment: datetime) -> datetime:
    try:
        inside = EARLIEST <= moment < LATEST
    except OverflowError:  # 0001-01-01T00:00+14:00 lies before year 1 in UTC
        inside = False
    if not inside:
        raise PydanticCustomError(OUT_OF_RANGE, "the date must lie in 2000-01-01..2100-01-01 (UTC)")
    return moment


SaneDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_8601), AfterValidator(_within_range)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageQuery(Request):
    limit: int = Field(default=25, ge=1, le=100)
    next_token: str | None = Field(default=None, max_length=2048)


class IncidentQuery(PageQuery):
    status: IncidentStatus | None = None
    severity: SeverityLabel | None = None
    brand: str | None = Field(default=None, max_length=40)


class MentionQuery(PageQuery):
    brand: str = Field(min_length=1, max_length=40)
    since: SaneDatetime | None = None
    until: SaneDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MentionQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        until = self.until or now
        return self.since or until - timedelta(days=1), until


class AlertQuery(PageQuery):
    incident_id: str | None = Field(default=None, max_length=40)


class NoteBody(Request):
    note: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class StatusChange(NoteBody):
    status: IncidentStatus


class TextBody(Request):
    text: str = Field(min_length=1, max_length=1000)
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class VersionBody(Request):
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class PlaybookChoice(Request):
    playbook_id: str = Field(min_length=1, max_length=60)
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class TickBody(Request):
    done: bool = True
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class RolesBody(Request):
    """Crisis role -> user id (null takes the role away), e.g. {"Krisenleitung": "anna-schmidt"}."""

    assignments: dict[str, str | None] = Field(min_length=1, max_length=10)
    version: int | None = Field(default=None, ge=1, description="409 if the incident changed since")


class ApiKeyCreate(Request):
    name: str = Field(min_length=1, max_length=80)
    role: RoleLabel


class IngestAuthor(Request):
    handle: str | None = Field(default=None, max_length=200)
    followers: int = Field(default=0, ge=0, le=10**10)
    is_media: bool = False


class IngestMention(Request):
    platform: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    native_id: str = Field(min_length=1, max_length=512)
    brand: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=20_000)
    published_at: SaneDatetime
    url: str | None = Field(default=None, max_length=2048)
    author: IngestAuthor = IngestAuthor()
    reach: int = Field(default=0, ge=0, le=10**10)


class IngestBody(Request):
    mentions: list[IngestMention] = Field(min_length=1, max_length=500)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 1) if start and end else None


def incident_summary(incident: Incident) -> dict[str, Any]:
    return {
        "incident_id": incident.incident_id,
        "brand": incident.brand,
        "topic": incident.topic,
        "title": incident.title,
        "status": incident.status.value,
        "severity": incident.severity.label,
        "brand_name": brand_display_name(incident),
        **reason_fields(
            incident.reasons, incident.reason_evidence
        ),  # reasons (plain German), reasons_en, reason_details
        "topics": list(incident.topics),
        "signals": list(incident.signals),
        "opened_at": _iso(incident.opened_at),
        "updated_at": _iso(incident.updated_at),
        "detected_at": _iso(incident.detected_at),
        "first_signal_at": _iso(incident.first_signal_at),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": _iso(incident.resolved_at),
        "resolved_by": incident.resolved_by,
        "drill_id": incident.drill_id,  # an exercise ("Krisenübung"); null for a real crisis
        "version": incident.version,
        "timers": {
            "time_to_detect_s": _seconds(incident.first_signal_at, incident.detected_at),
            "time_to_acknowledge_s": _seconds(incident.detected_at, incident.acknowledged_at),
            "time_to_resolve_s": _seconds(incident.detected_at, incident.resolved_at),
        },
    }


def _tick_view(tick: Tick | None) -> dict[str, Any]:
    return {
        "done": tick is not None,
        "done_by": tick.done_by if tick else None,
        "done_at": _iso(tick.done_at) if tick else None,
    }


def playbook_view(incident: Incident, in_use: PlaybookInUse | None) -> dict[str, Any]:
    """The incident's crisis playbook and its first-hour checklist as the team ticked it."""
    if in_use is None:
        return {}
    playbook = in_use.playbook
    return {
        "playbook": {
            "id": playbook.id,
            "title": playbook.title.model_dump(),
            "selected": "manual" if in_use.manual else "auto",
        },
        "checklist": [
            {
                "item_id": item.id,
                "text": item.text.model_dump(),
                "role": item.role,
                "due_minutes": item.due_minutes,
                "due_at": _iso(incident.detected_at + timedelta(minutes=item.due_minutes)),
                **_tick_view(incident.checklist.get(item.id)),
            }
            for item in playbook.first_hour
        ],
    }


def incident_detail(
    incident: Incident, top_mentions: list[Mention], playbook: PlaybookInUse | None = None
) -> dict[str, Any]:
    return {
        **incident_summary(incident),
        "timeline": [
            {
                "at": _iso(event.at),
                "kind": event.kind,
                "message": event.message,
                "actor": event.actor,
                "severity": event.severity,
            }
            for event in incident.timeline
        ],
        "top_mentions": [mention_view(m) for m in top_mentions],
        "facts": [
            {
                "fact_id": fact.fact_id,
                "text": fact.text,
                "added_by": fact.added_by,
                "added_at": _iso(fact.added_at),
                "verified": fact.verified,
                "verified_by": fact.verified_by,
                "verified_at": _iso(fact.verified_at),
            }
            for fact in incident.facts
        ],
        "assignments": dict(incident.assignments),
        "crm": crm_view(incident.crm),
        **playbook_view(incident, playbook),
    }


def crm_view(record: CrmRecord | None) -> dict[str, Any] | None:
    """The incident's case in the CRM: its ticket and the mentions logged on it (None: none yet)."""
    if record is None or not (record.ticket_id or record.notes):
        return None
    return {
        "crm": record.crm,
        "ticket_id": record.ticket_id,
        "ticket_by": record.ticket_by,
        "ticket_at": _iso(record.ticket_at),
        "notes": [{"mention_id": mention, "note_id": note} for mention, note in record.notes.items()],
    }


class CrmNoteCreate(Request):
    """A mention to log as a note on the incident's CRM ticket."""

    mention_id: str = Field(
        min_length=3, max_length=600, pattern=r"^[a-z0-9_-]+#.+$", description="platform#native_id"
    )


def mention_view(mention: Mention) -> dict[str, Any]:
    return {
        "mention_id": mention.mention_id,
        "platform": mention.platform,
        "native_id": mention.native_id,
        "brand": mention.brand,
        "text": mention.text,
        "url": mention.url,
        "published_at": _iso(mention.published_at),
        "author": {
            "handle": mention.author.handle,
            "followers": mention.author.followers,
            "is_media": mention.author.is_media,
        },
        "reach": mention.reach,
        "lang": mention.lang,
        "sentiment": mention.sentiment,
        "sentiment_score": mention.sentiment_score,
        "risk_terms": list(mention.risk_terms),
        "topics": list(mention.topics),
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "alert_id": delivery.alert_id,
        "incident_id": delivery.incident_id,
        "brand": delivery.brand,
        "event_type": delivery.event_type,
        "severity": delivery.severity.label,
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "escalation_level": delivery.escalation_level,
        "user_id": delivery.user_id,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "subject": delivery.subject,
        "body": without_link_tokens(delivery.body),
        "created_at": _iso(delivery.created_at),
        "delivered_at": _iso(delivery.delivered_at),
    }


PHONE_PATTERN = r"^\+[1-9]\d{6,14}$"
# The HTML living standard's valid e-mail address (ASCII; an international domain as punycode). The
# address becomes an SNS subscription: a control character in it broke every later subscription listing.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,}$"
)


class UserCreate(Request):
    user_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=120)
    role: RoleLabel
    function: str = Field(default="", max_length=120)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, description="E.164, e.g. +4915112345678")
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    escalation_level: int = Field(default=1, ge=1, le=5)
    sms_min_severity: SeverityLabel = "SEV2"
    on_duty: bool = True


class UserUpdate(Request):
    """Only the fields sent change; `version` (optional) makes the change fail if someone saved first."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    role: RoleLabel | None = None
    function: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, description="E.164; null removes it")
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    escalation_level: int | None = Field(default=None, ge=1, le=5)
    sms_min_severity: SeverityLabel | None = None
    on_duty: bool | None = None
    version: int | None = Field(default=None, ge=1)

    def changes(self) -> dict[str, Any]:
        """The sent fields as domain values (phone and email may be sent as null to remove them)."""
        sent = self.model_dump(exclude_unset=True, exclude={"version"})
        if sent.get("role") is not None:
            sent["role"] = Role[sent["role"].upper()]
        if sent.get("sms_min_severity") is not None:
            sent["sms_min_severity"] = Severity.parse(sent["sms_min_severity"])
        return {k: v for k, v in sent.items() if v is not None or k in ("phone", "email")}


class PersonalKeyCreate(Request):
    name: str | None = Field(default=None, min_length=1, max_length=80)


def user_view(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "name": user.name,
        "role": user.role.label,
        "function": user.function,
        "phone": user.phone,
        "email": user.email,
        "escalation_level": user.escalation_level,
        "sms_min_severity": user.sms_min_severity.label,
        "on_duty": user.on_duty,
        "updated_at": _iso(user.updated_at),
        "version": user.version,
    }


def api_key_view(key: ApiKey) -> dict[str, Any]:
    """Everything about a key except its secret and hash."""
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role.label,
        "user_id": key.user_id,
        "created_at": _iso(key.created_at),
        "created_by": key.created_by,
        "revoked": key.disabled,
        "revoked_at": _iso(key.revoked_at),
        "revoked_by": key.revoked_by,
    }


# --- reply drafts ---------------------------------------------------------------------------------


class DraftCreate(Request):
    """A draft from the incident's crisis playbook; replies and private messages answer a mention."""

    kind: DraftKind
    channel: DraftChannel
    language: Literal["de", "en"]
    address: Literal["Sie", "Du"]
    mention_id: str | None = Field(
        default=None, max_length=600, pattern=r"^[a-z0-9_-]+#.+$", description="platform#native_id"
    )
    incident_title: str | None = Field(
        default=None, min_length=1, max_length=200, description="the matter in plain words"
    )
    contact: str | None = Field(default=None, min_length=1, max_length=200, description="hotline or page")
    next_update: str | None = Field(
        default=None, min_length=1, max_length=80, description="e.g. heute um 16 Uhr"
    )


class DraftEdit(Request):
    text: str = Field(min_length=1, max_length=5000)
    version: int = Field(ge=1, description="the version edited; 409 if the draft changed since")


class DraftDecision(Request):
    note: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1, description="409 if the draft changed since")


class DraftPublish(Request):
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    post: bool = Field(
        default=False,
        description="Krisenradar posts the reply on the mention's platform as the brand's account "
        "(X, Bluesky, Facebook, Instagram, Google reviews) and keeps the post's URL",
    )

    @model_validator(mode="after")
    def _one_way(self) -> DraftPublish:
        if self.post and self.url:
            raise ValueError("either post (Krisenradar posts it) or url (posted by hand), not both")
        return self

    version: int | None = Field(default=None, ge=1, description="409 if the draft changed since")


def draft_view(draft: Draft) -> dict[str, Any]:
    return {
        "draft_id": draft.draft_id,
        "incident_id": draft.incident_id,
        "brand": draft.brand,
        "kind": draft.kind,
        "channel": draft.channel,
        "language": draft.language,
        "address": draft.address,
        "mention_id": draft.mention_id,
        "playbook_id": draft.playbook_id,
        "text": draft.text,
        "recommendation": {
            "channel": draft.recommendation.channel,
            "reason": draft.recommendation.reason,
            "reason_en": draft.recommendation.reason_en,
            "rule": draft.recommendation.rule,
        },
        "checks": [check.model_dump() for check in draft.checks],
        "status": draft.status.value,
        "version": draft.version,
        "created_by": draft.created_by,
        "created_at": _iso(draft.created_at),
        "edited_by": draft.edited_by,
        "edited_at": _iso(draft.edited_at),
        "approvals": [
            {"by": a.by, "at": _iso(a.at), "version": a.version, "note": a.note} for a in draft.approvals
        ],
        "rejected_by": draft.rejected_by,
        "rejected_at": _iso(draft.rejected_at),
        "rejection_note": draft.rejection_note,
        "published_by": draft.published_by,
        "published_at": _iso(draft.published_at),
        "published_url": draft.published_url,
    }


def draft_detail(draft: Draft) -> dict[str, Any]:
    from chalicelib.domain.draft_review import versions

    return {
        **draft_view(draft),
        "versions": [{**entry, "edited_at": _iso(entry["edited_at"])} for entry in versions(draft)],
    }


class AuditQuery(PageQuery):
    target: str | None = Field(
        default=None,
        max_length=120,
        pattern=r"^[a-z-]+:\S+$",
        description='e.g. "incident:INC-20261129-AB12CD"',
    )


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "at": _iso(entry.at),
        "actor": entry.actor,
        "actor_key_id": entry.actor_key_id,
        "actor_user_id": entry.actor_user_id,
        "action": entry.action,
        "target": entry.target,
        "status": entry.status,
        "before": entry.before,
        "after": entry.after,
    }


# --- drills ("Krisenübung") -----------------------------------------------------------------------


class DrillStart(Request):
    """A drill of a crisis playbook on a brand; the scenario plays `speed` times faster than real time."""

    playbook: str = Field(min_length=1, max_length=60, description="a crisis playbook id (GET /playbooks)")
    brand: str = Field(min_length=1, max_length=40)
    speed: int = Field(default=60, json_schema_extra={"minimum": MIN_SPEED, "maximum": MAX_SPEED})


def drill_view(drill: Drill) -> dict[str, Any]:
    return {
        "drill_id": drill.drill_id,
        "brand": drill.brand,
        "brand_key": drill.brand_key,
        "playbook": drill.playbook,
        "scenario": drill.scenario,
        "speed": drill.speed,
        "status": drill.status.value,
        "started_at": _iso(drill.started_at),
        "started_by": drill.started_by,
        "ends_at": _iso(drill.ends_at),
        "ended_at": _iso(drill.ended_at),
        "ended_by": drill.ended_by,
        "end_reason": drill.end_reason,  # stopped, incident_resolved, expired
        "incident_id": drill.incident_id,
    }


# --- the escalation chain -------------------------------------------------------------------------


class EscalationStepBody(Request):
    level: int = Field(ge=1, le=5)
    after_minutes: int = Field(ge=0, le=24 * 60, description="minutes after the incident opened")


class EscalationBody(Request):
    """The whole chain, ordered: level 1 at 0 minutes, then rising levels with rising minutes."""

    steps: list[EscalationStepBody] = Field(min_length=1, max_length=5)
    version: int | None = Field(default=None, ge=1, description="409 if the chain changed since")


def _person(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "name": user.name,
        "function": user.function,
        "escalation_level": user.escalation_level,
        "sms": user.phone is not None,
    }


def escalation_view(view: ChainView) -> dict[str, Any]:
    chain = view.chain
    return {
        "steps": [{"level": s.level, "after_minutes": s.after_minutes} for s in chain.steps],
        "version": chain.version,
        "source": view.source,
        "updated_at": _iso(chain.updated_at),
        "updated_by": chain.updated_by,
        "levels": [
            {
                "level": entry.step.level,
                "after_minutes": entry.step.after_minutes,
                "on_duty": [_person(u) for u in entry.on_duty],
                "reached": [_person(u) for u in entry.reached],
                "warning": entry.warning.de if entry.warning else None,
                "warning_en": entry.warning.en if entry.warning else None,
            }
            for entry in view.levels
        ],
        "warnings": [w._asdict() for w in view.warnings],
    }


# --- situational picture, review and reports (issue 8) ----------------------------------------------

Lang = Literal["de", "en"]
Lesson = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class SeriesQuery(Request):
    resolution: Literal["5m", "1h"] = "5m"
    minutes: int | None = Field(default=None, ge=10, le=1440, description="feedback window per statement")


class ReviewQuery(Request):
    format: Literal["json", "markdown", "pdf"] = "json"
    lang: Lang = "de"
    minutes: int | None = Field(default=None, ge=10, le=1440, description="feedback window per statement")


class ActionItemBody(Request):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    due: date
    done: bool = False


class ReviewBody(Request):
    summary: str = Field(default="", max_length=5000)
    lessons: list[Lesson] = Field(default_factory=list, max_length=30)
    action_items: list[ActionItemBody] = Field(default_factory=list, max_length=50)
    version: int | None = Field(default=None, ge=0)


class ReportQuery(Request):
    since: SaneDatetime | None = None
    until: SaneDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ReportQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class MentionExportQuery(ReportQuery):
    brand: str = Field(min_length=1, max_length=40)
    next_token: str | None = Field(default=None, max_length=2048)


# --- outgoing webhooks (Standard Webhooks) ---------------------------------------------------------

_EVENTS_HELP = f"event types, at least one of {', '.join(EVENT_TYPES)}"


class WebhookCreate(Request):
    """A receiver: https (http on loopback on the local stack only), no credentials in the URL."""

    url: str = Field(min_length=1, max_length=4096, description="at most 2048 characters (422 beyond)")
    events: list[str] = Field(max_length=len(EVENT_TYPES) * 2, description=_EVENTS_HELP)


class WebhookUpdate(Request):
    """Change what is given: pause or resume, the events, the URL."""

    url: str | None = Field(default=None, min_length=1, max_length=4096)
    events: list[str] | None = Field(default=None, max_length=len(EVENT_TYPES) * 2, description=_EVENTS_HELP)
    paused: bool | None = None
    version: int | None = Field(default=None, ge=1, description="409 if the webhook changed since")


def webhook_view(webhook: WebhookSubscription) -> dict[str, Any]:
    """A subscription as the API shows it: never its secret (that is shown once, at creation)."""
    return {
        "id": webhook.webhook_id,
        "webhook_id": webhook.webhook_id,
        "url": webhook.url,
        "events": list(webhook.events),
        "paused": webhook.paused,
        "created_at": _iso(webhook.created_at),
        "created_by": webhook.created_by,
        "updated_at": _iso(webhook.updated_at),
        "updated_by": webhook.updated_by,
        "version": webhook.version,
    }


# --- DSGVO: an author's data (Art. 15) and its erasure (Art. 17) ---------------------------------


def author_export_view(
    platform: str, handle: str, data: AuthorData, settings: Settings, now: datetime
) -> dict[str, Any]:
    """What Art. 15 asks for: the data, why it is kept, who receives it, and for how long."""
    return {
        "platform": platform,
        "handle": handle,
        "exported_at": _iso(now),
        "purpose": "Früherkennung und Bearbeitung von Krisen der Marke (Art. 6 Abs. 1 lit. f DSGVO)",
        "recipients": "das Krisenteam des Unternehmens; Hinweise im CRM, wo das Team sie angelegt hat",
        "retention_days": {
            "mentions": settings.mention_retention_days,
            "incident_personal_data_after_resolution": settings.incident_personal_data_days,
        },
        "mentions": [mention_view(m) for m in data.mentions],
        "drafts": [draft_view(d) for d in data.drafts],
        "crm_notes": [
            {"incident_id": n.incident_id, "mention_id": n.mention_id, "note_id": n.note_id}
            for n in data.crm_notes
        ],
    }


def erasure_view(erasure: Erasure) -> dict[str, Any]:
    """Counts and a reference number only: this answer is also what the audit log keeps."""
    return {
        "erasure_id": erasure.erasure_id,
        "erased": {"mentions": erasure.mentions, "drafts": erasure.drafts, "incidents": erasure.incidents},
    }

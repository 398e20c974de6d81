"""Pure domain models. No I/O, no AWS imports."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.enums import IncidentStatus as IncidentStatus
from chalicelib.domain.enums import Role as Role
from chalicelib.domain.enums import Severity as Severity

BUCKET_SECONDS = 300


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 with "Z" for UTC, as the situational picture, reports and events write times."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def bucket_start(moment: datetime) -> datetime:
    """The start of the 5-minute bucket a moment falls into (UTC)."""
    moment = moment.astimezone(UTC)
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS, UTC)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Author(Frozen):
    """Only what the team needs to answer and to weigh reach (data minimisation, DSGVO)."""

    handle: str | None = None
    followers: int = Field(default=0, ge=0)
    is_media: bool = False


class RawMention(Frozen):
    """A mention as a source adapter returns it, before enrichment."""

    platform: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    native_id: str = Field(min_length=1, max_length=512)
    brand: str = Field(min_length=1, max_length=80)
    text: str = Field(max_length=20_000)
    published_at: datetime
    url: str | None = Field(default=None, max_length=2048)
    author: Author = Author()
    reach: int = Field(default=0, ge=0)
    # What the platform says the language is (BCP 47, e.g. "de"); the analyzer decides `Mention.lang`.
    lang_hint: str | None = Field(default=None, max_length=35)
    # Likes, reposts, replies and quotes together, as the platform counts them when collected.
    engagement: int = Field(default=0, ge=0)
    # The conversation or post this one answers (platform-native id), so replies group into threads.
    thread_id: str | None = Field(default=None, max_length=512)


class Mention(Frozen):
    """An enriched mention, as stored."""

    platform: str
    native_id: str
    brand: str
    text: str
    published_at: datetime
    collected_at: datetime
    url: str | None = None
    author: Author = Author()
    reach: int = 0
    lang: Literal["de", "en", "other"]
    sentiment: Literal["negative", "neutral", "positive"]
    sentiment_score: float
    negativity: float = 0.0
    arousal: float = 0.0
    first_person_singular: int = 0
    risk_terms: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    high_reach: bool = False
    risk_weight: int = 0
    expires_at: datetime
    engagement: int = 0
    thread_id: str | None = None

    @property
    def mention_id(self) -> str:
        return f"{self.platform}#{self.native_id}"

    @property
    def is_negative(self) -> bool:
        return self.sentiment == "negative"


class Bucket(Frozen):
    """Aggregates of one brand over one 5-minute bucket, kept as atomic counters at ingestion."""

    brand: str
    start: datetime
    total: int = 0
    negative: int = 0
    reach: int = 0
    risk: int = 0
    severe: int = 0
    high_reach: int = 0
    arousal: float = 0.0
    first_person: int = 0
    topics: dict[str, int] = Field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=BUCKET_SECONDS)


@dataclass(frozen=True)
class Reason:
    """Why one signal fired: its code and its numbers, or (signal "other") a text we cannot read.
    domain/messages renders it for people; incidents keep it to show the statistics on request."""

    signal: str
    values: dict[str, float] = dataclass_field(default_factory=dict, hash=False)
    text: str = ""


MAX_TOPICS_PER_MENTION = 5


class BucketCounts(Frozen):
    """What one mention adds to its brand's 5-minute bucket (topic counters use the first four)."""

    total: int = 1
    negative: int
    reach: int
    risk: int
    severe: int
    high_reach: int
    arousal: float
    first_person: int


def bucket_counts(mention: Mention, severe_weight: int) -> BucketCounts:
    return BucketCounts(
        negative=1 if mention.is_negative else 0,
        reach=mention.reach,
        risk=1 if mention.risk_terms else 0,
        severe=1 if mention.risk_weight >= severe_weight else 0,
        high_reach=1 if mention.high_reach else 0,
        arousal=round(mention.arousal, 4),
        first_person=mention.first_person_singular,
    )


def counted_topics(mention: Mention) -> tuple[str, ...]:
    return mention.topics[:MAX_TOPICS_PER_MENTION]


class TimelineEvent(Frozen):
    at: datetime
    kind: str
    message: str
    actor: str | None = None
    severity: str | None = None
    ref: str | None = None  # what the entry is about (an alert id), so that it is written once


class Fact(Frozen):
    """Something the team knows about the crisis. Drafts may state only verified facts."""

    fact_id: str = Field(pattern=r"^F[0-9]{1,4}$")
    text: str = Field(min_length=1, max_length=1000)
    added_by: str
    added_at: datetime
    verified_by: str | None = None
    verified_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.verified_by is not None


CRISIS_ROLES = ("Krisenleitung", "Kommunikation", "Recht", "Kundenservice", "Geschäftsführung")


class Tick(Frozen):
    """A checklist item marked done: by whom and when."""

    done_by: str
    done_at: datetime


class ActionItem(Frozen):
    """Something the team will change after the crisis: what, who, by when."""

    text: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=120)
    due: date
    done: bool = False


class ReviewNotes(Frozen):
    """What the team wrote in the post-incident review: a summary, lessons and action items.
    The figures, timeline and feedback are computed from the incident each time (domain/review.py)."""

    summary: str = Field(default="", max_length=5000)
    lessons: tuple[str, ...] = Field(default=(), max_length=30)
    action_items: tuple[ActionItem, ...] = Field(default=(), max_length=50)
    written_by: str
    written_at: datetime
    updated_by: str
    updated_at: datetime


class CrmRecord(Frozen):
    """An incident's case in the company's CRM: its ticket, created once, and the notes logged on it,
    one per mention. While a ticket or note is being created its key is claimed (holder, since), so
    that two people pressing the button at once create one ticket, not two."""

    crm: str = "hubspot"
    ticket_id: str | None = None
    ticket_by: str | None = None
    ticket_at: datetime | None = None
    notes: dict[str, str] = Field(default_factory=dict)  # mention id -> note id
    claims: dict[str, tuple[str, datetime]] = Field(default_factory=dict)  # "ticket"/mention id -> claim


class Incident(Frozen):
    incident_id: str
    brand: str
    topic: str
    title: str
    status: IncidentStatus
    severity: Severity
    reasons: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    opened_at: datetime
    updated_at: datetime
    detected_at: datetime
    first_signal_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    timeline: tuple[TimelineEvent, ...] = ()
    reason_evidence: tuple[Reason | None, ...] = ()  # the numbers behind `reasons`, where known
    facts: tuple[Fact, ...] = ()
    assignments: dict[str, str] = Field(default_factory=dict)  # crisis role -> user id
    playbook_id: str | None = None  # chosen by a responder; None: selected from the topics when shown
    checklist: dict[str, Tick] = Field(default_factory=dict)  # checklist item id -> done
    review: ReviewNotes | None = None  # written after the crisis; `reviewed` needs it
    drill_id: str | None = None  # an exercise ("Krisenübung"): never in real reports
    crm: CrmRecord | None = None  # the incident's ticket and notes in the CRM, once created
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status.active


class DeliveryStatus(enum.StrEnum):
    """pending -> sending (claimed under a lease) -> delivered; a failed publish goes back to pending,
    one the receiver refused for good (a 4xx) becomes failed: recorded, not retried."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


# People get SMS and email; "integration" is the SQS copy for CRMs; chat posts to Teams and Slack;
# "webhook" to a subscribed URL (Standard Webhooks); "eventbridge" to the company's event bus.
DeliveryChannel = Literal["sms", "email", "integration", "teams", "slack", "webhook", "eventbridge"]


class Delivery(Frozen):
    """One planned notification to one recipient over one channel (an outbox row)."""

    alert_id: str
    incident_id: str
    brand: str
    event_type: str
    severity: Severity
    channel: DeliveryChannel
    recipient: str
    user_id: str | None = None  # the person it is addressed to (integrations: None)
    escalation_level: int = Field(default=1, ge=1)
    subject: str
    body: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None
    message_id: str | None = None
    next_attempt_at: datetime | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None

    @property
    def target(self) -> str:
        """Channel and recipient: with the alert id, what makes a delivery unique."""
        return f"{self.channel}#{self.recipient}"

    def is_due(self, now: datetime) -> bool:
        """Pending and not waiting out a retry back-off, or claimed by a sender whose lease ran out."""
        if self.status is DeliveryStatus.PENDING:
            return self.next_attempt_at is None or self.next_attempt_at <= now
        if self.status is DeliveryStatus.SENDING:
            return self.lease_until is None or self.lease_until <= now
        return False


class AlertMessage(Frozen):
    """What one alert says, per channel, before it is fanned out to recipients."""

    alert_id: str
    incident_id: str
    brand: str
    event_type: str
    severity: Severity
    subject: str
    sms: str
    email: str


class User(Frozen):
    """A person of the crisis team: who acts (audit), who is paged (roster), with what rights (role)."""

    user_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=120)
    role: Role
    function: str = Field(default="", max_length=120)  # in the crisis team, e.g. Krisenleitung
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    escalation_level: int = Field(default=1, ge=1, le=5)
    sms_min_severity: Severity = Severity.SEV2
    on_duty: bool = True
    created_at: datetime
    updated_at: datetime
    version: int = 0


class ApiKey(Frozen):
    key_id: str
    name: str
    role: Role
    secret_hash: str
    created_at: datetime
    created_by: str | None = None
    disabled: bool = False
    user_id: str | None = None  # a person's own key; None for a machine client (CRM, script)
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class Principal(Frozen):
    key_id: str
    name: str
    role: Role
    user_id: str | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_token: str | None = None


def every_item(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a paged listing, page after page: `fetch(next_token)` gives one page. A caller
    that stops early reads no further page."""
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page.items
        token = page.next_token
        if not token:
            return


# --- reply drafts (four-eyes approval; rules in domain/drafts.py) -----------------------------------

DraftKind = Literal["reply", "private_message", "holding_statement", "press_statement"]
DraftChannel = Literal[
    "x",
    "bluesky",
    "mastodon",
    "facebook",
    "instagram",
    "linkedin",
    "youtube",
    "reddit",
    "google_reviews",
    "trustpilot",
    "email",
    "sms",
    "website",
    "press",
]
DraftAddress = Literal["Sie", "Du"]
CheckSeverity = Literal["error", "warning", "info"]
RecommendedChannel = Literal["public_reply", "private_message", "phone", "press_statement"]


class DraftStatus(enum.StrEnum):
    """draft -> approved -> published; rejected on the way. Editing returns a draft to draft."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


class DraftCheck(Frozen):
    """One finding about a draft's text; an error blocks approval."""

    code: str
    message: str  # plain German
    message_en: str
    severity: CheckSeverity


class Recommendation(Frozen):
    rule: str
    channel: RecommendedChannel
    reason: str  # plain German
    reason_en: str


class Approval(Frozen):
    by: str  # the person's name, as shown
    by_id: str  # who it is (user id or key id): four eyes compare this
    at: datetime
    version: int  # the draft version approved
    note: str | None = None


class DraftRevision(Frozen):
    """One version of a draft: who changed what and when. `text` is None when it did not change."""

    version: int
    change: Literal["created", "edited", "approved", "rejected", "published"]
    by: str
    at: datetime
    text: str | None = None
    note: str | None = None


class Draft(Frozen):
    draft_id: str
    incident_id: str
    brand: str
    kind: DraftKind
    channel: DraftChannel
    language: Literal["de", "en"]
    address: DraftAddress
    mention_id: str | None = None
    author_handle: str | None = None  # of the mention answered; shown in the text, so it backs claims
    playbook_id: str
    template_text: str  # as the playbook rendered it: reviewed wording, no claims of its own
    text: str
    recommendation: Recommendation
    checks: tuple[DraftCheck, ...] = ()
    status: DraftStatus = DraftStatus.DRAFT
    created_by: str
    created_by_id: str
    created_at: datetime
    edited_by: str
    edited_by_id: str
    edited_at: datetime
    approvals: tuple[Approval, ...] = ()
    rejected_by: str | None = None
    rejected_at: datetime | None = None
    rejection_note: str | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    published_url: str | None = None
    # While Krisenradar posts the reply on the platform: who holds the claim and since when. A claim
    # that stays (the function died after posting, before recording) means the outcome is unknown.
    posting: tuple[str, datetime] | None = None
    revisions: tuple[DraftRevision, ...] = ()
    version: int = 0

    @property
    def has_errors(self) -> bool:
        return any(check.severity == "error" for check in self.checks)


class AuditEntry(Frozen):
    """One change made through the API: who, what, when, and the resource before and after."""

    entry_id: str  # sortable: the time, then a random part
    at: datetime
    actor: str
    actor_key_id: str
    actor_user_id: str | None = None
    action: str  # the route, e.g. "POST /incidents/{incident_id}/status"
    target: str | None = None  # e.g. "incident:INC-20261129-BBA883"
    status: int
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    expires_at: datetime


class CrmContact(Frozen):
    """A person the company's CRM knows. Only what tilts the reply: no email, phone or address is
    fetched or kept (data minimisation, DSGVO), and nothing of it is stored with a draft."""

    contact_id: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    lifecycle_stage: str | None = Field(default=None, max_length=64)

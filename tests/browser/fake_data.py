"""Canned data for the fake backend: incidents, mentions and alerts in the API's shapes, the demo crisis
team, the desk state of each incident (facts, roles, playbook, ticks), the real crisis playbooks and
reply drafts kept as the real domain model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from chalicelib.domain.crisis import CrisisPlaybook
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.messages import reason_fields
from chalicelib.domain.models import Author, Draft, Mention, Role, Severity, Tick, User
from chalicelib.domain.playbook import Team
from tests.fakes import MemoryState

# The browser clock is pinned to NOW, so "seit 7 Min offen" is exact.
NOW = datetime(2025, 11, 26, 9, 0, tzinfo=UTC)
PLAYBOOKS_DIR = Path(__file__).resolve().parents[2] / "playbooks" / "crisis"
# What the real selection (risk categories and hashtags) picks for the canned incidents' topics.
AUTO_PLAYBOOK = {
    "rueckruf": "produktmangel-rueckruf",
    "service": "stoerung-lieferproblem",
    "marketing": "kontroverse-werbung",
}
FALLBACK_PLAYBOOK = "beschwerdewelle"


def load_playbooks() -> dict[str, CrisisPlaybook]:
    """The real crisis playbooks from playbooks/crisis/, so checklist texts and roles are the team's own."""
    found = {}
    for path in sorted(PLAYBOOKS_DIR.glob("*.yaml")):
        if not path.name.startswith("_"):
            playbook = CrisisPlaybook.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            found[playbook.id] = playbook
    return found


PLAYBOOKS = load_playbooks()
# The real team file: its escalation chain is the chain until an admin edits it (then: the store).
TEAM = Team.model_validate(yaml.safe_load((PLAYBOOKS_DIR.parent / "team.yaml").read_text(encoding="utf-8")))


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
        "topics": [extra.get("topic", "produkt")],
        "signals": ["volume", "negative_share"],
        "opened_at": iso(opened),
        "updated_at": iso(resolved or acknowledged or opened),
        "detected_at": iso(opened),
        "first_signal_at": iso(opened - timedelta(minutes=2)),
        "acknowledged_at": iso(acknowledged),
        "acknowledged_by": "Rita Responder" if acknowledged else None,
        "resolved_at": iso(resolved),
        "resolved_by": "Rita Responder" if resolved else None,
        "version": 1,
        "drill_id": None,
        "timers": {
            "time_to_detect_s": 120.0,
            "time_to_acknowledge_s": 180.0 if acknowledged else None,
            "time_to_resolve_s": 2400.0 if resolved else None,
        },
    }


def mention(index: int, text: str, sentiment: str, **extra: Any) -> dict[str, Any]:
    platform = extra.get("platform", "mastodon")
    return {
        "mention_id": f"{platform}#n-{index}",  # as Mention.mention_id: platform#native_id
        "platform": platform,
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
        "desk": initial_desk(),
        "users": MemoryUsers(initial_users()),
        "store": MemoryState(),  # the state port: the edited escalation chain
        "drafts": MemoryDrafts(),
        "posts": [],
        "writes": [],
        "queries": [],
        "revoked": set(),
        "published": set(),
        "link_requests": [],
    }


def initial_users() -> list[User]:
    """The demo crisis team of playbooks/team.yaml (Anna is an admin here, to edit the others)."""
    at = NOW - timedelta(days=30)

    def user(user_id: str, name: str, role: Role, function: str, level: int, **extra: Any) -> User:
        return User(
            user_id=user_id,
            name=name,
            role=role,
            function=function,
            phone=extra.get("phone"),
            email=f"{user_id.replace('-', '.')}@mueller-hausgeraete.example",
            escalation_level=level,
            sms_min_severity=extra.get("sms", Severity.SEV2),
            on_duty=extra.get("on_duty", True),
            created_at=at,
            updated_at=at,
            version=1,
        )

    return [
        user(
            "anna-schmidt",
            "Anna Schmidt",
            Role.ADMIN,
            "Leitung Unternehmenskommunikation (Krisenleitung)",
            1,
            phone="+4915100000001",
        ),
        user("jonas-weber", "Jonas Weber", Role.RESPONDER, "Social-Media-Manager", 1, phone="+4915100000002"),
        user(
            "petra-krause",
            "Dr. Petra Krause",
            Role.APPROVER,
            "Geschäftsführerin",
            2,
            phone="+4915100000003",
            sms=Severity.SEV1,
        ),
        user("tobias-hahn", "Tobias Hahn", Role.VIEWER, "Leiter Qualitätssicherung", 3, on_duty=False),
    ]


def initial_desk() -> dict[str, dict[str, Any]]:
    """Facts, roles, the chosen playbook and ticked checklist items per incident (the detail's desk)."""
    worked_on = NOW - timedelta(minutes=45)
    return {
        "inc-1": {"facts": [], "assignments": {}, "playbook_id": None, "ticks": {}},
        "inc-2": {
            "facts": [
                {
                    "fact_id": "F1",
                    "text": "Die Hotline ist wegen eines Softwarefehlers nur eingeschränkt erreichbar.",
                    "added_by": "Jonas Weber",
                    "added_at": iso(worked_on),
                    "verified": True,
                    "verified_by": "Anna Schmidt",
                    "verified_at": iso(worked_on + timedelta(minutes=4)),
                },
                {
                    "fact_id": "F2",
                    "text": "Rund 300 Bestellungen verspäten sich um mehr als eine Woche.",
                    "added_by": "Jonas Weber",
                    "added_at": iso(worked_on + timedelta(minutes=6)),
                    "verified": False,
                    "verified_by": None,
                    "verified_at": None,
                },
            ],
            "assignments": {"Krisenleitung": "anna-schmidt"},
            "playbook_id": None,
            "ticks": {"team-einberufen": Tick(done_by="Anna Schmidt", done_at=worked_on)},
        },
        "inc-3": {"facts": [], "assignments": {}, "playbook_id": None, "ticks": {}},
    }


class MemoryUsers:
    """The UserRepository port in memory, with the stores' optimistic locking."""

    def __init__(self, users: list[User]) -> None:
        self.items = {user.user_id: user for user in users}

    def create(self, user: User) -> User:
        if user.user_id in self.items:
            raise Conflict("a user with this id exists", [{"user_id": user.user_id}])
        self.items[user.user_id] = user.model_copy(update={"version": 1})
        return self.items[user.user_id]

    def save(self, user: User) -> User:
        if self.items[user.user_id].version != user.version:
            raise Conflict(
                "the user was changed by someone else; reload and try again", [{"user_id": user.user_id}]
            )
        self.items[user.user_id] = user.model_copy(update={"version": user.version + 1})
        return self.items[user.user_id]

    def get(self, user_id: str) -> User:
        if user_id not in self.items:
            raise NotFound("no such user", [{"user_id": user_id}])
        return self.items[user_id]

    def list(self) -> list[User]:
        return [self.items[key] for key in sorted(self.items)]


def as_mention(view: dict[str, Any]) -> Mention:
    """A mention view back as the domain model, for the real recommendation rules."""
    published = datetime.fromisoformat(view["published_at"])
    words = view["text"].lower().split()
    return Mention(
        platform=view["platform"],
        native_id=view["native_id"],
        brand=view["brand"],
        text=view["text"],
        url=view["url"],
        published_at=published,
        collected_at=published,
        expires_at=published + timedelta(days=90),
        author=Author(**view["author"]),
        reach=view["reach"],
        lang=view["lang"],
        sentiment=view["sentiment"],
        sentiment_score=view["sentiment_score"],
        first_person_singular=sum(
            word in {"ich", "mein", "meine", "mir", "mich", "i", "my"} for word in words
        ),
        risk_terms=tuple(view["risk_terms"]),
        topics=tuple(view["topics"]),
    )


class MemoryDrafts:
    """The DraftRepository port in memory: version 1 on create, optimistic locking on save."""

    def __init__(self) -> None:
        self.items: dict[str, Draft] = {}

    def create(self, draft: Draft) -> Draft:
        if draft.draft_id in self.items:
            raise Conflict("a draft with this id exists", [{"draft_id": draft.draft_id}])
        self.items[draft.draft_id] = draft.model_copy(update={"version": 1})
        return self.items[draft.draft_id]

    def save(self, draft: Draft) -> Draft:
        if self.items[draft.draft_id].version != draft.version:
            raise Conflict("the draft was changed by someone else", [{"draft_id": draft.draft_id}])
        self.items[draft.draft_id] = draft.model_copy(update={"version": draft.version + 1})
        return self.items[draft.draft_id]

    def get(self, draft_id: str) -> Draft:
        if draft_id not in self.items:
            raise NotFound("no such draft", [{"draft_id": draft_id}])
        return self.items[draft_id]

    def for_incident(self, incident_id: str) -> list[Draft]:
        """Newest first."""
        found = [d for d in self.items.values() if d.incident_id == incident_id]
        return sorted(found, key=lambda d: (d.created_at, d.draft_id), reverse=True)

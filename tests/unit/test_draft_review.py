"""The four-eyes review of reply drafts (pure), and the draft service with memory fakes: writing a
draft from the incident's playbook and verified facts, editing, approving, publishing into the
timeline. `MemoryDrafts` is the memory fake the contract suite runs too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.crisis_playbooks import CRISIS_DIR, load_crisis_library
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.analysis.types import TextAnalysis
from chalicelib.domain import draft_review
from chalicelib.domain.crisis import known_risk_categories
from chalicelib.domain.draft_review import Actor, DraftHasErrors, DraftState, FourEyes
from chalicelib.domain.drafts import recommend
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.models import (
    Draft,
    DraftCheck,
    DraftStatus,
    Fact,
    Incident,
    IncidentStatus,
    Mention,
    Page,
    Severity,
)
from chalicelib.services import drafts as service
from tests.unit.test_drafts import FACT, T0, mention

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = load_crisis_library(
    ROOT / "playbooks" / CRISIS_DIR,
    risk_categories=known_risk_categories(load_playbook(ROOT / "playbooks").risk_terms),
)
AUTHOR = Actor(name="Jonas Weber", id="jonas-weber")
ANNA = Actor(name="Anna Schmidt", id="anna-schmidt")
BEN = Actor(name="Ben Krüger", id="ben-krueger")
RECOMMENDATION = recommend(
    mention(), severity=Severity.SEV2, media_involved=False, high_reach_followers=50_000
)


# --- four-eyes review ----------------------------------------------------------------------------------


def draft(**changes: Any) -> Draft:
    fields: dict[str, Any] = {
        "draft_id": "DRF-20261120-0000AAAA",
        "incident_id": "INC-1",
        "brand": "mueller",
        "kind": "reply",
        "channel": "x",
        "language": "de",
        "address": "Sie",
        "playbook_id": "produktmangel-rueckruf",
        "template_text": "Danke für Ihren Hinweis.",
        "text": "Danke für Ihren Hinweis.",
        "recommendation": RECOMMENDATION,
        "created_by": AUTHOR.name,
        "created_by_id": AUTHOR.id,
        "created_at": T0,
        "edited_by": AUTHOR.name,
        "edited_by_id": AUTHOR.id,
        "edited_at": T0,
        "revisions": (
            draft_review.DraftRevision(
                version=1, change="created", by=AUTHOR.name, at=T0, text="Danke für Ihren Hinweis."
            ),
        ),
        "version": 1,
    }
    return Draft(**{**fields, **changes})


def saved(changed: Draft) -> Draft:
    """What the repository does on save: the next version."""
    return changed.model_copy(update={"version": changed.version + 1})


def test_nobody_approves_what_they_wrote_or_last_edited() -> None:
    with pytest.raises(FourEyes) as raised:
        draft_review.approve(draft(), actor=AUTHOR, severity=Severity.SEV2, now=T0)
    assert raised.value.status == 403
    edited = saved(draft_review.edit(draft(), "Neu.", (), actor=ANNA, now=T0, expected_version=1))
    with pytest.raises(FourEyes):
        draft_review.approve(edited, actor=ANNA, severity=Severity.SEV2, now=T0)


def test_a_draft_with_an_error_cannot_be_approved_and_the_answer_names_the_checks() -> None:
    error = DraftCheck(code="too_long", message="zu lang", message_en="too long", severity="error")
    with pytest.raises(DraftHasErrors) as raised:
        draft_review.approve(draft(checks=(error,)), actor=ANNA, severity=Severity.SEV2, now=T0)
    assert raised.value.status == 409 and raised.value.details[0]["code"] == "too_long"


def test_sev1_needs_two_different_approvers_and_approving_twice_counts_once() -> None:
    # Given a draft of a SEV1 incident, approved by Anna
    first = saved(draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV1, now=T0, note="ok"))
    assert first.status is DraftStatus.DRAFT and [a.by for a in first.approvals] == ["Anna Schmidt"]
    # When Anna approves again, nothing changes
    assert draft_review.approve(first, actor=ANNA, severity=Severity.SEV1, now=T0) is first
    # Then Ben's approval makes it approved
    second = saved(draft_review.approve(first, actor=BEN, severity=Severity.SEV1, now=T0))
    assert second.status is DraftStatus.APPROVED and len(second.approvals) == 2
    assert [r.change for r in second.revisions] == ["created", "approved", "approved"]


def test_one_approval_is_enough_below_sev1() -> None:
    approved = draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0)
    assert approved.status is DraftStatus.APPROVED


def test_editing_an_approved_draft_makes_it_a_draft_again_without_approvals() -> None:
    approved = saved(draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0))
    edited = saved(draft_review.edit(approved, "Neuer Text.", (), actor=BEN, now=T0, expected_version=2))
    assert (edited.status, edited.approvals, edited.version) == (DraftStatus.DRAFT, (), 3)
    assert [(v["version"], v["text"], v["edited_by"]) for v in draft_review.versions(edited)] == [
        (1, "Danke für Ihren Hinweis.", "Jonas Weber"),
        (2, "Danke für Ihren Hinweis.", "Anna Schmidt"),
        (3, "Neuer Text.", "Ben Krüger"),
    ]


def test_a_stale_version_conflicts() -> None:
    with pytest.raises(Conflict):
        draft_review.edit(draft(), "Neu.", (), actor=ANNA, now=T0, expected_version=7)
    with pytest.raises(Conflict):
        draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0, expected_version=2)


def test_a_rejected_draft_keeps_the_note_cannot_be_approved_and_an_edit_reopens_it() -> None:
    rejected = saved(draft_review.reject(draft(), actor=ANNA, now=T0, note="Zu förmlich"))
    assert (rejected.status, rejected.rejection_note, rejected.rejected_by) == (
        DraftStatus.REJECTED,
        "Zu förmlich",
        "Anna Schmidt",
    )
    with pytest.raises(DraftState):
        draft_review.approve(rejected, actor=BEN, severity=Severity.SEV2, now=T0)
    reopened = draft_review.edit(rejected, "Anders.", (), actor=AUTHOR, now=T0, expected_version=2)
    assert reopened.status is DraftStatus.DRAFT and reopened.rejection_note is None


def test_only_an_approved_draft_is_published_and_publishing_again_changes_nothing() -> None:
    with pytest.raises(DraftState):
        draft_review.publish(draft(), actor=AUTHOR, severity=Severity.SEV2, now=T0, url=None)
    approved = saved(draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0))
    published = saved(
        draft_review.publish(approved, actor=AUTHOR, severity=Severity.SEV2, now=T0, url="https://x.com/1")
    )
    assert (published.status, published.published_by, published.published_url) == (
        DraftStatus.PUBLISHED,
        "Jonas Weber",
        "https://x.com/1",
    )
    assert draft_review.publish(published, actor=BEN, severity=Severity.SEV1, now=T0, url=None) is published
    with pytest.raises(DraftState):
        draft_review.edit(published, "Später.", (), actor=BEN, now=T0, expected_version=3)


def test_an_incident_that_became_sev1_needs_a_second_approval_before_publishing() -> None:
    approved = saved(draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0))
    with pytest.raises(DraftState) as raised:
        draft_review.publish(approved, actor=AUTHOR, severity=Severity.SEV1, now=T0, url=None)
    assert raised.value.details[0]["needed"] == 2
    twice = saved(draft_review.approve(approved, actor=BEN, severity=Severity.SEV1, now=T0))
    assert draft_review.publish(twice, actor=AUTHOR, severity=Severity.SEV1, now=T0, url=None).published_at


def test_a_draft_keeps_a_bounded_history() -> None:
    full = draft(version=draft_review.MAX_VERSIONS)
    with pytest.raises(DraftState):
        draft_review.edit(full, "Noch einmal.", (), actor=ANNA, now=T0, expected_version=None)


# --- the service, with memory fakes ---------------------------------------------------------------------


@dataclass
class MemoryDrafts:
    """The DraftRepository as the contract suite describes it, in memory."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    items: dict[str, Draft] = field(default_factory=dict)
    conflicts: int = 0  # the next saves that lose a race

    def create(self, new: Draft) -> Draft:
        if new.draft_id in self.items:
            raise Conflict("a draft with this id exists")
        self.items[new.draft_id] = new.model_copy(update={"version": 1})
        return self.items[new.draft_id]

    def save(self, changed: Draft) -> Draft:
        if self.conflicts:
            self.conflicts -= 1
            raise Conflict("lost a race")
        if self.items[changed.draft_id].version != changed.version:
            raise Conflict("the draft was changed by someone else")
        self.items[changed.draft_id] = changed.model_copy(update={"version": changed.version + 1})
        return self.items[changed.draft_id]

    def get(self, draft_id: str) -> Draft:
        if draft_id not in self.items:
            raise NotFound("no such draft")
        return self.items[draft_id]

    def list_for_incident(self, incident_id: str, *, limit: int, next_token: str | None) -> Page[Draft]:
        mine = sorted(
            (d for d in self.items.values() if d.incident_id == incident_id),
            key=lambda d: (d.created_at, d.draft_id),
            reverse=True,
        )
        start = int(next_token or 0)
        end = start + limit
        return Page[Draft](items=mine[start:end], next_token=str(end) if end < len(mine) else None)

    def mention(self, mention_id: str) -> Mention | None:
        return self.mentions.get(mention_id)


@dataclass
class MemoryIncidents:
    items: dict[str, Incident] = field(default_factory=dict)

    def get(self, incident_id: str) -> Incident:
        if incident_id not in self.items:
            raise NotFound("no such incident")
        return self.items[incident_id]

    def save(self, changed: Incident) -> Incident:
        if self.items[changed.incident_id].version != changed.version:
            raise Conflict("changed")
        self.items[changed.incident_id] = changed.model_copy(update={"version": changed.version + 1})
        return self.items[changed.incident_id]


@dataclass
class TopMentions:
    top: list[Mention] = field(default_factory=list)

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        return self.top[:limit]


class Reads:
    """A text analyzer that reads every text as one language."""

    def __init__(self, lang: str = "de") -> None:
        self.lang = lang

    def analyze(self, text: str) -> TextAnalysis:
        return TextAnalysis(lang=self.lang, sentiment="neutral", score=1.0, negativity=0.0)  # type: ignore[arg-type]


@dataclass
class Desk:
    incidents: MemoryIncidents
    drafts: MemoryDrafts
    top: TopMentions

    def create(self, actor: Actor = AUTHOR, **request: Any) -> Draft:
        fields: dict[str, Any] = {"kind": "reply", "channel": "x", "language": "de", "address": "Sie"}
        return service.create_draft(
            "INC-1",
            service.DraftRequest(**{**fields, **request}),
            incidents=self.incidents,  # type: ignore[arg-type]
            mentions=self.top,  # type: ignore[arg-type]
            drafts=self.drafts,
            library=LIBRARY,
            analyzer=Reads(request.get("language", "de")),
            high_reach_followers=50_000,
            window_minutes=30,
            actor=actor,
            now=T0,
        )

    def ports(self) -> dict[str, Any]:
        return {"drafts": self.drafts, "incidents": self.incidents}


@pytest.fixture
def desk() -> Desk:
    facts = (
        Fact(fact_id="F1", text=FACT, added_by="QS", added_at=T0, verified_by="Anna", verified_at=T0),
        Fact(fact_id="F2", text="Ursache ist ein defekter Kondensator.", added_by="QS", added_at=T0),
    )
    incident = Incident(
        incident_id="INC-1",
        brand="mueller",
        topic="rueckruf",
        title="Müller Haushaltsgeräte GmbH: rueckruf",
        status=IncidentStatus.OPEN,
        severity=Severity.SEV1,
        topics=("rueckruf", "sicherheit"),
        opened_at=T0,
        updated_at=T0,
        detected_at=T0,
        first_signal_at=T0,
        facts=facts,
        version=1,
    )
    mentions = {"x#1": mention(), "x#2": mention(brand="miele", native_id="2")}
    return Desk(MemoryIncidents({"INC-1": incident}), MemoryDrafts(mentions), TopMentions())


def test_a_reply_states_verified_facts_only_and_fits_x_with_the_short_template(desk: Desk) -> None:
    reply = desk.create(mention_id="x#1", channel="facebook")
    assert FACT in reply.text and "Kondensator" not in reply.text
    assert reply.text.startswith("@kunde ") and reply.playbook_id == "produktmangel-rueckruf"
    assert reply.recommendation.rule == "individual_complaint" and reply.checks == ()
    short = desk.create(mention_id="x#1", channel="x")
    assert len(short.text) <= 280 and "too_long" not in [c.code for c in short.checks]
    assert [r.change for r in short.revisions] == ["created"] and short.version == 1


def test_the_playbook_a_responder_chose_writes_the_draft(desk: Desk) -> None:
    incident = desk.incidents.items["INC-1"]
    desk.incidents.items["INC-1"] = incident.model_copy(update={"playbook_id": "datenpanne"})
    assert desk.create(kind="holding_statement", channel="website").playbook_id == "datenpanne"


@pytest.mark.parametrize(
    ("request_fields", "field_name"),
    [
        ({"mention_id": "x#2"}, "body.mention_id"),  # another brand's mention
        ({"mention_id": "x#404"}, "body.mention_id"),  # unknown
        ({}, "body.mention_id"),  # a reply answers someone
        ({"kind": "press_statement", "channel": "press", "address": "Du"}, "body.address"),
        ({"kind": "private_message", "channel": "trustpilot", "mention_id": "x#1"}, "body.channel"),
    ],
)
def test_bad_requests_are_field_level_errors(desk: Desk, request_fields: dict, field_name: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        desk.create(**request_fields)
    assert raised.value.details[0]["field"] == field_name


def test_holding_and_press_statements_need_no_mention_and_media_coverage_recommends_a_statement(
    desk: Desk,
) -> None:
    desk.top.top = [mention(is_media=True, followers=200_000)]
    holding = desk.create(kind="holding_statement", channel="website", language="en", address="Du")
    assert holding.mention_id is None and holding.recommendation.channel == "press_statement"
    press = desk.create(kind="press_statement", channel="press", incident_title="Rauch beim Spülmeister 3000")
    assert "Rauch beim Spülmeister 3000" in press.text and FACT in press.text


def test_an_edit_is_checked_again_and_two_approvers_at_once_both_count(desk: Desk) -> None:
    created = desk.create(mention_id="x#1", channel="facebook")
    edited = service.edit_draft(
        created.draft_id,
        created.text + " Alle Geräte der Serie SP-4000 sind sicher, wir erstatten alles.",
        expected_version=1,
        analyzer=Reads(),
        actor=AUTHOR,
        now=T0,
        **desk.ports(),
    )
    assert {c.code for c in edited.checks} == {"unverified_claim", "offers_compensation"}
    with pytest.raises(DraftHasErrors):
        service.approve_draft(
            edited.draft_id, note=None, expected_version=None, actor=ANNA, now=T0, **desk.ports()
        )
    fixed = service.edit_draft(
        created.draft_id,
        created.text,
        expected_version=2,
        analyzer=Reads(),
        actor=AUTHOR,
        now=T0,
        **desk.ports(),
    )
    # Anna's save loses a race against Ben's: it is applied again to the latest version
    service.approve_draft(fixed.draft_id, note=None, expected_version=None, actor=BEN, now=T0, **desk.ports())
    desk.drafts.conflicts = 1
    approved = service.approve_draft(
        fixed.draft_id, note=None, expected_version=None, actor=ANNA, now=T0, **desk.ports()
    )
    assert approved.status is DraftStatus.APPROVED and {a.by_id for a in approved.approvals} == {
        "anna-schmidt",
        "ben-krueger",
    }


def test_publishing_records_the_statement_in_the_timeline_once(desk: Desk) -> None:
    created = desk.create(kind="holding_statement", channel="website")
    for approver in (ANNA, BEN):
        service.approve_draft(
            created.draft_id, note=None, expected_version=None, actor=approver, now=T0, **desk.ports()
        )
    for _ in range(2):
        published = service.publish_draft(
            created.draft_id,
            url="https://m.de/s",
            expected_version=None,
            actor=AUTHOR,
            now=T0,
            **desk.ports(),
        )
    events = [e for e in desk.incidents.items["INC-1"].timeline if e.kind == "statement_published"]
    assert published.status is DraftStatus.PUBLISHED and len(events) == 1
    assert events[0].message.startswith("Stellungnahme veröffentlicht") and events[0].actor == "Jonas Weber"


def test_drafts_of_an_unknown_incident_are_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        service.list_drafts("INC-404", limit=10, next_token=None, **desk.ports())


def test_a_person_is_the_same_approver_with_any_of_their_keys() -> None:
    assert service.actor_of("Anna", "anna-schmidt", "k1") == service.actor_of("Anna", "anna-schmidt", "k2")
    assert service.actor_of("CRM", None, "k1").id == "key:k1"

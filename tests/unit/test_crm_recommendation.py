"""A known customer in the CRM tilts a draft's channel towards a private answer (pure), and the draft
service asks the CRM only when that could change the advice and survives a CRM that fails."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from chalicelib.domain.drafts import known_customer_matters, recommend
from chalicelib.domain.errors import SourceUnavailable
from chalicelib.domain.models import CrmContact, Draft, Fact, Incident, IncidentStatus, Mention, Severity
from chalicelib.services import drafts as service
from tests.unit.test_draft_review import AUTHOR, LIBRARY, MemoryDrafts, MemoryIncidents, Reads, TopMentions
from tests.unit.test_drafts import FACT, T0, mention

HUBSPOT_REASON = "Bekannter Kunde in HubSpot: besser persönlich und privat antworten."


def rec(
    found: Mention | None, *, known: bool, severity: Severity = Severity.SEV2, media: bool = False
) -> str:
    recommendation = recommend(
        found, severity=severity, media_involved=media, high_reach_followers=50_000, known_customer=known
    )
    return f"{recommendation.rule}:{recommendation.channel}"


@pytest.mark.parametrize(
    ("found", "severity", "media", "without", "with_crm"),
    [
        # Where the CRM tilts: high reach, an individual complaint, a general post
        (mention(followers=120_000), Severity.SEV2, False, "high_reach:public_reply", "known_customer:private_message"),
        (mention(), Severity.SEV2, False, "individual_complaint:private_message", "known_customer:private_message"),
        (mention("Der Spülmeister brennt ab.", first_person=0), Severity.SEV2, False, "public_empathy:public_reply",
         "known_customer:private_message"),
        # Where stronger rules still win: press, SEV1 with media, danger with a phone number, personal data
        (mention(is_media=True), Severity.SEV3, False, "media_author:press_statement", "media_author:press_statement"),
        (mention(), Severity.SEV1, True, "sev1_media:press_statement", "sev1_media:press_statement"),
        (mention("Dringend! Es qualmt, rufen Sie an: 0171 2345678"), Severity.SEV2, False, "urgent_with_phone:phone",
         "urgent_with_phone:phone"),
        (mention("Meine Bestellnummer 4711-0815 fehlt"), Severity.SEV2, False, "personal_data:private_message",
         "personal_data:private_message"),
        (None, Severity.SEV2, False, "no_mention:public_reply", "no_mention:public_reply"),
    ],
)  # fmt: skip
def test_a_known_customer_is_answered_in_private_unless_a_stronger_rule_applies(
    found: Mention | None, severity: Severity, media: bool, without: str, with_crm: str
) -> None:
    assert rec(found, known=False, severity=severity, media=media) == without
    assert rec(found, known=True, severity=severity, media=media) == with_crm


def test_the_known_customer_reason_is_plain_german_with_english_beside_it() -> None:
    recommendation = recommend(
        mention(followers=120_000),
        severity=Severity.SEV2,
        media_involved=False,
        high_reach_followers=50_000,
        known_customer=True,
    )
    assert recommendation.reason == HUBSPOT_REASON
    assert recommendation.reason_en == "A known customer in HubSpot: better answer in person and in private."


def test_the_crm_matters_exactly_for_the_rules_it_outranks() -> None:
    def first(found: Mention | None, severity: Severity = Severity.SEV2, media: bool = False) -> bool:
        return known_customer_matters(
            recommend(found, severity=severity, media_involved=media, high_reach_followers=50_000)
        )

    assert first(mention(followers=120_000)) and first(mention())
    assert not first(mention(is_media=True)) and not first(mention(), Severity.SEV1, True) and not first(None)
    assert first(mention("Der Spülmeister brennt ab.", first_person=0))


# --- the service ---------------------------------------------------------------------------------------


@dataclass
class FakeCrm:
    """The Crm port in memory: contacts by handle, or a failure on every lookup."""

    contacts: dict[str, CrmContact] = field(default_factory=dict)
    failure: Exception | None = None
    lookups: list[tuple[str | None, str | None]] = field(default_factory=list)
    slug: str = "fake"

    def known_contact(self, handle: str | None, email: str | None) -> CrmContact | None:
        self.lookups.append((handle, email))
        if self.failure is not None:
            raise self.failure
        return self.contacts.get(handle or "")

    def create_ticket(self, subject: str, body: str, *, contact_id: str | None) -> str:
        raise AssertionError("a draft creates no ticket")

    def add_note(self, body: str, *, ticket_id: str | None, contact_id: str | None) -> str:
        raise AssertionError("a draft logs no note")


MENTIONS = {
    "x#1": mention(followers=120_000),  # high reach, author @kunde
    "x#2": mention(is_media=True, native_id="2"),
}


def create(crm: FakeCrm | None, mention_id: str = "x#1") -> Draft:
    fact = Fact(fact_id="F1", text=FACT, added_by="QS", added_at=T0, verified_by="Anna", verified_at=T0)
    incident = Incident(
        incident_id="INC-1",
        brand="mueller",
        topic="rueckruf",
        title="Müller Haushaltsgeräte GmbH: rueckruf",
        status=IncidentStatus.OPEN,
        severity=Severity.SEV2,
        topics=("rueckruf",),
        opened_at=T0,
        updated_at=T0,
        detected_at=T0,
        first_signal_at=T0,
        facts=(fact,),
        version=1,
    )
    return service.create_draft(
        "INC-1",
        service.DraftRequest(
            kind="reply", channel="facebook", language="de", address="Sie", mention_id=mention_id
        ),
        incidents=MemoryIncidents({"INC-1": incident}),  # type: ignore[arg-type]
        mentions=TopMentions(),  # type: ignore[arg-type]
        drafts=MemoryDrafts(dict(MENTIONS)),
        library=LIBRARY,
        analyzer=Reads(),
        high_reach_followers=50_000,
        window_minutes=30,
        actor=AUTHOR,
        now=T0,
        crm=crm,
    )


def test_a_draft_for_a_known_customer_recommends_a_private_answer_with_the_hubspot_reason() -> None:
    crm = FakeCrm({"@kunde": CrmContact(contact_id="501", lifecycle_stage="customer")})
    draft = create(crm)
    assert (draft.recommendation.rule, draft.recommendation.channel) == ("known_customer", "private_message")
    assert draft.recommendation.reason == HUBSPOT_REASON
    assert crm.lookups == [("@kunde", None)]
    assert "501" not in draft.model_dump_json()  # nothing of the CRM contact is stored with the draft


def test_an_unknown_author_or_no_crm_keeps_the_recommendation() -> None:
    crm = FakeCrm()
    assert create(crm).recommendation.rule == "high_reach" and crm.lookups == [("@kunde", None)]
    assert create(None).recommendation.rule == "high_reach"


def test_the_crm_is_not_asked_when_a_stronger_rule_decides() -> None:
    crm = FakeCrm({"@kunde": CrmContact(contact_id="501")})
    assert create(crm, "x#2").recommendation.rule == "media_author"
    assert crm.lookups == []


@pytest.mark.parametrize("failure", [SourceUnavailable("HubSpot did not answer"), ValueError("bad JSON")])
def test_a_failing_crm_never_fails_the_draft_and_is_counted(
    failure: Exception, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    draft = create(FakeCrm({"@kunde": CrmContact(contact_id="501")}, failure=failure))
    assert draft.recommendation.rule == "high_reach" and draft.draft_id
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counted = [m for m in metrics if "CrmLookupFailed" in m]
    assert len(counted) == 1 and counted[0]["CrmLookupFailed"] == [1.0] and counted[0]["crm"] == "fake"

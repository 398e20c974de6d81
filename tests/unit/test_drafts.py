"""Reply drafts, pure: channel limits, the checks a text must pass, what a text contains (personal data,
claims), and the recommended channel."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.draft_text import find_personal_data, unbacked_claims
from chalicelib.domain.drafts import CheckContext, check_text, combination_problems, recommend
from chalicelib.domain.models import Author, Mention, Recommendation, Severity

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
FACT = "Betroffen sind Geräte der Serie SP-3000 aus dem Baujahr 2025."


def mention(
    text: str = "Mein Spülmeister ist kaputt, ich bin sauer.",
    *,
    followers: int = 340,
    is_media: bool = False,
    first_person: int = 1,
    brand: str = "mueller",
    native_id: str = "1",
) -> Mention:
    return Mention(
        platform="x",
        native_id=native_id,
        brand=brand,
        text=text,
        published_at=T0,
        collected_at=T0,
        author=Author(handle="@kunde", followers=followers, is_media=is_media),
        reach=followers,
        lang="de",
        sentiment="negative",
        sentiment_score=-0.6,
        first_person_singular=first_person,
        expires_at=T0 + timedelta(days=90),
    )


def context(**changes: Any) -> CheckContext:
    fields: dict[str, Any] = {
        "kind": "reply",
        "channel": "facebook",
        "language": "de",
        "address": "Sie",
        "verified_facts": (FACT,),
        "backed": ("Müller Haushaltsgeräte",),
        "detected_language": "de",
    }
    return CheckContext(**{**fields, **changes})


def codes(text: str, **changes: Any) -> dict[str, str]:
    return {check.code: check.severity for check in check_text(text, context(**changes))}


# --- channel limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "kind", "fits", "too_long"),
    [
        ("x", "reply", 280, 281),
        ("bluesky", "reply", 300, 301),
        ("mastodon", "reply", 500, 501),
        ("sms", "private_message", 160, 161),
        ("trustpilot", "reply", 2048, 2049),
        ("google_reviews", "reply", 4096, 4097),
        ("linkedin", "reply", 1250, 1251),
        ("instagram", "private_message", 1000, 1001),
    ],
)
def test_a_text_longer_than_its_channel_allows_is_an_error(
    channel: str, kind: str, fits: int, too_long: int
) -> None:
    assert "too_long" not in codes("a" * fits, channel=channel, kind=kind)
    assert codes("a" * too_long, channel=channel, kind=kind)["too_long"] == "error"


def test_sms_counts_gsm7_umlauts_as_one_and_anything_else_as_ucs2() -> None:
    # Umlauts are GSM-7: 160 fit. One emoji makes the whole SMS UCS-2: 70 is the limit then.
    assert "too_long" not in codes("ä" * 160, channel="sms", kind="private_message")
    check = check_text("😀" + "a" * 70, context(channel="sms", kind="private_message"))[0]
    assert check.code == "too_long" and "70" in check.message


def test_bluesky_counts_a_letter_with_a_combining_accent_once_and_email_has_no_limit() -> None:
    assert "too_long" not in codes("e\u0301" * 300, channel="bluesky")
    assert "too_long" not in codes("a" * 100_000, channel="email", kind="private_message")


def test_kinds_a_channel_cannot_carry_are_field_errors() -> None:
    assert combination_problems("private_message", "google_reviews")[0]["field"] == "body.channel"
    assert combination_problems("reply", "press")
    assert combination_problems("private_message", "x") == []
    assert combination_problems("press_statement", "website") == []


# --- claims, legal terms, personal data, language, address ----------------------------------------------


def test_numbers_and_series_only_verified_facts_state_are_flagged() -> None:
    # Given a verified fact about series SP-3000 from 2025
    assert unbacked_claims(f"Wir wissen: {FACT}", (FACT,)) == []
    # When a draft names another series, a date and an absolute claim
    claims = unbacked_claims(
        "Auch die Serie SP-4000 vom 12.11. ist betroffen. Alle Geräte sind sicher.", (FACT,)
    )
    # Then each is flagged, and the check is a warning
    assert claims == ["sp-4000", "12.11", "alle"]
    assert codes("Alle Geräte sind sicher.")["unverified_claim"] == "warning"


def test_an_absolute_is_backed_only_by_a_whole_sentence_the_team_approved() -> None:
    approved = "Es gibt keine Hinweise auf weitere Fälle."
    assert unbacked_claims(approved, (approved,)) == []
    assert unbacked_claims("Es gibt keine Probleme.", (approved,)) == ["keine"]
    # Handles, hashtags and links are not claims
    assert unbacked_claims("@kunde_99 siehe #rueckruf2025 und https://m.de/1234", ()) == []


def test_admitting_liability_or_offering_compensation_is_an_error_in_public_a_warning_in_private() -> None:
    public = codes("Das war unsere Schuld, wir erstatten den Kaufpreis.")
    assert public == {"admits_liability": "error", "offers_compensation": "error"}
    private = codes(
        "That is our fault; we will refund you.",
        kind="private_message",
        language="en",
        detected_language="en",
    )
    assert private == {"admits_liability": "warning", "offers_compensation": "warning"}
    assert codes("We are liable for a voucher.", language="en", detected_language="en") == {
        "admits_liability": "error",
        "offers_compensation": "error",
    }


def test_a_remedy_stated_as_a_verified_fact_is_a_warning_for_legal_not_an_error() -> None:
    remedy = "Wir erstatten betroffenen Kundinnen und Kunden den Kaufpreis."
    found = codes(f"Was wir sicher wissen:\n- {remedy}", verified_facts=(remedy,))
    assert found == {"compensation_in_fact": "warning"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Rufen Sie mich an: 0171 2345678", "phone"),
        ("Meine Nummer ist +49 (171) 234-5678.", "phone"),
        ("Schreiben Sie an anna.k@example.de bitte.", "email"),
        ("Überweisen Sie auf DE89 3704 0044 0532 0130 00.", "iban"),
        ("Ich wohne in der Hauptstraße 12 in Köln.", "address"),
        ("Lieferung nach 50667 Köln, bitte.", "address"),
        ("Bestellnummer: A-2024-77812 ist nie angekommen", "order_number"),
        ("My order #88123 never arrived", "order_number"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert kind in [found for found, _ in find_personal_data(text)]


@pytest.mark.parametrize(
    "text", ["Serie SP-3000-2025-07 ab 20.11.2026", "Seit 2026-11-20 um 14:02 kaputt", "Spülmeister 3000"]
)
def test_dates_times_and_product_series_are_not_personal_data(text: str) -> None:
    assert find_personal_data(text) == []


def test_personal_data_is_an_error_in_a_public_reply_only_and_a_verified_hotline_is_fine() -> None:
    text = "Rufen Sie Frau Kunde unter 0171 2345678 an."
    assert codes(text)["personal_data_in_public"] == "error"
    assert "personal_data_in_public" not in codes(text, kind="private_message")
    assert "personal_data_in_public" not in codes(text, channel="email")
    hotline = "Unsere Hotline 0800 123 4567 ist bis 22 Uhr erreichbar."
    assert codes(hotline, verified_facts=(hotline,)) == {}


def test_a_text_in_the_other_language_is_a_warning() -> None:
    found = check_text("We are sorry.", context(detected_language="en"))
    assert [(c.code, c.severity) for c in found] == [("language_mismatch", "warning")]
    assert "Englisch" in found[0].message and "English" in found[0].message_en
    assert codes("Kurz.", detected_language="other") == {}


def test_the_wrong_form_of_address_is_a_warning_and_a_sentence_initial_sie_is_not_formal() -> None:
    assert codes("Danke, dass du uns schreibst.")["address_mismatch"] == "warning"
    assert codes("Danke, dass Sie uns schreiben.", address="Du")["address_mismatch"] == "warning"
    assert codes("Wir haben Ihnen geschrieben.", address="Du")["address_mismatch"] == "warning"
    assert codes("Danke für deine Nachricht. Sie ist angekommen.", address="Du") == {}
    assert codes("Thank you, you are right.", language="en", detected_language="en", address="Du") == {}


@pytest.mark.parametrize("text", ["a" * 5000, "1-" * 2500, "a@" * 2500, "DE" * 2500, "Hauptstraße " * 400])
def test_checking_the_longest_text_an_edit_may_have_stays_fast(text: str) -> None:
    # No pattern backtracks quadratically: a crafted 5,000-character edit is checked at once.
    started = time.perf_counter()
    check_text(text, context())
    assert time.perf_counter() - started < 0.5


# --- recommendation -------------------------------------------------------------------------------------


def rec(found: Mention | None, severity: Severity = Severity.SEV2, media: bool = False) -> Recommendation:
    return recommend(found, severity=severity, media_involved=media, high_reach_followers=50_000)


@pytest.mark.parametrize(
    ("found", "severity", "media", "rule", "channel"),
    [
        (mention(is_media=True, followers=900_000), Severity.SEV3, False, "media_author", "press_statement"),
        (mention(), Severity.SEV1, True, "sev1_media", "press_statement"),
        (None, Severity.SEV1, True, "sev1_media", "press_statement"),
        (None, Severity.SEV2, False, "no_mention", "public_reply"),
        (
            mention("Dringend! Es qualmt, rufen Sie an: 0171 2345678"),
            Severity.SEV2,
            False,
            "urgent_with_phone",
            "phone",
        ),
        (
            mention("Meine Bestellnummer 4711-0815 fehlt"),
            Severity.SEV2,
            False,
            "personal_data",
            "private_message",
        ),
        (mention(followers=120_000), Severity.SEV2, False, "high_reach", "public_reply"),
        (mention(), Severity.SEV2, False, "individual_complaint", "private_message"),
        (
            mention("Der Spülmeister brennt ab.", first_person=0),
            Severity.SEV2,
            False,
            "public_empathy",
            "public_reply",
        ),
        (mention(), Severity.SEV1, False, "individual_complaint", "private_message"),
    ],
)
def test_the_recommendation_follows_the_first_rule_that_applies(
    found: Mention | None, severity: Severity, media: bool, rule: str, channel: str
) -> None:
    recommendation = rec(found, severity, media)
    assert (recommendation.rule, recommendation.channel) == (rule, channel)
    assert recommendation.reason and recommendation.reason_en


def test_the_high_reach_reason_is_plain_german_with_the_follower_count() -> None:
    recommendation = rec(mention(followers=120_000))
    assert recommendation.reason == (
        "Reichweitenstarker Account (120.000 Follower): öffentlich antworten, damit Mitlesende die "
        "Reaktion sehen, Details privat klären."
    )
    assert "120,000 followers" in recommendation.reason_en


def test_a_phone_number_without_urgency_is_personal_data_not_a_call() -> None:
    assert rec(mention("Ruft mich zurück: 0171 2345678")).channel == "private_message"

"""Alert texts, reasons in plain words, and who receives them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.detection.rules import VolumeSignalInput, assess
from chalicelib.domain.messages import (
    SMS_LIMIT,
    Reason,
    brand_display_name,
    compose_alert,
    gsm7_length,
    read_reason,
    reason_fields,
    reason_statistics,
    reason_text,
    to_gsm7,
    volume_evidence,
)
from chalicelib.domain.models import Bucket, Incident, IncidentStatus, Severity
from chalicelib.domain.routing import filter_policy, plan_recipients, subscriptions

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
LINK_BASE = "https://krisenradar.example.de"
STATISTICS = re.compile(r"p\s*[<=]|\d\.\d erwartet|10⁻|e-\d")


def incident(
    severity: Severity = Severity.SEV2,
    topic: str = "#rueckruf",
    reasons: tuple[str, ...] = (),
    detected_at: datetime = NOW,
) -> Incident:
    return Incident(
        incident_id="INC-20261120-3F9A2C",
        brand="mueller",
        topic=topic,
        title=f"Müller Haushaltsgeräte GmbH: {topic}",
        status=IncidentStatus.OPEN,
        severity=severity,
        reasons=reasons
        or ("42 Erwähnungen in 5 Minuten, sonst etwa 3", "80 % negativ (40 von 50), sonst etwa 15 %"),
        opened_at=detected_at,
        updated_at=detected_at,
        detected_at=detected_at,
        first_signal_at=detected_at,
    )


# ----------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("reason", "german", "english"),
    [
        (
            Reason("volume", {"count": 20, "expected": 1.2}),
            "20 Erwähnungen in 5 Minuten, sonst etwa 1",
            "20 mentions in 5 minutes, usually about 1",
        ),
        (
            Reason(
                "volume", {"count": 32, "expected": 0.04, "minutes": 60, "window_count": 32, "score": 34.6}
            ),
            "32 Erwähnungen in 5 Minuten, sonst fast keine",
            "32 mentions in 5 minutes, usually almost none",
        ),
        (
            Reason(
                "volume",
                {"count": 6, "expected": 1.7, "minutes": 180, "window_count": 1234, "window_expected": 310},
            ),
            "6 Erwähnungen in 5 Minuten, sonst etwa 2 (in den letzten 3 Stunden 1.234, sonst etwa 310)",
            "6 mentions in 5 minutes, usually about 2 (1,234 in the last 3 hours, usually about 310)",
        ),
        (
            Reason(
                "negative_share",
                {"share": 27 / 32, "negative": 27, "total": 32, "base_rate": 0.171, "p_value": 2.2e-16},
            ),
            "84 % negativ (27 von 32), sonst etwa 17 %",
            "84% negative (27 of 32), usually about 17%",
        ),
        (
            Reason("risk_terms", {"mentions": 12, "severe": 8}),
            "12 Erwähnungen mit Risikobegriffen, davon 8 zu Sicherheit, Rückruf oder Gefahr",
            "12 mentions with risk terms, 8 of them about safety, recall or danger",
        ),
        (
            Reason("high_reach", {"mentions": 1, "reach": 120000}),
            "1 Erwähnung von Medien oder großen Accounts, Reichweite zusammen 120.000",
            "1 mention by media or large accounts, combined reach 120,000",
        ),
        (
            Reason("velocity", {"recent": 30, "minutes": 15, "before": 0}),
            "Es wird schneller: 30 Erwähnungen in den letzten 15 Minuten, in den 15 Minuten davor keine",
            "Picking up speed: 30 mentions in the last 15 minutes, none in the 15 minutes before",
        ),
        (
            Reason(
                "firestorm_language", {"arousal": 0.45, "base_arousal": 0.15, "first": 0.1, "base_first": 0.3}
            ),
            "Aufgebrachter Ton: etwa 3-mal so viel Empörung wie sonst, weniger eigene Erfahrungsberichte",
            "Heated tone: about 3 times as much outrage as usual, fewer first-hand accounts",
        ),
    ],
)
def test_every_signal_reads_as_a_plain_sentence_in_german_and_english(
    reason: Reason, german: str, english: str
) -> None:
    # Given a signal's numbers, When they are put into words
    # Then they read plainly, without statistics, in both languages
    assert reason_text(reason, "de") == german
    assert reason_text(reason, "en") == english
    assert not STATISTICS.search(german) and not STATISTICS.search(english)


def test_the_statistics_are_kept_apart_from_the_plain_sentence() -> None:
    # Given a negative surge and a volume spike with their test results
    share = Reason(
        "negative_share", {"share": 0.84, "negative": 27, "total": 32, "base_rate": 0.171, "p_value": 2.2e-16}
    )
    volume = Reason(
        "volume",
        {
            "count": 32,
            "expected": 0.04,
            "minutes": 60,
            "window_count": 32,
            "window_expected": 1.0,
            "score": 34.6,
        },
    )
    # Then the statistics say what the plain sentence leaves out
    assert reason_statistics(share, "de") == (
        "Übliche Quote der Marke: 17,1 % negativ. Einseitiger Binomialtest: p = 2,2·10⁻¹⁶"
    )
    assert reason_statistics(share, "en") == (
        "The brand's usual rate: 17.1% negative. One-sided binomial test: p = 2.2·10⁻¹⁶"
    )
    assert reason_statistics(volume, "de") == (
        "Erwartet: 0,04 Erwähnungen in 5 Minuten, 1,0 in der letzten Stunde. Negativ-Binomial-Test: p < 10⁻³⁴"
    )
    # ...and signals without statistics have none to show
    assert reason_statistics(Reason("risk_terms", {"mentions": 3}), "de") is None


@pytest.mark.parametrize("expected", [0.0, 0.4, 0.99, 1.0, 1.49, 7.6, 17.4, 99.6, 123.0, 1234.0, 98765.0])
@pytest.mark.parametrize("count", [1, 5, 40, 1500])
def test_a_stored_sentence_reads_back_to_the_same_words_in_both_languages(
    count: int, expected: float
) -> None:
    # Given reasons as incidents store them (plain German)
    reasons = [
        Reason(
            "volume",
            {
                "count": count,
                "expected": expected,
                "minutes": 60,
                "window_count": 2 * count,
                "window_expected": expected * 12,
            },
        ),
        Reason(
            "negative_share",
            {"share": count / 1600, "negative": count, "total": 1600, "base_rate": min(expected, 100) / 100},
        ),
        Reason("risk_terms", {"mentions": count, "severe": count // 2}),
        Reason("high_reach", {"mentions": count, "reach": count * 1000}),
        Reason("velocity", {"recent": count, "minutes": 15, "before": count // 3}),
        Reason(
            "firestorm_language", {"arousal": expected, "base_arousal": 1.0, "first": 0.1, "base_first": 0.3}
        ),
    ]
    for reason in reasons:
        stored = reason_text(reason, "de")
        # When the API reads one back, Then it says the same in German and in English
        again = read_reason(stored)
        assert again.signal == reason.signal, stored
        assert reason_text(again, "de") == stored
        assert reason_text(again, "en") == reason_text(reason, "en")


def test_reasons_of_older_incidents_become_plain_with_their_statistics_apart() -> None:
    # Given an incident stored before reasons were plain
    stored = (
        "Volumen: 32 Erwähnungen in 5 Min statt 0.0 erwartet; 32 in den letzten 60 Min statt 1.0 (p<1e-34)",
        "84% negativ (27 von 32) statt üblich 17% (p=2.2e-16)",
        "3 Erwähnung(en) durch Medien oder reichweitenstarke Accounts (Reichweite 120.000)",
        "Beschleunigung: 30 Erwähnungen in 15 Min nach 5 davor",
        "Empörungssprache: Erregung 0.45 statt 0.20 je Erwähnung, Ich-Form 0.10 statt 0.30",
        "Etwas, das niemand mehr kennt",
    )
    # When the API shows it
    fields = reason_fields(stored)
    # Then the reasons are plain, in German and English, and the statistics sit apart
    assert fields["reasons"] == [
        "32 Erwähnungen in 5 Minuten, sonst fast keine",
        "84 % negativ (27 von 32), sonst etwa 17 %",
        "3 Erwähnungen von Medien oder großen Accounts, Reichweite zusammen 120.000",
        "Es wird schneller: 30 Erwähnungen in den letzten 15 Minuten, in den 15 Minuten davor 5",
        "Aufgebrachter Ton: etwa doppelt so viel Empörung wie sonst, weniger eigene Erfahrungsberichte",
        "Etwas, das niemand mehr kennt",
    ]
    assert fields["reasons_en"][:2] == [
        "32 mentions in 5 minutes, usually almost none",
        "84% negative (27 of 32), usually about 17%",
    ]
    details = fields["reason_details"]
    assert [d["signal"] for d in details] == [
        "volume",
        "negative_share",
        "high_reach",
        "velocity",
        "firestorm_language",
        "other",
    ]
    assert details[0]["de"].endswith("p < 10⁻³⁴") and "0.0" not in details[0]["de"]
    assert details[1]["en"] == "The brand's usual rate: 17% negative. One-sided binomial test: p = 2.2·10⁻¹⁶"
    assert details[2] == {"signal": "high_reach", "de": None, "en": None}


def test_the_rules_give_plain_reasons_and_keep_the_numbers_behind_them() -> None:
    # Given a storm: many negative mentions and a volume alarm from the detector
    start = NOW - timedelta(minutes=10)
    window = [
        Bucket(brand="mueller", start=start, total=12, negative=10),
        Bucket(brand="mueller", start=start + timedelta(minutes=5), total=20, negative=17),
    ]
    baseline = [Bucket(brand="mueller", start=NOW - timedelta(days=1), total=400, negative=60)]
    evidence = volume_evidence(20, 0.04, 60, 32, 1.0, 34.6)
    volume = VolumeSignalInput(True, 20, 0.04, evidence)
    # When the rules assess the window
    result = assess(window, baseline, volume, PLAYBOOK.rules, NOW)
    # Then the reasons are plain German
    assert result.reasons[:2] == (
        "20 Erwähnungen in 5 Minuten, sonst fast keine (in der letzten Stunde 32, sonst etwa 1)",
        "84 % negativ (27 von 32), sonst etwa 16 %",
    )
    assert not any(STATISTICS.search(reason) for reason in result.reasons)
    # ...and the test results are kept, for the statistics
    share = result.evidence[1]
    assert share is not None and 0 < share.values["p_value"] < 1e-6
    assert (reason_statistics(share, "de") or "").startswith(
        "Übliche Quote der Marke: 15,6 % negativ. Einseitiger Binomialtest: p = 1,4·10⁻¹⁷"
    )


def test_where_the_rules_numbers_are_kept_todays_plain_reasons_have_their_statistics_too() -> None:
    # Given today's plain reasons, stored without statistics, and the rules' numbers behind them
    share = Reason(
        "negative_share", {"share": 0.84, "negative": 27, "total": 32, "base_rate": 0.17, "p_value": 2e-16}
    )
    stored = (reason_text(share, "de"), "3 Erwähnungen mit Risikobegriffen")
    # When the API shows them without and with the numbers
    without = reason_fields(stored)
    with_numbers = reason_fields(stored, (share, None))
    # Then the plain words are the same, and only the numbers bring the p-value
    assert without["reasons"] == with_numbers["reasons"] == list(stored)
    assert without["reason_details"][0] == {"signal": "negative_share", "de": None, "en": None}
    assert with_numbers["reason_details"][0]["de"].endswith("p = 2,0·10⁻¹⁶")
    assert with_numbers["reason_details"][1] == {"signal": "risk_terms", "de": None, "en": None}


def test_the_brand_name_is_the_one_people_know() -> None:
    assert brand_display_name(incident()) == "Müller Haushaltsgeräte GmbH"
    assert brand_display_name(incident().model_copy(update={"title": "Irgendein Titel"})) == "mueller"


# ----------------------------------------------------------------------------- SMS and email


def test_gsm7_counts_umlauts_as_one_and_euro_as_two() -> None:
    assert gsm7_length("Müller") == 6
    assert gsm7_length("€") == 2
    assert gsm7_length("🔥") is None
    assert to_gsm7("„Brand“ – 🔥 jetzt…") == '"Brand" -  jetzt...'


def sms_words_are_whole(sms: str, *sources: str) -> bool:
    """Every word of the SMS (a trailing "..." marks a cut) is a whole word of what it was made from."""
    known = {word.strip(",.:") for source in sources for word in to_gsm7(source).split()}
    words = [word.removesuffix("...").strip(",.:") for word in sms.split()]
    return all(word in known for word in words if word)


def test_an_escalation_sms_with_a_long_brand_and_topic_ends_on_whole_words() -> None:
    # Given an escalation of an incident with a long brand name and a long topic
    brand = "Müller Haushaltsgeräte GmbH & Co. KG Vertrieb Süddeutschland"
    topic = "Spülmeister 3000 Kurzschluss und Rauchentwicklung in der Küche"
    link = f"{LINK_BASE}/#/incidents/INC-20261120-3F9A2C"
    # When the SMS is composed
    sms = compose_alert(incident(Severity.SEV1, topic), "escalation", "a1", LINK_BASE, brand).sms
    # Then it fits one SMS, names severity and incident (by its link), and cuts no word in half
    length = gsm7_length(sms)
    assert length is not None and length <= SMS_LIMIT
    assert sms.startswith("KRISENRADAR SEV1: Eskalation, unbestätigt - Müller Haushaltsgeräte GmbH")
    assert sms.endswith(f" {link}")
    assert sms_words_are_whole(
        sms.removesuffix(link), "KRISENRADAR SEV1: Eskalation, unbestätigt -", brand, "Thema", topic
    )
    assert "Them " not in sms and "Süddeutschl " not in sms


def test_an_sms_with_room_to_spare_names_brand_topic_and_the_first_reason() -> None:
    message = compose_alert(incident(Severity.SEV1), "incident_opened", "a1", "https://k.example", "Müller")
    assert message.sms == (
        "KRISENRADAR SEV1: Neue Krise erkannt - Müller, Thema #rueckruf. "
        "42 Erwähnungen in 5 Minuten, sonst etwa 3. https://k.example/#/incidents/INC-20261120-3F9A2C"
    )


@pytest.mark.parametrize("severity", list(Severity))
def test_sms_stays_within_160_gsm7_characters_and_names_incident_severity_and_link(
    severity: Severity,
) -> None:
    long_reasons = ("Sehr viele sehr lange Gründe " * 20, "noch mehr")
    message = compose_alert(
        incident(severity, reasons=long_reasons),
        "incident_opened",
        "a1",
        "https://krisenradar.example",
        "Müller",
    )
    length = gsm7_length(message.sms)
    assert length is not None and length <= SMS_LIMIT
    assert "INC-20261120-3F9A2C" in message.sms
    assert severity.label in message.sms
    assert message.sms.endswith("https://krisenradar.example/#/incidents/INC-20261120-3F9A2C")


def test_a_link_too_long_for_an_sms_gives_way_to_the_incident_id() -> None:
    message = compose_alert(incident(), "escalation", "a1", "https://k.example/" + "x" * 150, "Müller")
    assert message.sms.startswith("KRISENRADAR SEV2 INC-20261120-3F9A2C: Eskalation, unbestätigt - Müller")
    assert (gsm7_length(message.sms) or SMS_LIMIT + 1) <= SMS_LIMIT
    assert "https" not in message.sms


@pytest.mark.parametrize(
    ("detected_at", "local"),
    [
        (datetime(2026, 11, 29, 9, 46, 29, 139381, tzinfo=UTC), "29.11.2026, 10:46 Uhr"),  # winter, UTC+1
        (datetime(2026, 7, 14, 22, 5, tzinfo=UTC), "15.07.2026, 00:05 Uhr"),  # summer, UTC+2, next day
    ],
)
def test_the_email_shows_berlin_time_in_summer_and_winter(detected_at: datetime, local: str) -> None:
    # Given an incident detected at a moment in UTC, When its email is composed
    email = compose_alert(
        incident(detected_at=detected_at), "incident_opened", "a1", LINK_BASE, "Müller"
    ).email
    # Then it shows German local time, never a raw ISO timestamp
    assert f"Erkannt / Detected:     {local}\n" in email
    assert detected_at.isoformat() not in email
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", email)


def test_sms_is_german_and_email_is_bilingual_in_plain_words() -> None:
    # Given an incident stored before reasons were plain (with p-values in them)
    old = incident(reasons=("84% negativ (27 von 32) statt üblich 17% (p=2.2e-16)",))
    message = compose_alert(old, "incident_opened", "a1", "https://k.example", "Müller Haushaltsgeräte GmbH")
    # Then SMS and email speak plainly, the email in German and English
    assert "Neue Krise erkannt" in message.sms
    assert "Warum dieser Alarm:\n  - 84 % negativ (27 von 32), sonst etwa 17 %\n" in message.email
    assert "Why this alert:\n  - 84% negative (27 of 32), usually about 17%\n" in message.email
    assert "Status:                 offen / open" in message.email
    assert not STATISTICS.search(message.email) and not STATISTICS.search(message.sms)


TEAM = PLAYBOOK.team.as_users(NOW)


def _sent(planned: list, channel: str) -> set[str]:
    return {r.address for r in planned if r.channel == channel}


def test_sms_goes_to_level_one_for_sev2_and_email_to_everyone() -> None:
    planned = plan_recipients(TEAM, Severity.SEV2, escalation_level=1)
    assert _sent(planned, "sms") == {m.phone for m in PLAYBOOK.team.members if m.escalation_level == 1}
    assert _sent(planned, "email") == {m.email for m in PLAYBOOK.team.members if m.email}
    assert [r for r in planned if r.channel == "integration"] == [("integration", "integrations", None)]
    assert all(r.user_id for r in planned if r.channel != "integration")


def test_no_sms_for_sev3_but_email_still_goes() -> None:
    planned = plan_recipients(TEAM, Severity.SEV3, escalation_level=3)
    assert _sent(planned, "sms") == set()
    assert len(_sent(planned, "email")) == len(PLAYBOOK.team.members)


def test_escalation_reaches_the_next_level_only_for_severe_enough_incidents() -> None:
    ceo = next(m for m in PLAYBOOK.team.members if m.escalation_level == 2)
    assert ceo.phone not in _sent(plan_recipients(TEAM, Severity.SEV1, 1), "sms")
    assert ceo.phone in _sent(plan_recipients(TEAM, Severity.SEV1, 2), "sms")
    assert ceo.phone not in _sent(plan_recipients(TEAM, Severity.SEV2, 2), "sms")  # SEV1 only for her


def test_people_off_duty_get_nothing_and_a_changed_roster_applies_to_the_next_alert() -> None:
    anna = next(u for u in TEAM if u.user_id == "anna-schmidt")
    off = [u.model_copy(update={"on_duty": False}) if u is anna else u for u in TEAM]
    planned = plan_recipients(off, Severity.SEV1, 1)
    assert anna.phone not in _sent(planned, "sms") and anna.email not in _sent(planned, "email")
    moved = [u.model_copy(update={"phone": "+4915199999999"}) if u is anna else u for u in TEAM]
    assert "+4915199999999" in _sent(plan_recipients(moved, Severity.SEV1, 1), "sms")


def test_each_subscription_hears_only_what_is_addressed_to_it() -> None:
    subs = subscriptions(TEAM)
    assert {p for p, _, _ in subs} == {"sms", "email"}
    for protocol, endpoint, policy in subs:
        assert policy == {"channel": [protocol], "recipient": [endpoint]}
    assert filter_policy("integration", "integrations") == {"channel": ["integration"]}


def test_an_update_sms_says_what_is_new_first() -> None:
    opened = incident(Severity.SEV1)
    news = "Neu: Bericht von Stuttgarter Zeitung (120.000 Leser)"
    told = opened.model_copy(update={"reasons": (news, *opened.reasons)})
    sms = compose_alert(
        told, "incident_updated", "A#1", "https://krisenradar.example.de", "Müller Haushaltsgeräte GmbH"
    ).sms
    assert "Lage verändert: Neu: Bericht von Stuttgarter Zeitung" in sms
    assert gsm7_length(sms) is not None and gsm7_length(sms) <= 160

"""Reply drafts, pure: channel limits, the checks a text must pass, and which channel to answer on.

Grounding. Herhausen, Ludwig, Grewal, Wulf & Schoegel (2019), *Journal of Marketing* 83(3): in 472,995
negative posts, answering with empathy and moving an individual case to a private channel limited how
far a complaint spread; offering compensation in public fuelled it. Coombs (2007), *Corporate
Reputation Review* 10(3): what people must do to stay safe comes first, and media get a statement.
Personal data stays out of public threads (DSGVO Art. 5(1)(c) and (f): minimisation, confidentiality).

Channel limits (characters a reply, a post or a direct message may have; None: no practical limit).
As the platforms documented them in 2026; they change, so the table lives here, in one place:

| channel        | reply / comment | post / statement | direct message | counted as                       |
|----------------|----------------:|-----------------:|---------------:|----------------------------------|
| x              |             280 |              280 |         10,000 | characters (X Premium: longer)   |
| bluesky        |             300 |              300 |          1,000 | graphemes (approximated)         |
| mastodon       |             500 |              500 |            500 | characters (instance default)    |
| facebook       |           8,000 |           63,206 |          2,000 | characters (Messenger: 2,000)    |
| instagram      |           2,200 |            2,200 |          1,000 | characters                       |
| linkedin       |           1,250 |            3,000 |          8,000 | characters                       |
| youtube        |          10,000 |            5,000 |        no DMs  | characters (post: description)   |
| reddit         |          10,000 |           40,000 |         10,000 | characters                       |
| google_reviews |           4,096 |            4,096 |        no DMs  | characters (owner reply)         |
| trustpilot     |           2,048 |            2,048 |        no DMs  | characters (company reply)       |
| sms            |             160 |              160 |            160 | GSM-7 septets; 70 in UCS-2       |
| email, website, press | none     |             none |           none |                                  |
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from chalicelib.domain.draft_text import (
    PERSONAL_LABELS,
    compensation_offers,
    du_words,
    find_personal_data,
    formal_words,
    liability_terms,
    norm,
    sounds_urgent,
    unbacked_claims,
)
from chalicelib.domain.messages.alerts import gsm7_length
from chalicelib.domain.models import (
    DraftAddress,
    DraftChannel,
    DraftCheck,
    DraftKind,
    Mention,
    Recommendation,
    Severity,
)

Mode = Literal["reply", "post", "direct"]
NO_DIRECT_MESSAGES: frozenset[str] = frozenset(
    {"youtube", "google_reviews", "trustpilot", "website", "press"}
)
NO_REPLIES: frozenset[str] = frozenset({"website", "press"})
PRIVATE_CHANNELS: frozenset[str] = frozenset({"email", "sms"})
CHANNEL_LIMITS: dict[str, dict[Mode, int | None]] = {
    "x": {"reply": 280, "post": 280, "direct": 10_000},
    "bluesky": {"reply": 300, "post": 300, "direct": 1_000},
    "mastodon": {"reply": 500, "post": 500, "direct": 500},
    "facebook": {"reply": 8_000, "post": 63_206, "direct": 2_000},
    "instagram": {"reply": 2_200, "post": 2_200, "direct": 1_000},
    "linkedin": {"reply": 1_250, "post": 3_000, "direct": 8_000},
    "youtube": {"reply": 10_000, "post": 5_000, "direct": None},
    "reddit": {"reply": 10_000, "post": 40_000, "direct": 10_000},
    "google_reviews": {"reply": 4_096, "post": 4_096, "direct": None},
    "trustpilot": {"reply": 2_048, "post": 2_048, "direct": None},
    "sms": {"reply": 160, "post": 160, "direct": 160},
    "email": {"reply": None, "post": None, "direct": None},
    "website": {"reply": None, "post": None, "direct": None},
    "press": {"reply": None, "post": None, "direct": None},
}
SMS_UCS2_LIMIT = 70


def mode(kind: DraftKind) -> Mode:
    return {"reply": "reply", "private_message": "direct"}.get(kind, "post")  # type: ignore[return-value]


def is_public(kind: DraftKind, channel: DraftChannel) -> bool:
    """Everyone can read it: not a direct message, and not an answer by email or SMS."""
    return kind != "private_message" and channel not in PRIVATE_CHANNELS


def channel_limit(kind: DraftKind, channel: DraftChannel) -> int | None:
    return CHANNEL_LIMITS[channel][mode(kind)]


def text_length(text: str, channel: DraftChannel) -> tuple[int, int | None]:
    """(length as the channel counts it, the SMS limit that applies to this text or None)."""
    if channel == "sms":
        septets = gsm7_length(text)
        if septets is None:  # a character outside GSM-7 (emoji, typographic quotes): UCS-2, 70 a part
            return len(text.encode("utf-16-le")) // 2, SMS_UCS2_LIMIT
        return septets, None
    if channel == "bluesky":  # graphemes: combining marks and joiners add nothing
        text = unicodedata.normalize("NFC", text)
        return sum(1 for c in text if not unicodedata.combining(c) and c not in "\u200d\ufe0f"), None
    return len(text), None


def combination_problems(kind: DraftKind, channel: DraftChannel) -> list[dict[str, str]]:
    """Field-level problems of a kind on a channel that cannot carry it."""
    if kind == "private_message" and channel in NO_DIRECT_MESSAGES:
        return [{"field": "body.channel", "message": f"{channel} has no direct messages"}]
    if kind == "reply" and channel in NO_REPLIES:
        return [{"field": "body.channel", "message": f"one does not reply on {channel}; use a statement"}]
    return []


# --- checks -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckContext:
    kind: DraftKind
    channel: DraftChannel
    language: Literal["de", "en"]
    address: DraftAddress
    verified_facts: tuple[str, ...] = ()
    backed: tuple[str, ...] = ()  # title, brand, handle, contact, the playbook's rendered wording
    detected_language: str | None = None  # "de", "en" or "other", from chalicelib.analysis


def _check(code: str, severity: Literal["error", "warning", "info"], de: str, en: str) -> DraftCheck:
    return DraftCheck(code=code, severity=severity, message=de, message_en=en)


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f"„{item}“" for item in items[:6]) + (" …" if len(items) > 6 else "")


def check_text(text: str, context: CheckContext) -> tuple[DraftCheck, ...]:
    """Everything a reviewer should know about a text before approving it; errors block approval."""
    return (
        *_length(text, context),
        *_legal(text, context),
        *_personal(text, context),
        *_claims(text, context),
        *_language(text, context),
    )


def _length(text: str, context: CheckContext) -> list[DraftCheck]:
    limit = channel_limit(context.kind, context.channel)
    length, sms_limit = text_length(text, context.channel)
    limit = sms_limit or limit
    if limit is None or length <= limit:
        return []
    unit = "Zeichen (UCS-2)" if sms_limit else "Zeichen"
    return [
        _check(
            "too_long",
            "error",
            f"{length} {unit}, {context.channel} erlaubt {limit}: bitte kürzen.",
            f"{length} characters, {context.channel} allows {limit}: please shorten.",
        )
    ]


def _legal(text: str, context: CheckContext) -> list[DraftCheck]:
    public = is_public(context.kind, context.channel)
    severity: Literal["error", "warning"] = "error" if public else "warning"
    where_de, where_en = ("öffentlich", "in public") if public else ("privat", "in private")
    checks = []
    liability = liability_terms(text)
    if liability:
        checks.append(
            _check(
                "admits_liability",
                severity,
                f"Klingt nach Schuldeingeständnis ({where_de}): {_quoted(liability)}. "
                "Erst Recht prüfen lassen.",
                f"Reads as admitting liability ({where_en}): {_quoted(liability)}. Legal must review it.",
            )
        )
    fact_spans = [
        (start, start + len(fact))
        for fact in context.verified_facts
        for start in (m.start() for m in re.finditer(re.escape(fact), text))
    ]
    offers = compensation_offers(text)
    free = [m.group(0) for m in offers if not any(s <= m.start() < e for s, e in fact_spans)]
    decided = [m.group(0) for m in offers if any(s <= m.start() < e for s, e in fact_spans)]
    if free:
        checks.append(
            _check(
                "offers_compensation",
                severity,
                f"Bietet Entschädigung an ({where_de}): {_quoted(free)}. Öffentliche Angebote heizen "
                "einen Shitstorm an (Herhausen et al. 2019); Lösungen für den Einzelfall gehören in den "
                "privaten Kanal, und Recht prüft sie.",
                f"Offers compensation ({where_en}): {_quoted(free)}. Public offers fuel a firestorm "
                "(Herhausen et al. 2019); solutions for one case belong in private, and Legal reviews them.",
            )
        )
    if decided:
        checks.append(
            _check(
                "compensation_in_fact",
                "warning",
                f"Ein geprüfter Fakt nennt eine Leistung: {_quoted(decided)}. "
                "Recht sollte den Wortlaut kennen.",
                f"A verified fact names a remedy: {_quoted(decided)}. Legal should know the wording.",
            )
        )
    return checks


def _personal(text: str, context: CheckContext) -> list[DraftCheck]:
    if not is_public(context.kind, context.channel):
        return []
    allowed = norm(" ".join((*context.verified_facts, *context.backed)))
    found = [(kind, value) for kind, value in find_personal_data(text) if norm(value) not in allowed]
    if not found:
        return []
    kinds = list(dict.fromkeys(kind for kind, _ in found))
    return [
        _check(
            "personal_data_in_public",
            "error",
            "Persönliche Daten in einer öffentlichen Antwort ("
            + ", ".join(PERSONAL_LABELS[k][0] for k in kinds)
            + "). Entfernen und den Fall privat klären.",
            "Personal data in a public reply ("
            + ", ".join(PERSONAL_LABELS[k][1] for k in kinds)
            + "). Remove it and continue in private.",
        )
    ]


def _claims(text: str, context: CheckContext) -> list[DraftCheck]:
    claims = unbacked_claims(text, (*context.verified_facts, *context.backed))
    if not claims:
        return []
    return [
        _check(
            "unverified_claim",
            "warning",
            f"Behauptungen ohne geprüften Fakt: {_quoted(claims)}. Nur sagen, was ein geprüfter Fakt deckt.",
            f"Claims no verified fact backs: {_quoted(claims)}. State only what a verified fact covers.",
        )
    ]


def _language(text: str, context: CheckContext) -> list[DraftCheck]:
    checks = []
    detected = context.detected_language
    if detected in ("de", "en") and detected != context.language:
        names = {"de": ("Deutsch", "German"), "en": ("Englisch", "English")}
        checks.append(
            _check(
                "language_mismatch",
                "warning",
                f"Der Text wirkt {names[detected][0]}, gewählt ist {names[context.language][0]}.",
                f"The text reads as {names[detected][1]}, but {names[context.language][1]} is chosen.",
            )
        )
    if context.language == "de":
        wrong = du_words(text) if context.address == "Sie" else formal_words(text)
        if wrong:
            other = "Du" if context.address == "Sie" else "Sie"
            checks.append(
                _check(
                    "address_mismatch",
                    "warning",
                    f"Anrede {context.address} gewählt, der Text sagt {_quoted(wrong)} ({other}).",
                    f"Form of address {context.address} chosen, but the text says "
                    f"{_quoted(wrong)} ({other}).",
                )
            )
    return checks


# --- which channel to answer on -----------------------------------------------------------------------


def _count(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "de" else text


def _rec(rule: str, channel: str, de: str, en: str) -> Recommendation:
    return Recommendation.model_validate({"rule": rule, "channel": channel, "reason": de, "reason_en": en})


# The rules a known CRM customer outranks. Press, safety and personal data come first: a customer
# who reports danger is still called, and a media outlet that is also a contact still gets a statement.
KNOWN_CUSTOMER_OUTRANKS: frozenset[str] = frozenset({"high_reach", "individual_complaint", "public_empathy"})


def known_customer_matters(recommendation: Recommendation) -> bool:
    """Whether knowing that the author is a CRM contact could change this recommendation, so that
    the CRM is asked only then (one request less, and no handle sent without need)."""
    return recommendation.rule in KNOWN_CUSTOMER_OUTRANKS


def recommend(
    mention: Mention | None,
    *,
    severity: Severity,
    media_involved: bool,
    high_reach_followers: int,
    known_customer: bool = False,
) -> Recommendation:
    """Where to answer, with a plain reason; the first rule that applies wins (see RULES in the README).

    `known_customer`: the author is a contact in the company's CRM. Their contract, orders and history
    live in the CRM, so the case is best answered in person and in private, even at high reach."""
    if mention is not None and mention.author.is_media:
        return _rec(
            "media_author",
            "press_statement",
            "Beitrag eines Mediums: mit einer abgestimmten Stellungnahme antworten, nicht im Kommentar.",
            "A media outlet's post: answer with an approved statement, not in the comments.",
        )
    if severity is Severity.SEV1 and media_involved:
        return _rec(
            "sev1_media",
            "press_statement",
            "SEV1 und Medien berichten: eine Stellungnahme für alle, damit überall dasselbe steht.",
            "SEV1 and the media are reporting: one statement for everyone, so the same facts are everywhere.",
        )
    if mention is None:
        return _rec(
            "no_mention",
            "public_reply",
            "Kein einzelner Beitrag: öffentlich Stellung nehmen, mit Empathie und geprüften Fakten.",
            "No single post: take a public position, with empathy and verified facts.",
        )
    personal = [kind for kind, _ in find_personal_data(mention.text)]
    if "phone" in personal and sounds_urgent(mention.text):
        return _rec(
            "urgent_with_phone",
            "phone",
            "Dringender Hinweis auf eine Gefahr, mit Telefonnummer: die Person anrufen, Sicherheit zuerst.",
            "An urgent report of danger, with a phone number: call the person, safety first.",
        )
    if personal:
        labels_de = ", ".join(dict.fromkeys(PERSONAL_LABELS[k][0] for k in personal))
        labels_en = ", ".join(dict.fromkeys(PERSONAL_LABELS[k][1] for k in personal))
        return _rec(
            "personal_data",
            "private_message",
            f"Im Beitrag stehen persönliche Daten ({labels_de}): privat antworten, nichts davon wiederholen.",
            f"The post contains personal data ({labels_en}): answer in private, repeat none of it.",
        )
    if known_customer:
        return _rec(
            "known_customer",
            "private_message",
            "Bekannter Kunde in HubSpot: besser persönlich und privat antworten.",
            "A known customer in HubSpot: better answer in person and in private.",
        )
    followers = mention.author.followers
    if followers >= high_reach_followers:
        return _rec(
            "high_reach",
            "public_reply",
            f"Reichweitenstarker Account ({_count(followers, 'de')} Follower): öffentlich antworten, damit "
            "Mitlesende die Reaktion sehen, Details privat klären.",
            f"High-reach account ({_count(followers, 'en')} followers): reply in public so that readers see "
            "the response, and sort out the details in private.",
        )
    if mention.first_person_singular > 0:
        return _rec(
            "individual_complaint",
            "private_message",
            f"Einzelne Beschwerde mit geringer Reichweite ({_count(followers, 'de')} Follower): den Fall "
            "privat klären; das bremst die Ausbreitung.",
            f"An individual complaint with low reach ({_count(followers, 'en')} followers): sort the case "
            "out in private; that slows the spread.",
        )
    return _rec(
        "public_empathy",
        "public_reply",
        "Öffentlich mit Empathie antworten und anbieten, den Fall privat weiterzuführen.",
        "Reply in public with empathy and offer to continue in private.",
    )

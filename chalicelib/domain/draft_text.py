"""What a draft's text (or the post it answers) contains, found by patterns: personal data, claims
that need a verified fact, terms that need legal review, the form of address, urgency. Pure.

Patterns run on texts of up to 5,000 characters that anyone with the responder role writes, so none
may backtrack quadratically (a unit test feeds them crafted input)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PERSONAL = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "phone": re.compile(r"(?<![\w.,/-])(?:\+|00)?\d[\d /()-]{5,}\d(?![\w.,]\d)"),
    "order_number": re.compile(
        r"(?i)\b(?:bestell|auftrags|kunden|rechnungs|vertrags|order|customer|invoice|account)"
        r"[\s-]*(?:nummer|nr\.?|number|no\.?|#|id)\s*[:#]?\s*[A-Z0-9][A-Z0-9/-]{3,}"
    ),
    "address": re.compile(
        r"\b[A-ZÄÖÜ][a-zäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)\s+\d+[a-z]?\b"
        r"|\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]{2,}\b"
        r"|\b\d+\s+[A-Z][a-z]+\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane)\b"
    ),
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PERSONAL_LABELS = {
    "email": ("E-Mail-Adresse", "email address"),
    "iban": ("IBAN", "IBAN"),
    "phone": ("Telefonnummer", "phone number"),
    "order_number": ("Bestell- oder Kundennummer", "order or customer number"),
    "address": ("Anschrift", "postal address"),
}


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """(kind, what was found) for phone numbers, email addresses, IBANs, addresses and order numbers."""
    found: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PERSONAL.items():
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue  # an IBAN's or order number's digits are not a phone number as well
            if kind == "phone" and (
                not 7 <= sum(c.isdigit() for c in match.group(0)) <= 15 or _ISO_DATE.fullmatch(match.group(0))
            ):
                continue
            taken.append(match.span())
            found.append((kind, match.group(0).strip()))
    return found


_LIABILITY = re.compile(
    r"\bunsere?n?\s+schuld\b|\bschuldig\b|\bwir\s+haften\b|\bhaft(?:en|et|ung|bar)\b|fahrlässig|"
    r"\bour\s+fault\b|\bwe\s+are\s+liable\b|\bliab(?:le|ility)\b|\bnegligen",
    re.IGNORECASE,
)
_COMPENSATION = re.compile(
    r"entschädig|gutschein|gutschrift|\b(?:rück|kosten)?erstatt|schadens?ersatz|wiedergutmach|"
    r"geld\s+zurück|kulanz|compensat|voucher|refund|reimburs",
    re.IGNORECASE,
)
_DU_WORDS = re.compile(r"\b(du|dich|dir|dein\w*|euch|euer|eure\w*)\b", re.IGNORECASE)
_SIE_WORDS = re.compile(r"\b(Ihnen|Ihre[mnrs]?|Sie)\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\n]\s*|^\s*-\s*)$")
_ABSOLUTES = frozenset(
    [
        "alle",
        "allen",
        "aller",
        "alles",
        "sämtliche",
        "sämtlichen",
        "keine",
        "keinen",
        "keiner",
        "keinem",
        "kein",
        "niemand",
        "nie",
        "niemals",
        "immer",
        "ausnahmslos",
        "jede",
        "jeder",
        "jedes",
        "all",
        "every",
        "everyone",
        "none",
        "nobody",
        "never",
        "always",
    ]
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_NOT_CLAIMS = re.compile(r"https?://\S+|www\.\S+|(?<![\w.+-])[\w.+-]+@[\w.-]+|[@#][\w.-]+")


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def unbacked_claims(text: str, backed: Iterable[str]) -> list[str]:
    """Numbers, dates, product series and absolutes ("alle", "keine") that no backing text states.

    A number or series is backed when a backing text (a verified fact, the approved title, the
    playbook's own wording) contains it; an absolute only when its whole sentence is backed."""
    sources = [norm(source) for source in backed if source]
    claims: list[str] = []
    for raw_sentence in _SENTENCES.split(_NOT_CLAIMS.sub(" ", text)):
        sentence = norm(raw_sentence.strip().lstrip("-• ").strip())
        if not sentence or any(sentence in source for source in sources):
            continue
        for word in sentence.split():
            token = word.strip(".,;:!?()[]\"'„“”‚‘’«»")
            if any(c.isdigit() for c in token):
                if not any(token in source for source in sources):
                    claims.append(token)
            elif token in _ABSOLUTES:
                claims.append(token)
    return list(dict.fromkeys(claims))


def formal_words(text: str) -> list[str]:
    """Sie-forms in a German text; a sentence-initial "Sie" may mean "they", so it does not count."""
    return [
        m.group(0)
        for m in _SIE_WORDS.finditer(text)
        if m.group(0) != "Sie" or not _SENTENCE_START.search(text[: m.start()])
    ]


_URGENT = re.compile(
    r"dringend|sofort|notfall|gefahr|gefährlich|brennt|feuer|rauch|qualm|verletz|explodier|stromschlag|"
    r"urgent|emergency|danger|fire|smoke|burn|injur|explod|electric shock",
    re.IGNORECASE,
)


def du_words(text: str) -> list[str]:
    return [m.group(0) for m in _DU_WORDS.finditer(text)]


def liability_terms(text: str) -> list[str]:
    """Words that read as admitting liability; whether the company is at fault is for Recht to say."""
    return [m.group(0) for m in _LIABILITY.finditer(text)]


def compensation_offers(text: str) -> list[re.Match[str]]:
    """Offers of compensation, refunds, vouchers: in public they fuel a firestorm (Herhausen et al. 2019)."""
    return list(_COMPENSATION.finditer(text))


def sounds_urgent(text: str) -> bool:
    """Danger or urgency: fire, smoke, injury, "dringend", "sofort"."""
    return _URGENT.search(text) is not None

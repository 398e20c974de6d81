"""Risk-term and topic matching over German and English text (pure, no I/O).

Terms come from `playbooks/risk_terms.yaml`. A "stem" term matches inflections and compounds:
"rückruf" finds "Rückrufaktion", "Rückrufe" and "#Rückruf"; spelled-out umlauts ("Rueckruf") match too.
Irregular forms ("zurückgerufen") are listed as `forms` of their term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.playbook import RiskTerm, RiskTerms

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "á": "a"})
_HASHTAG = re.compile(r"#(\w{2,60})", re.UNICODE)
_MIN_INFIX_STEM = 5


def fold(text: str) -> str:
    """Lower-case and spell out umlauts so that "Rückruf" and "Rueckruf" compare equal."""
    return text.lower().translate(_FOLD)


@dataclass(frozen=True, slots=True)
class RiskHit:
    term: str
    category: str
    weight: int


class _LanguageMatcher:
    """One compiled regular expression over every term and form of one language."""

    def __init__(self, terms: Iterable[RiskTerm]) -> None:
        self._by_pattern: dict[str, RiskTerm] = {}
        alternatives: list[str] = []
        for term in terms:
            for form in (term.term, *term.forms):
                key = fold(form)
                if key in self._by_pattern:
                    continue
                self._by_pattern[key] = term
                escaped = re.escape(key)
                if term.match == "exact":
                    alternatives.append(rf"(?<!\w){escaped}(?!\w)")
                elif len(key) >= _MIN_INFIX_STEM:
                    alternatives.append(escaped)  # inside compounds: "Rückrufaktion", "Produktrückruf"
                else:
                    alternatives.append(rf"(?<!\w){escaped}")
        alternatives.sort(key=len, reverse=True)
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def find(self, text: str) -> list[RiskHit]:
        if self._pattern is None or not text:
            return []
        seen: dict[str, RiskHit] = {}
        for match in self._pattern.finditer(fold(text)):
            term = self._by_pattern.get(match.group(0))
            if term is not None and term.term not in seen:
                seen[term.term] = RiskHit(term=term.term, category=term.category, weight=term.weight)
        return list(seen.values())


class RiskMatcher:
    """German terms for German text, English for English; both when the language is unclear
    ("Brand" is a fire in German and a brand in English)."""

    def __init__(self, risk_terms: RiskTerms) -> None:
        self._de = _LanguageMatcher(risk_terms.de)
        self._en = _LanguageMatcher(risk_terms.en)

    def find(self, text: str, lang: str) -> list[RiskHit]:
        if lang == "de":
            return self._de.find(text)
        if lang == "en":
            return self._en.find(text)
        hits = {hit.term: hit for hit in [*self._de.find(text), *self._en.find(text)]}
        return list(hits.values())


def hashtags(text: str) -> list[str]:
    """Hashtags, folded and de-duplicated, in order of appearance ("#Rückruf" -> "#rueckruf")."""
    found: list[str] = []
    for tag in _HASHTAG.findall(text):
        folded = "#" + fold(tag)
        if folded not in found:
            found.append(folded)
    return found


def topics_for(text: str, hits: Iterable[RiskHit]) -> tuple[str, ...]:
    """The topics a mention counts towards: its hashtags and the categories of its risk terms
    (a category already present as a hashtag, "#rueckruf", is not counted twice)."""
    topics = hashtags(text)
    for hit in hits:
        if hit.category not in topics and f"#{hit.category}" not in topics:
            topics.append(hit.category)
    return tuple(topics)

"""Checks beyond the schema: risk categories against risk_terms.yaml, and every template rendered with
sample contexts for what it must not do."""

from __future__ import annotations

import re
from collections.abc import Iterable

from jinja2 import TemplateError

from chalicelib.domain.crisis.schema import Address, CrisisLibrary, CrisisPlaybook, Language
from chalicelib.domain.crisis.templates import TemplateContext, VerifiedFact, render, template_variables
from chalicelib.domain.playbook import RiskTerms

# Public compensation offers fuel a firestorm (Herhausen et al. 2019); a remedy the team has decided
# on (a free repair in a recall) is a verified fact and comes in through `facts`, never the template.
_COMPENSATION = re.compile(
    r"entschädig|gutschein|gutschrift|kostenlos|kostenfrei|gratis|\b(rück|kosten)?erstatt|schadens?ersatz|"
    r"wiedergutmach|rabatt|geld zurück|kulanz|compensat|voucher|refund|free of charge|for free|"
    r"reimburs|discount|goodwill",
    re.IGNORECASE,
)
# A template never admits liability; whether the company is at fault is for Recht to say, later.
_LIABILITY = re.compile(
    r"\bunsere schuld\b|\bschuldig\b|\bhaft(en|et|ung)\b|fahrlässig|\bour fault\b|\bliab(le|ility)\b|"
    r"\bnegligen",
    re.IGNORECASE,
)
_DU_WORDS = re.compile(r"\b(du|dich|dir|dein\w*|euch|euer|eure\w*)\b", re.IGNORECASE)
_SIE_WORDS = re.compile(r"\b(Ihnen|Ihre[mnrs]?)\b")


def known_risk_categories(risk_terms: RiskTerms) -> frozenset[str]:
    return frozenset(term.category for term in (*risk_terms.de, *risk_terms.en))


def unknown_risk_categories(library: CrisisLibrary, known: Iterable[str]) -> list[str]:
    """'<playbook>: <category>' for every selecting category that risk_terms.yaml does not define."""
    known_set = set(known)
    return [
        f"{playbook.id}: unknown risk category {category!r}"
        for playbook in library.playbooks
        for category in playbook.selected_by.risk_categories
        if category not in known_set
    ]


# Rendering checks use the longest values the templates must cope with: a long company name, an
# X handle of the maximum length (15 characters and '@'), several facts, and none at all.
SAMPLE_FACTS = (
    VerifiedFact(text="Betroffen sind Geräte der Serie SP-3000 aus dem Baujahr 2025.", verified_by="QS"),
    VerifiedFact(text="Verletzt wurde nach unserem Kenntnisstand niemand.", verified_by="Krisenleitung"),
    VerifiedFact(text="Die Hotline ist ab sofort bis 22 Uhr erreichbar.", verified_by="Kundenservice"),
)
SAMPLE_CONTEXTS = (
    TemplateContext(brand="Müller Haushaltsgeräte", incident_title="Rauch beim Spülmeister 3000"),
    TemplateContext(
        brand="Müller Haushaltsgeräte GmbH & Co. KG",
        incident_title="Berichte über Rauchentwicklung und Kurzschlüsse beim Geschirrspüler Spülmeister 3000",
        author_handle="@" + "k" * 15,
        facts=SAMPLE_FACTS,
        contact="0800 123 456 7 oder muellerhg.de/service",
        next_update="heute um 16 Uhr",
    ),
)


def template_problems(playbook: CrisisPlaybook) -> list[str]:
    """What is wrong when the playbook's templates are rendered: unknown names or fields, texts too
    long for their channel, compensation offered in public, liability admitted, the wrong form of
    address. Empty when every template renders cleanly in every language with every sample context."""
    problems: list[str] = []
    for name, template, address, max_chars, public in playbook.templates():
        for lang in playbook.languages:
            source = template.get(lang)
            if source is not None:
                where = f"{playbook.id} {name} [{lang}]"
                problems += _source_problems(where, source, lang, address, public)
                problems += _rendering_problems(where, source, max_chars)
    return problems


def _rendering_problems(where: str, source: str, max_chars: int | None) -> list[str]:
    states_facts = "facts" in template_variables(source)
    problems = []
    for context in SAMPLE_CONTEXTS:
        try:
            text = render(source, context)
        except TemplateError as exc:
            return [f"{where}: does not render: {exc}"]
        if not text:
            problems.append(f"{where}: renders empty")
        if max_chars is not None and len(text) > max_chars:
            problems.append(f"{where}: {len(text)} characters, more than {max_chars}")
        if states_facts and any(fact.text not in text for fact in context.facts):
            problems.append(f"{where}: names facts but does not state each verified fact")
    return problems


def _source_problems(where: str, source: str, lang: Language, address: Address, public: bool) -> list[str]:
    problems = []
    if public and (found := _COMPENSATION.search(source)):
        problems.append(f"{where}: offers compensation in public ({found.group(0)!r})")
    if found := _LIABILITY.search(source):
        problems.append(f"{where}: admits liability ({found.group(0)!r})")
    if lang == "de":
        wrong = _DU_WORDS if address == "sie" else _SIE_WORDS
        if found := wrong.search(source):
            problems.append(f"{where}: form of address {address} but says {found.group(0)!r}")
    return problems

"""The schema of `playbooks/crisis/`: one crisis playbook per file, and the library of them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from jinja2 import TemplateError
from pydantic import BaseModel, Field, field_validator, model_validator

from chalicelib.domain.crisis.templates import TEMPLATE_VARIABLES, undeclared_variables
from chalicelib.domain.playbook import Strict

Language = Literal["de", "en"]
Address = Literal["sie", "du"]
Channel = Literal["public_reply", "private_message", "press_statement"]
Variant = Literal["standard", "short"]
SeverityLabel = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
CrisisType = Literal[
    "product_recall",
    "service_outage",
    "data_breach",
    "misconduct_allegation",
    "misinformation",
    "controversial_campaign",
    "complaint_wave",
]
RoleKey = Literal[
    "krisenleitung",
    "kommunikation",
    "recht",
    "kundenservice",
    "geschaeftsfuehrung",
    "datenschutz",
    "it_sicherheit",
    "qualitaet",
    "personal",
    "marketing",
    "betrieb",
]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
TopicKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{2,60}$")]
Weight = Annotated[int, Field(ge=1, le=10)]

SEVERITIES: tuple[SeverityLabel, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
REQUIRED_ROLES: tuple[RoleKey, ...] = (
    "krisenleitung",
    "kommunikation",
    "recht",
    "kundenservice",
    "geschaeftsfuehrung",
)
ROLE_NAMES: dict[str, dict[Language, str]] = {
    "krisenleitung": {"de": "Krisenleitung", "en": "Crisis lead"},
    "kommunikation": {"de": "Kommunikation", "en": "Communications"},
    "recht": {"de": "Recht", "en": "Legal"},
    "kundenservice": {"de": "Kundenservice", "en": "Customer service"},
    "geschaeftsfuehrung": {"de": "Geschäftsführung", "en": "Management board"},
    "datenschutz": {"de": "Datenschutzbeauftragte Person", "en": "Data protection officer"},
    "it_sicherheit": {"de": "IT-Sicherheit", "en": "IT security"},
    "qualitaet": {"de": "Qualitätssicherung und Produktsicherheit", "en": "Quality and product safety"},
    "personal": {"de": "Personal", "en": "People and HR"},
    "marketing": {"de": "Marketing", "en": "Marketing"},
    "betrieb": {"de": "Betrieb (IT und Logistik)", "en": "Operations (IT and logistics)"},
}
# Every playbook answers on each of these: (channel, address, variant). Press statements are formal.
REQUIRED_REPLIES: frozenset[tuple[Channel, Address, Variant]] = frozenset(
    {
        ("public_reply", "sie", "standard"),
        ("public_reply", "du", "standard"),
        ("public_reply", "sie", "short"),
        ("public_reply", "du", "short"),
        ("private_message", "sie", "standard"),
        ("private_message", "du", "standard"),
        ("press_statement", "sie", "standard"),
    }
)
X_MAX_CHARS = 280


class Text(Strict):
    """Text people read, in German and (unless the playbook is German only) English."""

    de: str = Field(min_length=1)
    en: str | None = Field(default=None, min_length=1)

    def get(self, lang: Language) -> str | None:
        return self.de if lang == "de" else self.en


class TemplateText(Text):
    """A Text whose languages are Jinja2 templates over `TemplateContext`."""

    @field_validator("de", "en")
    @classmethod
    def _valid_template(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            unknown = undeclared_variables(value)
        except TemplateError as exc:
            raise ValueError(f"not a valid template: {exc}") from exc
        if unknown:
            raise ValueError(
                f"unknown template variables {sorted(unknown)}; allowed: {sorted(TEMPLATE_VARIABLES)}"
            )
        return value


class RoleDuties(Strict):
    role: RoleKey
    duties: tuple[Text, ...] = Field(min_length=1)


class ChecklistItem(Strict):
    id: Slug
    text: Text
    role: RoleKey
    due_minutes: int = Field(ge=0, le=60, description="done within this many minutes of the alert")


class HoldingStatement(Strict):
    """Pre-approved, to be published as soon as the crisis is confirmed; works without any facts."""

    address: Address
    text: TemplateText


class ReplyTemplate(Strict):
    channel: Channel
    address: Address
    variant: Variant = "standard"
    max_chars: int | None = Field(default=None, ge=20, le=5000)
    text: TemplateText

    @model_validator(mode="after")
    def _consistent(self) -> ReplyTemplate:
        if self.variant == "short" and self.max_chars is None:
            raise ValueError("a short variant states its max_chars (280 for X)")
        if self.channel == "press_statement" and self.address != "sie":
            raise ValueError("press statements are formal: address sie")
        return self

    @property
    def key(self) -> tuple[Channel, Address, Variant]:
        return (self.channel, self.address, self.variant)

    @property
    def public(self) -> bool:
        return self.channel != "private_message"


class Guideline(Strict):
    text: Text
    source: str | None = Field(default=None, description="a key of _references.yaml")


class Targets(Strict):
    """How fast the team should be, from the first alert; a drill's review scores against them."""

    acknowledge_minutes: int = Field(default=15, ge=1, le=1440, description="someone takes the incident on")
    first_response_minutes: int = Field(
        default=60, ge=1, le=1440, description="the first public statement (a holding statement counts)"
    )
    resolve_hours: int = Field(default=48, ge=1, le=720, description="the incident is resolved")


class Selection(Strict):
    """What points to this playbook: risk categories (risk_terms.yaml) and topics (hashtags, folded,
    without '#'), each with a weight; the playbook with the highest sum wins."""

    risk_categories: dict[TopicKey, Weight] = Field(default_factory=dict)
    topics: dict[TopicKey, Weight] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _disjoint(self) -> Selection:
        both = set(self.risk_categories) & set(self.topics)
        if both:
            raise ValueError(f"listed both as risk category and topic: {sorted(both)}")
        return self

    def matches(self, topics: set[str]) -> tuple[int, tuple[str, ...]]:
        weights = {**self.risk_categories, **self.topics}
        matched = tuple(sorted(topic for topic in topics if topic in weights))
        return sum(weights[topic] for topic in matched), matched


class CrisisPlaybook(Strict):
    id: Slug
    crisis_type: CrisisType
    title: Text
    summary: Text
    languages: tuple[Language, ...] = ("de", "en")
    priority: int = Field(ge=1, le=100, description="breaks ties in selection: lower first")
    fallback: bool = Field(default=False, description="chosen when no other playbook matches")
    selected_by: Selection = Selection()
    severity: dict[SeverityLabel, Text]
    targets: Targets = Targets()
    drill_scenario: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_]{2,60}$",
        description="the demo scenario a drill of this playbook plays (default: mueller_rueckruf)",
    )
    roles: tuple[RoleDuties, ...]
    first_hour: tuple[ChecklistItem, ...] = Field(min_length=3)
    holding_statements: tuple[HoldingStatement, ...]
    replies: tuple[ReplyTemplate, ...]
    dos: tuple[Guideline, ...] = Field(min_length=1)
    donts: tuple[Guideline, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> CrisisPlaybook:
        problems = [
            *self._language_problems(),
            *self._role_and_checklist_problems(),
            *self._coverage_problems(),
        ]
        if missing := [label for label in SEVERITIES if label not in self.severity]:
            problems.append(f"severity guidance missing for {missing}")
        if not self.fallback and not (self.selected_by.risk_categories or self.selected_by.topics):
            problems.append("selected_by names no risk category or topic (and this is not the fallback)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _language_problems(self) -> list[str]:
        if "de" not in self.languages or len(set(self.languages)) != len(self.languages):
            return ["languages must name de, each language once"]
        if "en" in self.languages and any(text.en is None for text in _texts(self)):
            return ["every text needs an English version (languages includes en)"]
        return []

    def _role_and_checklist_problems(self) -> list[str]:
        roles = [entry.role for entry in self.roles]
        problems = []
        if len(roles) != len(set(roles)):
            problems.append("each role is listed once")
        if missing := [role for role in REQUIRED_ROLES if role not in roles]:
            problems.append(f"roles missing: {missing}")
        ids = [item.id for item in self.first_hour]
        if len(ids) != len(set(ids)):
            problems.append("checklist item ids must be unique")
        if strangers := sorted({item.role for item in self.first_hour} - set(roles)):
            problems.append(f"checklist names roles the playbook does not list: {strangers}")
        due = [item.due_minutes for item in self.first_hour]
        if due != sorted(due):
            problems.append("the first-hour checklist is ordered by due_minutes")
        return problems

    def _coverage_problems(self) -> list[str]:
        problems = []
        addresses = [statement.address for statement in self.holding_statements]
        if sorted(addresses) != ["du", "sie"]:
            problems.append("one holding statement per form of address (sie, du)")
        keys = [reply.key for reply in self.replies]
        if len(keys) != len(set(keys)):
            problems.append("each (channel, address, variant) has one reply template")
        if missing := sorted(REQUIRED_REPLIES - set(keys)):
            problems.append(f"reply templates missing: {missing}")
        return problems

    def reply(
        self, channel: Channel, address: Address, variant: Variant = "standard"
    ) -> ReplyTemplate | None:
        return next((r for r in self.replies if r.key == (channel, address, variant)), None)

    def holding_statement(self, address: Address) -> HoldingStatement:
        return next(s for s in self.holding_statements if s.address == address)

    def templates(self) -> Iterator[tuple[str, TemplateText, Address, int | None, bool]]:
        """(name, template, address, max_chars, public) of every template in the playbook."""
        for statement in self.holding_statements:
            yield f"holding_statement/{statement.address}", statement.text, statement.address, None, True
        for reply in self.replies:
            name = "reply/" + "/".join(reply.key)
            yield name, reply.text, reply.address, reply.max_chars, reply.public


def _texts(value: Any) -> Iterator[Text]:
    """Every Text inside a model, however deeply nested."""
    if isinstance(value, Text):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


class Reference(Strict):
    citation: str = Field(min_length=10)
    url: str | None = Field(default=None, pattern=r"^https://")
    finding: Text | None = None


class CrisisLibrary(Strict):
    """All crisis playbooks and the references their dos and don'ts cite."""

    playbooks: tuple[CrisisPlaybook, ...] = Field(min_length=1)
    references: dict[str, Reference] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CrisisLibrary:
        ids = [p.id for p in self.playbooks]
        if len(ids) != len(set(ids)):
            raise ValueError("playbook ids must be unique")
        priorities = [p.priority for p in self.playbooks]
        if len(priorities) != len(set(priorities)):
            raise ValueError("playbook priorities must be unique (they break ties)")
        if sum(p.fallback for p in self.playbooks) != 1:
            raise ValueError("exactly one playbook is the fallback")
        cited = {g.source for p in self.playbooks for g in (*p.dos, *p.donts) if g.source}
        if unknown := sorted(cited - set(self.references)):
            raise ValueError(f"dos and don'ts cite unknown references: {unknown}")
        return self

    def get(self, playbook_id: str) -> CrisisPlaybook | None:
        return next((p for p in self.playbooks if p.id == playbook_id), None)

    @property
    def fallback(self) -> CrisisPlaybook:
        return next(p for p in self.playbooks if p.fallback)

    def cited_by(self, playbook: CrisisPlaybook) -> dict[str, Reference]:
        keys = sorted({g.source for g in (*playbook.dos, *playbook.donts) if g.source})
        return {key: self.references[key] for key in keys}

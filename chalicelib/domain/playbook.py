"""The schema of the files in `playbooks/`: brands, sources, crisis team, rules, risk terms.

The team edits and reviews these files; tests validate them against these models, and the
functions load them at cold start (adapters/playbooks.py), so a broken playbook fails loudly.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.drills import split_brand_key
from chalicelib.domain.models import Role, Severity, User

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Brand(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1)
    keywords: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = ()
    owned_handles: tuple[str, ...] = ()
    languages: tuple[Literal["de", "en"], ...] = ("de", "en")


class SourceConfig(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    type: str = Field(pattern=r"^[a-z0-9_-]+$")
    brand: str
    enabled: bool = True
    url: str | None = None
    options: dict[str, str | int | float | bool] = Field(default_factory=dict)


class TeamMember(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str
    role: str = Field(description="function in the crisis team, e.g. Krisenleitung, Pressesprecherin")
    phone: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    escalation_level: int = Field(ge=1, le=5)
    sms_min_severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = "SEV2"
    api_role: Literal["viewer", "responder", "approver", "admin"] = "responder"

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value):
            raise ValueError("phone must be in E.164 format, e.g. +4915112345678")
        return value

    @property
    def sms_severity(self) -> Severity:
        return Severity.parse(self.sms_min_severity)

    @property
    def role_level(self) -> Role:
        return Role[self.api_role.upper()]


class EscalationStep(Strict):
    level: int = Field(ge=1, le=5)
    after_minutes: int = Field(ge=0, le=24 * 60)


class Team(Strict):
    members: tuple[TeamMember, ...] = Field(min_length=1)
    escalation: tuple[EscalationStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_reachable(self) -> Team:
        ids = [m.id for m in self.members]
        if len(ids) != len(set(ids)):
            raise ValueError("team member ids must be unique")
        if not any(m.escalation_level == 1 for m in self.members):
            raise ValueError("at least one member must be on escalation level 1")
        return self

    def as_users(self, now: datetime) -> list[User]:
        """The members as the people Krisenradar starts with (the store keeps their later edits)."""
        return [
            User(
                user_id=member.id,
                name=member.name,
                role=member.role_level,
                function=member.role,
                phone=member.phone,
                email=member.email,
                escalation_level=member.escalation_level,
                sms_min_severity=member.sms_severity,
                on_duty=True,
                created_at=now,
                updated_at=now,
            )
            for member in self.members
        ]


class VolumeRule(Strict):
    enabled: bool = True
    min_mentions: int = Field(default=5, ge=1, description="no volume alarm below this many mentions")


class NegativeShareRule(Strict):
    enabled: bool = True
    min_mentions: int = Field(default=8, ge=1)
    prior_negative_rate: float = Field(default=0.2, gt=0, lt=1)
    prior_weight: float = Field(default=50.0, gt=0)
    p_value: float = Field(default=1e-4, gt=0, lt=1)
    min_share: float = Field(default=0.33, gt=0, le=1)


class RiskTermRule(Strict):
    enabled: bool = True
    min_mentions: int = Field(default=3, ge=1)
    severe_weight: int = Field(default=4, ge=1, le=5, description="terms of this weight endanger people")


class HighReachRule(Strict):
    enabled: bool = True
    min_followers: int = Field(default=50_000, ge=1)
    min_mentions: int = Field(default=1, ge=1)


class VelocityRule(Strict):
    enabled: bool = True
    recent_minutes: int = Field(default=15, ge=5, le=120)
    growth: float = Field(default=2.0, gt=1.0, description="recent minutes vs. the same span before")
    min_mentions: int = Field(default=6, ge=1)


class FirestormLanguageRule(Strict):
    """Language cues linked to firestorm outbreaks (Strathern et al. 2020/2022): more high-arousal
    negative words, fewer first-person singular pronouns than the brand's usual mentions."""

    enabled: bool = True
    min_mentions: int = Field(default=10, ge=1)
    arousal_ratio: float = Field(default=2.0, gt=1.0)
    min_arousal: float = Field(default=0.03, ge=0, le=1)
    first_person_drop: float = Field(default=0.7, gt=0, le=1)
    prior_arousal: float = Field(default=0.01, ge=0, le=1)
    prior_first_person: float = Field(default=0.5, ge=0)
    prior_weight: float = Field(default=50.0, gt=0)


class InhibitionRule(Strict):
    """Like Alertmanager's inhibition: while a spike incident is open, keyword-only signals on the
    same brand and topic add no incident and no alert."""

    keyword_while_spike: bool = True


class SeverityPolicy(Strict):
    """Points per signal; the sum maps to a severity (SEV1 worst)."""

    points: dict[str, int] = Field(
        default_factory=lambda: {
            "volume": 2,
            "negative_share": 2,
            "risk_terms": 1,
            "severe_risk": 1,
            "high_reach": 2,
            "velocity": 1,
            "firestorm_language": 1,
        }
    )
    sev1_at: int = 6
    sev2_at: int = 4
    sev3_at: int = 2

    def severity_for(self, score: int) -> Severity:
        if score >= self.sev1_at:
            return Severity.SEV1
        if score >= self.sev2_at:
            return Severity.SEV2
        if score >= self.sev3_at:
            return Severity.SEV3
        return Severity.SEV4


class Rules(Strict):
    window_minutes: int = Field(default=30, ge=5, le=24 * 60)
    baseline_days: int = Field(default=7, ge=1, le=28)
    resolve_quiet_minutes: int = Field(default=120, ge=5)
    volume: VolumeRule = VolumeRule()
    negative_share: NegativeShareRule = NegativeShareRule()
    risk_terms: RiskTermRule = RiskTermRule()
    high_reach: HighReachRule = HighReachRule()
    velocity: VelocityRule = VelocityRule()
    firestorm_language: FirestormLanguageRule = FirestormLanguageRule()
    inhibition: InhibitionRule = InhibitionRule()
    severity: SeverityPolicy = SeverityPolicy()


class RiskTerm(Strict):
    term: str = Field(min_length=2)
    category: str = Field(pattern=r"^[a-z0-9_-]+$")
    weight: int = Field(default=1, ge=1, le=5)
    match: Literal["stem", "exact"] = "stem"
    forms: tuple[str, ...] = ()


class RiskTerms(Strict):
    de: tuple[RiskTerm, ...] = ()
    en: tuple[RiskTerm, ...] = ()


class Playbook(Strict):
    """Everything in `playbooks/`, validated together."""

    brands: tuple[Brand, ...] = Field(min_length=1)
    sources: tuple[SourceConfig, ...] = ()
    team: Team
    rules: Rules = Rules()
    risk_terms: RiskTerms = RiskTerms()

    @model_validator(mode="after")
    def _references(self) -> Playbook:
        brand_ids = {b.id for b in self.brands}
        if len(brand_ids) != len(self.brands):
            raise ValueError("brand ids must be unique")
        for source in self.sources:
            if source.brand not in brand_ids:
                raise ValueError(f"source {source.id} names unknown brand {source.brand}")
        return self

    def brand(self, brand_id: str) -> Brand | None:
        return next((b for b in self.brands if b.id == brand_id), None)

    def drill_brand(self, brand_key: str) -> Brand | None:
        """The brand a drill plays on: the real brand (name, keywords, exclusions, own handles) under the
        drill's shadow key, e.g. "mueller~ueb-20261129-0a1b2c". None for any other key."""
        parts = split_brand_key(brand_key)
        base = self.brand(parts[0]) if parts else None
        return base.model_copy(update={"id": brand_key}) if base else None

    def brand_or_drill(self, brand_key: str) -> Brand | None:
        """A real brand, or a drill's shadow of one (what collectors and alerts may name)."""
        return self.brand(brand_key) or self.drill_brand(brand_key)

"""Severity, role and incident status: plain enums (standard library only), so that the route modules
can name them at import without loading pydantic and the models (cold start). `domain.models`
re-exports them."""

from __future__ import annotations

import enum


class Severity(enum.IntEnum):
    """SEV1 is the worst."""

    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return f"SEV{self.value}"

    @classmethod
    def parse(cls, label: str) -> Severity:
        return cls[label.upper()]


class Role(enum.IntEnum):
    """Roles are ordered: each one includes the rights of those below it."""

    VIEWER = 1
    RESPONDER = 2
    APPROVER = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class IncidentStatus(enum.StrEnum):
    """open -> acknowledged -> responding -> monitoring -> resolved -> reviewed, and reopen (lifecycle.py)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESPONDING = "responding"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"

    @property
    def active(self) -> bool:
        """The crisis is still being handled: one active incident per brand and topic."""
        return self not in (IncidentStatus.RESOLVED, IncidentStatus.REVIEWED)

"""`playbooks/integrations.yaml`: which chat channels hear about which incidents. The webhook URLs
are secrets: the file names the Secrets Manager secret that holds each one, never the URL."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.domain.events import EVENT_TYPES, EventType
from chalicelib.domain.models import Severity
from chalicelib.domain.playbook import Strict

SeverityLabel = Literal["SEV1", "SEV2", "SEV3", "SEV4"]


class ChatTarget(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    type: Literal["teams", "slack"]
    secret: str = Field(min_length=1, max_length=512, description="secret holding the webhook URL; {stage}")
    brands: tuple[str, ...] = Field(default=(), description="empty: every brand")
    min_severity: SeverityLabel = "SEV3"
    events: tuple[EventType, ...] = EVENT_TYPES
    drills: bool = Field(default=True, description="post drills too (marked [ÜBUNG])")

    def wants(self, event_type: EventType, brand: str, severity: Severity, drill: bool) -> bool:
        base = brand.split("~", 1)[0]
        return (
            event_type in self.events
            and (not self.brands or base in self.brands)
            and severity <= Severity.parse(self.min_severity)
            and (self.drills or not drill)
        )

    def secret_name(self, stage: str) -> str:
        return self.secret.replace("{stage}", stage)


class IntegrationsConfig(Strict):
    chat: tuple[ChatTarget, ...] = ()

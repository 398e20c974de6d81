"""Drills ("Krisenübung"): a demo scenario played as a crisis, marked as a drill end to end.

A drill runs on a shadow brand key, `<brand>~<drill id lowercased>` (`mueller~ueb-20261129-0a1b2c`), so
its mentions, buckets, detector state and incidents never mix with the real brand's. Its incidents carry
the drill id, every alert about them starts with "[ÜBUNG]", nothing is published, and reports leave
them out. A drill ends when someone stops it, when its incident is resolved, or after twelve hours.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from chalicelib.domain.models import Frozen, Incident

DRILL_PREFIX = "[ÜBUNG]"
NOT_PUBLISHED_NOTE = "Übung: nicht veröffentlicht"
SEPARATOR = "~"
DRILL_SOURCE_PREFIX = "drill-"
MIN_SPEED = 1
MAX_SPEED = 600
DURATION = timedelta(hours=12)
DEFAULT_SCENARIO = "mueller_rueckruf"

DRILL_ID_PATTERN = r"^UEB-[0-9]{8}-[0-9A-F]{6}$"
_DRILL_ID = re.compile(DRILL_ID_PATTERN)
_DRILL_SLUG = re.compile(r"^ueb-[0-9]{8}-[0-9a-f]{6}$")

EndReason = Literal["stopped", "incident_resolved", "expired"]


class DrillStatus(enum.StrEnum):
    RUNNING = "running"
    ENDED = "ended"


class Drill(Frozen):
    drill_id: str = Field(pattern=DRILL_ID_PATTERN)
    brand: str  # the real brand whose shadow the drill plays on
    playbook: str  # the crisis playbook the team practises
    scenario: str
    speed: int = Field(ge=MIN_SPEED, le=MAX_SPEED)
    status: DrillStatus = DrillStatus.RUNNING
    started_at: datetime
    started_by: str
    ends_at: datetime
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: EndReason | None = None
    incident_id: str | None = None  # the drill's first incident, once it opened
    version: int = 0

    @property
    def brand_key(self) -> str:
        return shadow_brand_key(self.brand, self.drill_id)

    @property
    def source_id(self) -> str:
        """The drill's replay source: its cursor is stored like any other source's."""
        return f"{DRILL_SOURCE_PREFIX}{self.drill_id.lower()}"

    def is_live(self, now: datetime) -> bool:
        """Still collected and evaluated: running, and its twelve hours not over."""
        return self.status is DrillStatus.RUNNING and now < self.ends_at


def new_drill_id(now: datetime, entropy: int) -> str:
    """`UEB-YYYYMMDD-XXXXXX`: four hex digits for the time of day (1.3 s steps), two random ones, so
    that ids sort by start (a listing newest first is a range read on the id)."""
    seconds = now.hour * 3600 + now.minute * 60 + now.second
    tick = seconds * 0x10000 // 86_400
    return f"UEB-{now:%Y%m%d}-{tick:04X}{entropy % 0x100:02X}"


def shadow_brand_key(brand: str, drill_id: str) -> str:
    return f"{brand}{SEPARATOR}{drill_id.lower()}"


def is_drill_brand(brand_key: str) -> bool:
    return SEPARATOR in brand_key


def split_brand_key(brand_key: str) -> tuple[str, str] | None:
    """(real brand, drill id) of a well-formed shadow key, else None."""
    brand, separator, slug = brand_key.partition(SEPARATOR)
    if not separator or not brand or not _DRILL_SLUG.match(slug):
        return None
    return brand, slug.upper()


def drill_id_of(brand_key: str) -> str | None:
    parts = split_brand_key(brand_key)
    return parts[1] if parts else None


def real_brand(brand_key: str) -> str:
    """The real brand of a key (itself for a real brand): metrics keep low-cardinality dimensions."""
    return brand_key.partition(SEPARATOR)[0]


def source_dimension(source_id: str) -> str:
    """A source's metric dimension: every drill's replay source counts as "drill"."""
    return "drill" if source_id.startswith(DRILL_SOURCE_PREFIX) else source_id


def is_drill_id(value: str) -> bool:
    return bool(_DRILL_ID.match(value))


def marked(text: str) -> str:
    """A text about a drill: it starts with "[ÜBUNG]" (once)."""
    return text if text.startswith(DRILL_PREFIX) else f"{DRILL_PREFIX} {text}"


def request_problems(
    *,
    playbook: str,
    brand: str,
    speed: int,
    playbooks: Collection[str],
    brands: Collection[str],
) -> list[dict[str, Any]]:
    """Field-level problems of a request to start a drill (empty: it may start)."""
    problems: list[dict[str, Any]] = []
    if playbook not in playbooks:
        problems.append(
            {"field": "body.playbook", "message": f"unknown crisis playbook; known: {sorted(playbooks)}"}
        )
    if brand not in brands:
        problems.append({"field": "body.brand", "message": f"unknown brand; known: {sorted(brands)}"})
    if not MIN_SPEED <= speed <= MAX_SPEED:
        problems.append(
            {"field": "body.speed", "message": f"speed must be between {MIN_SPEED} and {MAX_SPEED}"}
        )
    return problems


def start(
    *, drill_id: str, brand: str, playbook: str, scenario: str, speed: int, by: str, now: datetime
) -> Drill:
    return Drill(
        drill_id=drill_id,
        brand=brand,
        playbook=playbook,
        scenario=scenario,
        speed=speed,
        started_at=now,
        started_by=by,
        ends_at=now + DURATION,
    )


def end(drill: Drill, *, by: str | None, now: datetime, reason: EndReason) -> Drill | None:
    """The ended drill, or None when it has ended already (the first end counts)."""
    if drill.status is DrillStatus.ENDED:
        return None
    return drill.model_copy(
        update={"status": DrillStatus.ENDED, "ended_at": now, "ended_by": by, "end_reason": reason}
    )


def with_incident(drill: Drill, incident_id: str) -> Drill | None:
    """The drill with its incident recorded, or None when one is recorded already."""
    if drill.incident_id is not None:
        return None
    return drill.model_copy(update={"incident_id": incident_id})


def first_incident(incidents: Collection[Incident]) -> Incident | None:
    """The incident a drill is about: the first one its shadow brand opened."""
    return min(incidents, key=lambda i: (i.opened_at, i.incident_id), default=None)


def due_end(drill: Drill, incident: Incident | None, now: datetime) -> EndReason | None:
    """Why a running drill ends now without anyone stopping it, if it does."""
    if drill.status is not DrillStatus.RUNNING:
        return None
    if now >= drill.ends_at:
        return "expired"
    if incident is not None and not incident.is_active:
        return "incident_resolved"
    return None

"""Reports for management: incidents per brand and severity, median reaction times, the most frequent
crisis types, and CSV exports of incidents and mentions. Drills never count."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.messages import brand_display_name
from chalicelib.domain.messages.reasons import BERLIN
from chalicelib.domain.models import Incident, Mention, every_item
from chalicelib.domain.review import minutes_between, statements
from chalicelib.ports import DraftRepository, IncidentRepository, MentionRepository
from chalicelib.services.incidents import playbook_in_use
from chalicelib.services.situation import all_drafts

if TYPE_CHECKING:
    from chalicelib.domain.crisis import CrisisLibrary

PAGE = 100
MAX_INCIDENTS = 2_000
MENTION_PAGE = 500
MAX_MENTION_ROWS = 10_000  # about 3 MB of CSV: within a Lambda response; `next_token` continues


@dataclass(frozen=True)
class IncidentFacts:
    """One incident with what the reports need beyond it: the first public statement, the playbook."""

    incident: Incident
    first_response_at: datetime | None
    playbook_id: str
    playbook_title_de: str
    playbook_title_en: str

    def minutes(self) -> dict[str, float | None]:
        i = self.incident
        return {
            "detect": minutes_between(i.first_signal_at, i.detected_at),
            "acknowledge": minutes_between(i.detected_at, i.acknowledged_at),
            "first_response": minutes_between(i.detected_at, self.first_response_at),
            "resolve": minutes_between(i.detected_at, i.resolved_at),
        }


@dataclass(frozen=True)
class Summary:
    since: datetime
    until: datetime
    incidents: list[IncidentFacts]
    drills_excluded: int
    truncated: bool

    def by_brand(self) -> list[tuple[str, str, int]]:
        counts = Counter(f.incident.brand for f in self.incidents)
        names = {f.incident.brand: brand_display_name(f.incident) for f in self.incidents}
        return [
            (brand, names[brand], n) for brand, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def by_severity(self) -> list[tuple[str, int]]:
        counts = Counter(f.incident.severity.label for f in self.incidents)
        return sorted(counts.items())

    def by_brand_severity(self) -> list[tuple[str, str, int]]:
        counts = Counter((f.incident.brand, f.incident.severity.label) for f in self.incidents)
        return [(brand, severity, n) for (brand, severity), n in sorted(counts.items())]

    def median_minutes(self) -> dict[str, float | None]:
        columns: dict[str, list[float]] = {
            "detect": [],
            "acknowledge": [],
            "first_response": [],
            "resolve": [],
        }
        for facts in self.incidents:
            for name, value in facts.minutes().items():
                if value is not None:
                    columns[name].append(value)
        return {
            name: round(statistics.median(values), 1) if values else None for name, values in columns.items()
        }

    def top_crisis_types(self, limit: int = 5) -> list[tuple[str, str, str, int]]:
        titles = {f.playbook_id: (f.playbook_title_de, f.playbook_title_en) for f in self.incidents}
        counts = Counter(f.playbook_id for f in self.incidents)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [(pid, titles[pid][0], titles[pid][1], n) for pid, n in ranked]


def incidents_between(
    incidents: IncidentRepository, since: datetime, until: datetime
) -> tuple[list[Incident], bool]:
    """Incidents opened in [since, until), newest first (the listing's order), and whether the
    `MAX_INCIDENTS` cap cut the list short."""
    found: list[Incident] = []
    listing = every_item(
        lambda token: incidents.list(status=None, severity=None, brand=None, limit=PAGE, next_token=token)
    )
    for incident in listing:
        if incident.opened_at < since:
            return found, False
        if incident.opened_at < until:
            found.append(incident)
            if len(found) >= MAX_INCIDENTS:
                return found, True
    return found, False


def _facts(incident: Incident, drafts: DraftRepository, library: CrisisLibrary) -> IncidentFacts:
    published = statements(list(all_drafts(drafts, incident.incident_id)))
    playbook = playbook_in_use(incident, library).playbook
    return IncidentFacts(
        incident=incident,
        first_response_at=published[0].published_at if published else None,
        playbook_id=playbook.id,
        playbook_title_de=playbook.title.de,
        playbook_title_en=playbook.title.en or playbook.title.de,
    )


def summary(
    *,
    since: datetime,
    until: datetime,
    incidents: IncidentRepository,
    drafts: DraftRepository,
    library: CrisisLibrary,
) -> Summary:
    found, truncated = incidents_between(incidents, since, until)
    real = [i for i in found if i.drill_id is None]
    facts = [_facts(i, drafts, library) for i in reversed(real)]
    return Summary(since, until, facts, drills_excluded=len(found) - len(real), truncated=truncated)


# --- CSV ---------------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A cell for Excel: German decimals, local times, and no text that a spreadsheet would run as a
    formula (CSV injection: a leading =, +, -, @ gets a quote)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"{value.astimezone(BERLIN):%d.%m.%Y %H:%M:%S}"
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Semicolon-separated with a byte order mark, as Excel in Germany opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()


INCIDENT_COLUMNS = (
    "Vorfall",
    "Marke",
    "Markenname",
    "Titel",
    "Thema",
    "Schwere",
    "Status",
    "Krisentyp (Playbook)",
    "Eröffnet (Berlin)",
    "Erstes Signal (Berlin)",
    "Erkannt (Berlin)",
    "Bestätigt (Berlin)",
    "Erste Stellungnahme (Berlin)",
    "Gelöst (Berlin)",
    "Min. bis Erkennung",
    "Min. bis Bestätigung",
    "Min. bis Stellungnahme",
    "Min. bis Lösung",
    "Nachbereitet",
)


def incidents_csv(summary: Summary) -> str:
    def rows() -> Iterator[list[Any]]:
        for facts in summary.incidents:
            i, minutes = facts.incident, facts.minutes()
            yield [
                i.incident_id,
                i.brand,
                brand_display_name(i),
                i.title,
                i.topic,
                i.severity.label,
                i.status.value,
                facts.playbook_id,
                i.opened_at,
                i.first_signal_at,
                i.detected_at,
                i.acknowledged_at,
                facts.first_response_at,
                i.resolved_at,
                minutes["detect"],
                minutes["acknowledge"],
                minutes["first_response"],
                minutes["resolve"],
                i.review is not None,
            ]

    return _csv(INCIDENT_COLUMNS, rows())


MENTION_COLUMNS = (
    "Veröffentlicht (Berlin)",
    "Plattform",
    "ID",
    "URL",
    "Autor",
    "Follower",
    "Medium",
    "Reichweite",
    "Sprache",
    "Stimmung",
    "Risikobegriffe",
    "Themen",
    "Text",
)


def mentions_csv(
    mentions: MentionRepository, *, brand: str, since: datetime, until: datetime, next_token: str | None
) -> tuple[str, str | None]:
    """Up to `MAX_MENTION_ROWS` mentions of a brand, newest first, and the token for the rest."""
    read: list[Mention] = []
    token = next_token
    while len(read) < MAX_MENTION_ROWS:
        page = mentions.list_by_brand(
            brand, since, until, min(MENTION_PAGE, MAX_MENTION_ROWS - len(read)), token
        )
        read.extend(page.items)
        token = page.next_token
        if not token:
            break
    rows = (
        [
            m.published_at,
            m.platform,
            m.native_id,
            m.url,
            m.author.handle,
            m.author.followers,
            m.author.is_media,
            m.reach,
            m.lang,
            m.sentiment,
            ", ".join(m.risk_terms),
            ", ".join(m.topics),
            m.text,
        ]
        for m in read
    )
    return _csv(MENTION_COLUMNS, rows), token

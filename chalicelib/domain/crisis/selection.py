"""Which crisis playbook fits an incident, from its topics (risk categories and hashtags)."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.crisis.schema import CrisisLibrary
from chalicelib.domain.models import Incident
from chalicelib.domain.playbook import Strict


class PlaybookChoice(Strict):
    playbook_id: str
    matched: tuple[str, ...] = ()
    score: int = 0
    fallback: bool = False


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _topic_key(topic: str) -> str:
    """Folds "#Rückruf", "Rueckruf" and "rueckruf" into one topic (hashtags are stored folded)."""
    return topic.strip().lstrip("#").lower().translate(_FOLD)


def select_playbook(library: CrisisLibrary, topics: Iterable[str]) -> PlaybookChoice:
    """The playbook whose risk categories and topics weigh most for these topics (categories and
    hashtags, with or without '#'); ties go to the lower priority number, nothing at all to the
    fallback (a wave of complaints)."""
    keys = {_topic_key(topic) for topic in topics}
    candidates = [(*playbook.selected_by.matches(keys), playbook) for playbook in library.playbooks]
    matching = [(score, matched, playbook) for score, matched, playbook in candidates if score]
    if not matching:
        return PlaybookChoice(playbook_id=library.fallback.id, fallback=True)
    score, matched, playbook = min(matching, key=lambda c: (-c[0], c[2].priority))
    return PlaybookChoice(playbook_id=playbook.id, matched=matched, score=score)


def playbook_for_incident(library: CrisisLibrary, incident: Incident) -> PlaybookChoice:
    return select_playbook(library, incident.topics or (incident.topic,))

"""DSGVO rules: how an author is named across platforms, and what of a draft or a closed incident is
personal data that goes when its author asks (Art. 17) or its retention period ends. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.models import CrmRecord, Draft, Incident

ERASED = "[gelöscht]"  # stands where a name or handle was
PSEUDONYM = "Teammitglied"  # stands for a team member once an incident's personal data is gone


def author_key(platform: str, handle: str | None) -> str | None:
    """One author on one platform, however the handle is written ("@Anna_K", "anna_k"): the key of
    the author index. None without a handle (such mentions name nobody)."""
    name = (handle or "").strip().lstrip("@").casefold()
    return f"{platform.strip().casefold()}#{name}" if name else None


def platform_of(mention_id: str) -> str:
    return mention_id.partition("#")[0]


def draft_author_key(draft: Draft) -> str | None:
    """A draft names the author of the mention it answers (its platform is the mention id's prefix)."""
    return author_key(platform_of(draft.mention_id), draft.author_handle) if draft.mention_id else None


def _without(text: str | None, handle: str) -> str | None:
    if text is None:
        return None
    bare = handle.lstrip("@")
    return text.replace(handle, ERASED).replace("@" + bare, ERASED) if bare else text


def erase_author_from_draft(draft: Draft, handle: str) -> Draft:
    """The draft stays (the incident's record of what the team said), without the author: no handle,
    no link to the erased mention, and the handle struck from every version of its text."""
    return draft.model_copy(
        update={
            "author_handle": None,
            "mention_id": None,
            "text": _without(draft.text, handle),
            "template_text": _without(draft.template_text, handle),
            "revisions": tuple(
                revision.model_copy(update={"text": _without(revision.text, handle)})
                for revision in draft.revisions
            ),
        }
    )


def erase_mentions_from_crm(record: CrmRecord, mention_ids: set[str]) -> CrmRecord:
    """CRM notes are keyed by mention id; the notes stay counted, under a key that names nobody."""
    notes, claims = dict(record.notes), dict(record.claims)
    for mention_id in mention_ids & set(notes):
        note_id = notes.pop(mention_id)
        notes[f"{ERASED}-{note_id}"] = note_id
    for mention_id in mention_ids & set(claims):
        del claims[mention_id]
    return record.model_copy(update={"notes": notes, "claims": claims})


def personal_data_due(incident: Incident, now: datetime, keep: timedelta) -> bool:
    """A resolved incident's names go once `keep` has passed since it was resolved."""
    return not incident.is_active and incident.resolved_at is not None and incident.resolved_at + keep <= now


def pseudonymise_incident(incident: Incident) -> Incident:
    """Keep the figures (times, severity, signals, reasons, counts); replace who did what by a role
    word, drop role assignments, and unlink CRM notes from the mentions they were about."""

    def who(name: str | None) -> str | None:
        return None if name is None else PSEUDONYM

    facts = tuple(
        fact.model_copy(update={"added_by": PSEUDONYM, "verified_by": who(fact.verified_by)})
        for fact in incident.facts
    )
    review = incident.review
    if review is not None:
        review = review.model_copy(
            update={
                "written_by": PSEUDONYM,
                "updated_by": PSEUDONYM,
                "action_items": tuple(
                    item.model_copy(update={"owner": PSEUDONYM}) for item in review.action_items
                ),
            }
        )
    crm = incident.crm
    if crm is not None:
        linked = {key for key in [*crm.notes, *crm.claims] if not key.startswith(ERASED) and key != "ticket"}
        crm = erase_mentions_from_crm(crm, linked).model_copy(update={"ticket_by": who(crm.ticket_by)})
    return incident.model_copy(
        update={
            "acknowledged_by": who(incident.acknowledged_by),
            "resolved_by": who(incident.resolved_by),
            "timeline": tuple(
                event.model_copy(update={"actor": who(event.actor)}) for event in incident.timeline
            ),
            "facts": facts,
            "assignments": {},
            "checklist": {
                item: tick.model_copy(update={"done_by": PSEUDONYM})
                for item, tick in incident.checklist.items()
            },
            "review": review,
            "crm": crm,
        }
    )

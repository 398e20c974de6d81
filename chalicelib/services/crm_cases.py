"""An incident as a case in the company's CRM: one ticket per incident, one note per mention logged
on it (associated with the author when the CRM knows them). Each is claimed on the incident before
the CRM is called, so that concurrent requests create it once (domain/crm_case.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import crm_case
from chalicelib.domain.errors import AppError, InvalidInput, NotConfigured
from chalicelib.domain.messages import brand_display_name
from chalicelib.domain.messages.alerts import incident_link
from chalicelib.domain.models import CrmRecord, Incident, Mention, Principal
from chalicelib.observability import count_failure, logger
from chalicelib.ports import Crm, DraftRepository, IncidentRepository
from chalicelib.services.incidents import update_incident


@dataclass(frozen=True)
class CrmCase:
    """Where the incident stands in the CRM after a request, and whether this request created it."""

    record: CrmRecord
    created: bool
    crm_id: str


@dataclass(frozen=True)
class CaseContext:
    """What every CRM request needs besides the incident: the CRM, the store and how to link back."""

    crm: Crm | None
    incidents: IncidentRepository
    public_url: str
    principal: Principal
    now: datetime


def _require(crm: Crm | None) -> Crm:
    if crm is None:
        raise NotConfigured(
            "no CRM is configured on this installation",
            [{"setting": "KRISENRADAR_HUBSPOT_TOKEN_SECRET_NAME"}],
        )
    return crm


def _once(
    incident_id: str,
    key: str,
    create: Callable[[], str],
    *,
    context: CaseContext,
    crm: Crm,
    what: str,
) -> CrmCase:
    """Claim `key` on the incident, call `create()` for its CRM id, settle it; or return the id a
    previous request created. A failed call releases the claim and raises."""
    holder = uuid.uuid4().hex
    incidents, now = context.incidents, context.now
    claimed = update_incident(
        incident_id,
        lambda incident: crm_case.claim(incident, key, holder=holder, now=now),
        incidents=incidents,
    )
    if claimed is None:
        record = crm_case.record_of(incidents.get(incident_id))
        return CrmCase(record, created=False, crm_id=crm_case.done_id(record, key) or "")
    try:
        crm_id = create()
    except AppError:
        update_incident(
            incident_id, lambda incident: crm_case.release(incident, key, holder=holder), incidents=incidents
        )
        count_failure("CrmWriteFailed", "crm", crm.slug)
        raise
    settled = update_incident(
        incident_id,
        lambda incident: crm_case.settle(
            incident, key, crm_id, crm=crm.slug, actor=context.principal.name, now=now, what=what
        ),
        incidents=incidents,
    )
    assert settled is not None  # settle always returns a changed incident
    logger.info("crm case written", incident_id=incident_id, key=key, crm=crm.slug)
    return CrmCase(crm_case.record_of(settled), created=True, crm_id=crm_id)


def open_ticket(incident_id: str, *, context: CaseContext) -> CrmCase:
    """The incident's ticket in the CRM, created on the first request."""
    crm = _require(context.crm)
    link = incident_link(context.public_url, incident_id)

    def create() -> str:
        latest = context.incidents.get(incident_id)
        brand_name = brand_display_name(latest)
        return crm.create_ticket(
            crm_case.ticket_subject(latest, brand_name),
            crm_case.ticket_body(latest, brand_name, link),
            contact_id=None,
        )

    return _once(
        incident_id,
        crm_case.TICKET,
        create,
        context=context,
        crm=crm,
        what=f"Ticket in {crm.slug} angelegt",
    )


def _mention_of(incident: Incident, mention_id: str, drafts: DraftRepository) -> Mention:
    mention = drafts.mention(mention_id)
    if mention is None:
        raise InvalidInput("no such mention", [{"field": "body.mention_id", "message": "no such mention"}])
    if mention.brand != incident.brand:
        raise InvalidInput(
            "the mention is about another brand than the incident",
            [{"field": "body.mention_id", "message": "the mention is about another brand than the incident"}],
        )
    return mention


def log_mention(
    incident_id: str, mention_id: str, *, context: CaseContext, drafts: DraftRepository
) -> CrmCase:
    """A note with the mention on the incident's ticket (created first if need be), associated with
    the author's contact when the CRM knows the handle. Logged once per mention."""
    crm = _require(context.crm)
    mention = _mention_of(context.incidents.get(incident_id), mention_id, drafts)
    ticket = open_ticket(incident_id, context=context)
    link = incident_link(context.public_url, incident_id)

    def create() -> str:
        contact = crm.known_contact(mention.author.handle, None) if mention.author.handle else None
        return crm.add_note(
            crm_case.note_body(mention, link),
            ticket_id=ticket.record.ticket_id,
            contact_id=contact.contact_id if contact else None,
        )

    author = mention.author.handle or "unbekannt"
    return _once(
        incident_id,
        mention_id,
        create,
        context=context,
        crm=crm,
        what=f"Erwähnung von {author} ({mention.platform}) als Notiz in {crm.slug}",
    )

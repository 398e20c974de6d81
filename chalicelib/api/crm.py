"""Routes that take an incident into the company's CRM: its ticket, and a mention as a note on it.
Both answer 201 when this request created it and 200 when it existed already (each is created once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body
from chalicelib.domain.enums import Role
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain.models import Principal
    from chalicelib.services import crm_cases
    from chalicelib.services.crm_cases import CaseContext, CrmCase
else:
    schemas = lazy_module("chalicelib.api.schemas")
    crm_cases = lazy_module("chalicelib.services.crm_cases")

bp = Blueprint(__name__)


def _context(principal: Principal) -> CaseContext:
    container = deps.container()
    return crm_cases.CaseContext(
        crm=container.crm,
        incidents=container.incidents,
        public_url=container.settings.public_url,
        principal=principal,
        now=container.clock(),
    )


def _answer(case: CrmCase, metric: str) -> Response:
    if case.created:
        metrics.add_metric(name=metric, unit="Count", value=1)
    return json_response(
        {"crm_id": case.crm_id, "created": case.created, "case": schemas.crm_view(case.record)},
        201 if case.created else 200,
    )


@bp.route("/incidents/{incident_id}/crm/ticket", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def open_crm_ticket(principal: Principal, incident_id: str) -> Response:
    case = crm_cases.open_ticket(incident_id, context=_context(principal))
    return _answer(case, "CrmTicketCreated")


@bp.route("/incidents/{incident_id}/crm/notes", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def log_crm_note(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.CrmNoteCreate)
    case = crm_cases.log_mention(
        incident_id, body.mention_id, context=_context(principal), drafts=deps.container().drafts
    )
    return _answer(case, "CrmNoteCreated")

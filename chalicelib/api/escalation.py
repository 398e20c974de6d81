"""Routes for the escalation chain: who is alerted when, and who each level reaches now."""

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
    from chalicelib.domain import playbook
    from chalicelib.domain.models import Principal
    from chalicelib.services import escalation
else:
    schemas = lazy_module("chalicelib.api.schemas")
    playbook = lazy_module("chalicelib.domain.playbook")
    escalation = lazy_module("chalicelib.services.escalation")

bp = Blueprint(__name__)


@bp.route("/escalation", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def get_escalation(principal: Principal) -> Response:
    container = deps.container()
    view = escalation.describe_chain(
        state=container.state, team=container.playbook.team, users=container.seeded_users
    )
    return json_response(schemas.escalation_view(view))


@bp.route("/escalation", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.ADMIN)
def put_escalation(principal: Principal) -> Response:
    body = parse_json_body(bp, schemas.EscalationBody)
    container = deps.container()
    view = escalation.change_chain(
        [playbook.EscalationStep(level=s.level, after_minutes=s.after_minutes) for s in body.steps],
        expected_version=body.version,
        principal=principal,
        state=container.state,
        team=container.playbook.team,
        users=container.seeded_users,
        now=container.clock(),
    )
    metrics.add_metric(name="EscalationChainChanged", unit="Count", value=1)
    return json_response(schemas.escalation_view(view))

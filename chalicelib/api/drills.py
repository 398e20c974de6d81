"""Routes for drills ("Krisenübung"): start a scenario as a drill, list and show drills, stop one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body, parse_query
from chalicelib.domain.enums import Role
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain.models import Principal
    from chalicelib.services import drills as drill_service
else:
    schemas = lazy_module("chalicelib.api.schemas")
    drill_service = lazy_module("chalicelib.services.drills")

bp = Blueprint(__name__)


@bp.route("/drills", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.APPROVER)
def start_drill(principal: Principal) -> Response:
    body = parse_json_body(bp, schemas.DrillStart)
    container = deps.container()
    drill = drill_service.start_drill(
        playbook_id=body.playbook,
        brand=body.brand,
        speed=body.speed,
        drills=container.drills,
        library=container.crisis_playbooks,
        playbook=container.playbook,
        scenarios=container.scenarios,
        principal=principal,
        now=container.clock(),
    )
    metrics.add_metric(name="DrillStarted", unit="Count", value=1)
    return json_response(schemas.drill_view(drill), status=201)


@bp.route("/drills", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_drills(principal: Principal) -> Response:
    query = parse_query(bp, schemas.PageQuery)
    page = drill_service.list_drills(
        drills=deps.container().drills, limit=query.limit, next_token=query.next_token
    )
    return json_response(
        {"items": [schemas.drill_view(d) for d in page.items], "next_token": page.next_token}
    )


@bp.route("/drills/{drill_id}", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def get_drill(principal: Principal, drill_id: str) -> Response:
    return json_response(schemas.drill_view(deps.container().drills.get(drill_id)))


@bp.route("/drills/{drill_id}/stop", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.APPROVER)
def stop_drill(principal: Principal, drill_id: str) -> Response:
    container = deps.container()
    drill = drill_service.stop_drill(
        drill_id, drills=container.drills, principal=principal, now=container.clock()
    )
    metrics.add_metric(name="DrillStopped", unit="Count", value=1)
    return json_response(schemas.drill_view(drill))

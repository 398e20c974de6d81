"""Routes for the crisis playbooks (`playbooks/crisis/`): the list, and one playbook in full."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import endpoint, json_response
from chalicelib.domain.enums import Role
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:  # jinja2 and the playbooks load on the first request that needs them (cold start)
    from chalicelib.domain.crisis import CrisisLibrary, CrisisPlaybook
    from chalicelib.domain.models import Principal
    from chalicelib.services import playbooks as playbook_service
else:
    playbook_service = lazy_module("chalicelib.services.playbooks")

bp = Blueprint(__name__)


def _library() -> CrisisLibrary:
    return deps.container().crisis_playbooks


def playbook_summary(playbook: CrisisPlaybook) -> dict[str, Any]:
    return {
        "id": playbook.id,
        "crisis_type": playbook.crisis_type,
        "title": playbook.title.model_dump(),
        "languages": list(playbook.languages),
        "risk_categories": sorted(playbook.selected_by.risk_categories),
        "topics": sorted(playbook.selected_by.topics),
        "fallback": playbook.fallback,
    }


def playbook_detail(playbook: CrisisPlaybook, library: CrisisLibrary) -> dict[str, Any]:
    from chalicelib.domain.crisis import ROLE_NAMES, TEMPLATE_VARIABLES

    return {
        **playbook.model_dump(mode="json"),
        "role_names": {entry.role: ROLE_NAMES[entry.role] for entry in playbook.roles},
        "template_variables": sorted(TEMPLATE_VARIABLES),
        "references": {
            key: reference.model_dump(mode="json") for key, reference in library.cited_by(playbook).items()
        },
    }


@bp.route("/playbooks", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_playbooks(principal: Principal) -> Response:
    items = playbook_service.list_playbooks(library=_library())
    return json_response({"items": [playbook_summary(p) for p in items], "next_token": None})


@bp.route("/playbooks/{playbook_id}", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def get_playbook(principal: Principal, playbook_id: str) -> Response:
    library = _library()
    playbook = playbook_service.get_playbook(playbook_id, library=library)
    return json_response(playbook_detail(playbook, library))

"""Routes for reply drafts: write one from the incident's playbook, edit, approve (four eyes), reject,
publish."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
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
    from chalicelib.domain.draft_review import Actor
    from chalicelib.domain.models import Draft, Principal
    from chalicelib.services import drafts as draft_service
    from chalicelib.services import integrations
else:
    schemas = lazy_module("chalicelib.api.schemas")
    draft_service = lazy_module("chalicelib.services.drafts")
    integrations = lazy_module("chalicelib.services.integrations")

bp = Blueprint(__name__)


def _actor(principal: Principal) -> Actor:
    return draft_service.actor_of(principal.name, principal.user_id, principal.key_id)


@bp.route("/incidents/{incident_id}/drafts", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def create_draft(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.DraftCreate)
    container = deps.container()
    draft = draft_service.create_draft(
        incident_id,
        draft_service.DraftRequest(**body.model_dump()),
        incidents=container.incidents,
        mentions=container.mentions,
        drafts=container.drafts,
        library=container.crisis_playbooks,
        analyzer=container.analyzer,
        high_reach_followers=container.playbook.rules.high_reach.min_followers,
        window_minutes=container.playbook.rules.window_minutes,
        actor=_actor(principal),
        now=container.clock(),
        crm=container.crm,
    )
    metrics.add_metric(name="DraftCreated", unit="Count", value=1)
    return json_response(schemas.draft_detail(draft), 201)


@bp.route("/incidents/{incident_id}/drafts", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_drafts(principal: Principal, incident_id: str) -> Response:
    query = parse_query(bp, schemas.PageQuery)
    container = deps.container()
    page = draft_service.list_drafts(
        incident_id,
        incidents=container.incidents,
        drafts=container.drafts,
        limit=query.limit,
        next_token=query.next_token,
    )
    items = [schemas.draft_view(draft) for draft in page.items]
    return json_response({"items": items, "next_token": page.next_token})


@bp.route("/drafts/{draft_id}", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def get_draft(principal: Principal, draft_id: str) -> Response:
    return json_response(schemas.draft_detail(deps.container().drafts.get(draft_id)))


@bp.route("/drafts/{draft_id}", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def edit_draft(principal: Principal, draft_id: str) -> Response:
    body = parse_json_body(bp, schemas.DraftEdit)
    container = deps.container()
    draft = draft_service.edit_draft(
        draft_id,
        body.text,
        expected_version=body.version,
        drafts=container.drafts,
        incidents=container.incidents,
        analyzer=container.analyzer,
        actor=_actor(principal),
        now=container.clock(),
    )
    metrics.add_metric(name="DraftEdited", unit="Count", value=1)
    return json_response(schemas.draft_detail(draft))


@bp.route("/drafts/{draft_id}/approve", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.APPROVER)
def approve_draft(principal: Principal, draft_id: str) -> Response:
    return _decide(principal, draft_id, draft_service.approve_draft, "DraftApproved")


def _decide(principal: Principal, draft_id: str, decide: Callable[..., Draft], metric: str) -> Response:
    """A second person's decision on a draft: approve or reject, with an optional note."""
    body = parse_json_body(bp, schemas.DraftDecision, required=False)
    container = deps.container()
    draft = decide(
        draft_id,
        note=body.note,
        expected_version=body.version,
        drafts=container.drafts,
        incidents=container.incidents,
        actor=_actor(principal),
        now=container.clock(),
    )
    metrics.add_metric(name=metric, unit="Count", value=1)
    _announce(draft)
    return json_response(schemas.draft_detail(draft))


def _announce(draft: Draft) -> None:
    container = deps.container()
    integrations.after_draft_decision(
        draft,
        container.incidents.get(draft.incident_id),
        alerting=container.alerting,
        outbox=container.outbox,
        now=container.clock(),
    )


@bp.route("/drafts/{draft_id}/reject", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.APPROVER)
def reject_draft(principal: Principal, draft_id: str) -> Response:
    return _decide(principal, draft_id, draft_service.reject_draft, "DraftRejected")


@bp.route("/drafts/{draft_id}/publish", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def publish_draft(principal: Principal, draft_id: str) -> Response:
    body = parse_json_body(bp, schemas.DraftPublish, required=False)
    container = deps.container()
    publish = (
        partial(draft_service.post_and_publish, publisher_for=container.publisher_for)
        if body.post
        else partial(draft_service.publish_draft, url=body.url)
    )
    draft = publish(
        draft_id,
        expected_version=body.version,
        drafts=container.drafts,
        incidents=container.incidents,
        actor=_actor(principal),
        now=container.clock(),
    )
    metrics.add_metric(name="StatementPublished", unit="Count", value=1)
    _announce(draft)
    return json_response(schemas.draft_detail(draft))

"""Routes for outgoing webhooks (admin): subscribe a URL to event types, change, delete, and read the
delivery log. The signing secret is in the creation's answer only; no other answer, log or audit
entry carries it."""

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
    from chalicelib.services import webhooks as webhook_service
else:
    schemas = lazy_module("chalicelib.api.schemas")
    webhook_service = lazy_module("chalicelib.services.webhooks")

bp = Blueprint(__name__)


@bp.route("/webhooks", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.ADMIN)
def create_webhook(principal: Principal) -> Response:
    body = parse_json_body(bp, schemas.WebhookCreate)
    container = deps.container()
    webhook = webhook_service.create_webhook(
        url=body.url,
        events=body.events,
        stage=container.settings.stage,
        webhooks=container.webhooks,
        principal=principal,
        now=container.clock(),
    )
    metrics.add_metric(name="WebhookCreated", unit="Count", value=1)
    return json_response(
        {
            **schemas.webhook_view(webhook),
            "secret": webhook.secret,
            "note": "Store this secret now; it verifies our signatures and is not shown again.",
        },
        status=201,
    )


@bp.route("/webhooks", methods=["GET"])
@endpoint(bp, Role.ADMIN)
def list_webhooks(principal: Principal) -> Response:
    items = [schemas.webhook_view(w) for w in deps.container().webhooks.list()]
    return json_response({"items": items, "next_token": None})


@bp.route("/webhooks/{webhook_id}", methods=["GET"])
@endpoint(bp, Role.ADMIN)
def get_webhook(principal: Principal, webhook_id: str) -> Response:
    return json_response(schemas.webhook_view(deps.container().webhooks.get(webhook_id)))


@bp.route("/webhooks/{webhook_id}", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.ADMIN)
def update_webhook(principal: Principal, webhook_id: str) -> Response:
    body = parse_json_body(bp, schemas.WebhookUpdate)
    container = deps.container()
    webhook = webhook_service.update_webhook(
        webhook_id,
        url=body.url,
        events=body.events,
        paused=body.paused,
        version=body.version,
        stage=container.settings.stage,
        webhooks=container.webhooks,
        principal=principal,
        now=container.clock(),
    )
    metrics.add_metric(name="WebhookChanged", unit="Count", value=1)
    return json_response(schemas.webhook_view(webhook))


@bp.route("/webhooks/{webhook_id}", methods=["DELETE"])
@endpoint(bp, Role.ADMIN)
def delete_webhook(principal: Principal, webhook_id: str) -> Response:
    deps.container().webhooks.delete(webhook_id)
    metrics.add_metric(name="WebhookDeleted", unit="Count", value=1)
    return Response(body="", status_code=204)


@bp.route("/webhooks/{webhook_id}/deliveries", methods=["GET"])
@endpoint(bp, Role.ADMIN)
def list_deliveries(principal: Principal, webhook_id: str) -> Response:
    query = parse_query(bp, schemas.PageQuery)
    container = deps.container()
    page = webhook_service.deliveries(
        webhook_id,
        webhooks=container.webhooks,
        outbox=container.outbox,
        limit=query.limit,
        next_token=query.next_token,
    )
    return json_response(
        {"items": [schemas.delivery_view(d) for d in page.items], "next_token": page.next_token}
    )

"""GET /sources: every configured source, its health and what it stored in the last 24 hours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import endpoint, json_response
from chalicelib.domain.enums import Role
from chalicelib.lazy import lazy_module

# The models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.domain import models
    from chalicelib.domain.models import Principal
    from chalicelib.services import sources
    from chalicelib.services.sources import SourceStatus
else:
    models = lazy_module("chalicelib.domain.models")
    sources = lazy_module("chalicelib.services.sources")

bp = Blueprint(__name__)


def source_view(status: SourceStatus) -> dict[str, Any]:
    config, health = status.config, status.health
    return {
        "id": config.id,
        "type": config.type,
        "brand": config.brand,
        "enabled": config.enabled,
        "poll_seconds": health.poll_seconds or config.options.get("poll_seconds"),
        "last_run_at": models.iso_z(health.last_run_at),
        "last_success_at": models.iso_z(health.last_success_at),
        "last_error": health.last_error,
        "last_error_kind": health.last_error_kind,  # unavailable, rate_limited, misconfigured, failed
        "last_error_at": models.iso_z(health.last_error_at),
        "consecutive_failures": health.consecutive_failures,
        "held_until": models.iso_z(health.not_before),
        "next_run_at": models.iso_z(health.next_run_at),
        "mentions_24h": status.stored_24h,
    }


@bp.route("/sources", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_sources(principal: Principal) -> Response:
    container = deps.container()
    statuses = sources.source_statuses(
        container.playbook.sources, state=container.state, now=container.clock()
    )
    return json_response({"types": container.source_types, "items": [source_view(s) for s in statuses]})

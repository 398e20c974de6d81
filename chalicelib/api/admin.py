"""Routes for administration: API keys, and the signed push endpoint for sources that push."""

from __future__ import annotations

from datetime import timedelta
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
    from chalicelib.domain import models
    from chalicelib.domain.models import Principal
    from chalicelib.services import audit, auth, ingest, push
else:
    schemas = lazy_module("chalicelib.api.schemas")
    models = lazy_module("chalicelib.domain.models")
    audit = lazy_module("chalicelib.services.audit")
    auth = lazy_module("chalicelib.services.auth")
    ingest = lazy_module("chalicelib.services.ingest")
    push = lazy_module("chalicelib.services.push")

bp = Blueprint(__name__)


@bp.route("/api-keys", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.ADMIN)
def create_api_key(principal: Principal) -> Response:
    body = parse_json_body(bp, schemas.ApiKeyCreate)
    container = deps.container()
    record, plaintext = auth.create_key(
        name=body.name,
        role=Role[body.role.upper()],
        keys=container.api_keys,
        now=container.clock(),
        created_by=principal.name,
    )
    metrics.add_metric(name="ApiKeyCreated", unit="Count", value=1)
    return json_response(
        {
            "key_id": record.key_id,
            "name": record.name,
            "role": record.role.label,
            "created_at": record.created_at.isoformat(),
            "api_key": plaintext,
            "note": "Store this key now; Krisenradar keeps only its hash.",
        },
        status=201,
    )


@bp.route("/ingest", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def push_mentions(principal: Principal) -> Response:
    container = deps.container()
    raw = bp.current_request.raw_body or b""
    raw_body = raw.encode() if isinstance(raw, str) else raw
    if len(raw_body) <= container.settings.max_body_bytes:
        push.verify_push(
            raw_body,
            dict(bp.current_request.headers),
            container.secrets.ingest_secret(),
            container.clock(),
        )
    body = parse_json_body(bp, schemas.IngestBody)
    raws = [
        models.RawMention(
            platform=m.platform,
            native_id=m.native_id,
            brand=m.brand,
            text=m.text,
            published_at=m.published_at,
            url=m.url,
            author=models.Author(
                handle=m.author.handle, followers=m.author.followers, is_media=m.author.is_media
            ),
            reach=m.reach,
        )
        for m in body.mentions
    ]
    push.check_brands(raws, container.playbook)
    push.check_published(raws, container.clock(), timedelta(seconds=container.settings.future_skew_seconds))
    result = ingest.ingest(raws, enricher=container.enricher, mentions=container.mentions)
    metrics.add_metric(name="MentionsCollected", unit="Count", value=result.stored)
    return json_response(
        {
            "accepted": len(raws),
            "stored": result.stored,
            "duplicates": result.duplicates,
            "skipped": result.skipped,
        },
        status=202,
    )


@bp.route("/audit", methods=["GET"])
@endpoint(bp, Role.ADMIN)
def list_audit(principal: Principal) -> Response:
    query = parse_query(bp, schemas.AuditQuery)
    page = audit.list_entries(
        audit=deps.container().audit, target=query.target, limit=query.limit, next_token=query.next_token
    )
    return json_response(
        {"items": [schemas.audit_view(e) for e in page.items], "next_token": page.next_token}
    )

"""Routes for the crisis team as people (users, duty) and their personal API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body, parse_query
from chalicelib.domain.enums import Role, Severity
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain import models
    from chalicelib.domain.models import Principal
    from chalicelib.services import people
else:
    schemas = lazy_module("chalicelib.api.schemas")
    models = lazy_module("chalicelib.domain.models")
    people = lazy_module("chalicelib.services.people")

bp = Blueprint(__name__)


@bp.route("/users", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_users(principal: Principal) -> Response:
    users = deps.container().seeded_users.list()
    on_duty = [user.user_id for user in people.on_duty(users)]
    return json_response({"items": [schemas.user_view(u) for u in users], "on_duty": on_duty})


@bp.route("/users", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.ADMIN)
def create_user(principal: Principal) -> Response:
    body = parse_json_body(bp, schemas.UserCreate)
    container = deps.container()
    now = container.clock()
    user = people.create_user(
        models.User(
            **body.model_dump(exclude={"role", "sms_min_severity"}),
            role=Role[body.role.upper()],
            sms_min_severity=Severity.parse(body.sms_min_severity),
            created_at=now,
            updated_at=now,
        ),
        principal=principal,
        users=container.seeded_users,
    )
    metrics.add_metric(name="UserCreated", unit="Count", value=1)
    return json_response(_with_subscriptions(schemas.user_view(user)), status=201)


@bp.route("/users/{user_id}", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def get_user(principal: Principal, user_id: str) -> Response:
    return json_response(schemas.user_view(deps.container().seeded_users.get(user_id)))


@bp.route("/users/{user_id}", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.VIEWER)
def update_user(principal: Principal, user_id: str) -> Response:
    body = parse_json_body(bp, schemas.UserUpdate)
    container = deps.container()
    user = people.update_user(
        user_id,
        body.changes(),
        expected_version=body.version,
        principal=principal,
        users=container.seeded_users,
        now=container.clock(),
    )
    metrics.add_metric(name="UserUpdated", unit="Count", value=1)
    return json_response(_with_subscriptions(schemas.user_view(user)))


def _with_subscriptions(view: dict[str, Any]) -> dict[str, Any]:
    """A new person or a changed phone number, email or duty is reflected in the alert subscriptions."""
    container = deps.container()
    warning = people.sync_subscriptions(container.seeded_users, container.subscriptions)
    if warning:
        metrics.add_metric(name="SubscriptionSyncFailed", unit="Count", value=1)
        return {**view, "warnings": [warning]}
    return view


@bp.route("/users/{user_id}/api-keys", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.VIEWER)
def create_personal_key(principal: Principal, user_id: str) -> Response:
    body = parse_json_body(bp, schemas.PersonalKeyCreate, required=False)
    container = deps.container()
    record, plaintext = people.issue_personal_key(
        user_id,
        name=body.name,
        principal=principal,
        users=container.seeded_users,
        keys=container.api_keys,
        now=container.clock(),
    )
    metrics.add_metric(name="ApiKeyCreated", unit="Count", value=1)
    return json_response(
        {
            **schemas.api_key_view(record),
            "api_key": plaintext,
            "note": "Store this key now; Krisenradar keeps only its hash.",
        },
        status=201,
    )


@bp.route("/api-keys", methods=["GET"])
@endpoint(bp, Role.ADMIN)
def list_api_keys(principal: Principal) -> Response:
    query = parse_query(bp, schemas.PageQuery)
    page = people.list_keys(keys=deps.container().api_keys, limit=query.limit, next_token=query.next_token)
    return json_response(
        {"items": [schemas.api_key_view(k) for k in page.items], "next_token": page.next_token}
    )


@bp.route("/api-keys/{key_id}", methods=["DELETE"])
@endpoint(bp, Role.VIEWER)
def revoke_api_key(principal: Principal, key_id: str) -> Response:
    container = deps.container()
    key = people.revoke_key(key_id, principal=principal, keys=container.api_keys, now=container.clock())
    metrics.add_metric(name="ApiKeyRevoked", unit="Count", value=1)
    return json_response(schemas.api_key_view(key))


@bp.route("/me", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def who_am_i(principal: Principal) -> Response:
    """Who this key or sign-in acts as, so a client shows only what the person may do."""
    return json_response(
        {
            "name": principal.name,
            "role": principal.role.label,
            "user_id": principal.user_id,
            "key_id": principal.key_id,
            "crm": crm.slug if (crm := deps.container().crm) else None,  # the client offers CRM buttons
        }
    )

"""What a change is about, and how it looked, for the audit log: the resource as the API shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Response

from chalicelib import deps
from chalicelib.domain.errors import AppError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.api import schemas
else:
    schemas = lazy_module("chalicelib.api.schemas")

# Path parameters in the order that names the resource a route changes (a draft of an incident is
# about the draft; a fact of an incident is about the incident).
_TARGETS = (
    ("draft_id", "draft"),
    ("key_id", "api-key"),
    ("user_id", "user"),
    ("drill_id", "drill"),
    ("webhook_id", "webhook"),
    ("incident_id", "incident"),
)


def _load(kind: str, ident: str) -> dict[str, Any] | None:
    container = deps.container()
    loaders: dict[str, Callable[[], dict[str, Any] | None]] = {
        "incident": lambda: schemas.incident_summary(container.incidents.get(ident)),
        "user": lambda: schemas.user_view(container.seeded_users.get(ident)),
        "draft": lambda: schemas.draft_view(container.drafts.get(ident)),
        "api-key": lambda: _key(ident),
        "drill": lambda: schemas.drill_view(container.drills.get(ident)),
        "webhook": lambda: schemas.webhook_view(container.webhooks.get(ident)),  # never the secret
    }
    try:
        return loaders[kind]()
    except AppError:
        return None


def _key(key_id: str) -> dict[str, Any] | None:
    key = deps.container().api_keys.get(key_id)
    return schemas.api_key_view(key) if key else None


def target_of(path: dict[str, str]) -> str | None:
    return next((f"{kind}:{path[param]}" for param, kind in _TARGETS if param in path), None)


def target_created(response: Response) -> str | None:
    """A route that creates something names it in its answer (a new draft, user or key)."""
    body = _body(response)
    return next((f"{kind}:{body[param]}" for param, kind in _TARGETS if body.get(param)), None)


def snapshot(target: str | None) -> dict[str, Any] | None:
    if target is None:
        return None
    kind, _, ident = target.partition(":")
    return _load(kind, ident)


def _body(response: Response) -> dict[str, Any]:
    try:
        body = json.loads(response.body) if isinstance(response.body, str | bytes) else response.body
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def answer(response: Response) -> dict[str, Any]:
    return _body(response)

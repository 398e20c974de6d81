"""DSGVO routes (admin): export everything stored about an author (Art. 15) and erase it (Art. 17).
The erasure's answer, and so its audit entry, holds counts and a reference number, never the data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import endpoint, json_response
from chalicelib.domain.enums import Role
from chalicelib.domain.errors import InvalidInput
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain.models import Principal
    from chalicelib.services import privacy
else:
    schemas = lazy_module("chalicelib.api.schemas")
    privacy = lazy_module("chalicelib.services.privacy")

bp = Blueprint(__name__)

_PLATFORM = re.compile(r"^[a-z0-9_-]{1,40}$")
AUTHOR_PATH = "/privacy/authors/{platform}/{handle}"


def _author(platform: str, handle: str) -> tuple[str, str]:
    problems = []
    if not _PLATFORM.match(platform):
        problems.append({"field": "path.platform", "message": "lower-case letters, digits, - and _"})
    if not 1 <= len(handle.strip().lstrip("@")) <= 200:
        problems.append({"field": "path.handle", "message": "1 to 200 characters, with or without @"})
    if problems:
        raise InvalidInput("the author is invalid", problems)
    return platform, handle


@bp.route(AUTHOR_PATH, methods=["GET"])
@endpoint(bp, Role.ADMIN)
def export_author_data(principal: Principal, platform: str, handle: str) -> Response:
    container = deps.container()
    data = privacy.export_author(
        *_author(platform, handle),
        mentions=container.mentions,
        drafts=container.drafts,
        incidents=container.incidents,
    )
    metrics.add_metric(name="AuthorDataExported", unit="Count", value=1)
    return json_response(
        schemas.author_export_view(platform, handle, data, container.settings, container.clock())
    )


@bp.route(AUTHOR_PATH, methods=["DELETE"])
@endpoint(bp, Role.ADMIN)
def erase_author_data(principal: Principal, platform: str, handle: str) -> Response:
    container = deps.container()
    erasure = privacy.erase_author(
        *_author(platform, handle),
        mentions=container.mentions,
        drafts=container.drafts,
        incidents=container.incidents,
    )
    metrics.add_metric(name="AuthorDataErased", unit="Count", value=1)
    return json_response(schemas.erasure_view(erasure))

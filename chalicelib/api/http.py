"""The HTTP edge: authentication, input parsing, error mapping. One place, used by every route.

Every error leaves as `{"error": {"code", "message", "details"}}` with a 4xx status; an unexpected
exception is logged with its trace and answered with a 500 of the same shape (never a traceback).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.gateway import security_headers
from chalicelib.domain.enums import Role
from chalicelib.domain.errors import (
    AppError,
    InvalidInput,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from chalicelib.lazy import lazy_module
from chalicelib.observability import logger, metrics

# pydantic, the schemas and the services load on the first request, not at import (cold start).
if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from chalicelib.api import snapshots
    from chalicelib.domain.models import Principal
    from chalicelib.services import audit, auth
else:
    snapshots = lazy_module("chalicelib.api.snapshots")
    audit = lazy_module("chalicelib.services.audit")
    auth = lazy_module("chalicelib.services.auth")

M = TypeVar("M", bound="BaseModel")

# Chalice answers content types it was not told about with its own error shape; we accept these and
# check ourselves, so that a wrong content type gets our JSON error.
ACCEPTED_CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/xml",
    "text/xml",
]
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
# No request model nests deeper than a few levels; Python's json parser recurses and fails at ~1,000.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(error: AppError) -> Response:
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    headers = {"WWW-Authenticate": 'Bearer realm="krisenradar"'} if error.status == 401 else None
    return json_response(body, error.status, headers)


def validation_details(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {
            "field": prefix + ".".join(str(part) for part in item["loc"])
            if item["loc"]
            else prefix.rstrip("."),
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def _invalid(message: str, error: ValidationError, prefix: str) -> InvalidInput:
    """A 400, or a 422 when the input is well-formed but a date lies outside the range we accept."""
    from chalicelib.api.schemas import OUT_OF_RANGE

    details = validation_details(error, prefix)
    if all(item["type"] == OUT_OF_RANGE for item in details):
        return Unprocessable(message, details)
    return InvalidInput(message, details)


def parse_json_body(bp: Blueprint, model: type[M], *, required: bool = True) -> M:
    from pydantic import ValidationError

    request = bp.current_request
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    limit = deps.container().settings.max_body_bytes
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes", [{"limit": limit, "size": len(raw)}])
    if not raw.strip():
        if required:
            raise InvalidInput("a JSON body is required", [{"field": "body", "message": "missing"}])
        return model()
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json", [{"content_type": content_type}])
    try:
        text = raw.decode(json.detect_encoding(raw))
        _check_depth(text)
        json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("the body is not valid JSON", [{"field": "body", "message": str(exc)}]) from exc
    try:
        # Strict, as the document says: 0 is no boolean, "5" no integer, 1700000000 no date-time.
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise _invalid("the body is invalid", exc, "body.") from exc


def _check_depth(text: str) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH before parsing it (brackets inside strings aside)."""
    depth = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput(
                f"the body is nested deeper than {MAX_JSON_DEPTH} levels",
                [{"field": "body", "message": "nested too deeply", "limit": MAX_JSON_DEPTH}],
            )


def parse_query(bp: Blueprint, model: type[M]) -> M:
    from pydantic import ValidationError

    params = dict(bp.current_request.query_params or {})
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise _invalid("the query is invalid", exc, "query.") from exc


def _principal(bp: Blueprint, role: Role, link: bool, path: dict[str, str]) -> Principal:
    container = deps.container()
    authorization = bp.current_request.headers.get("authorization")
    scheme, _, token = (authorization or "").partition(" ")
    if link and scheme.lower() == "link":
        # The signed link of an alert: its recipient may open this incident and acknowledge it.
        return auth.authenticate_link(
            token.strip(),
            incident_id=path["incident_id"],
            users=container.seeded_users,
            secrets=container.secrets,
            now=container.clock(),
        )
    verifier = container.token_verifier
    if verifier is not None and auth.looks_like_sign_in_token(authorization):
        principal = auth.authenticate_sign_in(
            str(authorization), verifier=verifier, users=container.seeded_users
        )
    else:
        principal = auth.authenticate(authorization, keys=container.api_keys, users=container.users)
    auth.require(principal, role)
    return principal


_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _audited(
    bp: Blueprint, view: Callable[..., Response], principal: Principal, path: dict[str, str]
) -> Response:
    """Run a change and write it to the audit log: who, which route, the resource before and after."""
    target = snapshots.target_of(path)
    before = snapshots.snapshot(target)
    response = view(principal=principal, **path)
    if response.status_code >= 400:
        return response
    if response.status_code == 201:  # a creation is about what it created (a draft, a key, a person)
        target = snapshots.target_created(response) or target
        before = None
    container = deps.container()
    try:
        audit.record_change(
            audit=container.audit,
            principal=principal,
            action=f"{bp.current_request.method} {_route(bp)}",
            target=target,
            status=response.status_code,
            before=before,
            after=snapshots.snapshot(target) if target else snapshots.answer(response),
            now=container.clock(),
        )
    except Exception:  # the change stands; a gap in the log must be seen
        logger.exception("audit entry not written", target=target)
        metrics.add_metric(name="AuditWriteFailed", unit="Count", value=1)
    return response


def _route(bp: Blueprint) -> str:
    context = bp.current_request.context or {}
    return str(context.get("resourcePath") or bp.current_request.path)


def endpoint(
    bp: Blueprint, role: Role | None, *, link: bool = False
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Authenticate (unless role is None), authorise, run the view, and map errors to responses.
    `link`: the route also accepts an alert's signed link (`Authorization: Link <token>`)."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**path: str) -> Response:
            try:
                if role is None:
                    return view(**path)
                principal = _principal(bp, role, link, path)
                if bp.current_request.method not in _CHANGES:
                    return view(principal=principal, **path)
                return _audited(bp, view, principal, path)
            except AppError as error:
                if error.status >= 500:
                    logger.exception("request failed", code=error.code)
                return error_response(error)
            except Exception:
                logger.exception("unexpected error", path=bp.current_request.path)
                return error_response(AppError("internal error; the request was logged", []))

        return wrapper

    return decorate


_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "invalid_input",
    "BadRequestError": "invalid_input",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}


def secure_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: every response, errors Chalice answers itself included, carries the security
    headers (a route's own, such as a page's CSP, win)."""
    response = get_response(event)
    response.headers = {**security_headers(deps.container().settings.stage), **(response.headers or {})}
    return response


def uniform_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: errors Chalice answers itself (405, 415, ...) get the API's error shape too."""
    response = get_response(event)
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"]), "error")
        response.body = json.dumps({"error": {"code": code, "message": str(body["Message"]), "details": []}})
        response.headers = {**(response.headers or {}), **JSON_HEADERS}
    return response

"""Every route of the OpenAPI document against every role: no key is a 401, too low a role a 403,
and a role that is enough never gets 401, 403 or a 5xx, whatever the (empty or unknown) input.
The document is kept equal to the route table by another test, so no route escapes this one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.api.openapi import ROUTES
from chalicelib.domain.models import Role
from tests.conftest import bearer

pytestmark = pytest.mark.integration

PATH_VALUES = {
    "incident_id": "INC-20990101-000000",
    "user_id": "niemand-hier",
    "key_id": "0000000000000000",
    "draft_id": "D-nichtda",
    "fact_id": "F9",
    "item_id": "nicht-da",
    "playbook_id": "gibt-es-nicht",
    "drill_id": "UEB-20990101-000000",
    "webhook_id": "wh_0000000000000000",
    "asset": "app.js",
    "platform": "x",
    "handle": "@niemand_hier",
}
PROTECTED = [(method, path, role) for method, path, _, role, *_ in ROUTES if role is not None]
# Routes where people act on what is their own: the edge lets everyone in, the service decides.
SELF_SERVICE = {
    ("PUT", "/users/{user_id}"),
    ("POST", "/users/{user_id}/api-keys"),
    ("DELETE", "/api-keys/{key_id}"),
}


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


def _call(api: Any, method: str, path: str, key: str | None) -> Any:
    headers = {"Content-Type": "application/json", **(bearer(key) if key else {})}
    return getattr(api.http, method.lower())(
        _url(path), headers=headers, body=b"{}" if method != "GET" else b""
    )


@pytest.mark.parametrize(("method", "path", "required"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_every_route_answers_each_role_as_its_required_role_says(
    api: Any, keys: dict, method: str, path: str, required: str
) -> None:
    needed = Role[required.upper()]
    anonymous = _call(api, method, path, None)
    assert anonymous.status_code == 401, anonymous.body
    assert json.loads(anonymous.body)["error"]["code"] == "unauthorized"
    for role in Role:
        response = _call(api, method, path, keys[role.label])
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        body = json.loads(response.body) if response.body and is_json else {}
        assert response.status_code < 500, (role.label, response.status_code, body)
        if role < needed:
            assert response.status_code == 403, (role.label, body)
            continue
        if (method, path) in SELF_SERVICE and role < Role.ADMIN:
            assert response.status_code in (200, 201, 400, 403, 404, 409), (role.label, body)
            continue
        assert response.status_code not in (401, 403) or _signature_missing(path, body), (role.label, body)


def _signature_missing(path: str, body: dict) -> bool:
    """The push endpoint also wants a signature: its 401 then names the header, not the key."""
    return path == "/ingest" and "signature" in json.dumps(body).lower()


def test_the_matrix_covers_every_protected_route_and_role() -> None:
    # A floor, so that the matrix cannot shrink unnoticed (53 routes x 5 callers on 2026-11-29: issue 8's
    # series, picture, review, reports and drills, and issue 9's six webhook and two CRM routes included;
    # 58 with issue 10's GET /sources and issue 12's DSGVO export and erasure of an author)
    assert len(PROTECTED) >= 58
    assert {m for m, _, _ in PROTECTED} == {"GET", "POST", "PUT", "DELETE"}

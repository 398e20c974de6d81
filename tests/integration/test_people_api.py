"""The crisis team as people through the real API: the team from the playbook, edits with roles and
versions, personal keys that act as the person, and revocation that applies at once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import call as _call

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def _personal_key(api: Any, keys: dict, user_id: str) -> str:
    status, body = _call(api, "post", f"/users/{user_id}/api-keys", keys["admin"], {})
    assert status == 201, body
    return str(body["api_key"])


def test_the_team_from_the_playbook_is_listed_with_contact_and_duty(api: Any, keys: dict) -> None:
    status, body = _call(api, "get", "/users", keys["viewer"])
    assert status == 200
    anna = next(u for u in body["items"] if u["user_id"] == "anna-schmidt")
    assert anna["name"] == "Anna Schmidt" and anna["phone"] == "+4915100000001"
    assert anna["escalation_level"] == 1 and anna["on_duty"] is True
    assert "anna-schmidt" in body["on_duty"]
    assert _call(api, "get", "/users/nobody-here", keys["viewer"])[0] == 404


def test_a_personal_key_acts_as_its_person_with_their_current_role(api: Any, keys: dict) -> None:
    # Given Jonas's own key (a responder in the playbook)
    jonas = _personal_key(api, keys, "jonas-weber")

    # Then it may do what a responder may, not what an admin may
    assert _call(api, "get", "/users", jonas)[0] == 200
    assert _call(api, "get", "/api-keys", jonas)[0] == 403

    # When an admin makes him an admin, his key can list keys at once; demoted to viewer, it no longer can
    version = _call(api, "get", "/users/jonas-weber", keys["admin"])[1]["version"]
    assert (
        _call(api, "put", "/users/jonas-weber", keys["admin"], {"role": "admin", "version": version})[0]
        == 200
    )
    assert _call(api, "get", "/api-keys", jonas)[0] == 200
    assert _call(api, "put", "/users/jonas-weber", keys["admin"], {"role": "viewer"})[0] == 200
    assert _call(api, "get", "/api-keys", jonas)[0] == 403
    _call(api, "put", "/users/jonas-weber", keys["admin"], {"role": "responder"})


def test_people_edit_their_own_contact_and_duty_but_not_their_role(api: Any, keys: dict) -> None:
    petra = _personal_key(api, keys, "petra-krause")
    status, body = _call(
        api, "put", "/users/petra-krause", petra, {"on_duty": False, "phone": "+4915199999999"}
    )
    assert status == 200 and body["on_duty"] is False and body["phone"] == "+4915199999999"
    assert "petra-krause" not in _call(api, "get", "/users", petra)[1]["on_duty"]
    assert _call(api, "put", "/users/petra-krause", petra, {"role": "admin"})[0] == 403
    assert _call(api, "put", "/users/anna-schmidt", petra, {"on_duty": False})[0] == 403
    _call(api, "put", "/users/petra-krause", keys["admin"], {"on_duty": True, "phone": "+4915100000003"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "0151 123"}, "body.phone"),
        ({"email": "not-an-address"}, "body.email"),
        ({"escalation_level": 9}, "body.escalation_level"),
        ({"role": "king"}, "body.role"),
        ({"shoe_size": 44}, "body.shoe_size"),
    ],
)
def test_bad_edits_get_a_field_level_400(api: Any, keys: dict, body: dict, field: str) -> None:
    status, error = _call(api, "put", "/users/tobias-hahn", keys["admin"], body)
    assert status == 400
    assert [d["field"] for d in error["error"]["details"]] == [field]


def test_an_edit_on_a_stale_version_is_a_409(api: Any, keys: dict) -> None:
    version = _call(api, "get", "/users/tobias-hahn", keys["admin"])[1]["version"]
    assert (
        _call(api, "put", "/users/tobias-hahn", keys["admin"], {"function": "QS", "version": version})[0]
        == 200
    )
    status, body = _call(
        api, "put", "/users/tobias-hahn", keys["admin"], {"function": "QM", "version": version}
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    assert _call(api, "get", "/users/tobias-hahn", keys["admin"])[1]["function"] == "QS"


def test_an_admin_adds_a_person_once(api: Any, keys: dict) -> None:
    person = {"user_id": "lea-vogel", "name": "Lea Vogel", "role": "responder", "phone": "+4915100000009"}
    status, body = _call(api, "post", "/users", keys["admin"], person)
    assert status == 201 and body["version"] == 1 and body["sms_min_severity"] == "SEV2"
    assert _call(api, "post", "/users", keys["admin"], person)[0] == 409
    assert _call(api, "post", "/users", keys["responder"], {**person, "user_id": "lea-2"})[0] == 403


def test_keys_are_listed_without_secrets_and_a_revoked_key_fails_at_once(api: Any, keys: dict) -> None:
    # Given Anna's personal key, used once (so it is cached)
    anna = _personal_key(api, keys, "anna-schmidt")
    assert _call(api, "get", "/users", anna)[0] == 200
    key_id = anna.split("_")[1]

    # Then an admin sees it listed, with its owner and without any secret
    status, body = _call(api, "get", "/api-keys?limit=100", keys["admin"])
    listed = next(k for k in body["items"] if k["key_id"] == key_id)
    assert listed["user_id"] == "anna-schmidt" and listed["revoked"] is False
    assert not {"api_key", "secret_hash"} & set(listed) and anna not in json.dumps(body)

    # When someone else (not an admin) tries to revoke it, they may not; when Anna does, it stops at once
    assert _call(api, "delete", f"/api-keys/{key_id}", keys["responder"])[0] == 403
    status, revoked = _call(api, "delete", f"/api-keys/{key_id}", anna)
    assert status == 200 and revoked["revoked"] is True and revoked["revoked_by"] == "Anna Schmidt"
    assert _call(api, "get", "/users", anna)[0] == 401
    assert _call(api, "delete", "/api-keys/0000000000000000", keys["admin"])[0] == 404


def test_me_says_who_a_key_acts_as(api: Any, keys: dict) -> None:
    jonas = _personal_key(api, keys, "jonas-weber")
    status, me = _call(api, "get", "/me", jonas)
    assert status == 200
    assert me == {
        "name": "Jonas Weber",
        "role": "responder",
        "user_id": "jonas-weber",
        "key_id": jonas.split("_")[1],
        "crm": None,  # no CRM configured here: the client offers no CRM buttons
    }
    assert _call(api, "get", "/me", keys["viewer"])[1]["user_id"] is None  # a machine key

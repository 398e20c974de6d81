"""Every change through the API is in the audit log: who, what, when, before and after, no secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import call as _call

pytestmark = pytest.mark.integration


def test_changes_are_logged_with_before_and_after_and_reads_are_not(
    api: Any, keys: dict, container: Any
) -> None:
    # Given an admin who edits a person, gives them a key and revokes it, and someone who only reads
    admin = keys["admin"]
    assert _call(api, "put", "/users/tobias-hahn", admin, {"function": "Qualität"})[0] == 200
    container.clock.advance(seconds=1)
    status, created = _call(api, "post", "/users/tobias-hahn/api-keys", admin, {})
    assert status == 201
    container.clock.advance(seconds=1)
    assert _call(api, "delete", f"/api-keys/{created['key_id']}", admin)[0] == 200
    assert _call(api, "get", "/users", keys["viewer"])[0] == 200

    # When the admin reads the log for that person
    status, log = _call(api, "get", "/audit?target=user:tobias-hahn", admin)

    # Then the edit is there with who, the route, and the person before and after
    assert status == 200
    [edit] = [e for e in log["items"] if e["action"] == "PUT /users/{user_id}"]
    assert edit["actor"] == "admin tester" and edit["status"] == 200
    assert edit["after"]["function"] == "Qualität" and edit["before"]["function"] != "Qualität"
    assert edit["after"]["version"] == edit["before"]["version"] + 1

    # And the key's creation and revocation are logged against the key, never with its secret
    status, key_log = _call(api, "get", f"/audit?target=api-key:{created['key_id']}", admin)
    actions = [e["action"] for e in key_log["items"]]
    assert actions == ["DELETE /api-keys/{key_id}", "POST /users/{user_id}/api-keys"]
    assert created["api_key"] not in json.dumps(key_log) and "secret_hash" not in json.dumps(key_log)
    assert (
        key_log["items"][0]["before"]["revoked"] is False and key_log["items"][0]["after"]["revoked"] is True
    )

    # And reading changed nothing in the log; only admins may read it
    everything = _call(api, "get", "/audit?limit=100", admin)[1]["items"]
    assert not any(e["action"].startswith("GET ") for e in everything)
    assert _call(api, "get", "/audit", keys["approver"])[0] == 403
    assert _call(api, "get", "/audit?target=kein-ziel", admin)[0] == 400


def test_a_refused_change_leaves_no_entry(api: Any, keys: dict) -> None:
    before = len(_call(api, "get", "/audit?target=user:anna-schmidt&limit=100", keys["admin"])[1]["items"])
    assert _call(api, "put", "/users/anna-schmidt", keys["responder"], {"role": "admin"})[0] == 403
    assert _call(api, "put", "/users/anna-schmidt", keys["admin"], {"phone": "0151"})[0] == 400
    after = len(_call(api, "get", "/audit?target=user:anna-schmidt&limit=100", keys["admin"])[1]["items"])
    assert after == before

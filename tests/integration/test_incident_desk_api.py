"""The response desk on an incident through the real API: lifecycle with versions, notes, facts and
crisis roles, each in the timeline with who and when."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import call as _call

pytestmark = pytest.mark.integration

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"


def test_the_lifecycle_with_versions_and_reopen(api: Any, keys: dict, incident_id: str) -> None:
    responder, path = keys["responder"], f"/incidents/{incident_id}"
    opened = _call(api, "get", path, responder)[1]
    version = opened["version"]
    # A new incident keeps the numbers behind its plain reasons: the statistics behind the toggle
    volume = next(d for d in opened["reason_details"] if d["signal"] == "volume")
    assert "p" in (volume["de"] or "") and "p =" not in " ".join(opened["reasons"])

    status, body = _call(
        api, "post", f"{path}/status", responder, {"status": "responding", "version": version}
    )
    assert status == 200 and body["status"] == "responding" and body["acknowledged_by"] == "responder tester"

    # Acting on what one saw before someone else's change is refused; without a version it applies
    status, body = _call(
        api, "post", f"{path}/status", responder, {"status": "monitoring", "version": version}
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    assert (
        _call(api, "post", f"{path}/status", responder, {"status": "monitoring"})[1]["status"] == "monitoring"
    )

    # An invalid step is a 409 that says what is allowed; a made-up status a field-level 400
    status, body = _call(api, "post", f"{path}/status", responder, {"status": "reviewed"})
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    assert body["error"]["details"][0]["allowed"] == ["resolved", "responding"]
    status, body = _call(api, "post", f"{path}/status", responder, {"status": "vergessen"})
    assert status == 400 and body["error"]["details"][0]["field"] == "body.status"

    assert _call(api, "post", f"{path}/resolve", responder)[1]["status"] == "resolved"
    reopened = _call(api, "post", f"{path}/status", responder, {"status": "open", "note": "Neue Welle"})[1]
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    kinds = [event["kind"] for event in _call(api, "get", path, keys["viewer"])[1]["timeline"]]
    assert kinds[-4:] == ["responding", "monitoring", "resolved", "reopened"]
    assert _call(api, "post", f"{path}/status", keys["viewer"], {"status": "resolved"})[0] == 403


def test_notes_facts_and_roles_land_in_the_timeline_with_who(api: Any, keys: dict, incident_id: str) -> None:
    responder, path = keys["responder"], f"/incidents/{incident_id}"
    assert _call(api, "post", f"{path}/notes", responder, {"text": "Hotline verstärkt"})[0] == 200
    status, body = _call(api, "post", f"{path}/facts", responder, {"text": "Betroffen: Serie 2024-07"})
    assert status == 200 and body["facts"] == [
        {
            "fact_id": "F1",
            "text": "Betroffen: Serie 2024-07",
            "added_by": "responder tester",
            "added_at": body["facts"][0]["added_at"],
            "verified": False,
            "verified_by": None,
            "verified_at": None,
        }
    ]
    verified = _call(api, "post", f"{path}/facts/F1/verify", keys["approver"])[1]["facts"][0]
    assert verified["verified"] and verified["verified_by"] == "approver tester"
    assert _call(api, "post", f"{path}/facts/F7/verify", responder)[0] == 400

    roles = {"Krisenleitung": "anna-schmidt", "Kommunikation": "jonas-weber"}
    status, body = _call(api, "put", f"{path}/roles", responder, {"assignments": roles})
    assert status == 200 and body["assignments"] == roles
    status, body = _call(api, "put", f"{path}/roles", responder, {"assignments": {"Recht": "niemand-da"}})
    assert status == 400

    timeline = _call(api, "get", path, keys["viewer"])[1]["timeline"]
    desk = [
        (e["kind"], e["actor"])
        for e in timeline
        if e["kind"] in ("note", "fact_added", "fact_verified", "roles")
    ]
    assert desk == [
        ("note", "responder tester"),
        ("fact_added", "responder tester"),
        ("fact_verified", "approver tester"),
        ("roles", "responder tester"),
    ]
    assert _call(api, "post", f"{path}/notes", responder, {"text": ""})[0] == 400
    assert _call(api, "post", "/incidents/INC-20990101-FFFFFF/notes", responder, {"text": "x"})[0] == 404


def test_the_recall_storm_gets_the_recall_playbook_and_its_checklist_is_ticked(
    api: Any, keys: dict, incident_id: str
) -> None:
    responder, path = keys["responder"], f"/incidents/{incident_id}"
    detail = _call(api, "get", path, keys["viewer"])[1]
    assert detail["playbook"] == {
        "id": "produktmangel-rueckruf",
        "title": detail["playbook"]["title"],
        "selected": "auto",
    }
    first = detail["checklist"][0]
    assert first["done"] is False and first["text"]["de"] and first["due_at"] > detail["detected_at"]

    status, ticked = _call(api, "post", f"{path}/checklist/{first['item_id']}", responder, {"done": True})
    assert status == 200
    item = next(i for i in ticked["checklist"] if i["item_id"] == first["item_id"])
    assert item["done"] and item["done_by"] == "responder tester"
    assert ticked["timeline"][-1]["message"] == f"Erledigt: {first['text']['de']}"
    assert _call(api, "post", f"{path}/checklist/nicht-da", responder, {"done": True})[0] == 404

    # A responder switches to the data-breach playbook; an unknown playbook is a field-level 400
    status, switched = _call(api, "put", f"{path}/playbook", responder, {"playbook_id": "datenpanne"})
    assert status == 200 and switched["playbook"]["id"] == "datenpanne"
    assert switched["playbook"]["selected"] == "manual"
    status, body = _call(api, "put", f"{path}/playbook", responder, {"playbook_id": "gibt-es-nicht"})
    assert status == 400 and body["error"]["details"][0]["field"] == "body.playbook_id"


def test_without_a_crm_the_ticket_button_answers_409_not_configured(
    api: Any, keys: dict, incident_id: str
) -> None:
    status, body = _call(api, "post", f"/incidents/{incident_id}/crm/ticket", keys["responder"])
    assert status == 409 and body["error"]["code"] == "not_configured"

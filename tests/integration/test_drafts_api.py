"""Reply drafts through the real API: written from the incident's playbook and its verified facts,
checked, recommended, approved by four eyes (two for SEV1), published into the incident's timeline;
roles, stale versions and mentions of another brand."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.models import Role
from chalicelib.services.auth import create_key
from chalicelib.services.ingest import ingest
from tests.conftest import call as _call
from tests.contract.builders import mention as stored_mention
from tests.factories import raw_mention

pytestmark = pytest.mark.integration

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"
COMPLAINT = "Mein Spülmeister 3000 ist heute ausgefallen, ich bin echt sauer."
VERIFIED = "Betroffen sind Geräte der Serie SP-3000 aus dem Baujahr 2025."
UNVERIFIED = "Ursache ist vermutlich ein Kondensator."


@pytest.fixture
def complaint(container: Any) -> str:
    """One customer's complaint about the brand, with few followers: the mention a reply answers."""
    raw = raw_mention(COMPLAINT, at=container.clock(), handle="@anna_k", followers=340)
    ingest([raw], enricher=container.enricher, mentions=container.mentions)
    return f"{raw.platform}#{raw.native_id}"


@pytest.fixture
def approvers(container: Any, keys: dict) -> list[str]:
    """Three people with the approver role, each with a key of their own."""
    others = [
        create_key(
            name=name, role=Role.APPROVER, keys=container.api_keys, now=container.clock(), created_by="t"
        )[1]
        for name in ("Zweite Freigabe", "Dritte Freigabe")
    ]
    return [keys["approver"], *others]


def _verified_fact(api: Any, keys: dict, incident_id: str) -> None:
    path = f"/incidents/{incident_id}/facts"
    assert _call(api, "post", path, keys["responder"], {"text": VERIFIED})[0] == 200
    assert _call(api, "post", f"{path}/F1/verify", keys["approver"])[0] == 200
    assert _call(api, "post", path, keys["responder"], {"text": UNVERIFIED})[0] == 200


def test_a_reply_from_draft_to_published_with_four_eyes(
    api: Any, keys: dict, incident_id: str, complaint: str, approvers: list[str]
) -> None:
    author, second, third = approvers
    assert _call(api, "get", f"/incidents/{incident_id}", keys["viewer"])[1]["severity"] == "SEV1"
    _verified_fact(api, keys, incident_id)

    # A reply to one customer's complaint: the playbook's text with the verified fact only
    request = {
        "kind": "reply",
        "channel": "facebook",
        "language": "de",
        "address": "Sie",
        "mention_id": complaint,
    }
    status, draft = _call(api, "post", f"/incidents/{incident_id}/drafts", author, request)
    assert status == 201, draft
    assert (
        draft["text"].startswith("@anna_k ")
        and VERIFIED in draft["text"]
        and "Kondensator" not in draft["text"]
    )
    assert (draft["status"], draft["version"], draft["approvals"], draft["created_by"]) == (
        "draft",
        1,
        [],
        "approver tester",
    )
    assert {
        key: draft[key] for key in ("incident_id", "kind", "channel", "language", "address", "mention_id")
    } == {
        "incident_id": incident_id,
        **request,
    }
    assert draft["recommendation"]["channel"] == "private_message"
    assert draft["recommendation"]["reason"].startswith(
        "Einzelne Beschwerde mit geringer Reichweite (340 Follower)"
    )
    assert draft["recommendation"]["reason_en"] and draft["checks"] == []
    path = f"/drafts/{draft['draft_id']}"

    # An edit that offers compensation in public is an error: nobody can approve it
    offer = draft["text"] + "\n\nAls Entschädigung erhalten Sie einen Gutschein."
    status, edited = _call(api, "put", path, keys["responder"], {"text": offer, "version": 1})
    assert status == 200 and edited["version"] == 2
    assert [(c["code"], c["severity"]) for c in edited["checks"]] == [("offers_compensation", "error")]
    status, body = _call(api, "post", f"{path}/approve", second)
    assert status == 409 and body["error"]["code"] == "draft_has_errors"
    assert body["error"]["details"][0]["code"] == "offers_compensation"

    # A stale version is refused; the current one goes through
    assert _call(api, "put", path, author, {"text": draft["text"], "version": 1})[0] == 409
    status, fixed = _call(api, "put", path, author, {"text": draft["text"], "version": 2})
    assert status == 200 and fixed["checks"] == [] and fixed["edited_by"] == "approver tester"

    # Four eyes: the author may not approve; on SEV1 two others must
    status, body = _call(api, "post", f"{path}/approve", author)
    assert status == 403 and body["error"]["code"] == "four_eyes"
    assert _call(api, "post", f"{path}/publish", keys["responder"])[0] == 409
    first = _call(api, "post", f"{path}/approve", second, {"note": "Sachlich korrekt"})[1]
    assert first["status"] == "draft" and [a["by"] for a in first["approvals"]] == ["Zweite Freigabe"]
    again = _call(api, "post", f"{path}/approve", second)[1]
    assert again["version"] == first["version"] and len(again["approvals"]) == 1
    assert _call(api, "post", f"{path}/publish", keys["responder"])[0] == 409
    approved = _call(api, "post", f"{path}/approve", third)[1]
    assert approved["status"] == "approved"
    assert [a["by"] for a in approved["approvals"]] == ["Zweite Freigabe", "Dritte Freigabe"]

    # Published: the incident's timeline says so, with who
    url = "https://facebook.com/muellerhg/posts/1"
    status, published = _call(api, "post", f"{path}/publish", keys["responder"], {"url": url})
    assert status == 200 and published["status"] == "published"
    assert (published["published_by"], published["published_url"]) == ("responder tester", url)
    assert published["published_at"]
    timeline = _call(api, "get", f"/incidents/{incident_id}", keys["viewer"])[1]["timeline"]
    statements = [e for e in timeline if e["kind"] == "statement_published"]
    assert len(statements) == 1 and statements[0]["actor"] == "responder tester"
    assert statements[0]["message"].startswith("Stellungnahme veröffentlicht")

    # Every version is kept, with who changed it; the incident lists the draft
    detail = _call(api, "get", path, keys["viewer"])[1]
    assert [(v["version"], v["change"], v["edited_by"]) for v in detail["versions"]] == [
        (1, "created", "approver tester"),
        (2, "edited", "responder tester"),
        (3, "edited", "approver tester"),
        (4, "approved", "Zweite Freigabe"),
        (5, "approved", "Dritte Freigabe"),
        (6, "published", "responder tester"),
    ]
    assert detail["versions"][1]["text"] == offer and detail["versions"][-1]["text"] == draft["text"]
    listed = _call(api, "get", f"/incidents/{incident_id}/drafts", keys["viewer"])[1]
    assert [d["draft_id"] for d in listed["items"]] == [draft["draft_id"]]


def test_roles_rejection_and_editing_an_approved_draft(
    api: Any, keys: dict, incident_id: str, complaint: str, approvers: list[str]
) -> None:
    author, second, third = approvers
    request = {"kind": "holding_statement", "channel": "website", "language": "en", "address": "Du"}
    drafts = f"/incidents/{incident_id}/drafts"
    assert _call(api, "post", drafts, keys["viewer"], request)[0] == 403
    status, draft = _call(api, "post", drafts, keys["responder"], request)
    assert status == 201 and draft["mention_id"] is None
    assert draft["recommendation"]["channel"] in ("public_reply", "press_statement")
    path = f"/drafts/{draft['draft_id']}"
    assert _call(api, "post", f"{path}/approve", keys["responder"])[0] == 403
    assert _call(api, "get", path, keys["viewer"])[0] == 200

    # Rejected with a note; an edit makes it a draft again
    status, rejected = _call(api, "post", f"{path}/reject", second, {"note": "Bitte ohne Fachbegriffe"})
    assert status == 200 and (rejected["status"], rejected["rejection_note"]) == (
        "rejected",
        "Bitte ohne Fachbegriffe",
    )
    assert _call(api, "post", f"{path}/approve", third)[0] == 409
    edited = _call(api, "put", path, keys["responder"], {"text": draft["text"] + " Thanks.", "version": 2})[1]
    assert edited["status"] == "draft" and edited["rejection_note"] is None

    # Approved twice (SEV1), then edited: approvals are gone and it must be approved again
    _call(api, "post", f"{path}/approve", second)
    approved = _call(api, "post", f"{path}/approve", third)[1]
    assert approved["status"] == "approved"
    reedited = _call(api, "put", path, author, {"text": draft["text"], "version": approved["version"]})[1]
    assert (reedited["status"], reedited["approvals"]) == ("draft", [])
    assert _call(api, "post", f"{path}/publish", keys["responder"])[0] == 409


def test_bad_draft_requests_get_field_level_errors(
    api: Any, container: Any, keys: dict, incident_id: str, complaint: str
) -> None:
    drafts, responder = f"/incidents/{incident_id}/drafts", keys["responder"]
    elsewhere = stored_mention("andere-marke", container.clock())
    container.mentions.store_all([elsewhere])
    reply = {"kind": "reply", "channel": "x", "language": "de", "address": "Sie"}
    cases = [
        ({**reply, "mention_id": elsewhere.mention_id}, "body.mention_id"),
        ({**reply, "mention_id": "x#gibt-es-nicht"}, "body.mention_id"),
        (reply, "body.mention_id"),
        ({**reply, "kind": "tweet"}, "body.kind"),
        ({**reply, "address": "Ihr"}, "body.address"),
        ({**reply, "mention_id": complaint, "channel": "press"}, "body.channel"),
        ({**reply, "mention_id": complaint, "extra": 1}, "body.extra"),
    ]
    for body, field in cases:
        status, answer = _call(api, "post", drafts, responder, body)
        assert status == 400 and answer["error"]["details"][0]["field"] == field, (body, answer)
    assert _call(api, "post", "/incidents/INC-20990101-FFFFFF/drafts", responder, reply)[0] == 404
    assert _call(api, "get", "/drafts/DRF-20990101-FFFFFFFF", keys["viewer"])[0] == 404
    status, answer = _call(api, "put", "/drafts/DRF-20990101-FFFFFFFF", responder, {"text": "x"})
    assert status == 400 and answer["error"]["details"][0]["field"] == "body.version"

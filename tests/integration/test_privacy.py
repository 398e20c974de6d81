"""DSGVO through the real app (issue 12): dates that would escape retention are refused, expired data
is never served, an author's data is exported (Art. 15) and erased (Art. 17), and the retention job
deletes what is due."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.models import CrmRecord, Incident, IncidentStatus, TimelineEvent
from chalicelib.services.ingest import ingest
from chalicelib.services.push import SIGNATURE_HEADER, sign
from tests.conftest import bearer
from tests.contract.builders import alert, incident, unique
from tests.contract.test_drafts import draft
from tests.factories import raw_mention

pytestmark = pytest.mark.integration


@pytest.fixture
def push_secret(container: Any) -> bytes:
    secret = "push-secret-for-privacy"
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=container.settings.ingest_secret_id, SecretString=secret)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=container.settings.ingest_secret_id, SecretString=secret)
    return secret.encode()


def _push(
    api: Any, keys: dict, secret: bytes, now: datetime, published_at: str, native_id: str = "p-1"
) -> Any:
    body = json.dumps(
        {
            "mentions": [
                {
                    "platform": "x",
                    "native_id": native_id,
                    "brand": "mueller",
                    "text": "Mein Spülmeister 3000 ist kaputt.",
                    "published_at": published_at,
                    "author": {"handle": "@zeitreisende", "followers": 10},
                }
            ]
        }
    ).encode()
    headers = {**bearer(keys["responder"]), "Content-Type": "application/json"}
    return api.http.post("/ingest", headers={**headers, SIGNATURE_HEADER: sign(body, secret, now)}, body=body)


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


@pytest.mark.parametrize(
    "published_at", ["2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z"]
)
def test_a_pushed_mention_dated_outside_2000_to_2100_is_a_422_naming_the_field(
    container: Any, api: Any, keys: dict, push_secret: bytes, published_at: str
) -> None:
    response = _push(api, keys, push_secret, container.clock(), published_at)

    assert response.status_code == 422, response.body
    fields = [d["field"] for d in _error(response)["details"]]
    assert fields == ["body.mentions.0.published_at"]


def test_a_pushed_mention_dated_beyond_the_clock_skew_is_a_422_and_nothing_is_stored(
    container: Any, api: Any, keys: dict, push_secret: bytes
) -> None:
    # Given our clock, a post dated ten minutes ahead of it (five are tolerated)
    ahead = (container.clock() + timedelta(minutes=10)).isoformat()

    # When it is pushed
    response = _push(api, keys, push_secret, container.clock(), ahead, native_id="p-ahead")

    # Then it is refused with the field named, and a post within the skew is taken
    assert response.status_code == 422, response.body
    assert _error(response)["details"][0]["field"] == "body.mentions.0.published_at"
    within = (container.clock() + timedelta(minutes=4)).isoformat()
    assert _push(api, keys, push_secret, container.clock(), within, native_id="p-within").status_code == 202
    listed = json.loads(
        api.http.get("/mentions?brand=mueller&limit=100", headers=bearer(keys["viewer"])).body
    )["items"]
    assert "p-ahead" not in {m["native_id"] for m in listed}


@pytest.mark.parametrize(
    "query",
    [
        "/mentions?brand=mueller&since=1999-12-31T23:59:59Z",
        "/mentions?brand=mueller&until=2100-01-02T00:00:00Z",
        "/reports/summary?since=1900-01-01T00:00:00Z",
    ],
)
def test_query_dates_outside_2000_to_2100_are_a_422(api: Any, keys: dict, query: str) -> None:
    response = api.http.get(query, headers=bearer(keys["viewer"]))

    assert response.status_code == 422, response.body
    assert _error(response)["details"][0]["field"].startswith("query.")


# --- expired data is never served -----------------------------------------------------------------


def test_a_mention_past_its_retention_is_not_served_before_ttl_deletes_it(
    container: Any, api: Any, keys: dict
) -> None:
    # Given a post written 91 days ago (retention: 90 days), collected now, and one written an hour ago
    now = container.clock()
    old = raw_mention(at=now - timedelta(days=91), native_id=unique("old"))
    new = raw_mention(at=now - timedelta(hours=1), native_id=unique("new"))
    ingest([old, new], enricher=container.enricher, mentions=container.mentions)

    # When the brand's mentions of the last 100 days are listed
    since = (now - timedelta(days=100)).isoformat().replace("+00:00", "Z")
    listed = json.loads(
        api.http.get(f"/mentions?brand=mueller&limit=100&since={since}", headers=bearer(keys["viewer"])).body
    )["items"]

    # Then the expired one is not among them
    native_ids = {m["native_id"] for m in listed}
    assert new.native_id in native_ids and old.native_id not in native_ids


def test_an_alert_past_the_outbox_retention_is_not_served(container: Any, api: Any, keys: dict) -> None:
    # Given an alert to a team member's phone created 31 days ago (retention: 30 days) and one now
    now = container.clock()
    old, new = unique("ALR-old"), unique("ALR-new")
    container.outbox.add(alert(old, created_at=now - timedelta(days=31)))
    container.outbox.add(alert(new, created_at=now))

    # When the alerts are listed
    listed = json.loads(api.http.get("/alerts?limit=100", headers=bearer(keys["viewer"])).body)["items"]

    # Then the old one and its phone number are not served
    alert_ids = {d["alert_id"] for d in listed}
    assert new in alert_ids and old not in alert_ids


# --- an author's data: export (Art. 15) and erasure (Art. 17) --------------------------------------


def _her_data(container: Any, handle: str) -> dict[str, Any]:
    """Two posts of hers, a draft answering one, and a resolved incident whose CRM case noted it."""
    now = container.clock()
    posts = [
        raw_mention(f"Spülmeister 3000 brennt! {handle}", at=now - timedelta(minutes=m), handle=handle)
        for m in (3, 8)
    ]
    ingest(posts, enricher=container.enricher, mentions=container.mentions)
    mention_id = f"x#{posts[0].native_id}"
    case = incident("mueller", unique("topic"), status=IncidentStatus.RESOLVED)
    case = container.incidents.create(
        case.model_copy(
            update={"crm": CrmRecord(ticket_id="T-1", notes={mention_id: "N-77", "x#other": "N-1"})}
        )
    )
    answer = container.drafts.create(
        draft(case.incident_id, mention_id=mention_id, author_handle=handle, text=f"{handle} Danke!")
    )
    return {"posts": posts, "mention_id": mention_id, "incident": case, "draft": answer}


def test_an_admin_exports_everything_stored_about_an_author(container: Any, api: Any, keys: dict) -> None:
    handle = f"@{unique('Anna')}"
    given = _her_data(container, handle)

    # When an admin asks for her data (handle without "@", in other case); a responder may not
    path = f"/privacy/authors/x/{handle.lstrip('@').upper()}"
    forbidden = api.http.get(path, headers=bearer(keys["approver"]))
    response = api.http.get(path, headers=bearer(keys["admin"]))

    # Then both posts, the draft and the CRM note come back, with why and how long they are kept
    assert forbidden.status_code == 403
    assert response.status_code == 200, response.body
    export = json.loads(response.body)
    assert sorted(m["native_id"] for m in export["mentions"]) == sorted(p.native_id for p in given["posts"])
    assert [d["draft_id"] for d in export["drafts"]] == [given["draft"].draft_id]
    assert export["crm_notes"] == [
        {"incident_id": given["incident"].incident_id, "mention_id": given["mention_id"], "note_id": "N-77"}
    ]
    assert export["retention_days"]["mentions"] == 90 and export["purpose"]


def test_erasing_an_author_removes_her_everywhere_and_the_audit_keeps_no_trace_of_her(
    container: Any, api: Any, keys: dict
) -> None:
    # Given her posts, counted in the brand's buckets, a draft answering her, and a CRM note about her
    now = container.clock()
    window = (now - timedelta(hours=1), now + timedelta(hours=1))
    before = container.buckets.range("mueller", *window)
    handle = f"@{unique('Berta')}"
    given = _her_data(container, handle)

    # When an admin erases her, twice
    path = f"/privacy/authors/x/{handle}"
    response = api.http.delete(path, headers=bearer(keys["admin"]))
    again = json.loads(api.http.delete(path, headers=bearer(keys["admin"])).body)

    # Then the answer counts what went, and a repeat finds nothing left
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["erased"] == {"mentions": 2, "drafts": 1, "incidents": 1}
    assert again["erased"] == {"mentions": 0, "drafts": 0, "incidents": 0}
    # her posts are gone and the buckets count as if she had never posted
    export = json.loads(api.http.get(path, headers=bearer(keys["admin"])).body)
    assert export["mentions"] == [] and export["drafts"] == [] and export["crm_notes"] == []
    after = container.buckets.range("mueller", *window)
    assert [(b.start, b.total, b.reach, b.negative) for b in after if b.total] == [
        (b.start, b.total, b.reach, b.negative) for b in before
    ]
    # the draft stays for the incident's record, without her
    kept = container.drafts.get(given["draft"].draft_id)
    assert kept.author_handle is None and kept.mention_id is None and handle not in kept.text
    # the CRM note stays counted, but no longer points at her post
    notes = container.incidents.get(given["incident"].incident_id).crm.notes
    assert given["mention_id"] not in notes and "N-77" in notes.values() and notes["x#other"] == "N-1"
    # the audit entry says an erasure happened, by whom, and how much; nothing of her
    erasure_id = json.loads(response.body)["erasure_id"]
    entries = container.audit.list(target=None, limit=50, next_token=None).items
    [entry] = [e for e in entries if e.after and e.after.get("erasure_id") == erasure_id]
    assert entry.action == "DELETE /privacy/authors/{platform}/{handle}" and entry.actor == "admin tester"
    assert entry.after == {"erasure_id": erasure_id, "erased": {"mentions": 2, "drafts": 1, "incidents": 1}}
    dumped = entry.model_dump_json()
    assert handle.lstrip("@").lower() not in dumped.lower()
    assert given["posts"][0].native_id not in dumped


def test_a_bad_author_path_is_a_400_naming_the_field(api: Any, keys: dict) -> None:
    response = api.http.get("/privacy/authors/X%20Y/anna", headers=bearer(keys["admin"]))

    assert response.status_code == 400
    assert _error(response)["details"][0]["field"] == "path.platform"


# --- the retention job -------------------------------------------------------------------------------


def test_the_retention_job_pseudonymises_incidents_resolved_longer_ago_than_the_period(
    container: Any, api: Any, keys: dict
) -> None:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    # Given an incident resolved 181 days ago (period: 180) with names in it, a draft answering an
    # author, and one resolved yesterday
    now = container.clock()

    def resolved(days: int) -> Incident:
        case = incident("mueller", unique("topic"), status=IncidentStatus.RESOLVED)
        return container.incidents.create(
            case.model_copy(
                update={
                    "acknowledged_by": "Jonas Weber",
                    "resolved_by": "Jonas Weber",
                    "resolved_at": now - timedelta(days=days),
                    "assignments": {"Krisenleitung": "jonas-weber"},
                    "timeline": (
                        *case.timeline,
                        TimelineEvent(at=now, kind="note", message="Rückruf geprüft", actor="Jonas Weber"),
                    ),
                    "crm": CrmRecord(ticket_id="T-9", ticket_by="Jonas Weber", notes={"x#123": "N-5"}),
                }
            )
        )

    old, recent = resolved(181), resolved(1)
    answer = container.drafts.create(draft(old.incident_id, mention_id="x#123", author_handle="@kundin"))

    # When the hourly retention job runs
    result = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("apply_retention")

    # Then the old incident keeps its figures but names nobody, and the recent one is untouched
    assert old.incident_id in result["pseudonymised"] and recent.incident_id not in result["pseudonymised"]
    kept = container.incidents.get(old.incident_id)
    assert (kept.severity, kept.opened_at, kept.resolved_at, kept.reasons, len(kept.timeline)) == (
        old.severity,
        old.opened_at,
        old.resolved_at,
        old.reasons,
        len(old.timeline),
    )
    assert "Jonas Weber" not in kept.model_dump_json() and "jonas-weber" not in kept.model_dump_json()
    assert list(kept.crm.notes.values()) == ["N-5"] and "x#123" not in kept.crm.notes
    assert container.drafts.get(answer.draft_id).author_handle is None
    assert container.incidents.get(recent.incident_id).resolved_by == "Jonas Weber"
    # and a second run changes nothing
    again = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("apply_retention")
    assert old.incident_id not in again["pseudonymised"]

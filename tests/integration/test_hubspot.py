"""The HubSpot CRM adapter against a local fake HubSpot serving the documented shapes.

The fixtures follow these documentation pages (as read in November 2026):
- CRM search: https://developers.hubspot.com/docs-beta/crm/search and
  https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm (POST
  /crm/v3/objects/contacts/search; `filterGroups` are ORed, filters in a group ANDed; the response
  `{"total", "results": [{"id", "properties", "createdAt", "updatedAt", "archived"}],
  "paging": {"next": {"after"}}}`, `after` in the next request body);
- tickets and associations on create: https://developers.hubspot.com/docs/api-reference/latest/crm/associations/overview
  (`associations: [{"to": {"id"}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
  "associationTypeId"}]}]`; ticket to contact 16, note to contact 202, note to ticket 228);
- notes: https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide (`hs_note_body`,
  `hs_timestamp` required, UTC or Unix milliseconds);
- errors and rate limits: https://developers.hubspot.com/docs/api/error-handling and
  https://developers.hubspot.com/docs/faq/api-error-responses (`{"status": "error", "message",
  "correlationId", "category"}`; 401 invalid authentication, 403 missing scopes, 429 with
  `errorType` RATE_LIMIT and `policyName`, 502/504: pause a few seconds, then retry).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from chalicelib.adapters.hubspot import (
    NOTES_PATH,
    SEARCH_PATH,
    TICKETS_PATH,
    CrmError,
    CrmNotConfigured,
    CrmUnavailable,
    HubSpotCrm,
)
from chalicelib.domain.models import CrmContact

pytestmark = pytest.mark.integration

TOKEN = "pat-eu1-00000000-test-token"
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
CONTACTS = [
    {"id": "501", "firstname": "Anna", "lastname": "Keller", "email": "anna@example.de",
     "twitterhandle": "anna_k", "lifecyclestage": "customer"},
    {"id": "502", "firstname": "Bernd", "lastname": "Lang", "email": "bernd@example.de",
     "twitterhandle": "@BerndL", "lifecyclestage": "lead"},
]  # fmt: skip


def _error(message: str, category: str, **extra: str) -> dict[str, str]:
    return {"status": "error", "message": message, "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
            "category": category, **extra}  # fmt: skip


def _record(contact: dict[str, str]) -> dict[str, Any]:
    properties = {key: value for key, value in contact.items() if key != "id"}
    stamp = "2026-10-01T08:00:00.000Z"
    return {
        "id": contact["id"],
        "properties": {
            **properties,
            "hs_object_id": contact["id"],
            "createdate": stamp,
            "lastmodifieddate": stamp,
        },
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }


def _matches(contact: dict[str, str], groups: list[dict[str, Any]]) -> bool:
    """HubSpot's EQ on text is case-insensitive; groups are ORed, the filters of a group ANDed."""
    return any(
        all(
            str(contact.get(f["propertyName"], "")).casefold() == str(f["value"]).casefold()
            for f in group["filters"]
            if f["operator"] == "EQ"
        )
        for group in groups
    )


class FakeHubSpot(BaseHTTPRequestHandler):
    contacts: list[dict[str, str]] = []
    script: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}  # answers given before the real ones
    requests: list[tuple[str, str, Any]] = []  # (path, Authorization, body)
    created: int = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        FakeHubSpot.requests.append((self.path, self.headers.get("Authorization", ""), body))
        if FakeHubSpot.script.get(self.path):
            self._answer(*FakeHubSpot.script[self.path].pop(0))
        elif self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, _error("Authentication credentials not found.", "INVALID_AUTHENTICATION"), {})
        elif self.path == SEARCH_PATH:
            self._answer(200, self._search(body), {})
        elif self.path in (TICKETS_PATH, NOTES_PATH):
            FakeHubSpot.created += 1
            created = {"id": str(9000 + FakeHubSpot.created), "properties": body["properties"],
                       "createdAt": "2026-11-20T14:00:00.000Z", "updatedAt": "2026-11-20T14:00:00.000Z",
                       "archived": False}  # fmt: skip
            self._answer(201, created, {})
        else:
            self._answer(404, _error("Not found", "OBJECT_NOT_FOUND"), {})

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        found = [c for c in FakeHubSpot.contacts if _matches(c, body.get("filterGroups", []))]
        start, limit = int(body.get("after") or 0), int(body.get("limit") or 10)
        page: dict[str, Any] = {
            "total": len(found),
            "results": [_record(c) for c in found[start : start + limit]],
        }
        if start + limit < len(found):
            page["paging"] = {"next": {"after": str(start + limit)}}
        return page

    def _answer(self, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def hubspot_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeHubSpot)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def hubspot(hubspot_url: str) -> Iterator[str]:
    """A fresh fake account: two contacts, nothing scripted, no requests yet."""
    FakeHubSpot.contacts = [dict(c) for c in CONTACTS]
    FakeHubSpot.script = {}
    FakeHubSpot.requests = []
    yield hubspot_url
    FakeHubSpot.script = {}


class Waits(list[float]):
    """Records the adapter's sleeps instead of sleeping."""


def crm(url: str, waits: Waits | None = None, token: str = TOKEN, **options: Any) -> HubSpotCrm:
    return HubSpotCrm(httpx.Client(), lambda: token, base_url=url, sleep=(waits if waits is not None else Waits()).append,
                      clock=lambda: NOW, **options)  # fmt: skip


def test_a_known_handle_is_a_contact_and_only_what_tilts_the_reply_is_kept(hubspot: str) -> None:
    contact = crm(hubspot).known_contact("@Anna_K", None)
    assert contact == CrmContact(contact_id="501", name="Anna Keller", lifecycle_stage="customer")
    ((path, auth, body),) = FakeHubSpot.requests
    assert (path, auth) == (SEARCH_PATH, f"Bearer {TOKEN}")
    assert body == {
        "filterGroups": [
            {"filters": [{"propertyName": "twitterhandle", "operator": "EQ", "value": "anna_k"}]},
            {"filters": [{"propertyName": "twitterhandle", "operator": "EQ", "value": "@anna_k"}]},
        ],
        "properties": ["firstname", "lastname", "lifecyclestage", "email", "twitterhandle"],
        "limit": 10,
    }


def test_a_handle_stored_with_the_at_sign_and_an_email_find_the_contact(hubspot: str) -> None:
    assert crm(hubspot).known_contact("berndl", None) == CrmContact(
        contact_id="502", name="Bernd Lang", lifecycle_stage="lead"
    )
    found = crm(hubspot).known_contact(None, "Anna@Example.de")
    assert found is not None and found.contact_id == "501"
    assert FakeHubSpot.requests[-1][2]["filterGroups"] == [
        {"filters": [{"propertyName": "email", "operator": "EQ", "value": "anna@example.de"}]}
    ]


def test_an_unknown_author_is_no_contact_and_nothing_to_look_up_asks_nobody(hubspot: str) -> None:
    assert crm(hubspot).known_contact("@fremd", None) is None
    assert crm(hubspot).known_contact(None, None) is None
    assert len(FakeHubSpot.requests) == 1


def test_a_configured_handle_property_is_searched(hubspot: str) -> None:
    FakeHubSpot.contacts = [{"id": "601", "x_handle": "kunde_x", "lifecyclestage": "customer"}]
    contact = crm(hubspot, handle_property="x_handle").known_contact("@kunde_x", None)
    assert contact == CrmContact(contact_id="601", name=None, lifecycle_stage="customer")
    assert FakeHubSpot.requests[0][2]["properties"][-1] == "x_handle"


def test_results_that_do_not_really_match_are_paged_past_with_after(hubspot: str) -> None:
    # Page one holds look-alikes (the adapter checks every value itself), page two the person
    look_alikes = {"total": 11, "results": [_record({"id": str(700 + i), "twitterhandle": f"anna_k_{i}"}) for i in range(10)],
                   "paging": {"next": {"after": "10", "link": "https://api.hubapi.com/crm/v3/objects/contacts/search?after=10"}}}  # fmt: skip
    FakeHubSpot.contacts = [{"id": "501", "twitterhandle": "Anna_K"}] * 11
    FakeHubSpot.script = {SEARCH_PATH: [(200, look_alikes, {})]}
    contact = crm(hubspot).known_contact("@anna_k", None)
    assert contact is not None and contact.contact_id == "501"
    assert [body.get("after") for _, _, body in FakeHubSpot.requests] == [None, "10"]


def test_paging_is_bounded_when_no_result_ever_matches(hubspot: str) -> None:
    endless = {"total": 500, "results": [_record({"id": "700", "twitterhandle": "anna_k_shop"})],
               "paging": {"next": {"after": "1"}}}  # fmt: skip
    FakeHubSpot.script = {SEARCH_PATH: [(200, endless, {})] * 5}
    assert crm(hubspot).known_contact("anna_k", None) is None
    assert len(FakeHubSpot.requests) == 3  # MAX_PAGES


def test_429_waits_retry_after_then_succeeds(hubspot: str) -> None:
    limited = _error("You have reached your secondly limit.", "RATE_LIMITS", errorType="RATE_LIMIT",
                     policyName="SECONDLY")  # fmt: skip
    FakeHubSpot.script = {SEARCH_PATH: [(429, limited, {"Retry-After": "2"})]}
    waits = Waits()
    assert crm(hubspot, waits).known_contact("anna_k", None) is not None
    assert waits == [2.0] and len(FakeHubSpot.requests) == 2


def test_a_daily_limit_is_not_waited_out_and_repeated_429s_give_up(hubspot: str) -> None:
    daily = _error(
        "You have reached your daily limit.", "RATE_LIMITS", errorType="RATE_LIMIT", policyName="DAILY"
    )
    FakeHubSpot.script = {SEARCH_PATH: [(429, daily, {"Retry-After": "3600"})]}
    waits = Waits()
    with pytest.raises(CrmUnavailable) as raised:
        crm(hubspot, waits).known_contact("anna_k", None)
    assert waits == [] and len(FakeHubSpot.requests) == 1
    assert raised.value.details[0]["policyName"] == "DAILY" and raised.value.details[0]["retry_after"] == 3600

    FakeHubSpot.script = {SEARCH_PATH: [(429, daily, {"Retry-After": "1"})] * 3}
    with pytest.raises(CrmUnavailable):
        crm(hubspot, waits).known_contact("anna_k", None)
    assert waits == [1.0, 1.0] and len(FakeHubSpot.requests) == 4  # three attempts, two waits


def test_a_500_is_retried_with_jittered_backoff_then_succeeds(hubspot: str) -> None:
    FakeHubSpot.script = {SEARCH_PATH: [(500, _error("internal error", "INTERNAL_ERROR"), {})] * 2}
    waits = Waits()
    assert crm(hubspot, waits, backoff=0.5).known_contact("anna_k", None) is not None
    assert len(waits) == 2 and 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 1.0
    assert len(FakeHubSpot.requests) == 3


def test_5xx_for_every_attempt_gives_up_bounded(hubspot: str) -> None:
    FakeHubSpot.script = {SEARCH_PATH: [(502, "<html>Bad Gateway</html>", {})] * 5}
    waits = Waits()
    with pytest.raises(CrmUnavailable) as raised:
        crm(hubspot, waits, attempts=3).known_contact("anna_k", None)
    assert len(FakeHubSpot.requests) == 3 and len(waits) == 2
    assert raised.value.details[0]["status"] == 502 and raised.value.details[0]["attempts"] == 3


def test_a_timeout_is_retried_and_then_unavailable() -> None:
    # A port nobody listens on: refused at once, three times
    waits = Waits()
    with pytest.raises(CrmUnavailable) as raised:
        crm("http://127.0.0.1:9", waits, timeout=0.5).known_contact("anna_k", None)
    assert len(waits) == 2 and raised.value.details[0]["error"] == "ConnectError"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_a_configuration_error_at_once(hubspot: str, status: int) -> None:
    body = _error("This app hasn't been granted all required scopes.", "MISSING_SCOPES")
    FakeHubSpot.script = {SEARCH_PATH: [(status, body, {})] * 3}
    waits = Waits()
    with pytest.raises(CrmNotConfigured) as raised:
        crm(hubspot, waits).known_contact("anna_k", None)
    assert waits == [] and len(FakeHubSpot.requests) == 1
    assert raised.value.details[0]["category"] == "MISSING_SCOPES"


def test_a_wrong_token_is_what_the_real_fake_refuses(hubspot: str) -> None:
    with pytest.raises(CrmNotConfigured) as raised:
        crm(hubspot, token="pat-wrong").known_contact("anna_k", None)
    assert raised.value.details[0] == {
        "status": 401,
        "category": "INVALID_AUTHENTICATION",
        "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
        "path": SEARCH_PATH,
    }
    assert "pat-wrong" not in json.dumps(raised.value.details) and "pat-wrong" not in str(raised.value)


def test_an_error_body_is_kept_without_its_message(hubspot: str) -> None:
    invalid = _error('Property values were not valid: "anna@example.de"', "VALIDATION_ERROR")
    FakeHubSpot.script = {TICKETS_PATH: [(400, invalid, {})]}
    with pytest.raises(CrmError) as raised:
        crm(hubspot).create_ticket("Betreff", "Text", contact_id=None)
    assert type(raised.value) is CrmError and len(FakeHubSpot.requests) == 1
    assert raised.value.details[0]["category"] == "VALIDATION_ERROR"
    assert "anna@example.de" not in json.dumps(raised.value.details)


def test_a_ticket_is_created_in_the_pipeline_and_associated_with_the_contact(hubspot: str) -> None:
    ticket_id = crm(hubspot).create_ticket(
        "Spülmeister 3000: Rauch in der Küche", "Beitrag auf X von @anna_k", contact_id="501"
    )
    assert ticket_id == str(9000 + FakeHubSpot.created)
    ((path, auth, body),) = FakeHubSpot.requests
    assert (path, auth) == (TICKETS_PATH, f"Bearer {TOKEN}")
    assert body == {
        "properties": {
            "subject": "Spülmeister 3000: Rauch in der Küche",
            "content": "Beitrag auf X von @anna_k",
            "hs_pipeline": "0",
            "hs_pipeline_stage": "1",
        },
        "associations": [
            {
                "to": {"id": "501"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}],
            }
        ],
    }


def test_a_ticket_without_a_contact_has_no_associations(hubspot: str) -> None:
    crm(hubspot, ticket_pipeline="77", ticket_stage="88").create_ticket("Vorfall", "SEV1", contact_id=None)
    body = FakeHubSpot.requests[0][2]
    assert "associations" not in body
    assert (body["properties"]["hs_pipeline"], body["properties"]["hs_pipeline_stage"]) == ("77", "88")


def test_a_note_is_timestamped_and_associated_with_contact_and_ticket(hubspot: str) -> None:
    note_id = crm(hubspot).add_note("Antwort privat geschickt.", ticket_id="9001", contact_id="501")
    assert note_id == str(9000 + FakeHubSpot.created)
    ((path, _, body),) = FakeHubSpot.requests
    assert path == NOTES_PATH
    assert body == {
        "properties": {
            "hs_note_body": "Antwort privat geschickt.",
            "hs_timestamp": "2026-11-20T14:00:00.000Z",
        },
        "associations": [
            {
                "to": {"id": "501"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
            },
            {
                "to": {"id": "9001"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 228}],
            },
        ],
    }
    crm(hubspot).add_note("Nur am Ticket.", ticket_id="9001", contact_id=None)
    assert [a["to"]["id"] for a in FakeHubSpot.requests[-1][2]["associations"]] == ["9001"]


def test_a_create_retried_after_429_is_sent_once_more_with_the_same_body(hubspot: str) -> None:
    FakeHubSpot.script = {NOTES_PATH: [(429, _error("secondly", "RATE_LIMITS"), {"Retry-After": "1"})]}
    waits = Waits()
    crm(hubspot, waits).add_note("Notiz", ticket_id=None, contact_id="501")
    assert waits == [1.0] and FakeHubSpot.requests[0][2] == FakeHubSpot.requests[1][2]

"""HubSpot as the CRM: is a mention's author a known contact, and tickets and notes for a case.

The documented CRM v3 APIs (https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide and
the pages named in tests/integration/test_hubspot.py): POST /crm/v3/objects/contacts/search,
/crm/v3/objects/tickets and /crm/v3/objects/notes, with associations in the create request. A
private-app token comes from Secrets Manager and goes into the Authorization header only, never into
a log or an error.

Faults, as HubSpot's error-handling page advises: 429 waits `Retry-After` seconds when that is short
(a daily limit is not waited out), 5xx and timeouts retry with exponential backoff and full jitter,
both a bounded number of times; 401 and 403 are a configuration error, raised at once. A create is
retried too: a 5xx after HubSpot stored the object can then leave a duplicate ticket or note, which a
person can merge; a lost one nobody would notice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from chalicelib.domain.errors import AppError
from chalicelib.domain.models import CrmContact
from chalicelib.observability import logger

API_URL = "https://api.hubapi.com"
SEARCH_PATH = "/crm/v3/objects/contacts/search"
TICKETS_PATH = "/crm/v3/objects/tickets"
NOTES_PATH = "/crm/v3/objects/notes"
# HubSpot-defined association type ids (associations v4, "association type IDs").
TICKET_TO_CONTACT = 16
NOTE_TO_CONTACT = 202
NOTE_TO_TICKET = 228
PAGE_SIZE = 10
MAX_PAGES = 3  # a handle names one person; more pages mean a bad filter, not more people
_TOKEN_MAX_AGE_SECONDS = 300
_RETRIED_STATUS = frozenset({423, 429, 500, 502, 503, 504})


class CrmError(AppError):
    """HubSpot refused a request (a 4xx other than 401, 403, 423 and 429): not retried."""

    code = "crm_failed"
    status = 502


class CrmUnavailable(CrmError):
    """HubSpot did not answer in time, or kept answering 429 or 5xx: retried, then given up."""

    code = "crm_unavailable"


class CrmNotConfigured(CrmError):
    """The token is missing, invalid (401) or lacks a scope (403): someone must fix the setup."""

    code = "crm_not_configured"
    status = 500


def secret_token(secret_id: str) -> Callable[[], str]:
    """The private-app token from Secrets Manager through Powertools Parameters, cached 5 minutes
    (as chalicelib/adapters/secrets.py reads the project's other secrets)."""

    def token() -> str:
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_secret(secret_id, max_age=_TOKEN_MAX_AGE_SECONDS)
        except parameters.exceptions.GetParameterError as error:
            raise CrmNotConfigured("the HubSpot token is not configured", [{"secret": secret_id}]) from error
        text = (value.decode() if isinstance(value, bytes) else str(value or "")).strip()
        if not text:
            raise CrmNotConfigured("the HubSpot token is empty", [{"secret": secret_id}])
        return text

    return token


def _normal_handle(handle: str) -> str:
    return handle.strip().removeprefix("@").casefold()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # absent, or an HTTP date: back off instead


def _error_details(response: httpx.Response) -> dict[str, Any]:
    """What HubSpot's error body says, without its message: a validation message can quote the
    values sent (a handle, an email), and those stay out of logs."""
    details: dict[str, Any] = {"status": response.status_code}
    try:
        body = response.json()
    except ValueError:
        return details
    if isinstance(body, dict):
        for key in ("category", "correlationId", "errorType", "policyName"):
            if isinstance(body.get(key), str):
                details[key] = body[key]
    return details


class HubSpotCrm:
    slug = "hubspot"

    def __init__(
        self,
        client: httpx.Client,
        token: Callable[[], str],
        *,
        base_url: str = API_URL,
        handle_property: str = "twitterhandle",
        ticket_pipeline: str = "0",
        ticket_stage: str = "1",
        attempts: int = 3,
        max_retry_after: float = 3.0,
        backoff: float = 0.5,
        timeout: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._handle_property = handle_property
        self._ticket_pipeline = ticket_pipeline
        self._ticket_stage = ticket_stage
        self._attempts = max(1, attempts)
        self._max_retry_after = max_retry_after
        self._backoff = backoff
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock

    # --- the port ------------------------------------------------------------------------------------

    def known_contact(self, handle: str | None, email: str | None) -> CrmContact | None:
        wanted_handle = _normal_handle(handle) if handle else ""
        wanted_email = email.strip().casefold() if email else ""
        if not (wanted_handle or wanted_email):
            return None
        for result in self._search(wanted_handle, wanted_email):
            properties = result.get("properties") or {}
            found_handle = _normal_handle(str(properties.get(self._handle_property) or ""))
            found_email = str(properties.get("email") or "").strip().casefold()
            if (wanted_handle and found_handle == wanted_handle) or (
                wanted_email and found_email == wanted_email
            ):
                return self._contact(result)
        return None

    def create_ticket(self, subject: str, body: str, *, contact_id: str | None) -> str:
        payload: dict[str, Any] = {
            "properties": {
                "subject": subject,
                "content": body,
                "hs_pipeline": self._ticket_pipeline,
                "hs_pipeline_stage": self._ticket_stage,
            }
        }
        if contact_id:
            payload["associations"] = [_association(contact_id, TICKET_TO_CONTACT)]
        return self._created(TICKETS_PATH, payload)

    def add_note(self, body: str, *, ticket_id: str | None, contact_id: str | None) -> str:
        timestamp = self._clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        associations = [
            _association(object_id, type_id)
            for object_id, type_id in ((contact_id, NOTE_TO_CONTACT), (ticket_id, NOTE_TO_TICKET))
            if object_id
        ]
        payload: dict[str, Any] = {"properties": {"hs_note_body": body, "hs_timestamp": timestamp}}
        if associations:
            payload["associations"] = associations
        return self._created(NOTES_PATH, payload)

    # --- HubSpot -------------------------------------------------------------------------------------

    def _search(self, handle: str, email: str) -> Iterator[dict[str, Any]]:
        """Search results page by page (`paging.next.after`) until HubSpot has no next page."""
        groups = []
        if handle:  # stored with or without the "@"; filter groups are ORed
            for value in (handle, f"@{handle}"):
                groups.append(
                    {"filters": [{"propertyName": self._handle_property, "operator": "EQ", "value": value}]}
                )
        if email:
            groups.append({"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]})
        body: dict[str, Any] = {
            "filterGroups": groups,
            "properties": ["firstname", "lastname", "lifecyclestage", "email", self._handle_property],
            "limit": PAGE_SIZE,
        }
        for _ in range(MAX_PAGES):
            page = self._request(SEARCH_PATH, body)
            yield from page.get("results") or []
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            body = {**body, "after": str(after)}

    def _contact(self, result: dict[str, Any]) -> CrmContact:
        properties = result.get("properties") or {}
        name = " ".join(str(properties[key]) for key in ("firstname", "lastname") if properties.get(key))
        return CrmContact(
            contact_id=str(result["id"]),
            name=name or None,
            lifecycle_stage=properties.get("lifecyclestage") or None,
        )

    def _created(self, path: str, payload: dict[str, Any]) -> str:
        created = self._request(path, payload)
        if not created.get("id"):
            raise CrmError("HubSpot answered without an id", [{"path": path}])
        return str(created["id"])

    def _request(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._client.post(
                    f"{self._base_url}{path}", json=payload, headers=headers, timeout=self._timeout
                )
            except httpx.TransportError as error:  # timeouts, refused and reset connections
                failure: dict[str, Any] = {"error": type(error).__name__}
                wait = self._backoff_for(attempt)
            else:
                if response.is_success:
                    body = response.json()
                    return body if isinstance(body, dict) else {}
                failure = _error_details(response)
                if response.status_code in (401, 403):
                    raise CrmNotConfigured("HubSpot refused the token", [{**failure, "path": path}])
                if response.status_code not in _RETRIED_STATUS:
                    raise CrmError("HubSpot refused the request", [{**failure, "path": path}])
                retry_after = _retry_after(response) if response.status_code == 429 else None
                if retry_after is not None and retry_after > self._max_retry_after:
                    raise CrmUnavailable(
                        "HubSpot's rate limit is reached",
                        [{**failure, "path": path, "retry_after": retry_after}],
                    )
                wait = retry_after if retry_after is not None else self._backoff_for(attempt)
            if attempt == self._attempts:
                break
            logger.info("hubspot request retried", path=path, attempt=attempt, wait=round(wait, 2), **failure)
            self._sleep(wait)
        raise CrmUnavailable(
            "HubSpot did not answer", [{**failure, "path": path, "attempts": self._attempts}]
        )

    def _backoff_for(self, attempt: int) -> float:
        return self._rng.uniform(0, self._backoff * 2 ** (attempt - 1))


def _association(object_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": str(object_id)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }

"""DSGVO rules (domain/privacy.py): one key per author however the handle is written, and what of a
draft or a resolved incident is personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.models import CrmRecord, IncidentStatus, TimelineEvent
from chalicelib.domain.privacy import (
    ERASED,
    PSEUDONYM,
    author_key,
    erase_author_from_draft,
    personal_data_due,
    pseudonymise_incident,
)
from tests.contract.builders import incident
from tests.contract.test_drafts import draft

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_an_author_is_one_key_however_the_handle_is_written() -> None:
    assert author_key("x", "@Anna_K") == author_key("X", "anna_k") == "x#anna_k"
    assert author_key("mastodon", "@anna@social.example") == "mastodon#anna@social.example"
    assert author_key("x", None) is None and author_key("x", "@") is None


def test_an_erased_author_is_struck_from_every_version_of_a_draft() -> None:
    # Given a draft answering @Anna_K, which names her in its text and template
    given = draft(
        mention_id="x#1", author_handle="@Anna_K", text="@Anna_K Danke!", template_text="@Anna_K Hallo"
    )

    # When she is erased
    erased = erase_author_from_draft(given, "@Anna_K")

    # Then the draft names her nowhere, and says so where she was
    assert erased.author_handle is None and erased.mention_id is None
    assert erased.text == f"{ERASED} Danke!" and "Anna_K" not in erased.model_dump_json()


def test_a_resolved_incident_keeps_its_figures_and_loses_its_names_after_the_period() -> None:
    # Given an incident resolved 181 days ago with names in its acknowledgement, timeline, roles and CRM case
    case = incident("mueller", "rueckruf", status=IncidentStatus.RESOLVED).model_copy(
        update={
            "resolved_at": NOW - timedelta(days=181),
            "resolved_by": "Jonas Weber",
            "acknowledged_by": "Jonas Weber",
            "assignments": {"Krisenleitung": "jonas-weber"},
            "timeline": (TimelineEvent(at=NOW, kind="note", message="geprüft", actor="Jonas Weber"),),
            "crm": CrmRecord(ticket_id="T-1", ticket_by="Jonas Weber", notes={"x#1": "N-1"}),
        }
    )

    # When the period is 180 days, and again with 365
    due, not_yet = (
        personal_data_due(case, NOW, timedelta(days=180)),
        personal_data_due(case, NOW, timedelta(days=365)),
    )
    result = pseudonymise_incident(case)

    # Then only the 180-day period is over, and the result names nobody but keeps every figure
    assert due and not not_yet
    assert "Jonas" not in result.model_dump_json() and "jonas-weber" not in result.model_dump_json()
    assert result.resolved_by == PSEUDONYM and result.assignments == {}
    assert (result.severity, result.opened_at, result.resolved_at, result.reasons) == (
        case.severity,
        case.opened_at,
        case.resolved_at,
        case.reasons,
    )
    assert result.crm is not None and list(result.crm.notes.values()) == ["N-1"]
    assert pseudonymise_incident(result) == result  # a second run changes nothing


def test_an_active_incident_keeps_its_names() -> None:
    active = incident("mueller", "rueckruf").model_copy(update={"resolved_at": NOW - timedelta(days=999)})
    assert not personal_data_due(active, NOW, timedelta(days=180))

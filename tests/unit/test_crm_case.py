"""Claims that make an incident's CRM ticket and each mention's note be created once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import crm_case
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import Author, Mention
from tests.unit.test_lifecycle import NOW, _incident


def test_a_claim_then_settle_records_the_ticket_once_with_who_and_a_timeline_entry() -> None:
    claimed = crm_case.claim(_incident(), crm_case.TICKET, holder="a", now=NOW)
    assert claimed is not None
    settled = crm_case.settle(
        claimed, crm_case.TICKET, "9001", crm="hubspot", actor="Erika", now=NOW, what="Ticket angelegt"
    )

    assert settled.crm is not None
    assert (settled.crm.ticket_id, settled.crm.ticket_by, settled.crm.claims) == ("9001", "Erika", {})
    assert settled.timeline[-1].message == "Ticket angelegt" and settled.timeline[-1].ref == "9001"
    assert crm_case.claim(settled, crm_case.TICKET, holder="b", now=NOW) is None  # done: nothing to do
    twice = crm_case.settle(settled, crm_case.TICKET, "9002", crm="hubspot", actor="J", now=NOW, what="x")
    assert twice.crm is not None and twice.crm.ticket_id == "9001" and len(twice.timeline) == 1


def test_a_live_claim_of_another_holder_is_a_conflict_until_its_lease_ends() -> None:
    claimed = crm_case.claim(_incident(), "x#1", holder="a", now=NOW)
    assert claimed is not None
    with pytest.raises(Conflict):
        crm_case.claim(claimed, "x#1", holder="b", now=NOW + timedelta(seconds=30))
    assert crm_case.claim(claimed, "x#2", holder="b", now=NOW) is not None  # another mention is free
    taken = crm_case.claim(claimed, "x#1", holder="b", now=NOW + crm_case.CLAIM_LEASE)
    assert taken is not None and taken.crm is not None and taken.crm.claims["x#1"][0] == "b"


def test_only_the_holder_releases_its_claim() -> None:
    claimed = crm_case.claim(_incident(), crm_case.TICKET, holder="a", now=NOW)
    assert claimed is not None
    assert crm_case.release(claimed, crm_case.TICKET, holder="b") is None
    released = crm_case.release(claimed, crm_case.TICKET, holder="a")
    assert released is not None and released.crm is not None and released.crm.claims == {}


def test_the_note_says_what_where_when_and_links_back_and_a_long_text_is_cut() -> None:
    mention = Mention(
        platform="x", native_id="1", brand="mueller", text="A" * 3000, published_at=NOW,
        collected_at=NOW, url="https://x.com/a/status/1", author=Author(handle="@anna_k"), reach=50,
        lang="de", sentiment="negative", sentiment_score=-0.8, expires_at=NOW + timedelta(days=90),
    )  # fmt: skip
    body = crm_case.note_body(mention, "http://localhost:8000/#/incidents/I-1")

    assert body.startswith("Erwähnung auf x von @anna_k, 20.11.2026 15:00 (Berlin):")
    assert "A" * 1999 + "…" in body and "A" * 2000 not in body
    assert body.endswith(
        "Original: https://x.com/a/status/1\nIm Krisenradar öffnen: http://localhost:8000/#/incidents/I-1"
    )

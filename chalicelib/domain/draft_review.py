"""The four-eyes review of a reply draft, as pure functions over `Draft`.

draft -> approved -> published, or rejected. Nobody approves what they wrote or last edited; a draft
with an error-level check cannot be approved; a SEV1 incident's draft needs two approvals by two
different people. Every change is a new version with a revision entry; editing an approved or
rejected draft makes it a draft again and clears its approvals. The repository bumps `version` on
save, so a revision names `draft.version + 1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.drills import NOT_PUBLISHED_NOTE
from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.models import Approval, Draft, DraftCheck, DraftRevision, DraftStatus, Severity

MAX_VERSIONS = 60  # one item holds a draft and its history (DynamoDB: 400 KB); then start a new draft


@dataclass(frozen=True)
class Actor:
    name: str  # as shown
    id: str  # who it is: a person's user id, or the API key of a machine client


class FourEyes(Forbidden):
    code = "four_eyes"


class DraftState(Conflict):
    code = "invalid_draft_state"


class DraftHasErrors(Conflict):
    code = "draft_has_errors"


def required_approvals(severity: Severity) -> int:
    return 2 if severity is Severity.SEV1 else 1


def _revision(
    draft: Draft, change: str, actor: Actor, now: datetime, **fields: Any
) -> tuple[DraftRevision, ...]:
    if draft.version + 1 > MAX_VERSIONS:
        raise DraftState(
            f"a draft keeps at most {MAX_VERSIONS} versions; start a new draft",
            [{"draft_id": draft.draft_id, "version": draft.version}],
        )
    entry = DraftRevision.model_validate(
        {"version": draft.version + 1, "change": change, "by": actor.name, "at": now, **fields}
    )
    return (*draft.revisions, entry)


def _expect(draft: Draft, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != draft.version:
        raise Conflict(
            "the draft changed since you loaded it; reload and try again",
            [{"draft_id": draft.draft_id, "version": draft.version, "expected": expected_version}],
        )


def _state_error(draft: Draft, action: str) -> DraftState:
    return DraftState(
        f"a {draft.status.value} draft cannot be {action}",
        [{"draft_id": draft.draft_id, "status": draft.status.value}],
    )


def edit(
    draft: Draft,
    text: str,
    checks: tuple[DraftCheck, ...],
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None,
) -> Draft:
    """A new text (checked again): approvals no longer apply, so the draft is a draft again."""
    _expect(draft, expected_version)
    if draft.status is DraftStatus.PUBLISHED:
        raise _state_error(draft, "edited")
    if text == draft.text:
        return draft
    return draft.model_copy(
        update={
            "text": text,
            "checks": checks,
            "status": DraftStatus.DRAFT,
            "approvals": (),
            "rejected_by": None,
            "rejected_at": None,
            "rejection_note": None,
            "edited_by": actor.name,
            "edited_by_id": actor.id,
            "edited_at": now,
            "revisions": _revision(draft, "edited", actor, now, text=text),
        }
    )


def approve(
    draft: Draft,
    *,
    actor: Actor,
    severity: Severity,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> Draft:
    """Record an approval; the draft is approved once it has as many as the incident's severity needs.
    Approving again by the same person changes nothing."""
    _expect(draft, expected_version)
    if draft.status not in (DraftStatus.DRAFT, DraftStatus.APPROVED):
        raise _state_error(draft, "approved")
    if actor.id in (draft.created_by_id, draft.edited_by_id):
        raise FourEyes(
            "four eyes: nobody approves a draft they wrote or last edited",
            [{"draft_id": draft.draft_id, "created_by": draft.created_by, "edited_by": draft.edited_by}],
        )
    if draft.has_errors:
        raise DraftHasErrors(
            "the draft fails checks that block approval; edit it first",
            [check.model_dump() for check in draft.checks if check.severity == "error"],
        )
    if any(approval.by_id == actor.id for approval in draft.approvals):
        return draft
    approvals = (
        *draft.approvals,
        Approval(by=actor.name, by_id=actor.id, at=now, version=draft.version + 1, note=note),
    )
    enough = len(approvals) >= required_approvals(severity)
    return draft.model_copy(
        update={
            "approvals": approvals,
            "status": DraftStatus.APPROVED if enough else DraftStatus.DRAFT,
            "revisions": _revision(draft, "approved", actor, now, note=note),
        }
    )


def reject(
    draft: Draft, *, actor: Actor, now: datetime, note: str | None, expected_version: int | None = None
) -> Draft:
    _expect(draft, expected_version)
    if draft.status not in (DraftStatus.DRAFT, DraftStatus.APPROVED):
        raise _state_error(draft, "rejected")
    return draft.model_copy(
        update={
            "status": DraftStatus.REJECTED,
            "approvals": (),
            "rejected_by": actor.name,
            "rejected_at": now,
            "rejection_note": note,
            "revisions": _revision(draft, "rejected", actor, now, note=note),
        }
    )


def publish(
    draft: Draft,
    *,
    actor: Actor,
    severity: Severity,
    now: datetime,
    url: str | None,
    expected_version: int | None = None,
    drill: bool = False,
) -> Draft:
    """Approved -> published. The incident may have become SEV1 since: then a second approval is due.
    Publishing what is published changes nothing (a retry after a lost answer). In a drill the same
    rules hold and the time is recorded (the drill's review measures the first response), but nothing
    is posted: no URL is kept, and the revision says so."""
    if draft.status is DraftStatus.PUBLISHED:
        return draft
    _expect(draft, expected_version)
    if draft.status is not DraftStatus.APPROVED:
        raise _state_error(draft, "published before it is approved")
    needed = required_approvals(severity)
    if len(draft.approvals) < needed:
        raise DraftState(
            f"the incident is {severity.label} now: {needed} approvals by different people are needed",
            [{"draft_id": draft.draft_id, "approvals": len(draft.approvals), "needed": needed}],
        )
    kept_url = None if drill else url
    return draft.model_copy(
        update={
            "posting": None,
            "status": DraftStatus.PUBLISHED,
            "published_by": actor.name,
            "published_at": now,
            "published_url": kept_url,
            "revisions": _revision(draft, "published", actor, now, note=NOT_PUBLISHED_NOTE if drill else url),
        }
    )


POSTABLE_KINDS = ("reply",)  # public replies to a mention; the others go out another way


def claim_post(
    draft: Draft,
    *,
    actor: Actor,
    holder: str,
    severity: Severity,
    now: datetime,
    expected_version: int | None = None,
) -> Draft:
    """Approved -> claimed for posting on the platform by `holder`, with the same checks as publishing.
    A claim already there is a 409: another request is posting it, or posted it and died before it
    could record the post; only a person who looked at the platform can tell (publish with its URL)."""
    if draft.status is DraftStatus.PUBLISHED:
        raise DraftState("the draft is published already", [{"draft_id": draft.draft_id}])
    if draft.posting is not None:
        raise DraftState(
            "the reply is being posted, or was posted and not recorded: check the platform, then "
            "publish with the post's URL",
            [{"draft_id": draft.draft_id, "posting_since": draft.posting[1].isoformat()}],
        )
    if draft.kind not in POSTABLE_KINDS or not draft.mention_id:
        raise DraftState(
            "only a public reply to a mention can be posted by Krisenradar",
            [{"draft_id": draft.draft_id, "kind": draft.kind}],
        )
    # The same state, approval and version checks as publishing; the published copy is not kept.
    publish(draft, actor=actor, severity=severity, now=now, url=None, expected_version=expected_version)
    return draft.model_copy(update={"posting": (holder, now)})


def release_post(draft: Draft, *, holder: str) -> Draft:
    """The claim taken back after the platform refused the post or could not be reached."""
    if draft.posting is None or draft.posting[0] != holder:
        return draft
    return draft.model_copy(update={"posting": None})


def versions(draft: Draft) -> list[dict[str, Any]]:
    """Every version of the draft, oldest first, each with the text it had then."""
    text = ""
    history = []
    for revision in draft.revisions:
        text = revision.text if revision.text is not None else text
        history.append(
            {
                "version": revision.version,
                "change": revision.change,
                "text": text,
                "edited_by": revision.by,
                "edited_at": revision.at,
                "note": revision.note,
            }
        )
    return history

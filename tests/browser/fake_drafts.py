"""Reply drafts in the fake backend: the real templates, checks, recommendation and four-eyes review
(chalicelib/domain) over the fake's incidents, served with the real draft views (api/schemas.py), as
services/drafts.py does over the real repositories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.api import schemas
from chalicelib.domain import draft_review
from chalicelib.domain.crisis import CrisisPlaybook, TemplateContext, VerifiedFact
from chalicelib.domain.drafts import CheckContext, check_text, combination_problems, recommend
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.models import Draft, DraftRevision, Principal, Severity
from chalicelib.services import drafts as draft_service
from tests.browser.fake_data import NOW, as_mention

HIGH_REACH_FOLLOWERS = 50_000  # playbooks/rules.yaml high_reach.min_followers


class DraftRoutes:
    """The draft routes of FakeApi (a mixin: it uses the fake's state, incidents and timeline)."""

    state: dict[str, Any]
    clock: int
    find: Callable[[str], dict[str, Any]]
    playbook_in_use: Callable[[dict[str, Any]], tuple[CrisisPlaybook, bool]]
    record: Callable[[dict[str, Any], str, str, str], datetime]
    params: dict[str, str]
    parse: Callable[..., Any]  # a request body checked with the real model, as the API's parse_json_body

    def now(self) -> datetime:
        """Each change a little later than the one before, as on a real clock."""
        self.clock += 1
        return NOW + timedelta(minutes=1, seconds=self.clock)

    def create_draft(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        """services.drafts.create_draft over the fake's incident: the real template, checks and advice."""
        request = self.parse(schemas.DraftCreate, body)
        found = self.find(incident_id)
        if problems := combination_problems(request.kind, request.channel):
            raise InvalidInput("the draft request is invalid", problems)
        views = {m["mention_id"]: m for m in self.state["mentions"]}
        mention = None
        if request.mention_id is not None:
            if request.mention_id not in views:
                raise InvalidInput(
                    "the draft request is invalid",
                    [{"field": "body.mention_id", "message": "no such mention"}],
                )
            mention = as_mention(views[request.mention_id])
        elif request.kind in draft_service.NEEDS_MENTION:
            raise InvalidInput(
                "the draft request is invalid",
                [{"field": "body.mention_id", "message": f"a {request.kind} answers a mention: name it"}],
            )
        playbook, _ = self.playbook_in_use(found)
        verified = [f for f in self.state["desk"][incident_id]["facts"] if f["verified"]]
        draft_request = draft_service.DraftRequest(**request.model_dump())
        context = TemplateContext(
            brand=found["brand_name"],
            incident_title=request.incident_title
            or playbook.title.get(request.language)
            or playbook.title.de,
            author_handle=mention.author.handle if mention else None,
            facts=tuple(VerifiedFact(text=f["text"], verified_by=f["verified_by"]) for f in verified),
            contact=request.contact,
            next_update=request.next_update,
        )
        text = draft_service.render_text(playbook, draft_request, context)
        top = [as_mention(view) for view in self.state["mentions"][:2]]
        actor = draft_service.actor_of(principal.name, principal.user_id, principal.key_id)
        now = self.now()
        draft = Draft(
            draft_id=f"DRF-{now:%Y%m%d}-{self.clock:08X}",
            incident_id=incident_id,
            brand=found["brand"],
            kind=request.kind,
            channel=request.channel,
            language=request.language,
            address=request.address,
            mention_id=mention.mention_id if mention else None,
            author_handle=mention.author.handle if mention else None,
            playbook_id=playbook.id,
            template_text=text,
            text=text,
            recommendation=recommend(
                mention,
                severity=Severity.parse(found["severity"]),
                media_involved=any(m.author.is_media for m in top),
                high_reach_followers=HIGH_REACH_FOLLOWERS,
            ),
            created_by=actor.name,
            created_by_id=actor.id,
            created_at=now,
            edited_by=actor.name,
            edited_by_id=actor.id,
            edited_at=now,
            revisions=(DraftRevision(version=1, change="created", by=actor.name, at=now, text=text),),
        )
        draft = draft.model_copy(update={"checks": self.checks(draft, text)})
        return 201, schemas.draft_detail(self.state["drafts"].create(draft))

    def checks(self, draft: Draft, text: str) -> tuple[Any, ...]:
        """The real checks; the fake has no language model, so the language is not detected."""
        found = self.find(draft.incident_id)
        facts = tuple(f["text"] for f in self.state["desk"][draft.incident_id]["facts"] if f["verified"])
        context = CheckContext(
            kind=draft.kind,
            channel=draft.channel,
            language=draft.language,
            address=draft.address,
            verified_facts=facts,
            backed=(draft.template_text, found["brand_name"], found["title"], draft.author_handle or ""),
        )
        return check_text(text, context)

    def list_drafts(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        page = schemas.PageQuery.model_validate(self.params)
        self.find(incident_id)
        items = self.state["drafts"].for_incident(incident_id)[: page.limit]
        return 200, {"items": [schemas.draft_view(d) for d in items], "next_token": None}

    def get_draft(self, principal: Principal, body: Any, draft_id: str) -> tuple[int, Any]:
        return 200, schemas.draft_detail(self.state["drafts"].get(draft_id))

    def review(
        self, principal: Principal, draft_id: str, change: Callable[[Draft, Severity, Any, datetime], Draft]
    ) -> Draft:
        draft = self.state["drafts"].get(draft_id)
        severity = Severity.parse(self.find(draft.incident_id)["severity"])
        actor = draft_service.actor_of(principal.name, principal.user_id, principal.key_id)
        changed = change(draft, severity, actor, self.now())
        return draft if changed is draft else self.state["drafts"].save(changed)

    def edit_draft(self, principal: Principal, body: Any, draft_id: str) -> tuple[int, Any]:
        edit = self.parse(schemas.DraftEdit, body)
        draft = self.review(
            principal,
            draft_id,
            lambda d, _, actor, now: draft_review.edit(
                d, edit.text, self.checks(d, edit.text), actor=actor, now=now, expected_version=edit.version
            ),
        )
        return 200, schemas.draft_detail(draft)

    def approve_draft(self, principal: Principal, body: Any, draft_id: str) -> tuple[int, Any]:
        decision = self.parse(schemas.DraftDecision, body, required=False)
        draft = self.review(
            principal,
            draft_id,
            lambda d, severity, actor, now: draft_review.approve(
                d,
                actor=actor,
                severity=severity,
                now=now,
                note=decision.note,
                expected_version=decision.version,
            ),
        )
        return 200, schemas.draft_detail(draft)

    def reject_draft(self, principal: Principal, body: Any, draft_id: str) -> tuple[int, Any]:
        decision = self.parse(schemas.DraftDecision, body, required=False)
        draft = self.review(
            principal,
            draft_id,
            lambda d, _, actor, now: draft_review.reject(
                d, actor=actor, now=now, note=decision.note, expected_version=decision.version
            ),
        )
        return 200, schemas.draft_detail(draft)

    def publish_draft(self, principal: Principal, body: Any, draft_id: str) -> tuple[int, Any]:
        """Published, and the incident's timeline says so (services.drafts.publish_draft)."""
        request = self.parse(schemas.DraftPublish, body, required=False)
        draft = self.review(
            principal,
            draft_id,
            lambda d, severity, actor, now: draft_review.publish(
                d, actor=actor, severity=severity, now=now, url=request.url, expected_version=request.version
            ),
        )
        found = self.find(draft.incident_id)
        if draft.draft_id not in self.state["published"]:  # once, as the real timeline entry's ref
            self.state["published"].add(draft.draft_id)
            message = (
                f"Stellungnahme veröffentlicht: {draft_service.KIND_LABELS[draft.kind]} auf {draft.channel}"
            )
            if draft.published_url:
                message += f" ({draft.published_url})"
            self.record(found, "statement_published", message, draft.published_by or principal.name)
        return 200, schemas.draft_detail(draft)

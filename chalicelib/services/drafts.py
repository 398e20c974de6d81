"""Reply drafts: written from the incident's crisis playbook and its verified facts, checked, approved by
four eyes, published, and recorded in the incident's timeline.

Templates alone write the text. Rephrasing with a language model (Bedrock) is left out on purpose:
it would need its own review of what the model may change, and the checks here would have to hold
for its output too.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from chalicelib.domain import draft_review
from chalicelib.domain.draft_review import Actor
from chalicelib.domain.drafts import (
    CheckContext,
    channel_limit,
    check_text,
    combination_problems,
    known_customer_matters,
    recommend,
)
from chalicelib.domain.drills import NOT_PUBLISHED_NOTE
from chalicelib.domain.errors import Conflict, DeliveryFailed, InvalidInput
from chalicelib.domain.messages import brand_display_name
from chalicelib.domain.models import (
    Draft,
    DraftAddress,
    DraftChannel,
    DraftKind,
    DraftRevision,
    DraftStatus,
    Incident,
    Mention,
    Page,
    Recommendation,
    Severity,
    TimelineEvent,
)
from chalicelib.observability import count_failure, logger
from chalicelib.ports import (
    Crm,
    DraftRepository,
    IncidentRepository,
    MentionRepository,
    Publisher,
    TextAnalyzer,
)
from chalicelib.services.incidents import edit_desk, playbook_in_use

if TYPE_CHECKING:  # jinja2 and the playbooks load only where a draft is written (cold start)
    from chalicelib.domain.crisis import Address, Channel, CrisisLibrary, CrisisPlaybook, TemplateContext

NEEDS_MENTION: frozenset[str] = frozenset({"reply", "private_message"})
MAX_FACTS = 10  # what a template context holds
TEMPLATE_CHANNELS: dict[str, Channel] = {
    "reply": "public_reply",
    "private_message": "private_message",
    "press_statement": "press_statement",
}
KIND_LABELS = {
    "reply": "Antwort",
    "private_message": "Direktnachricht",
    "holding_statement": "Erste Stellungnahme",
    "press_statement": "Pressestatement",
}


@dataclass(frozen=True)
class DraftRequest:
    kind: DraftKind
    channel: DraftChannel
    language: Literal["de", "en"]
    address: DraftAddress
    mention_id: str | None = None
    incident_title: str | None = None  # the matter in plain words; default: the playbook's title
    contact: str | None = None
    next_update: str | None = None


def actor_of(name: str, user_id: str | None, key_id: str) -> Actor:
    """A person acts as their user id, whatever key they use; a machine client as its key."""
    return Actor(name=name, id=user_id or f"key:{key_id}")


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput("the draft request is invalid", [{"field": field, "message": message}])


def _answered_mention(request: DraftRequest, incident: Incident, drafts: DraftRepository) -> Mention | None:
    if request.mention_id is None:
        if request.kind in NEEDS_MENTION:
            raise _bad("body.mention_id", f"a {request.kind} answers a mention: name it")
        return None
    mention = drafts.mention(request.mention_id)
    if mention is None:
        raise _bad("body.mention_id", "no such mention")
    if mention.brand != incident.brand:
        raise _bad("body.mention_id", "the mention is about another brand than the incident")
    return mention


def _context(
    incident: Incident, playbook: CrisisPlaybook, request: DraftRequest, mention: Mention | None
) -> TemplateContext:
    from pydantic import ValidationError

    from chalicelib.domain.crisis import TemplateContext, VerifiedFact

    verified = [fact for fact in incident.facts if fact.verified_by is not None][:MAX_FACTS]
    if too_long := [fact.fact_id for fact in verified if len(fact.text) > 500]:
        raise _bad("facts", f"verified facts longer than 500 characters cannot go into a text: {too_long}")
    lang = request.language
    try:
        return TemplateContext(
            brand=brand_display_name(incident),
            incident_title=request.incident_title or playbook.title.get(lang) or playbook.title.de,
            author_handle=mention.author.handle if mention else None,
            facts=tuple(VerifiedFact(text=f.text, verified_by=f.verified_by or "") for f in verified),
            contact=request.contact,
            next_update=request.next_update,
        )
    except ValidationError as error:
        raise _bad("body", str(error.errors(include_url=False)[0]["msg"])) from error


def render_text(playbook: CrisisPlaybook, request: DraftRequest, context: TemplateContext) -> str:
    """The playbook's text for this kind, address and language; a reply takes the short variant when
    the standard one does not fit the channel."""
    from chalicelib.domain.crisis import render

    if request.language not in playbook.languages:
        raise _bad("body.language", f"the playbook {playbook.id} is written in {list(playbook.languages)}")
    address: Address = "sie" if request.address == "Sie" else "du"
    lang = request.language
    if request.kind == "holding_statement":
        return render(playbook.holding_statement(address).text.get(lang) or "", context)
    if request.kind == "press_statement" and address != "sie":
        raise _bad("body.address", "press statements are formal: Sie")
    channel: Channel = TEMPLATE_CHANNELS[request.kind]
    template = playbook.reply(channel, address)
    if template is None:
        raise _bad("body.kind", f"the playbook {playbook.id} has no {request.kind} for {request.address}")
    text = render(template.text.get(lang) or "", context)
    limit = channel_limit(request.kind, request.channel)
    short = playbook.reply(channel, address, "short")
    if limit is not None and len(text) > limit and short is not None:
        return render(short.text.get(lang) or "", context)
    return text


def _is_known_customer(mention: Mention, crm: Crm) -> bool:
    """Whether the author is a contact in the CRM. The CRM only enriches: when it fails, the draft is
    recommended as without one, and the failure is logged and counted (alarm on CrmLookupFailed)."""
    if not mention.author.handle:
        return False
    try:
        return crm.known_contact(mention.author.handle, None) is not None
    except Exception as error:  # whatever the CRM does, the desk still gets its draft
        logger.warning(
            "crm lookup failed",
            crm=crm.slug,
            error=type(error).__name__,
            details=getattr(error, "details", None),
        )
        count_failure("CrmLookupFailed", "crm", crm.slug)
        return False


def _recommendation(
    mention: Mention | None,
    *,
    severity: Severity,
    media_involved: bool,
    high_reach_followers: int,
    crm: Crm | None,
) -> Recommendation:
    """The channel to recommend; the CRM is asked only when its answer could change it."""
    first = recommend(
        mention, severity=severity, media_involved=media_involved, high_reach_followers=high_reach_followers
    )
    if crm is None or mention is None or not known_customer_matters(first):
        return first
    if not _is_known_customer(mention, crm):
        return first
    return recommend(
        mention,
        severity=severity,
        media_involved=media_involved,
        high_reach_followers=high_reach_followers,
        known_customer=True,
    )


def _check(draft: Draft, incident: Incident, text: str, analyzer: TextAnalyzer) -> Draft:
    facts = tuple(fact.text for fact in incident.facts if fact.verified_by is not None)
    backed = (draft.template_text, brand_display_name(incident), incident.title, draft.author_handle or "")
    context = CheckContext(
        kind=draft.kind,
        channel=draft.channel,
        language=draft.language,
        address=draft.address,
        verified_facts=facts,
        backed=backed,
        detected_language=analyzer.analyze(text).lang,
    )
    return draft.model_copy(update={"checks": check_text(text, context)})


def create_draft(
    incident_id: str,
    request: DraftRequest,
    *,
    incidents: IncidentRepository,
    mentions: MentionRepository,
    drafts: DraftRepository,
    library: CrisisLibrary,
    analyzer: TextAnalyzer,
    high_reach_followers: int,
    window_minutes: int,
    actor: Actor,
    now: datetime,
    crm: Crm | None = None,
) -> Draft:
    incident = incidents.get(incident_id)
    if problems := combination_problems(request.kind, request.channel):
        raise InvalidInput("the draft request is invalid", problems)
    mention = _answered_mention(request, incident, drafts)
    playbook = playbook_in_use(incident, library).playbook
    text = render_text(playbook, request, _context(incident, playbook, request, mention))
    since = incident.first_signal_at - timedelta(minutes=window_minutes)
    top = mentions.top_for_incident(incident.brand, since, incident.resolved_at or now, 10)
    recommendation = _recommendation(
        mention,
        severity=incident.severity,
        media_involved=any(m.author.is_media for m in top),
        high_reach_followers=high_reach_followers,
        crm=crm,
    )
    draft = Draft(
        draft_id=f"DRF-{now:%Y%m%d}-{secrets.token_hex(4).upper()}",
        incident_id=incident.incident_id,
        brand=incident.brand,
        kind=request.kind,
        channel=request.channel,
        language=request.language,
        address=request.address,
        mention_id=mention.mention_id if mention else None,
        author_handle=mention.author.handle if mention else None,
        playbook_id=playbook.id,
        template_text=text,
        text=text,
        recommendation=recommendation,
        created_by=actor.name,
        created_by_id=actor.id,
        created_at=now,
        edited_by=actor.name,
        edited_by_id=actor.id,
        edited_at=now,
        revisions=(DraftRevision(version=1, change="created", by=actor.name, at=now, text=text),),
    )
    return drafts.create(_check(draft, incident, text, analyzer))


def list_drafts(
    incident_id: str,
    *,
    incidents: IncidentRepository,
    drafts: DraftRepository,
    limit: int,
    next_token: str | None,
) -> Page[Draft]:
    incidents.get(incident_id)  # 404 for an unknown incident, not an empty list
    return drafts.list_for_incident(incident_id, limit=limit, next_token=next_token)


SAVE_ATTEMPTS = 5


def _update(
    draft_id: str,
    change: Callable[[Draft, Incident], Draft],
    *,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    expected_version: int | None,
) -> tuple[Draft, Incident]:
    """Apply `change` to the latest version and save it unless it changed nothing. Two approvers at
    once do not conflict in what they mean: re-read and apply again, unless the caller acted on a
    version it names (then 409)."""
    for attempt in range(SAVE_ATTEMPTS):
        draft = drafts.get(draft_id)
        incident = incidents.get(draft.incident_id)
        changed = change(draft, incident)
        if changed is draft:
            return draft, incident
        try:
            return drafts.save(changed), incident
        except Conflict:
            if expected_version is not None or attempt == SAVE_ATTEMPTS - 1:
                raise
            logger.info("draft changed concurrently, retrying", draft_id=draft_id, attempt=attempt)
    raise AssertionError("unreachable")


def edit_draft(
    draft_id: str,
    text: str,
    *,
    expected_version: int,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    analyzer: TextAnalyzer,
    actor: Actor,
    now: datetime,
) -> Draft:
    def change(draft: Draft, incident: Incident) -> Draft:
        checks = _check(draft, incident, text, analyzer).checks
        return draft_review.edit(draft, text, checks, actor=actor, now=now, expected_version=expected_version)

    return _update(draft_id, change, drafts=drafts, incidents=incidents, expected_version=expected_version)[0]


def approve_draft(
    draft_id: str,
    *,
    note: str | None,
    expected_version: int | None,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    actor: Actor,
    now: datetime,
) -> Draft:
    def change(draft: Draft, incident: Incident) -> Draft:
        return draft_review.approve(
            draft,
            actor=actor,
            severity=incident.severity,
            now=now,
            note=note,
            expected_version=expected_version,
        )

    return _update(draft_id, change, drafts=drafts, incidents=incidents, expected_version=expected_version)[0]


def reject_draft(
    draft_id: str,
    *,
    note: str | None,
    expected_version: int | None,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    actor: Actor,
    now: datetime,
) -> Draft:
    def change(draft: Draft, incident: Incident) -> Draft:
        return draft_review.reject(draft, actor=actor, now=now, note=note, expected_version=expected_version)

    return _update(draft_id, change, drafts=drafts, incidents=incidents, expected_version=expected_version)[0]


def publish_draft(
    draft_id: str,
    *,
    url: str | None,
    expected_version: int | None,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    actor: Actor,
    now: datetime,
) -> Draft:
    """Mark the approved draft published, then record it in the incident's timeline once (a retry
    after a failure in between records it then)."""

    def change(draft: Draft, incident: Incident) -> Draft:
        return draft_review.publish(
            draft,
            actor=actor,
            severity=incident.severity,
            now=now,
            url=url,
            expected_version=expected_version,
            drill=incident.drill_id is not None,
        )

    published, incident = _update(
        draft_id, change, drafts=drafts, incidents=incidents, expected_version=expected_version
    )
    ref = f"draft:{published.draft_id}"
    label = KIND_LABELS[published.kind]
    event = TimelineEvent(
        at=published.published_at or now,
        kind="statement_published",
        message=(
            f"{NOT_PUBLISHED_NOTE}: {label} auf {published.channel} (Stellungnahme freigegeben)"
            if incident.drill_id
            else f"Stellungnahme veröffentlicht: {label} auf {published.channel}"
            + (f" ({published.published_url})" if published.published_url else "")
        ),
        actor=published.published_by,
        ref=ref,
    )

    def record(incident: Incident) -> Incident:
        if any(entry.ref == ref for entry in incident.timeline):
            return incident
        return incident.model_copy(update={"timeline": (*incident.timeline, event), "updated_at": now})

    edit_desk(published.incident_id, record, incidents=incidents)
    return published


PublisherFor = Callable[[str, str], Publisher | None]  # (brand, platform) -> the brand's account there


def post_and_publish(
    draft_id: str,
    *,
    expected_version: int | None,
    publisher_for: PublisherFor,
    drafts: DraftRepository,
    incidents: IncidentRepository,
    actor: Actor,
    now: datetime,
) -> Draft:
    """Post the approved reply on the mention's platform as the brand's account, then publish the draft
    with the post's URL. The draft is claimed before the platform is called, so two clicks post once;
    a refused or failed post releases the claim (DeliveryRejected / DeliveryFailed), and a claim left by
    a function that died after posting stays until a person publishes with the URL. In a drill nothing
    is posted: the draft is published as a drill's always is."""
    draft = drafts.get(draft_id)
    if draft.status is DraftStatus.PUBLISHED:
        return draft  # a retry after a lost answer: posted once, nothing more
    incident = incidents.get(draft.incident_id)
    if incident.drill_id is not None:
        return publish_draft(
            draft_id, url=None, expected_version=expected_version, drafts=drafts, incidents=incidents,
            actor=actor, now=now,
        )  # fmt: skip
    platform, _, native_id = (draft.mention_id or "").partition("#")
    publisher = publisher_for(draft.brand, platform) if native_id else None
    if publisher is None:
        raise InvalidInput(
            "Krisenradar cannot post on this platform for this brand: publish by hand and give the URL",
            [
                {
                    "field": "body.post",
                    "message": f"no publisher for {platform or 'this draft'} and {draft.brand}",
                }
            ],
        )
    holder = uuid.uuid4().hex

    def claim(latest: Draft, incident: Incident) -> Draft:
        return draft_review.claim_post(
            latest, actor=actor, holder=holder, severity=incident.severity, now=now,
            expected_version=expected_version,
        )  # fmt: skip

    claimed, _ = _update(
        draft_id, claim, drafts=drafts, incidents=incidents, expected_version=expected_version
    )
    try:
        posted = publisher.reply(in_reply_to=native_id, text=claimed.text)
    except DeliveryFailed:
        _update(
            draft_id,
            lambda latest, _incident: draft_review.release_post(latest, holder=holder),
            drafts=drafts,
            incidents=incidents,
            expected_version=None,
        )
        raise
    logger.info("reply posted", draft_id=draft_id, platform=platform)
    return publish_draft(
        draft_id,
        url=posted.url,
        expected_version=None,
        drafts=drafts,
        incidents=incidents,
        actor=actor,
        now=now,
    )

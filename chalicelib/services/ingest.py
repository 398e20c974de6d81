"""Enrich raw mentions (language, sentiment, risk terms, topics) and store each exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.analysis.risk_terms import RiskMatcher, fold, topics_for
from chalicelib.domain.models import Mention, RawMention
from chalicelib.domain.playbook import Playbook
from chalicelib.ports import MentionRepository, TextAnalyzer


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0

    def add(self, other: IngestResult) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.skipped += other.skipped


class Enricher:
    """Turns a RawMention into the Mention we store; minimises author data (DSGVO)."""

    def __init__(
        self,
        *,
        analyzer: TextAnalyzer,
        playbook: Playbook,
        retention: timedelta,
        clock: Callable[[], datetime],
        future_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        self._analyzer = analyzer
        self._playbook = playbook
        self._risk = RiskMatcher(playbook.risk_terms)
        self._retention = retention
        self._clock = clock
        self._future_skew = future_skew

    def is_relevant(self, raw: RawMention) -> bool:
        # A drill's mentions name its shadow brand; only its replay source writes them (POST /ingest
        # refuses such brands), and they are judged by the real brand's exclusions and own handles.
        brand = self._playbook.brand_or_drill(raw.brand)
        if brand is None or raw.published_at > self._clock() + self._future_skew:
            return False  # a post dated ahead of our clock would escape retention
        handle = (raw.author.handle or "").lower()
        if handle and handle in {h.lower() for h in brand.owned_handles}:
            return False  # the brand's own posts are not mentions of it
        text = fold(raw.text)
        return not any(fold(phrase) in text for phrase in brand.exclude)

    def enrich(self, raw: RawMention) -> Mention:
        analysis = self._analyzer.analyze(raw.text)
        hits = self._risk.find(raw.text, analysis.lang)
        reach = max(raw.reach, raw.author.followers)
        high_reach = (
            raw.author.is_media or raw.author.followers >= self._playbook.rules.high_reach.min_followers
        )
        collected_at = self._clock()
        return Mention(
            platform=raw.platform,
            native_id=raw.native_id,
            brand=raw.brand,
            text=raw.text,
            published_at=raw.published_at,
            collected_at=collected_at,
            url=raw.url,
            author=raw.author,
            reach=reach,
            lang=analysis.lang,
            sentiment=analysis.sentiment,
            sentiment_score=analysis.score,
            negativity=analysis.negativity,
            arousal=analysis.arousal,
            first_person_singular=analysis.first_person_singular,
            risk_terms=tuple(hit.term for hit in hits),
            topics=topics_for(raw.text, hits),
            high_reach=high_reach,
            risk_weight=max((hit.weight for hit in hits), default=0),
            # Retention runs from when the post was written, never from a date we have not reached yet.
            expires_at=min(raw.published_at, collected_at) + self._retention,
            engagement=raw.engagement,
            thread_id=raw.thread_id,
        )


def ingest(raws: Iterable[RawMention], *, enricher: Enricher, mentions: MentionRepository) -> IngestResult:
    """Store each relevant mention once, as one unit of work; a mention stored before is a duplicate."""
    result = IngestResult()
    enriched = []
    for raw in raws:
        if enricher.is_relevant(raw):
            enriched.append(enricher.enrich(raw))
        else:
            result.skipped += 1
    result.stored = mentions.store_all(enriched) if enriched else 0
    result.duplicates = len(enriched) - result.stored
    return result

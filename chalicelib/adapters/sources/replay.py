"""The demo replay source: a calm baseline backfilled into the past, then a storm played live.

It is a real pull source: its cursor (start time and position) is stored like any other, so a
restarted local stack continues where it stopped and never replays what it already delivered.
Every mention has a deterministic native id, so storing it twice is impossible anyway.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
_BASELINE_PAGE = 250


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaselineTemplate(_Strict):
    lang: Literal["de", "en"] = "de"
    text: str


class Baseline(_Strict):
    days: int = Field(ge=0, le=28)
    per_hour: float = Field(gt=0, le=100)
    seed: int = 0
    templates: tuple[BaselineTemplate, ...] = Field(min_length=1)


class StormPost(_Strict):
    story_minute: float = Field(ge=0)
    handle: str
    followers: int = Field(ge=0)
    text: str
    lang: Literal["de", "en"] = "de"
    media: bool = False
    platform: str = "x"


class Scenario(_Strict):
    title: str
    baseline: Baseline
    storm: tuple[StormPost, ...]


def scenario_names() -> list[str]:
    """The scenarios a demo or a drill can play (the files in scenarios/)."""
    return sorted(path.stem for path in SCENARIOS.glob("*.yaml"))


@lru_cache(maxsize=4)
def load_scenario(name: str) -> Scenario:
    path = SCENARIOS / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown demo scenario {name!r}")
    with path.open(encoding="utf-8") as handle:
        return Scenario.model_validate(yaml.safe_load(handle))


def _hourly_weight(hour: int) -> float:
    """A daily rhythm: little at night, most in the evening."""
    return 0.15 if hour < 6 else 0.8 if hour < 12 else 1.1 if hour < 18 else 1.6


def baseline_mentions(
    scenario: Scenario, brand: str, started_at: datetime, id_prefix: str = "demo"
) -> list[RawMention]:
    spec = scenario.baseline
    rng = random.Random(spec.seed)
    mentions: list[RawMention] = []
    start = started_at - timedelta(days=spec.days)
    hour = start.replace(minute=0, second=0, microsecond=0)
    index = 0
    while hour < started_at - timedelta(hours=1):
        expected = spec.per_hour * _hourly_weight(hour.hour)
        for _ in range(_poisson(rng, expected)):
            template = rng.choice(spec.templates)
            mentions.append(
                RawMention(
                    platform="x",
                    native_id=f"{id_prefix}-baseline-{index}",
                    brand=brand,
                    text=template.text,
                    published_at=hour + timedelta(seconds=rng.randrange(3600)),
                    author=Author(
                        handle=f"@kunde_{rng.randrange(10_000):04d}", followers=rng.randrange(20, 900)
                    ),
                    reach=0,
                )
            )
            index += 1
        hour += timedelta(hours=1)
    return mentions


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of a calm baseline.
    limit, product, count = pow(2.718281828459045, -mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


class ReplaySource:
    """`started_at`: when the story starts (default: the first fetch); `id_prefix` keeps the native
    ids of one play apart from another's (a drill replays the demo beside it)."""

    slug = "replay"

    def __init__(
        self,
        config: SourceConfig,
        brand: Brand,
        *,
        started_at: datetime | None = None,
        id_prefix: str = "demo",
    ) -> None:
        self.source_id = config.id
        self._started_at = started_at
        self._id_prefix = id_prefix
        self.poll_seconds = int(config.options.get("poll_seconds", 30))
        self._brand = brand.id
        self._scenario = load_scenario(str(config.options.get("scenario", "mueller_rueckruf")))
        self._speed = float(config.options.get("speed", 120))
        if self._speed <= 0:
            raise ValueError(f"source {config.id}: speed must be positive")

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        start = (self._started_at or now).isoformat()
        cursor = dict(cursor or {"started_at": start, "baseline_sent": 0, "position": 0})
        started_at = datetime.fromisoformat(cursor["started_at"])
        baseline = baseline_mentions(self._scenario, self._brand, started_at, self._id_prefix)
        sent = int(cursor["baseline_sent"])
        if sent < len(baseline):
            page = baseline[sent : sent + _BASELINE_PAGE]
            cursor["baseline_sent"] = sent + len(page)
            return FetchResult(page, cursor, exhausted=False)
        position = int(cursor["position"])
        due: list[RawMention] = []
        for index, post in enumerate(self._scenario.storm[position:], start=position):
            at = started_at + timedelta(minutes=post.story_minute / self._speed)
            if at > now:
                break
            due.append(self._storm_mention(index, post, at))
        cursor["position"] = position + len(due)
        return FetchResult(due, cursor)

    def _storm_mention(self, index: int, post: StormPost, at: datetime) -> RawMention:
        return RawMention(
            platform=post.platform,
            native_id=f"{self._id_prefix}-storm-{index}",
            brand=self._brand,
            text=post.text,
            published_at=at,
            url=f"https://example.invalid/{post.platform}/{post.handle.lstrip('@')}/{index}",
            author=Author(handle=post.handle, followers=post.followers, is_media=post.media),
            reach=post.followers,
        )

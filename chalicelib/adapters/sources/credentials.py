"""Platform credentials: one Secrets Manager secret per platform, a JSON object of strings.

    krisenradar/<stage>/sources/<slug>            e.g. krisenradar/prod/sources/x = {"bearer_token": "..."}

The CDK app creates an empty placeholder for each platform (infra/data.py) and lets only the collect
function read the `sources/` prefix. A second account of one platform (another Facebook page with its
own page token) names its own secret under the same prefix in the playbook: `options.secret:
facebook-mueller-service`. Read through Powertools Parameters and cached for five minutes, as
adapters/secrets.py reads the project's other secrets. Values are never logged nor put in errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import SourceMisconfigured
from chalicelib.domain.playbook import SourceConfig

MAX_AGE_SECONDS = 300
# The platforms whose adapters need credentials: the CDK app creates one placeholder secret each.
PLATFORMS_WITH_CREDENTIALS = (
    "x",
    "bluesky",
    "mastodon",
    "reddit",
    "facebook",
    "instagram",
    "youtube",
    "linkedin",
    "google_reviews",
    "trustpilot",
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def source_secret_prefix(stage: str) -> str:
    return f"krisenradar/{stage}/sources/"


def source_secret_name(stage: str, name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"invalid source secret name {name!r}")
    return f"{source_secret_prefix(stage)}{name}"


def _powertools_secret(secret_id: str) -> Any:
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(secret_id, max_age=MAX_AGE_SECONDS)


class SourceSecrets:
    """Reads a source's credentials when it runs, so a missing secret fails that source (counted as
    misconfigured), not the cold start. `fetch` is Powertools' cached get_secret; tests pass a dict's."""

    def __init__(self, stage: str, fetch: Callable[[str], Any] = _powertools_secret) -> None:
        self._stage = stage
        self._fetch = fetch

    def for_source(self, config: SourceConfig, *required: str) -> Mapping[str, str]:
        """The credentials of one configured source: `options.secret`, else its platform's secret.
        SourceMisconfigured when the secret is missing, not a JSON object, or lacks a required key."""
        name = str(config.options.get("secret") or config.type)
        secret_id = source_secret_name(self._stage, name)
        try:
            raw = self._fetch(secret_id)
        except Exception as error:  # GetParameterError and its causes: absent, no permission, throttled
            raise SourceMisconfigured(
                f"{config.id}: the credentials are not readable", [{"secret": secret_id}]
            ) from error
        values = _as_object(raw)
        if values is None:
            raise SourceMisconfigured(
                f"{config.id}: the credentials secret is not a JSON object", [{"secret": secret_id}]
            )
        missing = [key for key in required if not values.get(key)]
        if missing:
            raise SourceMisconfigured(
                f"{config.id}: the credentials secret lacks keys", [{"secret": secret_id, "missing": missing}]
            )
        return values


def _as_object(raw: Any) -> dict[str, str] | None:
    if isinstance(raw, bytes):
        raw = raw.decode(errors="replace")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict):
        return None
    return {str(key): str(value) for key, value in raw.items() if value is not None}

"""Reads `playbooks/` into the validated Playbook model (once per cold start)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.domain.integrations import IntegrationsConfig
from chalicelib.domain.playbook import Playbook

FILES = {
    "brands": "brands.yaml",
    "sources": "sources.yaml",
    "team": "team.yaml",
    "rules": "rules.yaml",
    "risk_terms": "risk_terms.yaml",
}


class PlaybookError(Exception):
    """A playbook file is missing or does not match the schema."""


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise PlaybookError(f"{path}: missing") from exc
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{path}: not valid YAML: {exc}") from exc


def load_playbook(directory: Path) -> Playbook:
    document: dict[str, Any] = {}
    for key, name in FILES.items():
        content = _read(directory / name)
        if key in ("brands", "sources"):
            content = (content or {}).get(key, [])
        document[key] = content
    try:
        return Playbook.model_validate(document)
    except ValidationError as exc:
        raise PlaybookError(f"{directory}: {exc}") from exc


@lru_cache(maxsize=4)
def cached_playbook(directory: Path) -> Playbook:
    return load_playbook(directory)


def load_integrations(directory: Path, name: str = "integrations.yaml") -> IntegrationsConfig:
    """`integrations.yaml`: optional; without it, nothing but SMS, email and the SQS copy is sent."""
    path = directory / name
    if not name or not path.is_file():
        return IntegrationsConfig()
    try:
        return IntegrationsConfig.model_validate(_read(path) or {})
    except ValidationError as exc:
        raise PlaybookError(f"{path}: {exc}") from exc

"""Reads `playbooks/crisis/` into the validated CrisisLibrary (once per cold start).

One YAML file per crisis playbook, named after its id; files starting with `_` are shared
(`_references.yaml`). Loading fails loudly: a schema error, a risk category that risk_terms.yaml
does not define, or a template that does not render cleanly with the sample contexts.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.adapters.playbooks import PlaybookError
from chalicelib.domain.crisis import (
    CrisisLibrary,
    CrisisPlaybook,
    template_problems,
    unknown_risk_categories,
)

CRISIS_DIR = "crisis"
REFERENCES_FILE = "_references.yaml"
# libyaml parses these files about ten times faster than the pure-Python loader (cold start).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CrisisPlaybookError(PlaybookError):
    """A crisis playbook is missing, does not match the schema, or a template does not render."""


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_LOADER)
    except FileNotFoundError as exc:
        raise CrisisPlaybookError(f"{path}: missing") from exc
    except yaml.YAMLError as exc:
        raise CrisisPlaybookError(f"{path}: not valid YAML: {exc}") from exc


def _load_one(path: Path) -> CrisisPlaybook:
    try:
        playbook = CrisisPlaybook.model_validate(_read(path))
    except ValidationError as exc:
        raise CrisisPlaybookError(f"{path}: {exc}") from exc
    if playbook.id != path.stem:
        raise CrisisPlaybookError(f"{path}: the file is named after its id ({playbook.id}.yaml)")
    return playbook


def load_crisis_library(directory: Path, *, risk_categories: Collection[str]) -> CrisisLibrary:
    """`directory` is `playbooks/crisis`; `risk_categories` are those risk_terms.yaml defines."""
    files = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))
    if not files:
        raise CrisisPlaybookError(f"{directory}: no crisis playbooks")
    playbooks = [_load_one(path) for path in files]
    try:
        library = CrisisLibrary.model_validate(
            {"playbooks": playbooks, "references": _read(directory / REFERENCES_FILE) or {}}
        )
    except ValidationError as exc:
        raise CrisisPlaybookError(f"{directory}: {exc}") from exc
    problems = unknown_risk_categories(library, risk_categories)
    for playbook in library.playbooks:
        problems += template_problems(playbook)
    if problems:
        raise CrisisPlaybookError(f"{directory}:\n  " + "\n  ".join(problems))
    return library


@lru_cache(maxsize=4)
def cached_crisis_library(directory: Path, risk_categories: frozenset[str]) -> CrisisLibrary:
    return load_crisis_library(directory, risk_categories=risk_categories)

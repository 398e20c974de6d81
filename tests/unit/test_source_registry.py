"""The registry builds every adapter the playbook's commented examples show, as a team would enable them."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps, build_sources
from tests.fakes import StaticSourceSecrets

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def commented_examples() -> list[dict]:
    """The commented-out source entries in sources.yaml, uncommented."""
    lines = (PLAYBOOKS / "sources.yaml").read_text(encoding="utf-8").splitlines()
    entries = [line[:2] + line[4:] for line in lines if line.startswith(("  # - ", "  #   "))]
    return yaml.safe_load("sources:\n" + "\n".join(entries))["sources"]


def test_each_commented_example_is_a_registered_type_and_builds_when_enabled() -> None:
    # Given the examples, switched on
    examples = [{**example, "enabled": True} for example in commented_examples()]
    assert {example["type"] for example in examples} >= {"x"}
    playbook = load_playbook(PLAYBOOKS)
    playbook = playbook.model_validate({**playbook.model_dump(), "sources": examples})

    # When the registry builds them (credentials are read only when a source runs)
    built = build_sources(playbook, demo=False, deps=SourceDeps(httpx.Client(), StaticSourceSecrets({})))

    # Then each one is its registered adapter
    assert [(source.source_id, source.slug) for source in built] == [(e["id"], e["type"]) for e in examples]
    assert all(source.slug in REGISTRY for source in built)

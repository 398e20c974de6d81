"""The shipped playbooks validate, reference what exists, and document the real defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chalicelib.adapters.playbooks import PlaybookError, load_playbook
from chalicelib.adapters.sources.registry import REGISTRY
from chalicelib.domain.playbook import Rules

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def test_the_shipped_playbooks_validate_and_reference_known_adapters() -> None:
    playbook = load_playbook(PLAYBOOKS)
    assert {source.type for source in playbook.sources} <= set(REGISTRY)
    assert any(m.escalation_level == 1 and m.phone for m in playbook.team.members)
    assert playbook.risk_terms.de and playbook.risk_terms.en


def test_rules_yaml_states_exactly_the_defaults_of_the_code() -> None:
    documented = yaml.safe_load((PLAYBOOKS / "rules.yaml").read_text(encoding="utf-8"))
    assert Rules.model_validate(documented) == Rules()


def test_a_broken_playbook_fails_loudly(tmp_path: Path) -> None:
    for name in ("brands.yaml", "sources.yaml", "team.yaml", "rules.yaml", "risk_terms.yaml"):
        (tmp_path / name).write_text((PLAYBOOKS / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "team.yaml").write_text(
        "members:\n  - {id: x1, name: X, role: r, phone: '0151 123', escalation_level: 1}\n"
        "escalation:\n  - {level: 1, after_minutes: 0}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlaybookError, match="E.164"):
        load_playbook(tmp_path)
    (tmp_path / "team.yaml").write_text("members: [", encoding="utf-8")
    with pytest.raises(PlaybookError, match="not valid YAML"):
        load_playbook(tmp_path)

"""Crisis playbook use cases for the API: list them and get one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.crisis import CrisisLibrary, CrisisPlaybook


def list_playbooks(*, library: CrisisLibrary) -> list[CrisisPlaybook]:
    """Every playbook, in the order selection prefers them on a tie."""
    return sorted(library.playbooks, key=lambda playbook: playbook.priority)


def get_playbook(playbook_id: str, *, library: CrisisLibrary) -> CrisisPlaybook:
    playbook = library.get(playbook_id)
    if playbook is None:
        raise NotFound("no such playbook", [{"playbook_id": playbook_id}])
    return playbook

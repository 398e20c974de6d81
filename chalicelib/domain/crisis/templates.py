"""Rendering of crisis playbook templates: the context they may name, and the sandbox they run in.

Templates are Jinja2 with StrictUndefined in a sandbox: they may name only the fields of
`TemplateContext`, and an unknown name fails when the playbook is loaded, not when a text is needed.
They state facts only as passed in `facts`, each verified by someone, so a statement says nothing the
team has not confirmed; with no facts it still reads well (a holding statement).
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import StrictUndefined, Template, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import Field

from chalicelib.domain.playbook import Strict


class VerifiedFact(Strict):
    """A fact the team has confirmed, and who confirmed it. Templates state nothing else."""

    text: str = Field(min_length=1, max_length=500)
    verified_by: str = Field(min_length=1, max_length=80)


class TemplateContext(Strict):
    """Everything a template may name. Values are in the language of the text being rendered."""

    brand: str = Field(min_length=1, max_length=80, description="the company or brand as it signs")
    incident_title: str = Field(
        min_length=1, max_length=200, description="the matter in plain words, as the team approved it"
    )
    author_handle: str | None = Field(default=None, max_length=100, description="as shown, e.g. @anna_k")
    facts: tuple[VerifiedFact, ...] = Field(default=(), max_length=10)
    contact: str | None = Field(
        default=None, max_length=200, description="where affected people get help (hotline, page)"
    )
    next_update: str | None = Field(
        default=None, max_length=80, description="a point in time, e.g. 'heute um 16 Uhr'"
    )


TEMPLATE_VARIABLES: frozenset[str] = frozenset(TemplateContext.model_fields)

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
# A line that holds nothing but one block tag ({% if %}, {% for %}, ...) disappears with its line
# break; a tag after text keeps the line break that follows it. What authors see is what they get.
_STANDALONE_TAG = re.compile(r"^[ \t]*({%[^%]*%})[ \t]*(?:\n|\Z)", re.MULTILINE)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    return _ENV.from_string(_STANDALONE_TAG.sub(r"\1", source))


def template_variables(source: str) -> set[str]:
    """The context names a template uses (raises TemplateSyntaxError on a syntax error)."""
    return meta.find_undeclared_variables(_ENV.parse(_STANDALONE_TAG.sub(r"\1", source)))


def undeclared_variables(source: str) -> set[str]:
    """Names a template uses that `TemplateContext` does not declare."""
    return template_variables(source) - TEMPLATE_VARIABLES


def render(source: str, context: TemplateContext) -> str:
    """Render a template as plain text (no HTML escaping: whoever shows it in HTML escapes it).

    Raises jinja2's TemplateError (UndefinedError for an unknown name or field)."""
    text = _compiled(source).render(context.model_dump())
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))

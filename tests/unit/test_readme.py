"""The README against the code: its environment table lists exactly the variables the settings model
reads, and its shell examples work with any PORT and from any folder."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_INTRO = "Environment (one settings model, `chalicelib/config.py`"


def settings_variables() -> set[str]:
    """The environment variables the settings model reads: its prefix and each field's name, or the
    field's own alias (AWS_REGION, AWS_ENDPOINT_URL)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def table_variables(text: str) -> set[str]:
    """The variables named in the first column of the README's environment table."""
    lines = text[text.index(TABLE_INTRO) :].splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:  # past the header and its rule
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return {name for cell in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:bash|sh|shell)\n(.*?)```", text, flags=re.DOTALL)


def test_the_settings_model_reads_the_variables_the_deployment_sets() -> None:
    # The derivation itself: a prefixed field and an aliased one
    assert {"KRISENRADAR_STAGE", "KRISENRADAR_PUBLIC_URL", "AWS_REGION", "AWS_ENDPOINT_URL"} <= (
        settings_variables()
    )
    assert "KRISENRADAR_REGION" not in settings_variables()


def test_the_table_reader_finds_the_first_column_only() -> None:
    text = (
        f"{TABLE_INTRO}, validated):\n\n| variable | default | meaning |\n|---|---|---|\n"
        "| `KRISENRADAR_A`, `KRISENRADAR_B` | `x` | see `KRISENRADAR_C` |\n| `AWS_REGION` | | |\n\nafter\n"
    )
    assert table_variables(text) == {"KRISENRADAR_A", "KRISENRADAR_B", "AWS_REGION"}


def test_the_environment_table_lists_every_setting_and_nothing_else() -> None:
    documented = table_variables(README.read_text(encoding="utf-8"))
    read = settings_variables()
    assert (sorted(read - documented), sorted(documented - read)) == ([], [])


def test_the_shell_examples_take_any_port_and_work_from_any_folder() -> None:
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    assert blocks  # the README has shell examples to check
    for block in blocks:
        # Comments may say where things are; commands must not assume the default port or the folder
        commands = "\n".join(line.split(" #")[0] for line in block.splitlines())
        assert "localhost:8000" not in commands, block
        assert not re.search(r"(?<![\w/}])\.local/", commands), block

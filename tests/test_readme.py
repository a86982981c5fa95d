"""docs/reference.md and ``--help`` cannot disagree: the command reference is generated from
the click commands by scripts/readme_options.py (``make docs``), and this test fails when it is
stale. The README tells the story and mentions every command."""

from __future__ import annotations

import runpy
from pathlib import Path

import click
import pytest

from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = runpy.run_path(str(ROOT / "scripts" / "readme_options.py"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")


def region() -> str:
    text: str = SCRIPT["current"](REFERENCE)
    return text


def test_the_readme_reference_is_what_the_script_generates_now() -> None:
    assert region() == SCRIPT["render"](), "docs/reference.md is out of date: run `make docs`"


@pytest.mark.parametrize("name", list(cli.commands))
def test_every_command_and_option_is_in_the_readme(name: str) -> None:
    command = cli.commands[name]
    text = region()
    assert f"### `outreach {name} " in text
    section = text.split(f"### `outreach {name} ", 1)[1].split("\n### ", 1)[0]
    for param in command.params:
        if isinstance(param, click.Argument):
            ctx = click.Context(command, info_name=name)
            assert param.make_metavar(ctx) in section, (name, param.name)
        elif isinstance(param, click.Option) and not param.hidden:
            for flag in param.opts + param.secondary_opts:
                assert f"{flag}" in section, (name, flag)


def test_the_group_options_are_in_the_readme() -> None:
    assert "`--config FILE`" in region() and "env `OUTREACH_CONFIG`" in region()


def test_every_command_is_in_the_readme_tour_or_contents() -> None:
    before = README
    for name in cli.commands:
        assert f"`{name}`" in before, f"{name} is not mentioned in the README's story"


def test_check_fails_on_a_stale_readme_and_the_rewrite_fixes_it(tmp_path: Path) -> None:
    stale = tmp_path / "reference.md"
    end = SCRIPT["END"]
    stale.write_text(REFERENCE.replace(end, "- `--an-option-that-went-away`\n" + end),
                     encoding="utf-8")
    assert SCRIPT["main"](["--check", "--readme", str(stale)]) == 1
    assert SCRIPT["main"](["--readme", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == REFERENCE
    assert SCRIPT["main"](["--check", "--readme", str(stale)]) == 0

"""The config `outreach init` writes is defaults, never a reason for another command to fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

EXPORT = str((Path(__file__).parent / "data" / "exports" / "connections_2024.csv").resolve())
FROM = ["--from", "Pat Lee <pat@example.com>"]


def run_in(folder: Path, *args: str) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = CliRunner().invoke(cli, list(args), auto_envvar_prefix="OUTREACH")
    return result.exit_code, result.output


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    code, output = run_in(tmp_path, "init", ".")
    assert code == 0, output
    return tmp_path


def test_emails_without_start_ignores_the_starter_reminder(starter: Path) -> None:
    code, output = run_in(starter, "emails", EXPORT, "--title", "VP Marketing", *FROM,
                          "-t", "thanks.email.j2", "--out", "out")
    assert code == 0, output
    assert "--remind" not in output
    assert not any(b"text/calendar" in p.read_bytes() for p in (starter / "out").glob("*.eml"))


def test_a_typed_remind_without_an_invitation_is_still_refused(starter: Path) -> None:
    code, output = run_in(starter, "emails", EXPORT, "--title", "VP Marketing", *FROM,
                          "--remind", "1h", "--out", "out")
    assert code == 2
    assert "--remind needs an invitation" in output


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["peers", EXPORT, "--title", "VP Marketing"],
    ["emails", EXPORT, "--title", "VP Marketing", *FROM, "--check"],
    ["emails", EXPORT, "--title", "VP Marketing", *FROM, "--invite", "--out", "inv"],
    ["invite", EXPORT, "--title", "VP Marketing", *FROM, "--out", "ics"],
    ["rotation", EXPORT, "--title", "VP Marketing", *FROM, "--out", "rot"],
    ["status"],
])
def test_every_command_runs_under_the_starter_config(starter: Path, args: list[str]) -> None:
    code, output = run_in(starter, *args)
    assert code == 0, output

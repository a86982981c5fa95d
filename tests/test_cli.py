import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from outreach import __version__
from outreach.cli import cli
from outreach.cli.common import parse_from


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_the_workflow() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "outreach peers" in result.output


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from outreach.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='outreach')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'reportlab', 'icalendar', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


@pytest.mark.parametrize(("text", "parsed"), [
    ("Pat Lee <pat@example.com>", ("Pat Lee", "pat@example.com")),
    ("Dana Whitfield, Jr. <d@example.com>", ("Dana Whitfield, Jr.", "d@example.com")),
    ('"Núñez, José" <j@example.org>', ("Núñez, José", "j@example.org")),
    ("pat@example.com", ("", "pat@example.com")),
])
def test_from_accepts_names_with_commas_and_bare_addresses(text: str,
                                                           parsed: tuple[str, str]) -> None:
    assert parse_from(text) == parsed


@pytest.mark.parametrize("text", ["Dana <bad", "a@b.org, c@d.org", "no address",
                                  "<a@b.org>, <d@e.org>",
                                  "Dana\r\nBcc: evil@x.org <dana@example.com>"])
def test_from_refuses_what_is_not_one_address(text: str) -> None:
    with pytest.raises(click.BadParameter, match="is not 'Name <address>'"):
        parse_from(text)

import subprocess
import sys

from click.testing import CliRunner

from outreach import __version__
from outreach.cli import cli


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

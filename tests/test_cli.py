import os
import shutil
import subprocess
import sys
from pathlib import Path

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


HEAVY = ("icalendar", "jinja2", "pandas", "reportlab", "multiprocessing", "numpy")


@pytest.mark.parametrize("argv", [
    ["--help"], ["status"], ["status", "--format", "json"], ["log", "--help"],
    ["completion", "bash"], ["completion", "--help"],
], ids=" ".join)
def test_quick_commands_do_not_import_heavy_libraries(argv: list[str], tmp_path: Path) -> None:
    """``--help``, ``status``, ``log`` and ``completion`` start fast: a fresh interpreter runs
    each (``status`` on an empty ledger) and none of the heavy libraries is loaded."""
    code = (
        "import sys\n"
        "from outreach.cli import cli\n"
        f"try:\n    cli({argv!r}, prog_name='outreach')\nexcept SystemExit:\n    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "OUTREACH_LEDGER": str(tmp_path / "ledger.sqlite")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=tmp_path)
    assert "HEAVY []" in out.stderr, out.stderr


@pytest.mark.parametrize(("text", "parsed"), [
    ("Pat Lee <pat@example.com>", ("Pat Lee", "pat@example.com")),
    ("Dana Whitfield, Jr. <d@example.com>", ("Dana Whitfield, Jr.", "d@example.com")),
    ('"Núñez, José" <j@example.org>', ("Núñez, José", "j@example.org")),
    ("pat@example.com", ("", "pat@example.com")),
    ("dana@example.com (Dana Whitfield)", ("Dana Whitfield", "dana@example.com")),
])
def test_from_accepts_names_with_commas_and_bare_addresses(text: str,
                                                           parsed: tuple[str, str]) -> None:
    assert parse_from(text) == parsed


@pytest.mark.parametrize("text", ["Dana <bad", "a@b.org, c@d.org", "no address",
                                  "<a@b.org>, <d@e.org>", "a@b.org (A), c@d.org (C)",
                                  "dana@example..com (Dana)",
                                  "Dana\r\nBcc: evil@x.org <dana@example.com>"])
def test_from_refuses_what_is_not_one_address(text: str) -> None:
    with pytest.raises(click.BadParameter, match="is not 'Name <address>'"):
        parse_from(text)


def test_help_shows_every_options_environment_variable() -> None:
    runner = CliRunner()
    assert "[env var: OUTREACH_CONFIG]" in " ".join(runner.invoke(cli, ["--help"]).output.split())
    for name, command in cli.commands.items():
        text = " ".join(runner.invoke(cli, [name, "--help"]).output.split())
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.expose_value:
                if (name, param.name) == ("send", "really_send"):
                    assert "OUTREACH_SEND_SEND" not in text
                    continue
                flag = next(o for o in param.opts if o.startswith("--"))
                spelled = f"OUTREACH_{name.upper()}_{flag[2:].replace('-', '_').upper()}"
                shared = ("OUTREACH_LEDGER", "OUTREACH_LOCALE")  # one for every command
                envvar = spelled if param.envvar not in shared else param.envvar
                assert f"env var: {envvar}" in text, (name, param.name)


def test_an_option_comes_from_its_environment_variable_without_the_console_script() -> None:
    """auto_envvar_prefix lives in the group's context settings, not only in main()."""
    result = CliRunner().invoke(cli, ["titles", "VP Marketing"],
                                env={"OUTREACH_TITLES_FORMAT": "json"})
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("[")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_shells_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert "_OUTREACH_COMPLETE" in result.output
    assert f"{shell}_complete" in result.output


def test_the_bash_completion_script_is_valid_bash(tmp_path) -> None:
    script = CliRunner().invoke(cli, ["completion", "bash"]).output
    assert script.strip()
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    (tmp_path / "outreach.bash").write_text(script)
    subprocess.run([bash, "-n", str(tmp_path / "outreach.bash")], check=True)


def test_completion_completes_commands_and_choices() -> None:
    def complete(words: str, cword: int) -> list[str]:
        env = {**os.environ, "_OUTREACH_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(cword)}
        code = "from outreach.cli import main; main()"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True)
        return out.stdout.split()

    assert "plain,peers" in complete("outreach pe", 1)
    assert complete("outreach peers --format ", 3) == [
        "plain,table", "plain,csv", "plain,json", "plain,csv-all", "plain,json-all"]
    berlin = complete("outreach rotation x.csv --tz europe/be", 4)
    assert "plain,Europe/Berlin" in berlin and "plain,Europe/Belgrade" in berlin
    assert all(item.startswith("plain,Europe/Be") for item in berlin)


def test_completion_completes_peer_names_for_log_from_the_ledger(tmp_path: Path) -> None:
    """Tab after ``outreach log met`` offers the ledger's names (any word, any case, accents
    optional), leaves a stranger's escape sequence out, and never creates a ledger."""
    from outreach.ledger import Ledger
    from outreach.model import Person

    ledger = tmp_path / "ledger.sqlite"
    with Ledger.open(ledger) as opened:
        opened.remember_people([Person("Ana", "Souza", url="https://www.linkedin.com/in/ana"),
                                Person("José", "Álvarez", url="https://www.linkedin.com/in/jo"),
                                Person("Evil\x1b]0;x\x07", "Sam", email="sam@x.example")])

    def complete(words: str, store: Path) -> list[str]:
        env = {**os.environ, "_OUTREACH_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
               "OUTREACH_LEDGER": str(store)}
        code = ("import sys\nfrom outreach.cli import main\ntry:\n    main()\n"
                "except SystemExit:\n    pass\n"
                f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True)
        assert "HEAVY []" in out.stderr, out.stderr
        return [line for line in out.stdout.splitlines() if line]

    assert complete("outreach log met ", ledger) == [
        "plain,Ana Souza", "plain,José Álvarez"]
    assert complete("outreach log met sou", ledger) == ["plain,Ana Souza"]
    assert complete("outreach log gave alv", ledger) == ["plain,José Álvarez"]
    assert complete("outreach log met zed", ledger) == []
    missing = tmp_path / "none" / "ledger.sqlite"
    assert complete("outreach log met a", missing) == []
    assert not missing.exists() and not missing.parent.exists()


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["completion", "powershell"])
    assert result.exit_code == 2


def test_invite_takes_a_from_address_with_a_comment_name(tmp_path: Path) -> None:
    """``--from "addr (Name)"`` (RFC 5322's comment form) is the organiser Dana Whitfield."""
    export = tmp_path / "Connections.csv"
    export.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                      "Ana,Peer,https://www.linkedin.com/in/ana,ana@example.org,Acme,"
                      "VP Marketing,01 Dec 2026\n", encoding="utf-8")
    out = tmp_path / "ics"
    result = CliRunner().invoke(cli, [
        "invite", str(export), "--title", "VP Marketing", "--company", "Northwind",
        "--start", "2027-06-01T09:00", "--tz", "Europe/Berlin",
        "--from", "dana@example.com (Dana Whitfield)", "--out", str(out),
        "--ledger", str(tmp_path / "ledger.sqlite")])
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.ics")).replace("\r\n ", "")
    assert 'ORGANIZER;CN="Dana Whitfield":mailto:dana@example.com' in text or \
        "ORGANIZER;CN=Dana Whitfield:mailto:dana@example.com" in text


def test_an_inbox_rerun_with_nothing_new_loads_no_message_parser(tmp_path: Path) -> None:
    """A second read of the same mbox finds nothing new from the offsets alone: it says so,
    and neither the full-message reader (outreach.mail.inbox, the email policy objects) nor
    rich's tables are loaded for it."""
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From a@example.org Sun Nov  1 09:00:00 2026\nFrom: A <a@example.org>\n"
                     b"Subject: news\nMessage-ID: <n1@example.org>\n\nHello\n")
    env = {**os.environ, "OUTREACH_LEDGER": str(tmp_path / "ledger.sqlite")}
    first = subprocess.run([sys.executable, "-m", "outreach", "inbox", str(mbox)], env=env,
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "Read 1 message: 0 learned, 1 ignored." in first.stdout
    code = ("import sys\nfrom outreach.cli import cli\n"
            f"try:\n    cli(['inbox', {str(mbox)!r}], prog_name='outreach')\n"
            "except SystemExit:\n    pass\n"
            "loaded = [m for m in ('outreach.mail.inbox', 'email.policy', 'rich.table', "
            f"*{HEAVY!r}) if m in sys.modules]\n"
            "print('LOADED', loaded, file=sys.stderr)\n")
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True, cwd=tmp_path)
    assert "Nothing new learned." in again.stdout
    assert "Read 0 messages: 0 learned, 0 ignored." in again.stdout
    assert "LOADED []" in again.stderr, again.stderr

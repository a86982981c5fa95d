"""Passwords and tokens: where they come from, in order, never shown; XOAUTH2 against the
loopback servers, which check the exact SASL string (aiosmtpd for SMTP, dovecot for IMAP)."""

from __future__ import annotations

import base64
import shlex
import sys
from pathlib import Path
from typing import Any

import keyring
import pytest
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from imap_server import OAUTH_USER, PASSWORD, TOKEN, Imap
from keyring.backend import KeyringBackend
from smtp_server import FaultyHandler, smtp_server, write_outbox

from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.mail.credentials import obtain, store_in_keyring, xoauth2_string


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.stored.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Any:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def printing(text: str) -> str:
    """A command line that prints ``text`` (run without a shell)."""
    return shlex.join([sys.executable, "-c", f"print({text!r})"])


def test_the_environment_then_the_keyring_then_password_command_then_the_prompt(
        memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    command = printing("from-command")
    asked = lambda text: "typed"  # noqa: E731
    assert obtain("imap", "ada", password_command=command, prompt=asked).value == "from-command"
    assert obtain("imap", "ada", prompt=asked).value == "typed"
    store_in_keyring("imap", "ada", "from-keyring")
    assert memory_keyring.stored == {("outreach-imap", "ada"): "from-keyring"}
    assert obtain("imap", "ada", password_command=command).origin == "keyring"
    monkeypatch.setenv("OUTREACH_IMAP_PASSWORD", "from-env")
    assert obtain("imap", "ada").value == "from-env"
    assert "from-env" not in repr(obtain("imap", "ada"))


def test_without_any_source_the_error_says_where_a_password_can_come_from(
        memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(OutreachError) as caught:
        obtain("smtp", "ada")
    message = str(caught.value)
    for where in ("OUTREACH_SMTP_PASSWORD", "outreach login smtp --user ada", "password_command"):
        assert where in message


def test_a_failing_command_never_shows_its_output(memory_keyring: MemoryKeyring) -> None:
    command = shlex.join([sys.executable, "-c", "print('secret-ish'); raise SystemExit(3)"])
    with pytest.raises(OutreachError, match="exit status 3") as caught:
        obtain("imap", "ada", password_command=command)
    assert "secret-ish" not in str(caught.value)
    with pytest.raises(OutreachError, match="needs token_command"):
        obtain("imap", "ada", auth="xoauth2")
    with pytest.raises(OutreachError, match="command not found"):
        obtain("imap", "ada", auth="xoauth2", token_command="no-such-command-here")


def test_login_needs_a_terminal() -> None:
    result = CliRunner().invoke(cli, ["login", "imap", "--user", "ada"])
    assert result.exit_code == 2
    assert "no terminal" in result.output


class OAuthHandler(FaultyHandler):
    """Accepts AUTH XOAUTH2 only with the exact SASL string for ``oauth`` and TOKEN."""

    seen: list[str]

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        sasl = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.seen.append(sasl)
        return AuthResult(success=sasl == xoauth2_string(OAUTH_USER, TOKEN), handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("token", "ok"), [(TOKEN, True), ("wrong-token", False)])
def test_smtp_xoauth2_sends_the_exact_sasl_string(tmp_path: Path, token: str, ok: bool) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    handler = OAuthHandler()
    handler.seen = []
    with smtp_server(handler, login=("unused", "unused")) as server:
        result = CliRunner().invoke(cli, [
            "send", str(folder), "--smtp-host", server.host, "--port", str(server.port),
            "--security", "none", "--ledger", str(tmp_path / "l.sqlite"), "--send",
            "--user", OAUTH_USER, "--auth", "xoauth2", "--token-command", printing(token)])
    assert handler.seen == [f"user={OAUTH_USER}\x01auth=Bearer {token}\x01\x01"]
    if ok:
        assert result.exit_code == 0, result.output
        assert len(handler.received) == 1
    else:
        assert result.exit_code == 2
        assert "refused the login" in result.output
        assert handler.received == []
    assert token not in result.output


def test_imap_xoauth2_against_dovecot(dovecot: Imap, tmp_path: Path) -> None:
    """dovecot checks the bearer token of the SASL string as the passdb password."""
    dovecot.reset()
    url = dovecot.url("INBOX", user=OAUTH_USER)
    ledger = str(tmp_path / "l.sqlite")
    good = CliRunner().invoke(cli, ["inbox", url, "--ledger", ledger, "--auth", "xoauth2",
                                    "--token-command", printing(TOKEN)])
    assert good.exit_code == 0, good.output
    assert "Read 0 messages" in good.output
    bad = CliRunner().invoke(cli, ["inbox", url, "--ledger", ledger, "--auth", "xoauth2",
                                   "--token-command", printing("not-the-token")])
    assert bad.exit_code == 2
    assert "refused the login for oauth" in bad.output
    assert "not-the-token" not in bad.output


def test_imap_password_from_the_keyring(dovecot: Imap, tmp_path: Path,
                                        memory_keyring: MemoryKeyring) -> None:
    dovecot.reset()
    store_in_keyring("imap", "ada", PASSWORD)
    result = CliRunner().invoke(cli, ["inbox", dovecot.url(), "--ledger",
                                      str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output

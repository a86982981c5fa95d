"""Secrets never echo, and UTF-8 passwords log in (issue 21), against aiosmtpd on loopback.

A server that puts the password in its reply (``535 bad <password>``, a RCPT refusal quoting
it) has it masked before it is printed, stored in the ledger or written to failed.csv; a
password with a letter outside ASCII logs in with AUTH PLAIN and with AUTH LOGIN."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result
from smtp_server import FaultyHandler, Server, cli_args, free_port, write_outbox

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.mail.credentials import MASK, mask_secrets, secret_forms

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
PASSWORD = "hünter2-Sëcret"


class Checker:
    """Accepts ``ada`` with PASSWORD (compared as UTF-8 bytes, as SASL carries it); a refusal
    quotes the password the client sent, as a careless server might."""

    def __init__(self, *, echo: bool = False) -> None:
        self.echo = echo
        self.mechanisms: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        self.mechanisms.append(mechanism)
        assert isinstance(auth_data, LoginPassword)
        if self.echo:
            sent = auth_data.password.decode("utf-8", "replace")
            return AuthResult(success=False, handled=False, message=f"535 bad {sent}")
        ok = auth_data.login == b"ada" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def server_with(checker: Checker, handler: FaultyHandler | None = None,
                without: tuple[str, ...] = ()) -> Iterator[Server]:
    handler = handler or FaultyHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=checker,
                            auth_required=True, auth_require_tls=False,
                            auth_exclude_mechanism=list(without))
    controller.start()
    try:
        yield Server("127.0.0.1", port, handler)
    finally:
        controller.stop()


def send(tmp_path: Path, server: Server, password: str = PASSWORD) -> Result:
    outbox = tmp_path / "outbox"
    if not outbox.exists():
        write_outbox(outbox, 2)
    return CliRunner().invoke(
        cli, cli_args(outbox, server, tmp_path / "ledger.sqlite", "--send", "--user", "ada",
                      "--retries", "0"),
        env={"OUTREACH_SMTP_PASSWORD": password}, catch_exceptions=False)


def test_a_login_refusal_quoting_the_password_prints_it_masked(tmp_path: Path) -> None:
    with server_with(Checker(echo=True)) as server:
        result = send(tmp_path, server, "s3cret-Passw0rd")
        assert result.exit_code == 2, result.output
        assert "refused the login for ada: 535 bad " + MASK in result.output
        assert "s3cret-Passw0rd" not in result.output
        assert "Traceback" not in result.output
        assert not server.handler.received


def test_a_reply_quoting_the_password_is_masked_in_the_ledger_and_failed_csv(
        tmp_path: Path) -> None:
    handler = FaultyHandler(refuse_rcpt={"peer1@example.org": f"550 no, {PASSWORD} is wrong"})
    with server_with(Checker(), handler) as server:
        result = send(tmp_path, server)
        assert result.exit_code == 1, result.output  # one refused, one sent
        assert PASSWORD not in result.output
        with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
            replies = [r["last_reply"] for r in ledger._query("SELECT * FROM messages")]
        assert any(MASK in (reply or "") for reply in replies), replies
        assert not any(PASSWORD in (reply or "") for reply in replies)
        failed = (tmp_path / "outbox" / "failed.csv").read_text(encoding="utf-8")
        assert MASK in failed and PASSWORD not in failed
        assert len(server.handler.received) == 1


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_utf8_password_logs_in(tmp_path: Path, mechanism: str) -> None:
    checker = Checker()
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    with server_with(checker, without=(other,)) as server:
        result = send(tmp_path, server)
        assert result.exit_code == 0, result.output
        assert "sent 2" in result.output
        assert checker.mechanisms == [mechanism]
        assert len(server.handler.received) == 2


def test_a_wrong_utf8_password_is_a_one_line_refusal(tmp_path: Path) -> None:
    with server_with(Checker()) as server:
        result = send(tmp_path, server, "wrông")
        assert result.exit_code == 2, result.output
        assert "refused the login for ada: 535" in result.output
        assert "wrông" not in result.output and "Traceback" not in result.output


def test_mask_secrets_masks_every_form_longest_first() -> None:
    forms = secret_forms("ada", "pa ss")
    assert mask_secrets("535 bad pa ss", forms) == f"535 bad {MASK}"
    assert mask_secrets("got cGEgc3M=", forms) == f"got {MASK}"  # base64 of the password
    assert mask_secrets("nothing here", []) == "nothing here"

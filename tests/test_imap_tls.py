"""IMAP as users have it, against a real dovecot with TLS only on a self-signed certificate
(--ca-file), German folder names (``Entwürfe`` is \\Drafts, ``Gesendete Objekte`` is \\Sent,
found through SPECIAL-USE) and a user with a UTF-8 password."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from imap_server import PASSWORD, UTF8_PASSWORD, UTF8_USER, Imap
from inbox_samples import sample
from smtp_server import write_outbox

from outreach.cli import cli

pytestmark = pytest.mark.integration


def run(args: list[str], password: str = PASSWORD) -> Result:
    return CliRunner().invoke(cli, args, env={"OUTREACH_IMAP_PASSWORD": password})


def said(result: Result) -> str:
    return " ".join(result.output.split())


def test_drafts_go_to_the_special_use_drafts_folder_whatever_its_name(
        dovecot_tls: Imap, tmp_path: Path) -> None:
    dovecot_tls.reset()
    folder = tmp_path / "emails"
    ids = write_outbox(folder, 2)
    assert dovecot_tls.ca_file is not None
    args = ["drafts", str(folder), "--imap", dovecot_tls.url("", imaps=True), "--ca-file",
            str(dovecot_tls.ca_file), "--ledger", str(tmp_path / "l.sqlite")]
    result = run(args)
    assert result.exit_code == 0, result.output
    assert "Appended 2 drafts to Entwürfe; 0 already there" in said(result)
    held = dovecot_tls.folder("Entwürfe")
    assert len(held) == 2 and all(b"\\Draft" in flags for flags, _raw in held)
    assert all(any(mid.encode() in raw for _f, raw in held) for mid in ids)
    again = run(args)
    assert "Appended 0 drafts to Entwürfe; 2 already there" in said(again)


def test_a_non_ascii_folder_named_in_the_url_over_starttls(dovecot_tls: Imap,
                                                             tmp_path: Path) -> None:
    dovecot_tls.reset()
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    result = run(["drafts", str(folder), "--imap", dovecot_tls.url("Entwürfe"), "--ca-file",
                  str(dovecot_tls.ca_file), "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0, result.output
    assert "Appended 1 draft to Entwürfe" in said(result)
    assert len(dovecot_tls.folder("Entwürfe")) == 1


def test_a_self_signed_certificate_needs_the_ca_file(dovecot_tls: Imap, tmp_path: Path) -> None:
    for url in (dovecot_tls.url("INBOX", imaps=True), dovecot_tls.url("INBOX")):
        result = run(["inbox", url, "--ledger", str(tmp_path / "l.sqlite")])
        assert result.exit_code == 2, result.output
        assert "TLS certificate not trusted" in said(result) and "--ca-file" in said(result)
        assert "Traceback" not in result.output


def test_sent_is_the_special_use_sent_folder(dovecot_tls: Imap, tmp_path: Path) -> None:
    dovecot_tls.reset()
    dovecot_tls.deliver([sample("reply", attendee="peer@example.org")], "Gesendete Objekte")
    result = run(["inbox", dovecot_tls.url("Sent", imaps=True), "--ca-file",
                  str(dovecot_tls.ca_file), "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0, result.output
    assert "Read 1 message: 0 learned, 1 ignored" in said(result)


def test_a_utf8_password_logs_in_and_a_wrong_one_is_refused(dovecot_tls: Imap,
                                                              tmp_path: Path) -> None:
    url = dovecot_tls.url("INBOX", user=UTF8_USER, imaps=True)
    common = ["--ca-file", str(dovecot_tls.ca_file), "--ledger", str(tmp_path / "l.sqlite")]
    result = run(["inbox", url, *common], password=UTF8_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Read 0 messages" in said(result)
    wrong = run(["inbox", url, *common], password="pässwörd-wrong")
    assert wrong.exit_code == 2, wrong.output
    assert f"refused the login for {UTF8_USER}" in said(wrong)
    assert "pässwörd-wrong" not in wrong.output

"""outreach drafts: IMAP APPEND with \\Draft to dovecot, once per Message-ID (the folder is
checked, not only the ledger); do-not-contact and bounced recipients are skipped."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from imap_server import PASSWORD, Imap
from smtp_server import write_outbox

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.model import Person

ENV = {"OUTREACH_IMAP_PASSWORD": PASSWORD}


def drafts(folder: Path, server: Imap, ledger: Path) -> str:
    result = CliRunner().invoke(cli, ["drafts", str(folder), "--imap", server.url("Drafts"),
                                      "--ledger", str(ledger)], env=ENV)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_each_message_is_appended_once_as_a_draft(dovecot: Imap, tmp_path: Path) -> None:
    dovecot.reset()
    folder = tmp_path / "emails"
    ids = write_outbox(folder, 2)
    assert "Appended 2 drafts to Drafts; 0 already there" in drafts(folder, dovecot,
                                                                     tmp_path / "a.sqlite")
    held = dovecot.folder("Drafts")
    assert len(held) == 2
    assert all(b"\\Draft" in flags for flags, _raw in held)
    assert all(any(mid.encode() in raw for _f, raw in held) for mid in ids)
    assert "Appended 0 drafts to Drafts; 2 already there" in drafts(folder, dovecot,
                                                                     tmp_path / "a.sqlite")
    # a new ledger (another computer) still finds them in the folder
    assert "Appended 0 drafts to Drafts; 2 already there" in drafts(folder, dovecot,
                                                                     tmp_path / "b.sqlite")
    assert len(dovecot.folder("Drafts")) == 2


def test_do_not_contact_is_skipped_and_said(dovecot: Imap, tmp_path: Path) -> None:
    dovecot.reset()
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    ledger_path = tmp_path / "l.sqlite"
    with Ledger.open(ledger_path) as ledger:
        ledger.remember_people([Person("Peer", "1", email="peer1@example.org")])
    result = CliRunner().invoke(cli, ["log", "optout", "peer1@example.org", "--ledger",
                                      str(ledger_path)])
    assert result.exit_code == 0, result.output
    said = drafts(folder, dovecot, ledger_path)
    assert "Skipped" in said and "do not contact" in said
    assert "Appended 1 draft to Drafts" in said
    assert len(dovecot.folder("Drafts")) == 1


def test_json_names_what_was_appended_and_quiet_prints_nothing(dovecot: Imap,
                                                                tmp_path: Path) -> None:
    import json

    dovecot.reset()
    folder = tmp_path / "out"
    ids = write_outbox(folder, 2)
    args = ["drafts", str(folder), "--imap", dovecot.url("Drafts"),
            "--ledger", str(tmp_path / "l.sqlite")]
    result = CliRunner().invoke(cli, [*args, "--format", "json"], env=ENV)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"command", "folder", "appended", "already_there", "skipped"}
    assert (data["command"], data["folder"]) == ("drafts", "Drafts")
    assert sorted(data["appended"]) == sorted(ids) and data["already_there"] == []
    again = CliRunner().invoke(cli, [*args, "--quiet"], env=ENV)
    assert (again.exit_code, again.stdout) == (0, "")

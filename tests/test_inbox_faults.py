"""One bad message never stops ``outreach inbox``: through the CLI, an mbox, a Maildir and an
IMAP server each hold one good reply among hostile or broken messages; the reply is learned,
each bad one is named on a ``Skipped`` line, and nothing is lost or read twice."""

from __future__ import annotations

import base64
import mailbox
import os
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fake_imap import Script, fake_imap
from inbox_samples import invited_jane, sample

from outreach.cli import cli
from outreach.ledger import Ledger

ADDRESS = "jane@peer.example"
INVITATION = "<inv@example.com>"


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """A ledger that invited Jane (her reply to INVITATION is what each test must learn)."""
    return invited_jane(tmp_path / "l.sqlite", ADDRESS, INVITATION)


def reply(number: int = 1) -> bytes:
    return sample("reply", attendee=ADDRESS, original_id=INVITATION,
                  message_id=f"reply{number}@peer.example", when=datetime(2027, 1, 5, 9))


def inbox(source: str, ledger: Path, password: str = "pw") -> Result:
    return CliRunner().invoke(cli, ["inbox", source, "--ledger", str(ledger)],
                              env={"OUTREACH_IMAP_PASSWORD": password})


def said(result: Result) -> str:
    return " ".join(result.output.split())


def nested(depth: int) -> bytes:  # "from" Jane: anyone can write her From, so it is parsed
    head = b"From: jane@peer.example\r\nMessage-ID: <deep@x>\r\n"
    parts = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
                     for n in range(depth))
    return head + parts + b"Content-Type: text/plain\r\n\r\nhi\r\n"


def huge_from(count: int) -> bytes:
    senders = ", ".join([ADDRESS] + [f"user{n}@example{n % 50}.com" for n in range(count)])
    return (f"From: {senders}\r\nMessage-ID: <wide{count}@x>\r\nSubject: hi\r\n\r\nhi\r\n"
            ).encode()


@pytest.mark.slow
def test_hostile_messages_in_an_mbox_are_skipped_and_named(ledger_path: Path,
                                                           tmp_path: Path) -> None:
    source = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(source))
    box.add(nested(1000))
    box.add(huge_from(50_000))
    box.add(huge_from(2_000))
    box.add(b"From: jane@peer.example\r\nMessage-ID: <big@x>\r\n\r\n"
            + b"x" * (26 * 1024 * 1024))
    box.add(reply())
    box.close()
    result = inbox(str(source), ledger_path)
    assert result.exit_code == 0, result.output
    text = said(result)
    assert "Traceback" not in result.output
    assert "nested MIME parts (more than 100)" in text
    assert "headers of 1,228,957 bytes (more than 256 KB)" in text
    assert "a header field of 46,513 bytes (more than 32 KB)" in text
    assert "26.0 MB, larger than 25 MB" in text
    assert "Skipped inbox.mbox, the message at byte" in text
    assert "Jane Doe" in text and "replied" in text
    assert "Read 1 message: 1 learned, 0 ignored" in text
    again = inbox(str(source), ledger_path)  # read past them: the rerun reads nothing
    assert "Read 0 messages" in said(again) and "Skipped" not in again.output


def test_maildir_links_out_and_devices_are_not_followed(ledger_path: Path,
                                                        tmp_path: Path) -> None:
    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(str(folder))
    box.add(reply())
    outside = tmp_path / "secret.txt"
    outside.write_text("From: a@b\r\n\r\nnot mail\r\n")
    (folder / "new" / "1.zero").symlink_to("/dev/zero")
    (folder / "new" / "2.outside").symlink_to(outside)
    os.mkfifo(folder / "cur" / "3.fifo")
    inner = folder / "cur" / "4.inner"
    inner.write_bytes(reply(2))
    (folder / "new" / "5.link").symlink_to(inner)  # inside the folder: read, once
    result = inbox(str(folder), ledger_path)
    assert result.exit_code == 0, result.output
    text = said(result)
    assert "Skipped Maildir/new/1.zero: a link out of the Maildir folder" in text
    assert "Skipped Maildir/new/2.outside: a link out of the Maildir folder" in text
    assert "Skipped Maildir/cur/3.fifo: not a regular file" in text
    assert "Read 3 messages: 2 learned, 0 ignored, 1 already read" in text
    again = inbox(str(folder), ledger_path)
    assert "Read 0 messages" in said(again) and "Skipped" not in again.output


@pytest.mark.slow
def test_imap_bytes_that_never_arrived_are_read_again(ledger_path: Path) -> None:
    script = Script({1: reply(1), 2: reply(2), 3: reply(3)}, no_literal={2})
    with fake_imap(script) as port:
        url = f"imap://ada@127.0.0.1:{port}/INBOX"
        first = inbox(url, ledger_path)
        assert first.exit_code == 0, first.output
        assert "Skipped INBOX UID 2: the server sent no bytes for it" in said(first)
        assert "Read 2 messages: 2 learned" in said(first)
        with Ledger.open(ledger_path) as ledger:
            assert ledger.folder_state(f"imap://ada@127.0.0.1:{port}/INBOX")[1] == 1
        script.no_literal.clear()
        second = inbox(url, ledger_path)
        assert "Read 2 messages: 1 learned, 0 ignored, 1 already read" in said(second)
        third = inbox(url, ledger_path)
        assert "Read 0 messages" in said(third)


def test_uidvalidity_and_uids_up_to_2_to_the_64(ledger_path: Path) -> None:
    top = 2 ** 64 - 1
    script = Script({2 ** 63 + 1: reply(1), top - 1: reply(2)}, uidvalidity=top)
    with fake_imap(script) as port:
        url = f"imap://ada@127.0.0.1:{port}/INBOX"
        first = inbox(url, ledger_path)
        assert first.exit_code == 0, first.output
        assert "Read 2 messages: 2 learned" in said(first)
        with Ledger.open(ledger_path) as ledger:
            assert ledger.folder_state(url) == (top, top - 1)
        again = inbox(url, ledger_path)
        assert "Read 0 messages" in said(again)


def test_a_server_that_echoes_the_password_has_it_masked(ledger_path: Path) -> None:
    password = "hunter2-päss"
    with fake_imap(Script(echo_password=True)) as port:
        result = inbox(f"imap://ada@127.0.0.1:{port}/INBOX", ledger_path, password)
    assert result.exit_code == 2, result.output
    assert "refused the login for ada" in said(result) and "***" in result.output
    sasl = base64.b64encode(f"\0ada\0{password}".encode()).decode()
    assert password not in result.output and sasl not in result.output


def test_an_older_ledgers_folder_state_survives_the_move_to_text(tmp_path: Path) -> None:
    import sqlite3

    from outreach.ledger.schema import CREATE_VERSION_TABLE, MIGRATIONS

    mine = next(n for n, step in enumerate(MIGRATIONS)
                if isinstance(step, str) and "EXISTS inbox_sources (" in step)
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute(CREATE_VERSION_TABLE)
    for version, step in enumerate(MIGRATIONS[:mine], 1):
        if callable(step):
            step(old)
        else:
            old.executescript(step)
        old.execute("INSERT INTO schema_version VALUES (?, '2026-01-01T00:00:00+00:00')",
                    (version,))
    old.execute("INSERT INTO inbox_folders VALUES ('imaps://a@h:993/INBOX', 7, 42, "
                "'2026-01-01T00:00:00+00:00')")
    old.commit()
    old.close()
    with Ledger.open(path) as ledger:
        assert ledger.folder_state("imaps://a@h:993/INBOX") == (7, 42)
        ledger.save_folder_state("imaps://a@h:993/INBOX", 2 ** 64 - 1, 2 ** 64 - 2)
        assert ledger.folder_state("imaps://a@h:993/INBOX") == (2 ** 64 - 1, 2 ** 64 - 2)

"""Reading fast, through the CLI, by counting the work rather than timing it: a rerun over an
mbox or a Maildir with nothing new parses no message at all (not even its headers); a message
added later is the only one read; of many strangers' messages only the ones that may concern
us are parsed in full. (The timings are in bench/bench_inbox.py.)"""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from inbox_samples import invited_jane, sample

from outreach.cli import cli
from outreach.mail import sources

ADDRESS = "jane@peer.example"
INVITATION = "<inv@example.com>"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often headers were parsed and messages parsed in full."""
    counts: Counter[str] = Counter()

    def counting(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            counts[name] += 1
            return func(*args)
        return wrapper

    monkeypatch.setattr(sources, "headers_of", counting("headers", sources.headers_of))
    from outreach.mail import inbox  # imported by sources on the first message it parses

    monkeypatch.setattr(inbox, "parse", counting("parsed", inbox.parse))
    return counts


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return invited_jane(tmp_path / "l.sqlite", ADDRESS, INVITATION)


def stranger(n: int) -> bytes:
    return (f"From: Shop <news@shop.example>\r\nTo: dana@example.com\r\nSubject: Issue {n}\r\n"
            f"Message-ID: <n{n}@shop.example>\r\nDate: Tue, 05 Jan 2027 08:00:00 +0000\r\n"
            f"{'List-Id: <news.shop.example>' if n % 2 else 'X-Mailer: shop'}\r\n\r\n"
            f"Deals for you, write to help@shop.example\r\n").encode()


def reply(n: int) -> bytes:
    return sample("reply", attendee=ADDRESS, original_id=INVITATION,
                  message_id=f"reply{n}@peer.example", when=datetime(2027, 1, 5, 9))


def filled(box: mailbox.Mailbox[Any], strangers: int, *replies: int) -> mailbox.Mailbox[Any]:
    """``box`` with ``strangers`` strangers' messages added, then a reply for each number."""
    for n in range(strangers):
        box.add(stranger(n))
    for n in replies:
        box.add(reply(n))
    return box


def inbox(source: Path, ledger: Path) -> str:
    result = CliRunner().invoke(cli, ["inbox", str(source), "--ledger", str(ledger)])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_an_mbox_rerun_parses_nothing_and_then_only_what_was_added(
        tmp_path: Path, ledger_path: Path, counted: Counter[str]) -> None:
    source = tmp_path / "inbox.mbox"
    box = filled(mailbox.mbox(str(source)), 300, 1)
    box.flush()
    first = inbox(source, ledger_path)
    assert "Read 301 messages: 1 learned, 300 ignored" in first
    assert counted == {"headers": 301, "parsed": 1}  # strangers: headers only
    counted.clear()
    assert "Read 0 messages" in inbox(source, ledger_path)
    assert counted == {}
    box.add(reply(2))
    box.close()
    assert "Read 1 message: 1 learned" in inbox(source, ledger_path)
    assert counted == {"headers": 1, "parsed": 1}


def test_a_rewritten_mbox_is_read_again_by_message_id(tmp_path: Path, ledger_path: Path,
                                                       counted: Counter[str]) -> None:
    source = tmp_path / "inbox.mbox"
    filled(mailbox.mbox(str(source)), 5).close()
    inbox(source, ledger_path)
    box = mailbox.mbox(str(source))  # a mail client compacts it: the first message removed
    box.remove(next(iter(box.keys())))
    box.add(reply(1))
    box.close()
    counted.clear()
    said = inbox(source, ledger_path)
    assert "Read 5 messages: 1 learned, 0 ignored, 4 already read" in said
    assert counted == {"headers": 5, "parsed": 1}


def test_a_maildir_rerun_parses_nothing_even_after_flags_change(
        tmp_path: Path, ledger_path: Path, counted: Counter[str]) -> None:
    folder = tmp_path / "Maildir"
    filled(mailbox.Maildir(str(folder)), 20, 1)
    assert "Read 21 messages: 1 learned, 20 ignored" in inbox(folder, ledger_path)
    for path in list((folder / "new").iterdir()):  # the mail client reads them: new → cur
        path.rename(folder / "cur" / (path.name + ":2,S"))
    counted.clear()
    assert "Read 0 messages" in inbox(folder, ledger_path)
    assert counted == {}


@pytest.mark.slow
def test_a_long_read_shows_a_progress_bar_on_a_terminal_only(tmp_path: Path,
                                                             ledger_path: Path) -> None:
    import os
    import shutil
    import sys

    from smtp_server import read_until, start_on_a_terminal

    source = tmp_path / "inbox.mbox"
    with source.open("wb") as out:
        for n in range(3000):
            out.write(b"From news Tue Jan  5 08:00:00 2027\n" + stranger(n) + b"\n")
    binary = shutil.which("outreach", path=str(Path(sys.executable).parent))
    assert binary is not None
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process, terminal = start_on_a_terminal(
        [binary, "inbox", str(source), "--ledger", str(ledger_path)], env)
    try:
        seen = read_until(terminal, b"ignored", timeout=60)
        process.wait(timeout=30)
    finally:
        os.close(terminal)
    assert b"Reading mail" in seen, seen[-500:]
    assert b"Read 3,000 messages: 0 learned, 3000 ignored" in seen
    piped = CliRunner().invoke(cli, ["inbox", str(source), "--ledger",
                                     str(tmp_path / "other.sqlite")])
    assert "Reading mail" not in piped.output and "3000 ignored" in piped.output


def test_since_reads_recent_days_without_moving_past_the_older_ones(
        tmp_path: Path, ledger_path: Path) -> None:
    source = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(source))
    box.add(sample("reply", attendee=ADDRESS, original_id=INVITATION,
                   message_id="old@peer.example", when=datetime(2027, 1, 2, 9)))
    box.add(reply(1))  # 2027-01-05
    box.close()
    result = CliRunner().invoke(cli, ["inbox", str(source), "--since", "2027-01-04",
                                      "--ledger", str(ledger_path)])
    assert "Read 1 message: 1 learned" in " ".join(result.output.split()), result.output
    assert "Read 2 messages: 1 learned, 0 ignored, 1 already read" in inbox(source, ledger_path)


def test_an_mbox_on_standard_input_is_read_and_known_again_by_message_id(
        tmp_path: Path, ledger_path: Path, counted: Counter[str]) -> None:
    """``outreach inbox -``: the mbox a pipe brings is split like a file; the same stream
    again learns nothing twice (it has no offset: the Message-IDs say what was read)."""
    source = tmp_path / "inbox.mbox"
    filled(mailbox.mbox(str(source)), 3, 1).close()

    def piped() -> str:
        result = CliRunner().invoke(cli, ["inbox", "-", "--ledger", str(ledger_path)],
                                    input=source.read_bytes())
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    first = piped()
    assert "Learned from standard input (1)" in first
    assert "Read 4 messages: 1 learned, 3 ignored." in first
    again = piped()
    assert "Nothing new learned." in again
    assert "Read 4 messages: 0 learned, 0 ignored, 4 already read." in again
    assert counted["parsed"] == 1  # the reply, once


@pytest.mark.parametrize("piped", [True, False], ids=["stdin", "file"])
def test_bytes_that_are_no_mbox_are_named_not_read_as_nothing(tmp_path: Path, piped: bool) -> None:
    garbage = b"\x00\x01 this is not mail\nnor this\n"
    source = tmp_path / "notes.txt"
    source.write_bytes(garbage)
    args = ["inbox", "-" if piped else str(source), "--ledger", str(tmp_path / "l.sqlite")]
    result = CliRunner().invoke(cli, args, input=garbage if piped else None)
    assert result.exit_code == 2, result.output
    name = "standard input" if piped else "notes.txt"
    assert name in result.output and "not an mbox (no message starts with a 'From ' line)" in (
        result.output)

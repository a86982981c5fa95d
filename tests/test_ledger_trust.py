"""The ledger refuses what it cannot trust (issue 21): an emptied, overwritten or damaged file is
a one-line error naming it and its backup, never a new ledger that sends everything again; a
full disk names the real cause and leaves the message in flight pending."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from smtp_server import cli_args, smtp_server, states, write_outbox

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.ledger.db import LedgerBase

OUTREACH = Path(sys.executable).with_name("outreach")
MBOX = b"""From peer1@example.org Tue Jan  5 09:00:00 2027
From: Peer 1 <peer1@example.org>
To: Ada Leader <ada@example.com>
Subject: Re: Coffee and compare notes, Peer 1?
Message-ID: <reply1@example.org>
In-Reply-To: <msg001@outreach.test>
Date: Tue, 05 Jan 2027 09:00:00 +0000

Happy to!

"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def sent_batch(tmp_path: Path):
    """Three messages sent and recorded, then a second run (which sends nothing) that takes the
    ledger's backup; yields (outbox, server, ledger path)."""
    outbox = tmp_path / "outbox"
    write_outbox(outbox, 3)
    ledger = tmp_path / "ledger.sqlite"
    with smtp_server() as server:
        assert run(*cli_args(outbox, server, ledger, "--send")).exit_code == 0
        again = run(*cli_args(outbox, server, ledger, "--send"))
        assert "sent 0" in again.output
        assert len(server.handler.received) == 3
        yield outbox, server, ledger


def test_an_emptied_ledger_sends_nothing_and_names_its_backup(sent_batch) -> None:
    outbox, server, ledger = sent_batch
    assert (ledger.with_name("ledger.sqlite.bak")).is_file()
    ledger.write_bytes(b"")  # : > ledger.sqlite
    result = run(*cli_args(outbox, server, ledger, "--send"))
    assert_one_line_error(result, str(ledger), "empty", f"cp {ledger}.bak {ledger}")
    assert len(server.handler.received) == 3  # nothing went out again
    assert ledger.stat().st_size == 0  # and the file was not made into a new ledger
    shutil.copyfile(f"{ledger}.bak", ledger)  # the restore the error names
    restored = run(*cli_args(outbox, server, ledger, "--send"))
    assert "sent 0, skipped 3 already sent" in restored.output
    assert len(server.handler.received) == 3


def _scribble(path: Path, pages: tuple[int, ...], seed: int = 21) -> None:
    """Random bytes over whole pages (numbered from 1) of a closed ledger."""
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    rng = random.Random(seed)
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * size)
            handle.write(rng.randbytes(size))


@pytest.mark.parametrize("pages", [(2, 3), (1, 2)], ids=["inside", "header"])
def test_random_bytes_over_two_pages_stop_send_status_and_inbox(
        sent_batch, tmp_path: Path, pages: tuple[int, ...]) -> None:
    outbox, server, ledger = sent_batch
    _scribble(ledger, pages)
    damaged = ledger.read_bytes()
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(MBOX)
    for args in (cli_args(outbox, server, ledger, "--send"),
                 ["status", "--ledger", str(ledger)],
                 ["inbox", str(mbox), "--ledger", str(ledger)]):
        result = run(*args)
        assert_one_line_error(result, str(ledger), "not an outreach ledger"
                              if 1 in pages else "damaged", "ledger.sqlite.bak")
    assert len(server.handler.received) == 3
    assert ledger.read_bytes() == damaged  # nothing wrote into the damaged file


def test_the_backup_is_taken_before_each_writing_run(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    with Ledger.open(ledger) as opened:
        opened.queue_message("<a@x>", ["a@example.org"], "First", "a.eml")
    assert not ledger.with_name("ledger.sqlite.bak").exists()  # a new ledger has nothing yet
    with Ledger.open(ledger) as opened:
        opened.queue_message("<b@x>", ["b@example.org"], "Second", "b.eml")
    with Ledger.open(ledger.with_name("ledger.sqlite.bak")) as backup:
        assert [r["message_id"] for r in backup._query("SELECT message_id FROM messages")] == [
            "<a@x>"]  # what was there before the run that added <b@x>


def _limit_pages(monkeypatch: pytest.MonkeyPatch, extra_pages: int) -> None:
    """Every ledger connection may grow the file by only ``extra_pages`` pages: SQLite then
    answers SQLITE_FULL ("database or disk is full"), as on a full disk."""
    configure = LedgerBase._configure

    def limited(self: LedgerBase, busy_seconds: float) -> None:
        configure(self, busy_seconds)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    monkeypatch.setattr(LedgerBase, "_configure", limited)


def test_a_full_disk_names_the_cause_and_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox = tmp_path / "outbox"
    ids = write_outbox(outbox, 40)
    ledger = tmp_path / "ledger.sqlite"
    with Ledger.open(ledger):
        pass  # a migrated, empty ledger; the limit applies to what the run adds
    with smtp_server() as server:
        _limit_pages(monkeypatch, 4)
        result = run(*cli_args(outbox, server, ledger, "--send"))
        assert result.exit_code == 2, result.output
        assert "disk is full" in result.output
        assert "Traceback" not in result.output and "cannot rollback" not in result.output
        monkeypatch.undo()
        recorded = states(ledger)
        arrived = server.handler.message_ids()
        assert all(arrived[k.split()[0]] for k, v in recorded.items() if v == "sent")
        assert len(arrived) < len(ids)  # it stopped before the end
        result = run(*cli_args(outbox, server, ledger, "--send"))
        assert result.exit_code == 0, result.output
        arrived = server.handler.message_ids()
        assert set(arrived) == set(ids)  # nothing lost
        assert sum(arrived.values()) - len(ids) <= 1  # at most the one in flight twice
        assert set(states(ledger).values()) == {"sent"}


@pytest.mark.slow
@pytest.mark.integration
def test_a_full_tmpfs_at_commit_names_the_cause(tmp_path: Path) -> None:
    """The ledger on a real 512 kB tmpfs (a private mount namespace: ``unshare``): the WAL
    fills at a COMMIT; the error is SQLite's cause, not "cannot rollback", and a rerun with
    room sends the rest, the one in flight at most twice."""
    (tmp_path / "probe").mkdir()
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs {tmp_path / 'probe'}"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no unprivileged mount namespaces (unshare) for a small tmpfs")
    outbox = tmp_path / "outbox"
    ids = write_outbox(outbox, 30)
    ready, disk, after = tmp_path / "ready.sqlite", tmp_path / "disk", tmp_path / "after.sqlite"
    with Ledger.open(ready):
        pass  # migrated beforehand: the small disk fills while sending, not while migrating
    disk.mkdir()
    ledger = disk / "ledger.sqlite"
    with smtp_server() as server:
        send = " ".join(cli_args(outbox, server, ledger, "--send"))
        script = (f"mount -t tmpfs -o size=512k tmpfs {disk} && cp {ready} {ledger} && "
                  f"{{ {OUTREACH} {send}; status=$?; cp {ledger} {after}; exit $status; }}")
        done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                               script], capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "disk is full" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "cannot rollback" not in done.stderr
        assert 0 < len(server.handler.message_ids()) < len(ids)
        assert run(*cli_args(outbox, server, after, "--send")).exit_code == 0
        arrived = server.handler.message_ids()
        assert set(arrived) == set(ids)
        assert sum(arrived.values()) - len(ids) <= 1

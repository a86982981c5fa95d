"""Two ``outreach send`` processes on one ledger: together, one during the other, and one that
waits at the password prompt while the other finishes. The server must receive each
(Message-ID, recipient) exactly once whatever the timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from smtp_server import (
    FaultyHandler,
    Server,
    cli_args,
    read_until,
    smtp_server,
    start_on_a_terminal,
    write_outbox,
)
from test_send_faults import Tally, key, tally

OUTREACH = Path(sys.executable).with_name("outreach")
PASSWORD = "pw-concurrency"
EXPECTED = {key(n) for n in range(1, 6)}


def start(folder: Path, server: Server, ledger_path: Path, *extra: str,
          env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([str(OUTREACH), *cli_args(folder, server, ledger_path, "--send",
                                                      *extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_senders_started_together_deliver_each_message_once(tmp_path: Path) -> None:
    folder, ledger_path = tmp_path / "emails", tmp_path / "ledger.sqlite"
    write_outbox(folder, 5)
    with smtp_server() as server:
        senders = [start(folder, server, ledger_path) for _ in range(2)]
        results = [(s.wait(timeout=60), *s.communicate()) for s in senders]
        counts = server.handler.counts()
    for code, out, err in results:
        assert code in (0, 3), out + err
        if code == 3:  # the other held the run lock
            assert "is busy: another outreach run is writing" in err
    assert sorted(code for code, _, _ in results)[0] == 0
    assert tally(counts, EXPECTED) == Tally(messages=5, delivered=5, duplicates=0, lost=0)


@pytest.mark.slow
def test_a_sender_started_while_another_runs_sends_nothing(tmp_path: Path) -> None:
    folder, ledger_path = tmp_path / "emails", tmp_path / "ledger.sqlite"
    write_outbox(folder, 5)
    handler = FaultyHandler(stall_on=2)
    with smtp_server(handler) as server:
        first = start(folder, server, ledger_path)
        assert handler.stalled.wait(20), first.communicate()
        second = subprocess.run([str(OUTREACH), *cli_args(folder, server, ledger_path,
                                                          "--send")],
                                capture_output=True, text=True, timeout=60)
        handler.release.set()
        out, err = first.communicate(timeout=60)
        third = subprocess.run([str(OUTREACH), *cli_args(folder, server, ledger_path,
                                                         "--send")],
                               capture_output=True, text=True, timeout=60)
        counts = handler.counts()
    assert second.returncode == 3, second.stdout + second.stderr
    assert f"ledger {ledger_path} is busy" in second.stderr
    assert first.returncode == 0, out + err
    assert "Summary: sent 0, skipped 5 already sent." in third.stdout
    assert tally(counts, EXPECTED) == Tally(messages=5, delivered=5, duplicates=0, lost=0)


def test_a_sender_waiting_at_the_password_prompt_plans_after_it(tmp_path: Path) -> None:
    """The bug of issue 12: the waiting sender's plan was made before the prompt, so after
    the other run finished it sent all of them again."""
    folder, ledger_path = tmp_path / "emails", tmp_path / "ledger.sqlite"
    write_outbox(folder, 5)
    env = {k: v for k, v in os.environ.items() if k != "OUTREACH_SMTP_PASSWORD"}
    with smtp_server(login=("ada", PASSWORD)) as server:
        waiting, master = start_on_a_terminal(
            [str(OUTREACH), *cli_args(folder, server, ledger_path, "--send", "--user", "ada")],
            env)
        shown = read_until(master, b"SMTP password for ada:", 20)
        assert b"SMTP password for ada:" in shown, shown
        other = subprocess.run(
            [str(OUTREACH), *cli_args(folder, server, ledger_path, "--send", "--user", "ada")],
            capture_output=True, text=True, timeout=60,
            env={**env, "OUTREACH_SMTP_PASSWORD": PASSWORD})
        os.write(master, PASSWORD.encode() + b"\n")
        shown += read_until(master, b"Summary:", 20) + read_until(master, b"\n", 2)
        assert waiting.wait(timeout=20) == 0, shown
        counts = server.handler.counts()
    os.close(master)
    assert other.returncode == 0, other.stdout + other.stderr
    assert "Summary: sent 5, skipped 0 already sent." in other.stdout
    assert b"Summary: sent 0, skipped 5 already sent." in shown
    assert tally(counts, EXPECTED) == Tally(messages=5, delivered=5, duplicates=0, lost=0)

"""Exactly once under faults: each case through a real SMTP server on loopback (aiosmtpd).

Every fault test ends with a ``Tally`` of (Message-ID, recipient) deliveries: how many the outbox
holds, how many arrived at least once, how many extra copies arrived, how many never arrived.
The numbers are the ones the closing note of issue 12 quotes.
"""

from __future__ import annotations

import email.utils
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from smtp_server import FaultyHandler, cli_args, smtp_server, states, write_outbox

from outreach import times
from outreach.cli import cli
from outreach.ledger import Ledger, PlannedMessage
from outreach.mail.outbox import load_outbox, plan_batch, with_date
from outreach.mail.smtp import SendOptions, SmtpSettings, send_batch

OUTREACH = Path(sys.executable).with_name("outreach")
CC = "Chief of Staff <cos@example.org>"


class Tally(NamedTuple):
    messages: int  # (Message-ID, recipient) deliveries the outbox asks for
    delivered: int  # of those, arrived at least once
    duplicates: int  # extra copies that arrived (same Message-ID: clients show one)
    lost: int  # never arrived


def tally(counts: Counter[str], expected: set[str]) -> Tally:
    assert set(counts) <= expected, set(counts) - expected  # nothing unexpected arrived
    delivered = sum(1 for k in expected if counts[k])
    return Tally(len(expected), delivered, sum(counts.values()) - delivered,
                 len(expected) - delivered)




def key(number: int, recipient: str | None = None) -> str:
    return f"<msg{number:03d}@outreach.test> {recipient or f'peer{number}@example.org'}"


COS = "cos@example.org"
EXPECTED = {key(1), key(1, COS), key(2), key(3)}  # message 1 is To peer1, Cc the chief of staff


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_outbox(tmp_path / "emails", 3, extra_to={1: CC})
    return tmp_path / "emails"


# ---------------------------------------------------------------- RCPT and DATA faults


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (FaultyHandler(rcpt_replies={2: "421 4.3.2 Service shutting down"}), "421 4.3.2"),
        (FaultyHandler(drop_on_rcpt={2}), "connection lost during RCPT"),
        (FaultyHandler(lose_during={1}), "connection lost during DATA"),
    ],
    ids=["421-on-second-rcpt", "dropped-after-first-rcpt", "dropped-during-data"],
)
def test_a_fault_before_the_final_250_leaves_every_recipient_pending(
    folder: Path, ledger_path: Path, fault: FaultyHandler, reason: str
) -> None:
    """No retries, so the first run stops at the fault: neither recipient of message 1 is
    recorded sent (smtplib's sendmail recorded the first one sent, though no DATA went out);
    the rerun delivers to both, and to nobody twice."""
    with smtp_server(fault) as server:
        first = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send",
                                                 "--retries", "0"))
        after_first = states(ledger_path)
        first_counts = Counter(fault.counts())
        rerun = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = fault.counts()
    assert first.exit_code == 1, first.output
    assert after_first[key(1)] == after_first[key(1, COS)] == "failed-temporary"
    assert after_first[key(2)] == after_first[key(3)] == "sent"
    assert set(first_counts) == {key(2), key(3)}  # message 1 reached nobody
    assert reason in first.output
    assert rerun.exit_code == 0, rerun.output
    assert "Summary: sent 2, skipped 2 already sent." in rerun.output  # the pending two only
    assert set(states(ledger_path).values()) == {"sent"}
    assert tally(counts, EXPECTED) == Tally(messages=4, delivered=4, duplicates=0, lost=0)


def test_421_on_the_second_rcpt_is_retried_in_the_same_run(
    folder: Path, ledger_path: Path
) -> None:
    handler = FaultyHandler(rcpt_replies={2: "421 4.3.2 Service shutting down"})
    with smtp_server(handler) as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert result.exit_code == 0, result.output
    assert "Summary: sent 4, skipped 0 already sent." in result.output
    with Ledger.open(ledger_path) as ledger:
        attempts = ledger.deliveries("<msg001@outreach.test>")
    assert {r: d.attempts for r, d in attempts.items()} == {"peer1@example.org": 2, COS: 2}
    assert tally(counts, EXPECTED) == Tally(messages=4, delivered=4, duplicates=0, lost=0)


def test_a_4xx_on_one_rcpt_sends_to_the_others_and_keeps_it_pending(
    folder: Path, ledger_path: Path
) -> None:
    handler = FaultyHandler(refuse_rcpt={COS: "452 4.2.2 Mailbox full"})
    with smtp_server(handler) as server:
        first = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send",
                                                 "--retries", "0"))
        handler.refuse_rcpt.clear()
        rerun = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert first.exit_code == 1
    assert "Summary: sent 1, skipped 3 already sent." in rerun.output
    (cc_copy,) = [r for r in handler.received if COS in r.recipients]
    assert cc_copy.recipients == [COS]  # the rerun went to the pending one only
    assert tally(counts, EXPECTED) == Tally(messages=4, delivered=4, duplicates=0, lost=0)


def test_dropped_after_the_server_kept_the_message_resends_with_the_same_message_id(
    folder: Path, ledger_path: Path
) -> None:
    """The one ambiguous case, with two recipients: both copies carry one Message-ID."""
    handler = FaultyHandler(drop_during={1})
    with smtp_server(handler) as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert result.exit_code == 0, result.output
    assert handler.message_ids()["<msg001@outreach.test>"] == 2
    assert tally(counts, EXPECTED) == Tally(messages=4, delivered=4, duplicates=2, lost=0)


# ---------------------------------------------------------------- the ledger file


@pytest.mark.parametrize("change", ["deleted", "replaced"])
def test_a_ledger_deleted_or_replaced_mid_run_stops_the_run(
    tmp_path: Path, ledger_path: Path, change: str
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 5)
    expected = {key(n) for n in range(1, 6)}
    handler = FaultyHandler(stall_on=2)
    with smtp_server(handler) as server:
        sender = subprocess.Popen([str(OUTREACH), *cli_args(folder, server, ledger_path,
                                                            "--send")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert handler.stalled.wait(20), sender.communicate()
        if change == "deleted":
            for path in tmp_path.glob("ledger.sqlite*"):
                if not path.name.endswith(".lock"):
                    path.unlink()
        else:
            with Ledger.open(tmp_path / "other.sqlite"):
                pass
            (tmp_path / "other.sqlite").replace(ledger_path)
        handler.release.set()
        out, err = sender.communicate(timeout=30)
        counts = handler.counts()
    assert sender.returncode == 2, out + err
    assert "Summary: sent 2, skipped 0 already sent, 3 left for the next run." in out
    (line,) = err.strip().splitlines()
    word = "disappeared" if change == "deleted" else "was replaced by another file"
    assert line.startswith(f"Error: ledger {ledger_path} {word} during the run; stopped, "
                           "nothing more sent")
    assert tally(counts, expected) == Tally(messages=5, delivered=2, duplicates=0, lost=3)


# ---------------------------------------------------------------- one Message-ID, one file


def test_one_message_id_in_two_files_is_an_error_naming_both(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    copy = folder / "001-peer-1.eml"
    (folder / "009-edited.eml").write_bytes(
        copy.read_bytes().replace(b"peer1@example.org", b"peer9@example.org"))
    with smtp_server() as server:
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        real = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        assert server.handler.received == []
    expected = (f"Error: {folder / '009-edited.eml'}: Message-ID <msg001@outreach.test> is "
                f"also in {copy}; one Message-ID is one message")
    for result in (dry, real):
        assert result.exit_code == 2
        assert result.output.startswith(expected), result.output
    assert states(ledger_path) == {}


# ---------------------------------------------------------------- Date at send time


def test_date_is_set_when_the_message_goes_out_in_the_senders_zone(
    folder: Path, ledger_path: Path
) -> None:
    on_disk = (folder / "002-peer-2.eml").read_bytes()
    with smtp_server() as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send",
                                                  "--tz", "America/Toronto"))
        received = server.handler.received
    assert result.exit_code == 0, result.output
    for message in received:
        raw_dates = [line for line in message.raw.split(b"\r\n") if line.startswith(b"Date:")]
        assert len(raw_dates) == 1  # replaced, not added beside the old one
        sent_at = email.utils.parsedate_to_datetime(str(message.message["Date"]))
        sent_on = times.clock()  # the clock the tests keep ($OUTREACH_NOW)
        assert sent_at == sent_on  # not "Tue, 05 Jan 2027 08:00:00 +0000"
        assert sent_at.utcoffset() == sent_on.astimezone(ZoneInfo("America/Toronto")).utcoffset()
    assert (folder / "002-peer-2.eml").read_bytes() == on_disk  # the file keeps its date


def test_with_date_replaces_a_folded_date_and_touches_nothing_else() -> None:
    wire = (b"From: a@example.com\r\nDate: Tue,\r\n 05 Jan 2027 08:00:00 +0000\r\n"
            b"X-Date-Note: kept\r\nSubject: hi\r\n\r\nDate: in the body stays\r\n")
    moment = datetime(2027, 1, 12, 9, 30, tzinfo=ZoneInfo("America/Toronto"))
    assert with_date(wire, moment) == (
        b"From: a@example.com\r\nDate: Tue, 12 Jan 2027 09:30:00 -0500\r\n"
        b"X-Date-Note: kept\r\nSubject: hi\r\n\r\nDate: in the body stays\r\n")
    assert with_date(b"From: a@example.com\r\n\r\nbody", moment) == (
        b"From: a@example.com\r\nDate: Tue, 12 Jan 2027 09:30:00 -0500\r\n\r\nbody")


def test_each_attempt_gets_the_time_it_was_made(folder: Path, ledger_path: Path) -> None:
    clock = iter(datetime(2027, 1, 12, 9, minute, tzinfo=UTC) for minute in range(60))
    handler = FaultyHandler(data_replies={1: "451 4.3.0 later"})
    with smtp_server(handler) as server, Ledger.open(ledger_path) as ledger:
        plan = plan_batch(load_outbox(folder), ledger)
        send_batch(plan, ledger, SmtpSettings(server.host, server.port, "none"),
                   SendOptions(backoff=0.01, now=lambda: next(clock), zone=UTC))
        first = handler.received[0]
    assert first.message_id == "<msg001@outreach.test>"
    assert first.message["Date"] == "Tue, 12 Jan 2027 09:01:00 +0000"  # 09:00 got the 451


# ---------------------------------------------------------------- stale files


def _plan(ledger_path: Path, folder: Path, states_by_id: dict[str, str]) -> None:
    """The campaign's plan in the ledger: message 1 was superseded by message 3 (same
    person and series), message 2 withdrawn."""
    rows = [
        PlannedMessage(message_id="<msg001@outreach.test>", person_key="p1", series="coffee",
                       kind="invitation", thread="<msg001@outreach.test>",
                       path=str(folder / "001-peer-1.eml"), state=states_by_id.get("1", "current")),
        PlannedMessage(message_id="<msg002@outreach.test>", person_key="p2", series="coffee",
                       kind="invitation", thread="<msg002@outreach.test>",
                       path=str(folder / "002-peer-2.eml"), state=states_by_id.get("2", "current")),
        PlannedMessage(message_id="<msg003@outreach.test>", person_key="p1", series="coffee",
                       kind="invitation", thread="<msg003@outreach.test>",
                       path=str(folder / "003-peer-3.eml")),
    ]
    with Ledger.open(ledger_path) as ledger:
        ledger.save_plan(rows)


def test_a_superseded_or_withdrawn_file_is_refused_and_the_run_sends_nothing(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 4)  # message 4 is not in the plan at all: sent as ever
    _plan(ledger_path, folder, {"1": "superseded", "2": "withdrawn"})
    stale = folder / "001-peer-1.eml"
    stale.write_bytes(stale.read_bytes().replace(b"Coffee next week?", b"Coffee, edited?"))
    with smtp_server() as server:
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        real = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        assert server.handler.received == []  # refused before anything was sent
        (folder / "002-peer-2.eml").unlink()
        stale.unlink()
        after_delete = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = server.handler.counts()
    assert dry.exit_code == 0, dry.output
    assert dry.output.count("refused (no longer in the plan)") == 2
    assert (f"Refused: {stale}: no longer in the plan: superseded by a later message "
            f"({folder / '003-peer-3.eml'}); delete it") in dry.output  # edited: still known
    assert (f"Refused: {folder / '002-peer-2.eml'}: no longer in the plan: withdrawn (the "
            "person left the plan); delete it") in dry.output
    assert "Dry run: 2 messages refused; --send sends nothing until they are deleted." in (
        dry.output)
    assert real.exit_code == 2
    assert real.output.strip() == (
        f"Error: nothing sent: {stale}: no longer in the plan: superseded by a later message "
        f"({folder / '003-peer-3.eml'}); delete it (and 1 more: see the dry run)")
    assert after_delete.exit_code == 0, after_delete.output
    assert counts == {key(3): 1, key(4): 1}


def test_a_library_caller_cannot_send_a_plan_with_a_stale_message(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 3)
    _plan(ledger_path, folder, {"1": "superseded"})
    from outreach.errors import OutreachError

    with smtp_server() as server, Ledger.open(ledger_path) as ledger:
        plan = plan_batch(load_outbox(folder), ledger)
        with pytest.raises(OutreachError, match="no longer in the plan: superseded"):
            send_batch(plan, ledger, SmtpSettings(server.host, server.port, "none"))
        assert server.handler.received == []


def test_a_stale_message_already_sent_needs_nothing_and_blocks_nothing(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    with smtp_server() as server:
        CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send", "--limit", "1"))
        _plan(ledger_path, folder, {"1": "superseded"})
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        real = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = server.handler.counts()
    assert "already sent" in dry.output and "Refused" not in dry.output
    assert real.exit_code == 0, real.output
    assert counts == {key(1): 1, key(2): 1}


# ---------------------------------------------------------------- a plan made outside the lock


def test_a_plan_made_before_another_run_sent_repeats_nothing(
    folder: Path, ledger_path: Path
) -> None:
    """``send_batch`` checks each message against the ledger again under its lock."""
    with smtp_server() as server, Ledger.open(ledger_path) as ledger:
        settings = SmtpSettings(server.host, server.port, "none")
        stale_plan = plan_batch(load_outbox(folder), ledger)
        with Ledger.open(ledger_path) as other:
            send_batch(plan_batch(load_outbox(folder), other), other, settings)
        summary = send_batch(stale_plan, ledger, settings)
        counts = server.handler.counts()
    assert summary.sent == 0 and summary.skipped_sent == 3
    assert tally(counts, EXPECTED) == Tally(messages=4, delivered=4, duplicates=0, lost=0)


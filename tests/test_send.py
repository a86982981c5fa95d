"""``outreach send`` against a real SMTP server on loopback, with injected faults.

Every test parses what the server received and checks the ledger and failed.csv.
"""

from __future__ import annotations

import csv
import mailbox
import os
import signal
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool
from smtp_server import (
    FaultyHandler,
    Server,
    cli_args,
    free_port,
    read_until,
    smtp_server,
    start_on_a_terminal,
    states,
    write_outbox,
)

from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.ledger import Ledger
from outreach.mail.outbox import load_outbox, plan_batch
from outreach.mail.smtp import BatchSummary, SendOptions, SmtpSettings, parse_rate, send_batch

OUTREACH = Path(sys.executable).with_name("outreach")
GOLDEN = Path(__file__).parent / "data" / "golden"


def run_batch(folder: Path, server: Server, ledger_path: Path, **options: object) -> BatchSummary:
    """The library path: load, plan, send (short backoff so retries are quick)."""
    settings = SmtpSettings(host=server.host, port=server.port, security="none")
    with Ledger.open(ledger_path) as ledger:
        plan = plan_batch(load_outbox(folder), ledger)
        return send_batch(plan, ledger, settings, SendOptions(backoff=0.01, **options))  # type: ignore[arg-type]




def key(number: int) -> str:
    return f"<msg{number:03d}@outreach.test> peer{number}@example.org"


def read_failed(folder: Path) -> list[dict[str, str]]:
    with (folder / "failed.csv").open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


def test_dry_run_lists_messages_and_sends_nothing(tmp_path: Path, ledger_path: Path) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 3)
    with smtp_server() as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        assert server.handler.received == []
    assert result.exit_code == 0, result.output
    assert "peer2@example.org" in result.output
    assert "Coffee and compare notes, Peer 3?" in result.output
    assert result.output.count("new") == 3
    assert "Dry run: 3 of 3 messages would be sent" in result.output
    assert states(ledger_path) == {}


def test_dry_run_output_matches_the_golden_file(
    tmp_path: Path, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One new, one already sent, one resend after a crash (OUTREACH_UPDATE_GOLDEN=1)."""
    monkeypatch.setenv("COLUMNS", "120")
    folder = tmp_path / "emails"
    write_outbox(folder, 3)
    with Ledger.open(ledger_path) as ledger:
        ledger.queue_message("<msg001@outreach.test>", ["peer1@example.org"], "s", "f")
        ledger.mark_sent("<msg001@outreach.test>", ["peer1@example.org"], "250 OK")
        ledger.queue_message("<msg002@outreach.test>", ["peer2@example.org"], "s", "f")
        ledger.mark_sending("<msg002@outreach.test>", ["peer2@example.org"])
    result = CliRunner().invoke(cli, ["send", str(folder), "--ledger", str(ledger_path)])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "send_dry_run.txt"
    if os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1":
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")


def test_send_delivers_each_message_once_and_a_rerun_sends_nothing(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    ids = write_outbox(folder, 3)
    with smtp_server() as server:
        first = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        second = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        received = server.handler.received
    assert first.exit_code == 0, first.output
    assert "Summary: sent 3, skipped 0 already sent." in first.output
    assert "Summary: sent 0, skipped 3 already sent." in second.output
    assert dry.output.count("already sent") == 3
    assert sorted(r.message_id for r in received) == ids
    assert received[0].message["Subject"] == "Coffee and compare notes, Peer 1?"
    assert "Coffee next week?" in received[0].message.get_content()
    assert set(states(ledger_path).values()) == {"sent"}
    assert not (folder / "failed.csv").exists()
    with Ledger.open(ledger_path) as ledger:
        replies = {r[0] for r in ledger._query("SELECT last_reply FROM messages")}
        invited = ledger._query("SELECT kind, note FROM events ORDER BY id")
    assert replies == {"250 2.0.0 OK queued as q1", "250 2.0.0 OK queued as q2",
                       "250 2.0.0 OK queued as q3"}
    assert tuple(invited[0]) == ("invited", "Coffee and compare notes, Peer 1?")


def test_what_arrives_is_the_file_byte_for_byte_minus_bcc(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    folder.mkdir()
    message = EmailMessage()
    message["From"] = "Ada Leader <ada@example.com>"
    message["To"] = "Zoë Ødegård <zoë@example.no>, peer1@example.org"
    message["Bcc"] = "archive@example.com"
    message["Subject"] = "Kaffe, Zoë?"
    message["Message-ID"] = "<bcc1@outreach.test>"
    message.set_content("Hei Zoë,\n.a line that starts with a dot\n", cte="8bit")
    raw = bytes(message)
    (folder / "one.eml").write_bytes(raw)
    with smtp_server() as server:
        summary = run_batch(folder, server, ledger_path)
        (arrived,) = server.handler.received
    assert summary.sent == 3
    assert sorted(arrived.recipients) == [
        "archive@example.com", "peer1@example.org", "zoë@example.no"
    ]
    assert arrived.message["Bcc"] is None
    assert arrived.message["Subject"] == "Kaffe, Zoë?"
    content = arrived.message.get_content().replace("\r\n", "\n")
    assert content == "Hei Zoë,\n.a line that starts with a dot\n"
    without_bcc = b"".join(
        line for line in raw.splitlines(keepends=True) if not line.startswith(b"Bcc:")
    )
    head, _, body = arrived.raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    *kept, date_line = head.split(b"\n")
    assert date_line.startswith(b"Date: ")  # the file had none: set at send time
    assert b"\n".join(kept) + b"\n\n" + body == without_bcc  # what was reviewed is sent


def test_connection_dropped_after_a_message_reconnects_and_sends_each_once(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    ids = write_outbox(folder, 5)
    with smtp_server(FaultyHandler(drop_after={2})) as server:
        summary = run_batch(folder, server, ledger_path)
        counts = server.handler.counts()
    assert summary.sent == 5 and summary.failed == 0
    assert counts == {key(n): 1 for n in range(1, 6)}
    assert sorted({r.split()[0] for r in counts}) == ids
    assert set(states(ledger_path).values()) == {"sent"}


def test_451_on_first_try_is_retried_and_delivered_once(tmp_path: Path, ledger_path: Path) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 3)
    handler = FaultyHandler(data_replies={1: "451 4.3.0 Try again later"})
    with smtp_server(handler) as server:
        summary = run_batch(folder, server, ledger_path)
        counts = server.handler.counts()
    assert summary.sent == 3
    assert counts == {key(n): 1 for n in range(1, 4)}
    with Ledger.open(ledger_path) as ledger:
        attempts = {r[0]: r[1] for r in ledger._query("SELECT recipient, attempts FROM messages")}
    assert attempts == {"peer1@example.org": 2, "peer2@example.org": 1, "peer3@example.org": 1}


def test_a_lasting_4xx_ends_failed_temporary_and_a_rerun_delivers_it(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    busy = "452 4.2.2 Mailbox busy"
    handler = FaultyHandler(refuse_rcpt={"peer2@example.org": busy})
    with smtp_server(handler) as server:
        first = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        assert states(ledger_path)[key(2)] == "failed-temporary"
        (failure,) = read_failed(folder)
        handler.refuse_rcpt.clear()
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        second = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert first.exit_code == 1
    assert failure["recipient"] == "peer2@example.org"
    assert failure["server_reply"] == busy
    assert failure["attempts"] == "4"
    assert "retry (temporary failure)" in dry.output
    assert second.exit_code == 0, second.output
    assert counts == {key(1): 1, key(2): 1}
    assert not (folder / "failed.csv").exists()  # nothing failed any more


def test_550_for_one_recipient_fails_it_and_the_batch_goes_on(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 4, extra_to={3: "Nobody <nobody@example.org>"})
    handler = FaultyHandler(refuse_rcpt={
        "peer2@example.org": "550 5.1.1 <peer2@example.org>: no such user",
        "nobody@example.org": "550 5.1.1 unknown",
    })
    with smtp_server(handler) as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        rerun = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert result.exit_code == 1
    assert "Summary: sent 3, skipped 0 already sent, failed 2." in result.output
    # message 3 reached peer3 although its Cc was refused (smtplib's refused dict)
    assert counts == {key(1): 1, key(3): 1, key(4): 1}
    ledger_states = states(ledger_path)
    assert ledger_states[key(2)] == "failed-permanent"
    assert ledger_states["<msg003@outreach.test> nobody@example.org"] == "failed-permanent"
    failures = {row["recipient"]: row for row in read_failed(folder)}
    assert failures["peer2@example.org"]["server_reply"] == (
        "550 5.1.1 <peer2@example.org>: no such user"
    )
    assert failures["nobody@example.org"]["state"] == "failed-permanent"
    assert failures["nobody@example.org"]["source"].endswith("003-peer-3.eml")
    assert "Summary: sent 0, skipped 3 already sent, skipped 2 failed permanently" in (
        rerun.output  # not retried without --retry-failed
    )


def test_connection_dropped_mid_data_resends_with_the_same_message_id(
    tmp_path: Path, ledger_path: Path
) -> None:
    """The one ambiguous case: the server took message 2 but its 250 never came back."""
    folder = tmp_path / "emails"
    write_outbox(folder, 4)
    with smtp_server(FaultyHandler(drop_during={2})) as server:
        summary = run_batch(folder, server, ledger_path)
        counts = server.handler.counts()
    assert summary.sent == 4
    # at-least-once at the wire: message 2 arrived twice, as the same Message-ID
    assert counts == {key(1): 1, key(2): 2, key(3): 1, key(4): 1}
    assert set(states(ledger_path).values()) == {"sent"}


def _start_sender(folder: Path, server: Server, ledger_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(OUTREACH), *cli_args(folder, server, ledger_path, "--send")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_ctrl_c_finishes_the_current_message_then_a_rerun_sends_the_rest(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 5)
    handler = FaultyHandler(stall_on=3)
    with smtp_server(handler) as server:
        sender = _start_sender(folder, server, ledger_path)
        assert handler.stalled.wait(20), sender.communicate()
        sender.send_signal(signal.SIGINT)  # while message 3 waits for the server's 250
        assert sender.stderr is not None
        noticed = read_until(sender.stderr.fileno(), b"Stopping after the current message", 20)
        handler.release.set()
        out, err = sender.communicate(timeout=30)
        assert sender.returncode == 130, noticed.decode() + out + err
        assert b"Stopping after the current message" in noticed
        assert states(ledger_path)[key(3)] == "sent"
        rerun = subprocess.run([str(OUTREACH), *cli_args(folder, server, ledger_path, "--send")],
                               capture_output=True, text=True, timeout=60)
        counts = handler.counts()
    assert rerun.returncode == 0, rerun.stderr
    assert "Summary: sent 2, skipped 3 already sent." in rerun.stdout
    assert counts == {key(n): 1 for n in range(1, 6)}  # exactly once: no duplicate, none lost


def test_killed_mid_transaction_loses_nothing_and_repeats_only_that_message_id(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 5)
    handler = FaultyHandler(stall_on=3)
    with smtp_server(handler) as server:
        sender = _start_sender(folder, server, ledger_path)
        assert handler.stalled.wait(20), sender.communicate()
        sender.kill()
        sender.wait(timeout=10)
        ledger_states = states(ledger_path)
        handler.stall_on = None
        handler.release.set()
        dry = CliRunner().invoke(cli, cli_args(folder, server, ledger_path))
        rerun = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        counts = handler.counts()
    assert ledger_states == {key(1): "sent", key(2): "sent", key(3): "sending"}
    assert "resend (interrupted)" in dry.output
    assert rerun.exit_code == 0, rerun.output
    # None lost; the message cut off mid-DATA arrived twice, both with its one Message-ID, which
    # receiving servers and clients collapse. Every other message arrived exactly once.
    assert set(counts) == {key(n) for n in range(1, 6)}
    assert counts[key(3)] == 2
    assert all(counts[key(n)] == 1 for n in (1, 2, 4, 5))
    assert set(states(ledger_path).values()) == {"sent"}


def test_an_unreachable_server_stops_the_batch_with_nothing_marked_sent(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(cli, ["send", str(folder), "--smtp-host", "127.0.0.1", "--port",
                                      str(port), "--security", "none", "--ledger",
                                      str(ledger_path), "--retries", "1", "--retry-wait", "0.01",
                                      "--send"])
    assert result.exit_code == 1
    assert "Summary: sent 0, skipped 0 already sent, 2 left for the next run." in result.output
    assert f"Error: cannot reach SMTP server 127.0.0.1:{port}: " in result.output
    assert result.output.rstrip().endswith("rerun to send the rest")
    assert states(ledger_path) == {}


def test_limit_stops_after_n_and_rate_throttles(tmp_path: Path, ledger_path: Path) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 5)
    with smtp_server() as server:
        result = CliRunner().invoke(
            cli, cli_args(folder, server, ledger_path, "--send", "--limit", "2")
        )
        clock = FakeClock()
        summary = run_batch(folder, server, ledger_path, rate=parse_rate("600/min"),
                            clock=clock, sleep=clock.sleep)
        counts = server.handler.counts()
    assert "Summary: sent 2, skipped 0 already sent, 3 left for the next run." in result.output
    assert summary.sent == 3
    assert clock.waits == pytest.approx([0.1, 0.1])  # 3 messages at 10/s: two waits of 0.1 s
    assert counts == {key(n): 1 for n in range(1, 6)}


class FakeClock:
    """A monotonic clock that moves only when slept on: the rate limit's waits, exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("30/min", 0.5), ("2/s", 2.0), ("360/h", 0.1), ("120", 2.0), (60, 1.0), (None, None)],
)
def test_parse_rate(text: str | int | None, per_second: float | None) -> None:
    assert parse_rate(text) == per_second


def test_parse_rate_refuses_nonsense() -> None:
    with pytest.raises(OutreachError, match="rate: cannot read 'fast'"):
        parse_rate("fast")


def test_mbox_input_is_sent_and_failed_csv_goes_beside_it(
    tmp_path: Path, ledger_path: Path
) -> None:
    source = tmp_path / "emails"
    write_outbox(source, 3)
    box = mailbox.mbox(tmp_path / "outbox.mbox")
    for path in sorted(source.glob("*.eml")):
        box.add(path.read_bytes())
    box.flush()
    box.close()
    handler = FaultyHandler(refuse_rcpt={"peer3@example.org": "550 5.7.1 =HYPERLINK(\"x\")"})
    with smtp_server(handler) as server:
        result = CliRunner().invoke(
            cli, cli_args(tmp_path / "outbox.mbox", server, ledger_path, "--send")
        )
        counts = handler.counts()
    assert result.exit_code == 1
    assert counts == {key(1): 1, key(2): 1}
    (failure,) = read_failed(tmp_path)
    assert failure["source"].endswith("outbox.mbox#3")
    assert failure["server_reply"] == "550 5.7.1 =HYPERLINK(\"x\")"  # reply is not at cell start
    hostile = tmp_path / "failed.csv"
    assert "\n=" not in hostile.read_text(encoding="utf-8")


def test_a_message_without_message_id_is_refused_before_anything_is_sent(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    broken = EmailMessage()
    broken["From"] = "ada@example.com"
    broken["To"] = "peer9@example.org"
    broken.set_content("no id\n")
    (folder / "000-broken.eml").write_bytes(bytes(broken))
    with smtp_server() as server:
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        assert server.handler.received == []
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {folder / '000-broken.eml'}: Message-ID: missing (needed to send exactly once)"
    )
    assert "Traceback" not in result.output


def test_missing_input_and_empty_folder_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["send", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 'empty'}: no .eml files to send" in result.output
    (tmp_path / "notes.txt").write_text("hello\n")
    result = CliRunner().invoke(cli, ["send", str(tmp_path / "notes.txt")])
    assert "not an mbox file" in result.output


# ---------------------------------------------------------------- passwords and TLS

PASSWORD = "pw-S3cret!-do-not-print"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_login_uses_the_env_password_and_never_prints_it(
    tmp_path: Path, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server(login=("ada", PASSWORD)) as server:
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "wrong-" + PASSWORD)
        refused = CliRunner().invoke(
            cli, cli_args(folder, server, ledger_path, "--send", "--user", "ada")
        )
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
        accepted = CliRunner().invoke(
            cli, cli_args(folder, server, ledger_path, "--send", "--user", "ada")
        )
        counts = server.handler.counts()
    assert refused.exit_code == 2
    assert f"Error: SMTP server {server.host}:{server.port} refused the login for ada: 535" in (
        refused.output
    )
    assert accepted.exit_code == 0, accepted.output
    assert counts == {key(1): 1}
    for result in (refused, accepted):
        assert PASSWORD not in result.output
        assert PASSWORD not in (result.stderr_bytes or b"").decode()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_prompt_on_a_terminal_does_not_echo(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    env = {k: v for k, v in os.environ.items() if k != "OUTREACH_SMTP_PASSWORD"}
    with smtp_server(login=("ada", PASSWORD)) as server:
        sender, master = start_on_a_terminal(  # getpass reads the controlling terminal
            [str(OUTREACH), *cli_args(folder, server, ledger_path, "--send", "--user", "ada")],
            env)
        shown = read_until(master, b"SMTP password for ada:", 20)
        os.write(master, PASSWORD.encode() + b"\n")
        shown += read_until(master, b"Summary:", 20) + read_until(master, b"\n", 2)
        assert sender.wait(timeout=20) == 0, shown
        counts = server.handler.counts()
    os.close(master)
    assert b"SMTP password for ada:" in shown
    assert b"Summary: sent 1" in shown
    assert PASSWORD.encode() not in shown  # the terminal did not echo it, nothing printed it
    assert counts == {key(1): 1}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_that_wants_a_login_stops_the_batch_without_failing_messages(
    tmp_path: Path, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    with smtp_server(login=("ada", PASSWORD)) as server:
        anonymous = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        after_refusal = states(ledger_path)
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
        logged_in = CliRunner().invoke(
            cli, cli_args(folder, server, ledger_path, "--send", "--user", "ada")
        )
        counts = server.handler.counts()
    assert anonymous.exit_code == 2
    assert "refused to relay without a login (530" in anonymous.output
    assert "use --user" in anonymous.output
    assert after_refusal == {key(1): "failed-temporary"}  # not permanent: a login fixes it
    assert logged_in.exit_code == 0, logged_in.output
    assert counts == {key(1): 1, key(2): 1}


def test_without_a_terminal_or_env_password_login_is_a_clear_error(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server() as server:
        result = CliRunner().invoke(
            cli, cli_args(folder, server, ledger_path, "--send", "--user", "ada")
        )
    assert result.exit_code == 2
    assert "Error: --user ada: set OUTREACH_SMTP_PASSWORD" in result.output


def test_password_is_never_sent_unencrypted_to_a_remote_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    result = CliRunner().invoke(cli, ["send", str(folder), "--send", "--smtp-host",
                                      "smtp.example.com", "--security", "none", "--user", "ada"])
    assert result.exit_code == 2
    assert "refusing to send the password for ada unencrypted to smtp.example.com" in (
        result.output
    )
    assert PASSWORD not in result.output
    assert "password=" not in repr(SmtpSettings(user="ada", password=PASSWORD))


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = require_tool("openssl", "self-signed certificate for the STARTTLS test")
    folder = tmp_path_factory.mktemp("tls")
    cert, private_key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(private_key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, private_key


def test_starttls_rejects_an_untrusted_certificate_unless_its_ca_is_given(
    tmp_path: Path, ledger_path: Path, self_signed: tuple[Path, Path]
) -> None:
    import ssl

    cert, private_key = self_signed
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, private_key)
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    with smtp_server(tls_context=server_context) as server:
        base = ["send", str(folder), "--smtp-host", server.host, "--port", str(server.port),
                "--ledger", str(ledger_path), "--send"]  # --security starttls is the default
        refused = CliRunner().invoke(cli, base)
        assert server.handler.received == []
        trusted = CliRunner().invoke(cli, [*base, "--ca-file", str(cert)])
        counts = server.handler.counts()
    assert refused.exit_code == 2
    assert f"Error: SMTP server {server.host}:{server.port}: TLS certificate not trusted" in (
        refused.output
    )
    assert trusted.exit_code == 0, trusted.output
    assert counts == {key(1): 1, key(2): 1}


def test_implicit_tls_verifies_the_certificate_too(
    tmp_path: Path, ledger_path: Path, self_signed: tuple[Path, Path]
) -> None:
    import ssl

    cert, private_key = self_signed
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, private_key)
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server(ssl_context=server_context) as server:
        base = ["send", str(folder), "--smtp-host", server.host, "--port", str(server.port),
                "--security", "ssl", "--ledger", str(ledger_path), "--send"]
        refused = CliRunner().invoke(cli, base)
        trusted = CliRunner().invoke(cli, [*base, "--ca-file", str(cert)])
        counts = server.handler.counts()
    assert refused.exit_code == 2
    assert "TLS certificate not trusted" in refused.output
    assert trusted.exit_code == 0, trusted.output
    assert counts == {key(1): 1}


def test_a_second_sender_on_the_same_ledger_is_refused(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server() as server, Ledger.open(ledger_path) as other, other.exclusive():
        result = CliRunner().invoke(cli, cli_args(folder, server, ledger_path, "--send"))
        assert server.handler.received == []
    assert result.exit_code == 3
    assert f"Error: ledger {ledger_path} is busy: another outreach run is writing" in (
        result.output
    )


def test_the_sender_subprocess_sees_the_env_ledger(tmp_path: Path) -> None:
    """``--ledger`` falls back to $OUTREACH_LEDGER (set per test by conftest)."""
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server() as server:
        result = CliRunner().invoke(cli, ["send", str(folder), "--smtp-host", server.host,
                                          "--port", str(server.port), "--security", "none",
                                          "--send"])
    assert result.exit_code == 0, result.output
    assert states(Path(os.environ["OUTREACH_LEDGER"])) == {key(1): "sent"}


@pytest.mark.parametrize("rate", ["abc", "0/min", "5/fortnight"])
def test_a_bad_rate_is_refused_in_a_dry_run_too(tmp_path: Path, rate: str) -> None:
    result = CliRunner().invoke(cli, ["send", str(tmp_path), "--rate", rate])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: --rate: cannot read {rate!r}")


@pytest.mark.parametrize("variable", ["OUTREACH_SEND_SEND", "OUTREACH_SEND_REALLY_SEND"])
def test_only_the_send_flag_on_the_command_line_sends(
        tmp_path: Path, ledger_path: Path, variable: str) -> None:
    """No environment variable (and no outreach.toml key) turns a dry run into real sending."""
    folder = tmp_path / "emails"
    write_outbox(folder, 2)
    (tmp_path / "outreach.toml").write_text("[smtp]\nhost = \"127.0.0.1\"\n", encoding="utf-8")
    with smtp_server() as server:
        result = CliRunner().invoke(
            cli, ["--config", str(tmp_path / "outreach.toml"),
                  *cli_args(folder, server, ledger_path)],
            env={variable: "1"})
        assert server.handler.received == []
    assert result.exit_code == 0, result.output
    assert "Dry run: 2 of 2 messages would be sent" in result.output
    assert states(ledger_path) == {}
    assert variable not in CliRunner().invoke(cli, ["send", "--help"]).output


def test_a_non_ascii_local_part_is_sent_to_that_very_address(tmp_path: Path) -> None:
    """``zoë@…`` (RFC 6531/6532): ``emails`` writes it into To as UTF-8 and ``send`` gives
    the server that address with SMTPUTF8, not the replacement characters a bytes parser
    reads back."""
    from smtp_server import cli_args, smtp_server

    peers = tmp_path / "peers.csv"
    peers.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On,score,reason\n"
        "Zoe,Ødegård,https://www.linkedin.com/in/zoe,zoë@bücher.example,Acme,VP Marketing,"
        "01 Jan 2025,0.9,same job\n", encoding="utf-8")
    out, ledger = tmp_path / "out", tmp_path / "l.sqlite"
    made = CliRunner().invoke(cli, ["emails", str(peers), "--out", str(out), "--from",
                                    "Pat Lee <pat@example.com>", "--ledger", str(ledger)])
    assert made.exit_code == 0, made.output
    with smtp_server(smtputf8=True) as server:
        dry = CliRunner().invoke(cli, cli_args(out, server, ledger))
        assert dry.exit_code == 0, dry.output
        assert "zoë@xn--bcher-kva.example" in dry.output and "\ufffd" not in dry.output
        sent = CliRunner().invoke(cli, cli_args(out, server, ledger, "--send"))
        assert sent.exit_code == 0, sent.output
        (received,) = server.handler.received
    assert received.recipients == ["zoë@xn--bcher-kva.example"]


def test_a_to_header_that_is_not_utf8_is_refused_not_sent(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "001.eml").write_bytes(
        b"From: Pat Lee <pat@example.com>\r\nTo: Zoe <zo\xeb@example.com>\r\n"
        b"Subject: Hi\r\nMessage-ID: <m1@example.com>\r\n\r\nHello\r\n")
    result = CliRunner().invoke(cli, ["send", str(out), "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 2, result.output
    assert "001.eml: To/Cc:" in result.output and "is not an e-mail address" in result.output

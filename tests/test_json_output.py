"""``--format json`` and ``--quiet`` on campaign, send, inbox, followups and log: one JSON
object with the keys docs/json.md documents, and nothing but errors and warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtp_server import smtp_server, write_outbox

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.model import Person

ZOE = Person("Zoë", "Ødegård", company="Nordic AS", email="zoe@example.org")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def parsed(*args: str) -> dict[str, object]:
    code, out, err = run(*args, "--format", "json")
    assert code == 0, out + err
    data = json.loads(out)  # the whole of standard output is one object
    assert isinstance(data, dict)
    return data


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.remember_people([ZOE])
    return path


def test_log_json_and_quiet(ledger_path: Path) -> None:
    data = parsed("log", "met", "zoe", "--on", "2026-03-01", "--note", "coffee",
                  "--ledger", str(ledger_path))
    assert set(data) == {"command", "kind", "person", "on", "note", "card"}
    assert (data["command"], data["kind"], data["on"], data["note"]) == (
        "log", "met", "2026-03-01", "coffee")
    assert "Zoë Ødegård" in str(data["person"])
    code, out, err = run("log", "gave", "zoe", "--quiet", "--ledger", str(ledger_path))
    assert (code, out, err) == (0, "", "")


def test_followups_json_when_none_is_due(tmp_path: Path, ledger_path: Path) -> None:
    data = parsed("followups", "--from", "Pat Lee <pat@example.com>", "--today", "2027-03-10",
                  "--out", str(tmp_path / "f"), "--ledger", str(ledger_path))
    assert set(data) == {"command", "written", "unchanged", "out", "emails", "linkedin_notes",
                         "skipped"}
    assert data["written"] == 0 and data["emails"] == []


def test_inbox_json_from_an_mbox(tmp_path: Path, ledger_path: Path) -> None:
    mbox = tmp_path / "in.mbox"
    mbox.write_bytes(b"")
    data = parsed("inbox", str(mbox), "--ledger", str(ledger_path))
    assert set(data) == {"command", "source", "read", "ignored", "already_read",
                         "not_believed", "learned", "skipped"}
    assert data["read"] == 0 and data["learned"] == []
    code, out, _ = run("inbox", str(mbox), "-q", "--ledger", str(ledger_path))
    assert (code, out) == (0, "")


def test_send_dry_run_json(tmp_path: Path) -> None:
    write_outbox(tmp_path / "out", 2)
    data = parsed("send", str(tmp_path / "out"), "--ledger", str(tmp_path / "l.sqlite"))
    assert set(data) == {"command", "dry_run", "messages", "would_send", "refused",
                         "nothing_needed"}
    assert (data["dry_run"], data["messages"], data["would_send"]) == (True, 2, 2)


@pytest.mark.slow
def test_send_json_after_sending(tmp_path: Path) -> None:
    write_outbox(tmp_path / "out", 2)
    with smtp_server() as server:
        data = parsed("send", str(tmp_path / "out"), "--send", "--smtp-host", server.host,
                      "--port", str(server.port), "--security", "none",
                      "--ledger", str(tmp_path / "l.sqlite"))
    assert set(data) == {"command", "dry_run", "sent", "skipped_sent", "skipped_failed",
                         "failed", "not_attempted", "interrupted", "failed_csv"}
    assert (data["sent"], data["failed"], data["failed_csv"]) == (2, 0, None)


@pytest.mark.slow
def test_campaign_json_and_quiet(tmp_path: Path) -> None:
    export = str(next((Path(__file__).resolve().parent.parent / "sample_data").glob("*.zip")))
    base = ["campaign", export, "--out", str(tmp_path / "out"), "--ledger",
            str(tmp_path / "l.sqlite"), "--start", "2027-01-05T08:00", "--tz",
            "America/Toronto", "--no-preview"]
    data = parsed(*base)
    assert set(data) == {"command", "out", "report", "outputs", "rotation_peers",
                         "forum_peers", "meetings", "emails", "notes", "warnings"}
    assert len(data["rotation_peers"]) == 5  # type: ignore[arg-type]
    assert {"path", "what", "changed"} == set(data["outputs"][0])  # type: ignore[index]
    code, out, _ = run(*base, "--quiet")
    assert (code, out) == (0, "")

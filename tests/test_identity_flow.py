"""One person, one identity across stages: `emails` → `send` → `rotation` → `log met`.

The bug: send remembered Ana by her display name, rotation by her profile URL, so the ledger
held two Anas and `outreach log met "Ana García"` refused as ambiguous (and so did the address
its error suggested)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from smtp_server import smtp_server

from outreach.cli import cli
from outreach.ledger import Ledger

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
ROWS = ("Ana,García,https://www.linkedin.com/in/ana-garc%C3%ADa/,ana@initech.example,Initech,"
        "VP Marketing,01 Jan 2024\n"
        "Ben,Okafor,https://www.linkedin.com/in/ben-okafor,ben@hooli.example,Hooli,VP Marketing,"
        "01 Jan 2024\n")
WHEN = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto"]


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_emails_send_rotation_then_log_by_name_and_by_address(tmp_path: Path) -> None:
    export = tmp_path / "Connections.csv"
    export.write_text(HEADER + ROWS, encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    sender = ["--from", "Pat Lee <pat@acme.example>"]
    invoke("emails", str(export), "--title", "VP Marketing", "--company", "Acme", *sender, *WHEN,
           "--out", str(tmp_path / "emails"), "--ledger", str(ledger))
    with smtp_server() as server:
        invoke("send", str(tmp_path / "emails"), "--smtp-host", server.host, "--port",
               str(server.port), "--security", "none", "--ledger", str(ledger), "--send")
    # the profile URL spelled another way: the same person
    export.write_text(HEADER + ROWS.replace("ana-garc%C3%ADa/", "ana-garcía"), encoding="utf-8")
    invoke("rotation", str(export), "--title", "VP Marketing", "--company", "Acme", *sender,
           *WHEN, "--out", str(tmp_path / "calendar"), "--ledger", str(ledger))
    with Ledger.open(ledger) as opened:
        anas = [p for p in opened.all_people().values() if p.first_name == "Ana"]
    assert len(anas) == 1
    assert anas[0].email == "ana@initech.example"
    assert "Ana García" in invoke("log", "met", "Ana García", "--ledger", str(ledger))
    assert "Ana García" in invoke("log", "gave", "ana@initech.example", "--ledger", str(ledger))


def test_log_finds_a_person_by_any_spelling_of_their_profile_url(tmp_path: Path) -> None:
    from outreach.model import Person

    ledger = tmp_path / "ledger.sqlite"
    with Ledger.open(ledger) as opened:
        opened.remember_people([Person("José", "Núñez", url="https://www.linkedin.com/in/josé-n")])
    for spelling in ("http://uk.linkedin.com/in/Jos%C3%A9-N/", "https://www.linkedin.com/in/josé-n"):
        assert "José Núñez" in invoke("log", "met", spelling, "--ledger", str(ledger))

"""Everyone the campaign plans a meeting with is told: by e-mail where there is an address we
may write to, else by LinkedIn note, and the summary, linkedin.csv, peers.csv and report.html
say the same thing (issue 18)."""

from __future__ import annotations

import csv
import email
import email.policy
import mailbox
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner
from inbox_samples import sample
from smtp_server import smtp_server

from outreach.cli import cli

ORGANIZER = "dana.whitfield@example.com"
FROM = ["--from", f"Dana Whitfield <{ORGANIZER}>"]
START = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café Olimpico"]
PEERS = [  # VP Marketing peers at different companies, best first (connected most recently)
    ("Ana", "Souza", "Globex", "ana.souza@globex.example"),
    ("Jane", "Doe", "Doe Corp", "jane@example..com"),
    ("Max", "Müller", "Müller KG", "x@mllershne,kg.example"),
    ("Ben", "Okafor", "Initech", "ben.okafor@initech.example"),
    ("Chloé", "Martin", "Umbrella", "chloe.martin@umbrella.example"),
    ("Dev", "Patel", "Hooli", "dev.patel@hooli.example"),
    ("Eva", "Lind", "Stark", "eva.lind@stark.example"),
]


def slug(first: str, last: str) -> str:
    return f"{first}-{last}".lower().replace("é", "e").replace("ü", "u")


def connections(folder: Path, rows: Iterable[tuple[str, str, str, str, str, str]]) -> Path:
    """folder/Connections.csv of (first, last, URL, address, company, position), all connected
    on 08 Feb 2026."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Connections.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company",
                         "Position", "Connected On"])
        for row in rows:
            writer.writerow([*row, "08 Feb 2026"])
    return path


def export(folder: Path, peers: list[tuple[str, str, str, str]] = PEERS) -> Path:
    return connections(folder, [
        (first, last, f"https://www.linkedin.com/in/{slug(first, last)}", address, company,
         "VP Marketing") for first, last, company, address in peers])


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def campaign(base: Path, *extra: str) -> str:
    return run("campaign", export(base / "export"), "--out", base / "out", "--ledger",
               base / "l.sqlite", "--title", "VP Marketing", "--no-preview", *START, *FROM,
               *extra)


def notes(out: Path) -> dict[str, str]:
    with (out / "linkedin.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["First Name"]: row["Message"] for row in csv.DictReader(handle)}


def test_a_rotation_peer_with_an_invalid_address_gets_a_linkedin_note(tmp_path: Path) -> None:
    output = campaign(tmp_path, "--rotation-size", "7", "--yes")
    out = tmp_path / "out"
    assert set(notes(out)) == {"Jane", "Max"}
    assert ("warning: Jane Doe (https://www.linkedin.com/in/jane-doe): invalid e-mail address "
            "'jane@example..com'; LinkedIn note instead") in output
    assert not (out / "emails" / "jane-doe.eml").exists()
    assert "7 people in the plan: 5 told by e-mail, 2 by LinkedIn note." in output
    assert "2 LinkedIn notes in all." in output
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<td>Jane Doe</td><td>rotation</td><td>LinkedIn note</td>" in report
    with (out / "peers.csv").open(encoding="utf-8-sig", newline="") as handle:
        reasons = {row["First Name"]: row["reason"] for row in csv.DictReader(handle)}
    assert "+ e-mail" not in reasons["Jane"] and "+ e-mail" not in reasons["Max"]
    assert "+ e-mail 0.10" in reasons["Ana"]


def test_someone_who_cannot_be_told_is_named_and_the_counts_still_add_up(
        tmp_path: Path) -> None:
    peers = [*PEERS[:3], ("Kim", "Park", "Park Co", "")]
    path = export(tmp_path / "export", peers)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "https://www.linkedin.com/in/kim-park", ""), encoding="utf-8")
    output = run("campaign", path, "--out", tmp_path / "out", "--ledger", tmp_path / "l.sqlite",
                 "--title", "VP Marketing", "--no-preview", *START, *FROM)
    assert ("4 people in the plan: 1 told by e-mail, 2 by LinkedIn note, 1 cannot be told: "
            "Kim Park (no e-mail address and no profile URL).") in output


@pytest.mark.slow
@pytest.mark.integration
def test_a_bounced_peer_really_gets_the_linkedin_note_announced(tmp_path: Path) -> None:
    peers = [p for p in PEERS if "@" in p[3] and ".." not in p[3] and "," not in p[3]]
    path = export(tmp_path / "export", peers)
    ledger, out = tmp_path / "l.sqlite", tmp_path / "out"
    args = ["--out", out, "--ledger", ledger, "--title", "VP Marketing", "--no-preview",
            "--rotation-size", "5", *START, *FROM]
    run("campaign", path, *args)
    with smtp_server() as server:
        run("send", out / "emails", "--smtp-host", server.host, "--port", str(server.port),
            "--security", "none", "--ledger", ledger, "--send")
    dev = email.message_from_bytes((out / "emails" / "dev-patel.eml").read_bytes(),
                                   policy=email.policy.default)
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    box.add(sample("bounce", name_of="Dev Patel", attendee="dev.patel@hooli.example",
                   organizer=ORGANIZER, subject=str(dev["Subject"]),
                   original_id=str(dev["Message-ID"])))
    box.close()
    run("inbox", tmp_path / "inbox.mbox", "--ledger", ledger)
    again = run("campaign", path, *args)
    assert "dev.patel@hooli.example bounced; LinkedIn note instead" in again
    assert set(notes(out)) == {"Dev"}
    assert "5 people in the plan: 4 told by e-mail, 1 by LinkedIn note." in again
    assert "1 LinkedIn note in all." in again
    assert run("campaign", path, *args).count("0 files written") == 1  # and it stays so
    assert set(notes(out)) == {"Dev"}

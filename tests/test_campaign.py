"""The main job end to end on sample_data/: every file exists, parses, and reruns change nothing."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import mailbox
import os
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from click.testing import CliRunner
from conftest import require_tool

from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
ARGS = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café Olimpico"]


def run(out: Path, ledger: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli, ["campaign", str(EXPORT), "--out", str(out), "--ledger", str(ledger), *ARGS, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def ledger_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def campaign_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    base = tmp_path_factory.mktemp("campaign")
    out, ledger = base / "out", base / "ledger.sqlite"
    return out, ledger, run(out, ledger)


def test_every_output_exists_and_parses(campaign_run: tuple[Path, Path, str]) -> None:
    out, _, output = campaign_run
    peers = (out / "peers.csv").read_text(encoding="utf-8").splitlines()
    assert peers[0].startswith("First Name,Last Name,URL,Email Address,Company,Position")
    assert len(peers) > 20

    calendars = sorted((out / "calendar").glob("*.ics"))
    names = {p.name for p in calendars}
    assert {"rotation.ics", "forum.ics"} <= names and len(names) == 5 + 2
    for path in calendars:
        icalendar.Calendar.from_ical(path.read_bytes())

    emls = sorted((out / "emails").glob("*.eml"))
    assert emls
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Message-ID"] and message["To"]
        parts = {p.get_content_type() for p in message.walk()}
        assert "text/calendar" in parts
    box = mailbox.mbox(out / "outbox.mbox")
    assert len(box) == len(emls)

    with (out / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        notes = {row["URL"]: row["Message"] for row in csv.DictReader(handle)}
    from outreach.model import slugify

    with (out / "peers.csv").open(encoding="utf-8", newline="") as handle:
        slugs = {row["URL"]: slugify(f"{row['First Name']} {row['Last Name']}")
                 for row in csv.DictReader(handle)}
    series = {p.stem for p in (out / "calendar").glob("*.ics")} - {"rotation", "forum"}
    rotation = {url for url, slug in slugs.items() if slug in series}
    assert len(rotation) == 5 and notes
    for url, note in notes.items():  # rotation peers get a coffee note, the others the forum's
        assert ("forum" in note) == (url not in rotation), note

    assert not (out / "cards.pdf").exists()  # nobody met yet: cards come after `log met`
    assert "Written under" in output and "nothing was sent" in output


def test_rotation_invites_in_emails_match_the_calendar_files(
        campaign_run: tuple[Path, Path, str]) -> None:
    out, _, _ = campaign_run
    uids_in_files = set()
    for path in (out / "calendar").glob("*.ics"):
        if path.name != "rotation.ics":
            event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
            uids_in_files.add(str(event["UID"]))
    for path in (out / "emails").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        assert str(event["UID"]) in uids_in_files  # one meeting, never two UIDs for it


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag not in ("meta", "br", "link", "img", "input", "hr"):
            self.stack.append(tag)
        self.links += [v for k, v in attrs if k == "href" and v]

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def test_report_is_well_formed_and_links_every_file(campaign_run: tuple[Path, Path, str]) -> None:
    out, _, _ = campaign_run
    checker = _Checker()
    checker.feed((out / "report.html").read_text(encoding="utf-8"))
    assert checker.stack == []
    local = [link for link in checker.links if not link.startswith("http")]
    assert "peers.csv" in local and "calendar/rotation.ics" in local
    for link in local:
        assert (out / link).is_file(), link


def test_rerun_changes_no_bytes_and_adds_no_ledger_rows(
        campaign_run: tuple[Path, Path, str]) -> None:
    out, ledger, _ = campaign_run
    before, rows = snapshot(out), ledger_counts(ledger)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    output = run(out, ledger)
    assert snapshot(out) == before
    assert ledger_counts(ledger) == rows
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert "0 files written" in output


def test_moving_the_meeting_bumps_sequence_with_the_same_uid(tmp_path: Path) -> None:
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    run(out, ledger)
    first = icalendar.Calendar.from_ical((out / "calendar" / "forum.ics").read_bytes())
    result = CliRunner().invoke(cli, [
        "campaign", str(EXPORT), "--out", str(out), "--ledger", str(ledger),
        "--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Elsewhere"])
    assert result.exit_code == 0, result.output
    second = icalendar.Calendar.from_ical((out / "calendar" / "forum.ics").read_bytes())
    a, b = first.walk("VEVENT")[0], second.walk("VEVENT")[0]
    assert a["UID"] == b["UID"]
    assert int(b["SEQUENCE"]) == int(a["SEQUENCE"]) + 1


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "Connections.csv"
    bad.write_text("First Name,Company\nA,B\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["campaign", str(bad), "--out", str(out), *ARGS])
    assert result.exit_code == 2
    assert result.output.startswith("Error:") and result.output.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow
def test_installed_binary_runs_the_campaign(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "outreach"
    env = {**os.environ, "OUTREACH_LEDGER": str(tmp_path / "ledger.sqlite")}
    done = subprocess.run([str(exe), "campaign", str(EXPORT), "--out", str(tmp_path / "out"),
                           *ARGS], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    assert "Traceback" not in done.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_report_renders_in_headless_chromium(campaign_run: tuple[Path, Path, str],
                                             tmp_path: Path) -> None:
    chromium = require_tool("chromium", "renders report.html like a user's browser")
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--window-size=1200,1600", f"--screenshot={shot}",
         (campaign_run[0] / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []


def test_the_forum_never_lands_on_a_rotation_coffee(campaign_run: tuple[Path, Path, str],
                                                    tmp_path: Path) -> None:
    def days(path: Path) -> set[str]:
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        events = recurring_ical_events.of(cal).between((2027, 1, 1), (2028, 6, 1))
        return {e["DTSTART"].dt.date().isoformat() for e in events}

    out = campaign_run[0] / "calendar"
    rotation, forum = days(out / "rotation.ics"), days(out / "forum.ics")
    assert rotation and forum and not rotation & forum
    assert "2027-02-04" in forum  # Tuesday coffees, so the first Thursday of February

    moved = tmp_path / "out"
    run(moved, tmp_path / "ledger.sqlite", "--forum-start", "2027-03-10T18:00")
    assert min(days(moved / "calendar" / "forum.ics")) == "2027-03-10"


def test_a_smaller_rotation_withdraws_an_unsent_invitation_and_moves_nobody_else(
        tmp_path: Path) -> None:
    """Never sent: the peer's files go and nothing is sent; the others keep their places."""
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    run(out, ledger, "--rotation-size", "2")  # the second place is a peer with an address
    before = {p.name for p in (out / "emails").glob("*.eml")}
    output = run(out, ledger, "--rotation-size", "1")
    after = {p.name for p in (out / "emails").glob("*.eml")}
    assert not [p for p in (out / "calendar").glob("*.ics") if b"METHOD:CANCEL" in p.read_bytes()]
    assert "1 invitation withdrawn before it was sent" in " ".join(output.split())
    assert not list((out / "emails").glob("*-cancelled.eml"))
    assert len(before - after) == 1 and after < before  # only the leaver's file is gone


def test_the_campaign_writes_through_the_e_mail_stages_checks(tmp_path: Path) -> None:
    """The campaign writes its e-mails with mail.batch.write_batch, so that writer's output
    checks hold: a file where the emails/ folder goes is one line, and no e-mail is written."""
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    out.mkdir()
    (out / "emails").write_text("not a folder")
    result = CliRunner().invoke(cli, ["campaign", str(EXPORT), "--out", str(out), "--ledger",
                                      str(ledger), "--no-preview", *ARGS])
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: {out / 'emails'}: cannot write into this folder: "
                                     "a file is in the way")
    assert not (out / "outbox.mbox").exists()


def test_a_stale_e_mail_in_the_outbox_is_named(tmp_path: Path) -> None:
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    run(out, ledger)
    stale = out / "emails" / "someone-who-left.eml"
    stale.write_bytes((out / "emails" / "ana-garcia.eml").read_bytes())
    output = run(out, ledger)
    assert "someone-who-left.eml: not in this plan; delete it before outreach send" in " ".join(
        output.split())

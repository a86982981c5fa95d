"""Seams found walking the whole loop on the sample export (issue 18's review): a peer told by
LinkedIn note and then left out, the follow-ups' closing advice, the forum e-mail's
paragraphs, the LinkedIn nudge's wording."""

from __future__ import annotations

import csv
import email
import email.policy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
FROM = ["--from", "Dana Whitfield <dana.whitfield@example.com>"]
WHEN = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location",
        "Café Olimpico", "--no-preview"]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def campaign(base: Path, *extra: str) -> str:
    return run("campaign", str(EXPORT), "--out", str(base / "out"), "--ledger",
               str(base / "l.sqlite"), *WHEN, *FROM, *extra)


def followups(base: Path) -> str:
    return run("followups", "--after", "0d", "--max", "2", "--out", str(base / "fu"),
               "--ledger", str(base / "l.sqlite"), *FROM)


def first_note(base: Path) -> dict[str, str]:
    with (base / "out" / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))


@pytest.mark.slow
def test_a_peer_left_out_after_their_linkedin_note_gets_no_follow_up(tmp_path: Path) -> None:
    campaign(tmp_path)
    note = first_note(tmp_path)  # the first rotation peer told by LinkedIn note
    name = f"{note['First Name']} {note['Last Name']}"
    run("log", "noted", name, "--ledger", str(tmp_path / "l.sqlite"))
    assert f"Follow-up note for {name}" in followups(tmp_path)

    campaign(tmp_path, "--skip", name)
    after = followups(tmp_path)
    assert f"Follow-up note for {name}" not in after  # their slot is someone else's now
    assert f"Skipped {name}" in after and "cancelled: no longer in the plan" in after
    status = json.loads(run("status", "--format", "json", "--ledger",
                            str(tmp_path / "l.sqlite")))
    person = next(p for p in status["people"] if p["url"] == note["URL"])
    assert person["state"] == "cancelled"
    assert person["next_step"]["kind"] is None
    assert "left the plan after their LinkedIn note" in person["next_step"]["reason"]


@pytest.mark.slow
def test_only_linkedin_follow_ups_do_not_send_you_to_outreach_send(tmp_path: Path) -> None:
    campaign(tmp_path)
    note = first_note(tmp_path)
    run("log", "noted", f"{note['First Name']} {note['Last Name']}", "--ledger",
        str(tmp_path / "l.sqlite"))
    written = followups(tmp_path)
    assert "Wrote 0 follow-ups and 1 LinkedIn note" in written
    assert "outreach send" not in written
    assert "send them on LinkedIn and log each with outreach log noted NAME" in written
    with (tmp_path / "fu" / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    # the note they got named no time, so the nudge does not say "still"
    assert "would Tuesday 19 January, 08:00 suit you for a coffee?" in row["Message"]
    assert "still" not in row["Message"]


@pytest.mark.slow
def test_the_forum_e_mail_keeps_its_paragraphs_and_names_the_place_once(
        tmp_path: Path) -> None:
    campaign(tmp_path)
    (forum,) = [p for p in (tmp_path / "out" / "emails").glob("*.eml")
                if "forum" in p.read_text(encoding="utf-8", errors="replace")
                and "small forum" in email.message_from_bytes(
                    p.read_bytes(), policy=email.policy.default)["Subject"]]
    message = email.message_from_bytes(forum.read_bytes(), policy=email.policy.default)
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text = plain.get_content().replace("\r\n", "\n")
    assert "We meet in person, at Café Olimpico.\n\nThe first session is Thursday 4 February" \
        in text
    assert "join.\n\nEither way" in text
    assert text.count("Café Olimpico") == 1
    assert "<p>The first session is <strong>" in html.get_content()


@pytest.mark.slow
def test_the_summary_says_one_person_holds_what_the_plan_says(tmp_path: Path) -> None:
    from smtp_server import smtp_server

    campaign(tmp_path)
    with smtp_server() as server:
        run("send", str(tmp_path / "out" / "emails"), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", str(tmp_path / "l.sqlite"),
            "--send", "--limit", "1")
    again = campaign(tmp_path)
    assert "1 person already holds what the plan says" in again


@pytest.mark.slow
def test_the_campaign_does_not_say_a_noted_peer_left_before_anything_was_sent(
        tmp_path: Path) -> None:
    campaign(tmp_path)
    note = first_note(tmp_path)
    name = f"{note['First Name']} {note['Last Name']}"
    run("log", "noted", name, "--ledger", str(tmp_path / "l.sqlite"))
    output = campaign(tmp_path, "--skip", name)
    assert "withdrawn before it was sent" not in output
    assert (f"note: {name} left the rotation after their LinkedIn note: nothing more is sent "
            "to them; tell them on LinkedIn, if you like") in output
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "left the rotation before anything was sent" not in report
    assert "left the rotation after their LinkedIn note" in report


@pytest.mark.slow
def test_log_optout_names_every_stage_that_skips_them(tmp_path: Path) -> None:
    campaign(tmp_path)
    said = run("log", "optout", "Marcus Smith", "--ledger", str(tmp_path / "l.sqlite"))
    assert ("do not contact; every stage skips them (campaign, rotation, forum, invite, "
            "emails, followups, drafts, send)") in said

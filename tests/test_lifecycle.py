"""Issue 18: one life cycle per person. Every command asks ``outreach.lifecycle`` what each
peer was told and may be told next; driven through the CLI, with a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach import times
from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
FROM = ["--from", "Dana Whitfield <dana.whitfield@example.com>"]


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def message_ids(folder: Path) -> dict[str, str]:
    return {p.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default)[
        "Message-ID"] for p in sorted(folder.glob("*.eml"))}


# ---------------------------------------------------------------- one Message-ID rule


@pytest.mark.slow
def test_message_ids_are_stable_per_ledger_and_unguessable_without_it(tmp_path: Path) -> None:
    def emails(ledger: str, out: str) -> dict[str, str]:
        run("emails", str(EXPORT), "--out", str(tmp_path / out), "--ledger",
            str(tmp_path / ledger), "--start", "2027-01-05T08:00", "--tz", "Europe/Berlin",
            *FROM)
        return message_ids(tmp_path / out)

    first = emails("a.sqlite", "a")
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").glob("*.eml")}
    assert first and emails("a.sqlite", "a") == first  # a rerun: the same IDs, same bytes
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").glob("*.eml")} == before
    other = emails("b.sqlite", "b")  # the same campaign from another ledger (another secret)
    assert other.keys() == first.keys()
    assert not set(other.values()) & set(first.values())


# ---------------------------------------------------------------- follow-ups: the silent only


def followups(base: Path, *extra: str) -> str:
    return run("followups", "--after", "0d", "--out", str(base / "followups"), "--ledger",
               str(base / "l.sqlite"), *FROM, *extra)


def dry_run(base: Path, folder: Path) -> str:
    return run("send", str(folder), "--smtp-host", "127.0.0.1", "--ledger",
               str(base / "l.sqlite"))


@pytest.mark.slow
def test_a_cancelled_peer_gets_no_follow_up_and_an_old_one_is_not_sent(tmp_path: Path) -> None:
    from test_changing_the_plan import campaign, parsed, send, without_a_rotation_peer

    campaign(tmp_path)
    send(tmp_path)
    written = followups(tmp_path)  # everyone is silent: one follow-up each, written not sent
    edited = without_a_rotation_peer(tmp_path)
    assert "(1 cancellation)" in campaign(tmp_path, edited)
    (cancel,) = (tmp_path / "out" / "emails").glob("*-cancelled.eml")
    gone = parsed(cancel)["To"].addresses[0]
    assert f"{gone.display_name}" in written
    send(tmp_path)  # the cancellation goes out

    again = followups(tmp_path)
    assert f"Skipped {gone.display_name}" in again and "cancelled: no longer in the plan" in again
    assert f"Follow-up for {gone.display_name}" not in again
    answered = next(parsed(p)["To"].addresses[0] for p in (tmp_path / "followups").glob(
        "*.eml") if parsed(p)["To"].addresses[0].addr_spec != gone.addr_spec)
    run("log", "replied", answered.addr_spec, "--ledger", str(tmp_path / "l.sqlite"))
    shown = dry_run(tmp_path, tmp_path / "followups")  # the follow-ups written before
    assert f"{gone.addr_spec}: follow-up no longer due: cancelled" in shown, shown
    assert f"{answered.addr_spec}: follow-up no longer due: replied" in shown, shown
    status = json.loads(run("status", "--format", "json", "--ledger",
                            str(tmp_path / "l.sqlite")))
    person = next(p for p in status["people"] if p["email"] == gone.addr_spec)
    assert person["state"] == "cancelled"
    assert person["next_step"] == {"kind": None, "due": None, "channel": None,
                                   "reason": "none: cancelled"}


@pytest.mark.slow
def test_follow_ups_say_what_the_invitation_proposed(tmp_path: Path) -> None:
    from test_changing_the_plan import calendar_of, campaign, parsed, send

    campaign(tmp_path, EXPORT, "2027-01-19T08:30")
    send(tmp_path)
    followups(tmp_path)
    invitations = {parsed(p)["To"].addresses[0].addr_spec: parsed(p)
                   for p in (tmp_path / "out" / "emails").glob("*.eml")}
    files = sorted((tmp_path / "followups").glob("*.eml"))
    assert len(files) == len(invitations)
    kinds = set()
    for path in files:
        follow = parsed(path)
        invitation = invitations[follow["To"].addresses[0].addr_spec]
        assert follow["In-Reply-To"] == invitation["Message-ID"]
        text = " ".join(follow.get_body(("plain",)).get_content().split())
        assert "half an hour" not in text and "next month" not in text
        assert "**" not in text
        _, event = calendar_of(invitation)
        start = event.decoded("DTSTART")
        minutes = int(event.decoded("DTEND").timestamp() - start.timestamp()) // 60
        if "forum" in invitation["Subject"].lower():
            kinds.add("forum")
            assert f"first session is {start:%A %-d %B, %H:%M}" in text, text
            assert f"{minutes} minutes each time" in text
        else:
            kinds.add("rotation")
            assert f"Would {start:%A %-d %B, %H:%M} still work" in text, text
            assert f"It's {minutes} minutes" in text
    assert kinds == {"forum", "rotation"}


# ---------------------------------------------------------------- LinkedIn notes sent


@pytest.mark.slow
def test_a_linkedin_note_logged_as_sent_gets_a_follow_up_note(tmp_path: Path) -> None:
    import csv

    from test_changing_the_plan import campaign

    campaign(tmp_path, EXPORT, "2027-01-19T08:30")
    with (tmp_path / "out" / "linkedin.csv").open(encoding="utf-8-sig", newline="") as handle:
        note = next(csv.DictReader(handle))
    name = f"{note['First Name']} {note['Last Name']}"
    ledger = str(tmp_path / "l.sqlite")

    def state() -> dict[str, object]:
        data = json.loads(run("status", "--format", "json", "--ledger", ledger))
        return next(p for p in data["people"] if p["url"] == note["URL"])

    before = state()
    assert before["state"] == "planned" and before["notes_sent"] == []
    assert before["next_step"]["kind"] == "linkedin_note"
    today = times.today()  # the clock the tests keep
    logged = run("log", "noted", name, "--ledger", ledger)
    assert f"Logged LinkedIn note sent to {name}" in logged
    after = state()
    assert after["state"] == "told_note" and after["notes_sent"] == [today.isoformat()]
    assert after["next_step"]["kind"] == "followup"
    assert after["next_step"]["channel"] == "linkedin"

    written = followups(tmp_path, "--today", (today + timedelta(days=8)).isoformat())
    assert f"Follow-up note for {name}" in written
    assert not list((tmp_path / "followups").glob(f"{note['First Name'].lower()}-*.eml"))
    with (tmp_path / "followups" / "linkedin.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["URL"] == note["URL"]]
    assert "a quick nudge on my note" in row["Message"] and "suit you" in row["Message"]
    run("log", "noted", name, "--ledger", ledger)  # the nudge was sent
    again = followups(tmp_path, "--today", (today + timedelta(days=16)).isoformat())
    assert f"Skipped {name}" in again and "already followed up 1×" in again


# ---------------------------------------------------------------- status and report.html


@pytest.mark.slow
def test_status_and_the_report_show_one_life_cycle(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import mailbox

    from test_inbox_flow import PEERS, campaign_and_send, replies

    monkeypatch.setenv("COLUMNS", "250")
    ledger, sent = campaign_and_send(tmp_path)
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    for raw in replies(sent):
        box.add(raw)
    box.close()
    run("inbox", str(tmp_path / "inbox.mbox"), "--ledger", str(ledger))
    run("log", "met", "Ana Souza", "--ledger", str(ledger))

    data = json.loads(run("status", "--format", "json", "--ledger", str(ledger)))
    states = {p["email"]: (p["state"], p["next_step"]["kind"]) for p in data["people"]}
    assert states == {
        "ana.souza@globex.example": ("met", "card"),
        "ben.okafor@initech.example": ("declined", None),
        "chloe.martin@umbrella.example": ("replied", None),
        "dev.patel@hooli.example": ("bounced", "linkedin_note"),
        "eva.lind@stark.example": ("told_email", "followup"),
    }
    chloe = next(p for p in data["people"] if p["email"].startswith("chloe"))
    assert chloe["replied"] is True and chloe["replies"][0]["subject"]  # old keys stay
    table = run("status", "--ledger", str(ledger))
    assert "Life cycle (5)" in table and "Replies (1)" in table
    for words in ("declined", "replied", "address bounced", "told by e-mail",
                  "thank-you card", "bounced: dev.patel@hooli.example",
                  "RSVP declined"):
        assert words in table, words

    run("campaign", str(tmp_path / "export" / "Connections.csv"), "--out",
        str(tmp_path / "out"), "--ledger", str(ledger), "--title", "VP Marketing",
        "--rotation-size", "5", "--start", "2027-01-05T08:00", "--tz", "America/Toronto",
        "--location", "Café Olimpico", "--no-preview", *FROM)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Life cycle: where each person stands" in page
    for first, last, _company, _address in PEERS:
        assert f"{first} {last}" in page
    for words in ("declined", "replied", "address bounced", "told by e-mail", "thanked"):
        assert words in page, words

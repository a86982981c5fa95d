"""The invite, rotation and forum commands, run as a user would (CliRunner), files checked
by parsing them."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from itip_lint import lint_ics

from outreach.cli import cli

PEERS = Path(__file__).resolve().parent / "data" / "calendar" / "peers.csv"
FROM = ["--from", "Pat Lee <pat@example.com>"]
WHEN = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto"]


def run(*args: str | Path) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def events(path: Path) -> list[icalendar.Event]:
    data = path.read_bytes()
    assert lint_ics(data) == [], path.name
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


@pytest.mark.slow
def test_invite_writes_one_file_per_peer_and_reruns_change_nothing(tmp_path: Path) -> None:
    out = tmp_path / "invites"
    result = run("invite", PEERS, *WHEN, *FROM, "--location", "Café Olimpico", "--out", out,
                 "--remind", "15m")
    assert result.exit_code == 0, result.output
    assert "Invites: wrote 4 files" in result.stdout
    assert "no e-mail address for 1 peer (Li Wei)" in result.stderr
    names = sorted(p.name for p in out.glob("*.ics"))
    assert names == ["ana-lima.ics", "li-wei.ics", "sam-okafor-boss.ics", "zoe-odegard.ics"]
    (sam,) = events(out / "sam-okafor-boss.ics")
    assert sam["SUMMARY"] == 'Peer coffee: Sam Okafor; "Boss" & Pat Lee'
    assert sam["ATTENDEE"].params["CN"] == "Sam Okafor; Boss"
    assert sam.walk("VALARM")[0].decoded("TRIGGER").total_seconds() == -15 * 60
    again = run("invite", PEERS, *WHEN, *FROM, "--location", "Café Olimpico", "--out", out,
                "--remind", "15m")
    assert "wrote 0 files" in again.stdout and "4 unchanged" in again.stdout
    moved = run("invite", PEERS, *WHEN, *FROM, "--location", "Room 2", "--out", out)
    assert "wrote 4 files" in moved.stdout
    (sam,) = events(out / "sam-okafor-boss.ics")
    assert (sam["SEQUENCE"], sam["LOCATION"]) == (1, "Room 2")


def test_invite_slots_spread_peers_over_weekdays(tmp_path: Path) -> None:
    result = run("invite", PEERS, "--start", "2027-01-08T08:00", "--tz", "Europe/Paris",
                 *FROM, "--slots", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    days = sorted(f"{events(p)[0].decoded('DTSTART'):%a %d}" for p in tmp_path.glob("*.ics"))
    assert days == ["Fri 08", "Mon 11", "Tue 12", "Wed 13"]


def test_invite_cancel_withdraws_the_same_meetings(tmp_path: Path) -> None:
    run("invite", PEERS, *WHEN, *FROM, "--out", tmp_path)
    uid = events(tmp_path / "zoe-odegard.ics")[0]["UID"]
    result = run("invite", PEERS, *WHEN, *FROM, "--out", tmp_path, "--cancel")
    assert "Cancellations: wrote 4 files" in result.stdout
    data = (tmp_path / "zoe-odegard.ics").read_bytes()
    (zoe,) = events(tmp_path / "zoe-odegard.ics")
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert (zoe["UID"], zoe["SEQUENCE"], zoe["STATUS"]) == (uid, 1, "CANCELLED")


def test_rotation_prints_the_schedule_and_writes_every_series(tmp_path: Path) -> None:
    result = run("rotation", PEERS, *WHEN, *FROM, "--size", "3", "--months", "2",
                 "--skip", "2027-01-26", "--pick", "Ana Lima,zoe odegard,Li Wei",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("2027-01-05" in line and "Tuesday" in line and "Ana Lima" in line
               for line in lines)
    assert any("2027-01-26" in line and "(skipped)" in line for line in lines)
    assert "Rotation: wrote 4 files" in result.stdout
    assert sorted(p.name for p in tmp_path.glob("*.ics")) == [
        "ana-lima.ics", "li-wei.ics", "rotation.ics", "zoe-odegard.ics"]
    assert len(events(tmp_path / "rotation.ics")) == 3
    (ana,) = events(tmp_path / "ana-lima.ics")
    assert ana["RRULE"]["INTERVAL"] == [3]


def test_rerunning_with_fewer_peers_cancels_the_dropped_ones_series(tmp_path: Path) -> None:
    when = ["--start", "2031-01-07T08:00", "--tz", "America/Toronto", "--months", "2",
            "--skip", "2031-02-11"]
    first = run("rotation", PEERS, *when, *FROM, "--size", "3", "--pick",
                'Ana Lima,Zoe Odegard,Sam Okafor; "Boss"', "--out", tmp_path)
    assert first.exit_code == 0, first.output
    (sam,) = events(tmp_path / "sam-okafor-boss.ics")
    assert [d.dt.date().isoformat() for d in sam["EXDATE"].dts] == ["2031-02-11"]
    due = run("status", "--today", "2031-01-21", "--tz", "America/Toronto")
    assert "Sam Okafor" in due.stdout
    result = run("rotation", PEERS, *when, *FROM, "--size", "2", "--pick",
                 "Ana Lima,Zoe Odegard", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert ('Sam Okafor; "Boss" left the rotation: sam-okafor-boss.ics cancels their series; '
            "send it to them.") in result.stdout
    data = (tmp_path / "sam-okafor-boss.ics").read_bytes()
    (cancel,) = events(tmp_path / "sam-okafor-boss.ics")
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert (cancel["UID"], cancel["SEQUENCE"], cancel["STATUS"]) == (sam["UID"], 1, "CANCELLED")
    assert cancel["ATTENDEE"] == "mailto:sam@example.net"
    assert b"RSVP" not in data  # a cancellation asks nothing back
    # the series as it was: the same DTSTART, RRULE and EXDATE
    assert cancel["RRULE"] == sam["RRULE"] and cancel["DTSTART"].dt == sam["DTSTART"].dt
    assert cancel["EXDATE"].dts[0].dt == sam["EXDATE"].dts[0].dt
    mine = {str(e["UID"]): e for e in events(tmp_path / "rotation.ics")}
    assert len(mine) == 3  # your own calendar cancels Sam's series instead of dropping it
    assert (mine[str(sam["UID"])]["STATUS"], mine[str(sam["UID"])]["SEQUENCE"]) == (
        "CANCELLED", 1)
    assert mine[str(sam["UID"])]["RRULE"] == sam["RRULE"]
    due = run("status", "--today", "2031-01-21", "--tz", "America/Toronto")
    assert "Sam Okafor" not in due.stdout and "Ana Lima" in due.stdout
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.ics")}
    for _ in range(2):
        again = run("rotation", PEERS, *when, *FROM, "--size", "2", "--pick",
                    "Ana Lima,Zoe Odegard", "--out", tmp_path)
        assert "Rotation: wrote 0 files" in again.stdout, again.stdout
        assert "left the rotation" not in again.stdout
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.ics")} == before


def test_forum_writes_one_group_event_lasting_90_minutes(tmp_path: Path) -> None:
    out = tmp_path / "forum.ics"
    result = run("forum", PEERS, *WHEN, *FROM, "--every", "quarter", "--out", out)
    assert result.exit_code == 0, result.output
    assert "every 3 months on the first Tuesday: 4 sessions" in result.stdout
    assert "3 peers invited" in result.stdout and "Li Wei" in result.stderr
    (event,) = events(out)
    assert len(event["ATTENDEE"]) == 3
    assert (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() == 90 * 60
    again = run("forum", PEERS, *WHEN, *FROM, "--every", "quarter", "--out", out)
    assert f"{out}: unchanged." in again.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["invite", *WHEN[:1], "2027-02-30T08:00"], "Error: --start: cannot read '2027-02-30T08:00'"),
    (["invite", "--start", "2027-01-05T08:00", "--tz", "Mars/Olympus"],
     "Error: --tz: unknown time zone 'Mars/Olympus'"),
    (["invite"], "Error: --start: required"),
    (["invite", *WHEN, "--remind", "soon"], "Error: --remind: cannot read 'soon'"),
    (["rotation", *WHEN, "--every", "1fortnight"], "Error: --every: cannot read"),
    (["rotation", *WHEN, "--every", "36h"], "Error: --every: must be whole days or weeks"),
    (["rotation", *WHEN, "--skip", "2027-01-06"], "Error: --skip: 2027-01-06 is not a meeting"),
    (["rotation", *WHEN, "--pick", "Nobody Here"], "Error: --pick: no one called"),
    (["forum", *WHEN, "--every", "weekly"], "Error: --every: 'weekly' is not month or quarter"),
    (["invite", "--start", "2027-03-14T02:30", "--tz", "America/Toronto"],
     "Error: --start: 2027-03-14T02:30 does not exist in America/Toronto"),
])
def test_bad_options_give_one_line_and_exit_2(args: list[str], message: str,
                                              tmp_path: Path) -> None:
    result = run(args[0], PEERS, *args[1:], *FROM, "--out", tmp_path / "x")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_organiser_address_is_required(tmp_path: Path) -> None:
    result = run("invite", PEERS, *WHEN, "--out", tmp_path)
    assert result.exit_code == 2
    assert "Error: --from: invites need the organiser's e-mail address" in result.stderr


def test_help_teaches_with_examples() -> None:
    for command in ("invite", "rotation", "forum"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Examples:" in result.stdout
        assert "--cancel" in result.stdout and "--remind" in result.stdout


def _opt_out_sam_and_bounce_ana(tmp_path: Path) -> None:
    """Sam asks not to be contacted (``log optout``); Ana's address bounced (``inbox``)."""
    from datetime import date

    from outreach.ledger import InboxRecord, Ledger

    first = run("invite", PEERS, *WHEN, *FROM, "--out", tmp_path / "first")
    assert first.exit_code == 0, first.output
    assert run("log", "optout", "Sam Okafor").exit_code == 0
    with Ledger.open(None) as ledger:
        ledger.record_inbox([InboxRecord("<dsn@mx.example>", "test", "bounce", date(2027, 1, 2),
                                         detail="ana@example.com.br")])


@pytest.mark.parametrize("command", [
    ["invite", *WHEN], ["rotation", *WHEN, "--size", "4"], ["forum", *WHEN]])
def test_calendar_commands_skip_opted_out_and_bounced_people(
        tmp_path: Path, command: list[str]) -> None:
    _opt_out_sam_and_bounce_ana(tmp_path)
    out = tmp_path / ("forum.ics" if command[0] == "forum" else "out")
    result = run(*command[:1], PEERS, *command[1:], *FROM, "--out", out)
    assert result.exit_code == 0, result.output
    assert ('skipped Sam Okafor; "Boss": do not contact (outreach log optout)'
            in result.stderr)
    assert "Ana Lima: ana@example.com.br bounced" in result.stderr
    files = [out] if command[0] == "forum" else sorted(out.glob("*.ics"))
    data = b"".join(p.read_bytes() for p in files)
    assert b"sam@example.net" not in data and b"Okafor" not in data  # not invited, not named
    assert b"ana@example.com.br" not in data  # never written to again
    assert b"zoe@example.org" in data

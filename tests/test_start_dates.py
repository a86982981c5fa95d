"""When the first meeting is, for every command that takes --start (issue 18): a start in the
past is refused, a weekend or an hour outside 07:00–20:00 needs --yes, a date alone takes the
usual time, and without --start the first slot leaves a week's lead. "Now" is
``$OUTREACH_NOW`` (conftest pins it to Monday 23 November 2026, 12:00 UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.cli import cli
from outreach.times import UsualSlot, first_slot, parse_start, unusual_start

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "tests" / "data" / "emails" / "peers.csv"
ME = ["--from", "Pat Lee <pat@example.com>", "--tz", "America/Toronto"]


def command_args(name: str, tmp_path: Path) -> list[str]:
    """``name`` on the three-peer list, writing under ``tmp_path/out``."""
    out = tmp_path / "out"
    extra = {"campaign": ["--out", str(out), "--no-preview"], "emails": ["--out", str(out)],
             "invite": ["--out", str(out)], "rotation": ["--out", str(out)],
             "forum": ["--out", str(out / "forum.ics")]}[name]
    return [name, str(PEERS), *ME, *extra, "--title", "VP Marketing", "--company", "Acme"]


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


COMMANDS = ["campaign", "emails", "invite", "rotation", "forum"]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_start_in_the_past_is_refused_and_nothing_is_written(name: str,
                                                                tmp_path: Path) -> None:
    code, output = invoke(*command_args(name, tmp_path), "--start", "2025-01-12T08:30")
    assert code == 2
    assert output == ("Error: --start: 2025-01-12 08:30 is in the past (it is 2026-11-23 07:00 "
                      "now); give a later date\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(("start", "reason"), [
    ("2027-01-10T08:30", "2027-01-10 08:30 is a Sunday"),
    ("2027-01-12T21:00", "2027-01-12 21:00 is outside working hours (07:00–20:00)"),
    ("2027-01-12T06:30", "2027-01-12 06:30 is outside working hours (07:00–20:00)"),
])
def test_a_weekend_or_an_odd_hour_needs_yes(name: str, start: str, reason: str,
                                            tmp_path: Path) -> None:
    args = [*command_args(name, tmp_path), "--start", start]
    code, output = invoke(*args)
    assert (code, output) == (2, f"Error: --start: {reason}; pass --yes to plan it anyway\n")
    assert not (tmp_path / "out").exists()
    code, output = invoke(*args, "--yes")
    assert code == 0, output


def first_start(path: Path) -> str:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    event = next(iter(calendar.walk("VEVENT")))
    return event.decoded("DTSTART").strftime("%Y-%m-%d %H:%M %a")


def test_a_date_without_a_time_takes_the_usual_time(tmp_path: Path) -> None:
    code, output = invoke(*command_args("invite", tmp_path), "--start", "2027-01-12")
    assert code == 0, output
    assert first_start(tmp_path / "out" / "zoe-odegard.ics") == "2027-01-12 08:00 Tue"
    config = tmp_path / "outreach.toml"
    config.write_text('[meeting]\nweekday = "thursday"\ntime = "09:30"\n', encoding="utf-8")
    code, output = invoke("--config", str(config), *command_args("rotation", tmp_path),
                          "--start", "2027-01-14")
    assert code == 0, output
    assert first_start(tmp_path / "out" / "rotation.ics") == "2027-01-14 09:30 Thu"


def test_without_start_the_first_meeting_leaves_a_weeks_lead(tmp_path: Path) -> None:
    late_monday = {"OUTREACH_NOW": "2027-01-04T23:00:00-05:00"}  # Monday 23:00 in Toronto
    code, output = invoke(*command_args("campaign", tmp_path), env=late_monday)
    assert code == 0, output
    assert first_start(tmp_path / "out" / "calendar" / "rotation.ics") == "2027-01-12 08:00 Tue"
    code, output = invoke(*command_args("campaign", tmp_path), "--lead", "1d",
                          "--out", str(tmp_path / "soon"), env=late_monday)
    assert code == 0, output
    assert first_start(tmp_path / "soon" / "calendar" / "rotation.ics") == "2027-01-12 08:00 Tue"
    code, output = invoke(*command_args("campaign", tmp_path), "--lead", "1h",
                          "--out", str(tmp_path / "now"), env=late_monday)
    assert code == 0, output
    assert first_start(tmp_path / "now" / "calendar" / "rotation.ics") == "2027-01-05 08:00 Tue"


def test_the_usual_slot_from_the_file_leaves_its_lead(tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text('[meeting]\ntz = "America/Toronto"\nweekday = "tuesday"\n'
                      'time = "08:00"\nlead = "2w"\n', encoding="utf-8")
    code, output = invoke("--config", str(config), *command_args("invite", tmp_path),
                          env={"OUTREACH_NOW": "2027-01-04T23:00:00-05:00"})
    assert code == 0, output
    assert first_start(tmp_path / "out" / "zoe-odegard.ics") == "2027-01-19 08:00 Tue"


def test_init_leaves_the_zone_to_the_computer(tmp_path: Path) -> None:
    code, output = invoke("init", str(tmp_path))
    assert code == 0, output
    text = (tmp_path / "outreach.toml").read_text(encoding="utf-8")
    assert not re.search(r"^tz\s*=", text, re.M)
    assert re.search(r'^# tz = "America/Toronto"', text, re.M)
    assert re.search(r'^lead = "7d"', text, re.M)
    zone = tmp_path / "zone.toml"  # set by hand, the zone is still a known key
    zone.write_text('[meeting]\ntz = "Europe/Berlin"\n', encoding="utf-8")
    code, output = invoke("--config", str(zone), *command_args("invite", tmp_path),
                          "--start", "2027-01-12T08:30")
    assert code == 0, output
    ics = (tmp_path / "out" / "zoe-odegard.ics").read_text(encoding="utf-8")
    assert "DTSTART;TZID=America/Toronto:20270112T083000" in ics  # --tz beats the file


def test_a_lead_that_is_not_a_span_is_refused_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[meeting]\nlead = "soon"\n', encoding="utf-8")
    code, output = invoke("--config", str(config), *command_args("invite", tmp_path),
                          "--start", "2027-01-12T08:30")
    assert (code, output) == (2, f"Error: {config}: [meeting] lead: cannot read 'soon'; use "
                                 "e.g. 45m, 1h30m, 1w\n")


def test_a_forum_start_in_the_past_is_refused_too(tmp_path: Path) -> None:
    code, output = invoke(*command_args("campaign", tmp_path), "--start", "2027-01-05T08:00",
                          "--forum-start", "2026-01-07T08:00")
    assert (code, output) == (2, "Error: --forum-start: 2026-01-07 08:00 is in the past (it is "
                                 "2026-11-23 07:00 now); give a later date\n")


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(1971, 1, 1), max_value=date(2198, 12, 31)),
       at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       usual=st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_parse_start_reads_a_date_alone_at_the_usual_time(day: date, at: time,
                                                          usual: time) -> None:
    assert parse_start(day.isoformat(), "UTC", usual) == datetime.combine(day, usual, UTC)
    given = parse_start(f"{day.isoformat()}T{at:%H:%M}", "UTC", usual)
    assert given == datetime.combine(day, at, UTC)
    reason = unusual_start(given)
    odd = day.weekday() >= 5 or not time(7) <= at <= time(20)
    assert (reason is not None) == odd
    assert reason is None or reason.startswith(f"{day.isoformat()} {at:%H:%M} is ")


@settings(max_examples=100, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2198, 1, 1),
                           timezones=st.just(UTC)),
       weekday=st.integers(0, 6), lead_hours=st.integers(1, 24 * 30))
def test_the_first_slot_is_the_usual_weekday_after_the_lead(moment: datetime, weekday: int,
                                                            lead_hours: int) -> None:
    slot = UsualSlot(weekday, time(8), timedelta(hours=lead_hours))
    first = first_slot(moment, "America/Toronto", slot)
    assert first.weekday() == weekday and first.time() == time(8)
    assert moment + slot.lead <= first < moment + slot.lead + timedelta(days=7, hours=2)

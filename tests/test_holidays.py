"""The rotation and the forum keep the country's public holidays and a summer break free."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from click.testing import CliRunner
from itip_lint import lint_ics

from outreach.cli import cli
from outreach.daysoff import days_off, territory_of

PEERS = str(Path(__file__).resolve().parent / "data" / "calendar" / "peers.csv")
FROM = ["--from", "Pat Lee <pat@example.com>"]
MADRID = ["--tz", "Europe/Madrid"]


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"OUTREACH_LOCALE": "", **(env or {})})
    return result.exit_code, result.output


def occurrences(path: Path, until: date = date(2028, 1, 1)) -> list[date]:
    data = path.read_bytes()
    assert lint_ics(data) == [], path.name
    calendar = icalendar.Calendar.from_ical(data)
    found = recurring_ical_events.of(calendar).between(datetime(2026, 1, 1), until)
    return sorted(e.decoded("DTSTART").date() for e in found)


def test_the_locale_names_the_country() -> None:
    assert territory_of("es_ES") == "ES"
    assert territory_of("pt_BR") == "BR"
    assert territory_of("es") == territory_of("en") == ""
    assert days_off(None, "es_ES").reason(date(2027, 1, 6)) == "Epiphany"
    assert days_off("none", "es_ES").reason(date(2027, 1, 6)) is None


def test_a_forum_on_epiphany_in_madrid_moves_a_week(tmp_path: Path) -> None:
    out = tmp_path / "forum.ics"
    code, output = run("forum", PEERS, "--start", "2027-01-06T19:00", *MADRID, *FROM,
                       "--out", str(out), "--months", "3", env={"LANG": "es_ES.UTF-8"})
    assert code == 0, output
    assert occurrences(out) == [date(2027, 1, 13), date(2027, 2, 3), date(2027, 3, 3)]


def test_without_a_country_the_forum_meets_on_the_holiday(tmp_path: Path) -> None:
    out = tmp_path / "forum.ics"
    code, output = run("forum", PEERS, "--start", "2027-01-06T19:00", *MADRID, *FROM,
                       "--out", str(out), "--months", "2", env={"LANG": "C.UTF-8"})
    assert code == 0, output
    assert occurrences(out) == [date(2027, 1, 6), date(2027, 2, 3)]


def test_a_rotation_coffee_on_a_holiday_is_left_out(tmp_path: Path) -> None:
    out = tmp_path / "rotation"
    code, output = run("rotation", PEERS, "--start", "2026-12-30T08:00", *MADRID, *FROM,
                       "--country", "ES", "--months", "1", "--out", str(out))
    assert code == 0, output
    held = occurrences(out / "rotation.ics")
    assert date(2027, 1, 6) not in held
    assert date(2026, 12, 30) in held and date(2027, 1, 13) in held


def test_skip_months_from_outreach_toml_keeps_august_free(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text('[holidays]\ncountry = "none"\nskip_months = [8]\n')
    out = tmp_path / "rotation"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        code, output = run("rotation", PEERS, "--start", "2027-07-06T08:00", *MADRID, *FROM,
                           "--months", "3", "--out", str(out))
    assert code == 0, output
    held = occurrences(out / "rotation.ics")
    assert held and not [d for d in held if d.month == 8]
    assert date(2027, 9, 7) in held


def test_an_unknown_country_is_one_line_naming_the_option(tmp_path: Path) -> None:
    code, output = run("rotation", PEERS, "--start", "2027-01-05T08:00", *MADRID, *FROM,
                       "--country", "Narnia", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "--country" in output and "'Narnia'" in output
    assert "Traceback" not in output


@pytest.mark.slow
def test_campaign_skip_dates_apply_to_both_series(tmp_path: Path) -> None:
    export = str(next((Path(__file__).resolve().parent.parent / "sample_data").glob("*.zip")))
    out = tmp_path / "out"
    base = ["campaign", export, "--out", str(out), "--ledger", str(tmp_path / "l.sqlite"),
            "--start", "2027-01-05T08:00", *MADRID, "--no-preview", "--country", "none"]
    code, output = run(*base, "--forum-start", "2027-01-12T18:00",
                       "--skip", "2027-01-12,2027-01-19")
    assert code == 0, output
    coffees = occurrences(out / "calendar" / "rotation.ics")
    forum = occurrences(out / "calendar" / "forum.ics")
    assert date(2027, 1, 5) in coffees and date(2027, 1, 26) in coffees
    assert date(2027, 1, 12) not in coffees and date(2027, 1, 19) not in coffees
    assert forum[0] == date(2027, 2, 9)  # the January session was skipped, not moved
    code, output = run(*base, "--skip", "2027-01-13")
    assert code == 2 and "--skip" in output and "2027-01-13" in output


def test_a_moved_session_changes_the_forum_fingerprint_and_none_keeps_it() -> None:
    from outreach.ical.serialize import EventSpec

    when = datetime(2027, 1, 6, 19, 0)
    plain = EventSpec(uid="u", start=when, end=when, summary="s")
    moved = EventSpec(uid="u", start=when, end=when, summary="s", rdates=(when,))
    assert plain.fingerprint() != moved.fingerprint()

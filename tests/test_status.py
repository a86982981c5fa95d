"""``outreach log`` and ``outreach status``: matching people and the weekly review."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtp_server import smtp_server, write_outbox

from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.ledger import Ledger, PlannedMeeting
from outreach.model import Person
from outreach.track import cutoff, find_person, status_report

GOLDEN = Path(__file__).parent / "data" / "golden"

TODAY = date(2027, 3, 10)  # a Wednesday
JANE_ACME = Person("Jane", "Doe", url="https://www.linkedin.com/in/jane-acme/", company="Acme")
JANE_GLOBEX = Person("Jane", "Doe", company="Globex", email="jane@globex.example")
ZOE = Person("Zoë", "Ødegård", company="Nordic AS")
SAM = Person("Sam", "Lee", company="Initech")
OMAR = Person("Omar", "Haddad", company="Umbrella")
LI = Person("Li", "Wei", company="Hooli")


@pytest.fixture
def ledger_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")  # rich tables on one line each
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.remember_people([JANE_ACME, JANE_GLOBEX, ZOE, SAM, OMAR, LI])
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def events(path: Path) -> list[tuple[str, str, str, str]]:
    with Ledger.open(path) as ledger:
        rows = ledger._query("SELECT person_key, kind, on_date, note FROM events ORDER BY id")
    return [tuple(r) for r in rows]


def test_log_matches_names_without_case_or_accents(ledger_path: Path) -> None:
    code, output = run("log", "met", "zoe odegard", "--on", "2026-03-01", "--note", "coffee",
                       "--ledger", str(ledger_path))
    assert code == 0, output
    assert output == "Logged met with Zoë Ødegård (Nordic AS) on 2026-03-01: coffee.\n"
    assert events(ledger_path) == [(ZOE.key, "met", "2026-03-01", "coffee")]


def test_log_accepts_a_unique_part_of_a_name_a_url_or_an_email(ledger_path: Path) -> None:
    for who in ("sam", "https://www.linkedin.com/in/jane-acme", "JANE@globex.example"):
        code, output = run("log", "gave", who, "--on", "2026-03-02", "--ledger", str(ledger_path))
        assert code == 0, output
    assert [e[0] for e in events(ledger_path)] == [SAM.key, JANE_ACME.key, JANE_GLOBEX.key]


def test_an_ambiguous_name_is_refused_with_the_candidates(ledger_path: Path) -> None:
    code, output = run("log", "met", "jane doe", "--ledger", str(ledger_path))
    assert code == 2
    assert output == (
        "Error: 'jane doe' matches 2 people: Jane Doe (Acme); Jane Doe (Globex); "
        "use the profile URL or e-mail\n"
    )
    assert events(ledger_path) == []


def test_an_unknown_name_suggests_close_ones(ledger_path: Path) -> None:
    code, output = run("log", "met", "Jnae Doe", "--ledger", str(ledger_path))
    assert code == 2
    assert output.startswith("Error: no one called 'Jnae Doe' in the ledger; did you mean: ")
    assert "Jane Doe (Acme)" in output and "Jane Doe (Globex)" in output
    code, output = run("log", "met", "Xavier Quux", "--ledger", str(ledger_path))
    assert "no one called 'Xavier Quux' in the ledger (6 people known" in output


def test_log_refuses_a_bad_date(ledger_path: Path) -> None:
    code, output = run("log", "met", "sam", "--on", "10/03/2027", "--ledger", str(ledger_path))
    assert code == 2
    assert "Error: --on: cannot read '10/03/2027'; use YYYY-MM-DD" in output


def test_log_refuses_a_meeting_that_has_not_happened(ledger_path: Path) -> None:
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    code, output = run("log", "met", "sam", "--on", tomorrow, "--ledger", str(ledger_path))
    assert code == 2
    assert f"Error: --on: {tomorrow} is in the future" in output
    assert events(ledger_path) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14d", date(2027, 2, 24)), ("2w", date(2027, 2, 24)), ("6m", date(2026, 9, 10)),
     ("1y", date(2026, 3, 10)), ("1M", date(2027, 2, 10))],
)
def test_cutoff(text: str, expected: date) -> None:
    assert cutoff(text, TODAY, field="x") == expected


def test_cutoff_clamps_to_the_end_of_a_shorter_month() -> None:
    assert cutoff("6m", date(2027, 8, 31), field="x") == date(2027, 2, 28)
    with pytest.raises(OutreachError, match=r"expire_after: cannot read .6 months."):
        cutoff("6 months", TODAY, field="expire_after")


def test_status_on_an_empty_ledger_says_so_for_each_section(tmp_path: Path) -> None:
    code, output = run("status", "--ledger", str(tmp_path / "new.sqlite"))
    assert code == 0, output
    assert output.splitlines() == [
        "Due this week: no rotation or forum meetings this week.",
        "Met, not yet thanked: everyone you met has been thanked.",
        "No reply after 14d: no invitation is waiting for a reply.",
        "One-way relationships: every exchange goes both ways (or none is logged yet).",
        "Not met for over 6m: let go?: no relationship has gone quiet.",
    ]


def _history(path: Path) -> None:
    with Ledger.open(path) as ledger:
        ledger.record_meetings([
            PlannedMeeting("r1", SAM.key, "Sam Lee", "rotation",
                           datetime(2027, 3, 11, 15, 0, tzinfo=UTC)),
            PlannedMeeting("r2", OMAR.key, "Omar Haddad", "rotation",
                           datetime(2027, 3, 18, 15, 0, tzinfo=UTC)),  # next week
        ])
        ledger.add_event(ZOE.key, "met", date(2027, 3, 1))  # not thanked yet
        ledger.add_event(LI.key, "met", date(2027, 2, 20))
        ledger.mark_thanked([LI.key], date(2027, 2, 21))
        ledger.add_event(JANE_ACME.key, "invited", date(2027, 2, 1), "Coffee, Jane?")
        ledger.add_event(JANE_GLOBEX.key, "invited", date(2027, 2, 1), "Coffee too?")
        ledger.add_event(JANE_GLOBEX.key, "replied", date(2027, 2, 3))
        ledger.add_event(SAM.key, "invited", date(2027, 3, 5), "Recent invite")
        for _ in range(3):
            ledger.add_event(OMAR.key, "gave", date(2027, 1, 5))
        ledger.add_event(LI.key, "gave", date(2027, 1, 5))
        ledger.add_event(LI.key, "got", date(2027, 1, 6))
        ledger.add_event(SAM.key, "got", date(2027, 1, 6))
        ledger.add_event(OMAR.key, "met", date(2026, 6, 1))  # long ago
        ledger.mark_thanked([OMAR.key], date(2026, 6, 2))


def test_status_report_sections(ledger_path: Path) -> None:
    _history(ledger_path)
    with Ledger.open(ledger_path) as ledger:
        report = status_report(ledger, TODAY)
    assert [(p.full_name, series) for _start, p, series, _met in report.due] == [
        ("Sam Lee", "rotation")
    ]
    assert [(p.full_name, on) for p, on in report.unthanked] == [
        ("Zoë Ødegård", date(2027, 3, 1))
    ]
    assert [(p.company, on, note) for p, on, note in report.unanswered] == [
        ("Acme", date(2027, 2, 1), "Coffee, Jane?")
    ]
    assert [(p.full_name, gave, got) for p, gave, got in report.one_way] == [
        ("Omar Haddad", 3, 0), ("Sam Lee", 0, 1)
    ]
    assert [(p.full_name, on) for p, on in report.expired] == [("Omar Haddad", date(2026, 6, 1))]


def test_status_output_matches_the_golden_file(ledger_path: Path) -> None:
    """The whole review as a user reads it (regenerate: OUTREACH_UPDATE_GOLDEN=1)."""
    _history(ledger_path)
    code, output = run("status", "--today", "2027-03-10", "--tz", "America/Toronto",
                       "--ledger", str(ledger_path))
    assert code == 0, output
    golden = GOLDEN / "status.txt"
    if os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1":
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")


def test_status_command_shows_every_section(ledger_path: Path) -> None:
    _history(ledger_path)
    code, output = run("status", "--today", "2027-03-10", "--ledger", str(ledger_path))
    assert code == 0, output
    assert "Due this week (1)" in output and "Sam Lee (Initech)" in output
    assert "Met, not yet thanked (1)" in output and "2027-03-01" in output
    assert "No reply after 14d (1)" in output and "Coffee, Jane?" in output
    assert "Coffee too?" not in output and "Recent invite" not in output
    assert "only you give" in output and "only you take" in output
    assert "Not met for over 6m: let go? (1)" in output and "2026-06-01" in output
    code, output = run("status", "--today", "2027-03-10", "--expire-after", "1y",
                       "--no-reply-after", "60d", "--ledger", str(ledger_path))
    assert "Not met for over 1y: let go?: no relationship has gone quiet." in output
    assert "No reply after 60d: no invitation is waiting for a reply." in output


def test_a_sent_invitation_waits_for_a_reply_until_logged(
    tmp_path: Path, ledger_path: Path
) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    with smtp_server() as server:
        code, output = run("send", str(folder), "--smtp-host", server.host, "--port",
                           str(server.port), "--security", "none", "--send",
                           "--ledger", str(ledger_path))
    assert code == 0, output
    today = date.fromordinal(date.today().toordinal() + 20).isoformat()
    code, output = run("status", "--today", today, "--ledger", str(ledger_path))
    assert "No reply after 14d (1)" in output and "Peer 1 (peer1@example.org)" in output
    code, output = run("log", "replied", "peer1@example.org", "--ledger", str(ledger_path))
    assert code == 0, output
    code, output = run("status", "--today", today, "--ledger", str(ledger_path))
    assert "No reply after 14d: no invitation is waiting for a reply." in output


def test_find_person_returns_the_stored_key(ledger_path: Path) -> None:
    with Ledger.open(ledger_path) as ledger:
        ledger.record_meetings([PlannedMeeting("m", "ana li|acme", "Ana Li", "forum",
                                               datetime(2027, 1, 1, tzinfo=UTC))])
        key, person = find_person(ledger, "ana")
    assert key == "ana li|acme"
    assert person.key == key

"""Issue 24 (first half): the relationship over time, driven through the CLI with
``OUTREACH_TODAY``: a six-month rotation trial reviewed, letting go gently, give-to-get in
status, at most one follow-up a day, replies that ask to stop."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.ledger import Ledger, PlannedMeeting
from outreach.mail.inbox import asks_to_stop
from outreach.model import Person

FROM = ["--from", "Dana Whitfield <dana.whitfield@example.com>"]


def person(first: str, last: str, company: str, function: str = "marketing",
           level: str = "vp", **extra: str) -> Person:
    slug = f"{first}-{last}".lower()
    return Person(first, last, company=company, url=f"https://www.linkedin.com/in/{slug}",
                  function=function, level=level, position=f"{level} {function}", **extra)


ANA = person("Ana", "Silva", "Brightwave")
MARCUS = person("Marcus", "Smith", "Northline")
MARIA = person("Maria", "Garcia", "Solace")
ETHAN = person("Ethan", "Brown", "Keystone")
OLIVIA = person("Olivia", "Chen", "Lumen")  # a marketing VP not in the plan: a replacement
PETER = person("Peter", "Novak", "Vantage", function="sales", level="director")
FORA = person("Fatima", "Ali", "Orbit")
FORB = person("Felix", "Wagner", "Quanta")
JAMES = person("James", "Okafor", "Helix", level="director")
ROTATION = (ANA, MARCUS, MARIA, ETHAN)
FIRST = date(2027, 1, 5)  # a Tuesday; each peer every four weeks, six dates, until June


def run(*args: str, today: str | None = None, code: int = 0) -> str:
    env = {"OUTREACH_TODAY": today} if today else {}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def dates_of(index: int) -> list[date]:
    return [FIRST + timedelta(weeks=index + 4 * n) for n in range(6)]


@pytest.fixture
def trial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A six-month rotation of four peers and a forum of two, as the campaign leaves it."""
    monkeypatch.setenv("COLUMNS", "220")
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as ledger:
        everyone = [*ROTATION, OLIVIA, PETER, FORA, FORB, JAMES]
        ledger.remember_people(everyone)
        keys = dict(zip([p.full_name for p in everyone], ledger.identify(everyone),
                        strict=True))
        meetings = [PlannedMeeting(f"rot-{n}#{day:%Y%m%d}", keys[p.full_name], p.full_name,
                                   "rotation", datetime(day.year, day.month, day.day, 13,
                                                        tzinfo=UTC))
                    for n, p in enumerate(ROTATION) for day in dates_of(n)]
        forum_days = [date(2027, 2, 18), date(2027, 5, 20)]
        meetings += [PlannedMeeting(f"forum#{day:%Y%m%d}#{n}", keys[p.full_name], p.full_name,
                                    "forum", datetime(day.year, day.month, day.day, 17,
                                                      tzinfo=UTC))
                     for n, p in enumerate((FORA, FORB)) for day in forum_days]
        ledger.record_meetings(meetings)
    return str(path)


def log(ledger: str, kind: str, who: str, on: date, today: str = "2027-06-30") -> str:
    return run("log", kind, who, "--on", on.isoformat(), "--ledger", ledger, today=today)


def live_the_trial(ledger: str) -> None:
    for day in dates_of(0):  # Ana: every date
        log(ledger, "met", "Ana Silva", day + timedelta(days=1))
    log(ledger, "met", "Marcus Smith", dates_of(1)[0])  # Marcus: once in six
    log(ledger, "gave", "Ana", date(2027, 2, 1))
    log(ledger, "got", "Ana", date(2027, 3, 1))
    log(ledger, "met", "Fatima Ali", date(2027, 2, 18))  # the forum: one came
    run("log", "letgo", "Ethan Brown", "--ledger", ledger, today="2027-06-30")


def test_a_six_month_trial_reviewed_key_by_key(trial: str) -> None:
    live_the_trial(trial)
    data = json.loads(run("review", "--format", "json", "--ledger", trial, today="2027-06-30"))
    peers = {p["name"]: p for p in data["rotation"]["peers"]}
    assert list(peers) == ["Ana Silva", "Ethan Brown", "Marcus Smith", "Maria Garcia"]
    assert set(peers["Ana Silva"]) == {"name", "url", "planned", "held", "missed", "declined",
                                      "gave", "got", "verdict", "reason", "replies"}
    ana = peers["Ana Silva"]
    assert (ana["url"], ana["planned"], ana["held"], ana["missed"], ana["declined"],
            ana["gave"], ana["got"], ana["replies"]) == (ANA.url, 6, 6, 0, 0, 1, 1, 0)
    assert (ana["verdict"], ana["reason"]) == ("continue", "met 6 times")
    marcus = peers["Marcus Smith"]
    assert (marcus["planned"], marcus["held"], marcus["missed"]) == (6, 1, 5)
    assert marcus["verdict"] == "ask again"
    assert marcus["reason"].startswith("met once but missed 5 of 6 dates")
    maria = peers["Maria Garcia"]
    assert (maria["held"], maria["missed"], maria["verdict"]) == (0, 6, "let go")
    assert maria["reason"] == "never met: missed all 6 dates"
    ethan = peers["Ethan Brown"]
    assert (ethan["verdict"], ethan["reason"]) == ("let go", "you let them go on 2027-06-30")
    replacements = data["rotation"]["replacements"]
    assert [r["name"] for r in replacements] == ["Olivia Chen", "James Okafor"]
    olivia = replacements[0]
    assert set(olivia) == {"name", "url", "score", "reason"}
    assert (olivia["url"], olivia["score"]) == (OLIVIA.url, 1.0)
    assert olivia["reason"] == ("same function (marketing); same level (vp); "
                                "not in the plan yet")
    assert data["forum"] == {"invited": 2, "accepted": 0, "attended": 1}
    assert data["rotation"]["ended"] is True and data["rotation"]["last"] == "2027-06-15"


def test_the_review_as_a_table_and_statuss_pointer_to_it(trial: str) -> None:
    live_the_trial(trial)
    table = run("review", "--ledger", trial, "--today", "2027-06-30")
    assert "Rotation, 2027-01-05 to 2027-06-15 (ended, as of 2027-06-30)" in table
    assert "never met: missed all 6 dates" in table
    assert "To take the 2 freed places" in table and "Olivia Chen (Lumen)" in table
    assert "Forum: 2 invited, 0 accepted, 1 attended." in table
    assert "outreach campaign --renew" in table
    ended = run("status", "--ledger", trial, today="2027-06-30")
    assert "Review: the trial ended on 2027-06-15: outreach review." in ended
    early = run("status", "--ledger", trial, "--today", "2027-02-20")
    assert "Review: Maria Garcia missed two dates or more: outreach review." in early
    assert "Review:" not in run("status", "--ledger", trial, today="2027-01-06")


def test_letting_go_ends_the_plan_without_blocking_contact(trial: str) -> None:
    said = run("log", "letgo", "Maria", "--note", "never found a date", "--ledger", trial,
               today="2027-03-01")
    assert said.startswith("Maria Garcia (Solace): let go on 2027-03-01; nothing more is due")
    again = run("log", "letgo", "Maria", "--ledger", trial, today="2027-03-01")
    assert "(already so)" in again
    data = json.loads(run("status", "--format", "json", "--ledger", trial, today="2027-03-02"))
    maria = next(p for p in data["people"] if p["name"] == "Maria Garcia")
    assert maria["state"] == "let_go" and maria["let_go_on"] == "2027-03-01"
    assert maria["do_not_contact"] is False
    assert maria["next_step"] == {"kind": None, "due": None, "channel": None,
                                  "reason": "none: let go (you may invite them again)"}
    log(trial, "met", "Maria", date(2027, 4, 1), today="2027-04-02")  # met again after all
    data = json.loads(run("status", "--format", "json", "--ledger", trial, today="2027-04-02"))
    assert next(p for p in data["people"] if p["name"] == "Maria Garcia")["state"] == "met"


def test_status_shows_give_and_take_and_flags_imbalance(trial: str) -> None:
    log(trial, "met", "Ana", dates_of(0)[0], today="2027-02-10")
    for kind, day in (("gave", 1), ("gave", 2), ("gave", 3), ("got", 4)):
        log(trial, kind, "James", date(2027, 2, day), today="2027-02-10")
    log(trial, "met", "James", date(2027, 2, 5), today="2027-02-10")
    table = run("status", "--ledger", trial, today="2027-02-10")
    assert "every exchange goes both ways" not in table
    assert "you give more" in table
    data = json.loads(run("status", "--format", "json", "--ledger", trial, today="2027-02-10"))
    james = next(p for p in data["people"] if p["name"] == "James Okafor")
    assert (james["gave"], james["got"], james["met"], james["last_met"]) == (
        3, 1, 1, "2027-02-05")
    assert james["balance"] == "you give more" and james["series"] == []
    ana = next(p for p in data["people"] if p["name"] == "Ana Silva")
    assert ana["series"] == ["rotation"] and ana["met"] == 1
    assert data["one_way"] == [{"name": "James Okafor", "url": JAMES.url, "email": "",
                                "gave": 3, "got": 1, "sign": "you give more"}]
    for day in (6, 7, 8, 9):
        log(trial, "got", "James", date(2027, 2, day), today="2027-02-10")
    data = json.loads(run("status", "--format", "json", "--ledger", trial, today="2027-02-10"))
    assert data["one_way"][0]["sign"] == "you owe"


def test_outreach_today_sets_the_day_for_every_command(trial: str) -> None:
    said = run("log", "met", "Ana", "--ledger", trial, today="2027-02-02")
    assert "on 2027-02-02" in said
    refused = run("log", "met", "Ana", "--on", "2027-02-03", "--ledger", trial,
                  today="2027-02-02", code=2)
    assert "2027-02-03 is in the future (today is 2027-02-02)" in refused
    data = json.loads(run("status", "--format", "json", "--ledger", trial, today="2027-02-02"))
    assert data["today"] == "2027-02-02"
    for bad in ("2027-13-01", "tomorrow"):
        for command in (("status",), ("review",), ("log", "met", "Ana")):
            out = run(*command, "--ledger", trial, today=bad, code=2)
            assert out == f"Error: $OUTREACH_TODAY: cannot read {bad!r}; use YYYY-MM-DD, " \
                "e.g. 2027-06-08\n"


# ---------------------------------------------------------------- don't push


def test_at_most_one_follow_up_a_day_whatever_max_says(trial: str, tmp_path: Path) -> None:
    run("log", "noted", "Peter", "--ledger", trial, today="2027-01-04")  # the invitation
    out = str(tmp_path / "followups")
    args = ("followups", "--after", "0d", "--max", "5", "--out", out, "--ledger", trial, *FROM)
    first = run(*args, today="2027-01-04")
    assert "Follow-up note for Peter Novak (Vantage)" in first
    run("log", "noted", "Peter", "--ledger", trial, today="2027-01-04")  # the nudge, sent
    for _ in range(2):
        again = run(*args, today="2027-01-04")
        assert "Follow-up note for Peter" not in again and "No follow-ups due." in again
    tomorrow = run(*args, today="2027-01-05")
    assert "Follow-up note for Peter Novak (Vantage)" in tomorrow


@pytest.mark.parametrize("words", [
    "Please take me off your list.", "Thanks, but I'm not interested.", "No thanks!",
    "please   STOP writing", "No me interesa, gracias.", "Non merci.", "Kein Interesse.",
    "Não tenho interesse.", "Quítame de tu lista, por favor.",
])
def test_replies_that_ask_to_stop(words: str) -> None:
    assert asks_to_stop("Re: Coffee?", f"{words}\n\n> would Tuesday work?\n")


@pytest.mark.parametrize("words", ["Tuesday works, see you then!",
                                   "> no thanks (quoted, not their words)\nSure, let's meet."])
def test_replies_that_do_not(words: str) -> None:
    assert not asks_to_stop("Re: Coffee?", words)


def test_a_reply_asking_to_stop_is_shown_for_the_user_to_confirm(tmp_path: Path) -> None:
    from outreach.ledger.plans import PlannedMessage

    address = "jane@peer.example"
    ledger_path = str(tmp_path / "l.sqlite")
    jane = Person("Jane", "Doe", company="Peer Co", email=address,
                  url="https://www.linkedin.com/in/jane")
    with Ledger.open(Path(ledger_path)) as ledger:
        ledger.remember_people([jane])
        key = ledger.identify([jane])[0]
        ledger.save_plan([PlannedMessage("<inv@example.com>", key, "coffee", "invitation",
                                         "<inv@example.com>", subject="Coffee?")])
        ledger.queue_message("<inv@example.com>", [address], "Coffee?", "x.eml")
        ledger.mark_sent("<inv@example.com>", [address], "250 OK")
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    box.add(f"From: Jane Doe <{address}>\nTo: dana.whitfield@example.com\n"
            "Message-ID: <r1@peer.example>\nIn-Reply-To: <inv@example.com>\n"
            "Date: Wed, 6 Jan 2027 09:00:00 +0000\nSubject: Re: Coffee?\n\n"
            "Please take me off your list.\n\n> Coffee on Tuesday?\n")
    box.flush()
    run("inbox", str(tmp_path / "inbox.mbox"), "--ledger", ledger_path, today="2027-01-07")
    data = json.loads(run("status", "--format", "json", "--ledger", ledger_path,
                          today="2027-01-20"))
    row = next(p for p in data["people"] if p["name"] == "Jane Doe")
    assert row["asked_to_stop"] is True and row["do_not_contact"] is False
    assert row["next_step"]["reason"] == ('they asked to stop: outreach log optout "Jane Doe" '
                                          "confirms it")
    table = run("status", "--ledger", ledger_path, today="2027-01-20")
    assert 'Jane Doe asked to stop: outreach log optout "Jane Doe" confirms it.' in table
    nudges = run("followups", "--after", "0d", "--out", str(tmp_path / "f"), "--ledger",
                 ledger_path, *FROM, today="2027-01-20")
    assert "No follow-ups due." in nudges
    run("log", "optout", "Jane Doe", "--ledger", ledger_path, today="2027-01-20")
    table = run("status", "--ledger", ledger_path, today="2027-01-20")
    assert "asked to stop" not in table


def test_an_export_ranks_the_replacements_by_peer_score(trial: str) -> None:
    export = Path(__file__).resolve().parent.parent / "sample_data" / \
        "Basic_LinkedInDataExport_11-20-2026.zip"
    live_the_trial(trial)
    data = json.loads(run("review", str(export), "--format", "json", "--ledger", trial,
                          today="2027-06-30"))
    replacements = data["rotation"]["replacements"]
    assert len(replacements) == 6  # three for each of the two places freed
    scored = [r for r in replacements if "peer score" in r["reason"]]
    assert scored and all(r["url"].startswith("https://www.linkedin.com/in/") for r in scored)
    assert [r["score"] for r in replacements] == sorted(
        (r["score"] for r in replacements), reverse=True)
    assert not {r["url"] for r in replacements} & {p.url for p in ROTATION}


@pytest.mark.parametrize("first", ["Jane", "$(touch pwned)", "`id`", "O'Brien", 'Say "hi"',
                                   "back\\slash", "Wow!"])
def test_the_optout_command_status_suggests_is_one_safe_shell_word(first: str) -> None:
    import shlex

    from outreach.lifecycle import quoted_name

    quoted = quoted_name(Person(first, "Doe"))
    assert shlex.split(quoted) == [f"{first} Doe"]
    assert "$" not in quoted or quoted.startswith("'")

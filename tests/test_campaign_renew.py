"""The end of a rotation trial is a decision (issue 24): after the last date a rerun plans
nothing and says how to go on; ``campaign --renew`` keeps who continues, fills the freed
places, and writes those who leave a kind closing note (no "I have to cancel", and no
calendar CANCEL for a series that has ended). Driven by ``$OUTREACH_NOW``, through the CLI,
with a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from smtp_server import smtp_server
from test_campaign_declines import PEERS as NINE
from test_campaign_told import FROM, START, export, run

from outreach.ledger import Ledger

PEERS = [*NINE, *[(first, last, company, f"{first.lower()}@{company.lower()}.example")
                  for first, last, company in [("Jo", "Kim", "Soylent"), ("Kai", "Ng", "Vandelay"),
                                               ("Lea", "Roy", "Oscorp")]]]
AFTER = "2027-07-12T12:00:00+00:00"  # the trial from 5 January 2027 ended on 29 June


def args(out: Path, ledger: Path, *extra: str) -> list[str | Path]:
    return ["--out", out, "--ledger", ledger, "--title", "VP Marketing", "--no-preview",
            "--rotation-size", "5", "--forum-size", "2", "--yes", *FROM, *extra]


def send(out: Path, ledger: Path) -> None:
    with smtp_server() as server:
        run("send", out / "emails", "--smtp-host", server.host, "--port", str(server.port),
            "--security", "none", "--ledger", ledger, "--send")


def messages(out: Path) -> dict[str, email.message.EmailMessage]:
    """File name → the message, for every .eml written."""
    return {p.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((out / "emails").glob("*.eml"))}


def body(message: email.message.Message) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def planned(tmp_path: Path) -> tuple[Path, Path, Path, list[str]]:
    """A sent plan: five rotation peers (from 5 January 2027), two forum peers."""
    path = export(tmp_path / "export", PEERS)
    out, ledger = tmp_path / "out", tmp_path / "l.sqlite"
    run("campaign", path, *args(out, ledger, *START))
    send(out, ledger)
    with Ledger.open(ledger, read_only=True) as book:
        places = book.rotation_positions()
        people = book.all_people()
    rotation = [people[k].full_name for k in sorted(places, key=places.__getitem__)]
    return path, out, ledger, rotation


@pytest.mark.slow
@pytest.mark.integration
def test_after_the_last_date_a_rerun_plans_nothing_and_says_how_to_go_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, out, ledger, _rotation = planned(tmp_path)
    before = snapshot(out)
    monkeypatch.setenv("OUTREACH_NOW", AFTER)
    said = run("campaign", path, *args(out, ledger, *START[2:]))
    assert "The rotation's trial ended on Tuesday 29 June 2027" in said
    assert "outreach review" in said and "outreach campaign --renew" in said
    assert "Updated" not in said and "moved to" not in said
    assert snapshot(out) == before  # nothing written: the rotation, nor the forum's dates


def test_renew_before_the_trial_ends_is_refused(tmp_path: Path) -> None:
    path, out, ledger = export(tmp_path / "export", PEERS), tmp_path / "out", tmp_path / "l"
    from click.testing import CliRunner

    from outreach.cli import cli

    run("campaign", path, *args(out, ledger, *START))
    result = CliRunner().invoke(cli, [str(a) for a in ["campaign", path,
                                                       *args(out, ledger, "--renew")]])
    assert result.exit_code == 2
    assert "--renew: the rotation's trial runs until 29 June 2027" in result.output


@pytest.mark.slow
@pytest.mark.integration
def test_renew_keeps_who_continues_and_closes_kindly_with_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, out, ledger, rotation = planned(tmp_path)
    stay, once, never, let_go = rotation[0], rotation[1], rotation[2], rotation[3]
    also = rotation[4]
    for who, days in ((stay, ("2027-01-05", "2027-02-09", "2027-03-16")),
                      (also, ("2027-02-02", "2027-03-09")), (once, ("2027-01-12",)),
                      (let_go, ("2027-01-19", "2027-02-23"))):
        log(ledger, who, "met", *days)  # `log` reads the real clock until OUTREACH_TODAY
    monkeypatch.setenv("OUTREACH_NOW", AFTER)
    run("log", "letgo", let_go, "--ledger", ledger)
    forum_before = (out / "calendar" / "forum.ics").read_bytes()
    before = messages(out)
    monkeypatch.setenv("OUTREACH_NOW", AFTER)
    said = run("campaign", path, *args(out, ledger, "--renew", *START[2:]))
    assert "3 closing notes" in said and "2 updates" in said and "3 invitations" in said, said
    assert "cancellation" not in said
    written = {name: m for name, m in messages(out).items()
               if name not in before or bytes(m) != bytes(before[name])}
    closing = {m["To"].addresses[0].display_name: m for m in written.values()
               if str(m["Subject"]).startswith("Thank you")}
    assert set(closing) == {once, never, let_go}
    for message in closing.values():
        text = body(message)
        assert text.startswith("Hi ") and "cancel" not in text.lower()
        assert "stay in touch" in text
        assert not any(p.get_content_type() == "text/calendar" for p in message.walk())
        assert message["In-Reply-To"]  # in the thread of the invitation they had
        assert "\r\n\r\nI'd be glad to stay in touch" in text
    assert "Thank you for the two we had" in body(closing[let_go])
    assert "We never quite found the time" in body(closing[never])
    updates = [m for m in written.values() if str(m["Subject"]).startswith("Updated")]
    assert {m["To"].addresses[0].display_name for m in updates} == {stay, also}
    assert all("here is the next one" in body(m) for m in updates)
    invited = [m for m in written.values() if str(m["Subject"]).startswith("Coffee")]
    assert len(invited) == 3
    assert not {m["To"].addresses[0].display_name for m in invited} & set(rotation)
    assert (out / "calendar" / "forum.ics").read_bytes() == forum_before  # its dates stay


def log(ledger: Path, name: str, kind: str, *days: str) -> None:
    from datetime import date

    with Ledger.open(ledger) as book:
        key = next(k for k, p in book.all_people().items() if p.full_name == name)
        for day in days:
            book.add_event(key, kind, date.fromisoformat(day))


@pytest.mark.slow
@pytest.mark.integration
def test_a_peer_met_who_left_the_role_gets_a_friendly_closing_note(tmp_path: Path) -> None:
    path, out, ledger, rotation = planned(tmp_path)
    gone = rotation[0]
    log(ledger, gone, "met", "2026-11-20")
    first, last = gone.split(" ")
    text = path.read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith(f"{first},{last},"))
    path.write_text(text.replace(line, line.replace("VP Marketing", "Board Advisor")),
                    encoding="utf-8")
    said = run("campaign", path, *args(out, ledger, *START))
    assert f"closing note for {gone}" in said and "1 closing note" in said
    assert "1 cancellation" not in said
    note = messages(out)[f"{first.lower()}-{last.lower()}-cancelled.eml"]
    text = body(note)
    assert "moved on to a new role: congratulations" in text
    assert "Thank you for the time we had" in text
    assert "sorry" not in text and "have to cancel" not in text
    # their series still had dates to come: the CANCEL takes those out of their calendar
    assert any(p.get_content_type() == "text/calendar" for p in note.walk())
    assert "The attached update takes the dates still planned out of your calendar" in text


@pytest.mark.parametrize(("flags", "said"), [
    (["--forum-size", "3"], "--forum-size: a forum of 3 is outside 10–15 peers"),
    (["--forum-size", "40"], "--forum-size: a forum of 40 is outside 10–15 peers"),
    (["--rotation-size", "8"], "--rotation-size: a rotation of 8 is outside 4–5 peers"),
])
def test_a_forum_or_rotation_of_an_unusual_size_asks_for_yes(
        tmp_path: Path, flags: list[str], said: str) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    path, out = export(tmp_path / "export", PEERS), tmp_path / "out"
    base = ["campaign", path, "--out", out, "--title", "VP Marketing", "--no-preview",
            *START, *FROM, *flags]
    refused = CliRunner().invoke(cli, [str(a) for a in base])
    assert refused.exit_code == 2 and said in refused.output
    assert "pass --yes to plan it anyway" in refused.output
    assert not out.exists()  # nothing written
    run(*base, "--yes")


def test_forum_size_asks_for_yes_too(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    path = export(tmp_path / "export", PEERS)
    refused = CliRunner().invoke(cli, ["forum", str(path), "--size", "8", "--title",
                                       "VP Marketing", "--out", str(tmp_path / "f.ics"),
                                       *START, *FROM])
    assert refused.exit_code == 2
    assert "--size: a forum of 8 is outside 10–15 peers" in refused.output


@pytest.mark.slow
def test_the_forum_e_mail_says_the_size_it_has(tmp_path: Path) -> None:
    _path, out, _ledger, _rotation = planned(tmp_path)
    forum = [m for m in messages(out).values() if "forum" in str(m["Subject"])]
    assert len(forum) == 2
    for message in forum:
        text = body(message)
        assert "ten to fifteen" not in text
        assert "a handful of peers, no vendors" in text

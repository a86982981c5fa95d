"""Issue 12: every message tells the truth and goes out once — what a rerun writes follows
from what was already sent. Driven through the CLI, with a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner
from smtp_server import smtp_server

from outreach.cli import cli
from outreach.model import Person
from outreach.plan import Intended, plan_messages, plan_rotation

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
GOLDEN = Path(__file__).parent / "data" / "golden"
FROM = ["--from", "Dana Whitfield <dana.whitfield@example.com>"]
TORONTO = ZoneInfo("America/Toronto")


def campaign(out: Path, source: Path = EXPORT, start: str = "2027-01-05T08:00",
             *extra: str) -> str:
    result = CliRunner().invoke(cli, [
        "campaign", str(source), "--out", str(out / "out"), "--ledger", str(out / "l.sqlite"),
        "--start", start, "--tz", "America/Toronto", "--location", "Café Olimpico",
        "--no-preview", *FROM, *extra])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def send(out: Path) -> str:
    with smtp_server() as server:
        result = CliRunner().invoke(cli, [
            "send", str(out / "out" / "emails"), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", str(out / "l.sqlite"), "--send"])
        assert result.exit_code == 0, result.output
        return result.output


def parsed(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def calendar_of(message: email.message.EmailMessage) -> tuple[str, icalendar.Event]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    return part.get_param("method"), icalendar.Calendar.from_ical(data).walk("VEVENT")[0]


def eml_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.eml"))}


@pytest.fixture(scope="module")
def sent_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's campaign, run twice, then every invitation sent."""
    base = tmp_path_factory.mktemp("plan")
    campaign(base)
    assert "0 files written" in campaign(base)
    send(base)
    return base


def without_a_rotation_peer(base: Path) -> Path:
    """out/peers.csv (the review step) with one rotation peer who has an address deleted."""
    out = base / "out"
    invitation = next(p for p in sorted((out / "emails").glob("*.eml"))
                      if "-" not in p.stem.rsplit("-", 1)[-1] and "forum" not in
                      parsed(p)["Subject"].lower())
    address = parsed(invitation)["To"].addresses[0].addr_spec
    peers = (out / "peers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    edited = base / "peers-edited.csv"
    edited.write_text("".join(line for line in peers if address not in line), encoding="utf-8")
    return edited


def copy_of(base: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(base, tmp_path / "copy")
    return tmp_path / "copy"


def test_a_moved_start_sends_threaded_updates_not_new_invitations(
        sent_plan: Path, tmp_path: Path) -> None:
    base = copy_of(sent_plan, tmp_path)
    emails = base / "out" / "emails"
    originals = {p.name: parsed(p) for p in emails.glob("*.eml")}
    summary = campaign(base, EXPORT, "2027-01-12T09:00")
    count = len(originals)  # the rotation's and the forum's invitations, all sent
    assert count >= 3
    assert f"Messages: {count} e-mails to send ({count} updates)." in summary
    updates = sorted(emails.glob("*-updated.eml"))
    assert len(updates) == count
    for path in updates:
        update = parsed(path)
        original = originals[path.name.replace("-updated", "")]
        assert update["Subject"] == f"Updated: {original['Subject']}"
        assert update["In-Reply-To"] == original["Message-ID"]
        assert update["References"] == original["Message-ID"]
        method, event = calendar_of(update)
        _, first = calendar_of(original)
        assert method == "REQUEST" and str(event["UID"]) == str(first["UID"])
        assert int(event["SEQUENCE"]) == int(first.get("SEQUENCE", 0)) + 1
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (9, 0) and start.date() >= date(2027, 1, 12)
        body = update.get_body(("plain",)).get_content()
        assert f"moved to {start:%A %-d %B, %H:%M %Z}" in body  # the change, from the attachment
    assert "0 files written" in campaign(base, EXPORT, "2027-01-12T09:00")


def test_a_peer_removed_gets_one_cancellation_and_nobody_else_moves(
        sent_plan: Path, tmp_path: Path) -> None:
    base = copy_of(sent_plan, tmp_path)
    out = base / "out"
    edited = without_a_rotation_peer(base)
    calendars = {p.name: p.read_bytes() for p in (out / "calendar").glob("*.ics")}
    before = eml_bytes(out / "emails")
    summary = campaign(base, edited)
    assert "(1 cancellation)" in summary
    (cancel,) = (out / "emails").glob("*-cancelled.eml")
    message = parsed(cancel)
    original = parsed(out / "emails" / cancel.name.replace("-cancelled", ""))
    assert message["Subject"] == f"Cancelled: {original['Subject']}"
    assert message["In-Reply-To"] == original["Message-ID"]
    method, event = calendar_of(message)
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(calendar_of(original)[1]["UID"])
    after = eml_bytes(out / "emails")
    assert {n: b for n, b in after.items() if n != cancel.name} == before  # nobody else changed
    staying = [n for n in calendars if n not in (cancel.name.replace("-cancelled.eml", ".ics"),
                                                  "rotation.ics", "forum.ics")]
    for name in staying:
        assert (out / "calendar" / name).read_bytes() == calendars[name], name
    assert "0 files written" in campaign(base, edited)


def test_send_refuses_what_the_plan_retired_and_delivers_updates_once(
        sent_plan: Path, tmp_path: Path) -> None:
    base = copy_of(sent_plan, tmp_path)
    campaign(base, EXPORT, "2027-01-12T09:00")
    updates = len(list((base / "out" / "emails").glob("*-updated.eml")))
    assert f"sent {updates}," in send(base)
    assert "sent 0," in send(base)


def test_a_hand_edited_message_survives_a_rerun_that_changes_nothing(tmp_path: Path) -> None:
    campaign(tmp_path)
    path = next(p for p in sorted((tmp_path / "out" / "emails").glob("*.eml"))
                if b"Thanks," in p.read_bytes())
    edited = path.read_bytes().replace(b"Thanks,", b"Warm regards,")
    path.write_bytes(edited)
    campaign(tmp_path)
    assert path.read_bytes() == edited
    campaign(tmp_path, EXPORT, "2027-01-19T08:00")  # the meeting changed: the plan rewrites it
    assert b"Warm regards," not in path.read_bytes()


def test_the_campaign_speaks_with_the_title_it_searched_for(tmp_path: Path) -> None:
    out = tmp_path
    summary = campaign(out, EXPORT, "2027-01-05T08:00", "--title", "VP of Marketing",
                       "--company", "Contoso")
    assert "for 'VP of Marketing'" in summary
    body = parsed(next((out / "out" / "emails").glob("*.eml"))).get_body(("plain",)).get_content()
    assert "I'm VP of Marketing at Contoso" in body


def test_invitations_describe_the_series_they_attach(tmp_path: Path) -> None:
    campaign(tmp_path, EXPORT, "2027-01-05T17:30", "--forum-size", "15")
    message = next(m for m in map(parsed, sorted((tmp_path / "out" / "emails").glob("*.eml")))
                   if "forum" not in m["Subject"].lower())
    body = message.get_body(("plain",)).get_content()
    _, event = calendar_of(message)
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    weeks = rule["INTERVAL"][0]
    words = {4: "four", 5: "five", 6: "six"}[weeks]
    assert f"every {words} weeks from Tuesday 5 January" in " ".join(body.split())
    assert "accept only the first" in body
    forum = [parsed(p) for p in (tmp_path / "out" / "emails").glob("*.eml")
             if "forum" in parsed(p)["Subject"].lower()]
    for message in forum:
        text = " ".join(message.get_body(("plain",)).get_content().split())
        assert "before the day fills up" not in text
        assert "every month on the first Thursday" in text
        method, event = calendar_of(message)
        assert method == "REQUEST" and "RRULE" in event
        assert event["SUMMARY"].startswith("Peer forum")


def test_plan_decisions_follow_what_was_sent() -> None:
    from outreach.ledger import PlannedMessage

    ana = Person("Ana", "Souza", url="https://www.linkedin.com/in/ana")
    facts = {"start": "2027-01-05T08:00:00-05:00", "every": "every five weeks", "count": 6,
             "until": "2027-06-29T08:00:00-04:00", "minutes": 45, "location": "", "link": "",
             "tz": "America/Toronto"}
    want = Intended(ana, "rotation", "uid-1", 0, facts)
    (first,) = plan_messages([want], [], set(), "me@x.com", "x.com", ["rotation"])
    assert first.kind == "invitation"
    row = PlannedMessage(first.message_id, ana.key, "rotation", "invitation", first.message_id,
                         uid="uid-1", subject="Coffee?", facts=facts)
    (again,) = plan_messages([want], [row], set(), "me@x.com", "x.com", ["rotation"])
    assert (again.kind, again.message_id) == ("invitation", first.message_id)  # rewritten
    (same,) = plan_messages([want], [row], {first.message_id}, "me@x.com", "x.com",
                            ["rotation"])
    assert same.kind == "unchanged"
    moved = Intended(ana, "rotation", "uid-1", 1,
                     {**facts, "start": "2027-01-12T09:00:00-05:00"})
    (update,) = plan_messages([moved], [row], {first.message_id}, "me@x.com", "x.com",
                              ["rotation"])
    assert update.kind == "update" and update.references == (first.message_id,)
    assert update.change == "moved to Tuesday 12 January, 09:00 EST"
    (gone,) = plan_messages([], [row], set(), "me@x.com", "x.com", ["rotation"])
    assert gone.kind == "withdrawn" and gone.retired == (first.message_id,)
    (cancel,) = plan_messages([], [row], {first.message_id}, "me@x.com", "x.com", ["rotation"])
    assert cancel.kind == "cancellation" and cancel.uid == "uid-1"


def test_removing_a_peer_moves_nobody_else_in_the_rotation() -> None:
    people = [Person(f"P{i}", "X", url=f"https://www.linkedin.com/in/p{i}") for i in range(8)]
    start = datetime(2027, 1, 5, 8, tzinfo=TORONTO)
    first = plan_rotation(people, start, size=5)
    slots = {s.peer.key: [x.start for x in first.slots if x.peer is s.peer] for s in first.series}
    without = [p for p in people if p is not people[2]]
    second = plan_rotation(without, start, size=5, places=first.places)
    for series in second.series:
        key = series.peer.key
        if key in slots:
            assert [x.start for x in second.slots if x.peer is series.peer] == slots[key]
    newcomer = next(s for s in second.series if s.peer.key not in slots)
    assert newcomer.first == start + timedelta(weeks=2)  # the freed place


GOLDEN_MASKS = [(re.compile(r"^(DTSTAMP:)\d{8}T\d{6}Z$", re.M), r"\1<now>"),
                (re.compile(r"^(Date: ).*$", re.M), r"\1<now>"),
                # Message-IDs are keyed by each ledger's random secret
                (re.compile(r"<outreach\.[0-9a-f]{32}@"), "<outreach.<id>@")]


def readable(message: email.message.EmailMessage) -> str:
    """A message as a person would check it: its headers, its text, its calendar part."""
    lines = [f"{h}: {message[h]}" for h in ("From", "To", "Subject", "Message-ID",
                                             "In-Reply-To", "References", "Date") if message[h]]
    lines += ["", message.get_body(("plain",)).get_content().strip(), ""]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    lines.append(f"[text/calendar; method={part.get_param('method')}]")
    lines.append(part.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n").strip())
    text = "\n".join(lines).replace("\r\n", "\n") + "\n"
    for pattern, mask in GOLDEN_MASKS:
        text = pattern.sub(mask, text)
    return text


@pytest.mark.parametrize("kind", ["updated", "cancelled"])
def test_golden_update_and_cancellation(sent_plan: Path, tmp_path: Path, kind: str) -> None:
    base = copy_of(sent_plan, tmp_path)
    out = base / "out"
    if kind == "updated":
        campaign(base, EXPORT, "2027-01-12T09:00")
    else:
        campaign(base, without_a_rotation_peer(base))
    path = sorted((out / "emails").glob(f"*-{kind}.eml"))[0]
    text = readable(parsed(path))
    golden = GOLDEN / f"campaign_{kind}.txt"
    if os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_people_already_invited_by_outreach_emails_get_an_update_not_a_second_intro(
        tmp_path: Path) -> None:
    ledger = str(tmp_path / "l.sqlite")
    result = CliRunner().invoke(cli, [
        "emails", str(EXPORT), "--start", "2027-01-05T08:00", "--tz", "America/Toronto",
        "--out", str(tmp_path / "coffee"), "--ledger", ledger, *FROM])
    assert result.exit_code == 0, result.output
    with smtp_server() as server:
        sent = CliRunner().invoke(cli, [
            "send", str(tmp_path / "coffee"), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", ledger, "--send"])
        assert sent.exit_code == 0, sent.output
    received = {parsed(p)["To"].addresses[0].addr_spec: parsed(p)
                for p in (tmp_path / "coffee").glob("*.eml")}
    campaign(tmp_path)
    for path in (tmp_path / "out" / "emails").glob("*.eml"):
        message = parsed(path)
        earlier = received.get(message["To"].addresses[0].addr_spec)
        if earlier is None:
            continue
        assert path.name.endswith("-updated.eml"), path.name  # never a second cold intro
        assert message["Subject"] == f"Updated: {earlier['Subject']}"
        assert message["In-Reply-To"] == earlier["Message-ID"]
        assert "the plan is now every" in message.get_body(("plain",)).get_content()


def test_forum_members_with_only_a_linkedin_note_stay_in_the_forum(
        sent_plan: Path, tmp_path: Path) -> None:
    import csv

    base = copy_of(sent_plan, tmp_path)

    def noted() -> set[str]:
        with (base / "out" / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
            return {row["URL"] for row in csv.DictReader(handle) if "forum" in row["Message"]}

    before = noted()
    campaign(base, without_a_rotation_peer(base))
    after = noted()
    assert after <= before and len(before - after) <= 1  # one may move into the freed place


def test_an_edited_message_that_the_plan_replaces_is_named(tmp_path: Path) -> None:
    campaign(tmp_path)
    path = next(p for p in sorted((tmp_path / "out" / "emails").glob("*.eml"))
                if b"Thanks," in p.read_bytes())
    path.write_bytes(path.read_bytes().replace(b"Thanks,", b"Warm regards,"))
    summary = campaign(tmp_path, EXPORT, "2027-01-19T08:00")
    assert f"{path}: your edits were replaced, because the plan for this message changed" \
        in summary


def attendees(event: icalendar.Event) -> list[icalendar.vCalAddress]:
    found = event.get("ATTENDEE", [])
    return found if isinstance(found, list) else [found]


def forum_messages(folder: Path) -> list[tuple[Path, email.message.EmailMessage]]:
    return [(p, parsed(p)) for p in sorted(folder.glob("*.eml"))
            if "forum" in parsed(p)["Subject"].lower()]


FORUM_PEERS = Path(__file__).parent / "data" / "calendar" / "forum_peers.csv"
SMALL = ("--rotation-size", "2", "--forum-size", "6")


@pytest.fixture(scope="module")
def forum_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Nine peers with addresses: two in the rotation, six in the forum; all sent."""
    base = tmp_path_factory.mktemp("forum")
    campaign(base, FORUM_PEERS, "2027-01-05T08:00", *SMALL)
    send(base)
    return base


def test_each_forum_email_names_only_its_recipient_and_forum_ics_holds_everyone(
        forum_plan: Path) -> None:
    out = forum_plan / "out"
    forum = icalendar.Calendar.from_ical((out / "calendar" / "forum.ics").read_bytes())
    (everyone,) = forum.walk("VEVENT")
    invited = {str(a).removeprefix("mailto:") for a in attendees(everyone)}
    names = {a.params["CN"] for a in attendees(everyone)}
    assert len(invited) >= 3 and all(n in str(everyone["DESCRIPTION"]) for n in names)
    messages = forum_messages(out / "emails")
    assert {m["To"].addresses[0].addr_spec for _, m in messages} == invited
    for _, message in messages:
        to = message["To"].addresses[0].addr_spec
        method, event = calendar_of(message)
        (attendee,) = attendees(event)
        assert method == "REQUEST" and str(attendee) == f"mailto:{to}"
        assert str(event["UID"]) == str(everyone["UID"])
        others = names - {attendee.params["CN"]}
        description = str(event["DESCRIPTION"])
        assert not [n for n in others if n in description], description  # nobody else named
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        data = part.get_payload(decode=True)
        assert not [a for a in invited - {to} if a.encode() in data]


@pytest.mark.slow
@pytest.mark.integration
def test_a_removed_peer_is_cancelled_everywhere_in_one_shape_and_reruns_write_nothing(
        sent_plan: Path, tmp_path: Path) -> None:
    base = copy_of(sent_plan, tmp_path)
    out = base / "out"
    before = {p.name: p.read_bytes() for p in (out / "calendar").glob("*.ics")}
    originals = {str(calendar_of(parsed(p))[1]["UID"]): calendar_of(parsed(p))[1]
                 for p in (out / "emails").glob("*.eml")}
    edited = without_a_rotation_peer(base)
    campaign(base, edited)
    (cancel,) = (out / "emails").glob("*-cancelled.eml")
    method, sent = calendar_of(parsed(cancel))
    uid = str(sent["UID"])
    held = originals[uid]
    part = next(p for p in parsed(cancel).walk() if p.get_content_type() == "text/calendar")
    assert b"RSVP" not in part.get_payload(decode=True)  # a cancellation asks nothing back
    assert (method, sent["STATUS"], sent["SEQUENCE"]) == (
        "CANCEL", "CANCELLED", int(held.get("SEQUENCE", 0)) + 1)
    assert sent["RRULE"] == held["RRULE"] and sent.decoded("DTSTART") == held.decoded("DTSTART")
    mine = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        (out / "calendar" / "rotation.ics").read_bytes()).walk("VEVENT")}
    kept = mine[uid]  # your own calendar cancels the old series instead of losing it
    assert (kept["STATUS"], kept["SEQUENCE"], kept["RRULE"]) == (
        "CANCELLED", sent["SEQUENCE"], held["RRULE"])
    changed = {p.name: p.read_bytes() for p in (out / "calendar").glob("*.ics")}
    for _ in range(2):
        assert "0 files written" in campaign(base, edited)
    assert {p.name: p.read_bytes() for p in (out / "calendar").glob("*.ics")} == changed
    moved = {"rotation.ics", "forum.ics", cancel.name.replace("-cancelled.eml", ".ics")}
    for name in set(before) - moved:  # the peers nobody moved: the same bytes
        assert changed[name] == before[name], name


@pytest.mark.integration
def test_a_forum_peer_who_leaves_moves_nobody_elses_sequence(
        forum_plan: Path, tmp_path: Path) -> None:
    base = copy_of(forum_plan, tmp_path)
    out = base / "out"
    messages = forum_messages(out / "emails")
    gone = messages[0][1]["To"].addresses[0].addr_spec
    forum_before = icalendar.Calendar.from_ical(
        (out / "calendar" / "forum.ics").read_bytes()).walk("VEVENT")[0]
    peers = (out / "peers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    edited = base / "peers-no-forum-peer.csv"
    edited.write_text("".join(line for line in peers if gone not in line), encoding="utf-8")
    others = {p.name: p.read_bytes() for p, m in messages[1:]}
    summary = campaign(base, edited, "2027-01-05T08:00", *SMALL)
    assert "(1 invitation, 1 cancellation)" in summary, summary  # the freed place is offered
    (cancel,) = (out / "emails").glob("*-cancelled.eml")
    method, event = calendar_of(parsed(cancel))
    assert method == "CANCEL" and event["RRULE"] == forum_before["RRULE"]
    assert str(event["ATTENDEE"]) == f"mailto:{gone}" and int(event["SEQUENCE"]) == 1
    for name, data in others.items():  # what the others hold did not change: no update
        assert (out / "emails" / name).read_bytes() == data, name
    assert not list((out / "emails").glob("*forum*-updated.eml"))
    forum_after = icalendar.Calendar.from_ical(
        (out / "calendar" / "forum.ics").read_bytes()).walk("VEVENT")[0]
    assert f"mailto:{gone}" not in [str(a) for a in attendees(forum_after)]
    assert int(forum_after["SEQUENCE"]) == int(forum_before.get("SEQUENCE", 0)) + 1
    assert "0 files written" in campaign(base, edited, "2027-01-05T08:00", *SMALL)


def vevent_lines(data: bytes) -> list[str]:
    """A calendar's VEVENT as lines, unfolded, without DTSTAMP (the moment it was written)."""
    text = data.decode("utf-8").replace("\r\n ", "")
    event = text[text.index("BEGIN:VEVENT"):text.index("END:VEVENT")]
    return [line for line in event.splitlines() if not line.startswith("DTSTAMP")]


@pytest.mark.integration
def test_every_cancellation_has_one_shape_whichever_command_writes_it(
        forum_plan: Path, tmp_path: Path) -> None:
    base = copy_of(forum_plan, tmp_path)
    out = base / "out"
    peers = (out / "peers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    edited = base / "peers-no-sam.csv"
    edited.write_text("".join(line for line in peers if "Okafor" not in line), encoding="utf-8")
    campaign(base, edited, "2027-01-05T08:00", *SMALL)
    message = parsed(out / "emails" / "sam-okafor-cancelled.eml")
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    by_campaign = vevent_lines(part.get_payload(decode=True))
    folder, ledger = tmp_path / "rotation", str(tmp_path / "other.sqlite")
    for extra in ([], ["--cancel"]):
        result = CliRunner().invoke(cli, [
            "rotation", str(FORUM_PEERS), "--start", "2027-01-05T08:00", "--tz",
            "America/Toronto", "--location", "Café Olimpico", "--size", "2", "--pick",
            "Zoë Ødegård,Sam Okafor", *FROM, "--ledger", ledger, "--out", str(folder), *extra])
        assert result.exit_code == 0, result.output
    by_rotation = vevent_lines((folder / "sam-okafor.ics").read_bytes())
    assert by_campaign == by_rotation
    assert any(line.startswith("RRULE:") for line in by_campaign)
    assert "STATUS:CANCELLED" in by_campaign and "SEQUENCE:1" in by_campaign
    assert not [line for line in by_campaign if "RSVP" in line]


@pytest.mark.integration
def test_a_forum_given_up_stays_in_your_forum_ics_as_cancelled(
        forum_plan: Path, tmp_path: Path) -> None:
    base = copy_of(forum_plan, tmp_path)
    out = base / "out"
    path = out / "calendar" / "forum.ics"
    before = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    summary = campaign(base, FORUM_PEERS, "2027-01-05T08:00", *SMALL, "--forum-size", "0")
    assert "6 cancellations" in summary, summary
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (after,) = calendar.walk("VEVENT")
    assert (str(after["UID"]), after["STATUS"], int(after["SEQUENCE"])) == (
        str(before["UID"]), "CANCELLED", int(before.get("SEQUENCE", 0)) + 1)
    assert after["RRULE"] == before["RRULE"] and calendar["METHOD"] == "PUBLISH"
    for cancel in (out / "emails").glob("*-cancelled.eml"):
        method, event = calendar_of(parsed(cancel))
        assert (method, event["STATUS"], event["RRULE"]) == ("CANCEL", "CANCELLED",
                                                             before["RRULE"])
    data = path.read_bytes()
    assert "0 files written" in campaign(base, FORUM_PEERS, "2027-01-05T08:00", *SMALL,
                                         "--forum-size", "0")
    assert path.read_bytes() == data

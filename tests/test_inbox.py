"""outreach.mail.inbox: what each kind of message means, from samples shaped like what
Google Calendar, Outlook, Apple Calendar and Thunderbird send; Maildir; hostile bytes."""

from __future__ import annotations

import base64
import mailbox
from datetime import date
from pathlib import Path

import pytest
from inbox_samples import sample

from outreach.errors import OutreachError
from outreach.ledger import Ledger, PlannedMessage
from outreach.mail.inbox import parse
from outreach.mail.sources import read_inbox, read_messages
from outreach.model import Person

UID = "rotation-abc@example.com"
ADDRESS = "jane@peer.example"


@pytest.mark.parametrize(("name", "partstat"), [
    ("google-accepted", "accepted"), ("outlook-declined", "declined"),
    ("apple-tentative", "tentative"), ("thunderbird-accepted", "accepted")])
def test_each_clients_itip_reply_is_an_rsvp_for_the_uid(name: str, partstat: str) -> None:
    parsed = parse(sample(name, attendee=ADDRESS, uid=UID, subject="Coffee"))
    assert (parsed.kind, parsed.partstat, parsed.uid, parsed.attendee) == (
        "rsvp", partstat, UID, ADDRESS)
    assert parsed.recurrence_id == ""


def test_outlooks_base64_calendar_part_and_a_counter() -> None:
    raw = sample("outlook-declined", attendee=ADDRESS, uid=UID)
    head, _, rest = raw.partition(b"Content-Transfer-Encoding: 7bit\r\n\r\n")
    ics, _, tail = rest.partition(b"\r\n--_000_DM6PR11MB0001_--")
    encoded = base64.encodebytes(ics).replace(b"\n", b"\r\n")
    raw = head + b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + \
        b"\r\n--_000_DM6PR11MB0001_--" + tail
    assert parse(raw).partstat == "declined"
    counter = parse(sample("outlook-counter", attendee=ADDRESS, uid=UID))
    assert (counter.kind, counter.proposed) == ("counter", "2027-01-07T13:00:00+00:00")


def test_one_occurrence_carries_its_recurrence_id() -> None:
    raw = sample("thunderbird-accepted", attendee=ADDRESS, uid=UID).replace(
        b"SEQUENCE:0\r\nEND:VEVENT", b"SEQUENCE:0\r\nRECURRENCE-ID:20270112T130000Z\r\nEND:VEVENT",
        1).replace(b"UID:" + UID.encode() + b"\r\nATTENDEE;PARTSTAT=ACCEPTED",
                   b"UID:" + UID.encode() + b"\r\nRECURRENCE-ID:20270112T130000Z\r\n"
                   b"ATTENDEE;PARTSTAT=ACCEPTED", 1)
    parsed = parse(raw)
    assert parsed.recurrence_id == "2027-01-12T13:00:00+00:00"


def test_a_bounce_names_the_failed_recipient_and_our_message() -> None:
    parsed = parse(sample("bounce", attendee=ADDRESS, original_id="<ours@example.com>"))
    assert (parsed.kind, parsed.failed, parsed.original_id) == (
        "bounce", (ADDRESS,), "<ours@example.com>")


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "X-Autoreply: yes",
                                    "Precedence: auto_reply", "Subject: Out of Office: hi"])
def test_auto_replies_are_noted_not_replies(header: str) -> None:
    raw = (f"From: {ADDRESS}\r\nMessage-ID: <x@y>\r\n{header}\r\n\r\nAway\r\n").encode()
    assert parse(raw).kind == "auto-reply"


@pytest.mark.parametrize("raw", [
    b"", b"\xff\xfe\x00garbage", b"Subject: =?utf-8?q?broken\r\n\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n--x--\r\n",
    b"Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n",
])
def test_hostile_bytes_are_never_fatal(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.message_id.startswith("<")


@pytest.fixture
def known(tmp_path: Path) -> Ledger:
    ledger = Ledger.open(tmp_path / "l.sqlite")
    jane = Person("Jane", "Doe", company="Peer Co", email=ADDRESS,
                  url="https://www.linkedin.com/in/jane")
    ledger.remember_people([jane])
    key = ledger.identify([jane])[0]
    ledger.save_plan([PlannedMessage("<inv@example.com>", key, "rotation", "invitation",
                                     "<inv@example.com>", uid=UID, subject="Coffee")])
    ledger.queue_message("<inv@example.com>", [ADDRESS], "Coffee", "x.eml")
    ledger.mark_sent("<inv@example.com>", [ADDRESS], "250 OK")
    ledger.add_event(key, "invited", date(2027, 1, 1))
    return ledger


def test_records_once_by_message_id_and_ignores_strangers(known: Ledger, tmp_path: Path) -> None:
    messages = [
        sample("google-accepted", attendee=ADDRESS, uid=UID),
        sample("google-accepted", attendee=ADDRESS, uid=UID),  # the same message twice
        sample("google-accepted", attendee="stranger@else.example", uid="other-uid",
               message_id="s@else"),
        sample("bounce", attendee="stranger@else.example", original_id="<not-ours@x>",
               message_id="b@else"),
    ]
    report = read_messages(known, "test", messages, today=date(2027, 1, 2))
    assert (report.read, len(report.learned), report.ignored, report.already_seen) == (
        4, 1, 2, 1)
    again = read_messages(known, "test", messages, today=date(2027, 1, 2))
    assert (again.learned, again.ignored, again.already_seen) == ([], 0, 4)
    assert [r.partstat for r in known.rsvps()] == ["accepted"]
    assert known.bad_addresses() == {}


def test_a_later_answer_replaces_the_earlier_one(known: Ledger) -> None:
    from datetime import datetime

    read_messages(known, "t", [sample("google-accepted", attendee=ADDRESS, uid=UID,
                                      when=datetime(2027, 1, 2, 9))])
    read_messages(known, "t", [sample("outlook-declined", attendee=ADDRESS, uid=UID,
                                      when=datetime(2027, 1, 3, 9))])
    assert [r.partstat for r in known.rsvps()] == ["declined"]


def test_maildir_and_since(known: Ledger, tmp_path: Path) -> None:
    from datetime import datetime

    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(folder)
    box.add(sample("reply", attendee=ADDRESS, original_id="<inv@example.com>",
                   when=datetime(2027, 1, 5, 9)))
    box.add(sample("out-of-office", attendee=ADDRESS, original_id="<inv@example.com>",
                   when=datetime(2026, 12, 1, 9)))
    report = read_inbox(known, str(folder), since=date(2027, 1, 1), today=date(2027, 1, 6))
    assert [(r.kind, r.on) for r in report.learned] == [("reply", date(2027, 1, 5))]
    with pytest.raises(OutreachError, match="not a Maildir"):
        read_inbox(known, str(tmp_path))

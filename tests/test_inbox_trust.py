"""Forgery, through the CLI: after campaign + send (aiosmtpd), a mailbox holding mail that
anyone could have written changes nothing the ledger believes; it is kept and listed
(`status`, `status --format json`'s ``unverified``). Also: SEQUENCE before arrival, Date
headers far in the future, COUNTERs outside the series' years, a decline's COMMENT and
auto-replies in the languages the templates speak."""

from __future__ import annotations

import json
import mailbox
import shutil
from pathlib import Path

import pytest
from inbox_samples import INBOX, sample
from test_inbox_flow import ORGANIZER, Sent, campaign_and_send, run

pytestmark = [pytest.mark.slow, pytest.mark.integration]
ANA = "ana.souza@globex.example"
BEN = "ben.okafor@initech.example"
MALLORY = "mallory@evil.example"


@pytest.fixture(scope="module")
def sent_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Sent]]:
    return campaign_and_send(tmp_path_factory.mktemp("campaign"))


@pytest.fixture
def world(sent_once: tuple[Path, dict[str, Sent]], tmp_path: Path) -> tuple[Path, dict[str, Sent]]:
    ledger, sent = sent_once
    copy = tmp_path / "l.sqlite"
    shutil.copy(ledger, copy)
    return copy, sent


def read(ledger: Path, tmp_path: Path, *messages: bytes, today: str = "2027-01-04") -> str:
    path = tmp_path / f"box{len(list(tmp_path.glob('box*')))}.mbox"
    box = mailbox.mbox(str(path))
    for raw in messages:
        box.add(raw)
    box.close()
    return run("inbox", str(path), "--ledger", str(ledger), "--today", today)


def status(ledger: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(run("status", "--format", "json", "--ledger",
                                             str(ledger)))
    return data


def person(data: dict[str, object], address: str) -> dict[str, object]:
    people = data["people"]
    assert isinstance(people, list)
    return next(p for p in people if p["email"] == address)


def rsvp(kind: str, s: Sent, *, sender: str | None = None, attendee: str | None = None,
         message_id: str | None = None, **replace: str) -> bytes:
    raw = sample(kind, name_of=s.name, attendee=attendee or s.address, organizer=ORGANIZER,
                 uid=s.uid, subject=s.subject, message_id=message_id)
    if sender is not None:
        raw = raw.replace(f"From: {s.name} <{attendee or s.address}>".encode(),
                          f"From: Someone <{sender}>".encode(), 1)
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def test_a_reply_from_a_stranger_naming_a_peer_as_attendee_changes_nothing(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    out = read(ledger, tmp_path, rsvp("google-accepted", sent[ANA], sender=MALLORY))
    assert "Not believed (1)" in out and "0 learned, 0 ignored, 1 not believed" in out
    data = status(ledger)
    assert person(data, ANA)["rsvp"] is None
    [kept] = data["unverified"]  # type: ignore[misc]
    assert (kept["kind"], kept["from"], kept["names"], kept["person"]["email"]) == (
        "rsvp", MALLORY, sent[ANA].uid, ANA)
    assert "not by its ATTENDEE" in kept["reason"]
    assert "Not believed" in run("status", "--ledger", str(ledger))


def test_an_answer_from_an_address_we_do_not_know_is_kept_not_applied(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    other = "ana@home.example"
    read(ledger, tmp_path, rsvp("google-accepted", sent[ANA], attendee=other))
    data = status(ledger)
    assert person(data, ANA)["rsvp"] is None
    [kept] = data["unverified"]  # type: ignore[misc]
    assert kept["from"] == other and "not an address we know" in kept["reason"]


def test_a_made_up_bounce_does_not_mark_an_address_bad(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, _sent = world
    forged = sample("bounce", attendee=ANA, original_id="<guessed@example.com>",
                    message_id="forged-dsn@evil.example").replace(
        b"MAILER-DAEMON", b"mallory").replace(b"Mail Delivery System", b"Mallory")
    forged = forged.replace(b"Return-Path: <>\r\n", b"")
    read(ledger, tmp_path, forged)
    data = status(ledger)
    assert person(data, ANA)["bounced"] is False
    [kept] = data["unverified"]  # type: ignore[misc]
    assert kept["kind"] == "bounce" and kept["person"]["email"] == ANA


def test_a_thread_reference_alone_is_not_a_reply(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    stranger = (f"From: {MALLORY}\r\nTo: {ORGANIZER}\r\nSubject: Re: {sent[ANA].subject}\r\n"
                f"Message-ID: <s1@evil.example>\r\nIn-Reply-To: {sent[ANA].message_id}\r\n"
                f"References: {sent[ANA].message_id}\r\n\r\nSure\r\n").encode()
    read(ledger, tmp_path, stranger)
    data = status(ledger)
    assert person(data, ANA)["replied"] is False
    [kept] = data["unverified"]  # type: ignore[misc]
    assert (kept["kind"], kept["names"]) == ("reply", sent[ANA].message_id)


def test_a_failed_dmarc_verdict_changes_nothing(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    raw = b"Authentication-Results: mx.dana.example; dmarc=fail (p=none) header.from=" \
        b"globex.example; spf=pass\r\n" + rsvp("google-accepted", sent[ANA])
    read(ledger, tmp_path, raw)
    data = status(ledger)
    assert person(data, ANA)["rsvp"] is None
    assert "dmarc=fail" in data["unverified"][0]["reason"]  # type: ignore[index]
    # an Authentication-Results further down (a sender can write those) is not the verdict
    raw = b"Authentication-Results: mx.dana.example; dkim=pass; spf=pass\r\n" \
        b"Authentication-Results: evil; dmarc=fail\r\n" + rsvp(
            "google-accepted", sent[BEN], message_id="ben-accepts@example")
    read(ledger, tmp_path, raw)
    assert person(status(ledger), BEN)["rsvp"] == "accepted"


def test_sequence_then_dtstamp_then_arrival_order_answers(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    decline_seq1 = rsvp("outlook-declined", sent[ANA], message_id="d1@globex",
                        **{"SEQUENCE:0": "SEQUENCE:1"})
    accept_seq0_far_future = rsvp("google-accepted", sent[ANA], message_id="a0@globex")
    accept_seq0_far_future = accept_seq0_far_future.replace(
        b"\r\nDate: ", b"\r\nDate: Fri, 01 Jan 2100 09:00:00 +0000\r\nX-Old-Date: ", 1)
    read(ledger, tmp_path, decline_seq1, accept_seq0_far_future)
    answer = person(status(ledger), ANA)
    assert answer["rsvp"] == "declined"
    assert answer["rsvps"][-1]["on"] <= "2027-01-06"  # type: ignore[index]


def test_a_counter_outside_the_series_years_is_not_a_proposal(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    raw = rsvp("outlook-counter", sent[BEN], **{"20270107T130000Z": "99991231T130000Z"})
    read(ledger, tmp_path, raw)
    data = status(ledger)
    assert person(data, BEN)["proposed"] is None
    assert "outside the series' years" in data["unverified"][0]["reason"]  # type: ignore[index]


def test_a_declines_comment_is_kept_and_shown(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path) -> None:
    ledger, sent = world
    raw = rsvp("outlook-declined", sent[BEN]).replace(
        b"END:VEVENT", b"COMMENT:Travelling that week\\, sorry\r\nEND:VEVENT", 1)
    out = read(ledger, tmp_path, raw)
    assert "Travelling" in out
    assert person(status(ledger), BEN)["rsvps"][-1]["comment"] == (  # type: ignore[index]
        "Travelling that week, sorry")
    assert "Travelling that week" in run("status", "--ledger", str(ledger))


@pytest.mark.parametrize("name", sorted(p.stem for p in INBOX.glob("auto-reply-*.eml")))
def test_auto_replies_in_every_language_are_not_replies(
        world: tuple[Path, dict[str, Sent]], tmp_path: Path, name: str) -> None:
    ledger, sent = world
    s = sent[ANA]
    raw = sample(name, name_of=s.name, attendee=ANA, subject=s.subject,
                 original_id=s.message_id)
    read(ledger, tmp_path, raw)
    ana = person(status(ledger), ANA)
    assert (ana["auto_replied"], ana["replied"]) == (True, False)

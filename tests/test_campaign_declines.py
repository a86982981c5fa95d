"""A peer who declines their series frees their place: the next campaign offers it to the next
peer, as a removal does, says so, and sends the decliner no cancellation (issue 18). Through
the CLI with a real SMTP server (aiosmtpd) and Outlook's Declined reply read by ``inbox``."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from pathlib import Path

import icalendar
import pytest
from inbox_samples import sample
from smtp_server import smtp_server
from test_campaign_told import FROM, ORGANIZER, START, export, run

PEERS = [(first, last, company, f"{first.lower()}@{company.lower()}.example")
         for first, last, company in [
             ("Ana", "Souza", "Globex"), ("Ben", "Okafor", "Initech"),
             ("Chloe", "Martin", "Umbrella"), ("Dev", "Patel", "Hooli"), ("Eva", "Lind", "Stark"),
             ("Finn", "Berg", "Wayne"), ("Gia", "Rossi", "Acme"), ("Hal", "Moore", "Cyberdyne"),
             ("Ivy", "Chen", "Tyrell")]]


def invitations(out: Path) -> dict[str, tuple[str, str, str, str]]:
    """Name → (series, UID, Subject, Message-ID) of each invitation e-mail written."""
    found = {}
    for path in sorted((out / "emails").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
        series = "forum" if "forum" in str(message["Subject"]).lower() else "rotation"
        found[message["To"].addresses[0].display_name] = (
            series, str(event["UID"]), str(message["Subject"]), str(message["Message-ID"]))
    return found


@pytest.mark.slow
@pytest.mark.integration
def test_a_decline_frees_the_place_for_the_next_peer(tmp_path: Path) -> None:
    path = export(tmp_path / "export", PEERS)
    out, ledger = tmp_path / "out", tmp_path / "l.sqlite"
    args = ["--out", out, "--ledger", ledger, "--title", "VP Marketing", "--no-preview",
            "--rotation-size", "5", "--forum-size", "2", "--yes", *START, *FROM]
    first = run("campaign", path, *args)
    assert "7 people in the plan: 7 told by e-mail, 0 by LinkedIn note." in first
    sent = invitations(out)
    rotation = [name for name, (series, *_rest) in sent.items() if series == "rotation"]
    forum = [name for name, (series, *_rest) in sent.items() if series == "forum"]
    assert (len(rotation), len(forum)) == (5, 2)
    spares = {f"{p[0]} {p[1]}" for p in PEERS} - set(sent)
    with smtp_server() as server:
        run("send", out / "emails", "--smtp-host", server.host, "--port", str(server.port),
            "--security", "none", "--ledger", ledger, "--send")
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    for name in (rotation[1], forum[0]):
        _series, uid, subject, message_id = sent[name]
        address = next(p[3] for p in PEERS if f"{p[0]} {p[1]}" == name)
        box.add(sample("outlook-declined", name_of=name, attendee=address, organizer=ORGANIZER,
                       uid=uid, subject=subject, original_id=message_id))
    box.close()
    run("inbox", tmp_path / "inbox.mbox", "--ledger", ledger)

    again = run("campaign", path, *args)
    said = re.search(r"^note: (.*) declined the rotation; the place is offered to (.*)$", again,
                     re.M)
    assert said is not None, again
    assert said.group(1) == rotation[1] and said.group(2) in spares
    said_forum = re.search(r"^note: (.*) declined the forum; the place is offered to (.*)$",
                           again, re.M)
    assert said_forum is not None, again
    assert said_forum.group(1) == forum[0]
    assert said_forum.group(2) in spares - {said.group(2)}
    assert "cancellation" not in again  # they said no: no "I have to cancel" for them
    assert not list((out / "emails").glob("*-cancelled.eml"))
    written = invitations(out)
    assert {said.group(2), said_forum.group(2)} <= set(written)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"{rotation[1]} declined the rotation" in report
    assert "7 people in the plan: 7 told by e-mail" in again
    assert "2 e-mails to send (2 invitations)" in again

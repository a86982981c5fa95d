"""Issue 13's acceptance test, end to end through the CLI with real servers on loopback:
campaign → send (aiosmtpd) → a mailbox holding an Accepted (Google Calendar), a Declined
(Outlook), a plain reply, a bounce (Postfix DSN) and an out-of-office (Exchange) → ``inbox``
from an mbox file and from dovecot over IMAP → ``status --format json`` says exactly that →
``followups --after 0d`` writes only the out-of-office peer's follow-up, threaded → a second
``inbox`` changes nothing."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from imap_server import PASSWORD, Imap
from inbox_samples import sample
from smtp_server import smtp_server

from outreach.cli import cli

ORGANIZER = "dana.whitfield@example.com"
FROM = ["--from", f"Dana Whitfield <{ORGANIZER}>"]
PEERS = [  # five VP Marketing peers at five companies: the whole rotation, no forum
    ("Ana", "Souza", "Globex", "ana.souza@globex.example"),
    ("Ben", "Okafor", "Initech", "ben.okafor@initech.example"),
    ("Chloé", "Martin", "Umbrella", "chloe.martin@umbrella.example"),
    ("Dev", "Patel", "Hooli", "dev.patel@hooli.example"),
    ("Eva", "Lind", "Stark", "eva.lind@stark.example"),
]


def export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for first, last, company, address in PEERS:
        slug = f"{first}-{last}".lower().replace("é", "e")
        rows.append(f"{first},{last},https://www.linkedin.com/in/{slug},{address},{company},"
                    f"VP Marketing,08 Feb 2026")
    path = folder / "Connections.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class Sent:
    address: str
    name: str
    message_id: str
    subject: str
    uid: str


def campaign_and_send(base: Path) -> tuple[Path, dict[str, Sent]]:
    ledger = base / "l.sqlite"
    run("campaign", str(export(base / "export")), "--out", str(base / "out"), "--ledger",
        str(ledger), "--title", "VP Marketing", "--rotation-size", "5", "--start",
        "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café Olimpico",
        "--no-preview", *FROM)
    with smtp_server() as server:
        run("send", str(base / "out" / "emails"), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", str(ledger), "--send")
        assert len(server.handler.received) == 5
    sent = {}
    for path in sorted((base / "out" / "emails").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
        to = message["To"].addresses[0]
        sent[to.addr_spec] = Sent(to.addr_spec, to.display_name, str(message["Message-ID"]),
                                  str(message["Subject"]), str(event["UID"]))
    assert len(sent) == 5
    return ledger, sent


def replies(sent: dict[str, Sent]) -> list[bytes]:
    """Accepted from Ana (Google), Declined from Ben (Outlook), a reply from Chloé, a bounce
    for Dev, an out-of-office from Eva; and one unrelated message."""
    kinds = ["google-accepted", "outlook-declined", "reply", "bounce", "out-of-office"]
    out = []
    for (_first, _last, _company, address), kind in zip(PEERS, kinds, strict=True):
        s = sent[address]
        out.append(sample(kind, name_of=s.name, attendee=address, organizer=ORGANIZER,
                          uid=s.uid, subject=s.subject, original_id=s.message_id))
    out.append(b"From: news@shop.example\r\nTo: dana.whitfield@example.com\r\nSubject: Sale\r\n"
               b"Message-ID: <sale@shop.example>\r\n\r\n50% off\r\n")
    return out


EXPECTED = {  # address → (replied, rsvp, bounced)
    "ana.souza@globex.example": (False, "accepted", False),
    "ben.okafor@initech.example": (False, "declined", False),
    "chloe.martin@umbrella.example": (True, None, False),
    "dev.patel@hooli.example": (False, None, True),
    "eva.lind@stark.example": (False, None, False),
}


def status_people(ledger: Path) -> dict[str, dict[str, object]]:
    data = json.loads(run("status", "--format", "json", "--ledger", str(ledger)))
    return {p["email"]: p for p in data["people"]}


@pytest.mark.parametrize("where", ["mbox", pytest.param("imap", marks=pytest.mark.integration)])
def test_the_loop_closes_through_the_mailbox(tmp_path: Path, where: str,
                                             request: pytest.FixtureRequest) -> None:
    ledger, sent = campaign_and_send(tmp_path)
    messages = replies(sent)
    env: dict[str, str] = {}
    if where == "mbox":
        source = str(tmp_path / "inbox.mbox")
        box = mailbox.mbox(source)
        for raw in messages:
            box.add(raw)
        box.close()
    else:
        server: Imap = request.getfixturevalue("dovecot")
        server.reset()
        server.deliver(messages)
        source = server.url("INBOX")
        env = {"OUTREACH_IMAP_PASSWORD": PASSWORD}

    first = run("inbox", source, "--ledger", str(ledger), env=env)
    text = " ".join(first.split())
    assert "Read 6 messages: 5 learned, 1 ignored" in text, first
    for word in ("accepted", "declined", "replied", "bounced", "auto-reply"):
        assert word in first

    people = status_people(ledger)
    assert len(people) == 5
    for address, (replied, rsvp, bounced) in EXPECTED.items():
        person = people[address]
        assert (person["replied"], person["rsvp"], person["bounced"]) == (replied, rsvp,
                                                                          bounced), person
        assert person["do_not_contact"] is False
        assert person["invited_on"] is not None
        assert person["met_on"] is None and person["thanked_on"] is None
    assert people["eva.lind@stark.example"]["auto_replied"] is True

    out = tmp_path / "followups"
    written = run("followups", "--after", "0d", "--out", str(out), "--ledger", str(ledger),
                  *FROM)
    files = sorted(out.glob("*.eml"))
    assert [f.name for f in files] == ["eva-lind.eml"], written
    follow = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    original = sent["eva.lind@stark.example"]
    assert follow["In-Reply-To"] == original.message_id
    assert follow["References"] == original.message_id
    assert follow["Subject"] == f"Re: {original.subject}"
    assert follow["To"].addresses[0].addr_spec == "eva.lind@stark.example"
    for why in ("answered the invitation (RSVP)", "replied", "bounced"):
        assert why in written
    before = status_people(ledger)
    assert before["eva.lind@stark.example"]["followups"] == 1

    again = run("inbox", source, "--ledger", str(ledger), env=env)
    assert "Nothing new learned." in again
    assert status_people(ledger) == before


def test_a_bounced_address_is_never_used_again_and_the_peer_gets_the_linkedin_note(
        tmp_path: Path) -> None:
    ledger, sent = campaign_and_send(tmp_path)
    dev = sent["dev.patel@hooli.example"]
    source = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(source))
    box.add(sample("bounce", name_of=dev.name, attendee=dev.address, organizer=ORGANIZER,
                   subject=dev.subject, original_id=dev.message_id))
    box.close()
    run("inbox", str(source), "--ledger", str(ledger))
    emails = run("emails", str(tmp_path / "export" / "Connections.csv"), "--title",
                 "VP Marketing", "--out", str(tmp_path / "again"), "--ledger", str(ledger),
                 *FROM)
    assert "dev.patel@hooli.example bounced; LinkedIn note instead" in emails
    assert not (tmp_path / "again" / "dev-patel.eml").exists()
    notes = (tmp_path / "again" / "linkedin.csv").read_text(encoding="utf-8")
    assert "Dev" in notes
    outbox = tmp_path / "outbox"  # a new message to the address is not sent either
    outbox.mkdir()
    (outbox / "dev.eml").write_bytes(
        b"From: Dana Whitfield <dana.whitfield@example.com>\r\nTo: Dev Patel "
        b"<dev.patel@hooli.example>\r\nSubject: Hello\r\nMessage-ID: <new@example.com>\r\n"
        b"Date: Tue, 05 Jan 2027 08:00:00 +0000\r\n\r\nHello\r\n")
    with smtp_server() as server:
        result = run("send", str(outbox), "--smtp-host", server.host, "--port",
                     str(server.port), "--security", "none", "--ledger", str(ledger), "--send")
        assert server.handler.received == []
    assert "dev.patel@hooli.example: dev.patel@hooli.example bounced" in result


def test_optout_makes_every_stage_skip_them_and_say_so(tmp_path: Path) -> None:
    ledger, _sent = campaign_and_send(tmp_path)
    said = run("log", "optout", "Eva Lind", "--ledger", str(ledger))
    assert "do not contact" in said
    campaign = run("campaign", str(tmp_path / "export"), "--out", str(tmp_path / "out2"),
                   "--ledger", str(ledger), "--title", "VP Marketing", "--rotation-size", "5",
                   "--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--no-preview",
                   *FROM)
    assert "skipped Eva Lind: do not contact" in " ".join(campaign.split())
    emails = run("emails", str(tmp_path / "export" / "Connections.csv"), "--title",
                 "VP Marketing", "--out", str(tmp_path / "e"), "--ledger", str(ledger), *FROM)
    assert "skipped Eva Lind: do not contact" in emails
    assert not (tmp_path / "e" / "eva-lind.eml").exists()
    followups = run("followups", "--after", "0d", "--out", str(tmp_path / "f"), "--ledger",
                    str(ledger), *FROM)
    assert "Eva Lind (Stark): do not contact" in followups
    assert not (tmp_path / "f" / "eva-lind.eml").exists()
    with smtp_server() as server:
        result = run("send", str(tmp_path / "e"), "--smtp-host", server.host, "--port",
                     str(server.port), "--security", "none", "--ledger", str(ledger))
    assert "eva-lind" not in result or "do not contact" in result
    data = status_people(ledger)
    assert data["eva.lind@stark.example"]["do_not_contact"] is True

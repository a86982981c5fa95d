"""``--booking-link``: invitations and follow-ups offer the peer a scheduling page (Calendly,
cal.com) instead of a proposed time, with no calendar part; the ledger tells them like any
invitation (issue 20, "Scheduling links")."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtp_server import smtp_server
from test_campaign_told import FROM, export

from outreach.cli import cli

LINK = "https://cal.com/dana/coffee"
PEERS = [("Ana", "Souza", "Globex", "ana.souza@globex.example"),
         ("Ben", "Okafor", "Initech", "ben.okafor@initech.example")]


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def run(*args: str | Path) -> str:
    code, output = invoke(*args)
    assert code == 0, output
    return output


def read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def types(message: EmailMessage) -> set[str]:
    return {part.get_content_type() for part in message.walk()}


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def campaign_args(base: Path, *extra: str) -> list[str | Path]:
    return ["campaign", export(base / "export", PEERS), "--out", base / "out", "--ledger",
            base / "l.sqlite", "--title", "VP Marketing", "--no-preview", "--tz",
            "America/Toronto", "--rotation-size", "2", "--yes", *FROM, *extra]


@pytest.mark.slow
@pytest.mark.integration
def test_campaign_offers_the_link_without_a_calendar_part_and_counts_them_told(
        tmp_path: Path) -> None:
    run(*campaign_args(tmp_path, "--booking-link", LINK))
    emails = sorted((tmp_path / "out" / "emails").glob("*.eml"))
    assert [e.name for e in emails] == ["ana-souza.eml", "ben-okafor.eml"]
    for path in emails:
        message = read(path)
        assert "text/calendar" not in types(message)
        assert f"pick whichever slot suits you here: {LINK}." in text(message)
        assert "Would **" not in text(message) and "attached" not in text(message)
    ledger = tmp_path / "l.sqlite"
    with smtp_server() as server:
        run("send", tmp_path / "out" / "emails", "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", ledger, "--send")
    people = json.loads(run("status", "--format", "json", "--ledger", ledger))["people"]
    told = {p["email"]: p["invited_on"] for p in people}
    assert set(told) == {"ana.souza@globex.example", "ben.okafor@initech.example"}
    assert all(told.values()), people

    written = run("followups", "--after", "0d", "--out", tmp_path / "f", "--ledger", ledger,
                  "--booking-link", LINK, *FROM)
    nudges = sorted((tmp_path / "f").glob("*.eml"))
    assert len(nudges) == 2, written
    assert f"pick a time that suits you here: {LINK}." in text(read(nudges[0]))


def test_campaign_in_spanish_offers_the_link_in_spanish(tmp_path: Path) -> None:
    run(*campaign_args(tmp_path, "--booking-link", LINK, "--locale", "es"))
    message = read(tmp_path / "out" / "emails" / "ana-souza.eml")
    assert f"elige aquí el hueco que mejor te venga: {LINK}." in text(message)
    assert "text/calendar" not in types(message)


def test_emails_offers_the_link_and_attaches_no_calendar(tmp_path: Path) -> None:
    out = tmp_path / "emails"
    run("emails", export(tmp_path / "export", PEERS), "--out", out, "--ledger",
        tmp_path / "l.sqlite", "--title", "VP Marketing", "--booking-link", LINK, *FROM)
    message = read(out / "ana-souza.eml")
    assert "text/calendar" not in types(message)
    assert LINK in text(message)
    html = message.get_body(("html",))
    assert html is not None and LINK in str(html.get_content())


def test_without_the_link_the_invitation_proposes_the_time_as_before(tmp_path: Path) -> None:
    run(*campaign_args(tmp_path, "--start", "2027-01-05T08:00"))
    message = read(tmp_path / "out" / "emails" / "ana-souza.eml")
    assert "text/calendar" in types(message)
    assert "cal.com" not in text(message) and "pick whichever slot" not in text(message)


@pytest.mark.parametrize("link", ["http://cal.com/dana", "cal.com/dana", "javascript:alert(1)",
                                  "https://cal.com/dana\r\nBcc: eve@example.com",
                                  'https://cal.com/"><script>', "https://"])
@pytest.mark.parametrize("command", ["campaign", "emails"])
def test_a_link_that_is_not_a_plain_https_url_is_one_line_error(
        tmp_path: Path, link: str, command: str) -> None:
    args = (campaign_args(tmp_path, "--booking-link", link) if command == "campaign" else
            ["emails", export(tmp_path / "export", PEERS), "--out", tmp_path / "out",
             "--ledger", tmp_path / "l.sqlite", "--title", "VP Marketing", "--booking-link", link,
             *FROM])
    code, output = invoke(*args)
    assert code == 2, output
    assert "--booking-link" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["campaign", "emails"])
def test_a_link_and_a_start_together_are_refused(tmp_path: Path, command: str) -> None:
    both = ["--booking-link", LINK, "--start", "2027-01-05T08:00"]
    args = (campaign_args(tmp_path, *both) if command == "campaign" else
            ["emails", export(tmp_path / "export", PEERS), "--out", tmp_path / "out",
             "--ledger", tmp_path / "l.sqlite", "--title", "VP Marketing", *both, *FROM])
    code, output = invoke(*args)
    assert code == 2, output
    assert "--booking-link" in output and "not both" in output
    assert not (tmp_path / "out").exists()

"""Every summary line counts right: "1 e-mail", "2 e-mails", and ends in one full stop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from outreach.cli import cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
PEERS = [("Ana", "Souza", "Globex"), ("Ben", "Okafor", "Initech"), ("Wei", "Chen", "Hooli")]
START = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café"]
ME = ["--title", "VP Marketing", "--company", "Acme", "--from", "Dana <dana@acme.example>"]


def connections(folder: Path, peers: int, *, duplicate: bool = False) -> Path:
    """A Connections.csv with ``peers`` VPs of Marketing elsewhere (all with an address),
    one colleague at Acme, and optionally a duplicate row."""
    rows = [f"{first},{last},https://www.linkedin.com/in/{first.lower()}-{last.lower()},"
            f"{first.lower()}@{company.lower()}.example,{company},VP Marketing,01 Jan 2025\n"
            for first, last, company in PEERS[:peers]]
    rows.append("Cy,Fox,https://www.linkedin.com/in/cy-fox,,Acme,Office Manager,01 Jan 2025\n")
    if duplicate:
        rows.append(rows[0])
    path = folder / f"Connections-{peers}.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def no_double_stops(text: str) -> None:
    assert not re.search(r"(?<!\.)\.\.(?!\.)", text.replace("...", "…")), text


@pytest.mark.parametrize(("count", "emails"), [(1, "1 e-mail"), (2, "2 e-mails")])
def test_emails_summary(tmp_path: Path, count: int, emails: str) -> None:
    out = tmp_path / "emails"
    result = run("emails", connections(tmp_path, count), *ME, "--out", out)
    assert f"Wrote {emails} to {out}." in result.stdout
    checked = run("emails", connections(tmp_path, count), *ME, "--check")
    recipients = "1 recipient" if count == 1 else "2 recipients"
    assert f"Checked {recipients}: {emails}, 0 LinkedIn notes, 0 skipped." in checked.stdout
    no_double_stops(result.output + checked.output)


@pytest.mark.parametrize(("count", "line"), [
    (1, "Dry run: 1 of 1 message would be sent; 0 need nothing. Add --send to send it."),
    (2, "Dry run: 2 of 2 messages would be sent; 0 need nothing. Add --send to send them."),
])
def test_send_dry_run_summary(tmp_path: Path, count: int, line: str) -> None:
    out = tmp_path / "emails"
    run("emails", connections(tmp_path, count), *ME, "--out", out)
    result = run("send", out)
    assert line in result.stdout
    assert result.stdout.splitlines()[0].strip() == ("1 message" if count == 1 else "2 messages")


@pytest.mark.parametrize(("count", "words"), [(1, ("1 peer ", "1 file ")),
                                              (2, ("2 peers ", "2 files "))])
def test_invite_and_forum_summaries(tmp_path: Path, count: int, words: tuple[str, str]) -> None:
    peer, files = words
    invites = run("invite", connections(tmp_path, count), *ME, *START, "--out", tmp_path / "inv")
    assert f"Invites: wrote {files}to" in invites.stdout
    forum = run("forum", connections(tmp_path, count), *ME, *START, "--months", "1",
                "--out", tmp_path / "forum.ics")
    assert f"1 session, 2027-01-05 to 2027-01-05, {peer}invited." in forum.stdout
    no_double_stops(invites.output + forum.output)


@pytest.mark.parametrize(("count", "line"), [
    (1, "1 peer for 'VP Marketing': 1 in the rotation, "),
    (2, "2 peers for 'VP Marketing': 2 in the rotation, "),
])
def test_campaign_summary(tmp_path: Path, count: int, line: str) -> None:
    result = run("campaign", connections(tmp_path, count), *ME, *START, "--no-preview",
                 "--out", tmp_path / "out", "--ledger", tmp_path / "ledger.sqlite")
    emails = ("1 e-mail to send (1 invitation)" if count == 1
              else "2 e-mails to send (2 invitations)")
    assert line in result.stdout
    assert f"Messages: {emails}." in result.stdout
    assert "0 forum invitations: 0 e-mails (0 to send now), 0 LinkedIn notes; 0 LinkedIn notes " \
        "in all." in result.stdout
    assert "thank-you card" not in result.stdout.replace("no new thank-you cards", "")
    assert re.search(r"^\d+ files written, 0 unchanged\. ", result.stdout, re.M)
    again = run("campaign", connections(tmp_path, count), *ME, *START, "--no-preview",
                "--out", tmp_path / "out", "--ledger", tmp_path / "ledger.sqlite")
    assert re.search(r"^0 files written, \d+ unchanged\. ", again.stdout, re.M)
    no_double_stops(result.output)



def test_campaign_summary_speaks_the_locale(tmp_path: Path) -> None:
    """With OUTREACH_LOCALE=es the closing lines are Spanish, counted and quoted as in Spanish."""
    result = CliRunner().invoke(cli, [str(a) for a in (
        "campaign", connections(tmp_path, 2), *ME, *START, "--no-preview",
        "--out", tmp_path / "out", "--ledger", tmp_path / "ledger.sqlite")],
        env={"OUTREACH_LOCALE": "es"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2 colegas como «VP Marketing»: 2 en la ronda, " in out
    assert "Mensajes: 2 correos por enviar (2 invitaciones)." in out
    assert "0 invitaciones al foro: 0 correos (0 por enviar ahora), 0 notas de LinkedIn; " \
        "0 notas de LinkedIn en total." in out
    assert "2 personas en el plan: 2 avisadas por correo, 0 por nota de LinkedIn." in out
    assert re.search(r"^\d+ archivos escritos, 0 sin cambios\. Abre .*report\.html; "
                     r"no se envió nada\.$", out, re.M)
    assert "peers for" not in out and "Messages:" not in out and "files written" not in out
    no_double_stops(out)

def test_log_does_not_end_in_two_full_stops(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    run("campaign", connections(tmp_path, 1), *ME, *START, "--no-preview",
        "--out", tmp_path / "out", "--ledger", ledger)
    result = run("log", "met", "Ana Souza", "--on", "2025-02-01", "--note", "talked budgets.",
                 "--ledger", ledger)
    assert result.stdout.endswith("on 2025-02-01: talked budgets.\n")


@pytest.mark.parametrize(("count", "title"), [(1, "1 title"), (2, "2 titles")])
def test_titles_table_title(count: int, title: str) -> None:
    result = run("titles", *["VP Marketing", "CFO"][:count])
    assert title in result.stdout


@pytest.mark.parametrize(("count", "heading", "source"), [
    (1, "1 peer for 'VP Marketing'", "From 2 connections, 1 duplicate dropped"),
    (2, "2 peers for 'VP Marketing'", "From 3 connections, 1 duplicate dropped"),
])
def test_peers_and_ingest_summary(tmp_path: Path, count: int, heading: str, source: str) -> None:
    result = run("peers", connections(tmp_path, count, duplicate=True), *ME[:4])
    assert f"{heading} (function=marketing, level=vp), outside Acme. {source}\n" in result.stderr


def test_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "Cy,Fox,https://www.linkedin.com/in/cy-fox,,Acme,CFO,01 Jan 2025\n",
                    encoding="utf-8")
    result = run("connections", path, "--format", "csv")
    assert result.stderr == "1 connection\n"

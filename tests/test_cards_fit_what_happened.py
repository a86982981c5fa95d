"""Cards say what happened: a forum peer is thanked for the forum and a rotation peer for the
coffee, only people met and not thanked get one, a card is signed or not printed, and its
personal line is the one written for it (``log met --card``), never the private ``--note``.
Read back from the PDFs with poppler's pdftotext, as a reader would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import require_tool

from outreach.cli import cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
PEERS = [("Ana", "Souza", "Globex"), ("Ben", "Okafor", "Initech"), ("Wei", "Chen", "Hooli"),
         ("Lena", "Vogt", "Umbrella")]
ARGS = ["--title", "VP Marketing", "--company", "Acme", "--from", "Dana Whitfield <dana@acme.example>",
        "--start", "2027-01-12T08:30", "--tz", "Europe/Berlin", "--location", "Café Einstein",
        "--rotation-size", "2", "--card-sheet", "single", "--no-preview"]


def connections(folder: Path) -> Path:
    rows = [f"{first},{last},https://www.linkedin.com/in/{first.lower()}-{last.lower()},"
            f"{first.lower()}@{company.lower()}.example,{company},VP Marketing,01 Jan 2025\n"
            for first, last, company in PEERS]
    path = folder / "Connections.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def campaign(tmp_path: Path) -> Result:
    return ok("campaign", connections(tmp_path), "--out", tmp_path / "out", *ARGS)


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as pdftotext reads it, whitespace folded (one card a page: the
    tests print on --sheet single)."""
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def cards_of(pdf: Path) -> dict[str, str]:
    """Each card's text by the first name it greets."""
    return {page.removeprefix("Dear ").partition(",")[0]: page for page in pdf_pages(pdf)}


def groups(result: Result) -> tuple[list[str], list[str]]:
    """(rotation peers, forum peers) by first name, as the campaign wrote their e-mails."""
    words = " ".join(result.output.split())
    rotation = [first for first, _l, _c in PEERS if f"rotation invitation to {first}" in words]
    forum = [first for first, _l, _c in PEERS if f"forum invitation to {first}" in words]
    return rotation, forum


# ---------------------------------------------------------------- 1. what happened


def test_a_forum_peer_is_thanked_for_the_forum_and_a_rotation_peer_for_the_coffee(
        tmp_path: Path) -> None:
    rotation, forum = groups(campaign(tmp_path))
    assert len(rotation) == 2 and len(forum) == 2, (rotation, forum)
    for first in (rotation[0], forum[0]):  # logged before their first planned meeting
        ok("log", "met", first)
    again = campaign(tmp_path)
    assert "2 thank-you cards to print." in again.output
    cards = cards_of(tmp_path / "out" / "cards.pdf")
    assert sorted(cards) == sorted([rotation[0], forum[0]])  # only the people met
    assert "Thank you for making the time to talk at the peer forum." in cards[forum[0]]
    assert "coffee" not in cards[forum[0]] and "Café Einstein" not in cards[forum[0]]
    assert ("Thank you for making the time to talk over coffee at Café Einstein."
            in cards[rotation[0]])
    third = campaign(tmp_path)  # thanked now: no card for them again
    assert "to print" not in third.output

"""Cards say what happened: a forum peer is thanked for the forum and a rotation peer for the
coffee, only people met and not thanked get one, a card is signed or not printed, and its
personal line is the one written for it (``log met --card``), never the private ``--note``.
Read back from the PDFs with poppler's pdftotext, as a reader would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cards_helpers import connections
from click.testing import CliRunner, Result
from conftest import require_tool

from outreach.cli import cli

PEERS = [("Ana", "Souza", "Globex"), ("Ben", "Okafor", "Initech"), ("Wei", "Chen", "Hooli"),
         ("Lena", "Vogt", "Umbrella")]
ARGS = ["--title", "VP Marketing", "--company", "Acme",
        "--from", "Dana Whitfield <dana@acme.example>",
        "--start", "2027-01-12T08:30", "--tz", "Europe/Berlin", "--location", "Café Einstein",
        "--rotation-size", "2", "--yes", "--card-sheet", "single", "--no-preview"]


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def campaign(tmp_path: Path) -> Result:
    return ok("campaign", connections(tmp_path, PEERS), "--out", tmp_path / "out", *ARGS)


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as pdftotext reads it, whitespace folded (one card a page: the
    tests print on --sheet single)."""
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def signed(pdf: Path, name: str) -> bool:
    """The first card ends "Warmly, NAME" (spaces aside: pdftotext may split a handwritten
    word where its letters spread)."""
    return "".join(pdf_pages(pdf)[0].split()).endswith("Warmly," + "".join(name.split()))


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


# ---------------------------------------------------------------- 2. a signed card


def _remember_and_meet(first: str = "Ana", *extra: str) -> None:
    """A peer in the ledger (as a campaign leaves them), met today."""
    from outreach.ledger import Ledger
    from outreach.model import Person

    last, company = next((la, co) for fi, la, co in PEERS if fi == first)
    person = Person(first, last, url=f"https://www.linkedin.com/in/{first.lower()}-"
                    f"{last.lower()}", company=company)
    with Ledger.open() as ledger:
        ledger.remember_people([person])
    ok("log", "met", f"{first} {last}", *extra)


def test_cards_without_a_signature_are_refused_and_nobody_is_marked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _remember_and_meet()
    refused = run("cards", "--pending", "--sheet", "single")
    assert refused.exit_code == 2
    assert refused.output == (
        "Error: --sign: a card needs a signature; give the name to sign with, or set name "
        "under [sender] in outreach.toml (or use an export that has your profile)\n")
    assert list(tmp_path.glob("*.pdf")) == []
    printed = ok("cards", "--pending", "--sheet", "single", "--sign", "D. W.")
    assert "Marked 1 as thanked in the ledger." in printed.output  # still owed: not marked
    [pdf] = tmp_path.glob("cards-*.pdf")
    assert signed(pdf, "D. W.")


def test_the_signature_is_your_first_name_from_the_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outreach.toml").write_text('[sender]\nname = "Dana Whitfield"\n',
                                            encoding="utf-8")
    _remember_and_meet()
    ok("cards", "--pending", "--sheet", "single", "-o", "thanks.pdf")
    assert signed(tmp_path / "thanks.pdf", "Dana")


def test_a_template_that_drops_the_signature_prints_nothing_and_marks_nobody(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    template = tmp_path / "unsigned.card.j2"
    template.write_text("Dear {{ first_name }},\n\nThank you.\n\nWarmly,\n", encoding="utf-8")
    _remember_and_meet()
    refused = run("cards", "--pending", "--sign", "Dana", "--template", template)
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert refused.output.startswith(f"Error: --template: {template}: the card for Ana Souza "
                                     "(Globex) does not end with the signature 'Dana'")
    assert list(tmp_path.glob("*.pdf")) == []
    assert "Marked 1 as thanked" in ok("cards", "--pending", "--sign", "Dana").output


def test_a_campaign_that_does_not_know_your_name_keeps_the_cards_for_later(
        tmp_path: Path) -> None:
    unnamed = [a if a != "Dana Whitfield <dana@acme.example>" else "dana@acme.example"
               for a in ARGS]
    ok("campaign", connections(tmp_path, PEERS), "--out", tmp_path / "out", *unnamed)
    ok("log", "met", "Ana Souza")
    first = ok("campaign", connections(tmp_path, PEERS), "--out", tmp_path / "out", *unnamed)
    assert ("no thank-you cards yet for 1 person you met: a card needs your name to sign it"
            in " ".join(first.output.split()))
    assert not (tmp_path / "out" / "cards.pdf").exists()
    named = campaign(tmp_path)  # now with a name: the card is printed, signed with it
    assert "1 thank-you card to print." in named.output
    assert signed(tmp_path / "out" / "cards.pdf", "Dana")


# ---------------------------------------------------------------- 3. the card's own line

NOTE = "talked about attribution models and the Q3 budget"


def test_the_card_says_the_line_written_for_it_and_never_the_private_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    campaign(tmp_path)
    logged = ok("log", "met", "Ana Souza", "--note", NOTE,
                "--card", "Your point about brand budgets stays with me.")
    assert logged.output.splitlines()[-1] == (
        "Their card will say: Your point about brand budgets stays with me.")
    ok("log", "met", "Ben Okafor", "--note", NOTE)
    ok("cards", "--pending", "--sheet", "single", "--sign", "Dana", "-o", "thanks.pdf")
    cards = cards_of(tmp_path / "thanks.pdf")
    assert "think about it. Your point about brand budgets stays with me. I left with" \
        in cards["Ana"]
    assert "attribution" not in cards["Ana"]  # the private note stays in the ledger
    assert "attribution" not in cards["Ben"] and "stays with me" not in cards["Ben"]
    assert "I left with fresh ideas and the comfort of knowing" in cards["Ben"]  # neutral


@pytest.mark.parametrize(("args", "error"), [
    (["gave", "Ana Souza", "--card", "Thanks!"],
     "Error: --card: a card line belongs to a meeting: log met, not gave\n"),
    (["met", "Ana Souza", "--card", "  "],
     "Error: --card: the card line is empty; write the sentence the card should say\n"),
    (["met", "Ana Souza", "--card", "x" * 201],
     "Error: --card: the card line is 201 characters; a card has room for about 200: "
     "shorten it\n"),
])
def test_a_card_line_that_cannot_go_on_a_card_is_refused(args: list[str], error: str) -> None:
    _remember_and_meet("Ana")
    refused = run("log", *args)
    assert (refused.exit_code, refused.output) == (2, error)
    from outreach.ledger import Ledger

    with Ledger.open() as ledger:
        [due] = ledger.thanks_due()  # the earlier meeting, and nothing else logged
        assert (due.card, len(ledger._query("SELECT * FROM events"))) == ("", 1)


def test_a_dry_run_shows_each_card_and_marks_nobody(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _remember_and_meet("Ana", "--note", NOTE, "--card", "Your point about brand budgets "
                       "stays with me.")
    dry = ok("cards", "--pending", "--dry-run", "--sign", "Dana")
    assert dry.output.splitlines() == [
        "Card for Ana Souza (Globex):",
        "    Dear Ana,",
        "",
        "    Thank you for making the time to talk. It was a real pleasure to compare notes "
        "with someone who knows this job from the inside, and to hear how you and the team at "
        "Globex think about it.",
        "",
        "    Your point about brand budgets stays with me.",
        "",
        "    I left with fresh ideas, and I would love to return the favour whenever I can be "
        "useful and to pick up where we left off.",
        "",
        "    Warmly,",
        "    Dana",
        "",
        "Checked 1 card (US A2, 4.25×5.5 in, 1 letter sheet): nothing written, nobody marked "
        "thanked.",
    ]
    unsigned = run("cards", "--pending", "--dry-run")  # refused as printing would be
    assert unsigned.exit_code == 2 and "a card needs a signature" in unsigned.output
    assert list(tmp_path.glob("*.pdf")) == []
    assert "Marked 1 as thanked" in ok("cards", "--pending", "--sign", "Dana").output

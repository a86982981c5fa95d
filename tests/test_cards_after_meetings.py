"""Cards after meetings: the campaign and ``cards --pending`` write only to people the ledger
says you met and have not thanked, mention the ``log met --note``, and mark exactly those
people thanked; read back from the PDFs with pypdf."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cards_helpers import SENDER, connections, page_texts
from click.testing import CliRunner, Result

from outreach.cli import cli
from outreach.ledger import Ledger, PlannedMeeting, PlannedMessage
from outreach.model import Person

PEERS = [("Ana", "Souza", "Globex"), ("Ben", "Okafor", "Initech"), ("Wei", "Chen", "Hooli")]
ARGS = ["--title", "VP Marketing", "--company", "Acme", "--from", "Dana <dana@acme.example>",
        "--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café Olimpico",
        "--no-preview"]
REMINDER = "cards are printed after you log a meeting: outreach log met NAME"
ANA = Person("Ana", "Souza", url="https://www.linkedin.com/in/ana-souza", company="Globex")


def invoke(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def campaign(tmp_path: Path) -> Result:
    return invoke("campaign", connections(tmp_path, PEERS), "--out", tmp_path / "out", *ARGS)


def words(text: str) -> str:
    return " ".join(text.split())


def thanked(ledger_path: Path | None = None) -> list[tuple[str, str, str]]:
    with Ledger.open(ledger_path) as ledger:
        rows = ledger._query("SELECT person_key, on_date, note FROM events WHERE kind = 'thanked' "
                            "ORDER BY id")
    return [(r["person_key"], r["on_date"], r["note"]) for r in rows]


# ---------------------------------------------------------------- the campaign


def test_a_fresh_ledger_campaign_prints_no_cards_and_says_when_they_come(tmp_path: Path) -> None:
    result = campaign(tmp_path)
    out = tmp_path / "out"
    assert not (out / "cards.pdf").exists() and not (out / "cards.png").exists()
    assert "to print" not in result.stdout
    assert f"no new thank-you cards: nobody you met is waiting for one ({REMINDER})" in words(
        result.stdout)
    assert REMINDER in words((out / "report.html").read_text(encoding="utf-8"))
    assert thanked() == []


def test_after_log_met_a_rerun_prints_exactly_that_card_with_the_note(tmp_path: Path) -> None:
    campaign(tmp_path)
    invoke("log", "met", "Ana Souza", "--note", "talked about attribution models",
           "--card", "Your point about onboarding stays with me.")
    result = campaign(tmp_path)
    pdf = tmp_path / "out" / "cards.pdf"
    texts = [words(text) for text in page_texts(pdf)]
    cards = [card for text in texts for card in text.split("Dear ")[1:]]
    assert len(cards) == 1, texts
    assert cards[0].startswith("Ana,")
    assert "Your point about onboarding stays with me." in cards[0]
    assert "attribution" not in cards[0]  # the private note stays in the ledger
    assert "over coffee at Café Olimpico" in cards[0]
    assert "1 thank-you card to print." in result.stdout and "Ben" not in " ".join(texts)
    assert "1 thank-you card for Ana Souza" in words(result.stdout)
    [(key, on, note)] = thanked()
    assert key == ANA.key and on == today() and str(pdf.resolve()) in note

    again = campaign(tmp_path)  # thanked now: no second card, and the printed file stays
    assert "to print" not in again.stdout and pdf.is_file()
    assert f"{tmp_path / 'out' / 'cards.pdf'} is from an earlier run" in words(again.stdout)
    assert len(thanked()) == 1


def test_the_campaign_marks_nobody_thanked_when_the_cards_fail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach.cards import layout
    from outreach.errors import OutreachError

    def broken(*args: object, **kwargs: object) -> None:
        raise OutreachError("cards: the printer caught fire")

    campaign(tmp_path)
    invoke("log", "met", "Ana Souza")
    monkeypatch.setattr(layout, "write_cards", broken)
    result = CliRunner().invoke(cli, ["campaign", str(connections(tmp_path, PEERS)),
                                      "--out", str(tmp_path / "out"), *ARGS])
    assert result.exit_code == 2 and "printer caught fire" in result.output
    assert thanked() == [] and not (tmp_path / "out" / "cards.pdf").exists()


# ---------------------------------------------------------------- cards --pending


def _met(note: str = "", on: date = date(2026, 11, 20), person: Person = ANA,
         card: str = "") -> None:
    with Ledger.open() as ledger:
        ledger.remember_people([person])
        ledger.add_event(person.key, "met", on, note)
        if card:
            ledger.set_card_line(person.key, on, card)


def test_pending_writes_a_dated_file_never_the_campaigns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    campaign_pdf = tmp_path / "out" / "cards.pdf"
    campaign_pdf.parent.mkdir()
    campaign_pdf.write_bytes(b"%PDF- the campaign's cards")
    _met(card="Your point about onboarding stays with me.")
    first = runner.invoke(cli, ["cards", "--pending", "--sign", "Dana"])
    assert first.exit_code == 0, first.output
    day = today()
    written = tmp_path / f"cards-{day}.pdf"
    assert f"cards-{day}.pdf" in first.output and written.is_file()
    assert campaign_pdf.read_bytes() == b"%PDF- the campaign's cards"
    assert "Your point about onboarding stays with me." in words(page_texts(written)[0])

    ben = Person("Ben", "Okafor", url="https://www.linkedin.com/in/ben-okafor")
    _met(person=ben)
    second = runner.invoke(cli, ["cards", "--pending", "--sign", "Dana"])
    assert second.exit_code == 0, second.output
    later = tmp_path / f"cards-{day}-2.pdf"
    assert later.is_file(), second.output  # the first batch is not overwritten
    assert "Dear Ben," in page_texts(later)[0] and "Dear Ana," in page_texts(written)[0]

    _met(person=Person("Wei", "Chen", url="https://www.linkedin.com/in/wei-chen"))
    chosen = tmp_path / "mine.pdf"
    third = runner.invoke(cli, ["cards", "--pending", "--sign", "Dana", "-o", str(chosen)])
    assert third.exit_code == 0 and chosen.is_file()  # -o still wins
    assert not (tmp_path / f"cards-{day}-3.pdf").exists()
    assert [note.startswith("card in ") for _k, _on, note in thanked()] == [True] * 3


def test_pending_help_says_where_the_cards_go() -> None:
    help_text = words(CliRunner().invoke(cli, ["cards", "--help"], terminal_width=200,
                                         max_content_width=200).output)
    assert "cards-YYYY-MM-DD.pdf in the current folder" in help_text
    assert "never out/cards.pdf" in help_text


def test_a_hostile_card_line_prints_as_text(tmp_path: Path) -> None:
    line = ("<b>{{ 7*7 }}</b> &amp; {% if true %}x{% endif %}\x07\x1b[31m\u200b\r\n\n"
            "Warmly,\nMallory\t\u202eend")
    _met(card=line)
    out = tmp_path / "thanks.pdf"
    result = CliRunner().invoke(cli, ["cards", "--pending", "--sign", "Dana", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = page_texts(out)[0]
    flat = words(text)
    assert "<b>{{ 7*7 }}</b> &amp; {% if true %}x{% endif %}" in flat
    assert "49" not in flat and "\x07" not in text and "\x1b" not in text
    assert "\u200b" not in text and "\u202e" not in text
    assert "Warmly, Mallory end I left with" in flat  # one line of data, not a sign-off
    assert flat.rstrip().endswith("Warmly, Dana")


def test_a_card_line_too_long_for_the_card_is_left_out_with_a_warning(tmp_path: Path) -> None:
    _met(card="Your point about " + "onboarding and the first ninety days, " * 60)
    out = tmp_path / "thanks.pdf"
    result = CliRunner().invoke(cli, ["cards", "--pending", "--size", "4x6", "--sign", "Dana",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "written without the line" in words(result.output)
    flat = words(page_texts(out)[0])
    assert "ninety days" not in flat and "I left with fresh ideas" in flat
    assert len(thanked()) == 1


@pytest.mark.parametrize("size", ["a2", "a6", "4x6"])
def test_a_typical_card_line_fits_the_smallest_cards(tmp_path: Path, size: str) -> None:
    from outreach.cards.layout import CardOptions, write_cards
    from outreach.templating import MetVars

    person = Person("Alexandrina", "Vanderberg-Okonkwo", company="Northwind Analytics Group")
    line = "Your point about onboarding new directors in their first ninety days stays with me."
    met = {person.key: MetVars(date(2026, 11, 20), "private", "Café Olimpico on Queen St W",
                               card=line)}
    result = write_cards([person], SENDER, tmp_path / "c.pdf",
                         CardOptions(size=size, sheet="single", met=met))
    assert result.warnings == [] and result.sizes[0] >= 13
    assert line in words(page_texts(tmp_path / "c.pdf")[0])


def test_no_note_reads_as_before(tmp_path: Path) -> None:
    _met()
    out = tmp_path / "thanks.pdf"
    invoke("cards", "--pending", "--sign", "Dana", "-o", out)
    flat = words(page_texts(out)[0])
    assert "stays with me" not in flat and "coffee at" not in flat
    assert "I left with fresh ideas and the comfort of knowing" in flat


# ---------------------------------------------------------------- met.* in templates


def _template(tmp_path: Path) -> Path:
    path = tmp_path / "met.card.j2"
    path.write_text("Dear {{ first_name }},\n\nOn {{ met.on }} at {{ met.place or 'nowhere' }}"
                    " ({{ met.series or 'no series' }}): {{ met.note }}\n\n{{ signature }}\n",
                    encoding="utf-8")
    return path


def test_met_place_is_the_ledgers_meeting_else_the_location(tmp_path: Path) -> None:
    zone = ZoneInfo("America/Toronto")
    _met("budgets", on=date(2026, 11, 20))
    with Ledger.open() as ledger:
        ledger.record_meetings([
            PlannedMeeting("uid-early", ANA.key, "Ana Souza", "rotation",
                           datetime(2026, 11, 3, 8, tzinfo=zone)),
            PlannedMeeting("uid-forum", ANA.key, "Ana Souza", "forum",
                           datetime(2026, 11, 19, 18, tzinfo=zone)),
            PlannedMeeting("uid-after", ANA.key, "Ana Souza", "rotation",
                           datetime(2026, 12, 8, 8, tzinfo=zone)),
        ])
    template = _template(tmp_path)
    out = tmp_path / "a.pdf"
    invoke("cards", "--pending", "--sign", "Dana", "--template", template, "--location",
           "The Office", "-o", out)
    assert "On 2026-11-20 at The Office (forum): budgets" in words(page_texts(out)[0])



def test_met_place_is_where_the_plan_said_when_it_said(tmp_path: Path) -> None:
    ben = Person("Ben", "Okafor", url="https://www.linkedin.com/in/ben-okafor")
    _met(on=date(2026, 11, 20), person=ben)
    with Ledger.open() as ledger:
        ledger.record_meetings([PlannedMeeting(
            "uid-ben", ben.key, "Ben Okafor", "rotation",
            datetime(2026, 11, 17, 8, tzinfo=ZoneInfo("America/Toronto")))])
        ledger.save_plan([PlannedMessage("<m1@x>", ben.key, "rotation", "invitation", "<m1@x>",
                                         facts={"location": "Hart House"})])
    out = tmp_path / "b.pdf"
    invoke("cards", "--pending", "--sign", "Dana", "--template", _template(tmp_path),
           "--location", "The Office", "-o", out)
    assert "On 2026-11-20 at Hart House (rotation):" in words(page_texts(out)[0])


def test_met_without_a_ledger_meeting_or_location(tmp_path: Path) -> None:
    _met(on=date(2026, 10, 2))
    out = tmp_path / "c.pdf"
    invoke("cards", "--pending", "--sign", "Dana", "--template", _template(tmp_path), "-o", out)
    assert "On 2026-10-02 at nowhere (no series):" in words(page_texts(out)[0])


def test_cards_from_input_still_render_met_as_empty(tmp_path: Path) -> None:
    from outreach.cards.layout import CardOptions, CardWriter

    writer = CardWriter(SENDER, CardOptions(template=_template(tmp_path)))
    assert "On at nowhere (no series):" in words(writer.text(Person("Sam", "Lee")))


def test_the_ledger_tells_the_met_day_note_and_meeting() -> None:
    _met("first note", on=date(2026, 11, 2))
    _met("", on=date(2026, 11, 20))
    _met("the note of the day", on=date(2026, 11, 20))
    with Ledger.open() as ledger:
        [due] = ledger.thanks_due()
        assert (due.key, due.on, due.note, due.meeting) == (
            ANA.key, date(2026, 11, 20), "the note of the day", None)
        assert [p.key for p in ledger.pending_thanks()] == [ANA.key]
        ledger.mark_thanked([due.key], date(2026, 11, 21), "card in x.pdf")
        assert ledger.thanks_due() == []
    assert thanked() == [(ANA.key, "2026-11-21", "card in x.pdf")]


def today() -> str:
    """The day the cards are printed on: the one clock (``$OUTREACH_NOW`` in tests)."""
    from outreach.times import now

    return now().astimezone().date().isoformat()

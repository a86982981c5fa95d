"""Cards that fit the occasion (issue 24): one card per person per period, however often you
meet; a card printed weeks after the meeting says it is late; the help they gave you (``log
got --note``) is thanked for. Through ``outreach cards --pending``, driven by
``$OUTREACH_NOW``, read back from the PDFs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cards_helpers import page_texts
from click.testing import CliRunner

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.model import Person

ANA = Person("Ana", "Souza", url="https://www.linkedin.com/in/ana-souza", company="Globex")


def words(text: str) -> str:
    return " ".join(text.split())


def event(kind: str, on: str, note: str = "") -> None:
    """What ``outreach log`` records (its --on is checked against the real clock)."""
    with Ledger.open() as ledger:
        ledger.remember_people([ANA])
        ledger.add_event(ANA.key, kind, date.fromisoformat(on), note)


def cards(monkeypatch: pytest.MonkeyPatch, now: str, *extra: str) -> str:
    monkeypatch.setenv("OUTREACH_NOW", f"{now}T12:00:00+00:00")
    result = CliRunner().invoke(cli, ["cards", "--pending", "--sign", "Dana", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def card(folder: Path, day: str) -> str:
    return words(page_texts(folder / f"cards-{day}.pdf")[0])


def test_a_late_card_says_so_and_thanks_for_what_they_gave(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    event("met", "2026-10-01")
    event("got", "2026-10-05", "her agency shortlist")
    cards(monkeypatch, "2026-11-23")
    text = card(tmp_path, "2026-11-23")
    assert "I'm late with this, but thank you for making the time to talk" in text
    assert "Thank you too for your agency shortlist" in text


def test_a_card_the_week_of_the_meeting_is_not_late(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    event("met", "2026-11-20")
    cards(monkeypatch, "2026-11-23")
    text = card(tmp_path, "2026-11-23")
    assert "late" not in text and text.startswith("Dear Ana, Thank you for making the time")
    assert "Thank you too" not in text  # nothing logged as got: nothing made up


def test_one_card_per_person_per_period_not_per_meeting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    event("met", "2026-11-20")
    cards(monkeypatch, "2026-11-23")
    event("got", "2026-11-25", "an intro to her CFO")
    event("met", "2026-12-29")  # the next coffee of the rotation, five weeks on
    said = cards(monkeypatch, "2026-12-30")
    assert "Not yet for Ana Souza: a card went on 23 November 2026 (one every 90 days" in said
    assert "Nobody to thank" in said and not (tmp_path / "cards-2026-12-30.pdf").exists()
    event("met", "2027-02-02")
    cards(monkeypatch, "2027-02-22")  # 91 days after the last card
    text = card(tmp_path, "2027-02-22")
    assert "Thank you too for an intro to her CFO" in text  # logged since the last card
    assert "I'm late" not in text  # 20 days after the meeting
    event("met", "2027-03-09")
    assert "Not yet for Ana Souza" in cards(monkeypatch, "2027-03-10")
    cards(monkeypatch, "2027-03-10", "--every", "2w")  # the period is the user's
    assert (tmp_path / "cards-2027-03-10.pdf").is_file()

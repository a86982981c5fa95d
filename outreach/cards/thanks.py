"""Cards after meetings: who is owed a card (the ledger's ``log met``, not thanked since) and
what their card knows about the meeting (``met.*``), for ``cards --pending`` and ``campaign``.

A card is printed only for someone met; printing it is what records them as thanked (the
caller marks them after the PDF is written, with the file in the event's note), so a person
is never marked without a card, nor carded twice for one meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.errors import OutreachError
from outreach.ledger.meetings import ThanksDue
from outreach.model import Sender
from outreach.templating import MetVars

if TYPE_CHECKING:
    from outreach.ledger import Ledger

REMINDER = "cards are printed after you log a meeting: outreach log met NAME"
NO_SIGNATURE = ("a card needs a signature; give the name to sign with, or set name under "
                "[sender] in outreach.toml (or use an export that has your profile)")


def signature(sign: str | None, sender: Sender) -> str:
    """The name every card is signed with: ``sign`` (``--sign``, ``[cards] sign``) as given,
    else the sender's first name (export or ``[sender] name``). Never empty: a card without
    one is refused (``OutreachError`` on field ``sign``) rather than ending on a bare
    "Warmly,". Spaces are tidied as the card's text is."""
    name = " ".join((sign or "").split()) or sender.first_name
    if not name:
        raise OutreachError(NO_SIGNATURE, field="sign")
    return name


COFFEE_SERIES = ("rotation", "coffee")  # the meetings a card thanks "over coffee" for
CARD_EVERY = timedelta(days=90)  # one card per person per this period, not one per meeting
LATE_AFTER = timedelta(days=21)  # a card printed later than this after the meeting says so


def due_now(due: Sequence[ThanksDue], today: date,
            every: timedelta = CARD_EVERY) -> tuple[list[ThanksDue], list[ThanksDue]]:
    """Who gets a card ``today`` (no card in the last ``every``), and who waits: someone
    met every five weeks in a rotation is thanked once a period, not after every coffee."""
    now: list[ThanksDue] = []
    later: list[ThanksDue] = []
    for one in due:
        recent = one.thanked is not None and today - one.thanked < every
        (later if recent else now).append(one)
    return now, later


@dataclass(frozen=True)
class Exchanges:
    """The latest ``gave`` and ``got`` notes per person key, with their days."""

    gave: dict[str, tuple[date, str]]
    got: dict[str, tuple[date, str]]


def exchanges(ledger: Ledger) -> Exchanges:
    """What the user logged giving and getting (``log gave/got --note``), latest first."""
    found: dict[str, dict[str, tuple[date, str]]] = {"gave": {}, "got": {}}
    for event in ledger.life_facts().events:
        if event.kind in found and event.note.strip():
            held = found[event.kind].get(event.person_key)
            if held is None or event.on >= held[0]:
                found[event.kind][event.person_key] = (event.on, event.note.strip())
    return Exchanges(found["gave"], found["got"])


def met_vars(due: ThanksDue, location: str = "", *, coffee_only: bool = False,
             today: date | None = None, notes: Exchanges | None = None) -> MetVars:
    """``met.*`` for one person: the day and note of the last ``met``; the series and place
    of the ledger's meeting it thanks for (``ThanksDue.meeting``). A meeting whose plan named
    no place takes ``location`` (option/config); with ``coffee_only`` (the campaign, whose
    ``location`` is where its coffees happen) only a rotation or coffee meeting does, so a
    forum peer or someone the plan never met is never thanked for coffee there."""
    meeting = due.meeting
    series = meeting.series if meeting is not None else ""
    place = meeting.place if meeting is not None else ""
    if not place and (series in COFFEE_SERIES or not coffee_only):
        place = location
    days = (today - due.on).days if today is not None else 0
    return MetVars(on=due.on, note=due.note, place=place, series=series, card=due.card,
                   days_ago=days, late=days > LATE_AFTER.days,
                   got=_since(notes.got if notes else {}, due), gave=_since(
                       notes.gave if notes else {}, due))


_THEIRS = ("her ", "his ", "their ")  # a note written about them, said to them on the card


def _since(notes: dict[str, tuple[date, str]], due: ThanksDue) -> str:
    """The note logged for ``due``'s person since their last card, else "", spoken to them
    ("her agency shortlist" → "your agency shortlist")."""
    held = notes.get(due.key)
    if held is None or (due.thanked is not None and held[0] < due.thanked):
        return ""
    note = held[1]
    for word in _THEIRS:
        if note.lower().startswith(word):
            return "your " + note[len(word):]
    return note


def met_by_person(due: Sequence[ThanksDue], location: str = "", *,
                  coffee_only: bool = False, today: date | None = None,
                  notes: Exchanges | None = None) -> dict[str, MetVars]:
    """``CardOptions.met``: each person's ``met.*`` by ``Person.key``."""
    return {d.person.key: met_vars(d, location, coffee_only=coffee_only, today=today,
                                   notes=notes) for d in due}


def dated_output(folder: Path, today: date) -> Path:
    """``cards-YYYY-MM-DD.pdf`` in ``folder``; a second batch on the same day gets ``-2``,
    ``-3``... so an earlier batch (whose people are already marked thanked) is never
    overwritten."""
    base = f"cards-{today.isoformat()}"
    number = 1
    while True:
        stem = base if number == 1 else f"{base}-{number}"
        if not (folder / f"{stem}.pdf").exists() and not any(folder.glob(f"{stem}-[0-9]*.pdf")):
            return folder / f"{stem}.pdf"
        number += 1


def thanked_note(files: Sequence[Path]) -> str:
    """The ``thanked`` event's note: which file holds the card."""
    return "card in " + ", ".join(str(Path(f).resolve()) for f in files)

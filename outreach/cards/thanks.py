"""Cards after meetings: who is owed a card (the ledger's ``log met``, not thanked since) and
what their card knows about the meeting (``met.*``), for ``cards --pending`` and ``campaign``.

A card is printed only for someone met; printing it is what records them as thanked (the
caller marks them after the PDF is written, with the file in the event's note), so a person
is never marked without a card, nor carded twice for one meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from outreach.errors import OutreachError
from outreach.ledger.meetings import ThanksDue
from outreach.model import Sender
from outreach.templating import MetVars

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


def met_vars(due: ThanksDue, location: str = "", *, coffee_only: bool = False) -> MetVars:
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
    return MetVars(on=due.on, note=due.note, place=place, series=series, card=due.card)


def met_by_person(due: Sequence[ThanksDue], location: str = "", *,
                  coffee_only: bool = False) -> dict[str, MetVars]:
    """``CardOptions.met``: each person's ``met.*`` by ``Person.key``."""
    return {d.person.key: met_vars(d, location, coffee_only=coffee_only) for d in due}


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

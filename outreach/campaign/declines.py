"""Who declined a series they were invited to, and who is offered the place they freed.

A peer whose latest answer to their whole series (not one occurrence) is DECLINED leaves the
plan as a removed peer does: the rotation place they held goes to the best peer not in the
forum, the forum seat to the best peer left (``campaign._plan``). They have said no, so
they are not sent a cancellation ("I'm sorry to say I have to cancel…") as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outreach.ledger import PlannedMessage, Rsvp
    from outreach.model import Person
    from outreach.plan import MessageDecision

SERIES = ("rotation", "forum")


@dataclass
class Declines:
    """Person key → the series they declined; then, per series, who was offered a place."""

    series: dict[str, str] = field(default_factory=dict)
    offered: dict[str, list[Person]] = field(default_factory=dict)


def declined(prior: Iterable[PlannedMessage], rsvps: Iterable[Rsvp]) -> dict[str, str]:
    """Person key → the series whose invitation (by UID) they last answered DECLINED, for
    the whole series; a later ACCEPTED or TENTATIVE takes it back."""
    held = {(row.person_key, row.uid): row.series for row in prior
            if row.uid and row.series in SERIES}
    found: dict[str, str] = {}
    for rsvp in rsvps:  # oldest first: the latest answer wins
        series = held.get((rsvp.person_key, rsvp.uid))
        if series is None or rsvp.recurrence_id:
            continue
        if rsvp.partstat.upper() == "DECLINED":
            found[rsvp.person_key] = series
        else:
            found.pop(rsvp.person_key, None)
    return found


def newcomers(peers: Sequence[Person], before: Iterable[str]) -> list[Person]:
    """Who among ``peers`` did not hold a place ``before`` (person keys)."""
    held = set(before)
    return [p for p in peers if p.key not in held] if held else []


def without_cancellations(decisions: list[MessageDecision],
                          decliners: Mapping[str, str]) -> list[MessageDecision]:
    """The decisions, less the cancellation of each series its peer declined."""
    return [d for d in decisions
            if not (d.kind == "cancellation" and decliners.get(d.person_key) == d.series)]


def decline_notes(declines: Declines, people: Mapping[str, Person]) -> list[str]:
    """``Ben Okafor declined the rotation; the place is offered to Eva Lind``, per series."""
    notes = []
    for series in SERIES:
        names = [_name(people, key) for key, held in declines.series.items() if held == series]
        if not names:
            continue
        offered = [p.full_name or p.key for p in declines.offered.get(series, [])]
        place = "the place is" if len(names) == 1 else "their places are"
        notes.append(f"{', '.join(names)} declined the {series}; "
                     + (f"{place} offered to {', '.join(offered)}" if offered else
                        "no other peer is left to offer it to"))
    return notes


def _name(people: Mapping[str, Person], key: str) -> str:
    person = people.get(key)
    return (person.full_name if person else "") or key

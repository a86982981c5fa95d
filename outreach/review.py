"""How the trial went: ``outreach review``, so far or at the end of the rotation's dates.

For each rotation peer (everyone the ledger holds rotation meetings for): the dates planned,
held (a ``log met`` within ``NEAR`` of a date, or any meeting logged outside the forum's),
missed (a date more than ``NEAR`` ago with no ``met`` near it), declined (RSVPs), what was
given and got, the replies; then a verdict with its reason:

- ``continue``: met at least as often as missed (or no date has come yet);
- ``ask again``: met less often than missed, or missed a first date: ask whether the rhythm
  suits them before deciding;
- ``let go``: never met and missed twice or more, declined the rotation, asked to stop,
  do not contact, or already let go (``log letgo``).

Every place a ``let go`` frees gets replacement candidates: people the ledger knows, not in
the rotation or the forum, not do-not-contact, let go or asking to stop, ranked by how close
their function and level are to the rotation's (and their score, when the peers table gave
one), those met before first. The forum: how many were invited, accepted and attended (a
``log met`` near a forum date).

Every fact comes from ``outreach.lifecycle`` (``lives``) and the ledger's planned meetings;
nothing here reads a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from outreach.lifecycle import Life, lives_from
from outreach.model import Person, PersonState, Series
from outreach.wording import plural

if TYPE_CHECKING:
    from outreach.ledger import Ledger, LifeFacts

NEAR = timedelta(days=3)
"""A ``met`` this close to a planned date held it; a date this long gone without one was missed."""
CONTINUE, ASK_AGAIN, LET_GO = "continue", "ask again", "let go"
PER_PLACE = 3
"""Replacement candidates offered for each place freed."""


@dataclass(frozen=True)
class PeerReview:
    """One rotation peer's trial so far."""

    key: str
    person: Person
    planned: int
    held: int
    missed: int
    declined: int
    gave: int
    got: int
    replies: int
    verdict: str
    reason: str


@dataclass(frozen=True)
class Replacement:
    """Someone who could take a freed place, and why."""

    key: str
    person: Person
    score: float
    reason: str


@dataclass(frozen=True)
class ForumReview:
    invited: int = 0
    accepted: int = 0
    attended: int = 0


@dataclass(frozen=True)
class TrialReview:
    """The rotation's peers with their verdicts, the replacements, the forum's numbers."""

    today: date
    first: date | None  # the rotation's first and last planned dates
    last: date | None
    peers: list[PeerReview] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    forum: ForumReview = ForumReview()

    @property
    def ended(self) -> bool:
        return self.last is not None and self.last < self.today

    @property
    def places_to_free(self) -> int:
        return sum(1 for p in self.peers if p.verdict == LET_GO)


def trial_review(ledger: Ledger, today: date, peers: Sequence[Person] = ()) -> TrialReview:
    """The review as of ``today``. ``peers`` (an export's or a peers CSV's, with their
    scores) rank the replacements by score and may offer people the ledger does not know
    yet; without them the ledger's people are ranked by function and level."""
    from outreach.track import policy_for

    facts = ledger.life_facts()
    everyone = lives_from(facts, today, policy_for(today))
    keys = ledger.identify(peers) if peers else []
    scores = {key: p.score for key, p in zip(keys, peers, strict=True)}
    extra = {key: p for key, p in zip(keys, peers, strict=True) if key not in facts.people}
    return review_from(facts, everyone, today, scores, extra)


def review_from(facts: LifeFacts, everyone: Mapping[str, Life], today: date,
                scores: Mapping[str, float],
                extra: Mapping[str, Person] | None = None) -> TrialReview:
    dates = _dates(facts)
    rotation = dates.get(Series.ROTATION, {})
    forum = dates.get(Series.FORUM, {})
    peers = [_peer(everyone[key], days, forum.get(key, []), today)
             for key, days in rotation.items() if key in everyone]
    peers.sort(key=lambda p: (p.person.full_name.lower(), p.key))
    all_days = [d for days in rotation.values() for d in days]
    review = TrialReview(today, min(all_days, default=None), max(all_days, default=None),
                         peers, forum=_forum(facts, everyone, forum))
    freed = review.places_to_free
    taken = set(rotation) | set(forum) | _forum_invited(everyone)
    return TrialReview(review.today, review.first, review.last, peers,
                       _replacements({**(extra or {}), **facts.people}, everyone, peers,
                                     taken, scores,
                                     freed * PER_PLACE),
                       review.forum)


def _dates(facts: LifeFacts) -> dict[str, dict[str, list[date]]]:
    """Series → person key → planned dates, oldest first."""
    out: dict[str, dict[str, list[date]]] = {}
    for meeting in facts.meetings:
        out.setdefault(meeting.series, {}).setdefault(meeting.person_key, []).append(
            meeting.start.date())
    for by_person in out.values():
        for days in by_person.values():
            days.sort()
    return out


def _near(day: date, days: list[date]) -> bool:
    return any(abs(day - other) <= NEAR for other in days)


def _peer(life: Life, days: list[date], forum_days: list[date], today: date) -> PeerReview:
    mets = [d for d in life.met_days if not _near(d, forum_days) or _near(d, days)]
    gone = [d for d in days if d + NEAR < today]
    missed = sum(1 for d in gone if not _near(d, mets))
    declined = sum(1 for r in life.rsvps if r.partstat.lower() == "declined")
    replies = sum(1 for a in life.answers if a.state is PersonState.REPLIED)
    verdict, reason = _verdict(life, len(mets), missed, len(gone))
    return PeerReview(life.key, life.person, len(days), len(mets), missed, declined,
                      life.gave, life.got, replies, verdict, reason)


def _verdict(life: Life, held: int, missed: int, gone: int) -> tuple[str, str]:
    """The verdict and its reason, in words."""
    if life.state is PersonState.OPTED_OUT:
        return LET_GO, "asked not to be contacted (do not contact)"
    if life.asked_to_stop is not None:
        return LET_GO, f"asked to stop on {life.asked_to_stop.isoformat()}"
    if life.state is PersonState.LET_GO and life.let_go is not None:
        return LET_GO, f"you let them go on {life.let_go.isoformat()}"
    if life.state is PersonState.DECLINED:
        return LET_GO, "declined the rotation"
    give = _give_take(life)
    if held and missed <= held:
        return CONTINUE, f"met {_times(held)}" + (
            f", missed {missed}" if missed else "") + give
    if held:
        return ASK_AGAIN, f"met {_times(held)} but missed {missed} of {gone} dates: " \
            "ask whether the rhythm suits them" + give
    if missed >= 2:
        return LET_GO, f"never met: missed all {plural(missed, 'date')}"
    if missed:
        return ASK_AGAIN, "missed the first date: ask for another"
    return CONTINUE, "no date has come yet"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _give_take(life: Life) -> str:
    from outreach.track import balance

    sign = balance(life.gave, life.got)
    return f"; {sign} (gave {life.gave}, got {life.got})" if sign else ""


# ---------------------------------------------------------------- the forum


def _forum_invited(everyone: Mapping[str, Life]) -> set[str]:
    return {key for key, life in everyone.items()
            if any(e.series == Series.FORUM for e in life.plan)
            or any(t.series == Series.FORUM for t in life.told)}


def _forum(facts: LifeFacts, everyone: Mapping[str, Life],
           forum: Mapping[str, list[date]]) -> ForumReview:
    invited = _forum_invited(everyone) | set(forum)
    uids = {m.uid.split("#")[0] for m in facts.meetings if m.series == Series.FORUM}
    accepted = {key for key in invited if key in everyone and any(
        r.partstat.lower() == "accepted" and (r.uid in uids or not uids)
        for r in everyone[key].rsvps)}
    attended = {key for key, days in forum.items() if key in everyone
                and any(_near(d, days) for d in everyone[key].met_days)}
    return ForumReview(len(invited), len(accepted), len(attended))


# ---------------------------------------------------------------- replacements

_UNAVAILABLE = {PersonState.OPTED_OUT, PersonState.LET_GO, PersonState.DECLINED}


def _replacements(people: Mapping[str, Person], everyone: Mapping[str, Life],
                  peers: list[PeerReview], taken: set[str],
                  scores: Mapping[str, float], wanted: int) -> list[Replacement]:
    if wanted <= 0:
        return []
    functions = Counter(p.person.function for p in peers if p.person.function != "unknown")
    levels = Counter(p.person.level for p in peers if p.person.level != "unknown")
    function = functions.most_common(1)[0][0] if functions else ""
    level = levels.most_common(1)[0][0] if levels else ""
    found = []
    for key, person in people.items():
        life = everyone.get(key)
        if key in taken or (life is not None and (
                life.state in _UNAVAILABLE or life.asked_to_stop is not None)):
            continue
        found.append(_candidate(key, person, life.met_on if life else None, function, level,
                                scores.get(key)))
    found = [c for c in found if c.score > 0]
    found.sort(key=lambda c: (-c.score, c.person.full_name.lower()))
    return found[:wanted]


def _candidate(key: str, person: Person, met_on: date | None, function: str, level: str,
               score: float | None) -> Replacement:
    same = [f"same function ({function})" if function and person.function == function else "",
            f"same level ({level})" if level and person.level == level else ""]
    closeness = sum(1 for s in same if s) / 2
    value = round(score if score is not None else closeness + (0.25 if met_on else 0), 2)
    reasons = [s for s in same if s]
    if score is not None:
        reasons.append(f"peer score {score:g}")
    reasons.append(f"met before ({met_on.isoformat()})" if met_on else "not in the plan yet")
    return Replacement(key, person, value if closeness or score else 0.0,
                       "; ".join(reasons))


# ---------------------------------------------------------------- status's pointer


def review_hint(facts: LifeFacts, everyone: Mapping[str, Life], today: date) -> str:
    """Why ``status`` should send the user to ``outreach review`` ("" when nothing asks):
    the rotation's last date has passed, or a peer missed two dates or more."""
    review = review_from(facts, everyone, today, {})
    if review.ended and review.last is not None:
        return f"the trial ended on {review.last.isoformat()}: outreach review"
    missing = [p.person.full_name for p in review.peers if p.missed >= 2
               and everyone[p.key].state not in (PersonState.LET_GO, PersonState.OPTED_OUT)]
    if missing:
        return f"{', '.join(missing)} missed two dates or more: outreach review"
    return ""


# ---------------------------------------------------------------- as data


def review_data(review: TrialReview) -> dict[str, Any]:
    """``outreach review --format json``."""
    return {
        "today": review.today.isoformat(),
        "rotation": {
            "first": review.first.isoformat() if review.first else None,
            "last": review.last.isoformat() if review.last else None,
            "ended": review.ended,
            "peers": [{"name": p.person.full_name, "url": p.person.url, "planned": p.planned,
                       "held": p.held, "missed": p.missed, "declined": p.declined,
                       "gave": p.gave, "got": p.got, "replies": p.replies,
                       "verdict": p.verdict, "reason": p.reason} for p in review.peers],
            "replacements": [{"name": r.person.full_name, "url": r.person.url,
                              "score": r.score, "reason": r.reason}
                             for r in review.replacements],
        },
        "forum": {"invited": review.forum.invited, "accepted": review.forum.accepted,
                  "attended": review.forum.attended},
    }

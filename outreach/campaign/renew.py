"""The end of a rotation trial, and who goes on when it is renewed (issue 24).

A rotation is a trial of ``--rotation-months``: once its last date has passed, a rerun does
not plan it again by itself (``trial_end``, ``CampaignResult.trial_ended``); the user reviews
it (``outreach review``) and renews it (``campaign --renew``). Renewing keeps the peers who are
to continue (``verdicts``) in their places, fills the freed places from the best peers not in
the plan, and sends a kind closing note to those who leave (``closings``): never "I have to
cancel" to someone who was met, let go or whose trial simply ended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outreach.ledger import Ledger, PlannedMessage
    from outreach.plan import MessageDecision

CONTINUE, LET_GO = "continue", "let go"
CLOSING_TEMPLATE = "closing.email.j2"  # a leaver's thank-you, in place of "Cancelled:"
MIN_MET = 2  # met at least this often during the trial to go on without asking


@dataclass(frozen=True)
class Verdict:
    """Whether a rotation peer goes on after the trial (``continue``) or not, and why."""

    key: str
    verdict: str
    reason: str

    @property
    def stays(self) -> bool:
        return self.verdict == CONTINUE


@dataclass(frozen=True)
class Closing:
    """Why a leaver gets a closing note rather than a cancellation: ``ended`` (their trial
    ended and the renewed plan goes on without them), ``letgo`` (``outreach log letgo``) or
    ``left`` (met, and no longer matches the peer search: a new role); ``met`` how often."""

    reason: str
    met: int = 0


def is_closing(decision: MessageDecision) -> bool:
    """Whether this decision is a closing note (a cancellation written as a thank-you)."""
    return decision.template == CLOSING_TEMPLATE


def latest_series(prior: Iterable[PlannedMessage], series: str) -> dict[str, PlannedMessage]:
    """Person key → their latest planned message in ``series`` that is still current and not
    a cancellation (who holds the series now, with its facts)."""
    latest: dict[str, PlannedMessage] = {}
    for row in prior:
        if row.series == series and row.state == "current":
            latest[row.person_key] = row
    return {k: r for k, r in latest.items() if r.kind != "cancellation"}


def _until(row: PlannedMessage) -> date | None:
    text = row.facts.get("until")
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text)).date()
    except ValueError:
        return None


def trial_end(prior: Iterable[PlannedMessage]) -> date | None:
    """The last date of the rotation as planned (its latest series' ``until``), or None."""
    ends = [d for d in map(_until, latest_series(prior, "rotation").values()) if d]
    return max(ends, default=None)


def ended(row: PlannedMessage, today: date) -> bool:
    """Whether the series this row planned had its last date before ``today``."""
    until = _until(row)
    return until is not None and until < today


def met_counts(ledger: Ledger) -> Counter[str]:
    """Person key → how many meetings ``outreach log met`` recorded with them."""
    return Counter(e.person_key for e in ledger.person_events() if e.kind == "met")


def verdicts(keys: Iterable[str], met: Mapping[str, int], let_go: set[str],
             declined: Mapping[str, str], opted_out: set[str]) -> dict[str, Verdict]:
    """Who of the rotation's ``keys`` continues: met at least ``MIN_MET`` times, and not let
    go, declined or opted out. (The one place this is decided: ``outreach review``'s verdicts
    take its place once they exist.)"""
    out = {}
    for key in keys:
        times = met.get(key, 0)
        if key in opted_out:
            out[key] = Verdict(key, LET_GO, "asked not to be contacted")
        elif key in let_go:
            out[key] = Verdict(key, LET_GO, "let go (outreach log letgo)")
        elif key in declined:
            out[key] = Verdict(key, LET_GO, f"declined the {declined[key]}")
        elif times >= MIN_MET:
            out[key] = Verdict(key, CONTINUE, f"met {times} times")
        else:
            out[key] = Verdict(key, LET_GO, f"met {'once' if times == 1 else 'never'}")
    return out


def closings(leavers: Iterable[str], met: Mapping[str, int], let_go: set[str],
             renewed: set[str], found: set[str]) -> dict[str, Closing]:
    """Of the people leaving a series, those who get a closing note instead of a
    cancellation: let go, left after a renewed trial, or met at least once (``left`` when
    they are no longer among the peers ``found``: a new role)."""
    out = {}
    for key in leavers:
        times = met.get(key, 0)
        if key in let_go:
            out[key] = Closing("letgo", times)
        elif key in renewed:
            out[key] = Closing("ended", times)
        elif times:
            out[key] = Closing("close" if key in found else "left", times)
    return out

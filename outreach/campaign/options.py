"""What ``outreach campaign`` can be told (``CampaignOptions``) and what it did
(``CampaignResult``): plain data between the CLI and the campaign's steps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.campaign.declines import Declines
from outreach.campaign.renew import Closing, Verdict, is_closing
from outreach.config import local_zone
from outreach.model import Person, Sender
from outreach.peers import PeerQuery, Selection
from outreach.plan import (
    MessageDecision,
)
from outreach.times import UsualSlot

if TYPE_CHECKING:
    from outreach.daysoff import DaysOff
    from outreach.report import MessageRow


@dataclass(frozen=True)
class CampaignOptions:
    """Everything ``outreach campaign`` can be told; defaults are the seeds' rhythm."""

    out: Path = Path("out")
    query: PeerQuery = field(default_factory=PeerQuery)
    pick: tuple[str, ...] = ()  # only these peers, in this order (names as ``rotation --pick``)
    skip: tuple[str, ...] = ()  # leave these peers out (a name, profile URL or address each)
    sender: Sender | None = None
    start: datetime | None = None  # aware; None → ``times.first_slot(now, tz, slot)``: the
    #                                first usual slot (Tuesday 08:00) at least a week ahead
    slot: UsualSlot = field(default_factory=UsualSlot)  # [meeting] weekday, time, lead
    now: datetime | None = None  # aware; None → ``times.now()``: a start before it is refused
    tz: str = field(default_factory=local_zone)  # outreach.toml's, else the computer's
    duration: timedelta = timedelta(minutes=45)
    location: str = ""
    link: str = ""
    remind: timedelta | None = timedelta(minutes=15)
    days_off: DaysOff | None = None  # holidays, skip_months and --skip dates: kept free
    rotation_size: int = 5
    rotation_every: timedelta = timedelta(weeks=1)
    rotation_months: int = 6
    forum_size: int = 15
    forum_every: str = "month"
    forum_months: int = 12
    forum_start: datetime | None = None  # aware; None → ``forum_start(start)``
    forum_duration: timedelta = timedelta(minutes=90)
    card_size: str = "a2"
    card_sheet: str = "letter"
    card_ink: str = "blue"
    card_font: str | None = None
    card_seed: int = 0
    card_every: timedelta = timedelta(days=90)  # one card per person per this period
    preview: bool = True
    ledger: Path | None = None
    today: date | None = None
    renew: bool = False  # after the trial's last date: plan the next one (``campaign.renew``)
    locale: str = "en"  # the language everything is written in (``i18n.resolve_locale``)
    templates: Path | None = None  # the user's templates folder (``templating.resolve``)
    booking_link: str = ""  # a scheduling page offered instead of the time: no calendar part


@dataclass(frozen=True)
class Output:
    """One file the campaign produced: where, what, and whether this run changed it."""

    path: Path
    what: str
    changed: bool


@dataclass
class CampaignResult:
    selection: Selection | None = None
    rotation_peers: list[Person] = field(default_factory=list)
    forum_peers: list[Person] = field(default_factory=list)
    meetings: int = 0
    emails: int = 0
    linkedin_notes: int = 0  # everyone in the plan told by LinkedIn note (linkedin.csv)
    forum_emails: int = 0  # forum e-mails written this run
    forum_notes: int = 0  # forum peers told by LinkedIn note
    cards: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # invitation, update, cancellation,
    outputs: list[Output] = field(default_factory=list)  # unchanged, withdrawn
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decisions: list[MessageDecision] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)  # for the report
    sender: Sender | None = None  # who the messages speak as
    declines: Declines = field(default_factory=Declines)  # who declined, who has their place
    untold: dict[str, str] = field(default_factory=dict)  # person key → why no message can
    #                                                       reach them (no address, no URL)
    noted: set[str] = field(default_factory=set)  # keys of people told by LinkedIn note
    trial_ended: date | None = None  # the rotation's last date, when it passed: nothing done
    verdicts: dict[str, Verdict] = field(default_factory=dict)  # --renew: who goes on, why
    closing: dict[str, Closing] = field(default_factory=dict)  # who gets a closing note

    def add(self, path: Path, what: str, changed: bool) -> None:
        self.outputs.append(Output(path, what, changed))

    @property
    def without_title(self) -> bool:
        """A peers list without the sender's title: the invitations cannot say "people who
        hold the same job" (the templates word them without it)."""
        return (self.selection is not None and self.selection.target is None
                and not (self.sender and self.sender.title))

    @property
    def planned(self) -> list[Person]:
        """Everyone the plan gives a meeting: the rotation's peers, then the forum's."""
        return self.rotation_peers + self.forum_peers

    def told_by_email(self, people: list[Person] | None = None) -> list[Person]:
        """Who is told by e-mail (an address we may write to), of ``people`` (the plan)."""
        return [p for p in (self.planned if people is None else people)
                if p.address and p.key not in self.untold]

    def told_by_note(self, people: list[Person] | None = None) -> list[Person]:
        """Who is told by LinkedIn note: no usable address, and a note was written."""
        return [p for p in (self.planned if people is None else people)
                if not p.address and p.key not in self.untold]

    def count(self, decision: MessageDecision) -> None:
        """Count one decision (e-mails are the decisions that wrote a message)."""
        self.kinds["closing note" if is_closing(decision) else decision.kind] += 1
        if decision.kind in ("invitation", "update", "cancellation"):
            self.emails += 1
            self.forum_emails += int(decision.series == "forum")

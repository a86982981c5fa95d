"""Find peers: connections with your function and level, at other companies.

``find_peers_in`` returns the connections (see ``outreach.ingest``; ``find_peers`` for a
DataFrame) filtered to peers, best first, with two more columns:

=========  =================================================================
``score``  0–1, the sum of the named parts below
``reason`` e.g. ``VP Marketing ~ Vice President, Global Marketing:
           function=marketing, level=vp; score 1.00 = match 0.50 + specialty 0.30
           + e-mail 0.10 + new company 0.05 + connected recently 0.05``
=========  =================================================================

The score is a sum of named parts; ``reason`` lists those that add something:

==================  =====  ======================================================
part                up to  when
==================  =====  ======================================================
match               0.50   same function and level as your title (0.35 when only
                           one of the two matches, i.e. ``--levels``/``--functions``
                           widened it)
specialty           0.30   how close the titles' meanings are
                           (``outreach.titles.specialty``): the same job in any
                           language 0.30, a neighbouring specialty (data science
                           against data engineering) 0.22, other words less
e-mail              0.10   the export has a usable e-mail address (they can be invited)
new company         0.05   their company is not one of your past employers and not
                           already in your plan (``planned``)
connected recently  0.05   falls linearly to 0 over three years, counted back from
                           the export's newest connection
==================  =====  ======================================================

A former role ("Ex-CFO", "Head of Sales (until 2022)") and a colleague are never peers
(``with_excluded`` keeps them, with why, in ``excluded``); a peer in another country than
yours gets a ``remote`` column (``outreach.titles.places``) and is met by video
(``meeting_place``).

``spread_across_companies`` orders peers so that the rotation's and the forum's places go
to different companies in turn; callers skip it when the user chose the peers (``--pick``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from outreach.bulk import paused_gc
from outreach.columns import Columns
from outreach.errors import OutreachError
from outreach.model import (
    Person,
    Sender,
    _text,
    fold,
    people_from_columns,
    valid_address,
)
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from outreach.ingest import Export
    from outreach.peerslist import PeersList
    from outreach.titles import TitleClass, Vocabulary

T = TypeVar("T")

# The parts of a peer's score (see the module docstring), each at most this much.
MATCH = 0.50
MATCH_WIDENED = 0.35
SPECIALTY = 0.30
EMAIL = 0.10
NEW_COMPANY = 0.05
CONNECTED = 0.05
RECENT_DAYS = 3 * 365  # "connected recently" falls from CONNECTED to 0 over these days

_LEGAL_SUFFIXES = {
    "inc", "incorporated", "llc", "l l c", "ltd", "limited", "corp", "corporation", "co",
    "company", "plc", "gmbh", "ag", "sa", "s a", "sas", "sarl", "srl", "spa", "bv", "nv", "oy",
    "ab", "as", "pty", "pte", "kk", "group", "holdings", "the", "lp", "llp", "se", "ltda",
}


@dataclass(frozen=True)
class PeerQuery:
    """Who counts as a peer. ``None`` fields fall back to the user's own profile."""

    title: str | None = None
    company: str | None = None
    levels: list[str] | None = None
    functions: list[str] | None = None
    include_own_company: bool = False
    vocabulary: Path | None = None
    planned: Mapping[str, str] = field(default_factory=dict)  # key → company, in the plan
    zone: str = ""  # the user's time zone, when nothing else says their country
    with_excluded: bool = False  # keep the rows left out (former roles, colleagues), with why


@dataclass
class Selection:
    """The people a command works on, and where they came from."""

    people: list[Person]
    sender: Sender
    source: Path
    table: Columns | pd.DataFrame | Callable[[], pd.DataFrame]  # the peers, or how to get them
    title: str = ""
    company: str = ""
    target: TitleClass | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        """The peers as a DataFrame (``outreach peers``' table); built here, the first time
        it is asked for, from the columns of an export's peers or a peers list read without
        pandas (``outreach.peerslist``)."""
        if isinstance(self.table, Columns):
            self.table = self.table.to_frame()
        elif callable(self.table):
            self.table = self.table()
        return self.table

    @property
    def columns(self) -> Columns:
        """The peers a column at a time (written as peers.csv): an export's without pandas."""
        if isinstance(self.table, Columns):
            return self.table
        return Columns.from_frame(self.frame)

    def heading(self) -> str:
        """``72 peers for 'VP Marketing' (function=marketing, level=vp), outside Acme``."""
        if self.target is None:
            return f"{plural(len(self.people), 'peer')} from {self.source.name}"
        outside = f", outside {self.company}" if self.company else ""
        return (f"{plural(len(self.people), 'peer')} for {self.title!r} (function="
                f"{self.target.function}, level={self.target.level}){outside}")


@functools.lru_cache(maxsize=65536)
def company_key(name: str) -> str:
    """``"Acme Inc."`` and ``"ACME"`` → ``"acme"``: compare companies by this."""
    words = re.sub(r"[^\w\s]", " ", fold(name).replace("&", " and ")).split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def find_peers(
    connections: pd.DataFrame,
    title: str,
    company: str = "",
    **options: Any,
) -> tuple[pd.DataFrame, TitleClass]:
    """``find_peers_in`` for a connections DataFrame (``ingest.read_export(...).connections``):
    the peers as a DataFrame, index 0..n-1."""
    peers, target = find_peers_in(Columns.from_frame(connections), title, company, **options)
    return peers.to_frame(), target


def find_peers_in(
    connections: Columns,
    title: str,
    company: str = "",
    *,
    levels: list[str] | None = None,
    functions: list[str] | None = None,
    include_own_company: bool = False,
    vocabulary: Vocabulary | None = None,
    planned: Collection[str] | Mapping[str, str] = (),
    past_employers: Collection[str] = (),
    home_country: str = "",
    with_excluded: bool = False,
) -> tuple[Columns, TitleClass]:
    """Connections whose function and level match ``title``'s (or the given lists), scored
    as the module docstring says, best first.

    ``planned``: companies already in the plan, or person key → company for the people in
    it (then a peer's own place does not count against them, so a rerun scores the same);
    ``past_employers``: the user's own former companies (Positions.csv). A peer at one of
    these gets no "new company" part. ``home_country``: the
    user's country (see ``outreach.titles.places``); a peer whose title, company or e-mail
    names another is marked in the ``remote`` column. A former role ("Ex-CFO", "Head of
    Sales (until 2022)") and a colleague are never peers: with ``with_excluded`` they are
    kept at the end, score 0, with the reason in the ``excluded`` column."""
    from outreach.titles import FUNCTIONS, LEVELS, classify, classify_many

    target = classify(title, vocabulary)
    wanted_levels = _validated(levels, LEVELS, "levels") or [target.level]
    wanted_functions = _validated(functions, FUNCTIONS, "functions") or [target.function]
    if "unknown" in wanted_levels + wanted_functions:
        raise OutreachError(
            f"cannot tell the {'level' if 'unknown' in wanted_levels else 'function'} of your "
            f"title {title!r}; pass a clearer title, or the levels and functions to accept",
            field="title")
    workplace = _workplace_peers(connections, company, wanted_levels, include_own_company)
    rows = _matching(connections, wanted_levels, wanted_functions)
    matched = connections.rows(sorted(workplace.union(rows)) if workplace else rows)
    why = _exclusions(matched, classify_many(list(matched["position"]), vocabulary),
                      company, include_own_company)
    peers = matched.where([not w for w in why])
    dates = [d for d in connections["connected_on"] if isinstance(d, date)]
    scorer = _Scorer(target, vocabulary, max(dates) if dates else None)
    new = _new_companies(peers, planned, past_employers)
    positions, functions_, levels_ = (peers[c] for c in ("position", "function", "level"))
    parts = [scorer.parts(position, f, lv, email, fresh, connected) for
             position, f, lv, email, fresh, connected in zip(
                 positions, functions_, levels_, peers["email"],
                 new, peers["connected_on"], strict=True)]
    peers.set("score", [round(sum(v for _, v in p), 3) for p in parts])
    peers.set("reason", [f"{title} ~ {position}: function={f}, level={lv}; "
                         f"{_explain(tuple(p))}" for position, f, lv, p in zip(
                             positions, functions_, levels_, parts, strict=True)])
    _mark_colleagues(peers, company, include_own_company)
    _mark_remote(peers, home_country)
    peers = peers.rows(_best_first(peers))
    if with_excluded:
        peers = _with_excluded(peers, matched, why, title)
    return peers, target


def _matching(connections: Columns, levels: list[str], functions: list[str]) -> list[int]:
    """The rows with one of ``levels`` and one of ``functions`` (the level picked out first,
    in one C pass over its column: few rows have it)."""
    at_level = itertools.compress(range(len(connections)),
                                  map(set(levels).__contains__, connections["level"]))
    function, wanted = connections["function"], set(functions)
    return [i for i in at_level if function[i] in wanted]


def _best_first(peers: Columns) -> list[int]:
    """The rows by score (highest first), then last and first name; ties as they were."""
    scores, last, first = peers["score"], peers["last_name"], peers["first_name"]
    return sorted(range(len(peers)), key=lambda i: (-scores[i], last[i], first[i]))


def _workplace_peers(connections: Columns, company: str, levels: list[str],
                     include_own_company: bool) -> set[int]:
    """With ``include_own_company``: the rows at the user's own company at their level, in
    any function (a VP Product beside a VP Marketing); else none."""
    own = company_key(company) if company and include_own_company else None
    if not own:
        return set()
    wanted = set(levels)
    return {i for i, (firm, level) in enumerate(zip(connections["company"],
                                                    connections["level"], strict=True))
            if level in wanted and company_key(_text(firm)) == own}


def _mark_colleagues(peers: Columns, company: str, include_own_company: bool) -> None:
    """A ``colleague`` column ("yes" for a peer at the user's own company), when any: they
    are written to as colleagues (``colleague.email.j2``), not as peers elsewhere."""
    if not (company and include_own_company) or not len(peers):
        return
    own = company_key(company)
    marks = ["yes" if company_key(str(firm or "")) == own else "" for firm in peers["company"]]
    if any(marks):
        peers.set("colleague", marks)
        peers.set("reason", [f"{reason}; a colleague at your level (workplace peer)" if mark
                             else reason for reason, mark in zip(peers["reason"], marks,
                                                                 strict=True)])


def _new_companies(peers: Columns, planned: Collection[str] | Mapping[str, str],
                   past_employers: Collection[str]) -> list[bool]:
    """Whether each peer's company is new: not a past employer of the user's, and not in the
    plan through someone else."""
    from collections import Counter

    from outreach.model import identity_key

    owners = dict(planned) if isinstance(planned, Mapping) else {}
    counts = Counter(company_key(c) for c in (owners.values() if owners else planned))
    past = {company_key(c) for c in past_employers}
    out = []
    for url, email, first, last, firm in zip(peers.get("url", ""), *(peers[c] for c in (
            "email", "first_name", "last_name", "company")), strict=True):
        key = company_key(firm or "")
        taken = counts[key]
        if owners and taken:
            own = owners.get(identity_key(url or "", email or "",
                                          f"{first} {last}".strip(), firm or ""))
            taken -= own is not None and company_key(own) == key
        out.append(bool(key) and key not in past and not taken)
    return out


def _exclusions(matched: Columns, classes: list[TitleClass], company: str,
                include_own_company: bool) -> list[str]:
    """Why each matched row is not a peer ("" when it is): a former role, or a colleague."""
    own = company_key(company) if company and not include_own_company else None
    out = []
    for cls, firm in zip(classes, matched["company"], strict=True):
        if cls.former:
            out.append(f"excluded: a former role ({_former_note(cls.rule)})")
        elif own is not None and company_key(firm) == own:
            out.append(f"excluded: works at your company ({company})")
        else:
            out.append("")
    return out


def _former_note(rule: str) -> str:
    """What in the rule says the role is past: "ended: 'until 2022'", "marked former/ex"."""
    for note in rule.split("; "):
        if note.startswith("a former role"):
            inside = note[note.find("(") + 1:note.find(")")] if "(" in note else ""
            return inside or "marked former"
    return "marked former"


def _with_excluded(peers: Columns, matched: Columns, why: list[str], title: str) -> Columns:
    """The peers, then the rows left out (score 0), each saying why in ``excluded``."""
    left_out = matched.where([bool(w) for w in why])
    reasons = [w for w in why if w]
    left_out.set("score", [0.0] * len(left_out))
    left_out.set("reason", [f"{title} ~ {position}: {w}" for position, w in zip(
        left_out["position"], reasons, strict=True)])
    left_out.set("excluded", reasons)
    if "remote" in peers:
        left_out.set("remote", [""] * len(left_out))
    peers.set("excluded", [""] * len(peers))
    return peers.concat(left_out)


def _mark_remote(peers: Columns, home_country: str) -> None:
    """A ``remote`` column, when any peer's title, company or e-mail names another country
    than ``home_country``: that peer is met by video, not at the café."""
    if not home_country or not len(peers):
        return
    from outreach.titles.places import elsewhere

    marks = [elsewhere(home_country, position, firm, email) for position, firm, email in zip(
        *(peers[c] for c in ("position", "company", "email")), strict=True)]
    if any(marks):
        peers.set("remote", marks)


class _Scorer:
    """The parts of one peer's score against the user's title."""

    def __init__(self, target: TitleClass, vocabulary: Vocabulary | None,
                 newest: date | None) -> None:
        from outreach.titles import default_vocabulary_for
        from outreach.titles.specialty import specialties_for

        self.target = target
        self.specialties = specialties_for(default_vocabulary_for(vocabulary))
        self.concepts = self.specialties.concepts(target.title)
        self.newest = newest
        self._specialty: dict[str, float | None] = {}  # position → its part (titles repeat)

    def parts(self, position: str, function: str, level: str, email: str, new_company: bool,
              connected: object) -> list[tuple[str, float]]:
        target = self.target
        same = function == target.function and level == target.level
        out = [("match", MATCH if same else MATCH_WIDENED)]
        specialty = (self._specialty[position] if position in self._specialty
                     else self._specialty_part(position))
        if specialty is not None:
            out.append(("specialty", specialty))
        if email and valid_address(email):  # a refused address cannot be invited
            out.append(("e-mail", EMAIL))
        if new_company:
            out.append(("new company", NEW_COMPANY))
        if isinstance(connected, date) and self.newest is not None:
            days = (self.newest - connected).days
            if days < RECENT_DAYS:
                out.append(("connected recently",
                            round(CONNECTED * max(0.0, 1 - days / RECENT_DAYS), 2)))
        return out


    def _specialty_part(self, position: str) -> float | None:
        """How close ``position``'s specialty is to the user's, as its part of the score
        (None: neither title names one); computed once per distinct title."""
        from outreach.titles.specialty import similarity

        theirs = self.specialties.concepts(position)
        part = (round(SPECIALTY * similarity(self.concepts, theirs, self.specialties), 2)
                if self.concepts or theirs else None)
        self._specialty[position] = part
        return part


@functools.lru_cache(maxsize=4096)  # peers share their few combinations of parts
def _explain(parts: tuple[tuple[str, float], ...]) -> str:
    """``score 0.95 = match 0.50 + specialty 0.30 + e-mail 0.10 + new company 0.05``"""
    total = round(sum(v for _, v in parts), 3)
    shown = " + ".join(f"{name} {value:.2f}" for name, value in parts if value)
    return f"score {total:.2f} = {shown}"


def meeting_place(person: Person, location: str, link: str) -> tuple[str, str]:
    """(location, link) to meet ``person`` at: a peer marked remote (another country, the
    ``remote`` column) is met by video when there is a ``link``, not at the café."""
    if link and person.extra.get("remote"):
        return "", link
    return location, link


def spread_across_companies(people: Sequence[T],
                            company: Callable[[T], str] = lambda p: getattr(p, "company", "")
                            ) -> list[T]:
    """``people`` (best first) reordered so that places go to different companies in turn:
    the best of each company first, then each company's second best, and so on; within a
    round, the original order. Two peers from one company sit side by side only when no
    other company is left. Skip it when the user picked the peers (``--pick``)."""
    rounds: list[list[T]] = []
    seen: dict[str, int] = {}
    for person in people:
        key = company_key(company(person) or "")
        index = seen.get(key, 0) if key else 0
        if key:
            seen[key] = index + 1
        while len(rounds) <= index:
            rounds.append([])
        rounds[index].append(person)
    out: list[T] = []
    for batch in rounds:
        if out and batch and len(batch) > 1 and company_key(company(batch[0]) or "") == \
                company_key(company(out[-1]) or ""):
            batch = [*batch[1:], batch[0]]
        out.extend(batch)
    return out


def _validated(values: list[str] | None, allowed: tuple[str, ...], field: str) -> list[str]:
    if not values:
        return []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise OutreachError(f"unknown value(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(allowed)}", field=field)
    return values


def load_people(path: Path | bytes, query: PeerQuery) -> Selection:
    """The peers a command works on: from an export (matched now) or a peers CSV (as listed);
    a path, or the bytes of a ZIP or CSV (standard input). A peers list is read without
    pandas (``outreach.peerslist``)."""
    from outreach.ingest import read_export
    from outreach.peerslist import LIST_COLUMNS, PeersList, read_peers_list
    from outreach.titles import Vocabulary

    vocabulary = Vocabulary.load(query.vocabulary) if query.vocabulary else None
    with paused_gc():  # rows, titles and people hold no cycles (outreach.bulk)
        listed = read_peers_list(path, vocabulary)
        if listed is not None:
            return _from_peers_csv(listed, query)
        export = read_export(path, vocabulary)
        if all(name in export.table for name in LIST_COLUMNS):
            return _from_peers_csv(PeersList.from_frame(export.source, export.profile,
                                                        export.connections), query)
        return select_peers(export, query, vocabulary)


def select_peers(export: Export, query: PeerQuery, vocabulary: Vocabulary | None) -> Selection:
    title = query.title or export.profile.title
    company = query.company if query.company is not None else export.profile.company
    if not title:
        raise OutreachError(
            f"{export.source}: no current position in this export (Positions.csv/Profile.csv); "
            "give your title", field="title")
    from outreach.titles.places import home_country

    profile = export.profile
    home = home_country(title, company, profile.location, email=profile.email, zone=query.zone)
    peers, target = find_peers_in(
        export.table, title, company, levels=query.levels, functions=query.functions,
        include_own_company=query.include_own_company, vocabulary=vocabulary,
        planned=query.planned, past_employers=profile.past_companies, home_country=home,
        with_excluded=query.with_excluded,
    )
    sender = export.profile.sender()
    chosen = (peers.where([w == "" for w in peers["excluded"]]) if "excluded" in peers
              else peers)
    return Selection(people_from_columns(chosen), sender, export.source, peers, title, company,
                     target, [export.stats.summary()])


def _from_peers_csv(listed: PeersList, query: PeerQuery) -> Selection:
    """The list as the user reviewed it. It carries no profile, so the title and company the
    messages speak with are ``--title``/``--company`` (or outreach.toml's) when given."""
    people, notes = listed.people()
    return Selection(people, listed.profile.sender(), listed.source, listed.frame,
                     title=query.title or "", company=query.company or "", notes=notes)


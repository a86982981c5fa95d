"""Find peers: connections with your function and level, at other companies.

``find_peers`` returns the connections DataFrame (see ``outreach.ingest``) filtered to peers,
best first, with two more columns:

=========  =================================================================
``score``  0–1, the sum of the named parts below
``reason`` e.g. ``VP Marketing ~ Vice President, Global Marketing:
           function=marketing, level=vp; score 0.95 = match 0.50 + specialty 0.30
           + e-mail 0.10 + new company 0.05``
=========  =================================================================

The score is a sum of named parts; ``reason`` lists those that add something:

============  =====  ============================================================
part          up to  when
============  =====  ============================================================
match         0.50   same function and level as your title (0.35 when only one of
                     the two matches, i.e. ``--levels``/``--functions`` widened it)
specialty     0.30   how close the title's words are to yours, compared after
                     normalising (abbreviations expanded, link words such as "of"
                     dropped): "VP Marketing" = "Vice President, Marketing" (0.30);
                     the share of the words either title has that both have, so a
                     title whose words are a subset of yours gets less
e-mail        0.10   the export has a usable e-mail address (they can be invited)
new company   0.05   their company is not already in your plan (``planned``)
connected     0.05   connected within the last year (0.02 within three), counted
                     back from the export's newest connection
============  =====  ============================================================

``spread_across_companies`` orders peers so that the rotation's and the forum's places go
to different companies in turn; callers skip it when the user chose the peers (``--pick``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from outreach.bulk import paused_gc
from outreach.errors import OutreachError
from outreach.model import Person, Sender, fold, people_from_frame, valid_address
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from outreach.ingest import Export
    from outreach.titles import TitleClass, Vocabulary

T = TypeVar("T")

# The parts of a peer's score (see the module docstring), each at most this much.
MATCH = 0.50
MATCH_WIDENED = 0.35
SPECIALTY = 0.30
EMAIL = 0.10
NEW_COMPANY = 0.05
CONNECTED = 0.05
CONNECTED_WHILE_AGO = 0.02
RECENT_DAYS = 365
WHILE_AGO_DAYS = 3 * 365

_ASIDE = re.compile(r"[(\[{][^)\]}]*[)\]}]?")
_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*")

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


@dataclass
class Selection:
    """The people a command works on, and where they came from."""

    people: list[Person]
    sender: Sender
    source: Path
    frame: pd.DataFrame
    title: str = ""
    company: str = ""
    target: TitleClass | None = None
    notes: list[str] = field(default_factory=list)

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
    *,
    levels: list[str] | None = None,
    functions: list[str] | None = None,
    include_own_company: bool = False,
    vocabulary: Vocabulary | None = None,
    planned: Collection[str] = (),
) -> tuple[pd.DataFrame, TitleClass]:
    """Connections whose function and level match ``title``'s (or the given lists), scored
    as the module docstring says. ``planned``: companies already in the plan."""
    from outreach.titles import FUNCTIONS, LEVELS, classify

    target = classify(title, vocabulary)
    wanted_levels = _validated(levels, LEVELS, "--levels") or [target.level]
    wanted_functions = _validated(functions, FUNCTIONS, "--functions") or [target.function]
    if "unknown" in wanted_levels + wanted_functions:
        raise OutreachError(
            f"cannot tell the {'level' if 'unknown' in wanted_levels else 'function'} of your "
            f"title {title!r}; pass --levels/--functions or a clearer --title"
        )
    mask = connections["level"].isin(wanted_levels) & connections["function"].isin(
        wanted_functions)
    if company and not include_own_company:
        own = company_key(company)
        mask &= connections["company"].map(company_key) != own
    peers = connections[mask].copy()
    dates = [d for d in connections["connected_on"] if isinstance(d, date)]
    scorer = _Scorer(target, vocabulary, {company_key(c) for c in planned},
                     max(dates) if dates else None)
    parts = [scorer.parts(position, f, lv, email, firm, connected) for
             position, f, lv, email, firm, connected in zip(
                 peers["position"], peers["function"], peers["level"], peers["email"],
                 peers["company"], peers["connected_on"], strict=True)]
    peers["score"] = [round(sum(v for _, v in p), 3) for p in parts]
    peers["reason"] = [f"{title} ~ {position}: function={f}, level={lv}; {_explain(p)}"
                       for position, f, lv, p in zip(peers["position"], peers["function"],
                                                     peers["level"], parts, strict=True)]
    peers = peers.sort_values(["score", "last_name", "first_name"], ascending=[False, True, True],
                              kind="stable")
    return peers.reset_index(drop=True), target


class _Scorer:
    """The parts of one peer's score against the user's title."""

    def __init__(self, target: TitleClass, vocabulary: Vocabulary | None,
                 planned: set[str], newest: date | None) -> None:
        from outreach.titles import default_vocabulary_for

        self.target = target
        self.vocabulary = default_vocabulary_for(vocabulary)
        self.words = self._words(target.title)
        self.planned = planned
        self.newest = newest

    def _words(self, title: str) -> frozenset[str]:
        """The title's specialty words: normalised (abbreviations expanded, typos fixed),
        without link words ("of", "the", "and"), asides in brackets, the company after
        "at"/"@" and parts marked former ("| Ex-Oracle")."""
        vocab = self.vocabulary
        found = _ASIDE.sub(" ", vocab.classify(title).normalized)
        kept: list[str] = []
        for segment in found.split("|"):  # "| Ex-Oracle", "at Acme": not the role's words
            words = _WORD.findall(segment.split("@", 1)[0])
            if words and words[0] in vocab.former_words:
                continue
            for word in words:
                if word in vocab.company_words:
                    break
                if word not in vocab.link_words:
                    kept.append(word)
        return frozenset(kept)

    def parts(self, position: str, function: str, level: str, email: str, firm: str,
              connected: object) -> list[tuple[str, float]]:
        target = self.target
        same = function == target.function and level == target.level
        out = [("match", MATCH if same else MATCH_WIDENED)]
        theirs = self._words(position)
        both = self.words | theirs
        if both:
            out.append(("specialty", round(SPECIALTY * len(self.words & theirs) / len(both), 2)))
        if email and valid_address(email):  # a refused address cannot be invited
            out.append(("e-mail", EMAIL))
        if firm and company_key(firm) not in self.planned:
            out.append(("new company", NEW_COMPANY))
        if isinstance(connected, date) and self.newest is not None:
            days = (self.newest - connected).days
            if days <= RECENT_DAYS:
                out.append(("connected this year", CONNECTED))
            elif days <= WHILE_AGO_DAYS:
                out.append(("connected within 3 years", CONNECTED_WHILE_AGO))
        return out


def _explain(parts: list[tuple[str, float]]) -> str:
    """``score 0.95 = match 0.50 + specialty 0.30 + e-mail 0.10 + new company 0.05``"""
    total = round(sum(v for _, v in parts), 3)
    shown = " + ".join(f"{name} {value:.2f}" for name, value in parts if value)
    return f"score {total:.2f} = {shown}"


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


def _validated(values: list[str] | None, allowed: tuple[str, ...], option: str) -> list[str]:
    if not values:
        return []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise OutreachError(f"{option}: unknown value(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(allowed)}")
    return values


def load_people(path: Path, query: PeerQuery) -> Selection:
    """The peers a command works on: from an export (matched now) or a peers CSV (as listed)."""
    from outreach.ingest import read_export
    from outreach.titles import Vocabulary

    vocabulary = Vocabulary.load(query.vocabulary) if query.vocabulary else None
    with paused_gc():  # rows, titles and people hold no cycles (outreach.bulk)
        export = read_export(path, vocabulary)
        if "score" in export.connections.columns and "reason" in export.connections.columns:
            return _from_peers_csv(export, query)
        return select_peers(export, query, vocabulary)


def select_peers(export: Export, query: PeerQuery, vocabulary: Vocabulary | None) -> Selection:
    title = query.title or export.profile.title
    company = query.company if query.company is not None else export.profile.company
    if not title:
        raise OutreachError(
            f"{export.source}: no current position in this export (Positions.csv/Profile.csv); "
            "pass --title \"Your Title\""
        )
    frame, target = find_peers(
        export.connections, title, company, levels=query.levels, functions=query.functions,
        include_own_company=query.include_own_company, vocabulary=vocabulary,
    )
    sender = export.profile.sender()
    return Selection(people_from_frame(frame), sender, export.source, frame, title, company,
                     target, [export.stats.summary()])


def _from_peers_csv(export: Export, query: PeerQuery) -> Selection:
    """The list as the user reviewed it. It carries no profile, so the title and company the
    messages speak with are ``--title``/``--company`` (or outreach.toml's) when given."""
    frame = export.connections
    for column in ("score",):
        frame[column] = frame[column].map(_as_float)
    frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return Selection(people_from_frame(frame), export.profile.sender(), export.source, frame,
                     title=query.title or "", company=query.company or "",
                     notes=[f"{plural(len(frame), 'peer')} from a peers list"])


def _as_float(value: object) -> float:
    """``0.9``, or ``0,9`` after a spreadsheet in a European locale re-saved the list."""
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return 0.0

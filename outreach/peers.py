"""Find peers: connections with your function and level, at other companies.

``find_peers`` returns the connections DataFrame (see ``outreach.ingest``) filtered to peers,
best first, with two more columns:

=========  =================================================================
``score``  0–1: 0.6 for matching function and level, up to +0.3 for how close
           the title's wording is to yours, +0.1 if they share an e-mail address
``reason`` e.g. ``VP Marketing ~ Vice President, Global Marketing:
           function=marketing, level=vp``
=========  =================================================================
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.errors import OutreachError
from outreach.model import Person, Sender, fold, people_from_frame
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from outreach.ingest import Export
    from outreach.titles import TitleClass, Vocabulary

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
) -> tuple[pd.DataFrame, TitleClass]:
    """Connections whose function and level match ``title``'s (or the given lists)."""
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
    peers["score"] = [_score(title, position, email) for position, email in
                      zip(peers["position"], peers["email"], strict=True)]
    peers["reason"] = [f"{title} ~ {position}: function={f}, level={lv}" for position, f, lv in
                       zip(peers["position"], peers["function"], peers["level"], strict=True)]
    peers = peers.sort_values(["score", "last_name", "first_name"], ascending=[False, True, True],
                              kind="stable")
    return peers.reset_index(drop=True), target


def _validated(values: list[str] | None, allowed: tuple[str, ...], option: str) -> list[str]:
    if not values:
        return []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise OutreachError(f"{option}: unknown value(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(allowed)}")
    return values


def _score(title: str, position: str, email: str) -> float:
    from rapidfuzz import fuzz

    closeness = fuzz.token_set_ratio(fold(title), fold(position)) / 100
    return round(0.6 + 0.3 * closeness + (0.1 if email else 0.0), 3)


def load_people(path: Path, query: PeerQuery) -> Selection:
    """The peers a command works on: from an export (matched now) or a peers CSV (as listed)."""
    from outreach.ingest import read_export
    from outreach.titles import Vocabulary

    vocabulary = Vocabulary.load(query.vocabulary) if query.vocabulary else None
    export = read_export(path, vocabulary)
    if "score" in export.connections.columns and "reason" in export.connections.columns:
        return _from_peers_csv(export)
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


def _from_peers_csv(export: Export) -> Selection:
    frame = export.connections
    for column in ("score",):
        frame[column] = frame[column].map(_as_float)
    frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return Selection(people_from_frame(frame), export.profile.sender(), export.source, frame,
                     notes=[f"{plural(len(frame), 'peer')} from a peers list"])


def _as_float(value: object) -> float:
    """``0.9``, or ``0,9`` after a spreadsheet in a European locale re-saved the list."""
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return 0.0

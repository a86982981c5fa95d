"""Stage 3: match vocabulary phrases over the tokens, longest first.

"vice president" beats "president"; "Chief ... Officer" becomes one C-level hit whose function
is named between the two words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from outreach.titles.model import Term
from outreach.titles.rules import GRAMMAR
from outreach.titles.tokens import Tok

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

_TIERS = GRAMMAR.tiers


@dataclass(slots=True)
class Hit:
    """A vocabulary phrase found in the title, with what it means."""

    start: int  # token index range [start, end)
    end: int
    term: Term
    text: str  # normalised phrase
    source: str  # as written

    @property
    def level(self) -> str | None:
        return self.term.level


def _source(toks: list[Tok]) -> str:
    out: list[str] = []
    for tok in toks:
        if not out or out[-1] != tok.raw:
            out.append(tok.raw)
    return " ".join(out)


def match_phrases(toks: list[Tok], vocab: Vocabulary) -> list[Hit | Tok]:
    """Greedy longest-phrase matching; returns hits interleaved with unmatched tokens."""
    items: list[Hit | Tok] = []
    pairs = vocab.phrase_pairs
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        if tok.kind != "word":
            items.append(tok)
            i += 1
            continue
        if tok.term is not None:
            items.append(Hit(i, i + 1, tok.term, tok.text, tok.raw))
            i += 1
            continue
        longest = tok.longest
        if longest <= 1:
            single = tok.single
            items.append(tok if single is None else Hit(i, i + 1, single, tok.text, tok.raw))
            i += 1
            continue
        after = toks[i + 1] if i + 1 < n else None
        if after is None or (tok.text, after.text) not in pairs:  # no phrase goes on
            single = tok.single
            items.append(tok if single is None else Hit(i, i + 1, single, tok.text, tok.raw))
            i += 1
            continue
        span = 1
        while i + span < n and span < longest and toks[i + span].kind == "word" \
                and toks[i + span].term is None:
            span += 1
        for length in range(span, 0, -1):
            key = tuple(t.text for t in toks[i:i + length])
            term = vocab.phrases.get(key)
            if term is not None:
                items.append(Hit(i, i + length, term, " ".join(key),
                                  _source(toks[i:i + length])))
                i += length
                break
        else:
            items.append(tok)
            i += 1
    return _chief_officer(items, vocab.officers)


def _chief_officer(items: list[Hit | Tok], officers: set[str]) -> list[Hit | Tok]:
    """Fold "Chief <function words> Officer" into one C-level hit."""
    out: list[Hit | Tok] = []
    i = 0
    while i < len(items):
        item = items[i]
        end = _find_officer(items, i, officers) \
            if isinstance(item, Hit) and item.term.chief else None
        if end is None:
            out.append(item)
            i += 1
        else:
            out.append(_officer_hit(items[i:end + 1]))
            i = end + 1
    return out


def _officer_hit(span: list[Hit | Tok]) -> Hit:
    """One C-level hit for "Chief ... Officer": the strongest function word between names the
    function; with none it is general management."""
    first, last = span[0], span[-1]
    assert isinstance(first, Hit) and isinstance(last, Hit)
    inner = [h for h in span[1:] if isinstance(h, Hit) and h.term.function and not h.term.officer]
    function, tier = GRAMMAR.general_function, _TIERS.chief_default
    if inner:
        best = max(inner, key=lambda h: h.term.tier)
        function = best.term.function or function
        tier = max(best.term.tier, _TIERS.chief_named)
    sector = next((h.term.sector for h in span if isinstance(h, Hit) and h.term.sector), "")
    term = Term(level=GRAMMAR.chief_level, function=function, tier=tier, sector=sector)
    text = " ".join(x.text for x in span)
    source = " ".join(x.source if isinstance(x, Hit) else x.raw for x in span)
    return Hit(first.start, last.end, term, text, source)


def _find_officer(items: list[Hit | Tok], start: int, officers: set[str]) -> int | None:
    """Where the "Officer" of the "Chief" at ``start`` is, if it is close and nothing that
    ends the title (a separator, another level word) comes first."""
    for j in range(start + 1, min(start + 1 + GRAMMAR.officer_within, len(items))):
        item = items[j]
        if isinstance(item, Hit) and (item.term.officer or item.text.split()[-1] in officers):
            return j
        if isinstance(item, Tok) and item.kind in ("sep", "open", "close", "at"):
            return None
        if isinstance(item, Hit) and (item.level and not item.term.chief):
            return None
    return None


# ---------------------------------------------------------------- sectors


def sector_of(items: list[Hit | Tok]) -> tuple[str, str] | None:
    """(sector, the word that says so) of the first sector context word in the title, the
    company included ("VP, Software Engineering, Citi": banking)."""
    for item in items:
        if isinstance(item, Hit) and item.term.sector:
            return item.term.sector, item.source
    return None


def in_sector(items: list[Hit | Tok], sector: tuple[str, str], vocab: Vocabulary,
               notes: list[str]) -> list[Hit | Tok]:
    """Phrases that mean another level in this sector: a bank's "Vice President" is senior,
    its "Managing Director" a vp; their own function gives way to the sector's. Each re-read
    is noted for the rule."""
    name, source = sector
    table = vocab.sector_levels.get(name)
    if not table:
        return items
    out: list[Hit | Tok] = []
    for item in items:
        if isinstance(item, Hit):
            found = table.get(tuple(item.text.split()))
            if found is not None:
                level, function = found
                notes.append(f"'{item.source}' is {level} in {name.replace('_', ' ')} "
                             f"(from '{source}')")
                role = level == GRAMMAR.role_level or item.term.role
                item = Hit(item.start, item.end, replace(
                    item.term, level=None if level == GRAMMAR.role_level else level, role=role,
                    function=function, tier=GRAMMAR.tiers.terms if function else 0,
                    owner_contextual=False, entry_dominant=level == GRAMMAR.trainee_level
                    and item.term.entry_dominant), item.text, item.source)
        out.append(item)
    return out

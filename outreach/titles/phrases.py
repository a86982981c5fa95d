"""Stage 3: match vocabulary phrases over the tokens, longest first.

"vice president" beats "president"; "Chief ... Officer" becomes one C-level hit whose function
is named between the two words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.titles.model import Term
from outreach.titles.tokens import Tok

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary


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
        if isinstance(item, Hit) and item.term.chief:
            end = _find_officer(items, i, officers)
            if end is not None:
                inner = [h for h in items[i + 1:end + 1]
                         if isinstance(h, Hit) and h.term.function and not h.term.officer]
                function, tier = "general_management", 1
                if inner:
                    best = max(inner, key=lambda h: h.term.tier)
                    function, tier = best.term.function or function, max(best.term.tier, 2)
                last = items[end]
                assert isinstance(last, Hit)
                words = " ".join(x.text for x in items[i:end + 1])
                out.append(Hit(item.start, last.end, Term(level="cxo", function=function,
                                                               tier=tier),
                                words, " ".join(x.source if isinstance(x, Hit) else x.raw
                                                for x in items[i:end + 1])))
                i = end + 1
                continue
        out.append(item)
        i += 1
    return out


def _find_officer(items: list[Hit | Tok], start: int, officers: set[str]) -> int | None:
    for j in range(start + 1, min(start + 8, len(items))):
        item = items[j]
        if isinstance(item, Hit) and (item.term.officer or item.text.split()[-1] in officers):
            return j
        if isinstance(item, Tok) and item.kind in ("sep", "open", "close", "at"):
            return None
        if isinstance(item, Hit) and (item.level and not item.term.chief):
            return None
    return None


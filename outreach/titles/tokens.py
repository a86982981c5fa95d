"""Stages 1 and 2: clean a title and cut it into word tokens the vocabulary understands.

Cleaning normalises Unicode, turns decorations into separators and splits hyphens; each word
is then expanded (abbreviations, CxO acronyms), read as a German compound or corrected (plural,
typo). Tokens are memoised per vocabulary and shared between titles, so they are never mutated
once made.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.titles.model import Term

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

_SEPARATOR_CHARS = "|•·▪◦►▶●◆◇■□★☆✦✧✪✯❖➤➔→⇒»«~/\\;｜"
_SEP_TRANSLATION = str.maketrans({c: " | " for c in _SEPARATOR_CHARS})
NOTED = frozenset({"typo", "compound"})
_NOISE = Term(noise=True)
_PUNCT_TOKENS = {
    "|": ("sep", "|"), ",": ("sep", ","), ":": ("sep", ":"), "(": ("open", "("),
    "[": ("open", "("), "{": ("open", "("), ")": ("close", ")"), "]": ("close", ")"),
    "}": ("close", ")"), "@": ("at", "@"),
}
_DASH_SEPARATOR = re.compile(r"\s[-‐‑‒–—―]+\s|[–—―]|^\s*-+|-+\s*$")
_TOKEN = re.compile(r"[^\W_]+(?:[&'’.][^\W_]+)*|[&+@|,:()\[\]{}]")
_APOSTROPHE = re.compile(r"['’]")
_DOTTED = re.compile(r"^(?:[^\W_]\.)+[^\W_]$")  # V.P., S.V.P., H.R.


def fold(text: str) -> str:
    """Lower case without accents: "Geschäftsführer" -> "geschaftsfuhrer"."""
    if text.isascii():
        return text.lower()
    text = text.casefold().replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(phrase: str) -> tuple[str, ...]:
    """A vocabulary phrase as the word tuple it matches."""
    return tuple(fold(phrase).replace("-", " ").split())


@dataclass(slots=True)
class Tok:
    """One token; shared between titles (never mutated once made)."""

    kind: str  # "word", "sep" (| , :), "conj", "open", "close", "at"
    text: str  # folded (and expanded) word
    raw: str  # what the user wrote, for explanations
    term: Term | None = None
    note: str = ""
    longest: int = 0  # longest vocabulary phrase starting with this word
    single: Term | None = None  # what the word means on its own


def _clean(title: str) -> str:
    text = title if title.isascii() else unicodedata.normalize("NFKC", title)
    text = text.translate(_SEP_TRANSLATION)
    if "-" in text or not text.isascii():
        text = _DASH_SEPARATOR.sub(" , ", text).replace("-", " ")
    return text.replace("_", " ")


def _raw_words(text: str) -> list[str]:
    out: list[str] = []
    for match in _TOKEN.findall(text):
        if "." in match:
            if _DOTTED.match(match):
                out.append(match.replace(".", ""))
            else:
                out.extend(p for p in match.split(".") if p)
        elif "'" in match or "’" in match:
            out.extend(p for p in _APOSTROPHE.split(match) if p)
        else:
            out.append(match)
    return out


def tokenize(title: str, vocab: Vocabulary) -> list[Tok]:
    """The title's tokens: words (expanded and corrected) and punctuation."""
    lower_title = not any(c.isupper() for c in title)
    toks: list[Tok] = []
    cache = vocab.word_cache
    for raw in _raw_words(_clean(title)):
        punct = _PUNCT_TOKENS.get(raw)
        if punct is not None:
            toks.append(Tok(punct[0], punct[1], raw))
            continue
        key = (raw, lower_title)
        made = cache.get(key)
        if made is None:
            if raw in ("&", "+"):  # a word, so "Learning & Development" still matches
                made = cache[key] = [Tok("word", "and", raw)]
            else:
                made = cache[key] = _word_tokens(raw, vocab, lower_title)
            for tok in made:
                tok.longest = vocab.phrase_len.get(tok.text, 0)
                single = vocab.single.get(tok.text)
                tok.single = None if single is not None and _ignorable(single, tok.text, vocab) \
                    else single
        toks.extend(made)
    return toks


def _ignorable(term: Term, word: str, vocab: Vocabulary) -> bool:
    """A pure decoration ("global", "the"): no need to carry it through the later stages."""
    return term == _NOISE and word not in vocab.reports_to


def _word_tokens(raw: str, vocab: Vocabulary, lower_title: bool) -> list[Tok]:
    cased = vocab.abbreviations_cased.get(raw.upper())
    if cased and (raw.isupper() or lower_title) and len(raw) > 1:
        return [Tok("word", w, raw) for w in cased]
    word = fold(raw)
    if word in vocab.acronyms:
        expansion, term = vocab.acronyms[word]
        return [Tok("word", " ".join(expansion), raw, term)]
    if word in vocab.abbreviations:
        return [Tok("word", w, raw) for w in vocab.abbreviations[word]]
    if word in vocab.known or not word.isalpha():
        return [Tok("word", word, raw)]
    compound = vocab.compound(word)
    if compound is not None:
        return [Tok("word", word, raw, compound, note="compound")]
    corrected = vocab.correct(word)
    if corrected is None:
        return [Tok("word", word, raw)]
    kind, known = corrected
    if known in vocab.acronyms:
        expansion, term = vocab.acronyms[known]
        return [Tok("word", " ".join(expansion), raw, term, note=kind)]
    if known in vocab.abbreviations:
        return [Tok("word", w, raw, note=kind) for w in vocab.abbreviations[known]]
    return [Tok("word", known, raw, note=kind if kind == "typo" else "")]


def normalized(toks: list[Tok]) -> str:
    """The title as matched: folded, abbreviations expanded, typos fixed, decorations gone."""
    out: list[str] = []
    opening = ""
    for tok in toks:
        kind = tok.kind
        if kind == "sep" and tok.text != "|":
            if out and out[-1] != "|" and out[-1][-1] not in ",:":
                out[-1] += tok.text
        elif kind == "sep":
            if out and out[-1] != "|":
                out[-1] = out[-1].rstrip(",:")
                out.append("|")
        elif kind == "open":
            opening += "("
        elif kind == "close":
            if out and out[-1] != "|":
                out[-1] += ")"
        else:
            out.append(opening + ("&" if kind == "conj" else tok.text))
            opening = ""
    while out and out[-1] == "|":
        out.pop()
    if out:
        out[-1] = out[-1].rstrip(",:")
    return " ".join(out)

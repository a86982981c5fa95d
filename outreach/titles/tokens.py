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
from typing import TYPE_CHECKING, Literal

from outreach.titles.model import Term
from outreach.titles.rules import GRAMMAR

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

Kind = Literal["word", "sep", "open", "close", "at"]
"""A token's kind: a word, or a separator (hard or soft), bracket or company "@"."""

Fix = Literal["", "typo", "compound", "inflection"]
"""How an unknown word was read, when the rule should say so (plurals go without saying)."""

_CHARS = GRAMMAR.characters
_HARD = _CHARS.hard_separator
_SEP_TRANSLATION = str.maketrans({c: f" {_HARD} " for c in _CHARS.separators})
_NOISE = Term(noise=True)


def _punctuation_tokens() -> dict[str, tuple[Kind, str]]:
    """Punctuation mark -> (token kind, its text). Each separator keeps its own text; all
    brackets of a kind read as the first of them, which is what the normalised title shows."""
    groups: list[tuple[str, Kind]] = [
        (_HARD + _CHARS.soft_separators, "sep"), (_CHARS.open_brackets, "open"),
        (_CHARS.close_brackets, "close"), (_CHARS.at, "at"),
    ]
    return {mark: (kind, mark if kind == "sep" else marks[0])
            for marks, kind in groups for mark in marks}


def _char_class(chars: str) -> str:
    """A regex character class matching exactly ``chars``."""
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_PUNCT_TOKENS = _punctuation_tokens()
_SOFT = _CHARS.soft_separators
# A spaced dash, a long dash anywhere, or a hyphen at either end separates.
_DASH_SEPARATOR = re.compile(
    rf"\s{_char_class(_CHARS.dashes)}+\s|{_char_class(_CHARS.long_dashes)}|^\s*-+|-+\s*$")
_DASH_TEXT = f" {_CHARS.dash_reads_as} "
# A word (with "R&D", "V.P." and apostrophes still inside), or one punctuation mark.
_JOINERS = _char_class(_CHARS.in_word + _CHARS.apostrophes + ".")
_MARKS = _char_class("".join(GRAMMAR.symbol_words) + "".join(_PUNCT_TOKENS))
_TOKEN = re.compile(rf"[^\W_]+(?:{_JOINERS}[^\W_]+)*|{_MARKS}")
_APOSTROPHE = re.compile(_char_class(_CHARS.apostrophes))
_DOTTED = re.compile(r"^(?:[^\W_]\.)+[^\W_]$")  # V.P., S.V.P., H.R.
_SYMBOL_WORDS = GRAMMAR.symbol_words
_FOLD = GRAMMAR.fold


_CJK_RANGES = ((0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F), (0x3400, 0x4DBF),
               (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
_CJK_FIRST = 0x1100  # accents are stripped only from letters before this


_SCRIPT_RUNS = re.compile("(?:" + "|".join(
    f"[{chr(lo)}-{chr(hi)}]" for lo, hi in _CJK_RANGES) + ")+|[^" + "".join(
    f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]+")


def is_cjk(char: str) -> bool:
    """A Chinese, Japanese or Korean character (Han, kana, hangul)."""
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


_ANY_CJK = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]")


def has_cjk(text: str) -> bool:
    return not text.isascii() and _ANY_CJK.search(text) is not None


def fold(text: str) -> str:
    """Lower case without accents: "Geschäftsführer" -> "geschaftsfuhrer". Kana keep their
    voicing marks and hangul its syllables ("データ", "팀장" fold to themselves)."""
    if text.isascii():
        return text.lower()
    text = text.casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    if not has_cjk(decomposed):
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and ord(kept[-1]) < _CJK_FIRST:
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def words(phrase: str) -> tuple[str, ...]:
    """A vocabulary phrase as the word tuple it matches."""
    return tuple(fold(phrase).replace("-", " ").split())


@dataclass(slots=True)
class Tok:
    """One token; shared between titles (never mutated once made)."""

    kind: Kind
    text: str  # folded (and expanded) word; a separator itself; the first bracket of its kind
    raw: str  # what the user wrote, for explanations
    term: Term | None = None
    fix: Fix = ""
    longest: int = 0  # longest vocabulary phrase starting with this word
    single: Term | None = None  # what the word means on its own
    note: str = ""  # how a compound was cut ("vertrieb + leiter")


def _clean(title: str) -> str:
    text = title if title.isascii() else unicodedata.normalize("NFKC", title)
    text = text.translate(_SEP_TRANSLATION)
    if "-" in text or not text.isascii():
        text = _DASH_SEPARATOR.sub(_DASH_TEXT, text).replace("-", " ")
    return text.replace("_", " ")


def _raw_words(text: str) -> list[str]:
    out: list[str] = []
    for match in _TOKEN.findall(text):
        if match.isalnum():  # the common case: nothing inside to collapse or split
            out.append(match)
        elif "." in match:
            if _DOTTED.match(match):
                out.append(match.replace(".", ""))
            else:
                out.extend(p for p in match.split(".") if p)
        elif _APOSTROPHE.search(match):
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
            if raw in _SYMBOL_WORDS:  # a word, so "Learning & Development" still matches
                made = cache[key] = [Tok("word", _SYMBOL_WORDS[raw], raw)]
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


def _cjk_tokens(word: str, vocab: Vocabulary) -> list[Tok]:
    """A run of Chinese, Japanese or Korean characters cut into the vocabulary's words,
    longest first from the left ("データエンジニアリング部長" -> データエンジニアリング + 部長);
    what no word covers stays one unknown piece. A one-character word is cut off only when a
    known word follows it, so "元" in "元営業部長" is "former" but not inside an unknown word."""
    pieces: list[tuple[str, bool]] = []
    i, n = 0, len(word)
    while i < n:
        found = vocab.cjk_prefix(word, i)
        if found and (found > 1 or i + 1 == n or vocab.cjk_prefix(word, i + 1)):
            pieces.append((word[i:i + found], True))
            i += found
            continue
        if pieces and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + word[i], False)
        else:
            pieces.append((word[i], False))
        i += 1
    return [Tok("word", piece, piece) for piece, _ in pieces]


def _word_tokens(raw: str, vocab: Vocabulary, lower_title: bool) -> list[Tok]:
    if has_cjk(raw):  # "IT部長": the Latin letters are a word of their own
        return [tok for run in _SCRIPT_RUNS.findall(raw) for tok in (
            _cjk_tokens(fold(run), vocab) if is_cjk(run[0])
            else _word_tokens(run, vocab, lower_title))]
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
        return [Tok("word", word, raw, compound[0], fix="compound", note=compound[1])]
    inflected = vocab.inflect(word)
    if inflected is not None:
        return [Tok("word", inflected, raw, fix="inflection")]
    corrected = vocab.correct(word) if raw.isascii() else vocab.plural(word)
    if corrected is None:
        return [Tok("word", word, raw)]
    kind, known = corrected
    fix: Fix = "typo" if kind == "typo" else ""
    if known in vocab.acronyms:
        expansion, term = vocab.acronyms[known]
        return [Tok("word", " ".join(expansion), raw, term, fix=fix)]
    if known in vocab.abbreviations:
        return [Tok("word", w, raw, fix=fix) for w in vocab.abbreviations[known]]
    return [Tok("word", known, raw, fix=fix)]


def fix_notes(toks: list[Tok]) -> list[str]:
    """What the rule says about words read other than as written."""
    notes: list[str] = []
    for tok in toks:
        if not tok.fix:
            continue
        term = tok.term or tok.single
        lang = f" ({term.lang})" if term is not None and term.lang else ""
        if tok.fix == "typo":
            notes.append(f"read '{tok.raw}' as '{tok.text}' (typo)")
        elif tok.fix == "inflection":
            notes.append(f"read '{tok.raw}' as '{tok.text}'{lang}")
        else:
            notes.append(f"'{tok.raw}' is a compound: {tok.note}{lang}")
    return notes


def normalized(toks: list[Tok]) -> str:
    """The title as matched: folded, abbreviations expanded, typos fixed, decorations gone.

    Soft separators stick to the word before them, runs of separators collapse to the
    strongest, and none is left at either end.
    """
    hard, soft = _HARD, _SOFT
    out: list[str] = []
    opening = ""
    for tok in toks:
        kind = tok.kind
        if kind == "sep" and tok.text != hard:
            if out and out[-1] != hard and out[-1][-1] not in soft:
                out[-1] += tok.text
        elif kind == "sep":
            if out and out[-1] != hard:
                out[-1] = out[-1].rstrip(soft)
                out.append(hard)
        elif kind == "open":
            opening += tok.text
        elif kind == "close":
            if out and out[-1] != hard:
                out[-1] += tok.text
        else:
            out.append(opening + tok.text)
            opening = ""
    while out and out[-1] == hard:
        out.pop()
    if out:
        out[-1] = out[-1].rstrip(soft)
    return " ".join(out)

"""How close two titles' specialties are, compared by meaning rather than by English words.

A title is read as a set of *concepts*: each specialty phrase of ``specialties.toml`` (in any
language) is one concept ("ingeniería de datos" = "data engineering" = "数据工程"), each level
word is its level ("Director", "Directora", "Head of", "Leiterin" and "部長" are all
``level:director``), a German compound gives its level and its prefix's specialty
("Vertriebsleiterin" = level:director + sales); other words stand for themselves, link words
("of", "de", "der") for nothing. Asides in brackets, the company after "at"/"@" and parts
marked former ("| Ex-Oracle") are not the role's words.

``similarity`` is the share of the concepts either title has that both have; a specialty of the
same family on each side (data science against data engineering) counts as
``NEIGHBOUR_CREDIT`` of a match. So the same job in another language scores 1.0, a
neighbouring specialty less, a different one 0.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from outreach.errors import OutreachError

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

NEIGHBOUR_CREDIT = 0.5
"""What a neighbouring specialty (same family, not the same one) counts as: half a match."""

_ASIDE = re.compile(r"[(\[{][^)\]}]*[)\]}]?")
_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*")
_LEVEL = "level:"
_SPECIALTY = "specialty:"


@dataclass(frozen=True)
class Specialty:
    """One specialty: its id and the family whose members are its neighbours."""

    name: str
    family: str


@functools.cache
def _specialty_data() -> dict[str, dict[str, object]]:
    text = resources.files("outreach.titles").joinpath("specialties.toml").read_text("utf-8")
    return tomllib.loads(text).get("specialties", {})


class Specialties:
    """The specialty phrases of ``specialties.toml``, normalised as ``vocab`` reads titles."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.by_phrase: dict[tuple[str, ...], Specialty] = {}
        self.families = {name: str(spec.get("family", name))
                         for name, spec in _specialty_data().items()}
        for name, spec in _specialty_data().items():
            specialty = Specialty(name, str(spec.get("family", name)))
            for phrase in spec.get("phrases", []):  # type: ignore[attr-defined]
                key = tuple(_WORD.findall(vocab.classify(str(phrase)).normalized))
                known = self.by_phrase.get(key)
                if known is not None and known != specialty:
                    raise OutreachError(f"specialties.toml: {phrase!r} is in both "
                                        f"{known.name} and {name}", field="specialties")
                if key:
                    self.by_phrase[key] = specialty
        self.longest = max((len(k) for k in self.by_phrase), default=1)
        self._cache: dict[str, frozenset[str]] = {}

    def concepts(self, title: str) -> frozenset[str]:
        """The title's concepts (memoised): specialties, levels and other words."""
        found = self._cache.get(title)
        if found is None:
            found = self._cache[title] = frozenset(self._read(title))
        return found

    def family(self, concept: str) -> str:
        """The family of a specialty concept ("" for anything else)."""
        if not concept.startswith(_SPECIALTY):
            return ""
        return self.families.get(concept[len(_SPECIALTY):], "")

    def _read(self, title: str) -> list[str]:
        vocab = self.vocab
        normalized = _ASIDE.sub(" ", vocab.classify(title).normalized)
        out: list[str] = []
        for segment in normalized.split("|"):  # "| Ex-Oracle", "at Acme": not the role's words
            words = _WORD.findall(segment.split("@", 1)[0])
            if words and words[0] in vocab.former_words:
                continue
            for index, word in enumerate(words):
                if word in vocab.company_words:
                    words = words[:index]
                    break
            out.extend(self._spans(words))
        return out

    def _spans(self, words: list[str]) -> list[str]:
        """Longest match first: a specialty phrase, else a vocabulary phrase, else the word."""
        out: list[str] = []
        i = 0
        while i < len(words):
            step, concepts = self._at(words, i)
            if not concepts and not self._decoration(words[i]):
                concepts = self._word(words[i])
            out.extend(c for c in concepts if c)
            i += step
        return out

    def _at(self, words: list[str], i: int) -> tuple[int, list[str]]:
        """(words used, concepts) of the longest phrase at ``words[i]``."""
        vocab = self.vocab
        for length in range(min(max(self.longest, 4), len(words) - i), 0, -1):
            key = tuple(words[i:i + length])
            specialty = self.by_phrase.get(key)
            if specialty is not None:
                return length, [_SPECIALTY + specialty.name]
            term = vocab.phrases.get(key)
            if term is not None and term.level and length > 1:
                return length, [_LEVEL + term.level]
        return 1, []

    def _decoration(self, word: str) -> bool:
        """A link word ("of", "de") or a decoration ("global", "team", "Spain"): no part of
        a specialty."""
        if word in self.vocab.link_words or word in _country_words():
            return True
        term = self.vocab.single.get(word)
        return term is not None and term.noise and not (term.level or term.function
                                                        or term.role)

    def _word(self, word: str) -> list[str]:
        """One word's concepts: its level, a compound's level and its prefix's specialty
        ("marketingleiterin": level:director + marketing), else the word itself."""
        vocab = self.vocab
        term = vocab.single.get(word)
        if term is not None and term.level and not term.function:
            return [_LEVEL + term.level]
        if term is None and word.isalpha():
            compound = vocab.compound(word)
            if compound is not None and compound[0].level:
                prefix = compound[1].split(" + ", 1)[0]
                specialty = self.by_phrase.get((prefix,))
                return [_LEVEL + compound[0].level,
                        _SPECIALTY + specialty.name if specialty else prefix]
        return [word]


def similarity(ours: frozenset[str], theirs: frozenset[str], table: Specialties) -> float:
    """0–1: the concepts both titles have over those either has; a pair of neighbouring
    specialties (one on each side) counts ``NEIGHBOUR_CREDIT`` and as one concept."""
    union = ours | theirs
    if not union:
        return 0.0
    shared = len(ours & theirs)
    left = sorted(ours - theirs)
    right = sorted(theirs - ours)
    pairs = 0
    for concept in left:
        family = table.family(concept)
        if not family:
            continue
        match = next((c for c in right if table.family(c) == family), None)
        if match is not None:
            right.remove(match)
            pairs += 1
    return (shared + NEIGHBOUR_CREDIT * pairs) / (len(union) - pairs)


@functools.cache
def _country_words() -> frozenset[str]:
    from outreach.titles.places import countries

    return frozenset(n[0] for c in countries() for n in c.names if len(n) == 1)


def specialties_for(vocab: Vocabulary) -> Specialties:
    """The specialty table read with ``vocab`` (built once per vocabulary)."""
    table = getattr(vocab, "_specialties", None)
    if table is None:
        table = Specialties(vocab)
        vocab._specialties = table  # type: ignore[attr-defined]
    return table

"""Classify free-text job titles into a function and a seniority level.

The vocabulary is data (``outreach/titles/vocabulary.toml``, optionally extended by a user
file); the modules hold only the rules that combine it. Everything matches whole word tokens,
never substrings, so "cto" never fires inside "director" and "intern" never inside
"international".

How a title is read (module in brackets):

1. Clean [tokens]: Unicode-normalise, drop emojis and decorations, split "Co-Founder" hyphens,
   keep "R&D" and "FP&A" as one word, collapse "V.P." into "vp".
2. Tokens [tokens]: expand abbreviations ("Sr." -> senior, "SVP" -> senior vice president)
   token by token; name CxO acronyms ("CFO" -> finance, cxo); read plurals, German compounds
   ("Vertriebsleiter" = sales + head) and, for words the vocabulary does not know, typos
   (one edit, two for long words, same first letter).
3. Phrases [phrases]: the longest vocabulary phrase wins ("vice president" beats
   "president"). "Chief ... Officer" becomes one C-level hit whose function is named in
   between.
4. Parts [grammar]: separators (``| / , ; : -``, "and", "&") cut the title into parts;
   "at Company" is dropped. A part that has a level word starts a new role; a part without one
   qualifies the role before it ("Director, Marketing" is one role, "CEO & Founder" two).
5. The most senior role wins [grammar] (C-level over founder: "Founder & CEO" is a CEO).
   Roles marked "Former"/"Ex-" are used only when nothing current is left, and the rule says
   so.
6. Level [grammar]: the most senior level word of that role; trainee words win over
   everything in their role ("Product Manager Intern"); a role word without seniority
   ("Engineer") is ``ic``.
7. Function [grammar]: strong role nouns decide ("Professor of Economics" is education); else
   domain words beat generic role nouns ("Data Engineer" is data); among those, the one
   nearest the level word wins ("Content Marketing Lead", "Head of Product Design").

"Assistant to the VP" is an assistant (other, ic), not a VP; "Product Owner" and "Talent
Partner" are not owners.

[vocabulary] loads, validates and merges the TOML layers and memoises results per vocabulary;
[rules] reads the ``[grammar]`` table of the built-in TOML (level orderings, tiers, separator
characters, typo and compound limits) that the stages above are written against.
"""

from __future__ import annotations

from collections.abc import Iterable

from outreach.titles.model import UNKNOWN, TitleClass
from outreach.titles.rules import GRAMMAR
from outreach.titles.tokens import fold
from outreach.titles.vocabulary import Vocabulary, default_vocabulary


def default_vocabulary_for(vocabulary: Vocabulary | None) -> Vocabulary:
    """``vocabulary``, or the built-in one when it is None."""
    return vocabulary or default_vocabulary()

LEVELS: tuple[str, ...] = GRAMMAR.levels
"""LinkedIn-style seniority, most senior first. ``unknown`` is used when nothing fires."""

FUNCTIONS: tuple[str, ...] = GRAMMAR.functions
"""Built-in functions; a user vocabulary may add its own names."""

__all__ = [
    "FUNCTIONS",
    "LEVELS",
    "UNKNOWN",
    "TitleClass",
    "Vocabulary",
    "classify",
    "classify_many",
    "default_vocabulary_for",
    "fold",
]


def classify(title: str, vocabulary: Vocabulary | None = None) -> TitleClass:
    """Classify one job title. Never raises on odd text: unknown parts yield ``unknown``."""
    return (vocabulary or default_vocabulary()).classify(title)


def classify_many(titles: Iterable[str], vocabulary: Vocabulary | None = None) -> list[TitleClass]:
    """Classify many titles in order; each distinct title is worked out once."""
    vocab = vocabulary or default_vocabulary()
    cache = vocab.results
    result: list[TitleClass] = []
    append = result.append
    for title in titles:
        found = cache.get(title) if isinstance(title, str) else None
        append(found if found is not None else vocab.classify(title))
    return result

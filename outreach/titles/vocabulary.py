"""The title vocabulary: the built-in ``vocabulary.toml``, optionally with a user file over it.

Loading validates each layer (see ``validate``), merges it over the ones before (a user entry
replaces the built-in meaning of the same word or phrase; lists of other words are extended)
and compiles the result into the lookup tables the tokenizer and the grammar read. The
per-word helpers (plural and typo correction, German compounds) are memoised here too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from outreach.errors import OutreachError
from outreach.titles.grammar import classify_title
from outreach.titles.model import Term, TitleClass
from outreach.titles.rules import GRAMMAR, builtin_data
from outreach.titles.tokens import Tok, fold, has_cjk, words
from outreach.titles.validate import (
    PHRASE_SECTIONS,
    VocabularyError,
    read_user_file,
    validate,
)

Correction = tuple[Literal["plural", "typo"], str]
"""How an unknown word was read: ``(kind, the known word)``."""

Compound = tuple[Term, str]
"""A compound's meaning, and how it was cut ("vertrieb + leiter")."""

SectorLevel = tuple[str, str | None]
"""What a phrase is in a sector: its level, and its function (None: the sector's own)."""

_CACHE_LIMIT = 200_000
_TIERS = GRAMMAR.tiers
_TYPOS = GRAMMAR.typos
_COMPOUNDS = GRAMMAR.compounds
_INFLECTIONS = GRAMMAR.inflections
_ROLE_LEVEL = GRAMMAR.role_level
# [rules] list -> the Term flag it sets
_RULE_FLAGS = {"entry_dominant": "entry_dominant", "owner_contextual": "owner_contextual",
               "assistant": "assistant", "former": "former", "retired": "retired",
               "member": "member", "board": "board", "non_equity": "non_equity",
               "conjunctions": "conjunction",
               "company_markers": "company", "noise": "noise", "status": "status",
               "chief": "chief", "officer": "officer", "deputy": "deputy"}
# phrase section -> its tier, and whether its entries are role nouns
_PHRASE_TIERS = {"functions": (_TIERS.functions, False),
                 "weak_functions": (_TIERS.weak_functions, False),
                 "fallback_functions": (_TIERS.fallback_functions, False),
                 "roles": (_TIERS.roles, True), "weak_roles": (_TIERS.weak_roles, True),
                 "strong_roles": (_TIERS.strong_roles, True)}
_APOSTROPHES = re.compile("['’]")
_NO_FUNCTION = "none"  # as a function name in the TOML: the phrases imply no function


class Vocabulary:
    """The compiled title vocabulary: the built-in TOML, optionally with a user file over it.

    Results are memoised per vocabulary, so classifying the same title twice is a dict lookup.
    """

    def __init__(self, layers: Iterable[tuple[Mapping[str, Any], str]]) -> None:
        self.sources: list[str] = []
        self._terms: dict[tuple[str, ...], dict[str, Any]] = {}
        self._explicit_level: set[tuple[str, ...]] = set()
        self.abbreviations: dict[str, tuple[str, ...]] = {}
        self.abbreviations_cased: dict[str, tuple[str, ...]] = {}
        self.acronyms: dict[str, tuple[tuple[str, ...], Term]] = {}
        self.suffixes: dict[str, tuple[str | None, str | None, str, str]] = {}
        self.prefixes: dict[str, dict[str, str | None]] = {}
        self.assistant_links: set[str] = set()
        self.reports_to: set[str] = set()
        self.until_words: set[str] = set()
        self.sector_function: dict[str, str] = {}
        self.sector_levels: dict[str, dict[tuple[str, ...], SectorLevel]] = {}
        self._lang = ""
        for data, source in layers:
            validate(data, source)
            self._apply(data)
            for code, layer in data.get("languages", {}).items():
                self._lang = code
                self._apply(layer)
                self._lang = ""
            self._apply_sectors(data)
            self.sources.append(source)
        self._inherit_levels()
        self._compile()
        self._token_cache: dict[str, Correction | None] = {}
        self.word_cache: dict[tuple[str, bool], list[Tok]] = {}
        self.results: dict[str, TitleClass] = {}

    # -- loading

    @classmethod
    def load(cls, extra: Path | None = None) -> Vocabulary:
        """The built-in vocabulary, with ``extra`` (a TOML file of the same shape) merged over it.

        A user entry replaces the built-in meaning of the same word or phrase; lists of other
        words are extended. A missing or malformed file raises ``OutreachError`` naming it.
        """
        builtin = {k: v for k, v in builtin_data().items() if k != "grammar"}
        layers: list[tuple[Mapping[str, Any], str]] = [(builtin, "built-in")]
        if extra is not None:
            layers.append((read_user_file(Path(extra)), str(extra)))
        try:
            return cls(layers)
        except VocabularyError as exc:
            raise OutreachError(f"{exc.source}: invalid vocabulary: {exc}") from None

    def _apply(self, data: Mapping[str, Any]) -> None:
        """Merge one layer over the ones before."""
        for key in _mentioned_phrases(data):
            self._terms[key] = {}
        self._apply_phrase_sections(data)
        for phrase, spec in data.get("terms", {}).items():
            self._set([phrase], **_term_fields(spec))
            if "level" in spec:
                self._explicit_level.add(words(phrase))
        self._apply_rules(data.get("rules", {}))
        self._apply_tables(data)
        for grade, level in data.get("grades", {}).items():
            self._set([grade], level=level, grade=True)

    def _apply_sectors(self, data: Mapping[str, Any]) -> None:
        """``[sectors.X]``: context words that put a title in sector X, the function such a
        title has when it names none, and what some phrases mean there ("vice president" is
        senior in a bank)."""
        for name, spec in data.get("sectors", {}).items():
            self._set(spec.get("context", []), sector=name)
            if "function" in spec:
                self.sector_function[name] = spec["function"]
            table = self.sector_levels.setdefault(name, {})
            for phrase, value in spec.get("levels", {}).items():
                entry = value if isinstance(value, dict) else {"level": value}
                table[words(phrase)] = (entry["level"], entry.get("function"))

    def _apply_phrase_sections(self, data: Mapping[str, Any]) -> None:
        for section, (tier, role) in _PHRASE_TIERS.items():
            flag = {"role": True} if role else {}
            for fn, phrases in data.get(section, {}).items():
                if role and fn == _NO_FUNCTION:
                    self._set(phrases, role=True)
                else:
                    self._set(phrases, function=fn, tier=tier, **flag)
        for level, phrases in data.get("levels", {}).items():
            if level == _ROLE_LEVEL:
                self._set(phrases, role=True)
            else:
                self._set(phrases, level=level)

    def _apply_rules(self, rules: Mapping[str, Any]) -> None:
        for name, flag in _RULE_FLAGS.items():
            self._set(rules.get(name, []), **{flag: True})
        self._set(rules.get("owner_contextual", []), level=GRAMMAR.owner_level,
                  function=GRAMMAR.general_function, tier=_TIERS.owner_contextual)
        self.assistant_links.update(fold(w) for w in rules.get("assistant_links", []))
        self.reports_to.update(fold(w) for w in rules.get("reports_to", []))
        self.until_words.update(" ".join(words(w)) for w in rules.get("until", []))

    def _apply_tables(self, data: Mapping[str, Any]) -> None:
        for short, long in data.get("abbreviations", {}).items():
            self.abbreviations[fold(short)] = words(long)
        for short, long in data.get("abbreviations_cased", {}).items():
            self.abbreviations_cased[short] = words(long)
        for short, spec in data.get("acronyms", {}).items():
            term = Term(level=spec["level"], function=spec["function"], tier=_TIERS.acronyms)
            self.acronyms[fold(short)] = (words(spec.get("expansion", short)), term)
        compounds = data.get("compounds", {})
        for suffix, value in compounds.get("suffixes", {}).items():
            entry = value if isinstance(value, dict) else {"level": value}
            self.suffixes[fold(suffix)] = (entry.get("level"), entry.get("function"), self._lang,
                                           entry.get("sector", ""))
        for prefix, value in compounds.get("prefixes", {}).items():
            entry = dict(value) if isinstance(value, dict) else {"function": value}
            if entry.get("function") == _NO_FUNCTION:
                entry["function"] = None
            entry["lang"] = self._lang
            self.prefixes[fold(prefix)] = entry

    def _inherit_levels(self) -> None:
        """A role phrase keeps the rank of the level word inside it: "Product Manager" is a
        manager, "Account Director" a director (unless [terms] says otherwise)."""
        rank = GRAMMAR.pick_rank.__getitem__
        for key, attrs in self._terms.items():
            if len(key) < 2 or attrs.get("level") or key in self._explicit_level:
                continue
            inside = [self._terms.get((word,), {}).get("level") for word in key]
            ranks = [lvl for lvl in inside if lvl in GRAMMAR.inherited_levels]
            if ranks:
                attrs["level"] = max(ranks, key=rank)

    def _set(self, phrases: Iterable[str], **attrs: Any) -> None:
        if self._lang:
            attrs["lang"] = self._lang
        for phrase in phrases:
            key = words(phrase)
            if key:
                self._terms.setdefault(key, {}).update(attrs)

    def _compile(self) -> None:
        """The lookup tables the tokenizer and the grammar read."""
        self.phrases: dict[tuple[str, ...], Term] = {
            key: Term(**attrs) for key, attrs in self._terms.items()
        }
        self.single = {key[0]: term for key, term in self.phrases.items() if len(key) == 1}
        self.phrase_len: dict[str, int] = {}
        self.phrase_pairs: set[tuple[str, str]] = set()  # the first two words of each phrase
        for key in self.phrases:
            self.phrase_len[key[0]] = max(self.phrase_len.get(key[0], 0), len(key))
            if len(key) > 1:
                self.phrase_pairs.add((key[0], key[1]))
        self.officers = {k[0] for k, t in self.phrases.items() if t.officer and len(k) == 1}
        self.link_words = frozenset(
            {*self.assistant_links, *self.reports_to}
            | {k[0] for k, t in self.phrases.items() if len(k) == 1 and t.conjunction})
        """Words that only link others ("of", "the", "and"): no part of a specialty."""
        self.company_words = frozenset(k[0] for k, t in self.phrases.items()
                                       if len(k) == 1 and t.company)
        self.former_words = frozenset(k[0] for k, t in self.phrases.items()
                                      if len(k) == 1 and (t.former or t.retired))
        until = "|".join(re.escape(w).replace(r"\ ", r"\s+")
                         for w in sorted(self.until_words, key=len, reverse=True))
        self._ended = re.compile(
            (rf"\b(?:{until})\s+(?:[^\W\d_]+\.?\s+)?(?:19|20)\d\d\b|" if until else "")
            + r"[-‐‑‒–—―]\s*(?:19|20)\d\d\s*[)\]]?\s*$")
        self.known: set[str] = {w for key in self.phrases for w in key}
        self.known.update(self.abbreviations, self.acronyms, self.assistant_links)
        self.known.update(fold(k) for k in self.abbreviations_cased)
        self.cjk_words = frozenset(w for w in self.known if has_cjk(w))
        """Chinese, Japanese and Korean words: titles there have no spaces to cut at."""
        self._cjk_longest = max((len(w) for w in self.cjk_words), default=0)
        self._fuzzy_pool: dict[str, list[str]] = {}
        for word in sorted(self.known):
            if len(word) >= _TYPOS.target_min_length and word.isalpha() \
                    and _typo_target(self.single.get(word)):
                self._fuzzy_pool.setdefault(word[0], []).append(word)

    # -- per-token helpers (memoised: a 30,000-row export has few distinct words)

    def cjk_prefix(self, text: str, start: int) -> int:
        """The length of the longest CJK vocabulary word at ``text[start:]`` (0: none)."""
        for length in range(min(self._cjk_longest, len(text) - start), 0, -1):
            if text[start:start + length] in self.cjk_words:
                return length
        return 0

    def correct(self, word: str) -> Correction | None:
        """An unknown word read as a known one: ``(kind, known_word)`` or None.

        kind is "plural" or "typo". Typos need the same first letter and one edit (two for
        long words): strict, so real words are left alone ("protection" is not "production").
        """
        if word in self._token_cache:
            return self._token_cache[word]
        result: Correction | None = None
        plural = _TYPOS.plural_suffix
        if word.endswith(plural) and word[:-len(plural)] in self.known:
            result = ("plural", word[:-len(plural)])
        elif len(word) >= _TYPOS.min_length and word.isalpha():
            result = self._fuzzy(word)
        self._token_cache[word] = result
        return result

    def plural(self, word: str) -> Correction | None:
        """A plural of a known word ("conférences" -> conference), for words typos are never
        tried on (not ASCII)."""
        suffix = _TYPOS.plural_suffix
        if word.endswith(suffix) and word[:-len(suffix)] in self.known:
            return ("plural", word[:-len(suffix)])
        return None

    def _fuzzy(self, word: str) -> Correction | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        pool = self._fuzzy_pool.get(word[0], [])
        cutoff = _TYPOS.edits if len(word) < _TYPOS.long_word else _TYPOS.long_edits
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=cutoff, limit=2)
        found = [f for f in found if _plausible_typo(word, f[0], int(f[1]))]
        if not found:
            return None
        if len(found) == 2 and found[0][1] == found[1][1] and (
            self.single.get(found[0][0]) != self.single.get(found[1][0])
        ):
            return None  # two equally close words that mean different things
        return ("typo", found[0][0])

    def compound(self, word: str) -> Compound | None:
        """German, Dutch and Nordic compounds: a known prefix and a known word that names a
        level or a role ("vertriebsleiter" = vertrieb + leiter, sales/director;
        "forsaljningschef" = forsaljning + chef; "chefarztin" = chef + arztin, director).

        The longest known suffix wins. The prefix gives the function, or with a
        ``[compounds.prefixes]`` entry a level ("ober": senior) or the level of a unit's head
        ("lager": manager); an unknown prefix is allowed before a long or bare suffix."""
        n = len(word)
        for cut in range(_COMPOUNDS.min_prefix, n - _COMPOUNDS.min_suffix + 1):
            suffix = word[cut:]
            meaning = self._suffix_meaning(suffix)
            if meaning is None:
                continue
            prefix, entry = self._prefix_entry(word[:cut])
            if entry is None and not (suffix in _COMPOUNDS.bare_suffixes
                                      or len(suffix) >= _COMPOUNDS.bare_min_suffix):
                continue
            return _compound_term(meaning, entry), f"{prefix} + {suffix}"
        return None

    def _suffix_meaning(self, suffix: str) -> tuple[str | None, str | None, str, str] | None:
        """(level, function, language, sector) of a compound's last part, if it names a level
        or a role (``level`` "ic" for a role noun)."""
        listed = self.suffixes.get(suffix)
        if listed is not None:
            return listed
        term = self.single.get(suffix)
        if term is None or not (term.level or term.role) or term.grade or term.deputy \
                or (not _typo_target(term) and not term.entry_dominant):
            return None
        return (term.level or _ROLE_LEVEL, term.function, term.lang, term.sector)

    def _prefix_entry(self, prefix: str) -> tuple[str, dict[str, str | None] | None]:
        """The prefix as written or without a linking ending, and what it means: a
        ``[compounds.prefixes]`` entry, or a function word of the vocabulary."""
        candidates = [prefix] + [prefix[:-len(link)] for link in _COMPOUNDS.linking
                                 if prefix.endswith(link) and len(prefix) - len(link) >= 2]
        for candidate in candidates:
            if candidate in self.prefixes:
                return candidate, self.prefixes[candidate]
        for candidate in candidates:
            term = self.single.get(candidate)
            if term is not None and term.function and not term.level and not term.noise:
                return candidate, {"function": term.function, "lang": term.lang}
        return prefix, None

    def inflect(self, word: str) -> str | None:
        """An unknown word read through a gendered or inflected ending ("leiterin" -> leiter,
        "direttrice" -> direttore, "muduru" -> mudur): the known word, or None."""
        for ending, replacement in _INFLECTIONS.rewrites:
            if not word.endswith(ending):
                continue
            stem = word[:len(word) - len(ending)] + replacement
            if len(stem) < _INFLECTIONS.min_stem or stem == word:
                continue
            term = self.single.get(stem)
            if term is not None and _typo_target(term) and (term.level or term.role
                                                              or term.function):
                return stem
        return None

    def ended(self, title: str) -> str:
        """The words that say a title's role has ended ("until 2022", "– 2021"), or ""."""
        found = self._ended.search(_APOSTROPHES.sub(" ", fold(title)))
        return found.group(0).strip(" )]") if found else ""

    # -- classification

    def classify(self, title: str) -> TitleClass:
        """Classify one title (memoised)."""
        if not isinstance(title, str):
            title = "" if title is None or title != title else str(title)
        cached = self.results.get(title)
        if cached is None:
            if len(self.results) >= _CACHE_LIMIT:
                self.results.clear()
            cached = self.results[title] = classify_title(title, self)
        return cached


def _typo_target(term: Term | None) -> bool:
    """Typos are only read as ordinary words: never as "former", a company marker, a trainee
    word, a grade, a deputy or a decoration ("farmer" must not become "former", "trainer"
    not "trainee"), nor as a word that only names a sector ("Citi")."""
    return term is None or not (
        term.former or term.company or term.conjunction or term.status or term.noise
        or term.entry_dominant or term.grade or term.deputy
        or (term.sector and not (term.level or term.function or term.role)))


def _plausible_typo(word: str, target: str, edits: int) -> bool:
    """A typo keeps the word's ending: a final vowel another language puts there
    ("consulente", "direttore") is not a slip of the finger, and two edits must leave the
    last letters alone ("amministratore" is not "administrator")."""
    if word[-1] in _TYPOS.final_vowels and target[-1] != word[-1]:
        return False
    keep = _TYPOS.long_keep_ending
    return edits < _TYPOS.long_edits or word[-keep:] == target[-keep:]


def _compound_term(suffix: tuple[str | None, str | None, str, str],
                   prefix: dict[str, str | None] | None) -> Term:
    """What a compound means: the level of its suffix (or of the prefix, when that names one),
    the function of its prefix, else of its suffix."""
    level, function, lang, sector = suffix
    prefix = prefix or {}
    if prefix.get("level"):
        level = prefix["level"]
    elif prefix.get("head_level") and level in GRAMMAR.boss_levels:
        level = prefix["head_level"]
    function = prefix.get("function") or function
    lang = prefix.get("lang") or lang or ""  # "forsaljning" says Swedish, "chef" cannot
    tier = _TIERS.compound if function else 0
    if level is None:
        return Term(function=function, tier=tier, lang=lang, sector=sector)
    if level == _ROLE_LEVEL:
        return Term(role=True, function=function, tier=tier, lang=lang, sector=sector)
    return Term(level=level, function=function, tier=tier, lang=lang, sector=sector,
                entry_dominant=level == GRAMMAR.trainee_level)


def _term_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The Term fields a ``[terms]`` entry sets."""
    fields: dict[str, Any] = {}
    level = spec.get("level")
    if level == _ROLE_LEVEL:
        fields["role"] = True
        fields["level"] = None
    elif level is not None:
        fields["level"] = level
    if "function" in spec:
        fields["function"] = spec["function"]
        fields["tier"] = int(spec.get("tier", _TIERS.terms))
    if "role" in spec:
        fields["role"] = bool(spec["role"])
    return fields


def _mentioned_phrases(data: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """Phrases a layer defines meaning for; their earlier meaning is replaced, not merged."""
    found: set[tuple[str, ...]] = set()
    for section in PHRASE_SECTIONS:
        for phrases in data.get(section, {}).values():
            found.update(words(p) for p in phrases)
    found.update(words(p) for p in data.get("terms", {}))
    found.update(words(p) for p in data.get("grades", {}))
    found.discard(())
    return found


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The built-in vocabulary, compiled once per process."""
    return Vocabulary.load()

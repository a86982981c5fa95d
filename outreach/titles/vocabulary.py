"""The title vocabulary: the built-in ``vocabulary.toml``, optionally with a user file over it.

Loading validates each layer (so a user's mistake gets a message naming the file, not a
traceback), merges it over the ones before (a user entry replaces the built-in meaning of the
same word or phrase; lists of other words are extended) and compiles the result into the
lookup tables the tokenizer and the grammar read.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError
from outreach.titles.grammar import classify_title
from outreach.titles.model import LEVELS, PICK_RANK, Term, TitleClass
from outreach.titles.tokens import Tok, fold, words

_INHERITED_LEVELS = frozenset({"cxo", "vp", "director", "manager"})
_SECTIONS = frozenset({
    "abbreviations", "abbreviations_cased", "acronyms", "levels", "roles", "weak_roles",
    "strong_roles", "functions", "weak_functions", "fallback_functions", "terms", "rules",
    "compounds",
})
_RULE_LISTS = frozenset({
    "entry_dominant", "owner_contextual", "assistant", "assistant_links", "company_markers",
    "former", "conjunctions", "noise", "status", "chief", "officer", "reports_to",
})
_NAME = re.compile(r"^[a-z][a-z_]*$")
_CACHE_LIMIT = 200_000


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
        self.suffixes: dict[str, str] = {}
        self.prefixes: dict[str, str | None] = {}
        self.assistant_links: set[str] = set()
        self.reports_to: set[str] = set()
        for data, source in layers:
            _validate(data, source)
            self._apply(data)
            self.sources.append(source)
        self._inherit_levels()
        self.phrases: dict[tuple[str, ...], Term] = {
            key: Term(**attrs) for key, attrs in self._terms.items()
        }
        self.single = {key[0]: term for key, term in self.phrases.items() if len(key) == 1}
        self.phrase_len: dict[str, int] = {}
        for key in self.phrases:
            self.phrase_len[key[0]] = max(self.phrase_len.get(key[0], 0), len(key))
        self.officers = {k[0] for k, t in self.phrases.items() if t.officer and len(k) == 1}
        self.known: set[str] = {w for key in self.phrases for w in key}
        self.known.update(self.abbreviations, self.acronyms, self.assistant_links)
        self.known.update(fold(k) for k in self.abbreviations_cased)
        self._fuzzy_pool: dict[str, list[str]] = {}
        for word in sorted(self.known):
            if len(word) >= 4 and word.isalpha() and _typo_target(self.single.get(word)):
                self._fuzzy_pool.setdefault(word[0], []).append(word)
        self._token_cache: dict[str, tuple[str, str] | None] = {}
        self.word_cache: dict[tuple[str, bool], list[Tok]] = {}
        self.results: dict[str, TitleClass] = {}

    # -- loading

    @classmethod
    def load(cls, extra: Path | None = None) -> Vocabulary:
        """The built-in vocabulary, with ``extra`` (a TOML file of the same shape) merged over it.

        A user entry replaces the built-in meaning of the same word or phrase; lists of other
        words are extended. A missing or malformed file raises ``OutreachError`` naming it.
        """
        layers: list[tuple[Mapping[str, Any], str]] = [(_builtin_data(), "built-in")]
        if extra is not None:
            layers.append((_read_user_file(Path(extra)), str(extra)))
        try:
            return cls(layers)
        except _VocabularyError as exc:
            raise OutreachError(f"{exc.source}: invalid vocabulary: {exc}") from None

    def _apply(self, data: Mapping[str, Any]) -> None:
        mentioned = _mentioned_phrases(data)
        for key in mentioned:
            self._terms[key] = {}
        for fn, phrases in data.get("functions", {}).items():
            self._set(phrases, function=fn, tier=2)
        for fn, phrases in data.get("weak_functions", {}).items():
            self._set(phrases, function=fn, tier=1)
        for fn, phrases in data.get("fallback_functions", {}).items():
            self._set(phrases, function=fn, tier=0)
        for section, tier in (("roles", 2), ("weak_roles", 1), ("strong_roles", 3)):
            for fn, phrases in data.get(section, {}).items():
                if fn == "none":
                    self._set(phrases, role=True)
                else:
                    self._set(phrases, role=True, function=fn, tier=tier)
        for level, phrases in data.get("levels", {}).items():
            if level == "ic":
                self._set(phrases, role=True)
            else:
                self._set(phrases, level=level)
        for phrase, spec in data.get("terms", {}).items():
            self._set([phrase], **_term_fields(spec))
            if "level" in spec:
                self._explicit_level.add(words(phrase))
        rules = data.get("rules", {})
        flags = {"entry_dominant": "entry_dominant", "owner_contextual": "owner_contextual",
                 "assistant": "assistant", "former": "former", "conjunctions": "conjunction",
                 "company_markers": "company", "noise": "noise", "status": "status",
                 "chief": "chief", "officer": "officer"}
        for name, flag in flags.items():
            self._set(rules.get(name, []), **{flag: True})
        self._set(rules.get("owner_contextual", []), level="owner",
                  function="general_management", tier=1)
        self.assistant_links.update(fold(w) for w in rules.get("assistant_links", []))
        self.reports_to.update(fold(w) for w in rules.get("reports_to", []))
        for short, long in data.get("abbreviations", {}).items():
            self.abbreviations[fold(short)] = words(long)
        for short, long in data.get("abbreviations_cased", {}).items():
            self.abbreviations_cased[short] = words(long)
        for short, spec in data.get("acronyms", {}).items():
            term = Term(level=spec["level"], function=spec["function"], tier=2)
            self.acronyms[fold(short)] = (words(spec.get("expansion", short)), term)
        compounds = data.get("compounds", {})
        for suffix, level in compounds.get("suffixes", {}).items():
            self.suffixes[fold(suffix)] = level
        for prefix, fn in compounds.get("prefixes", {}).items():
            self.prefixes[fold(prefix)] = None if fn == "none" else fn

    def _inherit_levels(self) -> None:
        """A role phrase keeps the rank of the level word inside it: "Product Manager" is a
        manager, "Account Director" a director (unless [terms] says otherwise)."""
        for key, attrs in self._terms.items():
            if len(key) < 2 or attrs.get("level") or key in self._explicit_level:
                continue
            inside = [self._terms.get((word,), {}).get("level") for word in key]
            ranks = [lvl for lvl in inside if lvl in _INHERITED_LEVELS]
            if ranks:
                attrs["level"] = max(ranks, key=PICK_RANK.__getitem__)

    def _set(self, phrases: Iterable[str], **attrs: Any) -> None:
        for phrase in phrases:
            key = words(phrase)
            if key:
                self._terms.setdefault(key, {}).update(attrs)

    # -- per-token helpers (memoised: a 30,000-row export has few distinct words)

    def correct(self, word: str) -> tuple[str, str] | None:
        """An unknown word read as a known one: ``(kind, known_word)`` or None.

        kind is "plural" or "typo". Typos need the same first letter and one edit (two for
        words of twelve letters or more): strict, so real words are left alone
        ("protection" is not "production").
        """
        if word in self._token_cache:
            return self._token_cache[word]
        result: tuple[str, str] | None = None
        if word.endswith("s") and word[:-1] in self.known:
            result = ("plural", word[:-1])
        elif len(word) >= 5 and word.isalpha():
            result = self._fuzzy(word)
        self._token_cache[word] = result
        return result

    def _fuzzy(self, word: str) -> tuple[str, str] | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        pool = self._fuzzy_pool.get(word[0], [])
        cutoff = 1 if len(word) < 12 else 2
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=cutoff, limit=2)
        if not found:
            return None
        if len(found) == 2 and found[0][1] == found[1][1] and (
            self.single.get(found[0][0]) != self.single.get(found[1][0])
        ):
            return None  # two equally close words that mean different things
        return ("typo", found[0][0])

    def compound(self, word: str) -> Term | None:
        """German compounds: "personalleiter" -> hr + director, "softwareentwickler" -> eng."""
        for suffix in sorted(self.suffixes, key=len, reverse=True):
            if not word.endswith(suffix) or len(word) - len(suffix) < 2:
                continue
            prefix = word[: -len(suffix)]
            for candidate in (prefix, prefix[:-1] if prefix.endswith("s") else ""):
                if candidate and candidate in self.prefixes:
                    return _compound_term(self.suffixes[suffix], self.prefixes[candidate])
            if suffix in ("leiter", "leiterin", "manager", "managerin"):
                return _compound_term(self.suffixes[suffix], None)
        return None

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
    word or a decoration ("farmer" must not become "former", "trainer" not "trainee")."""
    return term is None or not (term.former or term.company or term.conjunction or term.status
                                or term.noise or term.entry_dominant)


def _compound_term(level: str, function: str | None) -> Term:
    tier = 2 if function else 0
    if level == "ic":
        return Term(role=True, function=function, tier=tier)
    return Term(level=level, function=function, tier=tier, entry_dominant=level == "entry")


def _term_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    level = spec.get("level")
    if level == "ic":
        fields["role"] = True
        fields["level"] = None
    elif level is not None:
        fields["level"] = level
    if "function" in spec:
        fields["function"] = spec["function"]
        fields["tier"] = int(spec.get("tier", 2))
    if "role" in spec:
        fields["role"] = bool(spec["role"])
    return fields


def _mentioned_phrases(data: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """Phrases a layer defines meaning for; their earlier meaning is replaced, not merged."""
    found: set[tuple[str, ...]] = set()
    for section in ("functions", "weak_functions", "fallback_functions", "roles", "weak_roles",
                    "strong_roles",
                    "levels"):
        for phrases in data.get(section, {}).values():
            found.update(words(p) for p in phrases)
    found.update(words(p) for p in data.get("terms", {}))
    found.discard(())
    return found


class _VocabularyError(ValueError):
    def __init__(self, message: str, source: str) -> None:
        super().__init__(message)
        self.source = source


def _validate(data: Mapping[str, Any], source: str) -> None:
    """Check the shape of a vocabulary so a user's mistake gets a message, not a traceback."""

    def fail(message: str) -> None:
        raise _VocabularyError(message, source)

    def phrase_list(value: Any, where: str) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(f"[{where}] must be a list of strings")

    unknown = sorted(set(data) - _SECTIONS - {"version"})
    if unknown:
        fail(f"unknown section [{unknown[0]}] (expected one of {', '.join(sorted(_SECTIONS))})")
    for section in ("functions", "weak_functions", "fallback_functions", "roles", "weak_roles",
                    "strong_roles",
                    "levels"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            fail(f"[{section}] must be a table of lists")
        for name, value in table.items():
            if section == "levels" and name not in LEVELS:
                fail(f"[levels] unknown level {name!r} (expected one of {', '.join(LEVELS)})")
            if not _NAME.match(name):
                fail(f"[{section}] bad function name {name!r} (lower-case letters and _)")
            phrase_list(value, f"{section}.{name}")
    for section in ("abbreviations", "abbreviations_cased"):
        table = data.get(section, {})
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and v.strip() for v in table.values()
        ):
            fail(f"[{section}] must map words to their expansion (strings)")
    for name, spec in data.get("acronyms", {}).items():
        if not isinstance(spec, dict) or not {"function", "level"} <= set(spec):
            fail(f"[acronyms] {name!r} needs function and level")
        _check_term(spec, f"acronyms.{name}", fail)
    terms = data.get("terms", {})
    if not isinstance(terms, dict):
        fail("[terms] must be a table")
    for name, spec in terms.items():
        if not isinstance(spec, dict):
            fail(f"[terms] {name!r} must be a table like {{ level = \"vp\" }}")
        _check_term(spec, f"terms.{name}", fail)
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        fail("[rules] must be a table of lists")
    for name, value in rules.items():
        if name not in _RULE_LISTS and name != "assistant_links":
            fail(f"[rules] unknown rule {name!r}")
        phrase_list(value, f"rules.{name}")
    compounds = data.get("compounds", {})
    if not isinstance(compounds, dict):
        fail("[compounds] must be a table")
    for name, value in compounds.get("suffixes", {}).items():
        if value not in LEVELS:
            fail(f"[compounds.suffixes] {name!r}: unknown level {value!r}")
    for name, value in compounds.get("prefixes", {}).items():
        if not isinstance(value, str) or not _NAME.match(value):
            fail(f"[compounds.prefixes] {name!r}: bad function {value!r}")


def _check_term(spec: Mapping[str, Any], where: str, fail: Any) -> None:
    extra = set(spec) - {"level", "function", "tier", "role", "expansion"}
    if extra:
        fail(f"[{where}] unknown key {sorted(extra)[0]!r}")
    if "level" in spec and spec["level"] not in LEVELS:
        fail(f"[{where}] unknown level {spec['level']!r} (expected one of {', '.join(LEVELS)})")
    if "function" in spec and not (isinstance(spec["function"], str)
                                   and _NAME.match(spec["function"])):
        fail(f"[{where}] bad function {spec['function']!r}")
    if "tier" in spec and spec["tier"] not in (0, 1, 2, 3):
        fail(f"[{where}] tier must be 0, 1, 2 or 3")


@functools.cache
def _builtin_data() -> dict[str, Any]:
    text = resources.files("outreach.titles").joinpath("vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


def _read_user_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OutreachError(f"{path}: vocabulary file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OutreachError(f"{path}: cannot read vocabulary: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OutreachError(f"{path}: invalid vocabulary TOML: {exc}") from None


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The built-in vocabulary, compiled once per process."""
    return Vocabulary.load()


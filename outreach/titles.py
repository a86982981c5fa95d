"""Classify free-text job titles into a function and a seniority level.

The vocabulary is data (``outreach/data/vocabulary.toml``, optionally extended by a user file);
this module holds only the rules that combine it. Everything matches whole word tokens, never
substrings, so "cto" never fires inside "director" and "intern" never inside "international".

How a title is read:

1. Clean: Unicode-normalise, drop emojis and decorations, split "Co-Founder" hyphens, keep
   "R&D" and "FP&A" as one word, collapse "V.P." into "vp".
2. Tokens: expand abbreviations ("Sr." -> senior, "SVP" -> senior vice president) token by
   token; name CxO acronyms ("CFO" -> finance, cxo); read plurals, German compounds
   ("Vertriebsleiter" = sales + head) and, for words the vocabulary does not know, typos
   (one edit, two for long words, same first letter).
3. Phrases: the longest vocabulary phrase wins ("vice president" beats "president").
   "Chief ... Officer" becomes one C-level hit whose function is named in between.
4. Parts: separators (``| / , ; : -``, "and", "&") cut the title into parts; "at Company"
   is dropped. A part that has a level word starts a new role; a part without one qualifies
   the role before it ("Director, Marketing" is one role, "CEO & Founder" two).
5. The most senior role wins (C-level over founder: "Founder & CEO" is a CEO). Roles marked
   "Former"/"Ex-" are used only when nothing current is left, and the rule says so.
6. Level: the most senior level word of that role; trainee words win over everything in their
   role ("Product Manager Intern"); a role word without seniority ("Engineer") is ``ic``.
7. Function: strong role nouns decide ("Professor of Economics" is education); else domain
   words beat generic role nouns ("Data Engineer" is data); among those, the one nearest the
   level word wins ("Content Marketing Lead", "Head of Product Design").

"Assistant to the VP" is an assistant (other, ic), not a VP; "Product Owner" and "Talent
Partner" are not owners.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError

LEVELS: tuple[str, ...] = ("owner", "cxo", "vp", "director", "manager", "senior", "ic", "entry")
"""LinkedIn-style seniority, most senior first. ``unknown`` is used when nothing fires."""

FUNCTIONS: tuple[str, ...] = (
    "marketing", "sales", "engineering", "product", "it", "data", "design", "finance", "hr",
    "legal", "operations", "customer_success", "project_management", "general_management",
    "education", "other", "unknown",
)
"""Built-in functions; a user vocabulary may add its own names."""

UNKNOWN = "unknown"

# Which role wins in a multi-title: an officer title describes the job better than founding it.
_PICK_RANK = {"cxo": 8, "owner": 7, "vp": 6, "director": 5, "manager": 4, "senior": 3,
              "ic": 2, "entry": 1, UNKNOWN: 0}
_INHERITED_LEVELS = frozenset({"cxo", "vp", "director", "manager"})
_SENIOR_ENOUGH_TO_ASSIST = frozenset({"owner", "cxo", "vp", "director", "manager"})
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


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TitleClass:
    """How one title was classified, and why (``rule`` is meant for people)."""

    title: str
    normalized: str
    function: str
    level: str
    rule: str


# ----------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True, slots=True)
class _Term:
    """What a word or phrase means. ``level`` is a seniority hit; ``role`` marks a role noun."""

    level: str | None = None
    role: bool = False
    function: str | None = None
    tier: int = 0
    entry_dominant: bool = False
    owner_contextual: bool = False
    assistant: bool = False
    former: bool = False
    conjunction: bool = False
    company: bool = False
    noise: bool = False
    status: bool = False
    chief: bool = False
    officer: bool = False


def fold(text: str) -> str:
    """Lower case without accents: "Geschäftsführer" -> "geschaftsfuhrer"."""
    if text.isascii():
        return text.lower()
    text = text.casefold().replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(fold(phrase).replace("-", " ").split())


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
        self.acronyms: dict[str, tuple[tuple[str, ...], _Term]] = {}
        self.suffixes: dict[str, str] = {}
        self.prefixes: dict[str, str | None] = {}
        self.assistant_links: set[str] = set()
        self.reports_to: set[str] = set()
        for data, source in layers:
            _validate(data, source)
            self._apply(data)
            self.sources.append(source)
        self._inherit_levels()
        self.phrases: dict[tuple[str, ...], _Term] = {
            key: _Term(**attrs) for key, attrs in self._terms.items()
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
        self._word_cache: dict[tuple[str, bool], list[_Tok]] = {}
        self._cache: dict[str, TitleClass] = {}

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
                self._explicit_level.add(_words(phrase))
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
            self.abbreviations[fold(short)] = _words(long)
        for short, long in data.get("abbreviations_cased", {}).items():
            self.abbreviations_cased[short] = _words(long)
        for short, spec in data.get("acronyms", {}).items():
            term = _Term(level=spec["level"], function=spec["function"], tier=2)
            self.acronyms[fold(short)] = (_words(spec.get("expansion", short)), term)
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
                attrs["level"] = max(ranks, key=_PICK_RANK.__getitem__)

    def _set(self, phrases: Iterable[str], **attrs: Any) -> None:
        for phrase in phrases:
            key = _words(phrase)
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

    def compound(self, word: str) -> _Term | None:
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
        cached = self._cache.get(title)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[title] = _classify(title, self)
        return cached


def _typo_target(term: _Term | None) -> bool:
    """Typos are only read as ordinary words: never as "former", a company marker, a trainee
    word or a decoration ("farmer" must not become "former", "trainer" not "trainee")."""
    return term is None or not (term.former or term.company or term.conjunction or term.status
                                or term.noise or term.entry_dominant)


def _compound_term(level: str, function: str | None) -> _Term:
    tier = 2 if function else 0
    if level == "ic":
        return _Term(role=True, function=function, tier=tier)
    return _Term(level=level, function=function, tier=tier, entry_dominant=level == "entry")


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
            found.update(_words(p) for p in phrases)
    found.update(_words(p) for p in data.get("terms", {}))
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
    text = resources.files("outreach").joinpath("data/vocabulary.toml").read_text("utf-8")
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
def _default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


# ----------------------------------------------------------------------------- public API


def classify(title: str, vocabulary: Vocabulary | None = None) -> TitleClass:
    """Classify one job title. Never raises on odd text: unknown parts yield ``unknown``."""
    return (vocabulary or _default_vocabulary()).classify(title)


def classify_many(titles: Iterable[str], vocabulary: Vocabulary | None = None) -> list[TitleClass]:
    """Classify many titles in order; each distinct title is worked out once."""
    vocab = vocabulary or _default_vocabulary()
    cache = vocab._cache
    result: list[TitleClass] = []
    append = result.append
    for title in titles:
        found = cache.get(title) if isinstance(title, str) else None
        append(found if found is not None else vocab.classify(title))
    return result


# ----------------------------------------------------------------------------- tokens

_SEPARATOR_CHARS = "|•·▪◦►▶●◆◇■□★☆✦✧✪✯❖➤➔→⇒»«~/\\;｜"
_SEP_TRANSLATION = str.maketrans({c: " | " for c in _SEPARATOR_CHARS})
_NOTED = frozenset({"typo", "compound"})
_NOISE = _Term(noise=True)
_PUNCT_TOKENS = {
    "|": ("sep", "|"), ",": ("sep", ","), ":": ("sep", ":"), "(": ("open", "("),
    "[": ("open", "("), "{": ("open", "("), ")": ("close", ")"), "]": ("close", ")"),
    "}": ("close", ")"), "@": ("at", "@"),
}
_DASH_SEPARATOR = re.compile(r"\s[-‐‑‒–—―]+\s|[–—―]|^\s*-+|-+\s*$")
_TOKEN = re.compile(r"[^\W_]+(?:[&'’.][^\W_]+)*|[&+@|,:()\[\]{}]")
_APOSTROPHE = re.compile(r"['’]")
_DOTTED = re.compile(r"^(?:[^\W_]\.)+[^\W_]$")  # V.P., S.V.P., H.R.


@dataclass(slots=True)
class _Tok:
    """One token; shared between titles (never mutated once made)."""

    kind: str  # "word", "sep" (| , :), "conj", "open", "close", "at"
    text: str  # folded (and expanded) word
    raw: str  # what the user wrote, for explanations
    term: _Term | None = None
    note: str = ""
    longest: int = 0  # longest vocabulary phrase starting with this word
    single: _Term | None = None  # what the word means on its own


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


def _tokenize(title: str, vocab: Vocabulary) -> list[_Tok]:
    lower_title = not any(c.isupper() for c in title)
    toks: list[_Tok] = []
    cache = vocab._word_cache
    for raw in _raw_words(_clean(title)):
        punct = _PUNCT_TOKENS.get(raw)
        if punct is not None:
            toks.append(_Tok(punct[0], punct[1], raw))
            continue
        key = (raw, lower_title)
        made = cache.get(key)
        if made is None:
            if raw in ("&", "+"):  # a word, so "Learning & Development" still matches
                made = cache[key] = [_Tok("word", "and", raw)]
            else:
                made = cache[key] = _word_tokens(raw, vocab, lower_title)
            for tok in made:
                tok.longest = vocab.phrase_len.get(tok.text, 0)
                single = vocab.single.get(tok.text)
                tok.single = None if single is not None and _ignorable(single, tok.text, vocab) \
                    else single
        toks.extend(made)
    return toks


def _ignorable(term: _Term, word: str, vocab: Vocabulary) -> bool:
    """A pure decoration ("global", "the"): no need to carry it through the later stages."""
    return term == _NOISE and word not in vocab.reports_to


def _word_tokens(raw: str, vocab: Vocabulary, lower_title: bool) -> list[_Tok]:
    cased = vocab.abbreviations_cased.get(raw.upper())
    if cased and (raw.isupper() or lower_title) and len(raw) > 1:
        return [_Tok("word", w, raw) for w in cased]
    word = fold(raw)
    if word in vocab.acronyms:
        expansion, term = vocab.acronyms[word]
        return [_Tok("word", " ".join(expansion), raw, term)]
    if word in vocab.abbreviations:
        return [_Tok("word", w, raw) for w in vocab.abbreviations[word]]
    if word in vocab.known or not word.isalpha():
        return [_Tok("word", word, raw)]
    compound = vocab.compound(word)
    if compound is not None:
        return [_Tok("word", word, raw, compound, note="compound")]
    corrected = vocab.correct(word)
    if corrected is None:
        return [_Tok("word", word, raw)]
    kind, known = corrected
    if known in vocab.acronyms:
        expansion, term = vocab.acronyms[known]
        return [_Tok("word", " ".join(expansion), raw, term, note=kind)]
    if known in vocab.abbreviations:
        return [_Tok("word", w, raw, note=kind) for w in vocab.abbreviations[known]]
    return [_Tok("word", known, raw, note=kind if kind == "typo" else "")]


# ----------------------------------------------------------------------------- hits


@dataclass(slots=True)
class _Hit:
    start: int  # token index range [start, end)
    end: int
    term: _Term
    text: str  # normalised phrase
    source: str  # as written

    @property
    def level(self) -> str | None:
        return self.term.level


def _source(toks: list[_Tok]) -> str:
    out: list[str] = []
    for tok in toks:
        if not out or out[-1] != tok.raw:
            out.append(tok.raw)
    return " ".join(out)


def _match_phrases(toks: list[_Tok], vocab: Vocabulary) -> list[_Hit | _Tok]:
    """Greedy longest-phrase matching; returns hits interleaved with unmatched tokens."""
    items: list[_Hit | _Tok] = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        if tok.kind != "word":
            items.append(tok)
            i += 1
            continue
        if tok.term is not None:
            items.append(_Hit(i, i + 1, tok.term, tok.text, tok.raw))
            i += 1
            continue
        longest = tok.longest
        if longest <= 1:
            single = tok.single
            items.append(tok if single is None else _Hit(i, i + 1, single, tok.text, tok.raw))
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
                items.append(_Hit(i, i + length, term, " ".join(key),
                                  _source(toks[i:i + length])))
                i += length
                break
        else:
            items.append(tok)
            i += 1
    return _chief_officer(items, vocab.officers)


def _chief_officer(items: list[_Hit | _Tok], officers: set[str]) -> list[_Hit | _Tok]:
    """Fold "Chief <function words> Officer" into one C-level hit."""
    out: list[_Hit | _Tok] = []
    i = 0
    while i < len(items):
        item = items[i]
        if isinstance(item, _Hit) and item.term.chief:
            end = _find_officer(items, i, officers)
            if end is not None:
                inner = [h for h in items[i + 1:end + 1]
                         if isinstance(h, _Hit) and h.term.function and not h.term.officer]
                function, tier = "general_management", 1
                if inner:
                    best = max(inner, key=lambda h: h.term.tier)
                    function, tier = best.term.function or function, max(best.term.tier, 2)
                last = items[end]
                assert isinstance(last, _Hit)
                words = " ".join(x.text for x in items[i:end + 1])
                out.append(_Hit(item.start, last.end, _Term(level="cxo", function=function,
                                                               tier=tier),
                                words, " ".join(x.source if isinstance(x, _Hit) else x.raw
                                                for x in items[i:end + 1])))
                i = end + 1
                continue
        out.append(item)
        i += 1
    return out


def _find_officer(items: list[_Hit | _Tok], start: int, officers: set[str]) -> int | None:
    for j in range(start + 1, min(start + 8, len(items))):
        item = items[j]
        if isinstance(item, _Hit) and (item.term.officer or item.text.split()[-1] in officers):
            return j
        if isinstance(item, _Tok) and item.kind in ("sep", "open", "close", "at"):
            return None
        if isinstance(item, _Hit) and (item.level and not item.term.chief):
            return None
    return None


# ----------------------------------------------------------------------------- parts & roles


@dataclass
class _Part:
    hits: list[_Hit] = field(default_factory=list)
    paren: list[_Hit] = field(default_factory=list)
    former: bool = False
    assistant_to: str = ""
    to_marks: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def starts_role(self) -> bool:
        """A part with its own level word is a title of its own; others qualify one."""
        return bool(self.assistant_to) or any(
            _effective_level(self, i, h) for i, h in enumerate(self.hits)
        )


def _split_parts(items: list[_Hit | _Tok], vocab: Vocabulary) -> tuple[list[_Part], list[str]]:
    """Cut the hits into parts at separators and conjunctions; drop "at Company", noise and
    status words; mark former parts; keep parenthesised hits apart (they only break ties).

    A former marker inside parentheses covers only what follows it there: "VP Marketing
    (ex-Google)" is a current VP whose past is in the aside."""
    parts: list[_Part] = [_Part()]
    notes: list[str] = []
    depth = 0
    skipping = False  # inside "at Company"
    paren_former = 0  # depth of a parenthesis opened by "ex"/"former": skipped to its end
    for item in items:
        if isinstance(item, _Tok):
            kind = item.kind
            if kind == "sep" and item.text == "|":
                skipping = False
            if skipping:
                continue
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(0, depth - 1)
                if depth < paren_former:
                    paren_former = 0
            elif paren_former:
                continue
            elif kind in ("sep", "conj") and depth == 0:
                parts.append(_Part())
            elif kind == "at":
                skipping = True
                notes.append("dropped the company after '@'")
            continue
        term = item.term
        if skipping or paren_former:
            continue
        if term.former and depth:  # "(ex-Google)": an aside on the past, not this title's
            paren_former = depth
            notes.append(f"ignored the aside after '({item.source}' (a past employer or role)")
            continue
        if term.company and not term.level and not term.function:
            skipping = True
            notes.append(f"dropped the company after '{item.source}'")
            continue
        if term.conjunction and not term.level and not term.function:
            if depth == 0:
                parts.append(_Part())
            continue
        if term.former:
            parts[-1].former = True
            continue
        if term.status and not term.level:
            notes.append(f"ignored '{item.source}' (not a job)")
            continue
        if term.noise and not term.level and not term.function and not term.role:
            if item.text in vocab.reports_to:
                parts[-1].to_marks.append(item.start)
            continue
        (parts[-1].paren if depth else parts[-1].hits).append(item)
    parts = [p for p in parts if p.hits or p.paren or p.former]
    for part in parts:
        _drop_the_boss(part)
        _demote_modifier_titles(part)
    return parts, notes


def _drop_the_boss(part: _Part) -> None:
    """Drop the boss a role works for.

    "Executive Assistant to the CFO" is an assistant (other, ic), not a CFO; "Chief of Staff
    to the CEO" and "Advisor to the Board" keep their own role and drop whom they serve.
    """
    hits = part.hits
    for index, hit in enumerate(hits[:-1]):
        if hits[index + 1].start <= hit.end:
            continue  # "Assistant Director": no link word, the assistant is a director
        boss = next((h for h in hits[index + 1:index + 4]
                     if h.level in _SENIOR_ENOUGH_TO_ASSIST or h.term.chief), None)
        if boss is None:
            continue
        if hit.term.assistant:
            part.assistant_to = f"{hit.source} … {boss.source}"
            part.hits = [*hits[:index], _Hit(hit.start, boss.end, _Term(
                role=True, function="other", tier=3), hit.text, part.assistant_to)]
            part.paren = []
            return
        if (hit.level or hit.term.role) and any(hit.end <= m < boss.start for m in part.to_marks):
            part.hits = hits[:index + 1]
            part.notes.append(f"dropped '{boss.source}' (whom the role reports to)")
            return


def _demote_modifier_titles(part: _Part) -> None:
    """A C-level word before a role noun only qualifies it: "CEO Coach" is a coach."""
    hits = part.hits
    for index, hit in enumerate(hits):
        if hit.level != "cxo":
            continue
        rest = hits[index + 1:]
        if any(h.term.role and not h.term.officer for h in rest) and not any(
            h.level for h in rest
        ):
            hits[index] = _Hit(hit.start, hit.end, _Term(), hit.text, hit.source)


def _owner_counts(part: _Part, hit: _Hit, index: int) -> bool:
    """"Partner"/"Owner" are owners only at the end of a part and not after a function word."""
    if index + 1 < len(part.hits):
        return False
    if index > 0:
        before = part.hits[index - 1]
        if before.term.function and before.end == hit.start:
            return False
    return True


@dataclass
class _Role:
    parts: list[_Part]
    level: str = UNKNOWN
    anchor: _Hit | None = None
    level_note: str = ""
    former: bool = False


def _group_roles(parts: list[_Part]) -> list[_Role]:
    """Attach each part without a level word to the role before it, except that a current
    role noun never qualifies a former role: in "Ex-VP Marketing | Now Advisor" the advisor
    is today's role, not a detail of the past one."""
    roles: list[_Role] = []
    pending: list[_Part] = []
    previous: _Part | None = None
    for part in parts:
        starts = part.starts_role or (
            previous is not None and previous.former and not part.former
            and any(h.term.role for h in part.hits))
        previous = part
        if starts or not roles:
            if starts:
                roles.append(_Role([*pending, part]))
                pending = []
            else:
                pending.append(part)
        else:
            roles[-1].parts.append(part)
    if pending:
        if roles:
            roles[-1].parts.extend(pending)
        else:
            roles.append(_Role(pending))
    return roles


def _effective_level(part: _Part, index: int, hit: _Hit) -> str | None:
    if hit.term.owner_contextual and hit.level == "owner" and not _owner_counts(part, hit, index):
        return None
    return hit.level


def _is_object(part: _Part, index: int) -> bool:
    """"Dean of Students", "Director of Intern Programs": a trainee word after a senior level
    word and a link word names whom the role serves, not the role."""
    hit = part.hits[index]
    return any(
        h.level and h.level != "entry" and h.end < hit.start for h in part.hits[:index]
    )


def _resolve_level(role: _Role) -> None:
    best: tuple[int, _Hit] | None = None
    dominant: _Hit | None = None
    for part in role.parts:
        if part.assistant_to:
            role.level, role.anchor = "ic", part.hits[-1]
            role.level_note = f"level=ic: assistant ('{part.assistant_to}'), not the boss's role"
            return
        for index, hit in enumerate(part.hits):
            level = _effective_level(part, index, hit)
            if level is None:
                continue
            if hit.term.entry_dominant and dominant is None and not _is_object(part, index):
                dominant = hit
            rank = _PICK_RANK[level]
            if best is None or rank > best[0]:
                best = (rank, hit)
    if dominant is not None:
        role.level, role.anchor = "entry", dominant
        role.level_note = f"level=entry from '{dominant.source}'"
        return
    if best is not None:
        hit = best[1]
        role.level, role.anchor = hit.level or UNKNOWN, hit
        role.level_note = f"level={role.level} from '{hit.source}'"
        return
    roles = [h for p in role.parts for h in p.hits if h.term.role]
    if roles:
        role.level, role.anchor = "ic", roles[-1]
        role.level_note = f"level=ic: '{roles[-1].source}' with no seniority word"
        return
    if any(h.term.function for p in role.parts for h in p.hits + p.paren):
        role.level = "ic"
        role.level_note = "level=ic: a function with no seniority word"
        return
    paren_levels = [h for p in role.parts for h in p.paren if h.level]
    if paren_levels:
        hit = max(paren_levels, key=lambda h: _PICK_RANK[h.level or UNKNOWN])
        role.level, role.anchor = hit.level or UNKNOWN, hit
        role.level_note = f"level={role.level} from '({hit.source})'"
        return
    role.level_note = "level=unknown: no seniority or role word"


def _resolve_function(role: _Role) -> tuple[str, str]:
    """(function, explanation) for a role whose level (and anchor) is known.

    The level word's own function ("CFO", "Recruiter") wins unless a stronger function word is
    present ("Data Engineer": "data" beats the generic "engineer"). Parenthesised words count
    only when the rest has no real function word ("Portfolio Lead (PMO)").
    """
    anchor = role.anchor
    candidates = [h for p in role.parts for h in p.hits if h.term.function and h is not anchor]
    top = max((h.term.tier for h in candidates), default=-1)
    from_paren = False
    if top < 2:
        paren = [h for p in role.parts for h in p.paren if h.term.function]
        paren_top = max((h.term.tier for h in paren), default=-1)
        if paren_top >= 2:
            candidates, top, from_paren = paren, paren_top, True
    if anchor is not None and anchor.term.function and anchor.term.tier >= top:
        return anchor.term.function, f"function={anchor.term.function} from '{anchor.source}'"
    if not candidates:
        return UNKNOWN, "function=unknown: no function word"
    best = [h for h in candidates if h.term.tier == top]
    chosen = best[0] if from_paren else _nearest(role, best, anchor)
    source = f"'({chosen.source})'" if from_paren else f"'{chosen.source}'"
    return chosen.term.function or UNKNOWN, f"function={chosen.term.function} from {source}"


def _nearest(role: _Role, best: list[_Hit], anchor: _Hit | None) -> _Hit:
    """The function word that belongs to the level word.

    Right before it ("Finance Director", "Brand Marketing Lead": the last one), else right
    after it in the same part ("Head of Product Design": the head noun, i.e. the last of
    that run), else the nearest following part, else the nearest preceding part.
    """
    if anchor is None:
        return best[-1]
    anchor_part = next((i for i, p in enumerate(role.parts) if anchor in p.hits), 0)
    by_part: list[list[_Hit]] = [[h for h in p.hits if h in best] for p in role.parts]
    own = by_part[anchor_part]
    before = [h for h in own if h.end <= anchor.start]
    if before:
        return before[-1]
    after = [h for h in own if h.start >= anchor.end]
    if after:
        return after[-1]
    for hits in by_part[anchor_part + 1:]:
        if hits:
            return hits[-1]
    for hits in reversed(by_part[:anchor_part]):
        if hits:
            return hits[-1]
    return best[-1]


# ----------------------------------------------------------------------------- classify


def _normalized(toks: list[_Tok]) -> str:
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


def _classify(title: str, vocab: Vocabulary) -> TitleClass:
    toks = _tokenize(title, vocab)
    normalized = _normalized(toks)
    notes = [f"read '{t.raw}' as '{t.text}' (typo)" if t.note == "typo"
             else f"'{t.raw}' is a compound" for t in toks if t.note in _NOTED]
    items = _match_phrases(toks, vocab)
    parts, part_notes = _split_parts(items, vocab)
    notes += part_notes + [note for part in parts for note in part.notes]
    roles = _group_roles(parts) if parts else []
    if not roles:
        if any("not a job" in note for note in notes):
            return TitleClass(title, normalized, "other", UNKNOWN, "; ".join(notes))
        return TitleClass(title, normalized, UNKNOWN, UNKNOWN,
                          "; ".join(["nothing recognised", *notes]))
    for role in roles:
        _resolve_level(role)
        role.former = _is_former(role)
    current = [r for r in roles if not r.former]
    pool = current or roles
    chosen = max(pool, key=lambda r: _PICK_RANK[r.level])  # first wins ties
    function, function_note = _resolve_function(chosen)
    if function == UNKNOWN:
        function, function_note = _borrow_function(chosen, pool)
    if function == UNKNOWN and chosen.level in ("owner", "cxo"):
        function = "general_management"
        function_note = f"function=general_management: a {chosen.level} title with no function"
    rule = [chosen.level_note, function_note]
    others = [r for r in roles if r is not chosen]
    if chosen.former:
        rule.append("a former role (marked former/ex) and nothing current in the title")
    elif any(r.former for r in others):
        rule.append("ignored the former role(s)")
    alternatives = [r for r in others if not r.former and r.level != UNKNOWN]
    if alternatives:
        rule.append("multi-title: picked the most senior of "
                    + ", ".join(f"{r.level}" for r in [chosen, *alternatives]))
    return TitleClass(title, normalized, function, chosen.level, "; ".join(rule + notes))


def _is_former(role: _Role) -> bool:
    """A role is former when the part holding its level word says so ("Ex-CFO")."""
    anchor = role.anchor
    for part in role.parts:
        if anchor is not None and (anchor in part.hits or anchor in part.paren):
            return part.former
    return all(p.former for p in role.parts)


def _borrow_function(chosen: _Role, pool: list[_Role]) -> tuple[str, str]:
    """"VP & GM, Cloud Platform": a role with no function word takes its neighbour's."""
    for role in pool:
        if role is chosen:
            continue
        function, note = _resolve_function(role)
        if function != UNKNOWN:
            return function, note + " (from the other title)"
    return UNKNOWN, "function=unknown: no function word"

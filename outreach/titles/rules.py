"""The ``[grammar]`` table of the built-in ``vocabulary.toml``: what the rules are written against.

Level orderings, function tiers, separator characters, typo limits and compound rules are data,
read here once per process. Unlike the word lists they are built-in only: a user vocabulary
with a ``[grammar]`` table is refused like any unknown section, because changing, say, which
level an officer title is would change the meaning of every rule, not of one word.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.titles.model import UNKNOWN


@dataclass(frozen=True)
class Tiers:
    """How strongly a word names its function: in a role the highest tier wins."""

    fallback_functions: int
    weak_functions: int
    functions: int
    weak_roles: int
    roles: int
    strong_roles: int
    acronyms: int
    terms: int
    owner_contextual: int
    compound: int
    chief_default: int
    chief_named: int
    assistant: int
    real: int


@dataclass(frozen=True)
class Characters:
    """The punctuation a title is cut at, and what each kind of mark means."""

    separators: str
    dashes: str
    long_dashes: str
    dash_reads_as: str
    hard_separator: str
    soft_separators: str
    open_brackets: str
    close_brackets: str
    at: str
    in_word: str
    apostrophes: str


@dataclass(frozen=True)
class Typos:
    """How far an unknown word may be from a known one and still be read as it."""

    min_length: int
    target_min_length: int
    long_word: int
    edits: int
    long_edits: int
    plural_suffix: str
    final_vowels: str
    long_keep_ending: int


@dataclass(frozen=True)
class Compounds:
    """How an unknown word is split into a known prefix (function) and suffix (level)."""

    min_prefix: int
    min_suffix: int
    linking: tuple[str, ...]
    bare_suffixes: frozenset[str]
    bare_min_suffix: int


@dataclass(frozen=True)
class Inflections:
    """Gendered and inflected endings read as the form the vocabulary lists
    ("Leiterin" -> leiter, "direttrice" -> direttore, "Müdürü" -> mudur)."""

    rewrites: tuple[tuple[str, str], ...]
    min_stem: int


@dataclass(frozen=True)
class Grammar:
    """The built-in ``[grammar]`` table, checked and compiled."""

    levels: tuple[str, ...]
    functions: tuple[str, ...]
    pick_rank: dict[str, int]
    inherited_levels: frozenset[str]
    boss_levels: frozenset[str]
    leader_levels: frozenset[str]
    role_level: str
    trainee_level: str
    chief_level: str
    owner_level: str
    general_function: str
    other_function: str
    officer_within: int
    boss_within: int
    deputy_of: tuple[str, ...]
    deputy_level: str
    deputy_of_functions: tuple[str, ...]
    tiers: Tiers
    characters: Characters
    typos: Typos
    compounds: Compounds
    inflections: Inflections
    symbol_words: dict[str, str]
    fold: dict[int, str]


@functools.cache
def builtin_data() -> dict[str, Any]:
    """The built-in ``vocabulary.toml``, parsed once, and kept parsed in the user's cache
    folder for the next run, used while the file's bytes are the ones it was made from
    (parsing 100 KB of TOML was a quarter of importing the titles; issue 23)."""
    raw = resources.files("outreach.titles").joinpath("vocabulary.toml").read_bytes()
    stamp = _MAGIC + hashlib.sha256(raw).digest()
    cache = _cache_path()
    try:
        data = cache.read_bytes() if cache is not None else b""
        if data[:len(stamp)] == stamp:
            loaded = marshal.loads(data[len(stamp):])
            if isinstance(loaded, dict):
                return loaded
    except (OSError, ValueError, EOFError, TypeError):
        pass  # no cache, or one this Python cannot read: parse the file
    parsed = tomllib.loads(raw.decode("utf-8"))
    if cache is not None:
        _write_cache(cache, stamp + marshal.dumps(parsed))
    return parsed


_MAGIC = b"outreach-vocabulary-1\0"


def _cache_path() -> Path | None:
    """``vocabulary.<python>.marshal`` in the user cache folder (marshal's format is per
    Python version), or None where there is none."""
    import platformdirs

    try:
        folder = platformdirs.user_cache_path("outreach")
    except Exception:  # no home folder to put one in
        return None
    return folder / f"vocabulary.{sys.implementation.cache_tag}.marshal"


def _write_cache(cache: Path, data: bytes) -> None:
    """Written aside and renamed, so a reader sees a whole cache or none; never an error
    (where nothing can be written, the file is parsed each time, as before)."""
    temp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        os.replace(temp, cache)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


def _table(cls: type[Any], data: dict[str, Any], where: str) -> Any:
    """``cls(**data)`` with the built-in file named when a key is missing or unknown."""
    names = {f.name for f in fields(cls)}
    if set(data) != names:
        raise RuntimeError(f"built-in vocabulary.toml: [{where}] needs exactly the keys "
                           f"{sorted(names)}, has {sorted(data)}")
    return cls(**data)


def _load(data: dict[str, Any]) -> Grammar:
    table = dict(data)
    levels = tuple(table.pop("levels"))
    pick_order = table.pop("pick_order")
    level_names = [table[key] for key in ("role_level", "trainee_level", "chief_level",
                                          "owner_level")]
    listed = [*table["inherited_levels"], *table["boss_levels"], *table["leader_levels"],
              *table["deputy_of"], table["deputy_level"]]
    if sorted(pick_order) != sorted(levels) or not set(level_names + listed) <= set(levels):
        raise RuntimeError("built-in vocabulary.toml: [grammar] names a level not in levels")
    compounds = dict(table.pop("compounds"))
    compounds["bare_suffixes"] = frozenset(compounds["bare_suffixes"])
    compounds["linking"] = tuple(sorted(compounds["linking"], key=len, reverse=True))
    inflections = dict(table.pop("inflections"))
    inflections["rewrites"] = tuple((str(a), str(b)) for a, b in inflections["rewrites"])
    grammar = {
        **table,
        "levels": levels,
        "functions": tuple(table["functions"]),
        # rank = how many levels it beats; a role with no level (unknown) beats none
        "pick_rank": {level: len(pick_order) - i for i, level in enumerate(pick_order)}
        | {UNKNOWN: 0},
        "inherited_levels": frozenset(table["inherited_levels"]),
        "boss_levels": frozenset(table["boss_levels"]),
        "leader_levels": frozenset(table["leader_levels"]),
        "deputy_of": tuple(table["deputy_of"]),
        "deputy_of_functions": tuple(table["deputy_of_functions"]),
        "tiers": _table(Tiers, table["tiers"], "grammar.tiers"),
        "characters": _table(Characters, table["characters"], "grammar.characters"),
        "typos": _table(Typos, table["typos"], "grammar.typos"),
        "compounds": _table(Compounds, compounds, "grammar.compounds"),
        "inflections": _table(Inflections, inflections, "grammar.inflections"),
        "fold": str.maketrans(table["fold"]),
    }
    return _table(Grammar, grammar, "grammar")


GRAMMAR: Grammar = _load(builtin_data()["grammar"])
"""The grammar every vocabulary shares."""

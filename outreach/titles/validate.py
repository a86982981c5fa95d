"""Read a user vocabulary file and check the shape of every layer, so a user's mistake gets a
message naming the file and the entry, not a traceback."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError
from outreach.titles.rules import GRAMMAR

PHRASE_SECTIONS = ("functions", "weak_functions", "fallback_functions", "roles", "weak_roles",
                   "strong_roles", "levels")
"""Sections that map a name (function or level) to a list of phrases."""

LANGUAGE_SECTIONS = frozenset({
    *PHRASE_SECTIONS, "abbreviations", "abbreviations_cased", "acronyms", "terms", "rules",
    "compounds",
})
"""What a ``[languages.<code>]`` table may hold: the same shape as the file itself."""

SECTIONS = LANGUAGE_SECTIONS | {"languages", "sectors", "grades"}
RULE_LISTS = frozenset({
    "entry_dominant", "owner_contextual", "assistant", "assistant_links", "company_markers",
    "former", "conjunctions", "noise", "status", "chief", "officer", "reports_to", "deputy",
    "retired", "until", "member", "board", "non_equity",
})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SECTOR_KEYS = frozenset({"context", "function", "levels"})
_TERM_KEYS = frozenset({"level", "function", "tier", "role", "expansion"})
_TIERS = (0, 1, 2, 3)
_NAME = re.compile(r"^[a-z][a-z_]*$")
_LEVELS = GRAMMAR.levels


class VocabularyError(ValueError):
    """A layer of the vocabulary has the wrong shape; ``source`` names the layer."""

    def __init__(self, message: str, source: str) -> None:
        super().__init__(message)
        self.source = source


class _Invalid(ValueError):
    pass


def read_user_file(path: Path) -> dict[str, Any]:
    """The parsed TOML of a user vocabulary; a missing or unreadable file is an OutreachError."""
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


def validate(data: Mapping[str, Any], source: str) -> None:
    """Raise ``VocabularyError`` for the first problem in ``data`` (a layer from ``source``)."""
    try:
        _check_layer(data, SECTIONS, "")
        languages = data.get("languages", {})
        if not isinstance(languages, dict):
            raise _Invalid("[languages] must be a table of language tables")
        for code, layer in languages.items():
            if not _LANGUAGE.match(code) or not isinstance(layer, dict):
                raise _Invalid(f"[languages.{code}] must be a table named by a language code "
                               "(two or three lower-case letters)")
            _check_layer(layer, LANGUAGE_SECTIONS, f"languages.{code}.")
        _check_sectors(data)
        _check_grades(data)
    except _Invalid as exc:
        raise VocabularyError(str(exc), source) from None


def _check_layer(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    try:
        _check_sections(data, allowed)
        _check_phrase_tables(data)
        _check_abbreviations(data)
        _check_acronyms(data)
        _check_terms(data)
        _check_rules(data)
        _check_compounds(data)
    except _Invalid as exc:
        if where:
            raise _Invalid(f"{exc} (in [{where.rstrip('.')}])") from None
        raise


def _check_sections(data: Mapping[str, Any], allowed: frozenset[str] = SECTIONS) -> None:
    unknown = sorted(set(data) - allowed - {"version"})
    if unknown:
        raise _Invalid(f"unknown section [{unknown[0]}] "
                       f"(expected one of {', '.join(sorted(allowed))})")


def _check_sectors(data: Mapping[str, Any]) -> None:
    sectors = data.get("sectors", {})
    if not isinstance(sectors, dict):
        raise _Invalid("[sectors] must be a table of sector tables")
    for name, spec in sectors.items():
        if not _NAME.match(name) or not isinstance(spec, dict):
            raise _Invalid(f"[sectors.{name}] must be a table named in lower-case letters and _")
        extra = set(spec) - _SECTOR_KEYS
        if extra:
            raise _Invalid(f"[sectors.{name}] unknown key {sorted(extra)[0]!r} "
                           f"(expected {', '.join(sorted(_SECTOR_KEYS))})")
        _phrase_list(spec.get("context", []), f"sectors.{name}.context")
        if "function" in spec and not (isinstance(spec["function"], str)
                                       and _NAME.match(spec["function"])):
            raise _Invalid(f"[sectors.{name}] bad function {spec['function']!r}")
        levels = spec.get("levels", {})
        if not isinstance(levels, dict):
            raise _Invalid(f"[sectors.{name}.levels] must map phrases to levels")
        for phrase, value in levels.items():
            entry = value if isinstance(value, dict) else {"level": value}
            if set(entry) - {"level", "function"} or entry.get("level") not in _LEVELS:
                raise _Invalid(f"[sectors.{name}.levels] {phrase!r}: a level, or a table "
                               "with level and function")
            if "function" in entry and not _NAME.match(str(entry["function"])):
                raise _Invalid(f"[sectors.{name}.levels] {phrase!r}: bad function")


def _check_grades(data: Mapping[str, Any]) -> None:
    grades = data.get("grades", {})
    if not isinstance(grades, dict) or not all(v in _LEVELS for v in grades.values()):
        raise _Invalid("[grades] must map grade words to levels")


def _phrase_list(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"[{where}] must be a list of strings")


def _check_phrase_tables(data: Mapping[str, Any]) -> None:
    for section in PHRASE_SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise _Invalid(f"[{section}] must be a table of lists")
        for name, value in table.items():
            if section == "levels" and name not in _LEVELS:
                raise _Invalid(f"[levels] unknown level {name!r} "
                               f"(expected one of {', '.join(_LEVELS)})")
            if not _NAME.match(name):
                raise _Invalid(f"[{section}] bad function name {name!r} "
                               "(lower-case letters and _)")
            _phrase_list(value, f"{section}.{name}")


def _check_abbreviations(data: Mapping[str, Any]) -> None:
    for section in ("abbreviations", "abbreviations_cased"):
        table = data.get(section, {})
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and v.strip() for v in table.values()
        ):
            raise _Invalid(f"[{section}] must map words to their expansion (strings)")


def _check_acronyms(data: Mapping[str, Any]) -> None:
    for name, spec in data.get("acronyms", {}).items():
        if not isinstance(spec, dict) or not {"function", "level"} <= set(spec):
            raise _Invalid(f"[acronyms] {name!r} needs function and level")
        _check_term(spec, f"acronyms.{name}")


def _check_terms(data: Mapping[str, Any]) -> None:
    terms = data.get("terms", {})
    if not isinstance(terms, dict):
        raise _Invalid("[terms] must be a table")
    for name, spec in terms.items():
        if not isinstance(spec, dict):
            raise _Invalid(f"[terms] {name!r} must be a table like {{ level = \"vp\" }}")
        _check_term(spec, f"terms.{name}")


def _check_term(spec: Mapping[str, Any], where: str) -> None:
    extra = set(spec) - _TERM_KEYS
    if extra:
        raise _Invalid(f"[{where}] unknown key {sorted(extra)[0]!r}")
    if "level" in spec and spec["level"] not in _LEVELS:
        raise _Invalid(f"[{where}] unknown level {spec['level']!r} "
                       f"(expected one of {', '.join(_LEVELS)})")
    if "function" in spec and not (isinstance(spec["function"], str)
                                   and _NAME.match(spec["function"])):
        raise _Invalid(f"[{where}] bad function {spec['function']!r}")
    if "tier" in spec and spec["tier"] not in _TIERS:
        raise _Invalid(f"[{where}] tier must be 0, 1, 2 or 3")


def _check_rules(data: Mapping[str, Any]) -> None:
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise _Invalid("[rules] must be a table of lists")
    for name, value in rules.items():
        if name not in RULE_LISTS:
            raise _Invalid(f"[rules] unknown rule {name!r}")
        _phrase_list(value, f"rules.{name}")


def _check_compounds(data: Mapping[str, Any]) -> None:
    compounds = data.get("compounds", {})
    if not isinstance(compounds, dict):
        raise _Invalid("[compounds] must be a table")
    for name, value in compounds.get("suffixes", {}).items():
        entry = value if isinstance(value, dict) else {"level": value}
        if set(entry) - {"level", "function", "sector"} or (
                entry.get("level") not in _LEVELS and not (isinstance(value, dict)
                                                           and "level" not in entry)):
            raise _Invalid(f"[compounds.suffixes] {name!r}: unknown level {value!r}")
        if "function" in entry and not _NAME.match(str(entry["function"])):
            raise _Invalid(f"[compounds.suffixes] {name!r}: bad function {entry['function']!r}")
    for name, value in compounds.get("prefixes", {}).items():
        entry = value if isinstance(value, dict) else {"function": value}
        if set(entry) - {"function", "level", "head_level"}:
            raise _Invalid(f"[compounds.prefixes] {name!r}: keys are function, level and "
                           "head_level")
        if "function" in entry and not (isinstance(entry["function"], str)
                                        and _NAME.match(entry["function"])):
            raise _Invalid(f"[compounds.prefixes] {name!r}: bad function {entry['function']!r}")
        for key in ("level", "head_level"):
            if key in entry and entry[key] not in _LEVELS:
                raise _Invalid(f"[compounds.prefixes] {name!r}: unknown {key} {entry[key]!r}")

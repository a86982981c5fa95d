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

SECTIONS = frozenset({
    *PHRASE_SECTIONS, "abbreviations", "abbreviations_cased", "acronyms", "terms", "rules",
    "compounds",
})
RULE_LISTS = frozenset({
    "entry_dominant", "owner_contextual", "assistant", "assistant_links", "company_markers",
    "former", "conjunctions", "noise", "status", "chief", "officer", "reports_to",
})
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
        _check_sections(data)
        _check_phrase_tables(data)
        _check_abbreviations(data)
        _check_acronyms(data)
        _check_terms(data)
        _check_rules(data)
        _check_compounds(data)
    except _Invalid as exc:
        raise VocabularyError(str(exc), source) from None


def _check_sections(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - SECTIONS - {"version"})
    if unknown:
        raise _Invalid(f"unknown section [{unknown[0]}] "
                       f"(expected one of {', '.join(sorted(SECTIONS))})")


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
        if value not in _LEVELS:
            raise _Invalid(f"[compounds.suffixes] {name!r}: unknown level {value!r}")
    for name, value in compounds.get("prefixes", {}).items():
        if not isinstance(value, str) or not _NAME.match(value):
            raise _Invalid(f"[compounds.prefixes] {name!r}: bad function {value!r}")

"""Writing tables of people as CSV, JSON or a terminal table.

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) are
prefixed with an apostrophe: names and titles come from strangers (OWASP "CSV injection").
Look-alikes count too: the fullwidth and small forms (``＝ ＋ － ＠``, ``﹦``), the minus sign
``−``, and any of them behind invisible characters (zero-width space, BOM, bidi marks) or
spaces, which some spreadsheets and importers drop before reading the cell.
``restore`` undoes that when our own CSV is read back as input.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_OPERATORS = frozenset("=+-@")
_LOOK_ALIKES = {"\u2212": "-", "\u2796": "-", "\u2795": "+"}  # minus sign, heavy − and +


def _skipped(char: str) -> bool:
    """Invisible or blank characters a spreadsheet may drop before the first visible one."""
    return unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp", "Mn") or char in "\n\x0b\x0c"


def is_formula(text: str) -> bool:
    """True if a spreadsheet could read ``text`` as a formula (see the module doc)."""
    if text.startswith(_FORMULA_START):
        return True
    for char in text:
        if _skipped(char):
            continue
        char = _LOOK_ALIKES.get(char, char)
        return char in _OPERATORS or unicodedata.normalize("NFKC", char)[:1] in _OPERATORS
    return False


def neutralise(value: object) -> str:
    """Make a cell safe to open in Excel/Sheets/LibreOffice."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula(text) else text


def restore(text: str) -> str:
    """Undo ``neutralise`` on a cell of our own CSV: ``'=HYPERLINK(…)`` → ``=HYPERLINK(…)``.

    Only an apostrophe before what ``neutralise`` guards is removed (``= + - @``, their
    look-alikes, behind invisible characters); any other apostrophe is the person's own.
    """
    return text[1:] if text.startswith("'") and is_formula(text[1:]) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(_plain(cell)) for cell in row])
    return buffer.getvalue()


def to_json(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    records = [dict(zip(header, (_plain(c) for c in row), strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value

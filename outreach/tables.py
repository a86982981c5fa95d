"""Writing tables of people as CSV, JSON or a terminal table.

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) are
prefixed with an apostrophe: names and titles come from strangers (OWASP "CSV injection").
``restore`` undoes that when our own CSV is read back as input.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RESTORABLE = ("'=", "'+", "'-", "'@")


def neutralise(value: object) -> str:
    """Make a cell safe to open in Excel/Sheets/LibreOffice."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def restore(text: str) -> str:
    """Undo ``neutralise`` on a cell of our own CSV: ``'=HYPERLINK(…)`` → ``=HYPERLINK(…)``.

    Only an apostrophe before ``= + - @`` is removed; any other apostrophe is the person's own.
    """
    return text[1:] if text.startswith(_RESTORABLE) else text


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

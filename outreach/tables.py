"""Writing tables of people as CSV, JSON or a terminal table.

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) are
prefixed with an apostrophe: names and titles come from strangers (OWASP "CSV injection").
Look-alikes count too: the fullwidth and small forms (``＝ ＋ － ＠``, ``﹦``), the minus sign
``−``, and any of them behind invisible characters (zero-width space, BOM, bidi marks) or
spaces, which some spreadsheets and importers drop before reading the cell.
``restore`` undoes that when our own CSV is read back as input.

Every CSV the tool writes goes through ``to_csv`` in one of three ``CsvDialect``s, so it opens
right in the user's spreadsheet: ``excel`` (a UTF-8 BOM, commas), ``excel-semicolon`` (a BOM,
semicolons: what Excel expects where the decimal separator is a comma, as in de, es, fr, pt,
it, nl) and ``plain`` (commas, no BOM, for tools). Without a dialect given, the one set by
``csv_dialect`` (the command line's ``--csv-dialect``) is used, else the one the locale's
spreadsheet reads (``dialect_for_locale``). ``csvread`` reads all three back.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import functools
import io
import json
import operator
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import date
from typing import Any

BOM = "\ufeff"


class CsvDialect(enum.StrEnum):
    EXCEL = "excel"
    EXCEL_SEMICOLON = "excel-semicolon"
    PLAIN = "plain"

    @property
    def delimiter(self) -> str:
        return ";" if self is CsvDialect.EXCEL_SEMICOLON else ","

    @property
    def bom(self) -> str:
        return "" if self is CsvDialect.PLAIN else BOM


# (dialect chosen or None, locale): set by the command that runs (``csv_dialect``).
_BLOCKS: ContextVar[bool] = ContextVar("csv_dialect_block", default=False)
_CHOSEN: ContextVar[tuple[CsvDialect | None, str]] = ContextVar("csv_dialect",
                                                                default=(None, "en"))


@contextlib.contextmanager
def csv_dialect(dialect: CsvDialect | str | None, locale: str = "en") -> Iterator[None]:
    """Within the block, ``to_csv`` writes ``dialect`` (None: the one ``locale`` expects)."""
    token = _CHOSEN.set((CsvDialect(dialect) if dialect else None, locale))
    inside = _BLOCKS.set(True)
    try:
        yield
    finally:
        _BLOCKS.reset(inside)
        _CHOSEN.reset(token)


def follow_locale(locale: str) -> None:
    """Inside a ``csv_dialect`` block chosen by no one (no ``--csv-dialect``), write for
    ``locale`` from now on: the command's ``--locale``, known only once its options are read."""
    chosen, _old = _CHOSEN.get()
    if _BLOCKS.get():
        _CHOSEN.set((chosen, locale))


_DECIMAL_POINT = frozenset({"en", "en_US", "en_GB", "en_CA", "en_AU", "en_NZ", "en_IE"})
"""Locales whose decimals CLDR writes with a point, known without loading its data (a
twentieth of a campaign's CPU); ``tests/test_tables_columns.py`` checks them against babel."""


def dialect_for_locale(locale: str) -> CsvDialect:
    """``excel-semicolon`` where the locale writes decimals with a comma (CLDR, via babel):
    Excel there splits columns at ``;``; else ``excel``."""
    if locale in _DECIMAL_POINT:
        return CsvDialect.EXCEL
    from outreach.i18n.locales import babel_locale

    decimal = babel_locale(locale).number_symbols.get("latn", {}).get("decimal", ".")
    return CsvDialect.EXCEL_SEMICOLON if decimal == "," else CsvDialect.EXCEL


def current_dialect() -> CsvDialect:
    chosen, locale = _CHOSEN.get()
    return chosen or dialect_for_locale(locale)

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


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]],
           dialect: CsvDialect | None = None) -> str:
    """The one CSV writer: ``header`` and ``rows`` in ``dialect`` (see the module doc), every
    cell neutralised against formulas. The text starts with the BOM the dialect has."""
    rows = list(rows)
    width = len(header)
    if rows and width and all(len(row) == width for row in rows):
        return columns_to_csv(header, list(zip(*rows, strict=True)), dialect)
    dialect = dialect or current_dialect()
    buffer = io.StringIO()
    buffer.write(dialect.bom)
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([neutralise(_plain(cell)) for cell in row] for row in rows)
    return buffer.getvalue()


def columns_to_csv(header: Sequence[str], columns: Sequence[Sequence[Any]],
                   dialect: CsvDialect | None = None) -> str:
    """``to_csv`` of a table given a column at a time (each as long as the others): the
    same text, each column made safe in one pass (``safe_column``)."""
    dialect = dialect or current_dialect()
    buffer = io.StringIO()
    buffer.write(dialect.bom)
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\n")
    writer.writerow(header)
    cells = [safe_column(column) for column in columns]
    if len(cells) < 2 or not cells[0]:  # a lone empty cell is written "" by the reader's rule
        writer.writerows(zip(*cells, strict=True))
        return buffer.getvalue()
    quoted = [_quoted(column, dialect.delimiter) for column in cells]
    buffer.write("\n".join(map(dialect.delimiter.join, zip(*quoted, strict=True))))
    buffer.write("\n")
    return buffer.getvalue()


def _quoted(cells: Sequence[str], delimiter: str) -> Sequence[str]:
    """A column's cells as the CSV writer writes them (minimal quoting, ``"`` doubled): a
    cell holding the delimiter, a quote or a line end is quoted. A column with none of them
    anywhere (most) is checked in one pass over its joined text."""
    joined = "\0".join(cells)
    if delimiter not in joined and '"' not in joined and "\n" not in joined:
        return cells
    return ['"' + cell.replace('"', '""') + '"'
            if delimiter in cell or '"' in cell or "\n" in cell else cell for cell in cells]


def safe_column(cells: Sequence[Any]) -> Sequence[str]:
    """Every cell of a column as the text ``neutralise(_plain(cell))`` gives. A column whose
    every cell starts with a character that decides "no formula" (nearly every one) is
    returned as it is, checked one first character at a time rather than cell by cell."""
    if set(map(type, cells)) != {str}:
        cells = ["" if v is None else str(v) for v in map(_plain, cells)]
    firsts = set(map(_FIRST_CHAR, cells))
    if all(map(_starts_plain, firsts)):
        return cells
    return [neutralise(text) for text in cells]


_FIRST_CHAR = operator.itemgetter(slice(0, 1))


@functools.lru_cache(maxsize=4096)
def _starts_plain(first: str) -> bool:
    """Whether a cell starting with ``first`` (one character, or "" for an empty cell) is
    plain text whatever follows: ``is_formula`` decides on the first character that is not
    skipped, so a visible first character that is no operator settles it."""
    return not first or (not _skipped(first) and not is_formula(first))


def to_json(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    records = [dict(zip(header, (_plain(c) for c in row), strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value

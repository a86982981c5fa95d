"""Reading CSV files the way people actually have them: LinkedIn's own output, or re-saved by Excel.

LinkedIn writes UTF-8 without BOM, LF line ends and (since ~2021) a ``Notes:`` preamble before
the header. After a spreadsheet round-trip the same file may carry a BOM, CRLF, cp1252 bytes
(sometimes only in the rows the user edited), semicolons or tabs instead of commas (Excel in a
European locale) and padded preamble lines. So: decode line by line, sniff the delimiter from the
header line, read with a real CSV reader, and take as header the first row containing all the
required column names (never a fixed line count).

A quote that is never closed would make the CSV reader swallow the rest of the file into one
field. That is refused with the line it starts on, never read as one odd connection.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from outreach.errors import OutreachError

csv.field_size_limit(10_000_000)


def decode(data: bytes) -> str:
    """UTF-16 with BOM, else UTF-8 (with or without BOM) line by line.

    A line that is not valid UTF-8 is Windows-1252 (else Latin-1): a spreadsheet may re-save
    only the rows a user edited, so one such row must not turn the good UTF-8 rows around it
    into mojibake ("JosÃ©").
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    return "\n".join(_decode_line(line) for line in lines)


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def header_key(cell: str) -> str:
    """``' E-mail  Address\\ufeff'`` → ``'e-mail address'``."""
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').casefold().split())


@dataclass(frozen=True)
class Table:
    """Rows of a CSV file after its header, with columns resolved by name.

    ``columns`` maps a canonical field name to its index; ``header`` is the header as written;
    ``header_line`` is the 1-based line number of the header in the file.
    """

    label: str
    header: list[str]
    columns: dict[str, int]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line number, cells)

    def extra_columns(self) -> list[tuple[str, int]]:
        """Header cells that are not one of the known fields: (name as written, index)."""
        known = set(self.columns.values())
        return [(name.strip(), i) for i, name in enumerate(self.header)
                if i not in known and name.strip()]


def read_table(
    text: str,
    label: str,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
    *,
    check_swallowed: bool = False,
) -> Table:
    """Find the header row (the first containing every required field) and collect the rows.

    ``aliases`` maps a canonical field to the header spellings it accepts (already
    ``header_key``-normalised). Raises ``OutreachError`` naming ``label`` and the missing fields.
    ``check_swallowed`` also refuses a multi-line quoted cell that holds whole rows (a quote
    left open until the next quote in the file): only for files whose rows have no long text.
    """
    lookup = _lookup(aliases)
    rows_iter = _Rows(text, label, sniff_delimiter(text, lookup))
    best: tuple[int, list[str]] = (-1, [])
    numbered = iter(rows_iter)
    for line, cells in numbered:
        columns = _resolve(cells, lookup)
        if all(field in columns for field in required):
            if check_swallowed:
                rows_iter.width = len(cells)
            return Table(label, cells, columns, line, _body(numbered, cells, lookup))
        found = sum(field in columns for field in required)
        if found > best[0]:
            best = (found, [f for f in required if f not in columns])
    missing = best[1] if best[0] > 0 else list(required)
    names = ", ".join(aliases[f][0].title() for f in missing)
    if best[0] > 0:
        raise OutreachError(f"{label}: header is missing required column(s): {names}")
    raise OutreachError(f"{label}: no recognisable header row (expected columns {names}, "
                        "separated by commas, semicolons or tabs)")


def _body(numbered: Iterator[tuple[int, list[str]]], header: list[str],
          lookup: Mapping[str, str]) -> list[tuple[int, list[str]]]:
    """The non-blank rows after the header. Two exports pasted one after the other repeat the
    header (and LinkedIn's one-cell ``Notes:`` preamble before it): those rows are the second
    file's header, not people, and are left out."""
    header_keys = [header_key(c) for c in header]
    could_start = set(lookup) | {header_keys[0] if header_keys else ""}
    rows: list[tuple[int, list[str]]] = []
    first_keys: dict[str, str] = {}  # header_key of first cells seen (names repeat)
    for line, row in numbered:
        first = row[0] if row else ""
        if (not first or first.isspace()) and not "".join(row).strip():
            continue  # every cell blank (a row whose first cell is not blank is not)
        key = first_keys.get(first)
        if key is None:
            key = first_keys[first] = header_key(first)
        if key not in could_start:  # a person: one check, not one per cell
            rows.append((line, row))
            continue
        if (len(row) >= 2 and [header_key(c) for c in row] == header_keys[:len(row)]) or (
                _is_header_row(row, lookup, header_keys)):
            while rows and sum(bool(c.strip()) for c in rows[-1][1]) == 1 and len(
                    rows[-1][1]) == 1:
                rows.pop()  # the preamble lines before the repeated header
            continue
        rows.append((line, row))
    return rows


def _is_header_row(row: list[str], lookup: Mapping[str, str], header_keys: list[str]) -> bool:
    """A row whose cells are all column names, as many as the header's (any order)."""
    names = {header_key(c) for c in row if c.strip()}
    return len(names) >= min(3, len(header_keys)) and all(n in lookup for n in names)


def sniff_delimiter(text: str, lookup: Mapping[str, str]) -> str:
    """``,`` unless the header line is cut by ``;`` or tabs (Excel in a European locale).

    The header is the first of the opening lines in which one delimiter separates at least
    two known column names (``lookup``: header spelling → field); commas are tried first.
    """
    for line in text.split("\n", _SNIFF_LINES)[:_SNIFF_LINES]:
        for delimiter in _DELIMITERS:
            if delimiter in line and len(_resolve(line.split(delimiter), lookup)) >= 2:
                return delimiter
    return ","


_DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 50


class _Rows:
    """The records of a CSV text as (line number, cells), refusing a quote left open.

    An unclosed quote makes the CSV reader run its field on to the end of the file (or to the
    next quote): one row that silently holds all the rest. The reader is fed through a chain
    that notes when the text ran out; a record completed only by the end of the text is such
    a field.

    A line without a quote is one record whose cells are its text cut at the delimiter: what
    the CSV reader makes of it, cut in one C call (nine lines of ten in an export). The reader
    reads the lines that hold a quote (and the lines such a record runs on to); a text with a
    carriage return (its lines end in more ways than one) or a NUL goes to the reader whole.
    """

    def __init__(self, text: str, label: str, delimiter: str) -> None:
        self._ran_out: list[bool] = []
        self._text = text
        self.label, self.delimiter = label, delimiter
        self.width = 0  # header width once known; 0 turns the swallowed-rows check off

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        if "\r" in self._text or "\0" in self._text:
            return self._read(io.StringIO(self._text, newline=""), 0, None)
        lines = self._text.split("\n")
        if lines[-1] == "":  # a text ending in a line end has no line after it
            lines.pop()
        return self._split(lines)

    def _split(self, lines: list[str]) -> Iterator[tuple[int, list[str]]]:
        """The records of ``lines``: a plain one cut at the delimiter, the rest read."""
        delimiter, limit = self.delimiter, csv.field_size_limit()
        count = len(lines)
        at = [0]  # the next line the reader is given

        def feed() -> Iterator[str]:
            while at[0] < count:
                at[0] += 1
                yield lines[at[0] - 1] + "\n"

        records = self._read(feed(), 0, at)
        index = 0
        while index < count:
            line = lines[index]
            if '"' not in line and len(line) <= limit:
                index += 1
                yield index, line.split(delimiter) if line else []
                continue
            at[0] = index
            yield next(records)
            index = at[0]

    def _read(self, lines: Iterable[str], first: int, at: list[int] | None
              ) -> Iterator[tuple[int, list[str]]]:
        """The CSV reader's records of ``lines`` (the text from line ``first + 1``); with
        ``at``, the index of the line each record starts on is read from it."""
        ran_out = self._ran_out
        reader = csv.reader(itertools.chain(lines, iter(lambda: ran_out.append(True), None)),
                            delimiter=self.delimiter)
        start = first + 1
        read = 0  # lines the reader has read before this record
        try:
            while True:
                if at is not None:
                    start = at[0] + 1
                    read = reader.line_num
                cells = next(reader, None)
                if cells is None:
                    return
                end = start + reader.line_num - read - 1
                if ran_out or (end > start and self.width and self._swallows_rows(cells)):
                    raise OutreachError(self._unterminated(start, bool(ran_out)))
                yield start, cells
                start = end + 1
                read = reader.line_num
        except csv.Error as exc:
            raise OutreachError(f"{self.label}: line {start}: unreadable CSV: {exc}") from None

    def _swallows_rows(self, cells: list[str]) -> bool:
        """Does a multi-line cell hold whole rows (a quote left open until a later one)?

        Evidence of that: a line inside the cell that is a whole row by itself, or a last
        line that, with the cells after the cell, makes a row while the record as a whole
        does not have the header's width (or the line has many delimiters of its own). A
        name broken over two lines (``"Ana\nMaria"``, in any column, with LF or CR LF) has
        neither: its record has the header's width and its lines few delimiters.
        """
        need = self.width - 1
        for index, cell in enumerate(cells):
            if "\n" not in cell and "\r" not in cell:
                continue
            pieces = cell.splitlines()
            if any(piece.count(self.delimiter) >= need for piece in pieces[1:-1]):
                return True
            after = len(cells) - 1 - index
            count = pieces[-1].count(self.delimiter) if len(pieces) > 1 else 0
            if count and count + after >= need and (
                    len(cells) != self.width or count >= max(2, need // 2)):
                return True
        return False

    def _unterminated(self, line: int, to_the_end: bool) -> str:
        what = ("the rest of the file would be one field" if to_the_end
                else "the rows after it would be one field")
        return f"{self.label}: line {line}: unterminated quote ({what})"


def _lookup(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {spelling: field for field, names in aliases.items() for spelling in names}


def _resolve(cells: Sequence[str], lookup: Mapping[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = lookup.get(header_key(cell))
        if field is not None and field not in columns:
            columns[field] = index
    return columns

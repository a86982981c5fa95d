"""Reading CSV files the way people actually have them: LinkedIn's own output, or re-saved by Excel.

LinkedIn writes UTF-8 without BOM, LF line ends and (since ~2021) a ``Notes:`` preamble before
the header. After a spreadsheet round-trip the same file may carry a BOM, CRLF, cp1252 bytes and
padded preamble lines. So: decode leniently, read with a real CSV reader, and take as header the
first row containing all the required column names (never a fixed line count).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from outreach.errors import OutreachError

csv.field_size_limit(10_000_000)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


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
) -> Table:
    """Find the header row (the first containing every required field) and collect the rows.

    ``aliases`` maps a canonical field to the header spellings it accepts (already
    ``header_key``-normalised). Raises ``OutreachError`` naming ``label`` and the missing fields.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    best: tuple[int, list[str]] = (-1, [])
    rows_iter = _numbered(reader, label)
    for line, cells in rows_iter:
        columns = _resolve(cells, aliases)
        if all(field in columns for field in required):
            rows = [(n, row) for n, row in rows_iter if any(c.strip() for c in row)]
            return Table(label, cells, columns, line, rows)
        found = sum(field in columns for field in required)
        if found > best[0]:
            best = (found, [f for f in required if f not in columns])
    missing = best[1] if best[0] > 0 else list(required)
    names = ", ".join(aliases[f][0].title() for f in missing)
    if best[0] > 0:
        raise OutreachError(f"{label}: header is missing required column(s): {names}")
    raise OutreachError(f"{label}: no recognisable header row (expected columns {names})")


def _numbered(reader: Iterator[list[str]], label: str) -> Iterator[tuple[int, list[str]]]:
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1  # type: ignore[attr-defined]
    except csv.Error as exc:
        raise OutreachError(f"{label}: line {start}: unreadable CSV: {exc}") from None


def _resolve(cells: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    lookup = {spelling: field for field, names in aliases.items() for spelling in names}
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = lookup.get(header_key(cell))
        if field is not None and field not in columns:
            columns[field] = index
    return columns

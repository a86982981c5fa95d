"""The connections a column at a time (issue 23): ``ingest`` reads an export's 100,000 rows
as columns, each cleaned in a few passes over its joined text, hidden rows found by search,
the kept rows picked without a pass per cell. Each function here keeps the meaning the
row-at-a-time rules had (``tests/test_ingest_columns.py`` checks them against those)."""

from __future__ import annotations

import contextlib
import functools
import operator
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from outreach.csvread import Table
from outreach.model import are_canonical_urls, identity_key

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_LINKEDIN_DATE = re.compile(r"(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
_DATE_FORMATS = ("%d %b %Y", "%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%m/%d/%Y", "%m/%d/%y",
                 "%d/%m/%Y", "%d.%m.%Y", "%b %d, %Y", "%d %B %Y", "%b %Y", "%Y")


def table_columns(table: Table, wanted: list[int]) -> list[Sequence[str]]:
    """The ``wanted`` columns of every row, cleaned (``clean_column``); an index past the
    header is a column the file does not have, blank."""
    width = len(table.header)
    rows = [cells for _, cells in table.rows]
    if min(map(len, rows)) < width:  # short rows (a spreadsheet drops trailing blanks)
        blank = [""] * width
        rows = [cells if len(cells) >= width else cells + blank[len(cells):] for cells in rows]
    every = list(zip(*rows, strict=False))  # rows longer than the header: the rest is unread
    empty = ("",) * len(rows)
    return [clean_column(every[i]) if i < width else empty for i in wanted]


def visible_rows(first: Sequence[str], last: Sequence[str],
                 company: Sequence[str]) -> list[int]:
    """The rows with a name or a company (a hidden or closed profile has neither): only a
    row without a first name needs a second look."""
    count = len(first)
    hidden = [i for i in blanks(first) if not last[i] and not company[i]]
    if not hidden:
        return list(range(count))
    rows = list(range(count))
    for index in reversed(hidden):
        del rows[index]
    return rows


def blanks(cells: Sequence[str]) -> list[int]:
    """Where ``cells`` are empty, found by the sequence's own search (they are few)."""
    found: list[int] = []
    with contextlib.suppress(ValueError):
        while True:
            found.append(cells.index("", found[-1] + 1 if found else 0))
    return found


def rows_left_out(count: int, kept: list[int]) -> list[int]:
    """The rows of ``count`` not in ``kept`` (sorted), in order."""
    return [] if len(kept) == count else sorted(set(range(count)).difference(kept))


def take(column: Sequence[Any], rows: list[int], left_out: list[int]) -> Sequence[Any]:
    """``column``'s cells at ``rows``, ``left_out`` being the others (all of them when
    nothing was left out; a copy without the few left out when few were)."""
    if not left_out:
        return column
    if len(left_out) < len(rows):
        kept = list(column)
        for index in reversed(left_out):
            del kept[index]
        return kept
    if len(rows) < 2:  # itemgetter of one index gives the cell, not a tuple
        return [column[i] for i in rows]
    return operator.itemgetter(*rows)(column)


def clean_column(cells: tuple[str, ...]) -> list[str] | tuple[str, ...]:
    """Each cell trimmed, inner runs of whitespace (newlines in quoted cells) folded to one
    space, other control characters (NUL, ESC, BEL...) made spaces: never part of a name.

    A printable cell's only whitespace is the ASCII space, so a column is already clean when
    its text is printable and no space starts, ends or doubles within a cell. The cells are
    joined by a printable ``~``: a cell with a space beside its own ``~`` only sends the
    column the long way, cell by cell (the same cells, more slowly)."""
    joined = "~".join(cells)
    if joined.isprintable() and (" " not in joined or (  # URLs, e-mails: no space at all
            "  " not in joined and " ~" not in joined and "~ " not in joined
            and not joined.startswith(" ") and not joined.endswith(" "))):
        return cells
    return [" ".join((v if v.isprintable() else _CONTROLS.sub(" ", v)).split()) for v in cells]


def identity_keys(rows: list[int], first: Sequence[str], last: Sequence[str],
                  url: Sequence[str], email: Sequence[str],
                  company: Sequence[str]) -> list[str]:
    """``identity_key`` of each of ``rows``: a canonical profile URL is its own key (checked
    for the whole column at once), the other rows one by one."""
    urls = [url[i] for i in rows]
    if are_canonical_urls(urls):
        return [u or identity_key(u, email[i], f"{first[i]} {last[i]}", company[i])
                for i, u in zip(rows, urls, strict=True)]
    return [identity_key(url[i], email[i], f"{first[i]} {last[i]}", company[i]) for i in rows]


@functools.lru_cache(maxsize=16384)
def parse_date(text: str) -> date | None:
    """``23 Nov 2024``, ``2024-11-23`` and the formats spreadsheets re-save them as."""
    text = text.strip()
    if not text:
        return None
    linkedin = _LINKEDIN_DATE.fullmatch(text)
    if linkedin and linkedin.group(2) in _MONTHS:
        try:
            return date(int(linkedin.group(3)), _MONTHS[linkedin.group(2)], int(linkedin.group(1)))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None

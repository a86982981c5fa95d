"""csvread's records: a line without a quote cut at the delimiter, the rest read by the CSV
reader (issue 23), the same records, line numbers and errors as the reader alone gave."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.csvread import _Rows
from outreach.errors import OutreachError


class OldRows(_Rows):
    """``_Rows`` before issue 23's split lines, frozen: every line through the CSV reader."""

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        ran_out: list[bool] = []
        lines = itertools.chain(io.StringIO(self._text, newline=""),
                                iter(lambda: ran_out.append(True), None))
        reader = csv.reader(lines, delimiter=self.delimiter)
        start = 1
        try:
            for cells in reader:
                end = reader.line_num
                if ran_out or (end > start and self.width and self._swallows_rows(cells)):
                    raise OutreachError(self._unterminated(start, bool(ran_out)))
                yield start, cells
                start = end + 1
        except csv.Error as exc:
            raise OutreachError(f"{self.label}: line {start}: unreadable CSV: {exc}") from None


def records(rows: _Rows) -> tuple[list[tuple[int, list[str]]], str]:
    """The records read (up to an error) and the error's message ("" if none)."""
    out: list[tuple[int, list[str]]] = []
    try:
        for record in rows:
            out.append(record)
    except OutreachError as exc:
        return out, exc.message
    return out, ""


_plain = ["a", "Ana", "O'Neil", " ", ",", ";", "\t", '"', '""', "\n", "\n\n", "é", "x,y",
          '"q,r"', '"multi\nline"', "\n\n\n"]
_texts = (st.lists(st.sampled_from(_plain), max_size=40).map("".join)  # lines cut, mostly
          | st.lists(st.sampled_from([*_plain, "\r\n", "\r", "\x00"]), max_size=40).map("".join))


@settings(max_examples=400, deadline=None)
@given(_texts, st.sampled_from([",", ";", "\t"]), st.sampled_from([0, 2, 3, 7]))
def test_records_are_the_csv_readers(text: str, delimiter: str, width: int) -> None:
    """Any text (quotes open or closed, blank lines, line ends of every kind, NULs): the same
    records with the same line numbers, and the same error at the same line."""
    new, old = _Rows(text, "x.csv", delimiter), OldRows(text, "x.csv", delimiter)
    new.width = old.width = width
    assert records(new) == records(old)


def test_an_export_reads_the_same_either_way() -> None:
    """LinkedIn's own shape: a preamble, a header, plain lines and quoted titles, one broken
    over two lines, no final line end."""
    text = ('Notes:\n"When exporting, some e-mails, may be missing."\n\n'
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            'Ana,Souza,https://www.linkedin.com/in/ana,,Acme,"VP, Marketing",05 Jan 2024\n'
            'Bo,Li,,,Initech,"Head of\nSales",06 Jan 2024\n'
            "Cy,Ng,,,Globex,CTO,07 Jan 2024")
    new, old = _Rows(text, "c.csv", ","), OldRows(text, "c.csv", ",")
    new.width = old.width = 7
    assert records(new) == records(old)
    assert [line for line, _ in records(new)[0]] == [1, 2, 3, 4, 5, 6, 8]


def test_an_open_quote_is_refused_at_its_line() -> None:
    text = 'First Name,Last Name,Company,Position\nAna,Souza,Acme,"VP\nBo,Li,Initech,CTO\n'
    with pytest.raises(OutreachError, match=r"x\.csv: line 2: unterminated quote"):
        list(_Rows(text, "x.csv", ","))

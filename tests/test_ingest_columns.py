"""The column-at-a-time ingest (issue 23) keeps every row's meaning: checked against the
row-at-a-time rules it replaced, on random cells (spaces, newlines, controls, URL spellings)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from outreach.csvread import read_table
from outreach.errors import OutreachError
from outreach.ingest import (
    _ROW_FACTS,
    CLASS_COLUMNS,
    COLUMNS,
    CONNECTION_ALIASES,
    REQUIRED,
    _all_columns,
    _records,
    is_peers_list,
    parse_connections,
    parse_date,
)
from outreach.ingest_columns import clean_column
from outreach.model import are_canonical_urls, canonical_url, identity_key
from outreach.tables import restore

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
CELL = st.text(st.sampled_from(list("ab Zé王 \t\n\x00\x1b\u00a0\u2028,'=%?#/~")),
               max_size=12)
URL = st.one_of(
    st.just(""),
    st.from_regex(r"https://www\.linkedin\.com/in/[a-z0-9-]{1,8}", fullmatch=True),
    st.from_regex(r"(https?://)?(www\.)?[Ll]inked[Ii]n\.com/in/[a-zA-Zé%0-9?#/-]{1,8}/?",
                  fullmatch=True),
    st.text(st.sampled_from(list("htps:/w.lik%?#Aé ")), max_size=20),
)


def old_clean(value: str) -> str:
    return " ".join((value if value.isprintable() else _CONTROLS.sub(" ", value)).split())


def old_records(table: Any) -> tuple[list[list[Any]], tuple[int, int, int, int]]:
    """The row-at-a-time ``_records`` before issue 23, frozen, with one fix: a row longer
    than its header no longer lends its overflow cell to a column the file lacks (URL, e-mail)."""
    seen: set[str] = set()
    records: list[list[Any]] = []
    hidden = duplicates = undated = 0
    width = len(table.header)
    blank = [""] * (width + 1)
    wanted = [table.columns.get(name, width) for name in COLUMNS]
    wanted += [i for _, i in table.extra_columns()]
    given_ = all(name in table.columns for name in CLASS_COLUMNS)
    if given_:
        wanted += [table.columns[name] for name in CLASS_COLUMNS]
    ours = is_peers_list(table)
    for line, cells in table.rows:
        cells = cells[:width] + blank[min(len(cells), width):]
        values: list[Any] = [old_clean(cells[i]) for i in wanted]
        if ours:
            values = [restore(v) for v in values]
        first, last, url, email, company, _position, connected = values[:7]
        if not (first or last) and not company:
            hidden += 1
            continue
        key = identity_key(url, email, f"{first} {last}", company)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        day = parse_date(connected)
        if connected and day is None:
            undated += 1
        values[6] = day
        if not given_:
            values += ("", "")
        values.append(line)
        records.append(values)
    return records, (len(records), duplicates, hidden, undated)


@given(st.lists(CELL, min_size=1, max_size=8))
def test_a_column_is_cleaned_as_each_cell_was(cells: list[str]) -> None:
    assert list(clean_column(tuple(cells))) == [old_clean(c) for c in cells]


@given(st.lists(URL, max_size=6))
def test_a_column_of_urls_is_canonical_exactly_when_each_url_is(urls: list[str]) -> None:
    """Exactly when each is LinkedIn's own spelling (``_is_canonical``), and then each is its
    own identity key (a fixed point such as a bare ``https://`` need not count)."""
    from outreach.model import _is_canonical

    urls = [old_clean(u) for u in urls]
    verdict = are_canonical_urls(urls)
    assert verdict == all(_is_canonical(u) for u in urls if u)
    if verdict:
        assert all(canonical_url(u) == u for u in urls if u)


HEADERS = [
    ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
    ["First Name", "Last Name", "Company", "Position", "Notes"],  # no URL, an extra column
    ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
     "function", "level", "score", "reason"],  # a peers list read back
]
ROW_CELL = st.one_of(CELL, URL, st.sampled_from(["Ana", "ana@example.org", "12 Mar 2021",
                                                 "31 Feb 2021", "'=SUM(A1)", "Acme"]))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(HEADERS), st.lists(st.lists(ROW_CELL, max_size=12), min_size=1,
                                          max_size=8))
def test_rows_are_kept_dropped_and_counted_as_before(header: list[str],
                                                     rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    table = read_table(buffer.getvalue(), "Connections.csv", CONNECTION_ALIASES, REQUIRED)
    records, stats = _records(table)
    expected, counts = old_records(table)
    assert records == expected
    assert (stats.kept, stats.duplicates, stats.hidden, stats.undated) == counts


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([*HEADERS, ["First Name", "Last Name", "Company", "Position",
                                   "first_name", "Notes", "Notes"]]),  # names that repeat
       st.lists(st.lists(ROW_CELL, max_size=9), max_size=6))
def test_the_frame_is_the_one_its_rows_make(header: list[str], rows: list[list[str]]) -> None:
    """The frame is built a column at a time: the same columns, types and cells as the
    frame of the rows (``_records``), with or without rows."""
    import pandas as pd

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    text = buffer.getvalue()
    try:  # as parse_connections reads it (a cell that swallows rows is refused)
        table = read_table(text, "Connections.csv", CONNECTION_ALIASES, REQUIRED,
                           check_swallowed=True)
    except OutreachError:
        assume(False)
    records, _ = _records(table)
    names = [*_all_columns(table), *_ROW_FACTS]
    expected = pd.DataFrame(records, columns=names).iloc[:, :-len(_ROW_FACTS)]
    try:  # a peers list's level or function that is none is refused, named
        frame, _ = parse_connections(text, "Connections.csv")
    except OutreachError:
        assume(False)
    assert list(frame.columns[-2:]) == ["function", "level"]
    pd.testing.assert_frame_equal(frame.iloc[:, :-2], expected, check_exact=True)

"""The column-at-a-time CSV writer writes exactly what the cell-by-cell guard writes.

``tables.to_csv`` checks a whole column's first characters at once (issue 23); a formula
hidden anywhere in a column, behind invisible characters or as a look-alike, must still get
its apostrophe, and every other cell must stay as it was."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.tables import CsvDialect, columns_to_csv, neutralise, to_csv

TRICKY = ['a,b', 'say "hi"', "two\nlines", "semi;colon", "cr\ronly", '"', ",",
          "=1+1", "+49 30", "-x", "@SUM(A1)", "\tTab", "\rCR", "\u200b=HYPERLINK()", "\ufeff+1",
          "\u2212minus", "\uff1dwide", " =spaced", "\u00a0-nbsp", "'quoted", "plain", "", "Ünïcode"]


def _cell_by_cell(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    """What ``to_csv`` wrote before (one ``neutralise`` per cell, the CSV module's quoting),
    as the reference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise("" if c is None else c.isoformat()
                                    if isinstance(c, date) else c) for c in row])
    return buffer.getvalue()


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_a_formula_in_the_last_row_of_a_clean_column_is_guarded() -> None:
    rows = [["Ada", "Lovelace"]] * 500 + [["=HYPERLINK(\"x\")", "\u200b+1"]]
    written = _read(to_csv(["First", "Last"], rows, CsvDialect.EXCEL))
    assert written[-1] == ["'=HYPERLINK(\"x\")", "'\u200b+1"]
    assert written[1] == ["Ada", "Lovelace"]


def test_numbers_dates_and_blanks_are_written_as_before() -> None:
    rows = [[1, 2.5, date(2024, 11, 23), None, float("nan"), True, -3]]
    written = _read(to_csv(list("abcdefg"), rows, CsvDialect.PLAIN))
    assert written[1] == ["1", "2.5", "2024-11-23", "", "", "True", "'-3"]


@settings(max_examples=200)
@given(st.lists(st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)),
                         min_size=3, max_size=3), max_size=12),
       st.sampled_from([CsvDialect.PLAIN, CsvDialect.EXCEL_SEMICOLON]))
def test_columns_give_the_same_cells_as_one_cell_at_a_time(rows: list[list[object]],
                                                            dialect: CsvDialect) -> None:
    header = ["a", "b", "c"]
    columns = [list(column) for column in zip(*rows, strict=True)] or [[], [], []]
    expected = dialect.bom + _cell_by_cell(header, rows, dialect.delimiter)
    assert to_csv(header, rows, dialect) == expected
    assert columns_to_csv(header, columns, dialect) == expected


def test_one_column_of_one_empty_cell_is_quoted_as_the_csv_module_does() -> None:
    assert to_csv(["a"], [[""]], CsvDialect.PLAIN) == 'a\n""\n'
    assert to_csv(["a", "b"], [["", ""]], CsvDialect.PLAIN) == "a,b\n,\n"


def test_the_locales_known_to_write_a_decimal_point_do_so_in_cldr() -> None:
    """``dialect_for_locale`` answers a few English locales without loading CLDR's data
    (issue 23): each of them must be one whose decimals babel writes with a point, and
    another locale is still asked (de: a comma, so ``;``)."""
    from outreach.i18n.locales import babel_locale
    from outreach.tables import _DECIMAL_POINT, dialect_for_locale

    for locale in _DECIMAL_POINT:
        assert babel_locale(locale).number_symbols["latn"]["decimal"] == ".", locale
        assert dialect_for_locale(locale) is CsvDialect.EXCEL
    assert dialect_for_locale("de") is CsvDialect.EXCEL_SEMICOLON
    assert dialect_for_locale("en_ZA") is CsvDialect.EXCEL_SEMICOLON  # English, with a comma

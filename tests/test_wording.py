"""The counting words every summary line uses."""

import pytest

from outreach.wording import noun, plural, sentence


@pytest.mark.parametrize(("count", "text"), [(0, "0 e-mails"), (1, "1 e-mail"), (2, "2 e-mails"),
                                             (1200, "1,200 e-mails")])
def test_plural_counts(count: int, text: str) -> None:
    assert plural(count, "e-mail") == text


def test_irregular_and_sibilant_plurals() -> None:
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"
    assert plural(2, "match") == "2 matches"
    assert plural(2, "address") == "2 addresses"
    assert noun(1, "needs", "need") == "needs" and noun(2, "needs", "need") == "need"


@pytest.mark.parametrize(("text", "expected"), [
    ("Logged met", "Logged met."), ("swapped notes.", "swapped notes."),
    ("Wrote 2 files to .", "Wrote 2 files to ."), ("Really?", "Really?"), ("done. ", "done."),
])
def test_sentence_has_exactly_one_full_stop(text: str, expected: str) -> None:
    assert sentence(text) == expected

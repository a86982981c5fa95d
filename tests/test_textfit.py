"""Fitting a card's message: the size found is the largest that fits, wherever the search starts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.cards.fit import DEFAULT_HAND, Overflow, atoms, fit, wrap
from outreach.cards.fonts import FontChain

CHAIN = FontChain(system=False)
BOX = (220.0, 300.0)  # an A2 card's writing area, roughly (points)
SIZES = (20.0, 12.0)
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz WMÆ,.", min_size=1, max_size=24)


def _paragraphs(texts: list[str]) -> list[list[tuple[str, object]]]:
    return [atoms(text, CHAIN)[0] for text in texts]


def _largest_fitting_size(paragraphs: list, width: float) -> float | None:
    """Every half-point size tried, largest first: the reference the search must agree with."""
    hand = DEFAULT_HAND
    usable = width * (1 - hand.creep_limit) - 2 * hand.advance_jitter
    wrap_width = usable * (1 - 2 * hand.size_sigma)
    size = SIZES[0]
    while size >= SIZES[1]:
        if wrap(paragraphs, wrap_width, size).height(hand) <= BOX[1]:
            return size
        size -= 0.5
    return None


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(st.lists(WORDS, min_size=1, max_size=25).map(" ".join), min_size=1,
                   max_size=5),
    first_try=st.sampled_from([None, 20.0, 18.5, 15.0, 12.5, 12.0, 9.0]),
)
def test_the_size_is_the_largest_that_fits_wherever_the_search_starts(
    texts: list[str], first_try: float | None
) -> None:
    paragraphs = _paragraphs(texts)
    expected = _largest_fitting_size(paragraphs, BOX[0])
    if expected is None:
        with pytest.raises(Overflow):
            fit(paragraphs, *BOX, SIZES, first_try=first_try)
        return
    block = fit(paragraphs, *BOX, SIZES, first_try=first_try)
    assert block.size == expected
    plain = fit(paragraphs, *BOX, SIZES)
    assert block.lines == plain.lines


def test_an_overflow_says_by_how_much_at_the_smallest_size() -> None:
    paragraphs = _paragraphs(["word " * 400])
    with pytest.raises(Overflow) as caught:
        fit(paragraphs, *BOX, SIZES, first_try=16.0)
    assert caught.value.size == SIZES[1]
    assert caught.value.points > BOX[1]

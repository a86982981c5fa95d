"""Fitting a card's message: which font writes each character, line wrapping, shrinking to fit.

Widths are the fonts' nominal advances; the wrap width leaves room for what the hand adds
(the creeping margin, larger glyphs, spacing jitter), so drawn lines never cross the trim
safety margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from reportlab.pdfbase import pdfmetrics

from outreach.cards.fonts import FontChain, FontFace

Atom = tuple[str, FontFace]  # one character and the face that writes it


@dataclass(frozen=True)
class Hand:
    """How unsteady the hand is. Sizes are fractions of the font size unless noted."""

    size_sigma: float = 0.03
    rotation_sigma: float = math.radians(1.6)
    shear_sigma: float = math.radians(2.0)
    advance_jitter: float = 0.4  # points, clamp
    baseline_step: float = 0.015
    baseline_limit: float = 0.07
    line_tilt_sigma: float = math.radians(0.35)
    slant_sigma: float = math.radians(0.3)
    tilt_limit: float = math.radians(0.9)  # more, and text extraction merges adjacent lines
    creep_step: float = 0.9  # points per line, mean
    creep_limit: float = 0.05  # of the width
    ink_sigma: float = 0.035
    leading: float = 1.28
    paragraph_gap: float = 0.45  # of the leading


DEFAULT_HAND = Hand()


@dataclass
class Block:
    """Wrapped text at one size: lines of atoms, each with its indent (points)."""

    size: float
    lines: list[tuple[list[Atom], float]] = field(default_factory=list)
    paragraph_starts: set[int] = field(default_factory=set)

    def height(self, hand: Hand) -> float:
        leading = self.size * hand.leading
        gaps = max(0, len(self.paragraph_starts) - 1) * hand.paragraph_gap * leading
        return len(self.lines) * leading + gaps


@dataclass(frozen=True)
class Overflow(Exception):
    """The text does not fit even at the smallest size: by how many points, at which size."""

    points: float
    size: float


@cache
def glyph_width(face: FontFace, ch: str) -> float:
    """Advance width of ``ch`` at size 1 (points per point of font size), with the face's scale."""
    return pdfmetrics.stringWidth(ch, face.name, face.scale)


def atoms(text: str, chain: FontChain) -> tuple[list[Atom], list[str]]:
    """Characters with the face that writes each (script runs kept in one face) + missing ones."""
    pieces, missing = chain.split(text)
    out: list[Atom] = []
    for run, face in pieces:
        out.extend((ch, face) for ch in run)
    return out, missing


def wrap(paragraphs: Sequence[Sequence[Atom]], width: float, size: float) -> Block:
    """Greedy word wrap at ``size``; a word wider than the line is broken between letters."""
    block = Block(size=size)
    for paragraph in paragraphs:
        block.paragraph_starts.add(len(block.lines))
        lines = _wrapped(_as_tuple(paragraph), width, size)
        block.lines += [(line, 0.0) for line in lines]
    return block


def _as_tuple(paragraph: Sequence[Atom]) -> tuple[Atom, ...]:
    return paragraph if isinstance(paragraph, tuple) else tuple(paragraph)


_WRAPPED: dict[tuple[int, float, float], tuple[tuple[Atom, ...], list[list[Atom]]]] = {}


def _wrapped(paragraph: tuple[Atom, ...], width: float, size: float) -> list[list[Atom]]:
    """``_wrap_paragraph``, found first by the paragraph's identity: a card's paragraphs are
    the very tuples ``CardWriter`` keeps per text, and hashing ~200 atoms for every lookup
    cost more than the rest of fitting. The entry keeps the tuple, so its id is not reused."""
    key = (id(paragraph), width, size)
    known = _WRAPPED.get(key)
    if known is not None and known[0] is paragraph:
        return known[1]
    lines = _wrap_paragraph(paragraph, width, size)
    if len(_WRAPPED) > 4096:
        _WRAPPED.clear()
    _WRAPPED[key] = (paragraph, lines)
    return lines


@lru_cache(maxsize=4096)
def _wrap_paragraph(paragraph: tuple[Atom, ...], width: float, size: float) -> list[list[Atom]]:
    """Lines of one paragraph (cached: most cards share all but their first paragraph)."""
    lines: list[list[Atom]] = []
    for hard_line in _split(list(paragraph), "\n"):
        _wrap_line(lines, hard_line, width, size)
    return lines


def _wrap_line(lines: list[list[Atom]], atoms_: list[Atom], width: float, size: float) -> None:
    line: list[Atom] = []
    line_width = 0.0
    for word in _split(atoms_, " "):
        if not word:
            continue
        word_width = sum(glyph_width(face, ch) for ch, face in word) * size
        space = glyph_width(word[0][1], " ") * size if line else 0.0
        if line and line_width + space + word_width > width:
            lines.append(line)
            line, line_width, space = [], 0.0, 0.0
        if word_width > width:
            for piece in _break_word(word, width, size):
                if line:
                    lines.append(line)
                line = list(piece)
                line_width = sum(glyph_width(face, ch) for ch, face in piece) * size
            continue
        if space:
            line.append((" ", word[0][1]))
        line.extend(word)
        line_width += space + word_width
    lines.append(line)


def _break_word(word: list[Atom], width: float, size: float) -> list[list[Atom]]:
    pieces: list[list[Atom]] = [[]]
    used = 0.0
    for ch, face in word:
        w = glyph_width(face, ch) * size
        if pieces[-1] and used + w > width:
            pieces.append([])
            used = 0.0
        pieces[-1].append((ch, face))
        used += w
    return pieces


def _split(items: list[Atom], separator: str) -> list[list[Atom]]:
    parts: list[list[Atom]] = [[]]
    for atom in items:
        if atom[0] == separator:
            parts.append([])
        else:
            parts[-1].append(atom)
    return parts


def fit(
    paragraphs: Sequence[Sequence[Atom]],
    width: float,
    height: float,
    sizes: tuple[float, float],
    hand: Hand | None = None,
    first_try: float | None = None,
) -> Block:
    """The largest size in ``sizes`` (max, min), in half points, at which the text fits; else
    ``Overflow``.

    Wraps narrower than ``width`` by the margin's creep allowance, and right-aligns a short
    last paragraph (the sign-off) the way people sign a card. ``first_try`` (the size the
    previous card got) only changes where the search starts, not what it finds: wrapping
    at a smaller size never takes more lines, so "fits" is monotone in the size, and cards
    alike need two wraps instead of five.
    """
    hand = hand or DEFAULT_HAND
    largest, smallest = sizes
    usable = width * (1 - hand.creep_limit) - 2 * hand.advance_jitter
    wrap_width = usable * (1 - 2 * hand.size_sigma)
    steps = [largest - 0.5 * i for i in range(int((largest - smallest) / 0.5) + 1)]
    paragraphs = [_as_tuple(paragraph) for paragraph in paragraphs]
    tried: dict[int, Block | None] = {}

    def fits(index: int) -> bool:
        if index not in tried:
            block = wrap(paragraphs, wrap_width, steps[index])
            tried[index] = block if block.height(hand) <= height else None
        return tried[index] is not None

    start = steps.index(first_try) if first_try in steps else 0
    index = _first_true(len(steps), fits, start)
    if index is None:
        block = wrap(paragraphs, wrap_width, steps[-1])
        raise Overflow(points=block.height(hand) - height, size=steps[-1])
    found = tried[index]
    assert found is not None
    _indent_signoff(found, usable)
    return found


def _first_true(count: int, test: Callable[[int], bool], start: int) -> int | None:
    """The least ``i`` in ``range(count)`` with ``test(i)``, for a ``test`` that stays true
    once true; searched from ``start`` outwards, then by bisection. None if there is none."""
    if test(start):
        if start == 0 or not test(start - 1):
            return start
        low, high = 0, start - 1
    else:
        low, high = start + 1, count
    while low < high:
        middle = (low + high) // 2
        if test(middle):
            high = middle
        else:
            low = middle + 1
    return low if low < count else None


def _indent_signoff(block: Block, width: float) -> None:
    if len(block.paragraph_starts) < 2:
        return
    start = max(block.paragraph_starts)
    tail = block.lines[start:]
    if len(tail) > 3:
        return
    widest = max(sum(glyph_width(f, c) for c, f in line) * block.size for line, _ in tail)
    indent = max(0.0, min(width * 0.4, width - widest))
    block.lines[start:] = [(line, indent) for line, _ in tail]

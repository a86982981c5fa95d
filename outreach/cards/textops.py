"""PDF text operators for handwritten cards, as preformatted text.

A page of cards is ~1,700 glyphs, each ``a b c d e f Tm (…) Tj``: 10,000 numbers. Going
through reportlab's per-call text machinery for each would cost most of a batch's time, so
what never varies is computed once per document and line (``GlyphEncoder``: a glyph's
subset font and ``(…) Tj``; a line's tails, advances and font changes), integers are looked
up as text in a table, and a page's text is one ``str.join``. Glyph bytes come from
reportlab's dynamic-font API (``splitString`` + ``getSubsetInternalName``), escaped with
``escapePDF``, so ``(``, ``)``, ``\\``, ``<`` and ``&`` in a name are only characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from outreach.cards.fit import Atom, glyph_width
from outreach.cards.fonts import FontFace

POSITION_UNITS = 10  # text positions are written in 1/10 pt
REPEAT_WINDOW = 4  # a letter seen within this many glyphs counts as repeated
CARD_START = f"q {1 / POSITION_UNITS:g} 0 0 {1 / POSITION_UNITS:g} 0 0 cm 1 j BT 2 Tr\n"
CARD_END = "ET Q"


class GlyphEncoder:
    """PDF text operators for single glyphs of reportlab TrueType fonts, cached per document."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self._doc = canvas._doc  # reportlab's dynamic-font API identifies subsets by document
        self._glyphs: dict[tuple[FontFace, str], tuple[str, str]] = {}
        self._lines: dict[tuple[Atom, ...], LineOps] = {}
        self._by_list: dict[int, tuple[list[Atom], LineOps]] = {}

    def glyph(self, face: FontFace, ch: str) -> tuple[str, str]:
        """(font resource name, ``(…) Tj`` operator) for one character."""
        key = (face, ch)
        found = self._glyphs.get(key)
        if found is None:
            font = pdfmetrics.getFont(face.name)
            [(subset, data)] = font.splitString(ch, self._doc)
            found = (font.getSubsetInternalName(subset, self._doc), f"({escapePDF(data)}) Tj")
            self._glyphs[key] = found
        return found

    def line(self, line: list[Atom]) -> LineOps:
        """Everything about a line the hand does not vary, computed once (lines repeat across
        cards, most as the very list the wrapping cache returns): its glyphs' ``Tm (…) Tj``
        tails, advances, repeated letters and font changes."""
        known = self._by_list.get(id(line))
        if known is not None and known[0] is line:  # the list is kept, so its id is not reused
            return known[1]
        key = tuple(line)
        found = self._lines.get(key)
        if found is None:
            found = self._line_ops(key)
            if len(self._lines) > 8192:
                self._lines.clear()
                self._by_list.clear()
            self._lines[key] = found
        self._by_list[id(line)] = (line, found)
        return found

    def _line_ops(self, line: tuple[Atom, ...]) -> LineOps:
        pairs = [self.glyph(face, ch) for ch, face in line]
        changes = [(i, name, line[i][1].scale) for i, (name, _) in enumerate(pairs)
                   if i == 0 or name != pairs[i - 1][0]]
        spaces = [i for i, (ch, _) in enumerate(line) if ch == " " and i]
        tails = np.array([f"Tm {show}\n" for _, show in pairs], dtype=object)
        widths, repeated = _line_data(line)
        twins = [i for i in range(1, len(line)) if repeated[i] and not repeated[i - 1]]
        chained = [i for i in range(1, len(line)) if repeated[i] and repeated[i - 1]]
        return LineOps(tails, changes, [0, *spaces], widths, twins, chained)


@dataclass(frozen=True)
class LineOps:
    """A line's ``Tm (…) Tj`` tails, where its font changes and its words start, per glyph
    its advance at size 1, and which glyphs repeat a recent letter: those that start a run
    of repeats (their twin is the glyph before) and those that continue one. A line's first
    glyph repeats nothing."""

    tails: np.ndarray  # of str
    font_changes: list[tuple[int, str, float]]  # (position, font resource, face scale)
    words: list[int]  # positions: the line's start, and each space after it
    widths: np.ndarray
    twins: list[int]  # positions in the line
    chained: list[int]

    @property
    def count(self) -> int:
        return len(self.tails)


def _line_data(line: tuple[Atom, ...]) -> tuple[np.ndarray, list[bool]]:
    """Advances at size 1 and which glyphs repeat a recent letter, for one line."""
    widths = [glyph_width(face, ch) for ch, face in line]
    repeated = []
    recent = ""
    for ch, _ in line:
        low = ch.lower()
        repeated.append(ch != " " and low in recent)
        recent = (recent + low)[-REPEAT_WINDOW:]
    return np.array(widths, dtype=float), repeated


@dataclass
class Starts:
    """Where, among a page's glyphs, each card, line and word starts and a font is set."""

    cards: list[int]
    lines: list[int]
    words: list[int]
    fonts: list[tuple[int, str]]  # (glyph, ``/F1 1.70000 Tf``)


def note_starts(starts: Starts, lines: list[LineOps], first: int, size: float) -> None:
    """Add one card's starts (its glyphs numbered from ``first``) to ``starts``."""
    starts.cards.append(first)
    current_font = ""
    start = first
    for ops in lines:
        if not len(ops.tails):  # a line whose every character was left out (no font has them)
            continue
        starts.lines.append(start)
        starts.words += [start + position for position in ops.words]
        for position, font, scale in ops.font_changes:
            if font != current_font:
                current_font = font
                scaled = size * scale * POSITION_UNITS / 1000
                starts.fonts.append((start + position, f"{font} {scaled:.5f} Tf\n"))
        start += len(ops.tails)


def page_text(
    matrix: np.ndarray, tails: np.ndarray, starts: Starts,
    ink: tuple[float, float, float], deltas: np.ndarray,
) -> str:
    """The page's cards as text: per card a text object, in it the line's ink, the word's
    pressure and font switches, then ``Tm`` + ``Tj`` per glyph, the matrices in integers.

    The page is scaled by 1/10 (positions in 1/10 pt, 0.035 mm) and the font size by 1/1000
    (matrix entries in thousandths), so the glyphs come out exactly as large as the size
    says; ``matrix`` is in those units, ``tails`` the glyphs' ``Tm (…) Tj``.
    """
    cells = np.concatenate((_integer_text(matrix), tails[:, None]), axis=1).ravel().tolist()
    for glyph, prefix in _prefixes(ink, deltas, starts).items():
        cells[7 * glyph] = prefix + cells[7 * glyph]
    ends = [*starts.cards[1:], len(matrix)]
    for end in ends[:-1]:
        cells[7 * end - 1] += CARD_END + "\n"
    cells[-1] += CARD_END
    return "".join(cells)


def _prefixes(ink: tuple[float, float, float], deltas: np.ndarray,
              starts: Starts) -> dict[int, str]:
    """What goes before a glyph's matrix, by glyph: a card's start, the line's ink, the
    word's pressure, a font switch, in that order."""
    prefixes = dict(zip(starts.words, _pressures(deltas[starts.words]), strict=True))
    for glyph, colour in zip(starts.lines, _colours(ink, deltas[starts.lines]), strict=True):
        prefixes[glyph] = colour + prefixes[glyph]  # a line starts with a word
    for glyph in starts.cards:
        prefixes[glyph] = CARD_START + prefixes[glyph]  # a card starts with a line
    for glyph, font in starts.fonts:
        prefixes[glyph] = prefixes.get(glyph, "") + font
    return prefixes


def _colours(ink: tuple[float, float, float], deltas: np.ndarray) -> list[str]:
    """Ink per line, a little lighter or darker as the flow varies (delta ~ ±3.5%): each
    channel to 3 decimals, looked up as text (as ``f"{v:.3f}"`` writes it)."""
    rgb = np.minimum(1.0, np.maximum(0.0, np.multiply.outer(1.0 + deltas, ink)
                                      + (deltas * 0.15)[:, None]))
    red, green, blue = _CHANNEL_TEXT[np.rint(rgb * 1000).astype(np.int64)].T
    colours = red + green + blue
    return (colours + "rg " + colours + "RG ").tolist()


def _pressures(deltas: np.ndarray) -> list[str]:
    """Pen pressure per word: a same-colour stroke 0–0.16 pt wide (here in 1/10 pt) around
    the letters, thicker as the hand presses harder (to 2 decimals, looked up as text)."""
    widths = np.minimum(1.6, np.maximum(0.0, 0.8 - deltas * 15))
    return _WIDTH_TEXT[np.rint(widths * 100).astype(np.int64)].tolist()


_CHANNEL_TEXT = np.array([f"{n / 1000:.3f} " for n in range(1001)], dtype=object)
_WIDTH_TEXT = np.array([f"{n / 100:.2f} w\n" for n in range(161)], dtype=object)
_TEXT_LOW, _TEXT_HIGH = -2000, 12000  # thousandths of a matrix, tenths of a point on a page
_TEXT_TABLE = np.array([f"{n} " for n in range(_TEXT_LOW, _TEXT_HIGH)], dtype=object)


def _integer_text(numbers: np.ndarray) -> np.ndarray:
    """``str`` of each integer and a space, as an object array of the same shape."""
    if numbers.size and (numbers.min() < _TEXT_LOW or numbers.max() >= _TEXT_HIGH):
        return np.vectorize(lambda n: f"{n} ", otypes=[object])(numbers)
    return _TEXT_TABLE[numbers - _TEXT_LOW]

"""Text that passes for handwriting: per-glyph jitter, drawn straight onto a reportlab canvas.

Each glyph gets its own text matrix: a baseline that wanders (a damped random walk), size
(σ≈3%), rotation (σ≈1.6°) and slant that vary per glyph, spacing jitter clamped to ±0.4 pt
(more would make PDF text extraction split words), a per-line tilt, a left margin that creeps
unevenly, ink whose density varies per line and pen pressure per word. A letter repeated
within a few glyphs ("coffee") is varied more and in the opposite direction, since identical
twins are what gives a font away. All randomness comes from one seed per card, so a rerun
draws the same card.

Glyphs are written as PDF text operators (the documented dynamic-font route: ``splitString``
+ ``getSubsetInternalName``), never through Paragraph markup, so ``<``, ``&`` and ``>`` in a
name are just characters; the numbers are computed a card at a time with numpy, since ~400
glyphs per card through ``textOut`` would cost most of a batch's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from outreach.cards.fit import DEFAULT_HAND, Atom, Block, Hand, glyph_width
from outreach.cards.fonts import FontFace

INKS = {
    "blue": (0.11, 0.20, 0.52),        # ballpoint blue
    "black": (0.14, 0.14, 0.17),       # ballpoint black: never pure black
    "blue-black": (0.10, 0.15, 0.30),  # fountain-pen blue-black
    "royal": (0.15, 0.22, 0.62),       # fountain-pen royal blue
}
POSITION_UNITS = 10  # text positions are written in 1/10 pt
REPEAT_WINDOW = 4  # a letter seen within this many glyphs counts as repeated


def parse_ink(value: str) -> tuple[float, float, float]:
    """``blue``/``black``/``blue-black``/``royal`` or ``#1c3385`` → an RGB triple in 0..1."""
    text = value.strip().lower()
    if text in INKS:
        return INKS[text]
    digits = text.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    try:
        if len(digits) != 6:
            raise ValueError(digits)
        red, green, blue = (int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        names = "|".join(INKS)
        raise ValueError(f"cannot read {value!r}; use {names} or #rrggbb") from None
    return red, green, blue


def seed_words(seed_bytes: bytes) -> np.ndarray:
    """Key material for ``RandomState.seed``: whose stream numpy keeps stable across versions."""
    return np.frombuffer(seed_bytes[:16], dtype=">u4").astype(np.uint32)


class GlyphEncoder:
    """PDF text operators for single glyphs of reportlab TrueType fonts, cached per document."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self._doc = canvas._doc  # reportlab's dynamic-font API identifies subsets by document
        self._glyphs: dict[tuple[FontFace, str], tuple[str, str]] = {}
        self._lines: dict[tuple[Atom, ...], _LineOps] = {}

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

    def line(self, line: tuple[Atom, ...]) -> _LineOps:
        """Everything about a line the hand does not vary, computed once (lines repeat across
        cards): its glyphs' ``Tm (…) Tj`` tails, advances, repeated letters, font changes."""
        found = self._lines.get(line)
        if found is None:
            pairs = [self.glyph(face, ch) for ch, face in line]
            changes = [(i, name, line[i][1].scale) for i, (name, _) in enumerate(pairs)
                       if i == 0 or name != pairs[i - 1][0]]
            spaces = [i for i, (ch, _) in enumerate(line) if ch == " " and i]
            tails = np.array([f"Tm {show}\n" for _, show in pairs], dtype=object)
            found = _LineOps(tails, changes, spaces, *_line_data(line))
            if len(self._lines) > 8192:
                self._lines.clear()
            self._lines[line] = found
        return found


@dataclass(frozen=True)
class _LineOps:
    """A line's ``Tm (…) Tj`` tails, where its font changes and its words start, and per
    glyph its advance at size 1 and whether it repeats a recent letter."""

    tails: np.ndarray  # of str
    font_changes: list[tuple[int, str, float]]  # (position, font resource, face scale)
    spaces: list[int]
    widths: np.ndarray
    repeated: np.ndarray


def _line_data(line: tuple[Atom, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Advances at size 1 and which glyphs repeat a recent letter, for one line."""
    widths = [glyph_width(face, ch) for ch, face in line]
    repeated = []
    recent = ""
    for ch, _ in line:
        low = ch.lower()
        repeated.append(ch != " " and low in recent)
        recent = (recent + low)[-REPEAT_WINDOW:]
    return np.array(widths, dtype=float), np.array(repeated, dtype=bool)


@dataclass(frozen=True)
class _Glyphs:
    """A card's glyphs flattened: its lines' operators, then per glyph its line, advance,
    whether it repeats a letter and what that does to the baseline walk, and the twins."""

    lines: list[_LineOps]
    line: np.ndarray
    advance: np.ndarray
    repeated: np.ndarray
    any_repeated: bool
    walk_factor: np.ndarray
    twins: tuple[np.ndarray, list[int]]  # the first of a run of repeats; the rest of runs

    def __len__(self) -> int:
        return len(self.line)


def _flatten(encoder: GlyphEncoder, block: Block) -> _Glyphs:
    lines = [encoder.line(tuple(line)) for line, _ in block.lines]
    counts = [len(line.tails) for line in lines]
    if not sum(counts):
        empty = np.zeros(0)
        nothing = empty.astype(np.int64)
        return _Glyphs(lines, nothing, empty, empty.astype(bool), False, empty, (nothing, []))
    repeated = np.concatenate([line.repeated for line in lines])
    any_repeated = bool(repeated.any())
    twins: tuple[np.ndarray, list[int]] = (np.zeros(0, dtype=np.int64), [])
    if any_repeated:
        follows_repeat = np.concatenate(([True], repeated[:-1]))  # the first glyph: no twin
        chained = np.flatnonzero(repeated & follows_repeat).tolist()
        twins = (np.flatnonzero(repeated & ~follows_repeat), [i for i in chained if i])
    return _Glyphs(
        lines,
        np.repeat(np.arange(len(lines)), counts),
        np.concatenate([line.widths for line in lines]) * block.size,
        repeated,
        any_repeated,
        np.where(repeated, 1.6, 1.0),
        twins,
    )


Affine = tuple[float, float, float, float, float, float]
UPRIGHT: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def draw(
    encoder: GlyphEncoder,
    block: Block,
    origin: tuple[float, float],
    box: tuple[float, float],
    ink: tuple[float, float, float],
    rng: np.random.RandomState,
    hand: Hand = DEFAULT_HAND,
    placement: Affine = UPRIGHT,
) -> None:
    """Write ``block`` into the box whose top-left corner is ``origin`` (box = width, height).

    ``origin`` and ``box`` are in the card panel's coordinates; ``placement`` (a PDF matrix)
    takes the panel onto the page. It is folded into every glyph's text matrix rather than
    set with ``cm``, so text extractors see turned cards' text as turned, and read it.
    """
    glyphs = _flatten(encoder, block)
    count = len(glyphs)
    if not count:
        return
    lines = len(block.lines)
    # one draw, in the order the hand uses it: per line 4 numbers, then per glyph shape (3),
    # baseline, spacing and ink; legacy normals carry over between calls, so this is the
    # very stream separate draws would give
    noise = rng.standard_normal(4 * lines + 6 * count)
    line_noise = noise[: 4 * lines].reshape(4, lines)
    shape_noise, walk_noise, jitter_noise, ink_noise = np.split(
        noise[4 * lines:].reshape(6, count), [3, 4, 5])
    x0, y0, tilt = _line_starts(block, origin, box[0], line_noise, hand)
    scale, rotation, shear = _glyph_shapes(glyphs, shape_noise, hand)
    baseline = _baselines(glyphs, block.size, walk_noise[0], hand)
    limit = hand.advance_jitter
    jitter = np.minimum(np.maximum(jitter_noise[0] * 0.2, -limit), limit)
    step = glyphs.advance * scale + jitter
    along = _along_line(step, glyphs.line)
    line_tilt = tilt[glyphs.line]
    cos_t, sin_t = np.cos(tilt)[glyphs.line], np.sin(tilt)[glyphs.line]
    angle = line_tilt + rotation
    cos_a, sin_a, tan_s = np.cos(angle), np.sin(angle), np.tan(shear)
    ga, gb = scale * cos_a, scale * sin_a
    gc, gd = scale * (cos_a * tan_s - sin_a), scale * (sin_a * tan_s + cos_a)
    ge = x0[glyphs.line] + along * cos_t - baseline * sin_t
    gf = y0[glyphs.line] + along * sin_t + baseline * cos_t
    matrix = _page_matrix((ga, gb, gc, gd, ge, gf), placement)
    deltas = ink_noise[0] * hand.ink_sigma
    encoder.canvas.addLiteral(_operators(glyphs, matrix, ink, deltas, block.size))


def _page_matrix(glyph: tuple[np.ndarray, ...], placement: Affine) -> np.ndarray:
    """Each glyph's matrix composed with the panel's ``placement``, as integers in the units
    ``_operators`` sets up (1/1000 of the font size, 1/10 pt)."""
    ga, gb, gc, gd, ge, gf = glyph
    pa, pb, pc, pd, pe, pf = placement
    matrix = np.empty((len(ga), 6))
    matrix[:, 0] = 1000 * (ga * pa + gb * pc)
    matrix[:, 1] = 1000 * (ga * pb + gb * pd)
    matrix[:, 2] = 1000 * (gc * pa + gd * pc)
    matrix[:, 3] = 1000 * (gc * pb + gd * pd)
    matrix[:, 4] = POSITION_UNITS * (ge * pa + gf * pc + pe)
    matrix[:, 5] = POSITION_UNITS * (ge * pb + gf * pd + pf)
    return np.rint(matrix, out=matrix).astype(np.int64)


def _line_starts(
    block: Block, origin: tuple[float, float], width: float, noise: np.ndarray, hand: Hand,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line: where it starts (creeping margin, uneven baseline) and how it tilts.
    ``noise``: 4 standard normals per line."""
    left, top = origin
    size = block.size
    leading = size * hand.leading
    count = len(block.lines)
    slant = noise[0, 0] * hand.slant_sigma
    tilt = np.minimum(np.maximum(slant + noise[1] * hand.line_tilt_sigma, -hand.tilt_limit),
                      hand.tilt_limit)
    creep_steps = (hand.creep_step + noise[2] * 1.6 * hand.creep_step).tolist()
    creep = [0.0] * count
    current = abs(float(noise[2, 0])) * hand.creep_step
    max_creep = width * hand.creep_limit
    for number, creep_step in enumerate(creep_steps):
        creep[number] = current
        current = min(max_creep, max(0.0, current + creep_step))
    gaps = np.zeros(count)
    for start in block.paragraph_starts:
        if start:
            gaps[start:] += hand.paragraph_gap * leading
    indents = np.array([indent for _, indent in block.lines])
    x0 = left + np.array(creep) + indents
    y0 = top - size - np.arange(count) * leading - gaps + noise[3] * 0.04 * size
    return x0, y0, tilt


def _glyph_shapes(
    glyphs: _Glyphs, noise: np.ndarray, hand: Hand
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scale, rotation, shear) per glyph from 3 standard normals each; a repeated letter is
    pushed away from its twin: turned the other way and made larger or smaller than the
    glyph before it."""
    scale = 1.0 + np.minimum(np.maximum(noise[0] * hand.size_sigma, -0.08), 0.08)
    rotation = np.minimum(np.maximum(noise[1] * hand.rotation_sigma, -0.07), 0.07)
    shear = noise[2] * hand.shear_sigma
    repeated = glyphs.repeated
    if not glyphs.any_repeated:
        return scale, rotation, shear
    turn = np.minimum(0.08, np.maximum(_LEAST_TURN, np.abs(noise[1]) * 1.5 * hand.rotation_sigma))
    step = np.minimum(0.1, np.maximum(0.025, np.abs(noise[0]) * 1.8 * hand.size_sigma))
    first, chained = glyphs.twins
    before = first - 1
    rotation[first] = np.where(rotation[before] > 0, -turn[first], turn[first])
    scale[first] = np.where(scale[before] > 1.0, scale[before] - step[first],
                            scale[before] + step[first])
    for i in chained:  # twins in a row chain
        rotation[i] = -turn[i] if rotation[i - 1] > 0 else turn[i]
        scale[i] = scale[i - 1] - step[i] if scale[i - 1] > 1.0 else scale[i - 1] + step[i]
    shear[repeated] *= 2.2
    return scale, rotation, shear


_LEAST_TURN = math.radians(1.2)


def _baselines(
    glyphs: _Glyphs, size: float, noise: np.ndarray, hand: Hand
) -> np.ndarray:
    """A damped random walk (each step keeps 0.8 of the last offset), clamped to a few % of
    the size, from one standard normal per glyph. Computed as a short convolution; the walk
    carrying across line ends is harmless, each line has its own start."""
    steps = noise * hand.baseline_step * size * glyphs.walk_factor
    walk = np.convolve(steps, _DAMPING)[: len(steps)]
    limit = hand.baseline_limit * size
    return np.minimum(np.maximum(walk, -limit), limit)


_DAMPING = 0.8 ** np.arange(16)


def _along_line(step: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance of each glyph from its line's start: a cumulative sum reset at each line."""
    ends = np.cumsum(step)
    starts = ends - step
    first = np.flatnonzero(np.concatenate(([True], line[1:] != line[:-1])))
    offsets = np.repeat(starts[first], np.diff(first, append=len(step)))
    return starts - offsets


def _operators(
    glyphs: _Glyphs,
    matrix: np.ndarray,
    ink: tuple[float, float, float],
    deltas: np.ndarray,
    size: float,
) -> str:
    """Font and ink changes, then ``Tm`` + ``Tj`` per glyph, the matrices in integers.

    A card has ~400 glyphs, ~2,500 numbers: the page is scaled by 1/10 (positions in 1/10
    pt, 0.035 mm) and the font size by 1/1000 (matrix entries in thousandths), so the
    glyphs come out exactly as large as ``size`` says, and the integers are looked up as
    text in a table rather than formatted one by one (which cost half the drawing time).
    The card's text is one join of the numbers and the lines' cached ``Tm (…) Tj`` tails.
    """
    line_starts: list[int] = []
    word_starts: list[int] = []
    fonts: list[tuple[int, str]] = []
    current_font = ""
    start = 0
    for ops in glyphs.lines:
        if not len(ops.tails):  # a line whose every character was left out (no font has them)
            continue
        line_starts.append(start)
        word_starts.append(start)
        word_starts += [start + position for position in ops.spaces]
        for position, font, scale in ops.font_changes:
            if font != current_font:
                current_font = font
                scaled = size * scale * POSITION_UNITS / 1000
                fonts.append((start + position, f"{font} {scaled:.5f} Tf\n"))
        start += len(ops.tails)
    cells = np.concatenate(
        (_integer_text(matrix), np.concatenate([ops.tails for ops in glyphs.lines])[:, None]),
        axis=1).ravel().tolist()
    for glyph, prefix in _prefixes(ink, deltas, line_starts, word_starts, fonts).items():
        cells[7 * glyph] = prefix + cells[7 * glyph]
    unit = 1 / POSITION_UNITS
    return f"q {unit:g} 0 0 {unit:g} 0 0 cm 1 j BT 2 Tr\n{''.join(cells)}ET Q"


def _prefixes(
    ink: tuple[float, float, float], deltas: np.ndarray,
    line_starts: list[int], word_starts: list[int], fonts: list[tuple[int, str]],
) -> dict[int, str]:
    """What goes before a glyph's matrix, by glyph: the line's ink, the word's pressure, a
    font switch, in that order."""
    prefixes = dict(zip(word_starts, _pressures(deltas[word_starts]), strict=True))
    for glyph, colour in zip(line_starts, _colours(ink, deltas[line_starts]), strict=True):
        prefixes[glyph] = colour + prefixes[glyph]  # a line starts with a word
    for glyph, font in fonts:
        prefixes[glyph] = prefixes.get(glyph, "") + font
    return prefixes


def _colours(ink: tuple[float, float, float], deltas: np.ndarray) -> list[str]:
    """Ink per line, a little lighter or darker as the flow varies (delta ~ ±3.5%)."""
    rgb = np.minimum(1.0, np.maximum(0.0, np.multiply.outer(1.0 + deltas, ink)
                                      + (deltas * 0.15)[:, None]))
    return [f"{red:.3f} {green:.3f} {blue:.3f} rg {red:.3f} {green:.3f} {blue:.3f} RG "
            for red, green, blue in rgb.tolist()]


def _pressures(deltas: np.ndarray) -> list[str]:
    """Pen pressure per word: a same-colour stroke 0–0.16 pt wide (here in 1/10 pt) around
    the letters, thicker as the hand presses harder."""
    widths = np.minimum(1.6, np.maximum(0.0, 0.8 - deltas * 15))
    return [f"{width:.2f} w\n" for width in widths.tolist()]


_TEXT_LOW, _TEXT_HIGH = -2000, 12000  # thousandths of a matrix, tenths of a point on a page
_TEXT_TABLE = np.array([f"{n} " for n in range(_TEXT_LOW, _TEXT_HIGH)], dtype=object)


def _integer_text(numbers: np.ndarray) -> np.ndarray:
    """``str`` of each integer and a space, as an object array of the same shape."""
    if numbers.size and (numbers.min() < _TEXT_LOW or numbers.max() >= _TEXT_HIGH):
        return np.vectorize(lambda n: f"{n} ", otypes=[object])(numbers)
    return _TEXT_TABLE[numbers - _TEXT_LOW]

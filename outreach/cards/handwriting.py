"""Text that passes for handwriting: per-glyph jitter, drawn straight onto a reportlab canvas.

Each glyph gets its own text matrix: a baseline that wanders (a damped random walk), size
(σ≈3%), rotation (σ≈1.6°) and slant that vary per glyph, spacing jitter clamped to ±0.4 pt
(more would make PDF text extraction split words), a per-line tilt, a left margin that creeps
unevenly, ink whose density varies per line and pen pressure per word. A letter repeated
within a few glyphs ("coffee") is varied more and in the opposite direction, since identical
twins are what gives a font away. All randomness comes from one seed per card, so a rerun
draws the same card.

Glyphs are written as PDF text operators (``textops``: the documented dynamic-font route,
escaped, never Paragraph markup, so ``<``, ``&``, ``(`` and ``\\`` in a name are just
characters), one text object per card, each glyph its own ``Tm`` inside it, so rotation
and slant survive. A page's cards are computed together with numpy (each card's numbers
drawn from its own seed when it is added), since ~1,700 glyphs a page through ``textOut``
would cost most of a batch's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from outreach.cards.fit import DEFAULT_HAND, Block, Hand
from outreach.cards.textops import (
    POSITION_UNITS,
    GlyphEncoder,
    LineOps,
    Starts,
    note_starts,
    page_text,
)

INKS = {
    "blue": (0.11, 0.20, 0.52),        # ballpoint blue
    "black": (0.14, 0.14, 0.17),       # ballpoint black: never pure black
    "blue-black": (0.10, 0.15, 0.30),  # fountain-pen blue-black
    "royal": (0.15, 0.22, 0.62),       # fountain-pen royal blue
}


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


Affine = tuple[float, float, float, float, float, float]
UPRIGHT: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class _Card:
    """One card's lines and what its seed drew for them, waiting for the rest of its page."""

    lines: list[LineOps]
    size: float
    x0: list[float]  # per line
    y0: list[float]
    tilt: list[float]
    noise: np.ndarray  # (6, glyphs): shape (3), baseline walk, spacing, ink
    placement: Affine

    @property
    def count(self) -> int:
        return self.noise.shape[1]


class Page:
    """The cards of one page, drawn together: each card's randomness is drawn when it is
    added (from its own seed, so the card does not depend on its neighbours), the glyph
    matrices of the whole page are computed at once and written as one literal."""

    def __init__(self, encoder: GlyphEncoder, ink: tuple[float, float, float],
                 hand: Hand = DEFAULT_HAND) -> None:
        self.encoder = encoder
        self.ink = ink
        self.hand = hand
        self._cards: list[_Card] = []

    def add(self, block: Block, origin: tuple[float, float], box: tuple[float, float],
            rng: np.random.RandomState, placement: Affine = UPRIGHT) -> None:
        """Write ``block`` into the box whose top-left corner is ``origin`` (box = width,
        height), with ``rng``'s numbers, drawn now.

        ``origin`` and ``box`` are in the card panel's coordinates; ``placement`` (a PDF
        matrix) takes the panel onto the page. It is folded into every glyph's text matrix
        rather than set with ``cm``, so text extractors see turned cards' text as turned.
        """
        lines = [self.encoder.line(line) for line, _ in block.lines]
        count = sum(ops.count for ops in lines)
        if not count:
            return
        rows = len(lines)
        # one draw, in the order the hand uses it: per line 4 numbers, then per glyph shape
        # (3), baseline, spacing and ink (legacy normals carry over between calls, so this
        # is the very stream separate draws would give)
        noise = rng.standard_normal(4 * rows + 6 * count)
        x0, y0, tilt = _line_starts(block, origin, box[0], noise[: 4 * rows].tolist(), self.hand)
        self._cards.append(_Card(lines, block.size, x0, y0, tilt,
                                 noise[4 * rows:].reshape(6, count), placement))

    def finish(self) -> None:
        """Write the page's cards onto the canvas (nothing if none had a glyph)."""
        if self._cards:
            self.encoder.canvas.addLiteral(self._text())
        self._cards = []

    def _text(self) -> str:
        cards, hand = self._cards, self.hand
        counts = [card.count for card in cards]
        firsts = list(accumulate(counts[:-1], initial=0))
        lines = [ops for card in cards for ops in card.lines]
        line_counts = [ops.count for ops in lines]
        line_firsts = list(accumulate(line_counts[:-1], initial=0))
        line = np.repeat(np.arange(len(lines)), line_counts)
        x0, y0, tilt = (np.array([v for card in cards for v in getattr(card, name)])
                        for name in ("x0", "y0", "tilt"))
        size = np.repeat([card.size for card in cards], counts)
        noise = np.concatenate([card.noise for card in cards], axis=1)
        twins = _Twins.of(lines, line_firsts)
        scale, rotation, shear = _glyph_shapes(twins, noise[:3], hand)
        baseline = _baselines(twins, firsts, size, noise[3], hand)
        limit = hand.advance_jitter
        jitter = np.minimum(np.maximum(noise[4] * 0.2, -limit), limit)
        step = np.concatenate([ops.widths for ops in lines]) * size * scale + jitter
        along = _along_line(step, firsts, np.array(line_firsts)[line])
        line_tilt = tilt[line]
        cos_t, sin_t = np.cos(tilt)[line], np.sin(tilt)[line]
        angle = line_tilt + rotation
        cos_a, sin_a, tan_s = np.cos(angle), np.sin(angle), np.tan(shear)
        ga, gb = scale * cos_a, scale * sin_a
        gc, gd = scale * (cos_a * tan_s - sin_a), scale * (sin_a * tan_s + cos_a)
        ge = x0[line] + along * cos_t - baseline * sin_t
        gf = y0[line] + along * sin_t + baseline * cos_t
        matrix = _page_matrix((ga, gb, gc, gd, ge, gf), [card.placement for card in cards],
                              counts)
        starts = Starts([], [], [], [])
        for card, first in zip(cards, firsts, strict=True):
            note_starts(starts, card.lines, first, card.size)
        tails = np.concatenate([ops.tails for ops in lines])
        return page_text(matrix, tails, starts, self.ink, noise[5] * hand.ink_sigma)


@dataclass(frozen=True)
class _Twins:
    """Glyphs of a page (by position) that repeat a recent letter: those that start a run
    of repeats, those that continue one."""

    first: list[int]
    chained: list[int]

    @classmethod
    def of(cls, lines: list[LineOps], firsts: list[int]) -> _Twins:
        twinned = [(ops, first) for ops, first in zip(lines, firsts, strict=True) if ops.twins]
        return cls([first + i for ops, first in twinned for i in ops.twins],
                   [first + i for ops, first in twinned for i in ops.chained])

    @property
    def repeated(self) -> list[int]:
        return self.first + self.chained


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
    """One card on a page of its own (``Page.add`` explains the arguments)."""
    page = Page(encoder, ink, hand)
    page.add(block, origin, box, rng, placement)
    page.finish()


def _page_matrix(glyph: tuple[np.ndarray, ...], placements: list[Affine],
                 counts: list[int]) -> np.ndarray:
    """Each glyph's matrix composed with its panel's placement (``counts`` glyphs per
    placement), as integers in the units ``page_text`` sets up (1/1000 of the font size,
    1/10 pt). Upright panels, the usual case, are only moved (the same numbers, fewer
    products: a product with 1 or a sum with 0 changes nothing)."""
    ga, gb, gc, gd, ge, gf = glyph
    matrix = np.empty((len(ga), 6))
    if all(placement[:4] == UPRIGHT[:4] for placement in placements):
        pe, pf = (np.repeat([placement[i] for placement in placements], counts) for i in (4, 5))
        matrix[:, 0] = 1000 * ga
        matrix[:, 1] = 1000 * gb
        matrix[:, 2] = 1000 * gc
        matrix[:, 3] = 1000 * gd
        matrix[:, 4] = POSITION_UNITS * (ge + pe)
        matrix[:, 5] = POSITION_UNITS * (gf + pf)
    else:
        pa, pb, pc, pd, pe, pf = np.repeat(placements, counts, axis=0).T
        matrix[:, 0] = 1000 * (ga * pa + gb * pc)
        matrix[:, 1] = 1000 * (ga * pb + gb * pd)
        matrix[:, 2] = 1000 * (gc * pa + gd * pc)
        matrix[:, 3] = 1000 * (gc * pb + gd * pd)
        matrix[:, 4] = POSITION_UNITS * (ge * pa + gf * pc + pe)
        matrix[:, 5] = POSITION_UNITS * (ge * pb + gf * pd + pf)
    return np.rint(matrix, out=matrix).astype(np.int64)


def _line_starts(
    block: Block, origin: tuple[float, float], width: float, noise: list[float], hand: Hand,
) -> tuple[list[float], list[float], list[float]]:
    """Per line: where it starts (creeping margin, uneven baseline) and how it tilts.
    ``noise``: 4 standard normals per line (a few lines a card: plain floats)."""
    left, top = origin
    size = block.size
    leading = size * hand.leading
    count = len(block.lines)
    slants, tilts, creeps, heights = (noise[i * count:(i + 1) * count] for i in range(4))
    slant, limit = slants[0] * hand.slant_sigma, hand.tilt_limit
    tilt = [min(max(slant + value * hand.line_tilt_sigma, -limit), limit) for value in tilts]
    creep = []
    current = abs(creeps[0]) * hand.creep_step
    max_creep = width * hand.creep_limit
    for value in creeps:
        creep.append(current)
        current = min(max_creep, max(0.0, current + (hand.creep_step
                                                     + value * 1.6 * hand.creep_step)))
    gaps = [0.0] * count
    for start in block.paragraph_starts:
        for number in range(start, count) if start else ():
            gaps[number] += hand.paragraph_gap * leading
    x0 = [left + shift + indent for shift, (_, indent) in zip(creep, block.lines, strict=True)]
    y0 = [top - size - number * leading - gap + height * 0.04 * size
          for number, (gap, height) in enumerate(zip(gaps, heights, strict=True))]
    return x0, y0, tilt


def _glyph_shapes(
    twins: _Twins, noise: np.ndarray, hand: Hand
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scale, rotation, shear) per glyph from 3 standard normals each; a repeated letter is
    pushed away from its twin: turned the other way and made larger or smaller than the
    glyph before it (always of its own line: a line's first glyph repeats nothing)."""
    scale = 1.0 + np.minimum(np.maximum(noise[0] * hand.size_sigma, -0.08), 0.08)
    rotation = np.minimum(np.maximum(noise[1] * hand.rotation_sigma, -0.07), 0.07)
    shear = noise[2] * hand.shear_sigma
    if not twins.first:
        return scale, rotation, shear
    repeated = np.array(twins.repeated)  # the runs' first glyphs, then the rest
    turn = np.minimum(0.08, np.maximum(_LEAST_TURN, np.abs(noise[1, repeated]) * 1.5
                                       * hand.rotation_sigma))
    step = np.minimum(0.1, np.maximum(0.025, np.abs(noise[0, repeated]) * 1.8 * hand.size_sigma))
    runs = len(twins.first)
    first, before = repeated[:runs], repeated[:runs] - 1
    rotation[first] = np.where(rotation[before] > 0, -turn[:runs], turn[:runs])
    scale[first] = np.where(scale[before] > 1.0, scale[before] - step[:runs],
                            scale[before] + step[:runs])
    chain = zip(twins.chained, turn[runs:].tolist(), step[runs:].tolist(), strict=True)
    for i, turned, stepped in chain:  # twins in a row chain
        rotation[i] = -turned if rotation[i - 1] > 0 else turned
        scale[i] = scale[i - 1] - stepped if scale[i - 1] > 1.0 else scale[i - 1] + stepped
    shear[repeated] *= 2.2
    return scale, rotation, shear


_LEAST_TURN = math.radians(1.2)


def _baselines(
    twins: _Twins, firsts: list[int], size: np.ndarray, noise: np.ndarray, hand: Hand
) -> np.ndarray:
    """A damped random walk (each step keeps 0.8 of the last offset), clamped to a few % of
    the size, from one standard normal per glyph. Computed as a short convolution per card;
    the walk carrying across line ends is harmless, each line has its own start."""
    steps = noise * hand.baseline_step * size
    steps[twins.repeated] *= 1.6  # a repeated letter's baseline wanders further
    ends = [*firsts[1:], len(steps)]
    walk = np.concatenate([np.convolve(steps[first:end], _DAMPING)[: end - first]
                           for first, end in zip(firsts, ends, strict=True)])
    limit = hand.baseline_limit * size
    return np.minimum(np.maximum(walk, -limit), limit)


_DAMPING = 0.8 ** np.arange(16)


def _along_line(step: np.ndarray, firsts: list[int], line_first: np.ndarray) -> np.ndarray:
    """Distance of each glyph from its line's start (``line_first``: the position of each
    glyph's line's first glyph): a cumulative sum per card, reset at each line."""
    ends = [*firsts[1:], len(step)]
    starts = np.concatenate([np.cumsum(step[first:end]) for first, end
                             in zip(firsts, ends, strict=True)]) - step
    return starts - starts[line_first]

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
from functools import lru_cache

import numpy as np
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from outreach.cardfonts import FontFace
from outreach.textfit import DEFAULT_HAND, Atom, Block, Hand, glyph_width

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
        raise ValueError(f"--ink: cannot read {value!r}; use {names} or #rrggbb") from None
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
        """Operators for a whole line, computed once (lines repeat across cards)."""
        found = self._lines.get(line)
        if found is None:
            pairs = [self.glyph(face, ch) for ch, face in line]
            changes = [(i, name, line[i][1].scale) for i, (name, _) in enumerate(pairs)
                       if i == 0 or name != pairs[i - 1][0]]
            spaces = [i for i, (ch, _) in enumerate(line) if ch == " " and i]
            found = _LineOps([show for _, show in pairs], changes, spaces)
            if len(self._lines) > 8192:
                self._lines.clear()
            self._lines[line] = found
        return found


@dataclass(frozen=True)
class _LineOps:
    """A line's ``Tj`` operators, where its font changes, and where its words start."""

    shows: list[str]
    font_changes: list[tuple[int, str, float]]  # (position, font resource, face scale)
    spaces: list[int]


@dataclass(frozen=True)
class _Glyphs:
    """A card's glyphs flattened: lines as keys, then per glyph face, line, advance, repeated?"""

    lines: list[tuple[Atom, ...]]
    faces: list[FontFace]
    line: np.ndarray
    advance: np.ndarray
    repeated: np.ndarray

    def __len__(self) -> int:
        return len(self.faces)


@lru_cache(maxsize=8192)
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


def _flatten(block: Block) -> _Glyphs:
    lines = [tuple(line) for line, _ in block.lines]
    data = [_line_data(line) for line in lines]
    faces = [face for line in lines for _, face in line]
    counts = [len(line) for line in lines]
    if not faces:
        empty = np.zeros(0)
        return _Glyphs(lines, faces, empty.astype(np.int64), empty, empty.astype(bool))
    return _Glyphs(
        lines, faces,
        np.repeat(np.arange(len(lines)), counts),
        np.concatenate([w for w, _ in data]) * block.size,
        np.concatenate([r for _, r in data]),
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
    glyphs = _flatten(block)
    if not len(glyphs):
        return
    x0, y0, tilt = _line_starts(block, origin, box[0], rng, hand)
    scale, rotation, shear = _glyph_shapes(glyphs, rng, hand)
    baseline = _baselines(glyphs, block.size, rng, hand)
    jitter = np.clip(rng.standard_normal(len(glyphs)) * 0.2,
                     -hand.advance_jitter, hand.advance_jitter)
    step = glyphs.advance * scale + jitter
    along = _along_line(step, glyphs.line)
    line_tilt = tilt[glyphs.line]
    cos_t, sin_t = np.cos(line_tilt), np.sin(line_tilt)
    angle = line_tilt + rotation
    cos_a, sin_a, tan_s = np.cos(angle), np.sin(angle), np.tan(shear)
    ga, gb = scale * cos_a, scale * sin_a
    gc, gd = scale * (cos_a * tan_s - sin_a), scale * (sin_a * tan_s + cos_a)
    ge = x0[glyphs.line] + along * cos_t - baseline * sin_t
    gf = y0[glyphs.line] + along * sin_t + baseline * cos_t
    pa, pb, pc, pd, pe, pf = placement
    matrix = np.rint(np.stack([  # in the units _operators sets up: 1/1000 and 1/10 pt
        1000 * (ga * pa + gb * pc), 1000 * (ga * pb + gb * pd),
        1000 * (gc * pa + gd * pc), 1000 * (gc * pb + gd * pd),
        POSITION_UNITS * (ge * pa + gf * pc + pe),
        POSITION_UNITS * (ge * pb + gf * pd + pf),
    ], axis=1)).astype(np.int64).tolist()
    deltas = (rng.standard_normal(len(glyphs)) * hand.ink_sigma).tolist()
    encoder.canvas.addLiteral(_operators(encoder, glyphs, matrix, ink, deltas, block.size))


def _line_starts(
    block: Block, origin: tuple[float, float], width: float,
    rng: np.random.RandomState, hand: Hand,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line: where it starts (creeping margin, uneven baseline) and how it tilts."""
    left, top = origin
    size = block.size
    leading = size * hand.leading
    count = len(block.lines)
    noise = rng.standard_normal((4, count))
    slant = noise[0, 0] * hand.slant_sigma
    tilt = np.clip(slant + noise[1] * hand.line_tilt_sigma, -hand.tilt_limit, hand.tilt_limit)
    creep_steps = hand.creep_step + noise[2] * 1.6 * hand.creep_step
    creep = np.empty(count)
    current = abs(noise[2, 0]) * hand.creep_step
    max_creep = width * hand.creep_limit
    for number in range(count):
        creep[number] = current
        current = min(max_creep, max(0.0, current + creep_steps[number]))
    gaps = np.zeros(count)
    for start in block.paragraph_starts:
        if start:
            gaps[start:] += hand.paragraph_gap * leading
    indents = np.array([indent for _, indent in block.lines])
    x0 = left + creep + indents
    y0 = top - size - np.arange(count) * leading - gaps + noise[3] * 0.04 * size
    return x0, y0, tilt


def _glyph_shapes(
    glyphs: _Glyphs, rng: np.random.RandomState, hand: Hand
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scale, rotation, shear) per glyph; a repeated letter is pushed away from its twin."""
    count = len(glyphs)
    noise = rng.standard_normal((3, count))
    scale = 1.0 + np.clip(noise[0] * hand.size_sigma, -0.08, 0.08)
    rotation = np.clip(noise[1] * hand.rotation_sigma, -0.07, 0.07)
    shear = noise[2] * hand.shear_sigma
    repeats = np.flatnonzero(glyphs.repeated).tolist()
    if not repeats:
        return scale, rotation, shear
    scales, rotations = scale.tolist(), rotation.tolist()  # the twins chain: loop in Python
    size_noise, turn_noise = noise[0].tolist(), noise[1].tolist()
    least = math.radians(1.2)
    for i in repeats:
        if i == 0:
            continue
        side = -1.0 if rotations[i - 1] > 0 else 1.0
        rotations[i] = side * min(0.08, max(least, abs(turn_noise[i]) * 1.5 * hand.rotation_sigma))
        step = min(0.1, max(0.025, abs(size_noise[i]) * 1.8 * hand.size_sigma))
        scales[i] = scales[i - 1] - step if scales[i - 1] > 1.0 else scales[i - 1] + step
    shear[repeats] *= 2.2
    return np.array(scales), np.array(rotations), shear


def _baselines(
    glyphs: _Glyphs, size: float, rng: np.random.RandomState, hand: Hand
) -> np.ndarray:
    """A damped random walk (each step keeps 0.8 of the last offset), clamped to a few % of
    the size. Computed as a short convolution; the walk carrying across line ends is harmless,
    each line has its own start."""
    steps = (rng.standard_normal(len(glyphs)) * hand.baseline_step * size
             * np.where(glyphs.repeated, 1.6, 1.0))
    walk = np.convolve(steps, _DAMPING)[: len(steps)]
    limit = hand.baseline_limit * size
    return np.clip(walk, -limit, limit)


_DAMPING = 0.8 ** np.arange(16)


def _along_line(step: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance of each glyph from its line's start: a cumulative sum reset at each line."""
    ends = np.cumsum(step)
    starts = ends - step
    first = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    offsets = np.repeat(starts[first], np.diff(np.r_[first, len(step)]))
    return starts - offsets


def _operators(
    encoder: GlyphEncoder,
    glyphs: _Glyphs,
    matrix: list[list[int]],
    ink: tuple[float, float, float],
    deltas: list[float],
    size: float,
) -> str:
    """Font and ink changes, then ``Tm`` + ``Tj`` per glyph, all in integers.

    Integers print three times faster than floats, and a card has ~400 glyphs: the page is
    scaled by 1/10 (positions in 1/10 pt, 0.035 mm) and the font size by 1/1000 (matrix
    entries in thousandths), so the glyphs come out exactly as large as ``size`` says.
    """
    prefixes = [""] * len(matrix)
    shows: list[str] = []
    current_font = ""
    for line in glyphs.lines:
        start = len(shows)
        ops = encoder.line(line)
        shows += ops.shows
        prefixes[start] = _ink(ink, deltas[start])
        for position in ops.spaces:
            prefixes[start + position] = _pressure(deltas[start + position])
        for position, font, scale in ops.font_changes:
            if font != current_font:
                current_font = font
                scaled = size * scale * POSITION_UNITS / 1000
                prefixes[start + position] += f"{font} {scaled:.5f} Tf\n"
    body = "\n".join([f"{p}{a} {b} {c} {d} {e} {f} Tm {s}"
                      for p, (a, b, c, d, e, f), s in zip(prefixes, matrix, shows, strict=True)])
    unit = 1 / POSITION_UNITS
    return f"q {unit:g} 0 0 {unit:g} 0 0 cm 1 j BT 2 Tr\n{body}\nET Q"


def _ink(ink: tuple[float, float, float], delta: float) -> str:
    """Ink for a line (a little lighter or darker as the flow varies) and the pressure of its
    first word."""
    factor = 1.0 + delta
    red, green, blue = (min(1.0, max(0.0, c * factor + delta * 0.15)) for c in ink)
    colour = f"{red:.3f} {green:.3f} {blue:.3f}"
    return f"{colour} rg {colour} RG {_pressure(delta)}"


def _pressure(delta: float) -> str:
    """Pen pressure for a word: a same-colour stroke 0–0.16 pt wide (here in 1/10 pt) around
    the letters, thicker as the hand presses harder."""
    return f"{min(1.6, max(0.0, 0.8 - delta * 15)):.2f} w\n"

"""Card sizes, how cards sit on a printed sheet, crop marks and folds.

A *panel* is the face of a card that carries the message (card size). A *flat* is what gets
cut out of the sheet: the panel itself, or with ``fold="half"`` two panels side by side (a
side-fold card; the message goes on the inside right panel). Flats are placed on the sheet
in a grid with no gutter, turned 90° when that fits more of them, and centred; crop ticks
sit only in the outer margin (never a cross in the middle of a card). With ``sheet="single"``
the page is one flat; a folded flat is turned to portrait, the way blank folded cards feed
through a printer, and the message turned with it so it reads right once folded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from outreach.errors import OutreachError

SAFE_MARGIN = 0.375 * inch  # text keeps at least this far inside the trim
TICK = 0.3 * inch
TICK_GAP = 0.06 * inch
MARK_GREY = 0.55


@dataclass(frozen=True)
class CardSize:
    key: str
    label: str
    width: float  # points, portrait
    height: float


SIZES = {
    "a2": CardSize("a2", "US A2, 4.25×5.5 in", 4.25 * inch, 5.5 * inch),
    "a6": CardSize("a6", "ISO A6, 105×148 mm", 105 * mm, 148 * mm),
    "a7": CardSize("a7", "US A7, 5×7 in", 5 * inch, 7 * inch),
    "4x6": CardSize("4x6", "4×6 in", 4 * inch, 6 * inch),
    "5x7": CardSize("5x7", "5×7 in", 5 * inch, 7 * inch),
}
SHEETS = {"letter": letter, "a4": A4}
FOLDS = ("none", "half")


@dataclass(frozen=True)
class Slot:
    """Where one flat sits on the page: lower-left of its box, and whether it is turned 90°."""

    x: float
    y: float
    turned: bool


@dataclass(frozen=True)
class Layout:
    """Everything needed to put cards on pages."""

    size: CardSize
    sheet: str
    fold: str
    page: tuple[float, float]
    flat: tuple[float, float]
    slots: tuple[Slot, ...]
    cuts_x: tuple[float, ...] = ()
    cuts_y: tuple[float, ...] = ()
    folds_x: tuple[float, ...] = ()
    folds_y: tuple[float, ...] = ()

    @property
    def per_page(self) -> int:
        return len(self.slots)

    @property
    def panel(self) -> tuple[float, float]:
        return self.size.width, self.size.height

    @property
    def writing_box(self) -> tuple[float, float]:
        """Width and height of the area text may use inside the panel."""
        return self.size.width - 2 * SAFE_MARGIN, self.size.height - 2 * SAFE_MARGIN

    def panel_boxes(self) -> list[tuple[float, float, float, float]]:
        """The message panels on a page as (x0, y0, x1, y1) in page coordinates."""
        boxes = []
        w, h = self.panel
        offset = w if self.fold == "half" else 0.0
        for slot in self.slots:
            if slot.turned:
                boxes.append((slot.x, slot.y + offset, slot.x + h, slot.y + offset + w))
            else:
                boxes.append((slot.x + offset, slot.y, slot.x + offset + w, slot.y + h))
        return boxes


def layout(size: str, sheet: str, fold: str = "none") -> Layout:
    """The imposition for ``size`` cards on ``sheet`` (letter, a4 or single)."""
    card = _lookup(SIZES, size, "size")
    if fold not in FOLDS:
        raise OutreachError(f"{fold!r} is not one of {', '.join(FOLDS)}", field="fold")
    flat = (card.width * 2, card.height) if fold == "half" else (card.width, card.height)
    if sheet == "single":
        return _single(card, fold, flat)
    page = _lookup(SHEETS, sheet, "sheet")
    return _grid(card, sheet, fold, page, flat)


def _lookup(table: dict, key: str, field: str):  # type: ignore[no-untyped-def]
    try:
        return table[key.lower()]
    except KeyError:
        choices = ", ".join([*table, "single"] if field == "sheet" else table)
        raise OutreachError(f"{key!r} is not one of {choices}", field=field) from None


def _single(card: CardSize, fold: str, flat: tuple[float, float]) -> Layout:
    fw, fh = flat
    if fold == "half" and fw > fh:
        return Layout(card, "single", fold, (fh, fw), flat, (Slot(0.0, 0.0, True),))
    return Layout(card, "single", fold, flat, flat, (Slot(0.0, 0.0, False),))


def _grid(
    card: CardSize, sheet: str, fold: str, page: tuple[float, float], flat: tuple[float, float]
) -> Layout:
    pw, ph = page
    fw, fh = flat
    eps = 0.01  # A4 is 595.28 pt; 2 × 105 mm is 595.28 pt too, give or take rounding
    upright = (int((pw + eps) // fw), int((ph + eps) // fh))
    turned = (int((pw + eps) // fh), int((ph + eps) // fw))
    is_turned = turned[0] * turned[1] > upright[0] * upright[1]
    cols, rows = turned if is_turned else upright
    if cols * rows == 0:
        raise OutreachError(
            f"{card.key}{', folded in half' if fold == 'half' else ''}: a "
            f"{fw / inch:.2f}×{fh / inch:.2f} in card does not fit on a {sheet} sheet; "
            "print on single sheets", field="size"
        )
    bw, bh = (fh, fw) if is_turned else (fw, fh)
    mx, my = (pw - cols * bw) / 2, (ph - rows * bh) / 2
    slots = tuple(
        Slot(mx + c * bw, my + (rows - 1 - r) * bh, is_turned)
        for r in range(rows) for c in range(cols)
    )
    folds_x: tuple[float, ...] = ()
    folds_y: tuple[float, ...] = ()
    if fold == "half" and is_turned:
        folds_y = tuple(my + r * bh + card.width for r in range(rows))
    elif fold == "half":
        folds_x = tuple(mx + c * bw + card.width for c in range(cols))
    return Layout(
        card, sheet, fold, page, flat, slots,
        cuts_x=tuple(mx + c * bw for c in range(cols + 1)),
        cuts_y=tuple(my + r * bh for r in range(rows + 1)),
        folds_x=folds_x, folds_y=folds_y,
    )


def panel_placement(lay: Layout, slot: Slot) -> tuple[float, float, float, float, float, float]:
    """The PDF matrix taking the message panel's coordinates ((0, 0) its lower-left, upright)
    onto the page: turned 90° for turned slots, shifted to the inside right panel if folded."""
    offset = lay.size.width if lay.fold == "half" else 0.0
    if slot.turned:  # rotate 90° anticlockwise about the slot, then move the panel up
        return (0.0, 1.0, -1.0, 0.0, slot.x + lay.flat[1], slot.y + offset)
    return (1.0, 0.0, 0.0, 1.0, slot.x + offset, slot.y)


def draw_marks(canvas: Canvas, lay: Layout) -> None:
    """Crop ticks (solid) and fold ticks (dashed) in the outer margin of a sheet: the same
    operators on every sheet of a layout, drawn once and then written as they came out."""
    text = _marks_text(lay)
    if text:
        canvas.addLiteral(text)


@cache
def _marks_text(lay: Layout) -> str:
    if lay.sheet == "single":
        return ""
    canvas = Canvas(io.BytesIO(), pagesize=lay.page)
    first = len(canvas._code)
    _draw_marks(canvas, lay)
    return "\n".join(canvas._code[first:])


def _draw_marks(canvas: Canvas, lay: Layout) -> None:
    pw, ph = lay.page
    canvas.saveState()
    canvas.setStrokeGray(MARK_GREY)
    canvas.setLineWidth(0.3)
    x_lo, x_hi = lay.cuts_x[0], lay.cuts_x[-1]
    y_lo, y_hi = lay.cuts_y[0], lay.cuts_y[-1]
    for x in lay.cuts_x:
        _ticks(canvas, x, y_lo, ph - y_hi, vertical=True, outer=x in (x_lo, x_hi), far=ph)
    for y in lay.cuts_y:
        _ticks(canvas, y, x_lo, pw - x_hi, vertical=False, outer=y in (y_lo, y_hi), far=pw)
    canvas.setDash(2, 2)
    for x in lay.folds_x:
        _ticks(canvas, x, y_lo, ph - y_hi, vertical=True, outer=False, far=ph)
    for y in lay.folds_y:
        _ticks(canvas, y, x_lo, pw - x_hi, vertical=False, outer=False, far=pw)
    canvas.restoreState()


def _ticks(
    canvas: Canvas, at: float, margin_lo: float, margin_hi: float,
    *, vertical: bool, outer: bool, far: float,
) -> None:
    """Two ticks along the line ``at``: one in each margin across it.

    With room in the margin the tick stops short of the card; with none (cards fill the
    sheet) an inner cut gets a tick from the paper's edge along the cut itself, which the
    cut removes, and the outer edges (the paper's own) get none.
    """
    segments = []
    for margin, edge, direction in ((margin_lo, 0.0, 1), (margin_hi, far, -1)):
        if margin >= TICK_GAP + 0.1 * inch:
            start = edge + direction * max(0.0, margin - TICK_GAP - TICK)
            end = edge + direction * (margin - TICK_GAP)
        elif not outer:
            start, end = edge, edge + direction * TICK
        else:
            continue
        segments.append((start, end))
    for start, end in segments:
        if vertical:
            canvas.line(at, start, at, end)
        else:
            canvas.line(start, at, end, at)

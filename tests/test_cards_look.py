"""The cards look as they did: a fixed page of cards rendered by poppler at 150 dpi, compared
pixel by pixel with a golden render (tests/data/cards/look.golden.png).

The golden was rendered from the drawing code before issue 23 made it faster, so this test
is what says "same look": the names (accents, Greek, Cyrillic, a Chinese fallback glyph) and
a company name long enough to wrap, in the same places, sizes, turns and ink. Regenerate it
only for a change that means to change the look: ``OUTREACH_UPDATE_GOLDEN=1``.

Tolerance: a pixel counts as changed when its grey level moves by more than 64 of 255 (a
quarter of the range: anti-aliasing of an edge that moved by well under a pixel stays
below it, while a glyph drawn elsewhere, turned or in another size flips whole strokes from
paper to ink), and at most 0.05% of the page's pixels (~1,000 of 2.1 million, against
~120,000 inked ones) may change. Lets a matrix entry rounded one unit differently (1/1000 of
the size, 1/100 pt) through, and nothing a reader could see.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from pathlib import Path

import pytest
from cards_helpers import SENDER, content, glyph_matrices, make
from conftest import DATA, require_tool, tools_required
from PIL import Image, ImageChops

from outreach.cards.fonts import FontChain
from outreach.cards.layout import CardOptions, write_cards
from outreach.model import Person

GOLDEN = DATA / "cards" / "look.golden.png"
DPI = 150
CHANGED_LEVEL = 64  # of 255
CHANGED_SHARE = 0.0005  # of the page's pixels
PEOPLE = [
    Person("Zoë", "Ødegård", company="Nordlys AS"),
    Person("王伟", "", company="Huawei"),
    Person("Дмитрий", "Соколов", company="Αλέξης & Παπαδόπουλος"),
    Person("Łukasz", "Kowalczyk", company="Przedsiębiorstwo Handlowo-Usługowe Kowalczyk "
           "i Wspólnicy Spółka Jawna Międzynarodowa"),
]
CJK_FONT = "DroidSansFallbackFull"  # the fallback that drew the golden's 王伟


def _render(tmp_path: Path) -> Image.Image:
    pdftoppm = require_tool("pdftoppm", "renders the cards to compare with the golden")
    face = FontChain().face_for("王伟")
    if face is None or face.path.stem != CJK_FONT:
        message = f"the golden's 王伟 is drawn in {CJK_FONT}; this machine has {face}"
        if tools_required():
            pytest.fail(message + " (OUTREACH_REQUIRE_TOOLS=1)")
        pytest.skip(message)
    pdf = tmp_path / "look.pdf"
    result = write_cards(PEOPLE, SENDER, pdf, CardOptions(size="a2", sheet="letter", seed=3))
    assert result.pages == 1 and result.warnings == []
    stem = tmp_path / "look"
    subprocess.run([pdftoppm, "-gray", "-png", "-r", str(DPI), "-singlefile", str(pdf),
                    str(stem)], check=True)
    return Image.open(stem.with_suffix(".png")).convert("L")


@pytest.mark.integration
def test_cards_look_as_the_golden_render(tmp_path: Path) -> None:
    image = _render(tmp_path)
    if os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1":
        image.save(GOLDEN, optimize=True)
    golden = Image.open(GOLDEN).convert("L")
    assert image.size == golden.size
    difference = ImageChops.difference(image, golden)
    histogram = difference.histogram()
    changed = sum(histogram[CHANGED_LEVEL + 1:])
    inked = sum(Image.eval(golden, lambda v: 255 if v < 128 else 0).histogram()[255:])
    assert inked > 20_000  # the golden shows four written cards, not a blank page
    assert changed <= CHANGED_SHARE * image.size[0] * image.size[1], (
        f"{changed} pixels changed by more than {CHANGED_LEVEL} grey levels")


def test_the_golden_is_one_small_page() -> None:
    golden = Image.open(GOLDEN)
    assert golden.size == (round(8.5 * DPI), 11 * DPI)
    assert GOLDEN.stat().st_size < 400_000


def test_a_card_is_drawn_the_same_whoever_shares_its_page(tmp_path: Path) -> None:
    """A page's cards are computed together; each card's hand still comes from its own
    seed alone: the last card's operators do not change with the cards before it."""
    last = Person("Zoë", "Ødegård", company="Nordlys AS")
    others = [Person("Ann", "Lee"), Person("Bo", "Yi", company="Acme"), Person("Cy", "Ng")]
    one, _ = make(tmp_path / "one", [*PEOPLE[1:], last])
    two, _ = make(tmp_path / "two", [*others, last])
    cards_one, cards_two = content(one).split("ET Q"), content(two).split("ET Q")
    assert len(cards_one) == len(cards_two) == 5  # one text object per card
    assert cards_one[:3] != cards_two[:3]
    assert _hand(cards_one[3]) == _hand(cards_two[3])  # glyph codes follow first use


def _hand(card: str) -> tuple[list[list[int]], list[str]]:
    """A card's glyph matrices and its ink and pen-pressure operators."""
    matrices = [matrix for matrix, _ in glyph_matrices(card)]
    assert len(matrices) > 300
    return matrices, re.findall(r"[\d.]+ [\d.]+ [\d.]+ rg|[\d.]+ w", card)


def test_every_glyph_keeps_its_own_turn_inside_its_cards_text_object(tmp_path: Path) -> None:
    pdf, _ = make(tmp_path, PEOPLE)
    stream = content(pdf)
    glyphs = glyph_matrices(stream)
    assert len(glyphs) == stream.count(" Tm ") > 1000
    turned = [m for m, _ in glyphs if m[1] != 0 and m[2] != 0]
    assert len(turned) > 0.95 * len(glyphs)  # rotation and slant per glyph, not offsets
    angles = {round(math.degrees(math.atan2(m[1], m[0])), 1) for m, _ in glyphs}
    assert len(angles) > 40


@pytest.mark.integration
def test_the_look_page_passes_qpdf_and_reruns_write_the_same_bytes(tmp_path: Path) -> None:
    qpdf = require_tool("qpdf")
    one, _ = make(tmp_path / "one", PEOPLE, seed=3)
    two, _ = make(tmp_path / "two", PEOPLE, seed=3)
    assert one.read_bytes() == two.read_bytes()
    subprocess.run([qpdf, "--check", str(one)], check=True, capture_output=True)

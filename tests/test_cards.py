"""Thank-you cards: the PDF a user prints, read back with pypdf, qpdf, poppler and pixels."""

from __future__ import annotations

import itertools
import math
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from cards_helpers import (
    SENDER,
    UNICODE_PEOPLE,
    content,
    glyph_matrices,
    is_ink,
    make,
    page_texts,
    render,
)
from click.testing import CliRunner
from conftest import DATA, require_tool, tools_required
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib.units import inch, mm

from outreach.cards.fonts import FontChain
from outreach.cards.handwriting import POSITION_UNITS, parse_ink
from outreach.cards.imposition import SAFE_MARGIN, layout
from outreach.cards.layout import CardOptions, write_cards
from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.model import Person
from outreach.names import written_name

CARDS = DATA / "cards"


def _require_cjk_font() -> None:
    if FontChain().face_for("王伟") is None:
        message = "no TrueType CJK font installed (Debian: fonts-droid-fallback)"
        if tools_required():
            pytest.fail(message + " (OUTREACH_REQUIRE_TOOLS=1)")
        pytest.skip(message)


# ---------------------------------------------------------------- text a reader can find

def test_every_name_and_the_signoff_extract_exactly(tmp_path: Path) -> None:
    _require_cjk_font()
    pdf, result = make(tmp_path, UNICODE_PEOPLE)
    texts = page_texts(pdf)
    cards = [card for text in texts for card in text.split("Dear ")[1:]]
    assert len(cards) == len(UNICODE_PEOPLE) == result.cards
    for person, card in zip(UNICODE_PEOPLE, cards, strict=True):
        assert card.startswith(f"{person.first_name},"), card[:40]
        assert card.rstrip().endswith("Warmly,\nDana")  # the sender's first name
        if person.company:
            assert person.company in card.replace("\n", " ")
    joined = "".join(texts)
    assert "\x00" not in joined and "\ufffd" not in joined
    assert result.warnings == []


def test_markup_in_names_is_drawn_as_text(tmp_path: Path) -> None:
    people = [Person("<b>Bob</b>", "", company="A<B Corp"), Person("Jo", "", company="AT&T")]
    pdf, _ = make(tmp_path, people)
    text = page_texts(pdf)[0].replace("\n", " ")
    assert "Dear <b>Bob</b>," in text and "A<B Corp" in text
    assert "AT&T think" in text and "AT&T;" not in text


def test_pdf_string_delimiters_in_names_stay_characters(tmp_path: Path) -> None:
    """``(``, ``)`` and ``\\`` end or escape a PDF string: in a name they are drawn, and the
    page's operators are not changed by them (each glyph is still one ``Tm`` + ``Tj``)."""
    people = [Person("Jo) Tj ET (x", "", company="A\\B (Ltd)"), Person("Ann", "Lee")]
    pdf, _ = make(tmp_path, people)
    text = page_texts(pdf)[0].replace("\n", " ")
    assert "Dear Jo) Tj ET (x," in text and "A\\B (Ltd)" in text
    stream = content(pdf)
    assert stream.count(" Tm ") == len(glyph_matrices(stream)) and stream.count("BT ") == 2


def test_uncovered_character_warns_with_the_name_and_draws_no_box(tmp_path: Path) -> None:
    pdf, result = make(tmp_path, [Person("王伟", "Chen", company="Huawei")], system_fonts=False)
    assert len(result.warnings) == 1
    assert "王伟 Chen (Huawei)" in result.warnings[0] and "U+738B" in result.warnings[0]
    text = page_texts(pdf)[0]
    assert "\x00" not in text and "Dear Chen" not in text and "Dear ," in text


def test_a_signature_no_font_has_is_refused_before_any_card(tmp_path: Path) -> None:
    with pytest.raises(OutreachError, match=r"sign: no available font can write the "
                       r"signature .*U\+13000"):
        make(tmp_path, [Person("Ann", "Lee")], sign="\U00013000\U00013001", system_fonts=False)
    assert not (tmp_path / "cards.pdf").exists()


def test_each_script_run_stays_in_one_font() -> None:
    _require_cjk_font()
    pieces, missing = FontChain().split("Dear 王伟, Αλέξης and Zoë")
    assert missing == []
    faces = {run.strip(" ,"): face.name for run, face in pieces}
    assert "王伟" in faces and "Caveat" not in faces["王伟"]
    assert "Dear" in faces and "Caveat" in faces["Dear"]
    assert "Zoë" not in faces  # Latin stays with the text around it, in Caveat


# ---------------------------------------------------------------- sizes, sheets, marks

@pytest.mark.parametrize(
    ("size", "sheet", "page", "per_page", "card"),
    [
        ("a2", "letter", (8.5 * inch, 11 * inch), 4, (4.25 * inch, 5.5 * inch)),
        ("a6", "a4", (210 * mm, 297 * mm), 4, (105 * mm, 148 * mm)),
        ("4x6", "letter", (8.5 * inch, 11 * inch), 2, (4 * inch, 6 * inch)),
        ("5x7", "letter", (8.5 * inch, 11 * inch), 2, (5 * inch, 7 * inch)),
        ("a7", "a4", (210 * mm, 297 * mm), 2, (5 * inch, 7 * inch)),
        ("a2", "single", (4.25 * inch, 5.5 * inch), 1, (4.25 * inch, 5.5 * inch)),
    ],
)
def test_page_size_and_card_boxes(
    tmp_path: Path, size: str, sheet: str, page: tuple[float, float], per_page: int,
    card: tuple[float, float],
) -> None:
    people = [Person(f"Name{n}", "Peer", company="Acme") for n in range(per_page + 1)]
    pdf, result = make(tmp_path, people, size=size, sheet=sheet)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2 == result.pages
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(page, abs=0.01)
    boxes = layout(size, sheet).panel_boxes()
    assert len(boxes) == per_page
    for x0, y0, x1, y1 in boxes:
        assert sorted((x1 - x0, y1 - y0)) == pytest.approx(sorted(card), abs=0.01)
        assert x0 >= -0.01 and y0 >= -0.01 and x1 <= page[0] + 0.01 and y1 <= page[1] + 0.01
    for a, b in itertools.pairwise(boxes):
        assert a[2] <= b[0] + 0.01 or a[1] >= b[3] - 0.01  # side by side or one below
    assert page_texts(pdf)[0].count("Dear Name") == per_page


@pytest.mark.integration
def test_four_a2_fill_letter_and_ink_stays_inside_the_safe_area(tmp_path: Path) -> None:
    require_tool("pdftoppm")
    people = [Person(f"Maximilian{n}", "Featherstonehaugh", company="Wide World Importers")
              for n in range(4)]
    pdf, _ = make(tmp_path, people, size="a2", sheet="letter")
    dpi = 50
    image = render(pdf, tmp_path, dpi)
    width, height = image.size
    band = int((SAFE_MARGIN / 72) * dpi) - 2
    half_w, half_h = width // 2, height // 2
    forbidden = set()
    for x0 in (0, half_w):
        for y0 in (0, half_h):
            for x in range(x0, x0 + half_w):
                for y in range(y0, y0 + half_h):
                    inside = (x0 + band <= x < x0 + half_w - band
                              and y0 + band <= y < y0 + half_h - band)
                    if not inside:
                        forbidden.add((x, y))
    inked = [xy for xy in forbidden if is_ink(image.getpixel(xy))]
    assert inked == []
    assert sum(is_ink(image.getpixel((x, y))) for x in range(width) for y in range(height)) > 500


@pytest.mark.integration
def test_crop_ticks_sit_in_the_margin_never_a_centre_cross(tmp_path: Path) -> None:
    require_tool("pdftoppm")
    pdf, _ = make(tmp_path, [Person("Ana", "Lima")], size="a2", sheet="letter")
    image = render(pdf, tmp_path, dpi=72).convert("L")
    width, height = image.size
    assert image.getpixel((width // 2, 4)) < 200  # tick at the top edge on the vertical cut
    assert image.getpixel((width // 2, height - 5)) < 200
    assert image.getpixel((3, height // 2)) < 200  # tick at the left edge on the horizontal cut
    assert image.getpixel((width - 4, height // 2)) < 200
    centre = [image.getpixel((width // 2 + dx, height // 2 + dy))
              for dx in range(-30, 31) for dy in (-1, 0, 1)]
    assert min(centre) > 240  # no cross where the four cards meet


def test_cards_with_a_margin_get_ticks_at_every_cut(tmp_path: Path) -> None:
    lay = layout("4x6", "letter")
    assert lay.cuts_x[0] > 0  # 4x6 leaves a margin on letter
    pdf, _ = make(tmp_path, [Person("Ana", "Lima")], size="4x6", sheet="letter")
    stream = content(pdf)
    ticks = [line for line in stream.splitlines() if line.endswith(" l S") or " l S" in line]
    assert len(ticks) >= 2 * (len(lay.cuts_x) + len(lay.cuts_y))


@pytest.mark.integration
def test_half_fold_puts_the_message_on_the_inside_panel_turned(tmp_path: Path) -> None:
    pdftotext = require_tool("pdftotext")
    pdf, _ = make(tmp_path, [Person("Ana", "Lima")], size="a2", sheet="single", fold="half")
    page = PdfReader(pdf).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (396.0, 612.0)
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Dear Ana," in text and "Warmly,\nDana" in text
    glyphs = glyph_matrices(content(pdf))
    turned = [m for m, _ in glyphs if m[1] > 900 and m[2] < -900]  # ~90° anticlockwise
    assert len(turned) == len(glyphs)
    # the upper (inside right) panel, inside its safe margin
    assert min(m[5] for m, _ in glyphs) / POSITION_UNITS > 306 + SAFE_MARGIN - 1
    assert max(m[4] for m, _ in glyphs) / POSITION_UNITS < 396 - SAFE_MARGIN + 1


# ---------------------------------------------------------------- a printable file

@pytest.mark.integration
def test_pdf_passes_qpdf_fonts_embedded_and_every_page_renders(tmp_path: Path) -> None:
    qpdf, pdffonts, pdftoppm = (require_tool(t) for t in ("qpdf", "pdffonts", "pdftoppm"))
    _require_cjk_font()
    pdf, result = make(tmp_path, UNICODE_PEOPLE)
    subprocess.run([qpdf, "--check", str(pdf)], check=True, capture_output=True)
    fonts = subprocess.run([pdffonts, str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert len(fonts) >= 3  # Caveat, DejaVu for Greek, a CJK font
    for row in fonts:
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), row
    assert not any("Helvetica" in row for row in fonts)
    subprocess.run([pdftoppm, "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == result.pages == 2


def test_same_input_gives_identical_bytes_and_seeds_change_the_hand(tmp_path: Path) -> None:
    people = UNICODE_PEOPLE[:3]
    first, _ = make(tmp_path / "a", people, seed=7)
    second, _ = make(tmp_path / "b", people, seed=7)
    other, _ = make(tmp_path / "c", people, seed=8)
    assert first.read_bytes() == second.read_bytes()
    mine, theirs = glyph_matrices(content(first)), glyph_matrices(content(other))
    assert [g for _, g in mine] == [g for _, g in theirs]  # same letters...
    moved = sum(a != b for (a, _), (b, _) in zip(mine, theirs, strict=True))
    assert moved > 0.9 * len(mine)  # ...in different places
    assert page_texts(first) == page_texts(other)


def test_two_people_never_get_the_same_hand(tmp_path: Path) -> None:
    twins = [Person("Sam", "Lee", company="Acme"), Person("Sam", "Lee", company="Initech")]
    pdf, _ = make(tmp_path, twins, template=CARDS / "coffee.card.j2")
    glyphs = glyph_matrices(content(pdf))
    half = len(glyphs) // 2
    assert [g for _, g in glyphs[:half]] == [g for _, g in glyphs[half:]]
    assert all(a[:4] != b[:4] for (a, _), (b, _) in zip(glyphs[:half], glyphs[half:],
                                                        strict=True))


def test_repeated_letters_are_not_identical_twins(tmp_path: Path) -> None:
    pdf, _ = make(tmp_path, [Person("Kim", "Park")], template=CARDS / "coffee.card.j2")
    glyphs = glyph_matrices(content(pdf))
    pairs = [(a, b) for (a, ga), (b, gb) in itertools.pairwise(glyphs)
             if ga == gb and ga in "fe"]
    assert len(pairs) == 4  # ff and ee, twice
    for a, b in pairs:
        angle_a = math.degrees(math.atan2(a[1], a[0]))
        angle_b = math.degrees(math.atan2(b[1], b[0]))
        size_a, size_b = math.hypot(a[0], a[1]), math.hypot(b[0], b[1])
        assert abs(angle_a - angle_b) > 1.0 or abs(size_a - size_b) / size_a > 0.02


# ---------------------------------------------------------------- fit, errors, options

def test_overflowing_message_names_the_recipient_and_writes_nothing(tmp_path: Path) -> None:
    people = [Person("Ana", "Lima"), Person("Zoë", "Ødegård", company="Nordlys AS")]
    template = CARDS / "long.card.j2"
    with pytest.raises(OutreachError, match=r"card for Ana Lima: .*overflows .* by \d+\.\d\d in"):
        make(tmp_path, people, template=template)
    assert not (tmp_path / "cards.pdf").exists()
    _fits, result = make(tmp_path, people, template=template, size="5x7", sheet="single")
    assert result.cards == 2 and min(result.sizes) >= 12


def test_long_names_shrink_within_the_readable_range(tmp_path: Path) -> None:
    _short, small = make(tmp_path / "s", [Person("Ana", "Lima")])
    long_person = Person("Ana", "Lima", company="The Extraordinarily Long-Named International "
                         "Consolidated Holdings Group of Companies and Subsidiaries Worldwide")
    _, large = make(tmp_path / "l", [long_person])
    assert 12 <= large.sizes[0] <= small.sizes[0] <= 22


def test_big_batches_split_into_numbered_files(tmp_path: Path) -> None:
    people = [Person(f"P{n}", "Peer") for n in range(5)]
    target = tmp_path / "cards.pdf"
    result = write_cards(people, SENDER, target, CardOptions(per_file=2))
    assert [p.name for p in result.files] == ["cards-1.pdf", "cards-2.pdf", "cards-3.pdf"]
    assert [len(PdfReader(p).pages) for p in result.files] == [1, 1, 1]
    assert "Dear P4," in page_texts(result.files[2])[0]


@pytest.mark.parametrize(("value", "rgb"), [
    ("blue", (0.11, 0.20, 0.52)), ("#ff8000", (1.0, 128 / 255, 0.0)), ("#abc", None),
])
def test_ink_colours(value: str, rgb: tuple[float, float, float] | None) -> None:
    parsed = parse_ink(value)
    if rgb:
        assert parsed == pytest.approx(rgb)
    assert parse_ink("black") != (0.0, 0.0, 0.0)


def test_a_cff_font_is_refused_clearly(tmp_path: Path) -> None:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef"])
    builder.setupCharacterMap({})
    pen = T2CharStringPen(500, None)
    builder.setupCFF("Test", {}, {".notdef": pen.getCharString()}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0)})
    builder.setupHorizontalHeader()
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path = tmp_path / "Test.otf"
    builder.save(str(path))
    with pytest.raises(OutreachError, match="CFF"):
        make(tmp_path, [Person("Ana", "Lima")], font=path)


# ---------------------------------------------------------------- the command

@pytest.mark.integration
def test_cli_writes_cards_and_a_preview(tmp_path: Path) -> None:
    require_tool("pdftoppm")
    out, png = tmp_path / "cards.pdf", tmp_path / "preview.png"
    result = CliRunner().invoke(cli, [
        "cards", str(CARDS / "peers.csv"), "--sign", "Dana", "--ink", "black",
        "--size", "a6", "--sheet", "a4", "--preview", str(png), "-o", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "Wrote 6 cards (ISO A6, 105×148 mm, 4 per a4 sheet) on 2 pages" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = "".join(page_texts(out)).replace("\n", " ")
    assert "Dear Zoë," in text and "Warmly, Dana" in text and "A<B Corp" in text


def test_cli_overflow_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "cards", str(CARDS / "peers.csv"), "--template", str(CARDS / "long.card.j2"),
        "--sign", "Dana", "-o", str(tmp_path / "c.pdf"),
    ])
    assert result.exit_code == 2
    assert result.output.startswith("Error: card for Zoë Ødegård (Nordlys AS): the message "
                                    "overflows")
    assert "Traceback" not in result.output and not (tmp_path / "c.pdf").exists()


def test_cli_bad_ink_and_missing_input(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["cards", str(CARDS / "peers.csv"), "--ink", "purple-ish",
                              "-o", str(tmp_path / "c.pdf")])
    assert bad.exit_code == 2 and "--ink: cannot read 'purple-ish'" in bad.output
    none = runner.invoke(cli, ["cards"])
    assert none.exit_code == 2 and "give INPUT" in none.output


def test_cli_pending_thanks_everyone_met_once(tmp_path: Path) -> None:
    from outreach.ledger import Ledger

    met = Person("Zoë", "Ødegård", url="https://www.linkedin.com/in/zoe", company="Nordlys AS")
    other = Person("Sam", "Okafor", url="https://www.linkedin.com/in/sam")
    with Ledger.open() as ledger:
        ledger.remember_people([met, other])
        ledger.add_event(met.key, "met", date(2026, 11, 20))
    out = tmp_path / "thanks.pdf"
    runner = CliRunner()
    first = runner.invoke(cli, ["cards", "--pending", "--sign", "Dana", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert "Wrote 1 card (" in first.output and "Marked 1 as thanked" in first.output
    text = page_texts(out)[0]
    assert "Dear Zoë," in text and "Sam" not in text
    again = runner.invoke(cli, ["cards", "--pending", "-o", str(tmp_path / "again.pdf")])
    assert again.exit_code == 0 and "Nobody to thank" in again.output
    assert not (tmp_path / "again.pdf").exists()


NAME_TEXT = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs", "Cc", "Cf"),
                           max_codepoint=0x2FFF),
    min_size=1, max_size=24,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=NAME_TEXT, company=NAME_TEXT)
def test_any_name_renders_or_warns_never_a_silent_box(
    tmp_path: Path, first: str, company: str
) -> None:
    person = Person(first, "Test", company=company)
    pdf, result = make(tmp_path, [person])
    text = page_texts(pdf)[0]
    assert "\x00" not in text
    written = written_name(first, "Test").first_name  # the greeting's spelling (MARÍA → María)
    shown = {ch for ch in unicodedata.normalize("NFC", written)
             if unicodedata.category(ch)[0] in "LN"}
    missing = {ch for ch in shown if ch not in text}
    if missing:
        assert any("Test" in w and "left out" in w for w in result.warnings), (missing, text)


def test_arabic_names_warn_they_are_not_joined(tmp_path: Path) -> None:
    _, result = make(tmp_path, [Person("محمد", "Ali")])
    assert any("محمد Ali" in w and "arabic" in w for w in result.warnings)


def test_control_characters_in_names_are_dropped(tmp_path: Path) -> None:
    pdf, result = make(tmp_path, [Person("Zo\u200be\u0007", "Lee\tKim")])
    text = page_texts(pdf)[0]
    assert "Dear Zoe," in text and result.warnings == []


def test_default_card_text_matches_the_golden_file() -> None:
    from outreach.cards.layout import CardWriter
    from outreach.model import Meeting
    from outreach.times import parse_start

    meeting = Meeting(parse_start("2026-11-20T08:00", "America/Toronto"),
                      location="Café Olimpico")
    writer = CardWriter(SENDER, CardOptions(meeting=meeting))
    text = writer.text(Person("Zoë", "Ødegård", company="Nordlys AS"))
    assert text + "\n" == (CARDS / "thanks_zoe.golden.txt").read_text(encoding="utf-8")
    bare = CardWriter(SENDER, CardOptions()).text(Person("Sam", "Lee"))
    assert "coffee at" not in bare and "team at" not in bare and bare.startswith("Dear Sam,")


@pytest.mark.integration
def test_font_by_path_or_installed_family_name_and_a_clear_error(tmp_path: Path) -> None:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not dejavu.is_file():
        pytest.skip("fonts-dejavu-core not installed")
    pdffonts = require_tool("pdffonts")
    require_tool("fc-match")
    for font in (str(dejavu), "DejaVu Sans"):
        pdf, _ = make(tmp_path, [Person("Ana", "Lima")], font=font)
        fonts = subprocess.run([pdffonts, str(pdf)], check=True, capture_output=True,
                               text=True).stdout
        assert "+DejaVuSans " in fonts and "Caveat" not in fonts
    with pytest.raises(OutreachError, match="font: No Such Hand: no such file"):
        make(tmp_path, [Person("Ana", "Lima")], font="No Such Hand")


@pytest.mark.slow
def test_reruns_in_fresh_processes_write_identical_bytes(tmp_path: Path) -> None:
    import os
    import sys

    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"cards-{hash_seed}.pdf"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", "from outreach.cli import main; main()", "cards",
                        str(CARDS / "peers.csv"), "--sign", "Dana", "-o", str(out)],
                       check=True, capture_output=True, env=env, cwd=tmp_path)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]

"""Helpers for the card tests: write cards, read them back the way a printer or reader would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from outreach.cards.layout import CardOptions, CardsResult, write_cards
from outreach.model import Person, Sender

SENDER = Sender(name="Dana Whitfield", email="dana@example.com")
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"

UNICODE_PEOPLE = [
    Person("Zoë", "Ødegård", company="Nordlys AS"),
    Person("Łukasz", "Kowalczyk", company="A<B Corp"),
    Person("Şebnem", "Aydın", company="AT&T"),
    Person("Αλέξης", "Παπαδόπουλος"),
    Person("Дмитрий", "Соколов", company="<b>Bold</b> Ltd"),
    Person("王伟", "", company="Huawei"),
    Person("<b>Bob</b>", "Smith", company="A<B Corp"),
    Person("Jo", "AT&T Jones", company="AT&T"),
]


def connections(folder: Path, peers: list[tuple[str, str, str]]) -> Path:
    """folder/Connections.csv of VP Marketing ``peers`` (first, last, company)."""
    rows = [f"{first},{last},https://www.linkedin.com/in/{first.lower()}-{last.lower()},"
            f"{first.lower()}@{company.lower()}.example,{company},VP Marketing,01 Jan 2025\n"
            for first, last, company in peers]
    path = folder / "Connections.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def make(tmp: Path, people: list[Person], **options: object) -> tuple[Path, CardsResult]:
    target = tmp / "cards.pdf"
    result = write_cards(people, SENDER, target, CardOptions(**options))  # type: ignore[arg-type]
    return target, result


def page_texts(pdf: Path, orientations: tuple[int, ...] = (0, 90, 180, 270)) -> list[str]:
    return [page.extract_text(orientations=orientations) for page in PdfReader(pdf).pages]


def content(pdf: Path, page: int = 0) -> str:
    """The page's decompressed content stream."""
    reader = PdfReader(pdf)
    data = reader.pages[page].get_contents()
    assert data is not None
    return data.get_data().decode("latin-1")


def glyph_matrices(stream: str) -> list[tuple[list[int], str]]:
    """Every ``a b c d e f Tm (x) Tj`` in a content stream: the matrix and the shown bytes."""
    found = re.findall(r"(-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) Tm \((.*?)\) Tj", stream)
    return [([int(v) for v in groups[:6]], groups[6]) for groups in found]


def render(pdf: Path, tmp: Path, dpi: int = 50, page: int = 1) -> Image.Image:
    stem = tmp / f"render-{page}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(stem)], check=True)
    return Image.open(stem.with_suffix(".png")).convert("RGB")


def is_ink(pixel: tuple[int, int, int]) -> bool:
    """Blue ink, not the grey crop marks nor white paper."""
    red, _, blue = pixel
    return blue - red > 40


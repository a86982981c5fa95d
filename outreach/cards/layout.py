"""Thank-you cards: one handwritten-looking message per person, imposed on print-ready sheets.

``write_cards(people, sender, output, CardOptions(...))`` renders ``thanks.card.j2`` (or any
template) for each person, fits the text to the card's writing area, writes it with the
handwriting module, and saves a PDF that is byte-identical on a rerun (reportlab's invariant
mode, jitter seeded from ``--seed`` and the person). reportlab keeps every page in memory
until it saves, so a large batch is split into several files of ``per_file`` cards each
(``cards-1.pdf``, ``cards-2.pdf``, ...), which also keeps each print job a sensible size;
each finished page is compressed at once by a worker thread (in parallel with drawing the
next), so what stays in memory is the compressed page, not its text.

``CardOptions.met`` gives the template each person's ``met.*`` (the day, the ``log met
--card`` line, the private ``--note``, the place), by ``Person.key``; a card line that would
push the card past its writing area at the smallest size is left out of that card, with a
warning, rather than failing the whole batch.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO

import numpy as np
from reportlab import rl_config
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

from outreach import fileio, templating
from outreach.cards.fit import Atom, Block, Hand, Overflow, atoms, fit
from outreach.cards.fonts import FontChain, script_of
from outreach.cards.handwriting import Page, parse_ink, seed_words
from outreach.cards.imposition import SAFE_MARGIN, Layout, draw_marks, layout, panel_placement
from outreach.cards.textops import GlyphEncoder
from outreach.errors import OutreachError
from outreach.model import Meeting, Person, Sender

DEFAULT_TEMPLATE = "thanks.card.j2"
SMALLEST_SIZE = 12.0  # points: below this Caveat stops being easy to read
# Scripts that need shaping or reordering, which reportlab does not do for these fonts.
UNSHAPED_SCRIPTS = {"arabic", "hebrew", "indic", "thai"}
# zlib level for page streams (~15 MB of text per 1,000 cards, mostly digits): level 1 takes
# a seventh of the CPU of zlib's default 6 (reportlab's) and 60% of level 4's, for 19% and 10%
# more bytes (1,000 cards: 0.15 s, 6.1 MB; level 4 0.25 s, 5.6 MB; level 6 1.1 s, 5.2 MB).
DEFLATE_LEVEL = 1


class CardOverflow(OutreachError):
    """A card's message does not fit its writing area even at ``SMALLEST_SIZE``."""


@dataclass(frozen=True)
class CardOptions:
    """What ``outreach cards`` asks for; every field has the CLI's default."""

    template: str | Path = DEFAULT_TEMPLATE
    size: str = "a2"
    sheet: str = "letter"
    fold: str = "none"
    font: str | Path | None = None
    ink: str = "blue"
    seed: int = 0
    sign: str | None = None
    meeting: Meeting | None = None
    today: date | None = None
    per_file: int = 1000
    system_fonts: bool = True
    locale: str = "en"  # the card's language (``i18n``); its template from ``templates`` first
    templates: Path | None = None
    met: Mapping[str, templating.MetVars] = field(default_factory=dict)  # by Person.key


@dataclass
class CardsResult:
    """What was written, for the CLI's summary."""

    files: list[Path] = field(default_factory=list)
    cards: int = 0
    pages: int = 0
    sizes: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    layout: Layout | None = None
    texts: list[str] = field(default_factory=list)  # check_cards only: each card's words


class CardWriter:
    """Renders, fits and draws cards for one set of options (fonts and template loaded once)."""

    def __init__(self, sender: Sender, options: CardOptions) -> None:
        self.sender = sender
        self.options = options
        self.layout = layout(options.size, options.sheet, options.fold)
        self.template = templating.load(
            templating.resolve(options.template, options.locale, options.templates))
        try:
            self.ink = parse_ink(options.ink)
        except ValueError as exc:
            raise OutreachError(str(exc), field="ink") from None
        self.chain = FontChain(options.font, system=options.system_fonts)
        self.signature = self._signature()
        self.hand = Hand()
        width = self.layout.size.width
        self.largest = 20.0 if width < 4.6 * 72 else 22.0
        self._rng = np.random.RandomState(0)
        self._atom_cache: dict[str, tuple[tuple[Atom, ...], list[str]]] = {}
        self._last_size: float | None = None  # where the next card's size search starts
        self.last_text = ""

    def met(self, person: Person) -> templating.MetVars:
        """``met.*`` for ``person``: from ``options.met``, the note on one line (it is data,
        never paragraphs of its own), the place defaulting to the meeting's location."""
        found = self.options.met.get(person.key) or templating.MetVars()
        note = " ".join(found.note.split()).rstrip(",;:- ")
        place = " ".join(found.place.split()) or (
            self.options.meeting.location if self.options.meeting is not None else "")
        return replace(found, note=note, place=place, card=" ".join(found.card.split()),
                       got=" ".join(found.got.split()).rstrip(",;:-. "),
                       gave=" ".join(found.gave.split()).rstrip(",;:-. "))

    def text(self, person: Person, met: templating.MetVars | None = None) -> str:
        """The card's message for ``person``, as the template renders it (NFC, tidy blanks)."""
        values = templating.variables(person, self.sender, self.options.meeting, self.options.today,
                                      met if met is not None else self.met(person),
                                      locale=self.options.locale)
        values["signature"] = self.signature
        rendered = templating.render(self.template, values, who=_who(person))
        rendered = unicodedata.normalize("NFC", rendered).replace("\r\n", "\n")
        rendered = _cleaned(rendered)
        lines = [" ".join(line.split()) for line in rendered.strip().split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))

    def _signature(self) -> str:
        """``thanks.signature``, cleaned as the card's text is, and written in full: a
        signature no available font can draw would leave the card unsigned, so it is refused."""
        from outreach.cards.thanks import signature

        name = _cleaned(unicodedata.normalize("NFC", signature(self.options.sign, self.sender)))
        name = " ".join(name.split())
        _, missing = self.chain.split(name)
        if missing or not name:
            chars = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in dict.fromkeys(missing))
            raise OutreachError(f"no available font can write the signature {name!r} "
                                f"({chars or 'nothing left to write'}); sign with another "
                                "name, or choose a font that has it", field="sign")
        return name

    def _check_signed(self, person: Person, text: str) -> None:
        """The sign-off (the last paragraph) shows the signature: a template that drops it
        would print an unsigned card, and printing is what records the thank-you."""
        if self.signature not in text.rpartition("\n\n")[2]:
            raise OutreachError(
                f"{self.template.filename or self.options.template}: the card for {_who(person)} "
                f"does not end with the signature {self.signature!r}; end the template with "
                "a sign-off paragraph holding {{ signature }}", field="template")

    def block(self, person: Person, warnings: list[str]) -> Block:
        """The message wrapped and sized to fit; ``OutreachError`` naming the person if not.
        A card that fits only without its ``met.card`` line (or, in a template that prints
        it, ``met.note``) is written without them (and warned)."""
        met = self.met(person)
        found: list[str] = []
        try:
            block = self._block(person, met, found)
        except CardOverflow:
            if not (met.card or met.note or met.got):
                raise
            found = []
            block = self._block(person, replace(met, note="", card="", got="", gave=""), found)
            what, text = (("line", met.card) if met.card else ("note", met.note) if met.note
                          else ("got note", met.got))
            found.append(f"card for {_who(person)}: with the card {what} ({len(text)} "
                         f"characters) the message does not fit the {self.layout.size.label} "
                         f"card even at {SMALLEST_SIZE:g} pt; written without the {what} "
                         "(shorten it, or choose a larger --size)")
        warnings += found
        return block

    def _block(self, person: Person, met: templating.MetVars, warnings: list[str]) -> Block:
        paragraphs: list[tuple[Atom, ...]] = []
        missing: list[str] = []
        text = self.text(person, met)
        self._check_signed(person, text)
        self.last_text = text  # what the card that fits says (check_cards shows it)
        for paragraph in text.split("\n\n"):
            written, lost = self._atoms(paragraph)
            paragraphs.append(written)
            missing += lost
        if missing:
            warnings.append(_missing_warning(person, missing))
        unjoined = sorted({script_of(ch) for ch in person.full_name} & UNSHAPED_SCRIPTS)
        if unjoined:
            warnings.append(f"card for {_who(person)}: {' and '.join(unjoined)} script is drawn "
                            "letter by letter, left to right (not joined or reordered); check "
                            "the name with --preview")
        width, height = self.layout.writing_box
        try:
            block = fit(paragraphs, width, height, (self.largest, SMALLEST_SIZE), self.hand,
                        first_try=self._last_size)
        except Overflow as over:
            raise CardOverflow(
                f"card for {_who(person)}: the message overflows the {self.layout.size.label} "
                f"writing area by {over.points / 72:.2f} in (about "
                f"{max(1, round(over.points / (over.size * self.hand.leading)))} lines) even at "
                f"{over.size:g} pt; shorten the template or choose a larger --size"
            ) from None
        self._last_size = block.size
        return block

    def _atoms(self, paragraph: str) -> tuple[tuple[Atom, ...], list[str]]:
        found = self._atom_cache.get(paragraph)
        if found is None:
            if len(self._atom_cache) > 4096:
                self._atom_cache.clear()
            written, lost = atoms(paragraph, self.chain)
            found = self._atom_cache[paragraph] = (tuple(written), lost)
        return found

    def rng(self, person: Person) -> np.random.RandomState:
        """The hand's randomness for one card: from the seed and the person, nothing else."""
        digest = hashlib.sha256(f"{self.options.seed}\0{person.key}".encode()).digest()
        self._rng.seed(seed_words(digest))
        return self._rng

    def render_pdf(
        self, people: Sequence[Person], path: Path, result: CardsResult,
        on_card: Callable[[int], None] | None = None,
    ) -> None:
        """Write one PDF holding ``people``'s cards to ``path`` (atomically); appends sizes and
        warnings to ``result``."""
        use_a85 = rl_config.useA85
        rl_config.useA85 = 0  # ASCII85 only bloats binary streams (and is slow); restored below
        try:
            with fileio.atomic_open(path) as handle:
                self._render(people, result, on_card, handle)
        finally:
            rl_config.useA85 = use_a85

    def _render(
        self, people: Sequence[Person], result: CardsResult,
        on_card: Callable[[int], None] | None, output: IO[bytes],
    ) -> None:
        lay = self.layout
        canvas = Canvas(output, pagesize=lay.page, invariant=1, pageCompression=1,
                        initialFontName=self.chain.primary.name)
        canvas.setTitle("Thank-you cards")
        canvas.setAuthor(self.signature)
        canvas.setCreator("outreach cards")
        page = Page(GlyphEncoder(canvas), self.ink, self.hand)
        width, height = lay.writing_box
        with ThreadPoolExecutor(max_workers=1) as deflater:
            for start in range(0, len(people), lay.per_page):
                for slot, person in zip(lay.slots, people[start:start + lay.per_page],
                                        strict=False):
                    block = self.block(person, result.warnings)
                    top = SAFE_MARGIN + height - 0.3 * (height - block.height(self.hand))
                    page.add(block, (SAFE_MARGIN, top), (width, height), self.rng(person),
                             panel_placement(lay, slot))
                    result.sizes.append(block.size)
                    result.cards += 1
                    if on_card is not None:
                        on_card(1)
                page.finish()
                draw_marks(canvas, lay)
                canvas.showPage()
                _deflate_last_page(canvas, deflater)
                result.pages += 1
            canvas.save()


class _DeflatedStream(PDFStream):
    """A page's content stream, Flate-compressed by a worker thread while the next page is
    drawn (zlib releases the GIL); formatted as reportlab formats its own compressed streams."""

    content: bytes | None

    def __init__(self, deflated: Future[bytes]) -> None:
        super().__init__(PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}))
        self._deflated: Future[bytes] | None = deflated

    def format(self, document: object) -> bytes:
        """The stream object's bytes. Formatted once, when the document is saved; the
        compressed copy is dropped then (the formatted one is part of the file)."""
        deflated, self._deflated = self._deflated, None
        if deflated is None:
            raise RuntimeError("a page's content stream was formatted twice")
        self.content = deflated.result()
        try:
            return bytes(super().format(document))
        finally:
            self.content = None


def _deflate_last_page(canvas: Canvas, deflater: ThreadPoolExecutor) -> None:
    """Hand the page just finished to ``deflater`` and drop its text: reportlab would keep
    every page's operators as text until ``save()`` and compress them all there, serially."""
    page = canvas._doc.Pages.pages[-1]
    page.Contents = _DeflatedStream(deflater.submit(_deflate, page.stream))
    page.stream = None


def _deflate(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), DEFLATE_LEVEL)


def write_cards(
    people: Iterable[Person],
    sender: Sender,
    output: Path,
    options: CardOptions = CardOptions(),
    on_card: Callable[[int], None] | None = None,
) -> CardsResult:
    """Write the cards PDF(s). All-or-nothing: an error leaves no file written or replaced."""
    people = list(people)
    if not people:
        raise OutreachError("cards: nobody to write to (INPUT selected no one)")
    if options.per_file < 1:
        raise OutreachError("must be at least 1", field="per_file")
    writer = CardWriter(sender, options)
    result = CardsResult(layout=writer.layout)
    chunks = [people[i:i + options.per_file] for i in range(0, len(people), options.per_file)]
    targets = _targets(Path(output), len(chunks))
    folder = fileio.ensure_folder(Path(output).parent)
    with tempfile.TemporaryDirectory(prefix=".cards-", dir=folder) as tmp:
        staged = []
        for number, chunk in enumerate(chunks):
            part = Path(tmp) / f"{number}.pdf"
            writer.render_pdf(chunk, part, result, on_card)
            staged.append(part)
        for part, target in zip(staged, targets, strict=True):
            os.replace(part, target)  # same folder, already synced: each file appears whole
    result.files = targets
    return result


def check_cards(people: Iterable[Person], sender: Sender,
                options: CardOptions = CardOptions()) -> CardsResult:
    """Everything ``write_cards`` checks (signature, template, fonts, fit), card by card,
    without drawing or writing anything: ``cards --dry-run``. The same errors and warnings;
    ``result.texts`` holds what each card would say, ``result.files`` stays empty and
    ``pages`` is what the PDF would have."""
    people = list(people)
    if not people:
        raise OutreachError("cards: nobody to write to (INPUT selected no one)")
    writer = CardWriter(sender, options)
    result = CardsResult(layout=writer.layout)
    for person in people:
        result.sizes.append(writer.block(person, result.warnings).size)
        result.texts.append(writer.last_text)
        result.cards += 1
    result.pages = -(-len(people) // writer.layout.per_page)
    return result


def _targets(output: Path, count: int) -> list[Path]:
    if count == 1:
        return [output]
    width = len(str(count))
    return [output.with_name(f"{output.stem}-{n:0{width}d}{output.suffix}")
            for n in range(1, count + 1)]


def _cleaned(text: str) -> str:
    """Without control and format characters (a tab becomes a space; newlines stay)."""
    if text.replace("\n", "").isprintable():  # the common case
        return text
    return "".join(ch if ch == "\n" or not _is_control(ch) else " " if ch == "\t" else ""
                   for ch in text)


def _is_control(ch: str) -> bool:
    """Control and format characters (tabs, zero-width joiners, bidi marks) draw as boxes."""
    return unicodedata.category(ch) in {"Cc", "Cf"}


def _who(person: Person) -> str:
    name = person.full_name or person.key
    return f"{name} ({person.company})" if person.company else name


def _missing_warning(person: Person, missing: list[str]) -> str:
    chars = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in dict.fromkeys(missing))
    return (f"card for {_who(person)}: no available font has {chars}; left out of the card "
            "(install a font that covers it, or pass --font)")

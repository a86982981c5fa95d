"""Fonts for the thank-you cards: the handwriting font, its fallbacks, and who covers what.

A card is written in one handwriting font (bundled Caveat, or ``--font NAME|PATH``). A name
it cannot write — Greek, Chinese, a rare Latin letter — is written in the first font of the
fallback chain that covers the whole *script run* (so "王伟" never straddles two fonts): the
bundled Caveat, the bundled DejaVu Sans Condensed Oblique (Latin, Greek, Cyrillic), then
wide-coverage TrueType fonts on the system (known paths, then ``fc-list :charset=``).
Coverage comes from each font's cmap (fontTools ``getBestCmap``); fonts are parsed only
when a character needs them. reportlab embeds TrueType (``glyf``) fonts only; CFF-outline
fonts (most ``.otf``) are refused with a clear error or skipped as fallbacks.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

from outreach.errors import OutreachError

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
BUNDLED = {
    "caveat": FONT_DIR / "Caveat-Regular.ttf",
    "dejavu-oblique": FONT_DIR / "DejaVuSansCondensed-Oblique-LGC.ttf",
}
DEFAULT_FONT = "caveat"

# Wide-coverage TrueType fonts commonly installed (Debian/Ubuntu, Fedora, macOS, Windows).
SYSTEM_FALLBACKS = [
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
    "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/arialuni.ttf",
]


@dataclass(frozen=True, eq=False)
class FontFace:
    """One TrueType face, registered with reportlab under ``name``.

    ``scale`` sizes a fallback face so its capitals stand as tall as the handwriting font's
    (DejaVu at the same point size would shout next to Caveat).
    """

    name: str
    path: Path
    index: int = 0
    cmap: AbstractSet[int] = field(default=frozenset(), repr=False)
    cap_height: float = 0.7  # of the em
    scale: float = 1.0

    def covers(self, text: str) -> bool:
        return all(ord(ch) in self.cmap or _is_invisible(ch) for ch in text)


def resolve_font(spec: str | Path | None) -> Path:
    """``--font``: a bundled name (``caveat``), a .ttf/.ttc path, an installed family name
    (``Kristi``, found with fontconfig or in the font folders), or None (the default)."""
    if spec is None or str(spec).strip() == "":
        return BUNDLED[DEFAULT_FONT]
    key = str(spec).strip().lower()
    if key in BUNDLED:
        return BUNDLED[key]
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    installed = _installed_family(str(spec).strip())
    if installed is not None:
        return installed
    names = ", ".join(sorted(BUNDLED))
    raise OutreachError(f"{spec}: no such file, nor a bundled ({names}) or installed "
                        "font family", field="font")


def _installed_family(family: str) -> Path | None:
    """The file of an installed font family, if fontconfig knows it by that exact name; on
    macOS and Windows (no ``fc-match``), from the platform's font folders."""
    if shutil.which("fc-match") is None:
        from outreach.cards.installed import find_family

        return find_family(family)
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}|%{family}", family],
                               capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    file, _, families = found.partition("|")
    wanted = family.casefold()
    if any(name.strip().casefold() == wanted for name in families.split(",")):
        return Path(file)
    return None  # fc-match always answers; a different family means it is not installed


@cache
def load_face(path: Path, index: int = 0) -> FontFace:
    """Register a font with reportlab (once per process) and note what it covers.

    Coverage is the font's cmap as reportlab parsed it (the same table fontTools'
    ``getBestCmap`` reads; parsing a 30,000-glyph CJK font twice costs a third of a second).
    """
    cap_height = _cap_height(path, index)
    name = f"Hand-{path.stem}-{index}"
    # Asked by name, not with getFont: on a miss getFont parses every Type 1 AFM file that
    # reportlab ships (54 files, ~0.15 s a call) before it raises KeyError.
    if name in pdfmetrics.getRegisteredFontNames():
        font = pdfmetrics.getFont(name)
    else:
        try:
            font = ReportlabTTFont(name, str(path), subfontIndex=index)
        except Exception as exc:
            raise OutreachError(f"{path}: reportlab cannot use this font: {exc}") from None
        pdfmetrics.registerFont(font)
    cmap = font.face.charToGlyph.keys()  # a view, not a copy (50,000 code points in CJK fonts)
    return FontFace(name=name, path=path, index=index, cmap=cmap, cap_height=cap_height)


def _cap_height(path: Path, index: int) -> float:
    """Capital height as a fraction of the em: from OS/2, else the outline of "H".

    Also refuses CFF-outline fonts, which reportlab cannot embed.
    """
    try:
        font = _open_font(path, index)
        if "glyf" not in font:
            raise OutreachError(
                f"{path}: has PostScript (CFF) outlines, which cannot be embedded; "
                "use a TrueType .ttf (or convert it with fontTools' otf2ttf)"
            )
        units = font["head"].unitsPerEm
        os2 = font.get("OS/2")
        if os2 is not None and getattr(os2, "sCapHeight", 0) > 0:
            return float(os2.sCapHeight / units)
        glyph_name = (font.getBestCmap() or {}).get(ord("H"))
        if glyph_name:
            glyph = font["glyf"][glyph_name]
            if getattr(glyph, "numberOfContours", 0):
                return float(glyph.yMax / units)
    except (OSError, TTLibError, IndexError, KeyError, AssertionError) as exc:
        raise OutreachError(f"{path}: not a readable TrueType font ({exc})") from None
    return 0.7


def _open_font(path: Path, index: int) -> TTFont:
    if path.suffix.lower() in {".ttc", ".otc"}:
        return TTCollection(str(path), lazy=True).fonts[index]
    return TTFont(str(path), lazy=True)


class FontChain:
    """The handwriting face first, then fallbacks, tried in order for each script run."""

    def __init__(self, primary: str | Path | None = None, *, system: bool = True) -> None:
        """``system=False`` uses the bundled fonts only (no known paths, no fontconfig)."""
        self.primary = load_face(resolve_font(primary))
        self._candidates = [BUNDLED[DEFAULT_FONT], BUNDLED["dejavu-oblique"]]
        self._system = system
        if system:
            self._candidates += [Path(p) for p in SYSTEM_FALLBACKS]
        self._faces: list[FontFace] = [self.primary]
        self._next = 0
        self._searched: set[str] = set()
        self._cache: dict[str, FontFace | None] = {}

    def split(self, text: str) -> tuple[list[tuple[str, FontFace]], list[str]]:
        """``text`` → ([(run, face)], missing characters). Runs keep a script together."""
        pieces: list[tuple[str, FontFace]] = []
        missing: list[str] = []
        for run in script_runs(text):
            letters = "".join(ch for ch in run if script_of(ch))
            face = self.face_for(letters) if letters else None
            for ch in run:
                char_face = face if face is not None and face.covers(ch) else self.face_for(ch)
                if char_face is None:
                    missing.append(ch)
                else:
                    _append(pieces, ch, char_face)
        return pieces, missing

    def face_for(self, text: str) -> FontFace | None:
        """The first face (loading more fallbacks as needed) that covers all of ``text``."""
        if text in self._cache:
            return self._cache[text]
        face = self._find(text)
        self._cache[text] = face
        return face

    def _find(self, text: str) -> FontFace | None:
        for face in self._faces:
            if face.covers(text):
                return face
        while self._load_next():
            if self._faces[-1].covers(text):
                return self._faces[-1]
        for ch in text:
            self._search_system(ch)
        return next((face for face in self._faces if face.covers(text)), None)

    def _load_next(self) -> bool:
        while self._next < len(self._candidates):
            path = self._candidates[self._next]
            self._next += 1
            if self._add(path):
                return True
        return False

    def _add(self, path: Path, index: int = 0) -> bool:
        if not path.is_file() or any(f.path == path and f.index == index for f in self._faces):
            return False
        try:
            face = load_face(path, index)
        except OutreachError:
            return False  # a CFF or broken system font: not usable as a fallback
        ratio = self.primary.cap_height / face.cap_height if face.cap_height > 0 else 1.0
        self._faces.append(replace(face, scale=min(1.4, max(0.6, ratio))))
        return True

    def _search_system(self, ch: str) -> None:
        """Ask fontconfig for any installed font with ``ch`` (once per character)."""
        if not self._system or ch in self._searched or _is_invisible(ch):
            return
        self._searched.add(ch)
        for path, index in fonts_with(ch):
            if self._add(path, index):
                return


@cache
def fonts_with(ch: str) -> tuple[tuple[Path, int], ...]:
    """Installed fonts (file, face index) that fontconfig says have ``ch``; cached per process
    since each ask runs ``fc-list``."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        found = subprocess.run(
            ["fc-list", f":charset={ord(ch):x}", "file", "index"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    fonts = []
    for line in sorted(found.splitlines()):
        path_text, _, rest = line.partition(":")
        index = int(rest.split("=")[-1]) if "index=" in rest else 0
        fonts.append((Path(path_text.strip()), index))
    return tuple(fonts)


def _append(pieces: list[tuple[str, FontFace]], text: str, face: FontFace) -> None:
    if pieces and pieces[-1][1] is face:
        pieces[-1] = (pieces[-1][0] + text, face)
    else:
        pieces.append((text, face))


def script_runs(text: str) -> list[str]:
    """Split into runs of one script; spaces, digits and punctuation join the run they follow."""
    runs: list[str] = []
    current = ""
    current_script = ""
    for ch in text:
        script = script_of(ch)
        if script and current_script and script != current_script:
            runs.append(current)
            current = ""
        if script:
            current_script = script
        current += ch
    if current:
        runs.append(current)
    return runs


@lru_cache(maxsize=65536)
def script_of(ch: str) -> str:
    """A coarse script name for letters; "" for characters any script may use."""
    if not unicodedata.category(ch).startswith(("L", "M")):
        return ""
    code = ord(ch)
    for low, high, name in _SCRIPT_RANGES:
        if low <= code <= high:
            return name
    return "other"


_SCRIPT_RANGES = [
    (0x0000, 0x036F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0900, 0x0DFF, "indic"),
    (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "cjk"),
    (0x1D00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2E80, 0x9FFF, "cjk"),
    (0xA640, 0xA69F, "cyrillic"),
    (0xA720, 0xA7FF, "latin"),
    (0xAC00, 0xD7AF, "cjk"),
    (0xF900, 0xFAFF, "cjk"),
    (0xFF00, 0xFFEF, "cjk"),
    (0x20000, 0x3FFFF, "cjk"),
]


def _is_invisible(ch: str) -> bool:
    return ch in "\n\t" or unicodedata.category(ch) in {"Cc", "Cf"}

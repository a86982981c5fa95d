"""Installed font families found without fontconfig: macOS, Windows, or Linux without
``fc-match``. The platform's font folders are searched and each font's family names read
from its ``name`` table (fontTools, only that table is parsed); the index is built once
per process, on the first family asked for."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError

_SUFFIXES = {".ttf", ".ttc", ".otf"}
_FAMILY_IDS = (1, 16, 21)  # family, typographic family, WWS family


def font_folders() -> list[Path]:
    """Where this platform keeps fonts: the user's own first, then the system's."""
    home = Path.home()
    if sys.platform == "darwin":
        return [home / "Library" / "Fonts", Path("/Library/Fonts"),
                Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental")]
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", str(home / "AppData" / "Local"))
        windir = os.environ.get("WINDIR", r"C:\Windows")
        return [Path(local) / "Microsoft" / "Windows" / "Fonts", Path(windir) / "Fonts"]
    data = os.environ.get("XDG_DATA_HOME", str(home / ".local" / "share"))
    return [Path(data) / "fonts", home / ".fonts", Path("/usr/local/share/fonts"),
            Path("/usr/share/fonts")]


def find_family(family: str) -> Path | None:
    """The file of the installed font whose family name is ``family`` (any case), if any."""
    return family_index(tuple(font_folders())).get(family.strip().casefold())


@cache
def family_index(folders: tuple[Path, ...]) -> dict[str, Path]:
    """Every family name (casefolded) in ``folders`` → its first font file (a user's own
    font before the system's; a regular face before the others of its family)."""
    index: dict[str, Path] = {}
    for folder in folders:
        for path in _font_files(folder):
            for name in _family_names(path):
                index.setdefault(name.casefold(), path)
    return index


def _font_files(folder: Path) -> list[Path]:
    try:
        files = [p for p in folder.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file()]
    except OSError:
        return []
    return sorted(files, key=lambda p: ("regular" not in p.stem.casefold(), str(p)))


def _family_names(path: Path) -> set[str]:
    try:
        if path.suffix.lower() == ".ttc":
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True, fontNumber=0)]
        names = set()
        for font in fonts:
            table = font["name"]
            names |= {str(record.toUnicode()).strip() for record in table.names
                      if record.nameID in _FAMILY_IDS}
        return {name for name in names if name}
    except (TTLibError, OSError, KeyError, ValueError, UnicodeDecodeError, AssertionError):
        return set()  # not a font, or a broken one: not a family anyone can ask for

"""Rebuild the bundled fonts (run once by a maintainer; the results are committed).

Not used at run time. Needs the npm package ``@fontsource/caveat`` unpacked somewhere
(``npm pack @fontsource/caveat && tar xzf fontsource-caveat-*.tgz``) and Debian's
``fonts-dejavu-core``. Usage::

    python outreach/data/fonts/build_fonts.py /path/to/package /usr/share/fonts/truetype/dejavu

What it does (format conversion, merging and subsetting only; no glyph is redrawn):

* Caveat: the four 400-weight WOFF subsets (latin, latin-ext, cyrillic, cyrillic-ext) are
  decompressed to TrueType (``glyf`` outlines, which reportlab needs), merged into one font and
  pruned of the duplicate glyphs the merge leaves. OpenType layout tables are dropped
  (reportlab does not shape text).
* DejaVu Sans Condensed Oblique, cut down to Latin, Greek and Cyrillic, as the wide-coverage
  fallback for names Caveat cannot write (Greek, Vietnamese, ...).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger, Options
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
LAYOUT = ["GDEF", "GPOS", "GSUB", "STAT"]
CAVEAT_SUBSETS = ["latin", "latin-ext", "cyrillic", "cyrillic-ext"]
FALLBACK_RANGES = [
    (0x0020, 0x024F),  # Basic Latin .. Latin Extended-B
    (0x0250, 0x02FF),  # IPA, spacing modifiers
    (0x0300, 0x036F),  # combining diacritics
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic + supplement
    (0x1E00, 0x1FFF),  # Latin Extended Additional (Vietnamese), Greek Extended
    (0x2000, 0x206F),  # punctuation
    (0x20A0, 0x20BF),  # currency
]


def build_caveat(package: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for name in CAVEAT_SUBSETS:
            font = TTFont(package / "files" / f"caveat-{name}-400-normal.woff")
            font.flavor = None
            for tag in LAYOUT:
                if tag in font:
                    del font[tag]
            part = Path(tmp) / f"{name}.ttf"
            font.save(part)
            parts.append(str(part))
        merged = Merger(options=Options(drop_tables=LAYOUT)).merge(parts)
        merged_path = Path(tmp) / "merged.ttf"
        merged.save(merged_path)
        _subset(merged_path, HERE / "Caveat-Regular.ttf", sorted(merged.getBestCmap()))
    (HERE / "Caveat-OFL.txt").write_bytes((package / "LICENSE").read_bytes())


def build_fallback(dejavu_dir: Path) -> None:
    unicodes = [c for low, high in FALLBACK_RANGES for c in range(low, high + 1)]
    _subset(dejavu_dir / "DejaVuSansCondensed-Oblique.ttf",
            HERE / "DejaVuSansCondensed-Oblique-LGC.ttf", unicodes)


def _subset(source: Path, target: Path, unicodes: list[int]) -> None:
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += [*LAYOUT, "kern"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(target)


if __name__ == "__main__":
    build_caveat(Path(sys.argv[1]))
    build_fallback(Path(sys.argv[2]))

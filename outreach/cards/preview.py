"""A PNG of a PDF's first page with poppler's ``pdftoppm``, optionally in the background.

``start_preview`` launches the renderer and returns at once, so a caller with other work
(the campaign's e-mails and report) overlaps it with the render on another core;
``PreviewJob.finish`` waits and writes the PNG atomically.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from outreach import fileio
from outreach.errors import OutreachError


@dataclass
class PreviewJob:
    """A running ``pdftoppm``; ``finish`` (or ``cancel``) exactly once."""

    pdf: Path
    png: Path
    process: subprocess.Popen[bytes]
    folder: tempfile.TemporaryDirectory[str]

    def finish(self) -> Path:
        try:
            _, stderr = self.process.communicate()
            if self.process.returncode != 0:
                raise OutreachError(f"{self.pdf}: pdftoppm could not render it: "
                                    f"{stderr.decode(errors='replace').strip()}")
            fileio.write_bytes(self.png, (Path(self.folder.name) / "preview.png").read_bytes())
        finally:
            self.folder.cleanup()
        return self.png

    def cancel(self) -> None:
        self.process.kill()
        self.process.communicate()
        self.folder.cleanup()


def start_preview(pdf: Path, png: Path, dpi: int = 110) -> PreviewJob:
    """Start rendering the first page of ``pdf``; the PNG appears at ``finish()``."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise OutreachError(
            "needs pdftoppm (poppler-utils): e.g. apt-get install poppler-utils, "
            "brew install poppler", field="preview"
        )
    folder = tempfile.TemporaryDirectory(prefix="outreach-preview-")
    stem = Path(folder.name) / "preview"
    process = subprocess.Popen(
        [tool, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return PreviewJob(Path(pdf), Path(png), process, folder)


def write_preview(pdf: Path, png: Path, dpi: int = 110) -> Path:
    """Render the first page of ``pdf`` to ``png`` and wait for it."""
    return start_preview(pdf, png, dpi).finish()

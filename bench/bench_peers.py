"""Ingest + classification + peer matching on 30,000 connections (LinkedIn's cap).

Each figure is the best of several runs of one in-process call (imports excluded), plus the
whole `outreach peers` command as a user runs it (interpreter start and imports included).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_data"))

from generate import write_export  # noqa: E402
from timing import best_of  # noqa: E402

from outreach import titles  # noqa: E402
from outreach.ingest import read_export  # noqa: E402
from outreach.peers import PeerQuery, load_people  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = write_export(Path(tmp), rows=30_000, seed=11)
        import pandas  # noqa: F401  (imports are measured separately below)

        # A fresh vocabulary each run: its classification cache starts cold, as in a new process.
        ingest = best_of(lambda: read_export(archive, titles.Vocabulary.load()), 3)
        match = best_of(lambda: load_people(archive, PeerQuery()), 3)
        print(f"ingest+classify 30,000 rows (in process): {ingest * 1000:.0f} ms")
        print(f"ingest+classify+match 30,000 rows (in process, warm cache): {match * 1000:.0f} ms")
        exe = Path(sys.executable).parent / "outreach"
        for label, args in (("outreach --help", ["--help"]),
                            ("outreach peers 30,000 rows --format csv",
                             ["peers", str(archive), "--format", "csv", "-o", f"{tmp}/p.csv"])):
            whole = best_of(lambda argv=[str(exe), *args]: subprocess.run(
                argv, check=True, capture_output=True), 3)
            print(f"{label} (whole process): {whole * 1000:.0f} ms")
        baseline = best_of(lambda: subprocess.run(
            [sys.executable, "-c", "import pandas, rapidfuzz"], check=True), 3)
        print(f"python -c 'import pandas, rapidfuzz' (baseline): {baseline * 1000:.0f} ms")


if __name__ == "__main__":
    main()

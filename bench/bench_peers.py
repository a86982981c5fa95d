"""Ingest + classification + peer matching on 30,000 connections (LinkedIn's cap).

Each figure is the best of several runs of one in-process call (imports excluded), plus the
whole `outreach peers` command as a user runs it (interpreter start and imports included).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_data"))

from generate import write_export  # noqa: E402

from outreach import titles  # noqa: E402
from outreach.ingest import read_export  # noqa: E402
from outreach.peers import PeerQuery, load_people  # noqa: E402


def best_of(runs: int, func: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = write_export(Path(tmp), rows=30_000, seed=11)
        import pandas  # noqa: F401  (imports are measured separately below)

        # A fresh vocabulary each run: its classification cache starts cold, as in a new process.
        ingest = best_of(3, lambda: read_export(archive, titles.Vocabulary.load()))
        match = best_of(3, lambda: load_people(archive, PeerQuery()))
        print(f"ingest+classify 30,000 rows (in process): {ingest * 1000:.0f} ms")
        print(f"ingest+classify+match 30,000 rows (in process, warm cache): {match * 1000:.0f} ms")
        exe = Path(sys.executable).parent / "outreach"
        for label, args in (("outreach --help", ["--help"]),
                            ("outreach peers 30,000 rows --format csv",
                             ["peers", str(archive), "--format", "csv", "-o", f"{tmp}/p.csv"])):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([str(exe), *args], check=True, capture_output=True)
                runs.append(time.perf_counter() - started)
            print(f"{label} (whole process): {min(runs) * 1000:.0f} ms")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas, rapidfuzz"], check=True)
        print(f"python -c 'import pandas, rapidfuzz' (baseline): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

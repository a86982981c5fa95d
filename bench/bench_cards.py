"""Benchmark: thank-you cards on letter sheets with the font fallback chain in use.

Prints ``name: value unit`` lines. 1,000 A2 cards 4-up on Letter (one in five names needs a
fallback font: Greek, Cyrillic, Chinese, Latin Extended), timed and peak-traced; then 10,000
cards' peak memory, which must stay within ~2× the 1,000-card peak (files of 1,000 cards).
Each figure comes from a fresh subprocess so one run's caches do not flatter the next.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

NAMES = [
    ("Alex", "Morgan"), ("Zoë", "Ødegård"), ("Łukasz", "Kowalczyk"), ("Şebnem", "Aydın"),
    ("Αλέξης", "Παπαδόπουλος"), ("Дмитрий", "Соколов"), ("王", "伟"), ("Priya", "Raman"),
    ("Jordan", "O'Neil"), ("Sam", "Lee"),
]


def run(count: int, out_dir: str) -> dict[str, float]:
    import resource
    import time
    import tracemalloc

    from outreach.cards import CardOptions, write_cards
    from outreach.models import Person, Sender

    people = [
        Person(f"{first}", f"{last} {n}", company=f"Company {n % 97}")
        for n in range(count)
        for first, last in [NAMES[n % len(NAMES)]]
    ]
    tracemalloc.start()
    started = time.perf_counter()
    result = write_cards(people, Sender(name="Dana Whitfield"), Path(out_dir) / "cards.pdf",
                         CardOptions(size="a2", sheet="letter"))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(f.stat().st_size for f in result.files)
    return {"seconds": seconds, "traced_mib": peak / 2**20, "rss_mib": rss,
            "pages": result.pages, "files": len(result.files), "mib": size / 2**20}


def measure(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        code = (f"import json,sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"import bench_cards as b; print(json.dumps(b.run({count}, {tmp!r})))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    small = measure(1000)
    print(f"cards_1000_letter_time: {small['seconds']:.2f} s")
    print(f"cards_1000_letter_peak_traced: {small['traced_mib']:.1f} MiB")
    print(f"cards_1000_letter_peak_rss: {small['rss_mib']:.1f} MiB")
    print(f"cards_1000_letter_pdf_size: {small['mib']:.2f} MiB")
    large = measure(10000)
    print(f"cards_10000_letter_time: {large['seconds']:.2f} s")
    print(f"cards_10000_letter_peak_traced: {large['traced_mib']:.1f} MiB")
    print(f"cards_10000_letter_peak_rss: {large['rss_mib']:.1f} MiB")
    print(f"cards_10000_files: {large['files']:.0f} files")
    print(f"cards_10000_vs_1000_peak: {large['traced_mib'] / small['traced_mib']:.2f} x")


if __name__ == "__main__":
    main()

"""Benchmark: thank-you cards on letter sheets with the font fallback chain in use.

Prints ``name: value unit`` lines. 1,000 A2 cards 4-up on Letter (four names in ten need a
fallback font: Greek, Cyrillic, Chinese, and Latin letters beyond Caveat's), timed without
tracing; then the peak memory of 1,000 and of 10,000 cards (which must stay within ~2× the
1,000-card peak: big batches go to files of 1,000 cards). Python allocations are traced with
tracemalloc (which slows the run, so time comes from an untraced run); RSS is the whole
process, interpreter and libraries included. The baseline is the RSS of a process that has
imported everything and loaded the fonts these names need (the 4 MiB CJK fallback alone
costs ~23 MiB in reportlab) but drawn no card; "over baseline" is what the cards add. Each
figure comes from a fresh subprocess.
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


def run(count: int, out_dir: str, trace: bool) -> dict[str, float]:
    import resource
    import time
    import tracemalloc

    from outreach.cards.layout import CardOptions, write_cards
    from outreach.model import Person, Sender

    people = [
        Person(f"{first}", f"{last} {n}", company=f"Company {n % 97}")
        for n in range(count)
        for first, last in [NAMES[n % len(NAMES)]]
    ]
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = write_cards(people, Sender(name="Dana Whitfield"), Path(out_dir) / "cards.pdf",
                         CardOptions(size="a2", sheet="letter"))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(f.stat().st_size for f in result.files)
    return {"seconds": seconds, "traced_mib": peak / 2**20, "rss_mib": rss,
            "pages": result.pages, "files": len(result.files), "mib": size / 2**20}


def baseline() -> dict[str, float]:
    """Peak RSS with everything imported and every font the bench's names need loaded."""
    import resource

    from outreach.cards.layout import CardOptions, CardWriter
    from outreach.model import Person, Sender

    writer = CardWriter(Sender(name="Dana Whitfield"), CardOptions(size="a2", sheet="letter"))
    for first, last in NAMES:
        writer.block(Person(first, last), [])
    return {"rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(count: int, trace: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        call = f"b.run({count}, {tmp!r}, {trace})" if count else "b.baseline()"
        code = (f"import json,sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"import bench_cards as b; print(json.dumps({call}))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    base = measure(0, trace=False)["rss_mib"]
    timed = measure(1000, trace=False)
    print(f"cards_1000_letter_time: {timed['seconds']:.2f} s")
    print(f"cards_1000_letter_peak_rss: {timed['rss_mib']:.1f} MiB")
    print(f"cards_baseline_rss: {base:.1f} MiB")
    print(f"cards_1000_letter_rss_over_baseline: {timed['rss_mib'] - base:.1f} MiB")
    print(f"cards_1000_letter_pdf_size: {timed['mib']:.2f} MiB")
    traced = measure(1000, trace=True)
    print(f"cards_1000_letter_peak_traced: {traced['traced_mib']:.1f} MiB")
    large = measure(10000, trace=False)
    print(f"cards_10000_letter_time: {large['seconds']:.2f} s")
    print(f"cards_10000_letter_peak_rss: {large['rss_mib']:.1f} MiB")
    print(f"cards_10000_letter_rss_over_baseline: {large['rss_mib'] - base:.1f} MiB")
    print(f"cards_10000_files: {large['files']:.0f} files")
    print(f"cards_10000_vs_1000_peak_rss: {large['rss_mib'] / timed['rss_mib']:.2f} x")


if __name__ == "__main__":
    main()

"""`make bench`: run every bench/bench_*.py and print its figures, with the machine and date.

Copy the output into docs/benchmarks.md when the figures change.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    # The benches plan meetings from 5 January 2027 on: "now" is the sample export's week, so
    # that the start is never refused as past (outreach.times.now).
    os.environ.setdefault("OUTREACH_NOW", "2026-11-23T12:00:00+00:00")
    print(f"# outreach benchmarks — {date.today().isoformat()} — {machine()}")
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.stem.removeprefix('bench_')}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failed |= result.returncode != 0
        print(f"(script took {time.perf_counter() - started:.1f} s)", flush=True)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())

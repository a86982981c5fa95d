"""`make bench`: the goals of issue 23 (bench/goals.py), each beside its figure and its floor,
measured side by side in this run; then every bench/bench_*.py and its figures, with the
machine and date.

The goals come first: the scripts after them create and delete tens of thousands of files,
and ext4 skips inodes deleted in the last minutes when it allocates new ones, so creating
10,000 files right after costs up to 15 times the kernel CPU (the plain e-mails goal writes
10,000 files, mailmerge's dry run none).

Copy the output into docs/benchmarks.md when the figures change. A missed goal or a failing
script is printed, and does not fail the make target.
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
    print("\n## goals (issue 23): figure beside floor, measured side by side in this run",
          flush=True)
    subprocess.run([sys.executable, str(HERE / "goals.py")], cwd=HERE.parent)
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.stem.removeprefix('bench_')}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"(script took {time.perf_counter() - started:.1f} s)", flush=True)
        if result.returncode:
            print(f"({script.name} failed: exit {result.returncode})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark start-up: ``outreach --help``, ``status`` (empty ledger), ``log --help`` and
``completion`` against the bare interpreter, run directly with ``.venv/bin/python``.

Run: ``.venv/bin/python bench/bench_startup.py [--runs N]`` — prints one ``name: value unit``
per line, best of N wall-clock runs (hyperfine-style: the least disturbed run on a shared
machine), the goal beside each figure and the floor it is measured against:
``--help`` ≤ 2× the interpreter + 0.1 s, ``status`` ≤ 3× + 0.15 s (issue 23).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "help": ["-m", "outreach", "--help"],
    "status": ["-m", "outreach", "status"],
    "log_help": ["-m", "outreach", "log", "--help"],
    "completion": ["-m", "outreach", "completion", "bash"],
}
GOALS = {"help": (2.0, 0.10), "status": (3.0, 0.15)}  # factor × interpreter + seconds


def best_of(argv: list[str], runs: int, env: dict[str, str]) -> float:
    """The fastest of ``runs`` wall-clock runs of ``python argv`` (output discarded)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def measure(runs: int) -> dict[str, float]:
    """Seconds for the bare interpreter and each command, interleaved (A B A B) so a busy
    spell on the machine falls on all of them alike."""
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "OUTREACH_LEDGER": str(Path(work) / "ledger.sqlite"),
               "OUTREACH_CONFIG": str(Path(work) / "none.toml")}
        env.pop("OUTREACH_CONFIG")
        subprocess.run([sys.executable, "-m", "outreach", "status"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        figures = dict.fromkeys(["python", *COMMANDS], float("inf"))
        for _ in range(runs):
            figures["python"] = min(figures["python"], best_of(["-c", "pass"], 1, env))
            for name, argv in COMMANDS.items():
                figures[name] = min(figures[name], best_of(argv, 1, env))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    figures = measure(runs)
    floor = figures["python"]
    print(f"startup_python: {floor:.3f} s (floor: the bare interpreter, best of {runs})")
    for name in COMMANDS:
        seconds = figures[name]
        line = f"startup_{name}: {seconds:.3f} s ({seconds / floor:.1f}× the interpreter"
        if name in GOALS:
            factor, extra = GOALS[name]
            goal = factor * floor + extra
            verdict = "met" if figures[name] <= goal else "NOT met"
            line += f"; goal ≤ {factor:g}× + {extra:g} s = {goal:.3f} s: {verdict}"
        print(line + ")")


if __name__ == "__main__":
    main()

"""Compare every benchmark against an earlier commit, in one run on this machine.

    .venv/bin/python bench/compare.py [REF [SCRIPT...]]   (default: the commit before the
    redesign, every bench_*.py; e.g. compare.py 1f7a01a bench_campaign.py)

Machines here are noisy, so figures are only compared within one run: for each bench_*.py
present in both trees, the earlier commit's script (in a temporary git worktree, its package
first on PYTHONPATH) and today's run alternately, twice each, and both outputs are printed
side by side with the better of the two runs. `make bench` prints today's figures alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = "1f7a01a"  # main before the one-package-per-stage redesign (issue 11)


def run(tree: Path, script: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    result = subprocess.run([sys.executable, str(tree / "bench" / script)], cwd=tree, env=env,
                            capture_output=True, text=True)
    return result.stdout + (f"[exit {result.returncode}] {result.stderr[-500:]}"
                            if result.returncode else "")


def main() -> int:
    ref = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    only = set(sys.argv[2:])
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), ref], cwd=ROOT,
                       check=True)
        try:
            for script in sorted(p.name for p in HERE.glob("bench_*.py")):
                if (only and script not in only) or not (old / "bench" / script).exists():
                    continue
                print(f"\n## {script} — {ref} vs now", flush=True)
                for round_ in (1, 2):
                    for label, tree in ((ref, old), ("now", ROOT)):
                        print(f"### {label} (run {round_})\n{run(tree, script).rstrip()}",
                              flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())

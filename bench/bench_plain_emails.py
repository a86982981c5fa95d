"""10,000 plain-text e-mails, start-up included: ``outreach emails`` with a plain template
against mailmerge's plain-text dry run (``--dry-run --no-limit --output-format raw``) on the
same rows, and a 20-line jinja2 + email loop as the floor.

Run: ``.venv/bin/python bench/bench_plain_emails.py`` — prints one ``name: value unit`` per
line, best of ``--runs`` (A B A B), the goal beside the figure: ≥ 2× faster than mailmerge.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_emails import ROOT, ROWS, SUBJECT, mailmerge, people, quiet_folder, write_inputs

PLAIN_BODY = """Hi {{ first_name }},

I lead marketing at Acme, and I see you do the same job at {{ company }}. Would you be
up for 45 minutes over coffee to compare notes? No pitch, just what works and what doesn't.

Thanks,
Pat Lee
"""
FLOOR = '''
import csv, sys, jinja2
from email.message import EmailMessage
from pathlib import Path
env = jinja2.Environment()
subject = env.from_string(sys.argv[2])
body = env.from_string(Path(sys.argv[1]).read_text())
out = Path("floor"); out.mkdir(exist_ok=True)
with open("mailmerge_database.csv", newline="", encoding="utf-8") as handle:
    for n, row in enumerate(csv.DictReader(handle)):
        m = EmailMessage()
        m["From"] = "Pat Lee <pat@example.com>"
        m["To"] = row["email"]
        m["Subject"] = subject.render(row)
        m.set_content(body.render(row))
        (out / f"{n}.eml").write_bytes(m.as_bytes())
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    runs = parser.parse_args().runs
    tool = mailmerge()
    with tempfile.TemporaryDirectory(dir=quiet_folder()) as tmp:
        folder = Path(tmp)
        write_inputs(folder, people(ROWS))
        (folder / "plain.email.j2").write_text(f"Subject: {SUBJECT}\n\n{PLAIN_BODY}",
                                               encoding="utf-8")
        (folder / "mailmerge_template.txt").write_text(  # no CONTENT-TYPE: plain text
            "TO: {{ email }}\nSUBJECT: " + SUBJECT + "\nFROM: Pat Lee <pat@example.com>\n\n"
            + PLAIN_BODY, encoding="utf-8")
        (folder / "body.txt").write_text(PLAIN_BODY, encoding="utf-8")
        ours = [str(ROOT / ".venv" / "bin" / "outreach"), "emails", "peers.csv", "--template",
                "plain.email.j2", "--from", "Pat Lee <pat@example.com>", "--no-invite"]
        best = {"ours": float("inf"), "mailmerge": float("inf"), "floor": float("inf")}
        for run in range(runs):
            best["ours"] = min(best["ours"], _timed([*ours, "--out", f"out-{run}"], folder))
            best["mailmerge"] = min(best["mailmerge"], _timed(
                [str(tool), "--dry-run", "--no-limit", "--output-format", "raw"], folder))
            best["floor"] = min(best["floor"], _timed(
                [str(ROOT / ".venv" / "bin" / "python"), "-c", FLOOR, "body.txt", SUBJECT],
                folder))
    print(f"plain_emails_outreach_10k: {best['ours']:.2f} s (whole command, start-up included)")
    print(f"plain_emails_mailmerge_dry_run_10k: {best['mailmerge']:.2f} s")
    print(f"plain_emails_jinja2_email_floor_10k: {best['floor']:.2f} s")
    print("cpu_seconds (best): " + ", ".join(f"{k} {v:.2f} s" for k, v in CPU.items()))
    speedup = best["mailmerge"] / best["ours"]
    print(f"speedup_plain_vs_mailmerge_plain: {speedup:.2f} x (goal >= 2: "
          f"{'met' if speedup >= 2 else 'NOT met'}); "
          f"{best['ours'] / best['floor']:.2f} x the jinja2 + email floor")


def _timed(argv: list[str], cwd: Path) -> float:
    """Wall-clock seconds of one run; its CPU seconds (user + system, child processes
    included: the render pool) are kept in ``CPU`` under the command's name."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    name = Path(argv[0]).name
    CPU[name] = min(CPU.get(name, float("inf")), cpu)
    return elapsed


CPU: dict[str, float] = {}


if __name__ == "__main__":
    main()

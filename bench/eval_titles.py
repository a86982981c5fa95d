"""Evaluate the title classifier on labelled CSVs (title,function,level[,language]).

For each peer query, the gold peers are the rows whose labelled (function, level) equals the
query's correct label; the predicted peers are the rows whose classified (function, level)
equals the classification of the query itself, exactly as ``outreach peers --title`` matches.
Rows with ``?`` in function or level are ambiguous: never gold, and not counted as false
positives either (a label cannot say a prediction for them is wrong).

Also reports per-row accuracy of function and level over the labelled rows, and the share
with both right overall, per language and per (gold) function. The language is the CSV's
``language`` column when it has one; otherwise it is inferred: letters only one language uses
("ı", "ł", "ã"), else the language sections of the vocabulary the title's words come from, else
English.

Usage: python bench/eval_titles.py FILE.csv [FILE.csv ...] [--vocabulary FILE] [-v]
       [--min-both 0.90] [--min-f1 0.90]
Exit status 1 when a file misses a target: macro F1 < 0.95 or a query's F1 < --min-f1 (on
files where every query has gold rows), or both-right < --min-both (when given).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outreach.titles import Vocabulary, classify, classify_many, default_vocabulary_for

# The correct label of each query, stated by hand (not computed by the classifier under test).
QUERIES: dict[str, tuple[str, str]] = {
    "VP Marketing": ("marketing", "vp"),
    "Director of Enterprise PMO": ("project_management", "director"),
    "CIO": ("it", "cxo"),
    "Engineering Manager": ("engineering", "manager"),
    "Chief Financial Officer": ("finance", "cxo"),
    "HR Manager": ("hr", "manager"),
    "Sales Director": ("sales", "director"),
}
MACRO_TARGET = 0.95
QUERY_TARGET = 0.90


# Letters that, in a title, point at one language.
_LETTERS = {"tr": "ıİşğ", "pl": "łżźśńąę", "pt": "ãõ", "es": "ñ¿", "de": "ß", "da": "æ",
            "it": "", "nl": "", "fr": "œ", "sv": ""}


# Scripts that name their language: kana is Japanese, hangul Korean, Han alone Chinese.
_KANA = ("\u3040", "\u30ff")
_HANGUL = (("\u1100", "\u11ff"), ("\u3130", "\u318f"), ("\uac00", "\ud7af"))
_HAN = ("\u4e00", "\u9fff")


def _script_language(title: str) -> str:
    """ja, ko or zh when the title is written in that script, else ""."""
    if any(_KANA[0] <= c <= _KANA[1] for c in title):
        return "ja"
    if any(lo <= c <= hi for c in title for lo, hi in _HANGUL):
        return "ko"
    if any(_HAN[0] <= c <= _HAN[1] for c in title):
        return "zh"
    return ""


@dataclass(frozen=True)
class Row:
    title: str
    function: str
    level: str
    language: str = ""
    former: str = ""  # "1": a former role (never a peer); "": current; absent: not labelled

    @property
    def ambiguous(self) -> bool:
        return "?" in (self.function, self.level)


@dataclass(frozen=True)
class Score:
    query: str
    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    label_ok: bool


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return [
            Row(r["title"], r["function"].strip(), r["level"].strip(),
                (r.get("language") or "").strip(), (r.get("former") or "").strip())
            for r in reader
            if r.get("title")
        ]


def infer_language(title: str, vocab: Vocabulary | None = None) -> str:
    """The title's language: a letter only one language uses, else the language most of its
    words come from in the vocabulary's language sections, else English ("en")."""
    script = _script_language(title)
    if script:
        return script
    for code, letters in _LETTERS.items():
        if letters and any(c in title for c in letters):
            return code
    from outreach.titles.tokens import tokenize

    votes: Counter[str] = Counter()
    for tok in tokenize(title, default_vocabulary_for(vocab)):
        term = tok.term or tok.single
        if term is not None and term.lang:
            votes[term.lang] += 1
    return votes.most_common(1)[0][0] if votes else "en"


def both_right_by(rows: list[Row], predicted: list[tuple[str, str]],
                  key: str, vocab: Vocabulary | None = None) -> dict[str, tuple[float, int]]:
    """Both labels right, grouped by ``language`` or gold ``function``: {group: (share, n)}."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for row, pred in zip(rows, predicted, strict=True):
        if row.ambiguous:
            continue
        group = row.function if key == "function" else (
            row.language or infer_language(row.title, vocab))
        groups[group].append((row.function, row.level) == pred)
    return {g: (sum(v) / len(v), len(v)) for g, v in sorted(groups.items())}


def score_query(query: str, label: tuple[str, str], rows: list[Row],
                predicted: list[tuple[str, str]], vocab: Vocabulary | None) -> Score:
    target = classify(query, vocab)
    guess = (target.function, target.level)
    tp = fp = fn = 0
    for row, pred in zip(rows, predicted, strict=True):
        gold = not row.ambiguous and (row.function, row.level) == label
        hit = pred == guess
        if row.ambiguous and not gold:
            continue
        tp += gold and hit
        fp += hit and not gold
        fn += gold and not hit
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(query, precision, recall, f1, tp + fn, tp + fp, guess == label)


def accuracy(rows: list[Row], predicted: list[tuple[str, str]]) -> tuple[float, float, float, int]:
    """(function accuracy, level accuracy, both, n) over rows whose label is not '?'."""
    fn_rows = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.function != "?"]
    lv_rows = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.level != "?"]
    both = [(r, p) for r, p in zip(rows, predicted, strict=True) if not r.ambiguous]
    f = sum(r.function == p[0] for r, p in fn_rows) / max(1, len(fn_rows))
    lv = sum(r.level == p[1] for r, p in lv_rows) / max(1, len(lv_rows))
    b = sum((r.function, r.level) == p for r, p in both) / max(1, len(both))
    return f, lv, b, len(both)


def evaluate(path: Path, vocab: Vocabulary | None = None) -> tuple[list[Score], float, list[Row],
                                                                  list[tuple[str, str]]]:
    rows = read_rows(path)
    classes = classify_many([r.title for r in rows], vocab)
    predicted = [(c.function, c.level) for c in classes]
    scores = [score_query(q, label, rows, predicted, vocab) for q, label in QUERIES.items()]
    macro = sum(s.f1 for s in scores) / len(scores)
    return scores, macro, rows, predicted


def former_figures(path: Path, vocab: Vocabulary | None) -> tuple[int, int, int, int] | None:
    """(former rows recognised, former rows, current rows marked former, current rows) for a
    file with a ``former`` column, else None."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        if "former" not in (csv.DictReader(handle).fieldnames or []):
            return None
    rows = read_rows(path)
    marked = [c.former for c in classify_many([r.title for r in rows], vocab)]
    former = [m for r, m in zip(rows, marked, strict=True) if r.former == "1"]
    current = [m for r, m in zip(rows, marked, strict=True) if r.former != "1"]
    return sum(former), len(former), sum(current), len(current)


def _table(title: str, groups: dict[str, tuple[float, int]]) -> str:
    cells = [f"{g} {share:.2f} ({n})" for g, (share, n) in groups.items()]
    return f"  both right per {title}: " + ", ".join(cells)


def report(path: Path, vocab: Vocabulary | None, verbose: bool, min_both: float | None,
           min_f1: float) -> bool:
    """Print the figures for one file; True when it meets its targets."""
    started = time.perf_counter()
    scores, macro, rows, predicted = evaluate(path, vocab)
    elapsed = time.perf_counter() - started
    print(f"== {path.name}")
    print(f"{'query':<30} {'label':<28} {'P':>5} {'R':>5} {'F1':>5}  gold pred")
    for s in scores:
        fn, lv = QUERIES[s.query]
        flag = "" if s.label_ok else "  (query misclassified!)"
        print(f"{s.query:<30} {fn + '/' + lv:<28} {s.precision:5.2f} {s.recall:5.2f} "
              f"{s.f1:5.2f}  {s.gold:4} {s.predicted:4}{flag}")
    print(f"{'macro F1':<64} {macro:5.3f}")
    f_acc, l_acc, both, n = accuracy(rows, predicted)
    print(f"per-row accuracy on {path.name}: function {f_acc:.1%}, level {l_acc:.1%}, "
          f"both {both:.1%} ({n} fully labelled rows of {len(rows)})")
    print(_table("language", both_right_by(rows, predicted, "language", vocab)))
    print(_table("function", both_right_by(rows, predicted, "function", vocab)))
    formers = former_figures(path, vocab)
    if formers is not None:
        print(f"  former roles recognised: {formers[0]}/{formers[1]}; current roles read as "
              f"former: {formers[2]}/{formers[3]}")
    print(f"classified {len(rows)} titles in {elapsed * 1000:.1f} ms")
    if verbose:
        for row, (fn, lv) in zip(rows, predicted, strict=True):
            wrong_f = row.function not in ("?", fn)
            wrong_l = row.level not in ("?", lv)
            if wrong_f or wrong_l:
                print(f"  WRONG {row.title!r}: got {fn}/{lv}, want {row.function}/{row.level}")
    # F1 targets only where every query has peers to find (a small set may have none)
    scored = all(s.gold for s in scores)
    failed = scored and (macro < MACRO_TARGET or any(s.f1 < min_f1 for s in scores))
    if min_both is not None and both < min_both:
        failed = True
    if failed:
        print(f"FAIL: targets are macro F1 >= {MACRO_TARGET}, every query >= {min_f1}"
              + (f", both right >= {min_both}" if min_both is not None else ""))
    return not failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, nargs="+")
    parser.add_argument("--vocabulary", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong row")
    parser.add_argument("--min-both", type=float, help="fail below this share of both right")
    parser.add_argument("--min-f1", type=float, default=QUERY_TARGET,
                        help="fail when a query's F1 is below this")
    args = parser.parse_args(argv)
    vocab = Vocabulary.load(args.vocabulary) if args.vocabulary else None
    ok = [report(path, vocab, args.verbose, args.min_both, args.min_f1) for path in args.csv]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())

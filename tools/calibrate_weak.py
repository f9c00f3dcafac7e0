#!/usr/bin/env python3
"""Measure the weak-match rule on questions that have answers and on off-topic ones.

For one index, asks every answerable question and every off-topic question (k=10, the product's
ranking) and prints: the share of answerable questions whose top hit is flagged weak (goal: under
1 in 10), the share of off-topic questions whose hits are all weak (goal: all), and the strengths
nearest the threshold on each side, so the margin is visible. See dscb_assistant/confidence.py.

Usage::

    python tools/calibrate_weak.py --index index                       # sample corpus, eval/questions
    python tools/calibrate_weak.py --index /tmp/realdev/index --questions eval/realdev_questions.txt

``--questions`` is a folder of labelled ``*.jsonl`` files (eval/questions), one such file
(eval/realdev/questions.jsonl) or a text file with one question a line (``#`` starts a comment). Exit status 1 when either goal is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dscb_assistant import confidence  # noqa: E402
from dscb_assistant.evaluate import QUESTIONS_DIR, load_questions  # noqa: E402
from dscb_assistant.search import Searcher  # noqa: E402
from dscb_assistant.settings import Settings  # noqa: E402

OFFTOPIC = ROOT / "eval" / "offtopic.txt"
GOAL_WEAK_TOP = 0.10


def read_questions(path: Path) -> list[str]:
    """Questions from a folder of labelled ``*.jsonl`` files, one such file, or a text file with one a line."""
    path = Path(path)
    if path.is_dir():
        return [q.text for q in load_questions(path)]
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".jsonl":
        return [json.loads(line)["question"] for line in lines if line]
    return [line for line in lines if line and not line.startswith("#")]


def measure(searcher: Searcher, questions: list[str]) -> list[tuple[str, bool, bool, float, float]]:
    """For each question: (question, top hit weak, all hits weak, top hit's strength, best strength shown)."""
    rows = []
    for question in questions:
        hits = searcher.search(question, k=10)
        strengths = [confidence.strength(e) for e in searcher.evidence(question, [searcher.rows[h.passage.id] for h in hits])]
        rows.append((question, bool(hits) and hits[0].weak, all(h.weak for h in hits),
                     strengths[0] if strengths else 0.0, max(strengths, default=0.0)))
    return rows


def report(name: str, answerable: list, offtopic: list) -> tuple[str, bool]:
    weak_top = sum(r[1] for r in answerable)
    all_weak = sum(r[2] for r in offtopic)
    ok = weak_top < GOAL_WEAK_TOP * len(answerable) and all_weak == len(offtopic)
    lines = [
        f"Weak-match rule on {name} (answered at strength {confidence.MATCHED}, weak below {confidence.WEAK_BELOW})",
        f"  answerable questions with a weak top hit: {weak_top}/{len(answerable)} ({weak_top / max(1, len(answerable)):.1%})",
        f"  off-topic questions with every hit weak:  {all_weak}/{len(offtopic)} ({all_weak / max(1, len(offtopic)):.1%})",
        f"  highest strength shown for an off-topic question: {max((r[4] for r in offtopic), default=0.0):.4f}",
        f"  lowest best strength shown for an answerable one: {min((r[4] for r in answerable), default=0.0):.4f}",
    ]
    lines += [f"  weak top hit: {r[0][:90]} (top {r[3]:.4f}, best {r[4]:.4f})" for r in answerable if r[1]]
    lines += [f"  NOT all weak (off-topic): {r[0][:90]} (best {r[4]:.4f})" for r in offtopic if not r[2]]
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, help="answerable questions (folder of *.jsonl or a .txt)")
    parser.add_argument("--offtopic", type=Path, default=OFFTOPIC, help="off-topic questions, one a line")
    parser.add_argument("--name", default="", help="what to call the corpus in the output")
    args = parser.parse_args(argv)
    searcher = Searcher(Settings.from_env(index_dir=args.index))
    name = args.name or f"{len(searcher.reports)} reports, {len(searcher.passages)} passages"
    text, ok = report(name, measure(searcher, read_questions(args.questions)), measure(searcher, read_questions(args.offtopic)))
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

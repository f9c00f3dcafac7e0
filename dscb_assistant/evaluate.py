"""Evaluation: nDCG@10, recall@10 and MRR of each ranking on labelled practitioner questions.

Run ``python -m dscb_assistant.evaluate`` after ingesting the sample corpus. A passage answers a
question when it comes from the labelled report and contains the labelled quote (or its first or
last five words, when passage boundaries cut the quote).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .rank import near_duplicate, shingles
from .records import Passage
from .settings import PROJECT_ROOT, Settings

QUESTIONS_DIR = PROJECT_ROOT / "eval" / "questions"
THEME_LABELS_DIR = PROJECT_ROOT / "eval" / "theme_labels"
RANKINGS = {
    "BM25 alone": "bm25",
    "dense alone": "dense",
    "plain hybrid (RRF)": "plain",
    "final ranking": "hybrid",
}
WITHOUT_FOLDING = "final, copies not folded"  # the final ranking with Settings.dedupe off: what folding adds


@dataclass(frozen=True)
class Answer:
    file: str
    page: int
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    persona: str
    answers: tuple[Answer, ...]


def load_questions(folder: Path = QUESTIONS_DIR) -> list[Question]:
    questions = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                answers = tuple(Answer(a["file"], int(a["page"]), a["quote"]) for a in row["answers"])
                questions.append(Question(row["id"], row["question"], row.get("persona", ""), answers))
    return questions


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip().lower()


def answers_in(passage: Passage, answers: Sequence[Answer]) -> set[int]:
    """Which of ``answers`` (by position) the passage contains: in the labelled report, the quote or
    its first or last five words; in any other report, the whole quote (a summary copying it)."""
    body = _norm(passage.text)
    found = set()
    for i, answer in enumerate(answers):
        quote = _norm(answer.quote)
        if answer.file != passage.file:
            if len(quote.split()) >= 8 and quote in body:
                found.add(i)
            continue
        words = quote.split()
        if quote in body or " ".join(words[:5]) in body or " ".join(words[-5:]) in body:
            found.add(i)
    return found


def _copies(passages: Sequence[Passage]) -> list[bool]:
    """For each passage, whether it is a near-identical copy of one before it (see rank.near_duplicate)."""
    seen, flags = [], []
    for passage in passages:
        marks = _shingles(passage.text)
        flags.append(any(near_duplicate(marks, other) for other in seen))
        seen.append(marks)
    return flags


@lru_cache(maxsize=4096)
def _shingles(text: str) -> frozenset[int]:
    return shingles(text)


def score_ranking(passages: Sequence[Passage], answers: Sequence[Answer], all_passages: Sequence[Passage], k: int = 10) -> dict[str, float]:
    """nDCG@k, recall@k (answers found) and reciprocal rank.

    Gain is binary (a passage holding any answer), and a near-identical copy of a passage ranked
    above it gains nothing: reading the same paragraph twice, from an executive summary and its
    overview report, teaches nothing new. The ideal ranking counts each set of copies once.
    """
    copies = _copies(passages[:k])
    gains = [1.0 if answers_in(p, answers) and not copy else 0.0 for p, copy in zip(passages[:k], copies)]
    relevant = [p for p in all_passages if answers_in(p, answers)]
    relevant_total = len(relevant) - sum(_copies(relevant))
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(relevant_total, k)))
    found = set().union(*[answers_in(p, answers) for p in passages[:k]]) if passages else set()
    first = next((i for i, g in enumerate(gains) if g), None)
    return {
        "ndcg": dcg / ideal if ideal else 0.0,
        "recall": len(found) / len(answers) if answers else 0.0,
        "mrr": 1.0 / (first + 1) if first is not None else 0.0,
    }


def page_in_top(hits, answers: Sequence[Answer], n: int = 3) -> bool:
    """True when one of the first ``n`` hits is from a labelled report and covers its labelled page."""
    return any(
        hit.passage.file == a.file and hit.passage.page <= a.page <= hit.passage.page_end
        for hit in hits[:n]
        for a in answers
    )


def evaluate(searcher, questions: Sequence[Question], k: int = 10) -> dict[str, dict[str, float]]:
    """Mean metrics for each ranking in :data:`RANKINGS`."""
    table = {}
    for label, mode in RANKINGS.items():
        table[label] = _mean_scores(searcher, questions, mode, k)
    if searcher.settings.dedupe:
        product = searcher.settings
        searcher.settings = replace(product, dedupe=False)
        try:
            table[WITHOUT_FOLDING] = _mean_scores(searcher, questions, "hybrid", k)
        finally:
            searcher.settings = product
    return table


def _mean_scores(searcher, questions: Sequence[Question], mode: str, k: int) -> dict[str, float]:
    totals = {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0, "copies": 0.0}
    for q in questions:
        hits = searcher.search(q.text, k=k, mode=mode)
        scores = score_ranking([h.passage for h in hits], q.answers, searcher.passages, k)
        scores["copies"] = sum(_copies([h.passage for h in hits[:k]]))
        for key in totals:
            totals[key] += scores[key]
    return {key: value / len(questions) for key, value in totals.items()}


def format_table(table: dict[str, dict[str, float]], n_questions: int) -> str:
    base = table["BM25 alone"]["ndcg"] or 1.0
    lines = [
        f"Retrieval on {n_questions} labelled questions (k=10)",
        "",
        "| ranking | nDCG@10 | recall@10 | MRR | nDCG vs BM25 | repeated passages in the top 10 |",
        "|---|---|---|---|---|---|",
    ]
    for label, m in table.items():
        lines.append(f"| {label} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} | {m['ndcg'] / base:.2f}x "
                     f"| {m.get('copies', 0.0) * n_questions:.0f} |")
    lines.append("")
    lines.append("A repeated passage is a near-identical copy of one ranked above it (an executive summary quoting its "
                 "overview report); it gains nothing in nDCG. The last column counts them over all questions.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dscb_assistant.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, help="folder of *.jsonl question files")
    parser.add_argument("--themes", action="store_true", help="also print theme tagging precision and recall")
    args = parser.parse_args(argv)
    from .errors import DscbError
    from .search import Searcher

    try:
        searcher = Searcher(Settings.from_env(index_dir=args.index))
    except DscbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    questions = load_questions(args.questions)
    print(format_table(evaluate(searcher, questions), len(questions)))
    top3 = sum(page_in_top(searcher.search(q.text, k=3), q.answers) for q in questions)
    print(f"\nQuestions with a labelled report and page in the top 3: {top3}/{len(questions)}")
    if args.themes:
        from .themes import evaluate_tagging

        print()
        print(evaluate_tagging(searcher.passages, THEME_LABELS_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())

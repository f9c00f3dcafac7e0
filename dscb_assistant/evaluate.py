"""Evaluation: how well each ranking finds labelled passages, on real reports and on the sample fiction.

Run ``python -m dscb_assistant.evaluate``. Two sets are scored side by side:

* **real**: practitioner questions and remembered sentences about the real published PDFs in
  ``../shared/realdev/pdfs`` (labels in ``eval/realdev/``); their index is built, or brought up to
  date, in a folder outside the project (``--realdev-index``).
* **fiction**: the 103 questions about the bundled sample corpus (labels in ``eval/questions/``),
  on the project's own index.

A passage answers a question when it comes from the labelled report and holds the labelled quote
(compared word for word, ignoring case, punctuation and line breaks), or the quote's first or last
five words when it covers the labelled page (passage boundaries can cut a quote). Labels name a
report, a page and a quote, never a passage id, so they survive re-chunking.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .rank import fold_words, near_duplicate, shingles
from .records import Passage
from .settings import PROJECT_ROOT, Settings

QUESTIONS_DIR = PROJECT_ROOT / "eval" / "questions"
THEME_LABELS_DIR = PROJECT_ROOT / "eval" / "theme_labels"
REALDEV_LABELS = PROJECT_ROOT / "eval" / "realdev"
REALDEV_PDFS = PROJECT_ROOT.parent / "shared" / "realdev" / "pdfs"
REALDEV_INDEX = Path(tempfile.gettempdir()) / "dscb-realdev-index"
RANKINGS = {
    "BM25 alone": "bm25",
    "dense alone": "dense",
    "plain hybrid (RRF)": "plain",
    "final ranking": "hybrid",
}
WITHOUT_FOLDING = "final, copies not folded"  # the final ranking with Settings.dedupe off: what folding adds
TOP = 3  # a known item (and a question's labelled page) counts as found in the first three hits


@dataclass(frozen=True)
class Answer:
    file: str
    page: int  # 0: any page (theme labels)
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    persona: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class KnownItem:
    """A sentence or phrase someone remembers from a report, with the page it is on."""

    id: str
    text: str
    file: str
    page: int
    verbatim: bool


def load_questions(source: Path = QUESTIONS_DIR) -> list[Question]:
    """Questions from a ``*.jsonl`` file, or from every ``*.jsonl`` file in a folder."""
    source = Path(source)
    paths = [source] if source.is_file() else sorted(source.glob("*.jsonl"))
    questions = []
    for row in _rows(paths):
        answers = tuple(Answer(a["file"], int(a["page"]), a["quote"]) for a in row["answers"])
        questions.append(Question(row["id"], row["question"], row.get("persona", ""), answers))
    return questions


def load_known_items(path: Path = REALDEV_LABELS / "known_items.jsonl") -> list[KnownItem]:
    return [KnownItem(r["id"], r["query"], r["file"], int(r["page"]), bool(r.get("verbatim"))) for r in _rows([Path(path)])]


def _rows(paths: Sequence[Path]):
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


fold = lru_cache(maxsize=65536)(fold_words)  # labels are compared with passages word for word, as rank compares them


def answers_in(passage: Passage, answers: Sequence[Answer]) -> set[int]:
    """Which of ``answers`` (by position) the passage holds.

    In the labelled report: the whole quote, or its first or last five words when the passage
    covers the labelled page. In any other report: the whole quote of eight words or more (an
    executive summary copying its overview report).
    """
    body = fold(passage.text)
    found = set()
    for i, answer in enumerate(answers):
        quote = fold(answer.quote)
        words = quote.split()
        if answer.file != passage.file:
            if len(words) >= 8 and quote in body:
                found.add(i)
            continue
        if quote in body:
            found.add(i)
            continue
        on_page = not answer.page or passage.page <= answer.page <= passage.page_end
        if on_page and len(words) > 5 and (f" {' '.join(words[:5])} " in body or f" {' '.join(words[-5:])} " in body):
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


def page_in_top(hits, answers: Sequence[Answer], n: int = TOP) -> bool:
    """True when one of the first ``n`` hits is from a labelled report and covers its labelled page."""
    return any(
        hit.passage.file == a.file and hit.passage.page <= a.page <= hit.passage.page_end
        for hit in hits[:n]
        for a in answers
    )


def known_item_found(hits, item: KnownItem, n: int = TOP) -> bool:
    return page_in_top(hits, (Answer(item.file, item.page, ""),), n)


def evaluate(searcher, questions: Sequence[Question], k: int = 10, known_items: Sequence[KnownItem] = ()) -> dict[str, dict[str, float]]:
    """Mean metrics for each ranking in :data:`RANKINGS` (and the final ranking without folding).

    Each row has ``ndcg``, ``recall``, ``mrr``, ``top3`` (questions with a labelled page in the
    first three hits), ``copies`` (repeated passages per question) and, given known items,
    ``known`` (share of them found at their page in the first three hits).
    """
    table = {}
    for label, mode in RANKINGS.items():
        table[label] = _mean_scores(searcher, questions, known_items, mode, k)
    if searcher.settings.dedupe:
        product = searcher.settings
        searcher.settings = replace(product, dedupe=False)
        try:
            table[WITHOUT_FOLDING] = _mean_scores(searcher, questions, known_items, "hybrid", k)
        finally:
            searcher.settings = product
    return table


def _mean_scores(searcher, questions, known_items, mode: str, k: int) -> dict[str, float]:
    totals = {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0, "top3": 0.0, "copies": 0.0}
    for q in questions:
        hits = searcher.search(q.text, k=k, mode=mode)
        scores = score_ranking([h.passage for h in hits], q.answers, searcher.passages, k)
        scores["top3"] = float(page_in_top(hits, q.answers))
        scores["copies"] = sum(_copies([h.passage for h in hits[:k]]))
        for key in totals:
            totals[key] += scores[key]
    means = {key: value / len(questions) for key, value in totals.items()} if questions else dict(totals)
    if known_items:
        means["known"] = sum(known_item_found(searcher.search(item.text, k=TOP, mode=mode), item) for item in known_items) / len(known_items)
    return means


COLUMNS = (("ndcg", "nDCG@10"), ("recall", "recall@10"), ("mrr", "MRR"), ("known", f"known-item top-{TOP}"))


def format_table(sets: dict[str, tuple[dict[str, dict[str, float]], str]]) -> str:
    """One markdown table, a column group per set; each cell is the value and its ratio to BM25.

    Args:
        sets: set name -> (table from :func:`evaluate`, a note on what it was measured on).
    """
    header = ["ranking"]
    for name in sets:
        header += [f"{name}: {title}" for _, title in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = list(dict.fromkeys(label for table, _ in sets.values() for label in table))
    for label in rows:
        cells = [label]
        for table, _ in sets.values():
            base = table.get("BM25 alone", {})
            for key, _ in COLUMNS:
                value = table.get(label, {}).get(key)
                if value is None:
                    cells.append("-")
                else:
                    ratio = f" ({value / base[key]:.2f}x)" if base.get(key) else ""
                    cells.append(f"{value:.3f}{ratio}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for name, (_, note) in sets.items():
        lines.append(f"- {name}: {note}")
    return "\n".join(lines)


def split_halves(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    """Odd- and even-numbered questions: tune on one half, report the other as held out."""
    def number(q: Question) -> int:
        digits = re.findall(r"\d+", q.id)
        return int(digits[-1]) if digits else 0
    return [q for q in questions if number(q) % 2 == 1], [q for q in questions if number(q) % 2 == 0]


def cut_sentences(pdfs: Path, n: int = 200, seed: int = 7, min_words: int = 8) -> list[KnownItem]:
    """``n`` sentences of ``min_words`` words or more cut at random (fixed seed) from random pages of the
    PDFs, as plain pypdf reads them: where each one is comes from the PDF, not from our own passages."""
    import random

    from pypdf import PdfReader

    rng = random.Random(seed)
    readers = {path.name: PdfReader(path) for path in sorted(Path(pdfs).glob("*.pdf"))}
    items: list[KnownItem] = []
    for _ in range(50 * n):
        if len(items) == n or not readers:
            break
        name = rng.choice(sorted(readers))
        page = rng.randrange(len(readers[name].pages))
        text = " ".join((readers[name].pages[page].extract_text() or "").split())
        sentences = [s for s in re.split(r"(?<=[.;?!])\s+", text) if len(s.split()) >= min_words]
        if sentences:
            items.append(KnownItem(f"cut-{len(items) + 1}", rng.choice(sentences)[:1000], name, page + 1, True))
    return items


def realdev_searcher(pdfs: Path, index_dir: Path, *, rebuild: bool = False):
    """A Searcher over the real development PDFs, ingesting them into ``index_dir`` first
    (incremental: an unchanged corpus is not read or embedded again)."""
    from .ingest import ingest
    from .search import Searcher

    settings = Settings.from_env(corpus_dir=Path(pdfs), index_dir=Path(index_dir))
    ingest(settings, rebuild=rebuild)
    return Searcher(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dscb_assistant.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index of the sample corpus (default: index/)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, help="folder of *.jsonl questions on the sample corpus")
    parser.add_argument("--realdev", type=Path, default=REALDEV_PDFS, help=f"folder of the real development PDFs (default: {REALDEV_PDFS})")
    parser.add_argument("--realdev-index", type=Path, default=REALDEV_INDEX,
                        help=f"where to build and keep their index, outside the project (default: {REALDEV_INDEX})")
    parser.add_argument("--rebuild-realdev", action="store_true", help="re-read every real PDF (after a change to extraction or chunking)")
    parser.add_argument("--halves", action="store_true", help="also score the odd and even halves of the real questions apart")
    parser.add_argument("--cut", type=int, default=0, metavar="N",
                        help="also look for N sentences cut at random from the real pages (fixed seed)")
    parser.add_argument("--themes", action="store_true", help="also print theme tagging precision and recall on the sample corpus")
    args = parser.parse_args(argv)
    from .errors import DscbError
    from .search import Searcher

    sets: dict[str, tuple[dict, str]] = {}
    halves: list[tuple[str, dict]] = []
    cut: list[KnownItem] = []
    found: dict[str, int] = {}
    status = 0
    realdev = Path(args.realdev)
    if (realdev / "pdfs").is_dir():  # given the realdev folder itself rather than its pdfs/
        realdev = realdev / "pdfs"
    if not realdev.is_dir():
        print(f"Real reports: NOT EVALUATED. The real development PDFs are not at {realdev}; "
              "give their folder with --realdev DIR.", file=sys.stderr)
    else:
        questions = load_questions(REALDEV_LABELS / "questions.jsonl")
        known = load_known_items()
        try:
            searcher = realdev_searcher(realdev, args.realdev_index, rebuild=args.rebuild_realdev)
        except DscbError as exc:
            print(f"Real reports: not evaluated: {exc}", file=sys.stderr)
            status = 1
        else:
            reports = len(searcher.reports)
            note = (f"{len(questions)} practitioner questions and {len(known)} remembered sentences "
                    f"({sum(k.verbatim for k in known)} word for word) on {reports} real published PDFs in {realdev}")
            sets["real"] = (evaluate(searcher, questions, known_items=known), note)
            if args.halves:
                halves = [(name, evaluate(searcher, part)) for name, part in zip(("odd", "even"), split_halves(questions))]
            if args.cut:
                cut = cut_sentences(realdev, args.cut)
                found = {label: sum(known_item_found(searcher.search(item.text, k=TOP, mode=mode), item) for item in cut)
                         for label, mode in RANKINGS.items()}
    try:
        searcher = Searcher(Settings.from_env(index_dir=args.index))
    except DscbError as exc:
        print(f"Sample fiction: not evaluated: {exc}", file=sys.stderr)
        status = 1
    else:
        questions = load_questions(args.questions)
        sets["fiction"] = (evaluate(searcher, questions), f"{len(questions)} questions on the bundled fictional sample reports")
    if sets:
        print("Retrieval, k=10; each cell is the score and its ratio to BM25 alone.\n")
        print(format_table(sets))
    if cut:
        print(f"\n{len(cut)} sentences cut at random from the real pages (pypdf text), at their page in the top {TOP}: "
              + ", ".join(f"{label} {n}/{len(cut)}" for label, n in found.items()))
    if halves:
        print("\nReal questions in halves (tune on one, check on the other), nDCG@10 vs BM25 alone:")
        for name, table in halves:
            base = table["BM25 alone"]["ndcg"] or 1.0
            print(f"- {name}-numbered: " + ", ".join(f"{label} {row['ndcg'] / base:.2f}x" for label, row in table.items()))
    if args.themes and "fiction" in sets:
        print()
        print(evaluate_tagging(searcher.passages, THEME_LABELS_DIR))
    return status


# -- theme tagging --------------------------------------------------------------------------------


def evaluate_tagging(passages: Sequence, labels_dir: Path) -> str:
    """Precision and recall of the passages' theme tags against labelled quotes, as a table.

    Args:
        passages: indexed passages (anything with ``file``, ``text`` and ``themes``).
        labels_dir: a folder of ``*.jsonl`` files, one ``{"file", "quote", "themes"}`` per line;
            a label is compared with the themes of the passage(s) holding its quote.
    """
    from .themes import load_themes, tag_text

    by_file: dict[str, list] = {}
    for passage in passages:
        by_file.setdefault(passage.file, []).append(passage)
    themes = load_themes()
    # theme -> [true positives, false positives, false negatives], for the labelled paragraph
    # itself (the tagger's accuracy) and for the passage(s) holding it (what filters see).
    paragraph_counts: dict[str, list[int]] = {}
    passage_counts: dict[str, list[int]] = {}
    labels = unmatched = 0
    for row in _rows(sorted(Path(labels_dir).glob("*.jsonl"))):
        labels += 1
        answer = (Answer(row["file"], 0, row["quote"]),)
        holding = [p for p in by_file.get(row["file"], []) if answers_in(p, answer)]
        if not holding:
            unmatched += 1
            continue
        want = set(row["themes"])
        paragraph = _paragraph_holding(holding[0].text, row["quote"])
        _tally(paragraph_counts, {t.theme_id for t in tag_text(paragraph, themes)}, want)
        _tally(passage_counts, {t for p in holding for t in p.themes}, want)
    lines = [
        f"Theme tagging on {labels - unmatched} labelled paragraphs ({unmatched} quotes not found in the index)",
        "",
        "| theme | tagged right | tagged wrongly | missed | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for theme_id, tally in sorted(paragraph_counts.items()):
        lines.append(_tag_row(theme_id, tally))
    lines.append(_tag_row("**all themes, labelled paragraph**", _total(paragraph_counts)))
    lines.append(_tag_row("**all themes, passage holding it**", _total(passage_counts)))
    lines.append("")
    lines.append("A passage often joins several paragraphs, so it carries the themes of its neighbours too; "
                 "the labels describe one paragraph.")
    return "\n".join(lines)


def _paragraph_holding(text: str, quote: str) -> str:
    norm = " ".join(quote.split()).lower()
    for paragraph in text.split("\n\n"):
        if norm[:40] in " ".join(paragraph.split()).lower():
            return paragraph
    return text


def _tally(counts: dict[str, list[int]], got: set[str], want: set[str]) -> None:
    for theme_id in got | want:
        tally = counts.setdefault(theme_id, [0, 0, 0])
        tally[0 if theme_id in got & want else 1 if theme_id in got else 2] += 1


def _total(counts: dict[str, list[int]]) -> list[int]:
    return [sum(c[i] for c in counts.values()) for i in range(3)]


def _tag_row(name: str, tally: list[int]) -> str:
    tp, fp, fn = tally
    precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return f"| {name} | {tp} | {fp} | {fn} | {precision} | {recall} |"


if __name__ == "__main__":
    sys.exit(main())

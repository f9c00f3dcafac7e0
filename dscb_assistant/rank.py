"""Fusion, filtering and grouping: small pure functions over row ids and scores."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from .records import Filters, ReportMeta


def rrf(rankings: Sequence[Sequence[int]], k: int = 60, weights: Sequence[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion: each list adds ``weight / (k + rank)`` for every row it ranks (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, row in enumerate(ranking, start=1):
            fused[int(row)] = fused.get(int(row), 0.0) + weight / (k + rank)
    return fused


def convex(
    dense: tuple[Sequence[int], Sequence[float]],
    lexical: tuple[Sequence[int], Sequence[float]],
    dense_weight: float = 0.5,
) -> dict[int, float]:
    """Convex mix of min-max normalised scores; a row missing from one list scores 0 there."""
    fused: dict[int, float] = {}
    for (rows, scores), weight in ((dense, dense_weight), (lexical, 1.0 - dense_weight)):
        scores = np.asarray(scores, dtype=np.float64)
        if not len(scores):
            continue
        low, high = float(scores.min()), float(scores.max())
        norm = (scores - low) / (high - low) if high > low else np.ones_like(scores)
        for row, value in zip(rows, norm):
            fused[int(row)] = fused.get(int(row), 0.0) + weight * float(value)
    return fused


def ordered(fused: Mapping[int, float]) -> list[tuple[int, float]]:
    """Rows best first; ties broken by row id so results are deterministic."""
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def filter_mask(
    file_ids: np.ndarray,
    theme_rows: Mapping[str, np.ndarray],
    reports: Sequence[ReportMeta],
    filters: Filters,
) -> np.ndarray | None:
    """Boolean mask over passages that pass ``filters``, or None when nothing is filtered.

    Args:
        file_ids: for each passage, the position of its report in ``reports``.
        theme_rows: for each theme, the rows of the passages that carry it (see :func:`theme_rows`).
    """
    if not filters.active:
        return None
    allowed = np.fromiter(
        (
            (filters.year_from is None or (r.year is not None and r.year >= filters.year_from))
            and (filters.year_to is None or (r.year is not None and r.year <= filters.year_to))
            and (not filters.review_types or r.review_type in filters.review_types)
            and (not filters.boards or r.board in filters.boards)
            and (not filters.files or r.file in filters.files)
            for r in reports
        ),
        dtype=bool,
        count=len(reports),
    )
    mask = allowed[file_ids] if len(reports) else np.zeros(len(file_ids), dtype=bool)
    if filters.themes:
        carries = np.zeros(len(file_ids), dtype=bool)
        for theme in filters.themes:  # any of the chosen themes; an unknown id matches nothing
            if theme in theme_rows:
                carries[theme_rows[theme]] = True
        mask &= carries
    return mask


def theme_rows(passage_themes: Iterable[Sequence[str]]) -> dict[str, np.ndarray]:
    """Theme id -> the rows of the passages that carry it: a set per theme, so any number of themes
    (a 64-bit mask per passage broke past 63)."""
    rows: dict[str, list[int]] = {}
    for row, themes in enumerate(passage_themes):
        for theme in dict.fromkeys(themes):
            rows.setdefault(theme, []).append(row)
    return {theme: np.asarray(found, dtype=np.int64) for theme, found in rows.items()}


PHRASE_MIN_WORDS = 6  # shorter questions are not taken for remembered sentences
PHRASE_MIN_SHARE = 0.5  # a candidate holding half the question's word pairs in order: it is quoting the report
_FOLD_WORD = re.compile(r"[a-z0-9£%]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc]")


def fold_words(text: str) -> str:
    """The words of ``text`` in lower case, apostrophes dropped, one space between and around them
    ("Children’s  welfare," -> " childrens welfare "): for comparing wordings, never for showing."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text.replace("\u00ad", "")).lower())
    return " " + " ".join(_FOLD_WORD.findall(text)) + " "


def phrase_shares(query: str, texts: Sequence[str]) -> list[float] | None:
    """For each text, the share of the question's adjacent word pairs it holds as written; None when
    the question is shorter than :data:`PHRASE_MIN_WORDS` words (too short to be a remembered sentence)."""
    words = fold_words(query).split()
    if len(words) < PHRASE_MIN_WORDS:
        return None
    pairs = [f" {a} {b} " for a, b in zip(words, words[1:])]
    folded = [fold_words(text) for text in texts]
    return [sum(pair in text for pair in pairs) / len(pairs) for text in folded]


def with_phrase_evidence(fused: Mapping[int, float], shares: Mapping[int, float], weight: float = 1.0) -> dict[int, float]:
    """``fused`` with ``weight`` times each row's phrase share added, when some row holds at least
    :data:`PHRASE_MIN_SHARE` of the question's word pairs: the question quotes a report (someone
    remembers a sentence), so the passage that holds it should come first. Otherwise unchanged."""
    if not shares or max(shares.values()) < PHRASE_MIN_SHARE:
        return dict(fused)
    return {row: score + weight * shares.get(row, 0.0) for row, score in fused.items()}


def with_theme_evidence(fused: Mapping[int, float], carries: Mapping[int, bool], weight: float) -> dict[int, float]:
    """``fused`` with ``weight`` added to the rows that carry a theme the question named: the passages
    about "disguised compliance" where the report calls it "accepted at face value"."""
    return {row: score + (weight if carries.get(row) else 0.0) for row, score in fused.items()}


SHINGLE_WORDS = 5
DUPLICATE_SHARE = 0.5  # of the shorter passage's word 5-grams found in the other: the same text
_WORD = re.compile(r"[a-z0-9]+")
# Paragraph numbers ("5.3.2", "ES2.5"): a summary renumbers the paragraphs it copies. Other numbers
# stay, so chronology rows that differ only in an age, a count or a date are not taken for copies.
_PARAGRAPH_NUMBER = re.compile(r"\b[A-Za-z]{0,3}\d+(?:\.\d+)+\b")


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """Hashes of the passage's overlapping ``size``-word runs (lower case, punctuation and paragraph numbers ignored)."""
    words = _WORD.findall(_PARAGRAPH_NUMBER.sub(" ", text).lower())
    if len(words) <= size:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(hash(tuple(words[i:i + size])) for i in range(len(words) - size + 1))


def near_duplicate(a: frozenset[int], b: frozenset[int], share: float = DUPLICATE_SHARE) -> bool:
    """True when most of the shorter passage's word runs are in the other: the same paragraph in an
    executive summary and its overview report, or a finding repeated in a report's own summary."""
    if not a or not b:
        return False
    return len(a & b) >= share * min(len(a), len(b))


def select(
    ranked: Iterable[tuple[int, float]],
    files: Sequence[str],
    text_of: Callable[[int], str] | None,
    *,
    per_report: int,
    k: int,
    shown: Sequence[str] = (),
) -> list[tuple[int, float, tuple[int, ...]]]:
    """The best ``k`` rows, each with the rows of near-identical passages folded into it
    (``text_of`` gives a row's text; None folds nothing and only caps).

    Walking best first, a row whose text is a near-duplicate of a row already chosen is not shown
    again but listed with it ("also in"); otherwise it is chosen unless its report already has
    ``per_report`` rows (0 means no cap). Only chosen rows take in copies, so a copy of a capped
    passage can still be shown in its own right. Copies of the ``shown`` texts (the passage a
    "more like this" starts from) are left out altogether.
    """
    chosen: list[tuple[int, float, list[int]]] = []
    seen: list[frozenset[int]] = []
    counts: dict[str, int] = {}
    already = [shingles(text) for text in shown]
    for row, score in ranked:
        marks = shingles(text_of(row)) if text_of is not None else frozenset()
        if marks:
            if any(near_duplicate(marks, other) for other in already):
                continue
            twin = next((i for i, other in enumerate(seen) if near_duplicate(marks, other)), None)
            if twin is not None:
                chosen[twin][2].append(row)
                continue
        file = files[row]
        if per_report and counts.get(file, 0) >= per_report:
            continue
        counts[file] = counts.get(file, 0) + 1
        chosen.append((row, score, []))
        seen.append(marks)
        if len(chosen) == k:
            break
    return [(row, score, tuple(copies)) for row, score, copies in chosen]

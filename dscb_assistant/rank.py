"""Fusion, filtering and grouping: small pure functions over row ids and scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    theme_bits: np.ndarray,
    reports: Sequence[ReportMeta],
    theme_order: Sequence[str],
    filters: Filters,
) -> np.ndarray | None:
    """Boolean mask over passages that pass ``filters``, or None when nothing is filtered.

    Args:
        file_ids: for each passage, the position of its report in ``reports``.
        theme_bits: for each passage, a bit per theme in ``theme_order`` that it carries.
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
        wanted = theme_mask(filters.themes, theme_order)
        mask &= (theme_bits & wanted) != 0
    return mask


def theme_mask(themes: Sequence[str], theme_order: Sequence[str]) -> np.int64:
    """The bit pattern of ``themes`` (ids not in ``theme_order`` add nothing)."""
    bits = 0
    for theme in themes:
        if theme in theme_order:
            bits |= 1 << theme_order.index(theme)
    return np.int64(bits)


def cap_per_report(ranked: Sequence[tuple[int, float]], files: Sequence[str], per_report: int, k: int) -> list[tuple[int, float]]:
    """The best ``k`` rows with at most ``per_report`` from any one report (0 means no cap)."""
    taken: list[tuple[int, float]] = []
    counts: dict[str, int] = {}
    for row, score in ranked:
        file = files[row]
        if per_report and counts.get(file, 0) >= per_report:
            continue
        counts[file] = counts.get(file, 0) + 1
        taken.append((row, score))
        if len(taken) == k:
            break
    return taken


def group_by_report(hits: Sequence, key=lambda hit: hit.report.file) -> list[tuple[str, list]]:
    """Hits grouped by report, reports in order of their best hit."""
    groups: dict[str, list] = {}
    for hit in hits:
        groups.setdefault(key(hit), []).append(hit)
    return list(groups.items())

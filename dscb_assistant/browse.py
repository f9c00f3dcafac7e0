"""Browsing: counts and orderings behind the theme and report pages (no ranking of its own beyond a theme search)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .records import Filters, Hit, Passage, ReportMeta

# Sections a new member of staff should read first: where a review states what it learned.
LEARNING_SECTION = re.compile(
    r"\b(learning|learnt|lessons?|findings?|recommendations?|conclusions?|key messages?|good practice|"
    r"what (?:we|the review) (?:learn|learnt|learned)|areas? for improvement|matters? of concern)",
    re.IGNORECASE,
)
# A review's own summary comes next; a summary of events or of agency involvement is not one.
SUMMARY_SECTION = re.compile(r"\bsummary\b|\boverview\b", re.IGNORECASE)
# Read last: what each agency did, and when (agency summaries, chronologies, contacts, IMRs).
AGENCY_SECTION = re.compile(
    r"\bagenc(?:y|ies)\b|chronolog|summary of (?:key )?events|\bcontacts? with services\b|"
    r"individual management reviews?|\bIMRs?\b|\btimeline\b|\bdate\b.*\bevent",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ThemeCount:
    """How many reports and passages carry a theme."""

    theme_id: str
    reports: int
    passages: int


def theme_counts(passages: Iterable[Passage]) -> dict[str, ThemeCount]:
    """For every theme id found on ``passages``, the number of reports and of passages that carry it."""
    passage_counts: Counter[str] = Counter()
    files: dict[str, set[str]] = {}
    for passage in passages:
        for theme in passage.themes:
            passage_counts[theme] += 1
            files.setdefault(theme, set()).add(passage.file)
    return {t: ThemeCount(t, len(files[t]), n) for t, n in passage_counts.items()}


@dataclass(frozen=True)
class ThemeYear:
    """How many of one year's reports carry a theme, out of all that year's reports."""

    theme_id: str
    year: int
    reports: int
    all_reports: int


def theme_years(passages: Iterable[Passage], reports: dict[str, ReportMeta]) -> list[ThemeYear]:
    """For every theme and every year that has reports: how many of that year's reports carry the theme
    (any of their passages does, as in :func:`theme_counts`). Years with none of a theme count 0, so a
    theme's line falls to the axis rather than skipping the year. Reports of unknown year are left out.
    """
    files_by_year: dict[int, set[str]] = {}
    for report in reports.values():
        if report.year:
            files_by_year.setdefault(report.year, set()).add(report.file)
    carried: dict[tuple[str, int], set[str]] = {}
    themes: set[str] = set()
    for passage in passages:
        report = reports.get(passage.file)
        if report is None or not report.year:
            continue
        for theme in passage.themes:
            themes.add(theme)
            carried.setdefault((theme, report.year), set()).add(passage.file)
    return [
        ThemeYear(theme, year, len(carried.get((theme, year), ())), len(files))
        for theme in sorted(themes)
        for year, files in sorted(files_by_year.items())
    ]


def report_theme_ids(passages: Sequence[Passage], *, min_passages: int = 2) -> list[str]:
    """The themes a report's passages carry at least ``min_passages`` times, most-carried first."""
    counts = Counter(theme for passage in passages for theme in passage.themes)
    return [t for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= min_passages]


def theme_query(name: str, cues: Sequence[str] = ()) -> str:
    """The words a theme is searched by: its name and its cue phrases."""
    return " ".join([name, *cues])


def strongest_for_theme(searcher, theme_id: str, query: str, *, filters: Filters = Filters(), k: int = 15,
                        per_report: int = 3) -> list[tuple[ReportMeta, list[Hit]]]:
    """The passages tagged with ``theme_id`` that best match the theme's own words, grouped by report.

    Reports come in order of their best passage; ``filters`` (years, types, boards) apply as in search.
    """
    themed = Filters(
        year_from=filters.year_from, year_to=filters.year_to, review_types=filters.review_types,
        boards=filters.boards, themes=(theme_id,), files=filters.files,
    )
    hits = searcher.search(query, k=k, filters=themed, per_report=per_report)
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.report.file, []).append(hit)
    return [(group[0].report, group) for group in groups.values()]


def learning_first(passages: Sequence[Passage]) -> list[Passage]:
    """A report's passages in the order a new member of staff should read them: findings, learning and
    recommendations first, then the review's own summary, then the rest, and agency summaries and
    chronologies last. Within each part the report's reading order is kept."""
    return sorted(passages, key=lambda p: section_rank(p.section))


def section_rank(section: str) -> int:
    """0 learning, findings, recommendations; 1 the review's summary; 2 other; 3 agency summaries, chronologies."""
    section = section or ""
    if AGENCY_SECTION.search(section):
        return 3
    if LEARNING_SECTION.search(section):
        return 0
    return 1 if SUMMARY_SECTION.search(section) else 2


def is_sample_corpus(reports: Iterable[ReportMeta], corpus_dir: Path) -> bool:
    """True when any indexed report is one of the bundled fictional samples (its source text sits in ``sources/``)."""
    sources = Path(corpus_dir) / "sources"
    if not sources.is_dir():
        return False
    return any((sources / f"{Path(r.file).stem}.txt").is_file() for r in reports if "/" not in r.file)


def corpus_has_samples(corpus_dir: Path) -> bool:
    """True when the corpus folder holds any bundled fictional sample PDF (one whose source text sits in ``sources/``)."""
    sources = Path(corpus_dir) / "sources"
    if not sources.is_dir():
        return False
    return any((Path(corpus_dir) / f"{text.stem}.pdf").is_file() for text in sources.glob("*.txt"))

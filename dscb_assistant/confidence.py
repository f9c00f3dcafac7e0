"""Confidence: whether a hit matches its question well, from signals that mean the same on any corpus.

Fused and normalised scores always make the best hit look perfect, so the rule reads two raw
signals instead: the sentence model's cosine between the question and the passage (an absolute
scale, the same for every corpus), and the share of the question's words, weighted by rarity, that
the passage contains. Thresholds are calibrated by ``tools/calibrate_weak.py`` on labelled
questions and on off-topic ones (README, "Weak matches").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# Calibrated by tools/calibrate_weak.py (figures in README, "Weak matches"): every off-topic question
# stays below MATCHED with a margin, and few labelled questions fall under it.
COVERAGE_WEIGHT = 0.2  # how much the question's own words in the passage add to the model's cosine
MATCHED = 0.49  # a question is answered when one of its best passages reaches this strength
WEAK_BELOW = 0.30  # in an answered question, a passage below this is still a weak match
NO_WORDS_COSINE = 0.55  # a passage with none of the question's words counts only when this close in meaning
CONTEXT = 10  # how many of the best-ranked passages decide whether the question is answered at all
# What the CLI and the app say when no hit is a good match (the closest passages follow, marked).
NO_GOOD_MATCH = "No passage matches your question well."
WEAK_LABEL = "weak match"


@dataclass(frozen=True)
class Evidence:
    """How well one passage matches a question.

    Attributes:
        cosine: the sentence model's cosine of question and passage (for a long question, the
            combined similarity of its pieces, as ranked).
        coverage: the share of the question's terms found in the passage, each weighted by its
            inverse document frequency (0 when the question has no searchable word).
    """

    cosine: float
    coverage: float


def strength(evidence: Evidence) -> float:
    """The cosine, raised by the share of the question's words the passage holds. A passage with
    none of them gets 0 unless the model finds it very close: junk questions ("asdfgh", "1234")
    land near short junk passages (dates, table cells) by chance."""
    if evidence.coverage <= 0 and evidence.cosine < NO_WORDS_COSINE:
        return 0.0
    return evidence.cosine + COVERAGE_WEIGHT * evidence.coverage


def weak_flags(shown: Sequence[Evidence], best: Sequence[Evidence] = ()) -> list[bool]:
    """For each shown passage, whether it is a weak match.

    The question counts as answered when any of ``shown`` or ``best`` (the best-ranked passages
    before the per-report cap and folding, so the verdict does not depend on how many are shown)
    reaches :data:`MATCHED`; then only passages under :data:`WEAK_BELOW` are weak. Otherwise all are.
    """
    answered = any(strength(e) >= MATCHED for e in (*shown, *best))
    return [not answered or strength(e) < WEAK_BELOW for e in shown]


def none_match(hits: Sequence) -> bool:
    """True when there are hits and every one is weak: the answer is "no good match" plus the closest passages."""
    return bool(hits) and all(hit.weak for hit in hits)


def coverage(question_terms: Iterable[str], passage_terms: Iterable[str], idf: Callable[[str], float]) -> float:
    """The idf-weighted share of ``question_terms`` that occur in ``passage_terms`` (both as tokenised for BM25)."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    found = wanted & set(passage_terms)
    total = sum(idf(t) for t in wanted)
    return sum(idf(t) for t in found) / total if total else 0.0

"""Highlighting: pick the sentences of a passage that best answer a question, and mark its words, as safe HTML."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .chunk import sentence_spans
from .lexical import tokenize
from .untrusted import html as _escape

# The same word shape as lexical.tokenize, found in the original text so offsets stay exact.
_WORD = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*", re.IGNORECASE)
BEST_OPEN, BEST_CLOSE = '<strong class="dscb-best">', "</strong>"
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


def query_terms(query: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The stemmed words of ``query`` (and of any ``extra`` phrases, e.g. glossary expansions)."""
    terms = set(tokenize(query))
    for phrase in extra:
        terms.update(tokenize(phrase))
    return frozenset(terms)


def best_sentences(text: str, terms: frozenset[str], *, limit: int = 2) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text`` that best match ``terms``, in reading order.

    Each sentence scores the BM25-style sum, over the distinct terms it contains, of the term's
    rarity among the passage's sentences, damped for long sentences. The best sentence is kept,
    and up to ``limit - 1`` more that score at least 60 % of it. No match: an empty list.
    """
    if not terms or limit < 1:
        return []
    spans = sentence_spans(text)
    if not spans:
        return []
    words = [set(_stems(text[start:end])) for start, end in spans]
    lengths = [max(1, len(_WORD.findall(text[start:end]))) for start, end in spans]
    average = sum(lengths) / len(lengths)
    n = len(spans)
    frequency = {t: sum(t in w for w in words) for t in terms}
    scores = []
    for found, length in zip(words, lengths):
        matched = found & terms
        rarity = sum(math.log(1 + (n - frequency[t] + 0.5) / (frequency[t] + 0.5)) for t in matched)
        scores.append(rarity / (0.75 + 0.25 * length / average))
    top = max(scores)
    if top <= 0:
        return []
    ranked = sorted(range(n), key=lambda i: (-scores[i], i))
    chosen = [i for i in ranked[:limit] if scores[i] >= 0.6 * top]
    return [spans[i] for i in sorted(chosen)]


def highlight_html(
    text: str,
    query: str,
    *,
    extra_terms: Sequence[str] = (),
    mark_words: bool = True,
    limit: int = 2,
) -> str:
    """``text`` as escaped HTML, its best-matching sentences in ``<strong>`` and the query's words in ``<mark>``.

    Every character of ``text`` is escaped before any markup is added, so a passage containing
    ``<script>`` shows it as text. Paragraph breaks become ``<br>``.

    Args:
        text: the verbatim passage (untrusted: it comes from a PDF).
        query: the question; only used to choose what to emphasise, never echoed.
        extra_terms: more phrases whose words count as the question's (glossary expansions).
        mark_words: also mark each word of the passage that matches a query word.
        limit: the most sentences to emphasise.
    """
    terms = query_terms(query, extra_terms)
    best = best_sentences(text, terms, limit=limit)
    marks = _word_marks(text, terms) if mark_words else []
    # Walk the text once, opening and closing tags at sentence and word boundaries.
    events: list[tuple[int, int, str]] = []  # (offset, order, tag): closes sort before opens at one offset
    for start, end in best:
        events += [(start, 1, BEST_OPEN), (end, 0, BEST_CLOSE)]
    for start, end in marks:
        events += [(start, 2, MARK_OPEN), (end, 0, MARK_CLOSE)]
    events.sort(key=lambda e: (e[0], e[1], 0 if e[2] == MARK_CLOSE else 1))
    out, cursor = [], 0
    for offset, _, tag in events:
        out.append(_escape(text[cursor:offset]))
        out.append(tag)
        cursor = offset
    out.append(_escape(text[cursor:]))
    return "".join(out)


def _word_marks(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if _stem(m.group(0).lower()) in terms]


def _stems(text: str) -> list[str]:
    return [s for s in (_stem(m.group(0).lower()) for m in _WORD.finditer(text)) if s]


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    stems = tokenize(word)
    return stems[0] if len(stems) == 1 else ""


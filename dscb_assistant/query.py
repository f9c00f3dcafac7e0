"""Questions: tidy what was typed or pasted, cut it at the limit, and give a long paste the terms and
pieces it is ranked by."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import QueryError

MAX_QUESTION_CHARS = 20_000  # a pasted case summary or referral; more is cut, and the user is told
LONG_WORDS = 80  # a question of more words is a paste: ranked by its distinctive terms and by its pieces
TOP_TERMS = 32  # the distinctive terms of a paste that BM25 searches for
PIECE_WORDS = 50  # about two or three sentences: what the sentence model reads best
MAX_PIECES = 48  # bounds the embedding work for a 20,000-character paste (about 3,300 words)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Question:
    """A question ready to rank.

    Attributes:
        text: what is searched: the first ``MAX_QUESTION_CHARS`` characters, whitespace tidied.
        given_chars: how many characters were typed or pasted (after trimming the ends).
        pieces: for a long question, its runs of whole sentences, each embedded on its own; else empty.
    """

    text: str
    given_chars: int
    pieces: tuple[str, ...] = ()

    @property
    def long(self) -> bool:
        return bool(self.pieces)

    @property
    def cut(self) -> bool:
        return self.given_chars > MAX_QUESTION_CHARS

    @property
    def note(self) -> str:
        """What the user is told when only part of a paste was used; "" when all of it was."""
        if not self.cut:
            return ""
        return f"Used the first {MAX_QUESTION_CHARS:,} of {self.given_chars:,} characters."


def prepare(raw: str) -> Question:
    """The question to rank from what the user typed or pasted.

    Raises:
        QueryError: nothing but whitespace.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise QueryError("Type a question or a few words to search for.")
    given = raw.strip()
    text = re.sub(r"\s+", " ", given[:MAX_QUESTION_CHARS]).strip()
    return Question(text=text, given_chars=len(given), pieces=pieces(text) if is_long(text) else ())


def is_long(text: str) -> bool:
    """Whether ``text`` is a paste rather than a question (more than ``LONG_WORDS`` words)."""
    return len(text.split()) > LONG_WORDS


def pieces(text: str, words: int = PIECE_WORDS, limit: int = MAX_PIECES) -> tuple[str, ...]:
    """``text`` as runs of whole sentences of at most about ``words`` words, never more than ``limit``
    runs (a longer text gets longer runs). A sentence longer than a run is split between words."""
    sentences = [s.split() for s in _SENTENCE_END.split(text)]
    size = max(words, math.ceil(len(text.split()) / limit))
    while True:
        runs = _pack(sentences, size)
        if len(runs) <= limit:
            return tuple(runs)
        size += max(1, size // 4)  # whole sentences pack loosely: widen the runs until they fit


def _pack(sentences: list[list[str]], size: int) -> list[str]:
    runs: list[str] = []
    current: list[str] = []
    for tokens in sentences:
        if current and len(current) + len(tokens) > size:
            runs.append(" ".join(current))
            current = []
        while len(tokens) > size:
            runs.append(" ".join(tokens[:size]))
            tokens = tokens[size:]
        current.extend(tokens)
    if current:
        runs.append(" ".join(current))
    return runs


def distinctive_terms(terms: Sequence[str], document_frequency: Callable[[str], int], documents: int,
                      limit: int = TOP_TERMS) -> list[str]:
    """The ``limit`` terms of a long question with the highest tf x idf that the index holds,
    most distinctive first: a 3,000-word paste searched word for word is ranked by "the" and "said"."""
    counts = Counter(terms)
    weighted = []
    for term, tf in counts.items():
        df = document_frequency(term)
        if df:
            weighted.append((-(1 + math.log(tf)) * idf(df, documents), term))
    return [term for _, term in sorted(weighted)[:limit]]


def idf(df: int, documents: int) -> float:
    """BM25's inverse document frequency (always positive); a term in no passage gets the highest."""
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def combine(similarities: np.ndarray) -> np.ndarray:
    """One similarity per passage from its similarities to each piece of a long question
    (rows: passages, columns: pieces): the best piece, with the mean of the best three added,
    so a passage that echoes one sentence is not outranked by one that is like several."""
    similarities = np.atleast_2d(similarities)
    if similarities.shape[1] == 1:
        return similarities[:, 0]
    best = np.sort(similarities, axis=1)[:, ::-1][:, :3]
    return 0.5 * best[:, 0] + 0.5 * best.mean(axis=1)

"""BM25: tokenise passages and questions the same way, build the bm25s index, score a question."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*")
# A short English stop list; field words such as "child", "mother" and "risk" carry meaning here and stay.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also was were""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words removed, Snowball-stemmed tokens ("A&E" stays one token, "a&e")."""
    # NFKC here too, so a question pasted from a PDF ("ﬁnal", "½") meets passages folded the same way.
    words = [w for w in _TOKEN.findall(unicodedata.normalize("NFKC", text).lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


def build(texts: Sequence[str]):
    """A bm25s index over ``texts`` (row i is passage i)."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
    return retriever


def save(retriever, folder: Path) -> None:
    retriever.save(str(folder), show_progress=False)


def load(folder: Path):
    import bm25s

    return bm25s.BM25.load(str(folder), show_progress=False)


def document_count(retriever) -> int:
    return int(retriever.scores["num_docs"])


def scores(retriever, query: str) -> np.ndarray | None:
    """BM25 score of every passage for ``query``; None when no query word is in the index."""
    vocab = retriever.vocab_dict
    ids = [vocab[t] for t in tokenize(query) if t in vocab]
    if not ids:
        return None
    return retriever.get_scores(ids)


def top(values: np.ndarray | None, mask: np.ndarray | None, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Row ids and scores of the best ``limit`` positive ``values`` allowed by ``mask``, best first."""
    if values is None or not len(values):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if mask is not None:
        values = np.where(mask, values, 0.0)
    limit = min(limit, len(values))
    rows = np.argpartition(-values, limit - 1)[:limit] if limit < len(values) else np.arange(len(values))
    rows = rows[np.argsort(-values[rows], kind="stable")]
    rows = rows[values[rows] > 0]
    return rows.astype(np.int64), values[rows].astype(np.float32)


def document_frequency(retriever, term: str) -> int:
    """How many passages contain ``term`` (a token as :func:`tokenize` makes it); 0 when none does."""
    token = retriever.vocab_dict.get(term)
    if token is None:
        return 0
    indptr = retriever.scores["indptr"]
    return int(indptr[token + 1] - indptr[token])


def term_scores(retriever, terms: Sequence[str]) -> np.ndarray | None:
    """BM25 score of every passage for already tokenised ``terms``, each counted once; None when
    the index holds none of them."""
    vocab = retriever.vocab_dict
    ids = sorted({vocab[t] for t in terms if t in vocab})
    if not ids:
        return None
    return retriever.get_scores(ids)


def expanded_scores(retriever, query: str, extra: Sequence[str], weight: float) -> np.ndarray | None:
    """BM25 of ``query`` plus ``weight`` times the BM25 of the words ``extra`` phrases add (glossary
    expansions), each added word counted once and none of the question's own words again.

    "CAMHS" expands to "child and adolescent mental health services", "... service" and "... mental
    health": read as one run of text, "mental" and "health" counted three times over and a passage
    about mental health in general outranked one about the rest of the question (eval/realdev:
    1.143x -> 1.150x BM25's nDCG@10 with deeper labels; the sample's questions unchanged).
    """
    values = scores(retriever, query)
    own = set(tokenize(query))
    added = term_scores(retriever, sorted({t for phrase in extra for t in tokenize(phrase)} - own))
    if added is None:
        return values
    return added * weight if values is None else values + added * weight

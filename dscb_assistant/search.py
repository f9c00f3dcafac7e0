"""Searching: hybrid dense + BM25 retrieval over a loaded index, filtered before top-k, capped per report."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np

from . import index as index_store
from . import lexical, rank
from .errors import QueryError
from .records import Filters, Hit, Passage, ReportMeta
from .settings import Settings

MODES = ("hybrid", "plain", "bm25", "dense")
MAX_QUERY_CHARS = 2000
BRUTE_FORCE_ROWS = 100_000  # a filtered search over fewer rows than this is exact and fast in numpy
# One question is too little work to share: on a busy 2-core machine a second OpenMP thread made
# exact FAISS search 4-6x slower while it waited for a core (BENCHMARKS.md).
SEARCH_THREADS = 1
EXPANSION_WEIGHT = 0.5  # glossary terms count half as much as the user's own words in BM25
DENSE_EXPANSION = False  # measured: spelling out terms for the sentence model lowered top-3 hits


class Searcher:
    """A loaded index, ready to answer questions. Read-only after construction, so safe to share across threads."""

    def __init__(self, settings: Settings | None = None, *, embedder=None, local_base: str | None = None) -> None:
        self.settings = settings or Settings.from_env()
        contents = index_store.read(self.settings.index_dir, model=self.settings.embedder)
        self.vector_index, self.bm25 = index_store.open_search_structures(contents)
        self.manifest = contents.manifest
        self.build = contents.build.name if contents.build else ""
        self.passages: list[Passage] = contents.passages
        self.vectors = contents.vectors
        self.reports: dict[str, ReportMeta] = contents.reports
        self._report_list = list(self.reports.values())
        position = {r.file: i for i, r in enumerate(self._report_list)}
        self.files = [p.file for p in self.passages]
        self.file_ids = np.fromiter((position[f] for f in self.files), dtype=np.int64, count=len(self.files))
        self.theme_order = sorted({t for p in self.passages for t in p.themes})
        self.theme_bits = np.fromiter(
            (int(rank.theme_mask(p.themes, self.theme_order)) for p in self.passages), dtype=np.int64, count=len(self.passages)
        )
        self.rows = {p.id: row for row, p in enumerate(self.passages)}
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._glossary = None
        if self.settings.expand_queries:
            from .glossary import load_glossary

            self._glossary = load_glossary()
        self.local_base = local_base
        self._corpus = Path(self.settings.corpus_dir).resolve()  # once, not per hit

    # -- public verbs -------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters = Filters(),
        per_report: int | None = None,
        mode: str = "hybrid",
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        """The best passages for ``query``, best first.

        Args:
            query: the question as the user typed it.
            k: how many hits (default from settings).
            filters: restrictions applied before ranking, so ``k`` hits still come back when enough pass.
            per_report: at most this many hits from one report (0: no cap; default from settings).
            mode: "hybrid" (the product's ranking: near-identical passages are shown once, with the
                others in ``Hit.also_in``), or "plain" / "bm25" / "dense" (baselines for evaluation).
            exclude: passage ids never to return.

        Raises:
            QueryError: empty or overlong question, unknown mode, or impossible k.
        """
        query = self._check_query(query)
        return self._rank(query, None, k=k, filters=filters, per_report=per_report, mode=mode, exclude=exclude)

    def more_like(self, passage_id: str, *, k: int | None = None, filters: Filters = Filters(), per_report: int | None = None) -> list[Hit]:
        """Passages like the given one (its own stored vector and words), excluding itself and its copies elsewhere."""
        row = self.rows.get(passage_id)
        if row is None:
            raise QueryError(f"No passage with id {passage_id!r} in this index; it may have been re-indexed. Search again.")
        passage = self.passages[row]
        return self._rank(passage.text, self.vectors[row], k=k, filters=filters, per_report=per_report, mode="hybrid",
                          exclude=(passage_id,))

    def link(self, report: ReportMeta, page: int) -> str:
        """Where to open ``report`` at ``page``: its published url, else the local PDF, with ``#page=N``."""
        url = report.url.split("#", 1)[0].strip()
        if url.lower().startswith(("http://", "https://")):  # reports.csv is typed by hand: never a javascript: link
            return f"{url}#page={page}"
        if self.local_base is not None:
            return f"{self.local_base}{quote(report.file)}#page={page}"
        return f"{(self._corpus / report.file).as_uri()}#page={page}"

    def report_themes(self, file: str, min_passages: int = 2) -> list[str]:
        """Themes a report carries strongly: those of at least ``min_passages`` of its passages
        (one is enough for a report of fewer than six passages), most frequent first."""
        counts: dict[str, int] = {}
        passages = self.passages_of(file)
        for passage in passages:
            for theme in passage.themes:
                counts[theme] = counts.get(theme, 0) + 1
        needed = 1 if len(passages) < 6 else min_passages
        return [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= needed]

    def report_list(self) -> list[ReportMeta]:
        return list(self._report_list)

    def passages_of(self, file: str) -> list[Passage]:
        return [p for p in self.passages if p.file == file]

    # -- internals ----------------------------------------------------------------------------
    def expansions(self, query: str) -> tuple[str, ...]:
        """The glossary terms searched besides the user's own words ("CAMHS" adds its expansion)."""
        if self._glossary is None:
            return ()
        from .glossary import expansion_terms

        return expansion_terms(query, self._glossary)

    def _check_query(self, query: str) -> str:
        if not isinstance(query, str) or not query.strip():
            raise QueryError("Type a question or a few words to search for.")
        query = re.sub(r"\s+", " ", query).strip()
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(f"The question is too long ({len(query)} characters); keep it under {MAX_QUERY_CHARS}.")
        return query

    def _encode(self, text: str) -> np.ndarray:
        with self._embedder_lock:  # torch modules are not guaranteed thread-safe for concurrent forward passes
            if self._embedder is None:
                from .embed import get_embedder

                self._embedder = get_embedder(self.settings.embedder)
            return self._embedder.encode([text])[0]

    def _rank(self, query, vector, *, k, filters, per_report, mode, exclude) -> list[Hit]:
        if mode not in MODES:
            raise QueryError(f"Unknown ranking mode {mode!r}; use one of {', '.join(MODES)}.")
        k = self.settings.k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise QueryError(f"The number of results must be 1 or more, got {k!r}.")
        per_report = self.settings.per_report if per_report is None else per_report
        mask = rank.filter_mask(self.file_ids, self.theme_bits, self._report_list, self.theme_order, filters)
        if exclude:
            mask = np.ones(len(self.passages), dtype=bool) if mask is None else mask.copy()
            for passage_id in exclude:
                if passage_id in self.rows:
                    mask[self.rows[passage_id]] = False
        if not self.passages or (mask is not None and not mask.any()):
            return []
        depth = max(self.settings.candidates, k * (4 if per_report else 1))
        rankings, scored = [], []
        extra = self.expansions(query) if mode == "hybrid" and vector is None else ()
        if mode in ("hybrid", "plain", "dense"):
            qvec = self._encode(_with_terms(query, extra, DENSE_EXPANSION)) if vector is None else vector
            rows, scores = self._dense(qvec, mask, depth)
            rankings.append(rows)
            scored.append((rows, scores))
        if mode in ("hybrid", "plain", "bm25"):
            values = lexical.scores(self.bm25, query)
            if extra:
                added = lexical.scores(self.bm25, " ".join(extra))
                if added is not None:
                    values = added * EXPANSION_WEIGHT if values is None else values + added * EXPANSION_WEIGHT
            rows, scores = lexical.top(values, mask, depth)
            rankings.append(rows)
            scored.append((rows, scores))
        if mode == "hybrid" and self.settings.fusion == "convex":
            fused = rank.convex(scored[0], scored[1], self.settings.dense_weight)
        elif mode in ("hybrid", "plain"):
            fused = rank.rrf(rankings, k=self.settings.rrf_k)
        else:
            fused = {int(r): float(s) for r, s in zip(*scored[0])}
        fold = mode == "hybrid" and self.settings.dedupe  # the baselines come as they are
        chosen = rank.select(rank.ordered(fused), self.files, (lambda row: self.passages[row].text) if fold else None,
                             per_report=per_report, k=k, shown=(query,) if fold and vector is not None else ())
        return [
            self._hit(i, row, score, also_in=tuple(self._hit(0, copy, 0.0) for copy in copies))
            for i, (row, score, copies) in enumerate(chosen, start=1)
        ]

    def _dense(self, qvec: np.ndarray, mask: np.ndarray | None, depth: int) -> tuple[np.ndarray, np.ndarray]:
        qvec = np.ascontiguousarray(qvec, dtype=np.float32).reshape(1, -1)
        if mask is not None and int(mask.sum()) <= BRUTE_FORCE_ROWS:
            allowed = np.flatnonzero(mask)
            scores = self.vectors[allowed] @ qvec[0]
            depth = min(depth, len(allowed))
            top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(allowed) else np.arange(len(allowed))
            top = top[np.argsort(-scores[top], kind="stable")]
            return allowed[top], scores[top]
        import faiss

        faiss.omp_set_num_threads(SEARCH_THREADS)  # this thread's OpenMP setting only
        params = None
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # must outlive the search: FAISS keeps a bare pointer
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
            if isinstance(self.vector_index, faiss.IndexIVF):  # IVF refuses plain SearchParameters
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.vector_index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
        depth = min(depth, len(self.passages))
        scores, rows = self.vector_index.search(qvec, depth, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def _hit(self, rank_: int, row: int, score: float, also_in: tuple[Hit, ...] = ()) -> Hit:
        passage = self.passages[row]
        report = self.reports[passage.file]
        return Hit(rank=rank_, score=float(score), passage=passage, report=report, link=self.link(report, passage.page),
                   also_in=also_in)


def _with_terms(query: str, terms: Sequence[str], enabled: bool) -> str:
    return f"{query} ({'; '.join(terms)})" if enabled and terms else query

"""Searching: hybrid dense + BM25 retrieval over a loaded index, filtered before top-k, capped per report."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import confidence, lexical, links, rank
from . import index as index_store
from . import query as query_mod
from .errors import QueryError
from .records import Filters, Hit, Passage, ReportMeta
from .settings import Settings

MODES = ("hybrid", "keywords", "plain", "bm25", "dense")
BRUTE_FORCE_ROWS = 100_000  # a filtered search over fewer rows than this is exact and fast in numpy
# One question is too little work to share: on a busy 2-core machine a second OpenMP thread made
# exact FAISS search 4-6x slower while it waited for a core (BENCHMARKS.md).
SEARCH_THREADS = 1
EXPANSION_WEIGHT = 0.5  # glossary terms count half as much as the user's own words in BM25
THEME_WEIGHT = 0.1  # passages carrying a theme the question names; 0.2 lowered both sets (eval/realdev named questions 0.564 -> 0.543)
WINDOW_WEIGHT = 0.7  # a passage's best sentence window against its whole (realdev: 0.5, 0.7, 0.85 and 1.0 measured; 0.7 best)


class Searcher:
    """A loaded index, ready to answer questions. Read-only after construction, so safe to share across threads."""

    def __init__(self, settings: Settings | None = None, *, embedder=None, local_base: str | None = None) -> None:
        self.settings = settings or Settings.from_env()
        # Loads the live build whole, even when a publish swaps it while this loads.
        contents, self.vector_index, self.bm25 = index_store.load_live(self.settings.index_dir, model=self.settings.embedder)
        self.manifest = contents.manifest
        self.build = contents.build.name if contents.build else ""
        self.passages: list[Passage] = contents.passages
        self.vectors = contents.vectors
        # Each passage's sentence windows (an index built before them has none: passages alone are read).
        self.window_vectors = contents.window_vectors
        self.window_starts = contents.window_starts
        self.window_counts = None if contents.window_starts is None else np.diff(contents.window_starts)
        self.window_owner = (None if self.window_counts is None
                             else np.repeat(np.arange(len(self.passages), dtype=np.int64), self.window_counts))
        self.window_index = contents.window_index
        if self.window_index is not None and not self.window_index.ntotal:  # every passage two sentences or fewer
            self.window_index = None
        self.reports: dict[str, ReportMeta] = contents.reports
        self._report_list = list(self.reports.values())
        position = {r.file: i for i, r in enumerate(self._report_list)}
        self.files = [p.file for p in self.passages]
        self.file_ids = np.fromiter((position[f] for f in self.files), dtype=np.int64, count=len(self.files))
        self.theme_order = sorted({t for p in self.passages for t in p.themes})
        self.theme_rows = rank.theme_rows(p.themes for p in self.passages)  # theme -> rows: any number of themes
        self.rows = {p.id: row for row, p in enumerate(self.passages)}
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._meaning_ready = threading.Event()
        if embedder is not None:
            self._meaning_ready.set()
        self._glossary = None
        if self.settings.expand_queries:
            from .glossary import load_glossary

            self._glossary = load_glossary()
        from .themes import load_themes

        self._themes = load_themes()
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
            query: the question as the user typed or pasted it; past ``query.MAX_QUESTION_CHARS`` only the
                start is used (``query.prepare(query).note`` says so). A long one is ranked by its
                most distinctive terms and by the sentence model's reading of each of its pieces.
            k: how many hits (default from settings).
            filters: restrictions applied before ranking, so ``k`` hits still come back when enough pass.
            per_report: at most this many hits from one report (0: no cap; default from settings).
            mode: "hybrid" (the product's ranking: near-identical passages are shown once, with the
                others in ``Hit.also_in``), "keywords" (the same without the meaning model, for while it
                loads), or "plain" / "bm25" / "dense" (baselines for evaluation).
            exclude: passage ids never to return.

        Raises:
            QueryError: empty question, unknown mode, or impossible k.

        Each hit says whether it is ``weak`` (see :mod:`confidence`): only the product's ranking
        judges that; the baselines leave it False.
        """
        question = query_mod.prepare(query)
        return self._rank(question.text, None, k=k, filters=filters, per_report=per_report, mode=mode, exclude=exclude,
                          pieces=question.pieces)

    def more_like(self, passage_id: str, *, k: int | None = None, filters: Filters = Filters(), per_report: int | None = None) -> list[Hit]:
        """Passages like the given one (its own stored vector and words), excluding itself and its copies elsewhere."""
        row = self.rows.get(passage_id)
        if row is None:
            raise QueryError(f"No passage with id {passage_id!r} in this index; it may have been re-indexed. Search again.")
        passage = self.passages[row]
        return self._rank(passage.text, self.vectors[row], k=k, filters=filters, per_report=per_report, mode="hybrid",
                          exclude=(passage_id,))

    def load_meaning_model(self, *, background: bool = False) -> None:
        """Load the question encoder and pay its first-call costs, here or in a daemon thread."""
        if background:
            threading.Thread(target=self.load_meaning_model, name="dscb-meaning-model", daemon=True).start()
            return
        self._encode("warm up")

    def meaning_ready(self) -> bool:
        """True once questions can be encoded without waiting for the model to load."""
        return self._meaning_ready.is_set()

    def link(self, report: ReportMeta, page: int) -> str:
        """Where to open ``report`` at ``page`` (see :func:`links.page_link`)."""
        return links.page_link(report, page, local_base=self.local_base, corpus_dir=self._corpus)

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
        if self._glossary is None or query_mod.is_long(query):  # a paste is ranked by its own distinctive terms
            return ()
        from .glossary import expansion_terms

        return expansion_terms(query, self._glossary)

    def evidence(self, query: str, rows: Sequence[int], *, qvecs: np.ndarray | None = None) -> list[confidence.Evidence]:
        """How well each passage row matches ``query``: the raw signals :mod:`confidence` judges.

        The cosine is the better of the question as typed and as spelled out with its glossary
        terms; the words counted are the question's own.

        Args:
            qvecs: the question's vectors (one per piece of a long question) when already encoded.
        """
        question = query_mod.prepare(query)
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return []
        if qvecs is None:
            qvecs = self._encode_all(question.pieces or [question.text])
        cosines = query_mod.combine(self.vectors[rows] @ np.atleast_2d(qvecs).T)
        extra = () if question.long else self.expansions(question.text)
        if extra:  # the model reads "EHCP" or "RHI" better spelled out: the closer of the two readings counts
            spelled = self._encode(_with_terms(question.text, extra, True))
            cosines = np.maximum(cosines, self.vectors[rows] @ spelled)
        terms = self._long_terms(question.text) if question.long else lexical.tokenize(question.text)
        documents = lexical.document_count(self.bm25)

        def idf(term: str) -> float:
            return query_mod.idf(lexical.document_frequency(self.bm25, term), documents)

        return [confidence.Evidence(float(cos), confidence.coverage(terms, lexical.tokenize(self.passages[row].text), idf))
                for row, cos in zip(rows, cosines)]

    def _long_terms(self, query: str) -> list[str]:
        return query_mod.distinctive_terms(lexical.tokenize(query), lambda t: lexical.document_frequency(self.bm25, t),
                                           lexical.document_count(self.bm25))

    def named_themes(self, query: str) -> tuple[str, ...]:
        """The themes ``query`` names by name or term of art ("toxic trio"); only these widen the search."""
        from .themes import named_themes

        return named_themes(query, self._themes)

    def _encode(self, text: str) -> np.ndarray:
        return self._encode_all([text])[0]

    def _encode_all(self, texts: Sequence[str]) -> np.ndarray:
        with self._embedder_lock:  # torch modules are not guaranteed thread-safe for concurrent forward passes
            if self._embedder is None:
                from .embed import get_query_encoder

                self._embedder = get_query_encoder(self.settings.embedder, self.settings.index_dir)
            vectors = np.atleast_2d(self._embedder.encode(list(texts)))
            self._meaning_ready.set()
            return vectors

    def _rank(self, query, vector, *, k, filters, per_report, mode, exclude, pieces=()) -> list[Hit]:
        if mode not in MODES:
            raise QueryError(f"Unknown ranking mode {mode!r}; use one of {', '.join(MODES)}.")
        k = self.settings.k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise QueryError(f"The number of results must be 1 or more, got {k!r}.")
        per_report = self.settings.per_report if per_report is None else per_report
        mask = rank.filter_mask(self.file_ids, self.theme_rows, self._report_list, filters)
        if exclude:
            mask = np.ones(len(self.passages), dtype=bool) if mask is None else mask.copy()
            for passage_id in exclude:
                if passage_id in self.rows:
                    mask[self.rows[passage_id]] = False
        if not self.passages or (mask is not None and not mask.any()):
            return []
        depth = max(self.settings.candidates, k * (4 if per_report else 1))
        rankings, scored = [], []
        extra = self.expansions(query) if mode in ("hybrid", "keywords") and vector is None and not pieces else ()
        qvecs = None
        if mode in ("hybrid", "plain", "dense"):
            if vector is not None:
                qvecs = np.atleast_2d(vector)
            else:  # a long question is read piece by piece: the model sees only its first 256 word pieces
                # glossary terms go to BM25 only: spelt out for the sentence model they lowered top-3 hits
                qvecs = self._encode_all(pieces or [query])
            rows, scores = self._dense(qvecs, mask, depth)
            rankings.append(rows)
            scored.append((rows, scores))
        if mode in ("hybrid", "keywords", "plain", "bm25"):
            if pieces:
                values = lexical.term_scores(self.bm25, self._long_terms(query))
            else:
                values = lexical.expanded_scores(self.bm25, query, extra, EXPANSION_WEIGHT)
            rows, scores = lexical.top(values, mask, depth)
            rankings.append(rows)
            scored.append((rows, scores))
        if mode == "hybrid" and self.settings.fusion == "convex":
            fused = rank.convex(scored[0], scored[1], self.settings.dense_weight)
            if vector is None:  # a typed question, not "more like this"
                fused = self._refined(query, fused)
        elif mode in ("hybrid", "plain"):
            fused = rank.rrf(rankings, k=self.settings.rrf_k)
        else:
            fused = {int(r): float(s) for r, s in zip(*scored[0])}
        named = self.named_themes(query) if mode in ("hybrid", "keywords") and vector is None else ()
        if named:
            carries = {row: bool(set(named) & set(self.passages[row].themes)) for row in fused}
            fused = rank.with_theme_evidence(fused, carries, THEME_WEIGHT)
        fold = mode in ("hybrid", "keywords") and self.settings.dedupe  # the baselines come as they are
        chosen = rank.select(rank.ordered(fused), self.files, (lambda row: self.passages[row].text) if fold else None,
                             per_report=per_report, k=k, shown=(query,) if fold and vector is not None else ())
        weak = [False] * len(chosen)
        if mode == "hybrid" and vector is None:  # "more like this" starts from a passage, not a question
            shown = [row for row, _, _ in chosen]
            best = [row for row, _ in rank.ordered(fused)[:confidence.CONTEXT]]
            evidence = self.evidence(query, shown + best, qvecs=qvecs)
            weak = confidence.weak_flags(evidence[:len(shown)], evidence[len(shown):])
        return [
            self._hit(i, row, score, also_in=tuple(self._hit(0, copy, 0.0) for copy in copies), weak=flag,
                      named_themes=tuple(t for t in named if t in self.passages[row].themes))
            for i, ((row, score, copies), flag) in enumerate(zip(chosen, weak), start=1)
        ]

    def _refined(self, query: str, fused: dict[int, float]) -> dict[int, float]:
        """The fusion refined: when the question quotes a passage, that passage first (remembered
        sentences: 0.945 -> 0.96 at their page in the top 3).

        The question's vector was once also moved towards its first three passages and fused again
        (pseudo-relevance feedback: 1.14x -> 1.16x BM25 on the real set before sentence windows).
        With the windows it lowered all three label sets a little (deep real labels 0.7357 -> 0.7343,
        earlier labels 0.7359 -> 0.7323, sample 0.7903 -> 0.7867) for a second dense search: removed."""
        candidates = list(fused)
        shares = rank.phrase_shares(query, [self.passages[row].text for row in candidates])
        return rank.with_phrase_evidence(fused, dict(zip(candidates, shares))) if shares else fused

    def _dense(self, qvecs: np.ndarray, mask: np.ndarray | None, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and meaning scores (:meth:`_meaning`) of the ``depth`` passages closest to the
        question's vectors (one per piece of a long question, combined by :func:`query.combine`).
        Candidates are the passages nearest as wholes and the owners of the nearest sentence windows."""
        qvecs = np.ascontiguousarray(np.atleast_2d(qvecs), dtype=np.float32)
        rows = self._nearest(self.vector_index, self.vectors, mask, qvecs, depth)
        if self.window_index is not None:
            window_mask = None if mask is None else mask[self.window_owner]
            found = self._nearest(self.window_index, self.window_vectors, window_mask, qvecs, depth)
            rows = np.union1d(rows, self.window_owner[found])
        scores = self._meaning(rows, qvecs)
        order = np.argsort(-scores, kind="stable")[:depth]
        return rows[order], scores[order]

    def _meaning(self, rows: np.ndarray, qvecs: np.ndarray) -> np.ndarray:
        """How close each passage row is to the question in meaning: its cosine as a whole or, when
        higher, its best sentence window's cosine mixed with the whole's (``WINDOW_WEIGHT``)."""
        whole = query_mod.combine(self.vectors[rows] @ qvecs.T)
        if self.window_index is None or not len(rows):
            return whole
        starts, counts = self.window_starts[rows], self.window_counts[rows]
        owners = np.repeat(np.arange(len(rows)), counts)  # for each window read, which of ``rows`` it belongs to
        # Each row's windows are starts[i], starts[i] + 1, ...: its start plus the window's place among its own.
        window_rows = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        best = np.full(len(rows), -np.inf)
        np.maximum.at(best, owners, query_mod.combine(self.window_vectors[window_rows] @ qvecs.T))
        mixed = WINDOW_WEIGHT * best + (1.0 - WINDOW_WEIGHT) * whole
        return np.where(counts > 0, np.maximum(whole, mixed), whole)

    def _nearest(self, vector_index, vectors, mask: np.ndarray | None, qvecs: np.ndarray, depth: int) -> np.ndarray:
        """Ids of the ``depth`` vectors nearest the question's (any piece's), among those ``mask`` allows."""
        if mask is not None and int(mask.sum()) <= BRUTE_FORCE_ROWS:
            allowed = np.flatnonzero(mask)
            if not len(allowed):
                return allowed
            scores = query_mod.combine(vectors[allowed] @ qvecs.T)
            depth = min(depth, len(allowed))
            top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(allowed) else np.arange(len(allowed))
            return allowed[top]
        import faiss

        faiss.omp_set_num_threads(SEARCH_THREADS)  # this thread's OpenMP setting only
        params = None
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # must outlive the search: FAISS keeps a bare pointer
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
            if isinstance(vector_index, faiss.IndexIVF):  # IVF refuses plain SearchParameters
                params = faiss.SearchParametersIVF(sel=selector, nprobe=vector_index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
        _, ids = vector_index.search(qvecs, max(1, min(depth, vector_index.ntotal)), params=params)
        return np.unique(ids[ids >= 0]).astype(np.int64)

    def _hit(self, rank_: int, row: int, score: float, also_in: tuple[Hit, ...] = (), weak: bool = False,
             named_themes: tuple[str, ...] = ()) -> Hit:
        passage = self.passages[row]
        report = self.reports[passage.file]
        return Hit(rank=rank_, score=float(score), passage=passage, report=report, link=self.link(report, passage.page),
                   also_in=also_in, weak=weak, named_themes=named_themes)


def _with_terms(query: str, terms: Sequence[str], enabled: bool) -> str:
    """The question with its glossary terms spelled out after it, for the sentence model."""
    return f"{query} ({'; '.join(terms)})" if enabled and terms else query

"""One index size, measured in a fresh process: load time, memory per passage, query latency, recall of approximate search.

Run by bench/query.py as ``python -m bench.query_worker ARGS_JSON``; prints one JSON line.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Timer:
    """Wraps a callable and adds up the seconds spent in it."""

    def __init__(self, func):
        self.func, self.seconds = func, 0.0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def measure(index_dir: str, questions: list[str], *, embedder: str, repeats: int, recall_queries: int) -> dict:
    import faiss  # noqa: F401 - imported before the baseline so the library's own memory is not counted
    import bm25s  # noqa: F401

    from dscb_assistant import lexical
    from dscb_assistant.search import Searcher
    from dscb_assistant.settings import Settings

    settings = Settings.from_env(index_dir=Path(index_dir), embedder=embedder)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    searcher = Searcher(settings)
    load_s = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    n = len(searcher.passages)

    searcher.search("warm up the model and the caches", k=10)  # loads the model: not part of a query
    for question in questions[:3]:
        searcher.search(question, k=10)

    timers = {"encode": _Timer(searcher._encode), "dense": _Timer(searcher._dense)}
    searcher._encode, searcher._dense = timers["encode"], timers["dense"]
    for name in ("score", "scores", "top"):
        if hasattr(lexical, name):
            timers[f"bm25.{name}"] = _Timer(getattr(lexical, name))
            setattr(lexical, name, timers[f"bm25.{name}"])
    latencies = []
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            searcher.search(question, k=10)
            latencies.append(time.perf_counter() - started)
    count = len(latencies)
    split = {name: timer.seconds / count * 1000 for name, timer in timers.items()}
    bm25 = split.pop("bm25.scores", 0.0) + split.pop("bm25.top", 0.0) + split.pop("bm25.score", 0.0)
    searcher._encode, searcher._dense = timers["encode"].func, timers["dense"].func
    for name in ("score", "scores", "top"):
        if f"bm25.{name}" in timers:
            setattr(lexical, name, timers[f"bm25.{name}"].func)

    result = {
        "n": n,
        "vector_index": type(searcher.vector_index).__name__,
        "load_s": load_s,
        "rss_mb": after,
        "bytes_per_passage": (after - before) * 1024 * 1024 / max(1, n),
        "queries": count,
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p95_ms": float(np.percentile(latencies, 95) * 1000),
        "max_ms": float(max(latencies) * 1000),
        "split_ms": {"encode": split["encode"], "dense": split["dense"], "bm25": bm25,
                     "rest": float(np.mean(latencies) * 1000) - split["encode"] - split["dense"] - bm25},
    }
    result.update(_filtered(searcher, questions))
    result.update(_recall(searcher, questions[:recall_queries]))
    return result


def _filtered(searcher, questions: list[str]) -> dict:
    """Latency with a filter that keeps one board of eight (the exact numpy path or the filtered index search)."""
    from dscb_assistant.records import Filters

    board = searcher.report_list()[0].board
    chosen = Filters(boards=(board,))
    latencies = []
    for question in questions:
        started = time.perf_counter()
        searcher.search(question, k=10, filters=chosen)
        latencies.append(time.perf_counter() - started)
    return {"filtered_p50_ms": float(np.percentile(latencies, 50) * 1000),
            "filtered_p95_ms": float(np.percentile(latencies, 95) * 1000)}


def _recall(searcher, questions: list[str]) -> dict:
    """Dense recall@10 of the index in use against exact search, and top-10 agreement of the full hybrid ranking."""
    import faiss

    queries = np.stack([searcher._encode(q) for q in questions]).astype(np.float32)
    vectors = searcher.vectors
    exact = []
    for start in range(0, len(vectors), 200_000):
        block = np.asarray(vectors[start:start + 200_000], dtype=np.float32) @ queries.T
        top = np.argsort(-block, axis=0)[:10].T + start
        exact.append(np.stack([top, np.take_along_axis(block.T, top - start, axis=1)], axis=-1))
    merged = np.concatenate(exact, axis=1)
    truth = [set(row[np.argsort(-row[:, 1])][:10, 0].astype(int)) for row in merged]
    found = [set(searcher._dense(q, None, 100)[0][:10].tolist()) for q in queries]
    dense_recall = float(np.mean([len(f & t) / 10 for f, t in zip(found, truth)]))

    if isinstance(searcher.vector_index, faiss.IndexFlat):
        return {"recall_at_10": dense_recall, "hybrid_top10_agreement": 1.0}
    approx_hits = [[h.passage.id for h in searcher.search(q, k=10)] for q in questions]
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    approximate, searcher.vector_index = searcher.vector_index, flat
    try:
        exact_hits = [[h.passage.id for h in searcher.search(q, k=10)] for q in questions]
        flat_ms = []
        for q in queries[:20]:
            started = time.perf_counter()
            searcher._dense(q, None, 100)
            flat_ms.append((time.perf_counter() - started) * 1000)
    finally:
        searcher.vector_index = approximate
    agreement = float(np.mean([len(set(a) & set(e)) / max(1, len(e)) for a, e in zip(approx_hits, exact_hits)]))
    return {"recall_at_10": dense_recall, "hybrid_top10_agreement": agreement, "exact_dense_ms": float(np.median(flat_ms))}


def main() -> int:
    args = json.loads(sys.argv[1])
    result = measure(args["index_dir"], args["questions"], embedder=args["embedder"], repeats=args.get("repeats", 2),
                     recall_queries=args.get("recall_queries", 50))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

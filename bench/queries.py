"""Query latency, memory and load time at growing index sizes, each size measured in a fresh process."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from .machine import CACHE, ROOT, load_average, python, run
from .synthetic import build_index


def fingerprint(n: int, model: str) -> str:
    """Changes whenever the code that shapes a built index changes, so a cached index is never stale."""
    import inspect

    from dscb_assistant import index as index_store
    from dscb_assistant import lexical

    digest = hashlib.sha256(f"{n}:{model}:{index_store.FORMAT_VERSION}".encode())
    parts = (index_store._vector_index, index_store.ivf_lists, index_store.ivf_probes, index_store._lexical_text,
             lexical.build, lexical.tokenize)
    for part in parts:  # what shapes the stored vectors and BM25 (not how the folder is swapped in)
        digest.update(inspect.getsource(part).encode())
    for name in ("APPROXIMATE_FROM", "IVF_TRAIN_PER_LIST"):
        digest.update(repr(getattr(index_store, name, None)).encode())
    digest.update((ROOT / "bench" / "synthetic.py").read_bytes())
    return digest.hexdigest()[:16]


def questions(limit: int | None = None) -> list[str]:
    """The labelled practitioner questions: real wording and real lengths."""
    found = []
    for path in sorted((ROOT / "eval" / "questions").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["question"])
    return found[:limit] if limit else found


def measure_sizes(sizes: list[int], seeds: np.ndarray, *, model: str, repeats: int, recall_queries: int,
                  limit: int | None = None, log=print) -> list[dict]:
    results = []
    asked = questions(limit)
    for n in sizes:
        folder = CACHE / f"index-{model}-{n}"
        started = time.perf_counter()
        build_index(folder, n, seeds, model, fingerprint(n, model))
        built = time.perf_counter() - started
        log(f"  {n:,} passages: index ready in {built:.0f} s; measuring")
        args = json.dumps({"index_dir": str(folder), "questions": asked, "embedder": model,
                           "repeats": repeats, "recall_queries": recall_queries})
        load = load_average()
        _, out, _ = run(python("-m", "bench.query_worker", args), timeout=7200)
        result = json.loads(out.strip().splitlines()[-1])
        result.update(build_s=built, load_average=load, disk_mb=_disk_mb(folder))
        results.append(result)
        log(f"    p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, load {result['load_s']:.1f} s, "
            f"{result['bytes_per_passage']:.0f} B/passage, recall@10 {result['recall_at_10']:.3f}")
    return results


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6

"""Encoder paths compared on the sample corpus: speed, agreement with fp32, and the retrieval evaluation.

Each path builds its own index of the sample corpus and answers the labelled questions
(eval/questions), so "does retrieval drop" is measured with the product's own ranking.
"""

from __future__ import annotations

import copy
import time
import warnings
from pathlib import Path

import numpy as np


class _Int8:
    """fp32 MiniLM with its Linear layers dynamically quantised to int8 (torch.ao.quantization.quantize_dynamic)."""

    def __init__(self, base) -> None:
        import torch

        self.name, self.dim, self.precision = base.name, base.dim, "int8"
        self._base = copy.copy(base)
        self._base._model = copy.deepcopy(base._model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._base._model[0].model = torch.ao.quantization.quantize_dynamic(
                self._base._model[0].model, {torch.nn.Linear}, dtype=torch.qint8)

    def encode(self, texts, batch_size: int = 64):
        return self._base.encode(texts, batch_size=batch_size)


def variants(embedder_name: str) -> dict:
    """The encoder paths to compare, by label; fp32 first (the reference)."""
    from dscb_assistant.embed import HashEmbedder, MiniLMEmbedder, native_bf16
    from dscb_assistant.settings import HASH_EMBEDDER

    if embedder_name == HASH_EMBEDDER:
        return {"fp32": HashEmbedder()}
    fp32 = MiniLMEmbedder(precision="fp32")
    found = {"fp32": fp32}
    if native_bf16():
        found["bf16"] = MiniLMEmbedder(precision="bf16")
    found["int8 (dynamic)"] = _Int8(fp32)
    return found


def compare(corpus: Path, work: Path, settings_kwargs: dict, *, embedder_name: str, rounds: int = 2, log=print) -> dict:
    """Speed, agreement with fp32 and retrieval quality of each encoder path."""
    from dscb_assistant import evaluate
    from dscb_assistant import index as index_store
    from dscb_assistant.ingest import ingest
    from dscb_assistant.search import Searcher
    from dscb_assistant.settings import Settings

    models = variants(embedder_name)
    questions = evaluate.load_questions()
    texts: list[str] = []
    table: dict[str, dict] = {}
    vectors: dict[str, np.ndarray] = {}
    query_vectors: dict[str, np.ndarray] = {}
    top10: dict[str, list[list[str]]] = {}
    for label, model in models.items():
        settings = Settings(corpus_dir=corpus, index_dir=work / f"encoder-{label.split()[0]}", embedder=embedder_name,
                            **settings_kwargs)
        ingest(settings, rebuild=True, embedder=model)
        if not texts:
            texts = sorted({p.text for p in index_store.read(settings.index_dir).passages}, key=len)
        searcher = Searcher(settings, embedder=model)
        quality = evaluate.evaluate(searcher, questions)
        top10[label] = [[h.passage.id for h in searcher.search(q.text, k=10)] for q in questions]
        vectors[label] = model.encode(texts)
        query_vectors[label] = model.encode([q.text for q in questions])
        table[label] = {"quality": quality, "batch_s": [], "query_ms": []}
        log(f"  {label}: nDCG@10 {quality['final ranking']['ndcg']:.3f} (dense alone {quality['dense alone']['ndcg']:.3f})")

    for _ in range(rounds):  # alternate the paths so drift in the machine's speed hits them alike
        for label, model in models.items():
            started = time.perf_counter()
            model.encode(texts, batch_size=64)
            table[label]["batch_s"].append(time.perf_counter() - started)
            for q in questions[:30]:
                started = time.perf_counter()
                model.encode([q.text])
                table[label]["query_ms"].append((time.perf_counter() - started) * 1000)

    reference = "fp32"
    for label, row in table.items():
        passages_cos = np.sum(vectors[label] * vectors[reference], axis=1)
        query_cos = np.sum(query_vectors[label] * query_vectors[reference], axis=1)
        overlap = [len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(top10[label], top10[reference])]
        row.update(
            passages=len(texts),
            batch_best_s=min(row["batch_s"]),
            passages_per_s=len(texts) / min(row["batch_s"]),
            query_p50_ms=float(np.median(row["query_ms"])),
            cos_mean=float(np.mean(np.concatenate([passages_cos, query_cos]))),
            cos_min=float(np.min(np.concatenate([passages_cos, query_cos]))),
            top10_overlap=float(np.mean(overlap)),
        )
        row["speedup"] = table[reference]["batch_best_s"] / row["batch_best_s"] if "batch_best_s" in table[reference] else 1.0
    table["_onnx"] = _onnx_note()
    return table


def _onnx_note() -> str:
    """Why ONNX Runtime was not measured, or None when it could be."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        return (f"not measured: {exc.name} is not installed (exporting MiniLM to ONNX needs the onnx package; "
                "neither is in requirements.txt)")
    return "installed but not measured by this suite"

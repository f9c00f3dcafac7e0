"""The benchmark suite runs end to end on tiny sizes with the fake embedder. No timing is asserted: goals live in bench/."""

from __future__ import annotations

import numpy as np
import pytest

from bench import encoders, ingestion, query_worker, report, run
from bench.machine import describe, load_average
from bench.queries import fingerprint, questions
from bench.synthetic import build_index, make_corpus, realistic_vectors
from dscb_assistant import index as index_store
from dscb_assistant.ingest import embedded_texts
from dscb_assistant.settings import HASH_EMBEDDER


def test_synthetic_vectors_are_unit_length_and_clustered():
    seeds = realistic_vectors(np.eye(8, 16, dtype=np.float32) + 0.1, 50, topics=5)
    vectors = realistic_vectors(seeds, 400, topics=20)
    assert vectors.shape == (400, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    nearest = np.sort(vectors @ vectors.T, axis=1)[:, -2]
    assert nearest.mean() > 0.5  # neighbours exist: not a uniform sphere


def test_ingest_query_and_encoder_benchmarks_run_and_render(tmp_path):
    corpus = make_corpus(tmp_path / "pdfs", pages=3, pages_per_report=2)
    assert len(list(corpus.glob("*.pdf"))) == 2
    stages = ingestion.stage_split(corpus, {"min_words": 60, "max_words": 200, "overlap_sentences": 1})
    assert stages["pages"] == 3 and stages["passages"] > 0
    e2e = ingestion.end_to_end(corpus, tmp_path / "run", embedder=HASH_EMBEDDER, rounds=1)
    assert e2e["pages"] == 3 and e2e["ratio_best"] > 0
    # The model-only floor encodes what ingest embedded: passages' search texts and their sentence windows.
    built = index_store.read(tmp_path / "run" / "index")
    assert e2e["unique_texts"] == len(embedded_texts(built.passages)) > len({p.text for p in built.passages})
    e2e["loaded"] = ingestion.model_loaded(corpus, tmp_path / "run", embedder=HASH_EMBEDDER, rounds=1)
    assert e2e["loaded"]["ratio_best"] > 0

    seeds = np.random.default_rng(0).standard_normal((30, 64)).astype(np.float32)
    index = build_index(tmp_path / "index", 300, seeds, HASH_EMBEDDER, fingerprint(300, HASH_EMBEDDER))
    measured = query_worker.measure(str(index), questions(4), embedder=HASH_EMBEDDER, repeats=1, recall_queries=3)
    assert measured["n"] == 300 and measured["queries"] == 4 and 0 <= measured["recall_at_10"] <= 1
    measured.update(build_s=1.0, load_average=load_average(), disk_mb=1.0)

    compared = encoders.compare(corpus, tmp_path, {"workers": 1}, embedder_name=HASH_EMBEDDER, rounds=1, log=lambda _: None)
    assert compared["fp32"]["top10_overlap"] == 1.0

    results = {"machine": describe(), "started": "now", "quick": True, "load_average_start": 1.0, "load_average_end": 1.0,
               "seconds": 1.0, "sample": e2e, "sample_stages": stages, "queries": [measured], "encoders": compared,
               "app": {"skipped": "not in this test"}}
    text = report.render(results)
    for heading in ("# Benchmarks", "## Targets", "## Ingestion", "## Queries at scale", "## Encoder paths",
                    "## Beyond one machine"):
        assert heading in text


def test_unknown_section_is_refused():
    with pytest.raises(SystemExit) as stopped:
        run.main(["--skip", "nonsense"])
    assert stopped.value.code == 2

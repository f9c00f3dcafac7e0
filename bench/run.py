"""Run every benchmark and write BENCHMARKS.md: ``python -m bench`` (about an hour the first time), ``--quick`` for a smoke run.

Large synthetic indexes and PDFs are cached in bench/.cache and rebuilt only when the code that
shapes them changes. Raw numbers go to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import encoders, ingestion, queries, startup
from .machine import CACHE, ROOT, describe, load_average
from .report import render

SECTIONS = ("ingest", "synthetic", "reingest", "startup", "app", "queries", "encoders")
FULL = {"synthetic_pages": 2000, "sizes": [10_000, 100_000, 1_000_000], "rounds": 3, "synthetic_rounds": 2,
        "repeats": 2, "recall_queries": 103, "limit": None}
QUICK = {"synthetic_pages": 40, "sizes": [2_000], "rounds": 1, "synthetic_rounds": 1, "repeats": 1,
         "recall_queries": 10, "limit": 10}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: checks the suite runs")
    parser.add_argument("--skip", default="", help=f"comma-separated sections to leave out: {', '.join(SECTIONS)}")
    parser.add_argument("--sizes", default="", help="index sizes for the query benchmark, e.g. 10000,100000")
    parser.add_argument("--embedder", default="all-MiniLM-L6-v2", help=argparse.SUPPRESS)  # the smoke test uses the fake one
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="where to write the table")
    parser.add_argument("--render", type=Path, metavar="RESULTS_JSON",
                        help="measure nothing: rewrite the table from a saved bench/results/*.json")
    args = parser.parse_args(argv)
    if args.render:
        args.out.write_text(render(json.loads(args.render.read_text(encoding="utf-8"))), encoding="utf-8")
        return 0
    plan = dict(QUICK if args.quick else FULL)
    if args.sizes:
        plan["sizes"] = [int(s) for s in args.sizes.split(",")]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")

    CACHE.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": describe(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                     "quick": args.quick, "plan": plan, "load_average_start": load_average()}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dscb-bench-") as tmp:
        work = Path(tmp)
        sample = ingestion.copy_corpus(ROOT / "corpus", work / "corpus")
        sample_index = work / "sample-index"
        embedder = args.embedder
        log = _log

        if "ingest" not in skip:
            log("Ingest, sample corpus: stages, then end to end against the model alone")
            results["sample_stages"] = ingestion.stage_split(sample, _chunking())
            results["sample"] = ingestion.end_to_end(sample, work / "sample-run", embedder=embedder, rounds=plan["rounds"])
            results["sample"]["loaded"] = ingestion.model_loaded(sample, work / "sample-run", embedder=embedder,
                                                                 rounds=plan["rounds"])
            log(f"  ratio {results['sample']['ratio_best']:.2f} (model loaded: {results['sample']['loaded']['ratio_best']:.2f})")
        _ensure_index(sample, sample_index, embedder)
        np.save(CACHE / f"seed_vectors-{embedder}.npy", np.load(_vectors_file(sample_index)))

        if "synthetic" not in skip:
            log(f"Ingest, synthetic corpus of {plan['synthetic_pages']} pages")
            from .synthetic import make_corpus

            synthetic = make_corpus(CACHE / f"pdfs-{plan['synthetic_pages']}", plan["synthetic_pages"])
            results["synthetic_stages"] = ingestion.stage_split(synthetic, _chunking())
            results["synthetic"] = ingestion.end_to_end(synthetic, work / "synthetic-run", embedder=embedder,
                                                        rounds=plan["synthetic_rounds"])
            results["synthetic"]["loaded"] = ingestion.model_loaded(synthetic, work / "synthetic-run", embedder=embedder,
                                                                    rounds=1)
            log(f"  ratio {results['synthetic']['ratio_best']:.2f} "
                f"(model loaded: {results['synthetic']['loaded']['ratio_best']:.2f})")

        if "reingest" not in skip:
            log("Re-ingest of the unchanged sample corpus")
            results["reingest"] = ingestion.reingest(sample, sample_index, embedder=embedder, rounds=5)

        if "startup" not in skip:
            log("Cold start of the CLI search")
            results["cli"] = startup.cli_search(sample_index, embedder=embedder, rounds=3)
        if "app" not in skip:
            log("App: launch to first paint and first answer")
            results["app"] = startup.app(sample_index, sample, embedder=embedder)

        if "queries" not in skip:
            log("Queries at scale")
            seeds = np.load(CACHE / f"seed_vectors-{embedder}.npy")
            results["queries"] = queries.measure_sizes(plan["sizes"], seeds, model=embedder, repeats=plan["repeats"],
                                                       recall_queries=plan["recall_queries"], limit=plan["limit"], log=log)

        if "encoders" not in skip:
            log("Encoder paths on the sample corpus")
            results["encoders"] = encoders.compare(sample, work, {"workers": 2}, embedder_name=embedder,
                                                   rounds=plan["rounds"], log=log)

    results["seconds"] = time.perf_counter() - began
    results["load_average_end"] = load_average()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ("quick.json" if args.quick else "latest.json")).write_text(json.dumps(results, indent=1, default=str))
    args.out.write_text(render(results), encoding="utf-8")
    log(f"Wrote {args.out} in {results['seconds'] / 60:.1f} min")
    return 0


def _chunking() -> dict[str, int]:
    from dscb_assistant.settings import Settings

    return Settings().chunking


def _ensure_index(corpus: Path, index: Path, embedder: str) -> None:
    from dscb_assistant import index as index_store
    from dscb_assistant.ingest import ingest
    from dscb_assistant.settings import Settings

    if index_store.current_build(index) is None:
        shutil.rmtree(index, ignore_errors=True)
        ingest(Settings(corpus_dir=corpus, index_dir=index, embedder=embedder))


def _vectors_file(index: Path) -> Path:
    from dscb_assistant import index as index_store

    return index_store.current_build(index) / index_store.VECTORS


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

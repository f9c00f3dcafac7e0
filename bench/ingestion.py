"""Ingestion: rates, the split between stages, end-to-end time against the model alone, and re-ingest of an unchanged corpus."""

from __future__ import annotations

import json
import re
import resource
import shutil
import time
from pathlib import Path

from .machine import Wall, load_average, python, run

HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "bm25s", "scipy", "pypdf")


def copy_corpus(source: Path, target: Path) -> Path:
    """A private copy (timestamps kept), so another process rewriting the corpus cannot disturb a run."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("sources", ".*"))
    return target


def stage_split(corpus: Path, chunking: dict[str, int]) -> dict:
    """CPU seconds of extraction, cleaning and chunking (with tagging, hashing, metadata), one file after another."""
    from dscb_assistant import ingest as ingest_module

    spent = {"extract": 0.0, "clean": 0.0}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - started
        return wrapper

    originals = ingest_module.read_pdf, ingest_module.clean_pages
    ingest_module.read_pdf, ingest_module.clean_pages = timed("extract", originals[0]), timed("clean", originals[1])
    pages = passages = 0
    total = 0.0
    try:
        for path in sorted(corpus.rglob("*.pdf")):
            started = time.process_time()
            try:
                result = ingest_module.read_report(str(path), path.name, chunking)
            except Exception:  # noqa: BLE001 - a bad file is ingest's business, not the benchmark's
                continue
            total += time.process_time() - started
            pages += len(result.pages)
            passages += len(result.passages)
    finally:
        ingest_module.read_pdf, ingest_module.clean_pages = originals
    return {"pages": pages, "passages": passages, "extract_s": spent["extract"], "clean_s": spent["clean"],
            "chunk_s": max(0.0, total - spent["extract"] - spent["clean"])}


def end_to_end(corpus: Path, work: Path, *, embedder: str, rounds: int, batch_size: int = 64) -> dict:
    """The whole ``ingest`` command into an empty index, and the model alone on the same passages, alternated.

    Alternating the two in one run keeps the ratio fair on a machine whose speed drifts.
    """
    env = {"DSCB_EMBEDDER": embedder}
    ingest_walls, encode_walls, summary, loads, ingest_cpu, encode_cpu = [], [], {}, [], [], []
    index = work / "index"
    for _ in range(rounds):
        shutil.rmtree(index, ignore_errors=True)
        loads.append(load_average())
        before = _children_cpu()
        seconds, out, _ = run(python("-m", "dscb_assistant", "ingest", str(corpus), "--index", str(index), "--quiet"), env=env)
        ingest_walls.append(seconds)
        ingest_cpu.append(_children_cpu() - before)  # the command, its fork server and every reader process
        summary = _parse_summary(out)
        args = json.dumps({"index_dir": str(index), "embedder": embedder, "batch_size": batch_size})
        _, out, _ = run(python("-m", "bench.encode_worker", args))
        encode = json.loads(out.strip().splitlines()[-1])
        encode_walls.append(encode["encode_s"])
        encode_cpu.append(encode["encode_cpu_s"])
    best_ingest, best_encode = Wall(ingest_walls), Wall(encode_walls)
    pairs = [i / e for i, e in zip(ingest_walls, encode_walls)]
    return {
        **summary,
        "unique_texts": encode["texts"],
        "precision": encode["precision"],
        "model_load_s": encode["load_s"],
        "ingest_s": ingest_walls,
        "encode_s": encode_walls,
        "ratio_best": best_ingest.best / best_encode.best,
        "ratio_pairs": pairs,
        "ingest_cpu_s": ingest_cpu,
        "encode_cpu_s": encode_cpu,
        "cpu_ratio": min(ingest_cpu) / min(encode_cpu),
        "pages_per_s": summary.get("pages", 0) / best_ingest.best,
        "passages_per_s": summary.get("passages", 0) / best_ingest.best,
        "load_average": loads,
    }


def model_loaded(corpus: Path, work: Path, *, embedder: str, rounds: int) -> dict:
    """Ingest in a process whose model is already loaded, alternated with the model alone (see bench.pipeline_worker)."""
    args = json.dumps({"corpus": str(corpus), "work": str(work / "loaded"), "reference_index": str(work / "index"),
                       "embedder": embedder, "rounds": rounds})
    _, out, _ = run(python("-m", "bench.pipeline_worker", args))
    return json.loads(out.strip().splitlines()[-1])


def reingest(corpus: Path, index: Path, *, embedder: str, rounds: int) -> dict:
    """Wall time of ``ingest`` on a corpus that has not changed since the last one, and what it imported."""
    env = {"DSCB_EMBEDDER": embedder}
    argv = python("-m", "dscb_assistant", "ingest", str(corpus), "--index", str(index), "--quiet")
    run(argv, env=env)  # settle: the first run after a copy may refresh timestamps
    walls = [run(argv, env=env)[0] for _ in range(rounds)]
    _, out, err = run(python("-X", "importtime", *argv[1:]), env=env)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in err.splitlines() if line.startswith("import time:")}
    total_us = sum(int(line.split("|")[1]) for line in err.splitlines()
                   if line.startswith("import time:") and line.split("|")[1].strip().isdigit()
                   and not line.split("|")[-1].startswith("  "))
    return {
        "wall_s": walls,
        "median_s": Wall(walls).median,
        "max_s": max(walls),
        "up_to_date": "up to date" in out,
        "heavy_imports": sorted(m for m in HEAVY if m in imported),
        "import_s": total_us / 1e6,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _parse_summary(out: str) -> dict:
    found = re.search(r"Indexed (\d+) reports, (\d+) pages, (\d+) passages .*?(\d+) passages embedded", out)
    if not found:
        return {}
    reports, pages, passages, embedded = map(int, found.groups())
    return {"reports": reports, "pages": pages, "passages": passages, "embedded": embedded}

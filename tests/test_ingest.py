"""Ingest and the index folder: round trip, incremental updates, atomic swaps, bad files, mismatches."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from dscb_assistant import index as index_store
from dscb_assistant.embed import HashEmbedder
from dscb_assistant.errors import IndexMismatchError, IndexMissingError, IngestBusyError, StorageError
from dscb_assistant.ingest import ingest
from dscb_assistant.records import Filters
from dscb_assistant.search import Searcher

from .pdfs import make_pdf, words


def test_round_trip_rows_aligned_and_metadata_from_csv(small_corpus):
    summary = ingest(small_corpus)
    assert summary.reports == 3 and summary.problems == ()
    contents = index_store.read(small_corpus.index_dir)
    assert len(contents.passages) == len(contents.vectors) == summary.passages
    vector_index, bm25 = index_store.open_search_structures(contents)
    assert vector_index.ntotal == len(contents.passages)
    report = contents.reports["sub/county-lines.pdf"]
    assert (report.title, report.year, report.review_type) == ("Thematic review: exploitation", 2015, "thematic review")
    manifest = contents.manifest
    assert manifest["model"]["name"] == small_corpus.embedder
    assert manifest["chunking"] == small_corpus.chunking
    assert set(manifest["files"]) == {"baby-bruise.pdf", "sub/county-lines.pdf", "domestic.pdf"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_search_finds_the_right_report_and_page(small_corpus):
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    hits = searcher.search("bruise on a non-mobile baby rolled off the sofa", k=3)
    assert hits[0].report.file == "baby-bruise.pdf" and hits[0].passage.page == 1
    assert hits[0].link.endswith("baby-bruise.pdf#page=1") and hits[0].link.startswith("file://")
    lines = searcher.search("county lines exploitation", k=1)[0]
    assert lines.link == "https://example.org/reviews/county-lines.pdf#page=1"


def test_filters_apply_before_top_k(small_corpus):
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    unfiltered = searcher.search("baby bruise", k=2, per_report=0)
    assert {h.report.file for h in unfiltered} == {"baby-bruise.pdf"}
    wanted = len(searcher.passages_of("domestic.pdf"))
    assert wanted >= 2
    hits = searcher.search("baby bruise", k=wanted, filters=Filters(year_to=2013), per_report=0)
    assert len(hits) == wanted
    assert {h.report.file for h in hits} == {"domestic.pdf"}


def test_per_report_cap(small_corpus):
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    hits = searcher.search("baby health visitor bruise", k=6, per_report=1)
    assert len({h.report.file for h in hits}) == len(hits)


def test_unchanged_corpus_does_no_work(small_corpus):
    ingest(small_corpus)
    before = index_store.build_id(small_corpus.index_dir)
    again = ingest(small_corpus)
    assert again.changed is False and again.embedded == 0
    assert index_store.build_id(small_corpus.index_dir) == before


def test_changed_added_and_removed_files(small_corpus):
    first = ingest(small_corpus)
    corpus = small_corpus.corpus_dir
    make_pdf(corpus / "domestic.pdf", [["# Background", "A new version about the IDVA and the MARAC. " + words(80, 3)]])
    make_pdf(corpus / "new.pdf", [["# Summary", "Dental neglect and missed appointments. " + words(80, 4)]])
    (corpus / "sub" / "county-lines.pdf").unlink()
    summary = ingest(small_corpus)
    assert summary.added == ("new.pdf",)
    assert summary.updated == ("domestic.pdf",)
    assert summary.removed == ("sub/county-lines.pdf",)
    assert summary.unchanged == 1
    assert 0 < summary.embedded < first.embedded + 10
    contents = index_store.read(small_corpus.index_dir)
    assert {p.file for p in contents.passages} == {"baby-bruise.pdf", "domestic.pdf", "new.pdf"}
    assert any("IDVA" in p.text for p in contents.passages)
    assert len(contents.passages) == len(contents.vectors)


def test_bad_files_are_reported_and_good_ones_indexed(small_corpus):
    corpus = small_corpus.corpus_dir
    (corpus / "empty.pdf").write_bytes(b"")
    (corpus / "page.pdf").write_text("<html><body>404</body></html>")
    make_pdf(corpus / "locked.pdf", [["secret"]], user_password="pw")
    (corpus / "copy of baby.pdf").write_bytes((corpus / "baby-bruise.pdf").read_bytes())
    summary = ingest(small_corpus)
    reasons = {p.file: p.reason for p in summary.problems}
    assert "empty" in reasons["empty.pdf"]
    assert "web page" in reasons["page.pdf"]
    assert "password" in reasons["locked.pdf"]
    assert "same document" in reasons["copy of baby.pdf"] or "same document" in reasons.get("baby-bruise.pdf", "")
    assert summary.reports == 3
    again = ingest(small_corpus)  # failures are remembered, not retried, while the files are unchanged
    assert again.changed is False and {p.file for p in again.problems} >= {"empty.pdf", "page.pdf", "locked.pdf"}


def test_scanned_pages_reported(small_corpus):
    make_pdf(small_corpus.corpus_dir / "scan.pdf", [["# Intro", words(80, 5)], ["LETTER"]], image_pages=[2])
    summary = ingest(small_corpus)
    assert ("scan.pdf", (2,)) in summary.scanned


def test_crash_while_writing_leaves_previous_index_searchable(small_corpus, monkeypatch):
    ingest(small_corpus)
    before = [h.passage.id for h in Searcher(small_corpus).search("MARAC domestic abuse")]
    make_pdf(small_corpus.corpus_dir / "new.pdf", [["# Summary", words(90, 6)]])

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index_store.lexical, "save", boom)
    with pytest.raises(StorageError, match="Could not update the index"):  # one sentence, not an OSError traceback
        ingest(small_corpus)
    monkeypatch.undo()
    assert [h.passage.id for h in Searcher(small_corpus).search("MARAC domestic abuse")] == before
    assert ingest(small_corpus).added == ("new.pdf",)
    builds = list((small_corpus.index_dir / index_store.BUILDS).iterdir())
    assert not [b for b in builds if b.name.endswith(".partial")]


def test_model_mismatch_is_refused_with_rebuild_hint(small_corpus):
    ingest(small_corpus)
    other = dataclasses.replace(small_corpus, embedder="all-MiniLM-L6-v2")
    with pytest.raises(IndexMismatchError, match="ingest --rebuild"):
        Searcher(other)


def test_damaged_index_is_refused(small_corpus):
    ingest(small_corpus)
    build = index_store.current_build(small_corpus.index_dir)
    lines = (build / index_store.PASSAGES).read_text().splitlines()
    (build / index_store.PASSAGES).write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(IndexMismatchError, match="damaged"):
        Searcher(small_corpus)


def test_missing_index_says_how_to_build(settings):
    with pytest.raises(IndexMissingError, match="python -m dscb_assistant ingest"):
        Searcher(settings)


def test_second_ingest_at_once_is_refused(small_corpus):
    with index_store.ingest_lock(small_corpus.index_dir):
        with pytest.raises(IngestBusyError):
            ingest(small_corpus)


def test_chunking_change_rebuilds_everything(small_corpus):
    ingest(small_corpus)
    changed = dataclasses.replace(small_corpus, max_words=120)
    summary = ingest(changed)
    assert summary.changed and len(summary.added) == 3
    assert any("passage settings changed" in n for n in summary.notes)
    assert json.loads((index_store.current_build(changed.index_dir) / "manifest.json").read_text())["chunking"]["max_words"] == 120


def test_touching_a_file_without_changing_it_reuses_its_passages(small_corpus):
    ingest(small_corpus)
    path = small_corpus.corpus_dir / "domestic.pdf"
    os.utime(path, (1_000_000_000, 1_000_000_000))
    summary = ingest(small_corpus)
    assert summary.embedded == 0 and summary.added == () and summary.updated == ()


def test_progress_is_reported_from_the_calling_thread_only(small_corpus):
    import threading

    calls = []
    ingest(small_corpus, progress=lambda stage, done, total: calls.append((stage, threading.current_thread())))
    assert {stage for stage, _ in calls} >= {"read", "embed", "write"}
    assert {thread for _, thread in calls} == {threading.current_thread()}


def test_embedding_batches_are_drawn_from_a_pool_of_similar_lengths(settings):
    """Reports arrive one at a time; each batch should hold texts of close lengths, not one report's
    mixed lengths, and every text is embedded exactly once."""
    import random
    import time

    from dscb_assistant.embed import HashEmbedder
    from dscb_assistant.ingest import POOL_BATCHES, _VectorCache

    class Recording(HashEmbedder):
        def __init__(self):
            self.batches = []

        def encode(self, texts, batch_size=64):
            self.batches.append(list(texts))
            return super().encode(texts, batch_size)

    model = Recording()
    config = dataclasses.replace(settings, batch_size=8)
    cache = _VectorCache(config, None, model, None)
    rng = random.Random(3)
    reports = [[" ".join(["w"] * rng.randint(5, 200)) + f" r{r}p{p}" for p in range(12)] for r in range(12)]
    cache.start()
    for passages in reports:
        cache.add(passages)
        time.sleep(0.05)  # as a worker process would take to read the next report
    cache.flush()

    embedded = [t for batch in model.batches for t in batch]
    assert sorted(embedded) == sorted(t for passages in reports for t in passages)  # each once
    pooled = [b for b in model.batches[:-1] if len(b) == 8]  # batches chosen while reports were still coming
    assert pooled, "the thread should embed from the pool before the last report arrives"
    spread = max(max(map(len, b)) - min(map(len, b)) for b in pooled)
    one_report = sorted(map(len, reports[0]))
    assert spread < (one_report[-1] - one_report[0]) / 2
    assert POOL_BATCHES * 8 <= sum(map(len, reports))


def test_manifest_records_the_precision_the_vectors_were_computed_in(small_corpus):
    class Half(HashEmbedder):
        precision = "bf16"

    ingest(small_corpus, embedder=Half())
    assert index_store.read(small_corpus.index_dir).manifest["model"]["precision"] == "bf16"
    make_pdf(small_corpus.corpus_dir / "new.pdf", [["# Findings", words(90, seed=3)]])
    ingest(small_corpus, embedder=HashEmbedder())  # no precision attribute: full precision
    assert index_store.read(small_corpus.index_dir).manifest["model"]["precision"] == "bf16+fp32"

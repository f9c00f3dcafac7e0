"""Many users: one shared Searcher answers concurrent questions exactly as it answers them one by one,
and an ingest running alongside never disturbs searches on the index already loaded."""

from __future__ import annotations

import dataclasses
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from dscb_assistant import index as index_store
from dscb_assistant.ingest import ingest
from dscb_assistant.records import Filters
from dscb_assistant.search import Searcher
from dscb_assistant.settings import MINILM

from .pdfs import make_pdf, words

# (question, search keyword arguments): filters, caps and modes all take their own code paths.
JOBS = [
    ("bruise on a baby who is not yet mobile", {}),
    ("county lines criminal exploitation", {"k": 3}),
    ("MARAC referral after domestic abuse", {"per_report": 0, "k": 8}),
    ("information sharing between police and health", {"filters": Filters(year_to=2013)}),
    ("return home interviews after missing episodes", {"filters": Filters(review_types=("thematic review",))}),
    ("health visitor medical assessment", {"mode": "bm25"}),
    ("professionals saw the boy as making choices", {"mode": "dense"}),
    ("review panel records interviews of staff", {"per_report": 1, "k": 5}),
    ("father's violence known to police", {"filters": Filters(files=("domestic.pdf",))}),
    ("CAMHS GP school nurse", {}),
    ("recommendations for practitioners", {"k": 1}),
    ("safeguarding partnership learning", {"filters": Filters(year_from=2014, year_to=2020)}),
]


def answer(searcher: Searcher, job) -> list[tuple[str, float]]:
    question, kwargs = job
    return [(h.passage.id, h.score) for h in searcher.search(question, **kwargs)]


def assert_concurrent_equals_serial(searcher: Searcher, *, threads: int, rounds: int) -> int:
    serial = [answer(searcher, job) for job in JOBS]
    more_like_serial = searcher.more_like(serial[0][0][0], k=4)
    work = [i for i in range(len(JOBS)) for _ in range(rounds)]
    random.Random(6).shuffle(work)
    start = threading.Barrier(threads)

    def worker(share: list[int]):
        start.wait()  # every thread begins at once, to overlap as much as possible
        out = [(i, answer(searcher, JOBS[i])) for i in share]
        out.append((-1, [(h.passage.id, h.score) for h in searcher.more_like(serial[0][0][0], k=4)]))
        return out

    with ThreadPoolExecutor(threads) as pool:
        results = [r for chunk in pool.map(worker, [work[t::threads] for t in range(threads)]) for r in chunk]
    for i, got in results:
        expected = [(h.passage.id, h.score) for h in more_like_serial] if i == -1 else serial[i]
        assert got == expected, (JOBS[i] if i >= 0 else "more_like", got, expected)
    assert all(serial), "every question should find something in the small corpus"
    return len(results)


def test_concurrent_searches_equal_serial_searches(small_corpus):
    ingest(small_corpus)
    assert assert_concurrent_equals_serial(Searcher(small_corpus), threads=16, rounds=20) >= 16 * 15


@pytest.mark.model
def test_concurrent_searches_with_the_real_model_equal_serial_searches(small_corpus):
    real = dataclasses.replace(small_corpus, embedder=MINILM)
    ingest(real)
    searcher = Searcher(real)
    assert assert_concurrent_equals_serial(searcher, threads=8, rounds=3)
    assert searcher._embedder is not None and searcher._embedder.name == MINILM  # the real model answered


def test_ingest_alongside_searches_leaves_the_loaded_index_alone(small_corpus):
    settings = small_corpus
    ingest(settings)
    shared = Searcher(settings)
    before = [answer(shared, job) for job in JOBS]
    first_build = index_store.build_id(settings.index_dir)

    stop, started = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    searches_during_ingest = [0]
    fresh_loads: list[tuple[str, list]] = []

    def keep_searching():
        try:
            while not stop.is_set():
                for job, expected in zip(JOBS, before):
                    assert answer(shared, job) == expected
                    searches_during_ingest[0] += 1
                started.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            started.set()

    def keep_loading():
        # A user opening the app mid-ingest gets the old index or the new one, whole, never a mix.
        try:
            while not stop.is_set():
                fresh = Searcher(settings)
                fresh_loads.append((fresh.build, [answer(fresh, job) for job in JOBS[:3]]))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=keep_searching), threading.Thread(target=keep_loading)]
    for thread in threads:
        thread.start()
    started.wait(30)
    counted_before = searches_during_ingest[0]
    make_pdf(settings.corpus_dir / "new.pdf", [["# Summary", "A zebra crossing outside the school. " + words(90, 6)]])
    ingest(settings)
    middle = Searcher(settings)
    make_pdf(settings.corpus_dir / "newer.pdf", [["# Summary", "A second new report on bicycles. " + words(90, 7)]])
    ingest(settings)  # a second swap deletes the build the shared searcher was loaded from
    during = searches_during_ingest[0] - counted_before
    stop.set()
    for thread in threads:
        thread.join(60)

    assert not errors, errors
    assert during > 0
    assert [answer(shared, job) for job in JOBS] == before, "the loaded index changed under its users"
    assert not (settings.index_dir / index_store.BUILDS / first_build).exists()
    assert all(h.report.file != "new.pdf" for h in shared.search("zebra crossing", k=10, per_report=0))

    renewed = Searcher(settings)
    assert renewed.search("zebra crossing", k=1, mode="bm25")[0].report.file == "new.pdf"
    by_build = {s.build: [answer(s, job) for job in JOBS[:3]] for s in (shared, middle, renewed)}
    assert fresh_loads
    for build, got in fresh_loads:
        assert got == by_build[build], build


def test_a_second_ingest_is_refused_while_one_runs(small_corpus):
    from dscb_assistant.errors import IngestBusyError

    with index_store.ingest_lock(small_corpus.index_dir):
        results: list[BaseException | None] = []

        def try_ingest():
            try:
                ingest(small_corpus)
                results.append(None)
            except BaseException as exc:  # noqa: BLE001
                results.append(exc)

        thread = threading.Thread(target=try_ingest)
        thread.start()
        thread.join(60)
    assert len(results) == 1 and isinstance(results[0], IngestBusyError)
    assert "Another ingest" in str(results[0])

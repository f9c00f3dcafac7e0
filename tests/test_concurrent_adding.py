"""Two people adding reports at once, and searches while an index is published: with threads (two app
sessions share one process) and with separate processes (the CLI, or a second server on the same folders)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from dscb_assistant import index as index_store
from dscb_assistant.add import ReportDetails, add_report
from dscb_assistant.ingest import ingest
from dscb_assistant.metadata import read_reports_csv
from dscb_assistant.search import Searcher
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

from .pdfs import make_pdf, words


def _pdf(folder, name: str, topic: str, seed: int):
    return make_pdf(folder / name, [["# Findings", f"{topic}. " + words(120, seed=seed)]])


def test_two_sessions_adding_at_once_both_get_indexed(small_corpus, tmp_path):
    settings = small_corpus
    ingest(settings)
    uploads = [_pdf(tmp_path, "zebra.pdf", "A zebra crossing outside the school", 11),
               _pdf(tmp_path, "bicycle.pdf", "A bicycle left in the hallway", 12)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def session(pdf, title):
        try:
            start.wait()
            add_report(settings.corpus_dir, pdf, ReportDetails(title=title, year=2024), max_mb=10)
            ingest(settings, wait_seconds=120)  # as the Add page does: wait for the other session's update
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(uploads[0], "Zebra review")),
               threading.Thread(target=session, args=(uploads[1], "Bicycle review"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    rows, warnings = read_reports_csv(settings.corpus_dir)
    assert not warnings and rows["zebra.pdf"]["title"] == "Zebra review" and rows["bicycle.pdf"]["title"] == "Bicycle review"
    searcher = Searcher(settings)
    assert searcher.reports["zebra.pdf"].title == "Zebra review"
    assert searcher.reports["bicycle.pdf"].title == "Bicycle review"


def test_two_processes_adding_at_once_both_get_indexed(small_corpus, tmp_path):
    settings = small_corpus
    ingest(settings)
    env = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_WORKERS": "1", "DSCB_DEDUPE": "0"}
    common = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--quiet", "--year", "2024"]
    pdfs = [_pdf(tmp_path, f"report-{i}.pdf", f"Topic number {i} about kites", 20 + i) for i in range(2)]
    runs = [subprocess.Popen([sys.executable, "-m", "dscb_assistant", "add", str(pdf), "--title", f"Kite review {i}", *common],
                             cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i, pdf in enumerate(pdfs)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, (out, err)
    rows, _ = read_reports_csv(settings.corpus_dir)
    searcher = Searcher(settings)
    for i in range(2):
        assert rows[f"report-{i}.pdf"]["title"] == f"Kite review {i}"
        assert searcher.reports[f"report-{i}.pdf"].title == f"Kite review {i}"


_SEARCHER_PROCESS = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dscb_assistant.search import Searcher
    from dscb_assistant.settings import Settings
    settings = Settings.from_env()
    stop, done, builds = Path(sys.argv[1]), 0, set()
    while not stop.exists():
        searcher = Searcher(settings)              # a new session opening the app mid-publish
        hits = searcher.search("MARAC domestic abuse", k=3)
        assert hits and hits[0].report.file == "domestic.pdf", hits
        builds.add(searcher.build)
        done += 1
    print(done, len(builds))
""")


def test_searches_in_another_process_during_publishes_never_fail(small_corpus, tmp_path):
    settings = small_corpus
    ingest(settings)
    stop = tmp_path / "stop"
    env = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_CORPUS_DIR": str(settings.corpus_dir),
           "DSCB_INDEX_DIR": str(settings.index_dir), "DSCB_DEDUPE": "0"}
    child = subprocess.Popen([sys.executable, "-c", _SEARCHER_PROCESS, str(stop)], cwd=PROJECT_ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        published = []
        for i in range(3):
            _pdf(settings.corpus_dir, f"extra-{i}.pdf", f"Extra report {i} on swimming lessons", 30 + i)
            ingest(settings)
            published.append(index_store.build_id(settings.index_dir))
    finally:
        stop.touch()
        out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    searches, builds_seen = map(int, out.split())
    assert searches > 0 and builds_seen >= 1
    assert len(set(published)) == 3

"""Hostile and broken PDFs: each bad file gets one clear line, every good file in the same run is indexed.

One ingest through the real CLI (``python -m dscb_assistant ingest``) reads a corpus mixing every
kind of broken file with odd-but-valid ones (see ``tests/hostile_pdfs.py``). Workers are capped
low (a few seconds, 512 MB) so the 'hang' and the bombs are cut off quickly; the test asserts
they are reported, never how long they took.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dscb_assistant import index as index_store
from dscb_assistant import ingest as ingest_module
from dscb_assistant.errors import ExtractionError
from dscb_assistant.extract import read_pdf
from dscb_assistant.ingest import ingest
from dscb_assistant.records import Filters
from dscb_assistant.search import Searcher
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

from . import hostile_pdfs
from .hostile_pdfs import BAD, GOOD, build_hostile_corpus
from .pdfs import make_pdf, words

TIMEOUT_S = 10  # per file; the 600-page report needs ~3 s on one core, the text flood minutes
MEMORY_MB = 512  # per worker; ordinary reports need well under 200 MB


def run_cli(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dscb_assistant", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def cli_env(corpus: Path, index: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSCB_")}
    env.update(
        DSCB_EMBEDDER=HASH_EMBEDDER, DSCB_CORPUS_DIR=str(corpus), DSCB_INDEX_DIR=str(index),
        PYTHONPATH=str(PROJECT_ROOT), HF_HUB_OFFLINE="1", **extra,
    )
    return env


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    expected = build_hostile_corpus(corpus)
    # The corpus is named through a ".." component, as a user might type it; nothing may escape it.
    corpus_arg = root / "elsewhere" / ".." / "corpus"
    (root / "elsewhere").mkdir()
    env = cli_env(corpus_arg, root / "index", DSCB_WORKERS="2", DSCB_FILE_TIMEOUT=str(TIMEOUT_S),
                  DSCB_FILE_MEMORY_MB=str(MEMORY_MB))
    first = run_cli("ingest", "--quiet", env=env)
    second = run_cli("ingest", "--quiet", env=env)
    return corpus, root / "index", expected, first, second


def problem_lines(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line.startswith("  ")]


def test_ingest_succeeds_quietly(hostile_run):
    _, _, _, first, _ = hostile_run
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "workers must not spill warnings or tracebacks onto the terminal"
    assert f"Indexed {len(GOOD)} reports" in first.stdout


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_file_gets_exactly_one_clear_line(hostile_run, name):
    _, _, _, first, _ = hostile_run
    lines = [line for line in problem_lines(first.stdout) if line.startswith(f"{name}: ")]
    assert len(lines) == 1, first.stdout
    reason = lines[0][len(name) + 2 :]
    assert any(word in reason for word in BAD[name][1]), reason
    assert "Traceback" not in reason and "\n" not in reason


def test_only_bad_files_and_the_copy_are_reported(hostile_run):
    _, _, expected, first, _ = hostile_run
    reported = {line.split(": ", 1)[0] for line in problem_lines(first.stdout)}
    assert reported == {name for name, outcome in expected.items() if outcome != "indexed"}
    assert len(problem_lines(first.stdout)) == len(reported)
    assert f"Skipped {len(reported)} files:" in first.stdout


def test_every_good_file_is_indexed_and_searchable(hostile_run):
    corpus, index, _, _, _ = hostile_run
    contents = index_store.read(index)
    assert set(contents.reports) == set(GOOD)
    vector_index, bm25 = index_store.open_search_structures(contents)
    assert len(contents.passages) == len(contents.vectors) == vector_index.ntotal
    searcher = Searcher(dataclasses.replace(_settings(corpus, index)))
    for name, (_, phrase) in GOOD.items():
        hits = searcher.search(phrase, k=3, per_report=0, mode="bm25")
        assert hits and hits[0].report.file == name, (name, [h.report.file for h in hits])
        # The citation link opens the file inside the corpus, whatever its name.
        local = Path(hits[0].link.removeprefix("file://").split("#")[0])
        assert local.resolve() == (corpus / name).resolve() or "%" in hits[0].link
    assert contents.reports["six hundred pages.pdf"].pages == 600
    last = searcher.search("zebra crossing", k=1, filters=Filters(files=("six hundred pages.pdf",)), mode="bm25")
    assert last[0].passage.page_end == 600


def test_links_for_odd_names_point_inside_the_corpus(hostile_run):
    corpus, index, _, _, _ = hostile_run
    from urllib.parse import unquote, urlparse

    searcher = Searcher(_settings(corpus, index))
    for report in searcher.report_list():
        url = urlparse(searcher.link(report, 1))
        path = Path(unquote(url.path)).resolve()
        assert path.is_relative_to(corpus.resolve()) and path.is_file(), url


def test_duplicate_is_indexed_once(hostile_run):
    _, index, _, first, _ = hostile_run
    contents = index_store.read(index)
    assert "plain report.pdf" in contents.reports and "zz copy of plain report.pdf" not in contents.reports
    assert "zz copy of plain report.pdf: it is the same document as plain report.pdf; indexed once" in problem_lines(first.stdout)
    texts = [p.text for p in contents.passages if p.file == "plain report.pdf"]
    assert texts and len(set(p.id for p in contents.passages)) == len(contents.passages)


def test_second_run_reports_the_same_files_once_each_without_rereading(hostile_run):
    _, _, _, first, second = hostile_run
    assert second.returncode == 0 and second.stderr == ""
    assert "Index is up to date" in second.stdout
    names = lambda out: sorted(line.split(": ", 1)[0] for line in problem_lines(out))  # noqa: E731
    assert names(second.stdout) == names(first.stdout)


def test_symlink_loop_in_the_corpus_is_not_followed(hostile_run):
    corpus, index, _, _, _ = hostile_run
    assert (corpus / "loop").is_symlink()
    assert not any(f.startswith("loop/") for f in index_store.read(index).manifest["files"])


def _settings(corpus: Path, index: Path):
    from dscb_assistant.settings import Settings

    return Settings(corpus_dir=corpus, index_dir=index, embedder=HASH_EMBEDDER)


# -- duplicates, in process --------------------------------------------------------------------------


def test_duplicate_choice_does_not_depend_on_which_worker_finishes_first(small_corpus, monkeypatch):
    corpus = small_corpus.corpus_dir
    (corpus / "zz copy.pdf").write_bytes((corpus / "domestic.pdf").read_bytes())
    real = ingest_module.run_isolated

    def finish_in_reverse(*args, **kwargs):
        yield from reversed(list(real(*args, **kwargs)))

    monkeypatch.setattr(ingest_module, "run_isolated", finish_in_reverse)
    summary = ingest(small_corpus)
    assert {p.file: p.reason for p in summary.problems} == {
        "zz copy.pdf": "it is the same document as domestic.pdf; indexed once"
    }
    assert "domestic.pdf" in index_store.read(small_corpus.index_dir).reports


def test_copy_is_indexed_when_its_original_is_removed(small_corpus):
    corpus = small_corpus.corpus_dir
    (corpus / "zz copy.pdf").write_bytes((corpus / "domestic.pdf").read_bytes())
    first = ingest(small_corpus)
    assert [p.file for p in first.problems] == ["zz copy.pdf"]
    (corpus / "domestic.pdf").unlink()
    second = ingest(small_corpus)
    assert second.problems == ()
    assert "zz copy.pdf" in index_store.read(small_corpus.index_dir).reports, "the only copy left must not stay skipped"
    assert ingest(small_corpus).changed is False


def test_copy_added_later_is_reported_against_the_indexed_original(small_corpus):
    ingest(small_corpus)
    corpus = small_corpus.corpus_dir
    (corpus / "a copy.pdf").write_bytes((corpus / "domestic.pdf").read_bytes())
    summary = ingest(small_corpus)
    assert [(p.file, p.reason) for p in summary.problems] == [
        ("a copy.pdf", "it is the same document as domestic.pdf; indexed once")
    ]
    assert "a copy.pdf" not in index_store.read(small_corpus.index_dir).reports


# -- extraction contract on damaged bytes ------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 0.999])
def test_truncated_anywhere_is_an_extraction_error_or_readable(tmp_path, keep):
    source = make_pdf(tmp_path / "full.pdf", [["# Findings", words(150, 3)], [words(150, 4)]])
    data = source.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: max(1, int(len(data) * keep))])
    try:
        document = read_pdf(cut)
    except ExtractionError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(document.pages) >= 1


def test_bomb_in_process_is_refused_by_the_parser_limit(tmp_path):
    with pytest.raises(ExtractionError, match="decompression bomb"):
        read_pdf(hostile_pdfs.zip_bomb(tmp_path / "bomb.pdf"))


# -- nothing readable at all ---------------------------------------------------------------------------


def test_corpus_of_only_bad_files_lists_them_instead_of_crashing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile_pdfs.empty(corpus / "empty.pdf")
    hostile_pdfs.html_as_pdf(corpus / "page.pdf")
    result = run_cli("ingest", "--quiet", env=cli_env(corpus, tmp_path / "index"))
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert "  empty.pdf: the file is empty (0 bytes)" in result.stdout
    assert "  page.pdf: it is a web page" in result.stdout
    assert "No report could be indexed" in result.stdout


def test_when_every_file_fails_the_previous_index_stays_in_use(small_corpus):
    ingest(small_corpus)
    before = index_store.build_id(small_corpus.index_dir)
    for pdf in small_corpus.corpus_dir.rglob("*.pdf"):
        pdf.write_bytes(b"")
    summary = ingest(small_corpus)
    assert summary.reports == 0 and len(summary.problems) == 3
    assert any("previous index (3 reports) is still in use" in note for note in summary.notes)
    assert index_store.build_id(small_corpus.index_dir) == before
    assert Searcher(small_corpus).search("MARAC", k=1)


def test_a_non_web_address_in_reports_csv_never_becomes_a_link(small_corpus):
    from .conftest import write_reports_csv

    write_reports_csv(small_corpus.corpus_dir, [
        {"file": "domestic.pdf", "title": "Child C", "board": "", "year": "2012", "review_type": "", "url": "javascript:alert(1)//"},
        {"file": "baby-bruise.pdf", "title": "Baby A", "board": "", "year": "2019", "review_type": "",
         "url": " https://example.org/baby-a.pdf#page=9 "},
    ])
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    reports = {r.file: r for r in searcher.report_list()}
    assert searcher.link(reports["domestic.pdf"], 2).startswith("file://")
    assert searcher.link(reports["baby-bruise.pdf"], 2) == "https://example.org/baby-a.pdf#page=2"
    assert all("javascript" not in h.link for h in searcher.search("MARAC domestic abuse", k=10, per_report=0))


def test_pipes_and_devices_named_pdf_are_reported_not_read(small_corpus):
    corpus = small_corpus.corpus_dir
    os.mkfifo(corpus / "pipe.pdf")  # opening it would wait for a writer forever
    (corpus / "zeros.pdf").symlink_to("/dev/zero")  # reading it would never end
    settings = dataclasses.replace(small_corpus, file_timeout=600)  # so a blocked read would hang the test
    for _ in range(2):  # the first ingest and an unchanged one
        summary = ingest(settings)
        reasons = {p.file: p.reason for p in summary.problems}
        assert set(reasons) == {"pipe.pdf", "zeros.pdf"}
        assert all("not a regular file" in r for r in reasons.values())
        assert summary.reports == 3
    (corpus / "baby-bruise.pdf").touch()  # a changed stat makes ingest hash files again: still never the pipe
    assert ingest(settings).reports == 3

"""Disk full, read-only folders, permission denied, a missing corpus: one clear line and a non-zero exit, never a traceback.

The tests run as whatever user CI uses (often root, whom chmod does not stop), so the operating
system's errors are injected into the real CLI process: the N-th fsync fails with ENOSPC, or opening
a file under the index raises EROFS or EACCES, exactly as the kernel would report them.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap

import pytest
from streamlit.testing.v1 import AppTest

from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

from .conftest import build_small_corpus
from .pdfs import make_pdf, words

# Runs the CLI with one OS fault injected; FAULT is "fsync:N:ERRNO" or "open:PATH_PREFIX:MODE:ERRNO".
_RUNNER = textwrap.dedent("""
    import builtins, errno, io, os, sys
    kind, *spec = os.environ["FAULT"].split(":")
    if kind == "fsync":
        at, code, count, real = int(spec[0]), int(spec[1]), [0], os.fsync
        def fsync(fd):
            count[0] += 1
            if count[0] == at:
                raise OSError(code, os.strerror(code))
            return real(fd)
        os.fsync = fsync
    elif kind == "open":
        prefix, mode_wanted, code = spec[0], spec[1], int(spec[2])
        real_open = builtins.open
        def open_(file, mode="r", *args, **kwargs):
            path = os.path.abspath(os.fsdecode(file)) if not isinstance(file, int) else ""
            writing = any(c in mode for c in "wax+")
            if path.startswith(prefix) and (writing if mode_wanted == "w" else not writing):
                raise OSError(code, os.strerror(code), path)
            return real_open(file, mode, *args, **kwargs)
        builtins.open = io.open = open_
    from dscb_assistant.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def run_with_fault(fault: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_WORKERS": "1", "FAULT": fault}
    return subprocess.run([sys.executable, "-c", _RUNNER, *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_one_clear_line(done: subprocess.CompletedProcess, *phrases: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "OSError" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("oserrors")
    corpus = build_small_corpus(root / "corpus")
    done = run_with_fault("none", "ingest", str(corpus), "--index", str(root / "index"), "--quiet")
    assert done.returncode == 0, done.stderr
    return corpus, root / "index"


def test_disk_full_while_writing_the_index(indexed, tmp_path):
    corpus, index = indexed
    make_pdf(corpus / "zz-new.pdf", [["# Learning", words(150, seed=3)]])
    try:
        done = run_with_fault(f"fsync:2:{errno.ENOSPC}", "ingest", str(corpus), "--index", str(index), "--quiet")
    finally:
        (corpus / "zz-new.pdf").unlink()
    assert_one_clear_line(done, "Could not update the index", "the disk is full")
    # The index in use is still the previous one and answers.
    found = run_with_fault("none", "search", "MARAC domestic abuse", "--index", str(index), "-k", "1", "--json")
    assert found.returncode == 0 and '"file": "domestic.pdf"' in found.stdout


def test_read_only_index_folder(indexed, tmp_path):
    corpus, _ = indexed
    index = tmp_path / "index"
    done = run_with_fault(f"open:{index}:w:{errno.EROFS}", "ingest", str(corpus), "--index", str(index), "--quiet")
    assert_one_clear_line(done, "Could not update the index", "read-only")


def test_permission_denied_reading_the_index(indexed):
    _, index = indexed
    done = run_with_fault(f"open:{index.resolve()}:r:{errno.EACCES}", "search", "bruising", "--index", str(index))
    assert_one_clear_line(done, "permission denied")


def test_disk_full_while_adding_a_report(tmp_path):
    pdf = make_pdf(tmp_path / "review.pdf", [["# Findings", words(100)]])
    corpus = tmp_path / "corpus"
    done = run_with_fault(f"fsync:1:{errno.ENOSPC}", "add", str(pdf), "--corpus", str(corpus), "--no-ingest")
    assert_one_clear_line(done, "Could not store review.pdf", "the disk is full")
    assert not [p for p in corpus.iterdir() if p.suffix == ".pdf" or p.name.endswith(".part")]


def test_missing_corpus_folder(tmp_path):
    done = run_with_fault("none", "ingest", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index"))
    assert_one_clear_line(done, "does not exist")


def test_the_app_shows_a_message_when_the_index_cannot_be_read(indexed, monkeypatch):
    corpus, index = indexed
    monkeypatch.setenv("DSCB_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DSCB_INDEX_DIR", str(index))
    monkeypatch.setenv("DSCB_EMBEDDER", HASH_EMBEDDER)
    from dscb_assistant import index as index_store

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(index / "current" / "passages.jsonl"))

    monkeypatch.setattr(index_store, "read", denied)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "Could not read the index" in shown and "permission denied" in shown
    assert str(index) not in shown  # no server path in the app

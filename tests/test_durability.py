"""Durability of a publish: every rename readers depend on is followed by an fsync of its folder, and a
failing rename or fsync at any step leaves a loadable index (the previous one, or the complete new one).

A fault injector makes the N-th call of ``os.replace``, ``os.rename`` or ``os.fsync`` fail (as a full
disk would), for every N the publish makes; ``tests/test_crash.py`` kills the process instead.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
from pathlib import Path

import pytest

from dscb_assistant import index as index_store
from dscb_assistant.errors import StorageError
from dscb_assistant.ingest import ingest
from dscb_assistant.search import Searcher

from .pdfs import make_pdf, words

OPS = ("replace", "rename", "fsync")


class _Faults:
    """Wraps os.replace, os.rename and os.fsync: records each call, and makes call number ``fail_at`` raise."""

    def __init__(self, monkeypatch, fail_at: int | None = None, error: int = errno.ENOSPC):
        self.calls: list[tuple[str, str]] = []
        self.fail_at, self.error = fail_at, error
        for name in OPS:
            real = getattr(os, name)
            monkeypatch.setattr(os, name, self._wrap(name, real))

    def _wrap(self, name, real):
        def wrapped(*args, **kwargs):
            what = _fd_path(args[0]) if name == "fsync" else f"{os.fspath(args[0])} -> {os.fspath(args[1])}"
            self.calls.append((name, what))
            if self.fail_at is not None and len(self.calls) == self.fail_at:
                raise OSError(self.error, os.strerror(self.error))
            return real(*args, **kwargs)
        return wrapped


def _fd_path(fd) -> str:
    fd = fd if isinstance(fd, int) else fd.fileno()
    return os.readlink(f"/proc/self/fd/{fd}")


def _snapshot(index_dir: Path) -> dict:
    contents = index_store.read(index_dir)
    index_store.open_search_structures(contents)  # raises unless passages, vectors, FAISS and BM25 rows align
    return {"passages": [p.to_dict() for p in contents.passages], "vectors": contents.vectors.round(6).tolist()}


@pytest.fixture
def two_builds(small_corpus, tmp_path):
    """An index (the live one) and the contents of a newer build to publish over it."""
    ingest(small_corpus)
    old = _snapshot(small_corpus.index_dir)
    newer = dataclasses.replace(small_corpus, index_dir=tmp_path / "newer")
    make_pdf(small_corpus.corpus_dir / "added.pdf",
             [["# Learning", "The school nurse noticed the weight loss. " + words(120, seed=9)]])
    ingest(newer)
    new_contents = index_store.read(newer.index_dir)
    return small_corpus, old, new_contents, _snapshot(newer.index_dir)


def test_every_rename_readers_depend_on_is_followed_by_an_fsync_of_its_folder(two_builds, monkeypatch):
    settings, _, contents, _ = two_builds
    index_dir = settings.index_dir.resolve()
    faults = _Faults(monkeypatch)
    index_store.write(settings.index_dir, contents)
    calls = faults.calls

    def position(op, test):
        return next(i for i, (name, what) in enumerate(calls) if name == op and test(what))

    build_renamed = position("rename", lambda w: ".partial -> " in w)
    current_swapped = position("replace", lambda w: w.endswith(f"-> {index_dir / 'current'}"))
    previous_replaced = position("replace", lambda w: w.endswith(f"-> {index_dir / '.previous'}"))
    # The new build's name is on disk before "current" can point at it.
    assert any(name == "fsync" and what == str(index_dir / "builds")
               for name, what in calls[build_renamed + 1:current_swapped])
    # ".previous" is written aside, fsynced, renamed and its folder fsynced, not rewritten in place.
    assert any(name == "fsync" and "..previous." in what for name, what in calls[:previous_replaced])
    assert any(name == "fsync" and what == str(index_dir) for name, what in calls[previous_replaced + 1:current_swapped])
    # And "current" itself is durable once write() returns.
    assert ("fsync", str(index_dir)) in calls[current_swapped + 1:]
    # Every file and folder of the build is fsynced before the build is renamed into place.
    build = index_store.current_build(settings.index_dir)
    synced = {what.replace(".partial", "").replace(f"/.{build.name}", f"/{build.name}") for name, what in calls[:build_renamed] if name == "fsync"}
    on_disk = {str(p) for p in build.rglob("*")} | {str(build)}
    assert on_disk <= synced, on_disk - synced


def test_a_failing_rename_or_fsync_at_every_step_leaves_a_loadable_index(two_builds, monkeypatch, tmp_path):
    settings, old, contents, new = two_builds
    pristine = tmp_path / "pristine"
    shutil.copytree(settings.index_dir, pristine, symlinks=True)
    with monkeypatch.context() as m:
        counted = _Faults(m)
        index_store.write(settings.index_dir, contents)
    steps = len(counted.calls)
    assert steps > 10
    outcomes = set()
    for fail_at in range(1, steps + 1):
        shutil.rmtree(settings.index_dir)
        shutil.copytree(pristine, settings.index_dir, symlinks=True)
        with monkeypatch.context() as m:
            faults = _Faults(m, fail_at=fail_at)
            with pytest.raises(OSError):
                index_store.write(settings.index_dir, contents)
            failed = faults.calls[-1]
        now = _snapshot(settings.index_dir)  # loads, rows aligned
        assert now in (old, new), f"step {fail_at} ({failed}) left neither the old nor the new index"
        outcomes.add("old" if now == old else "new")
        # The next publish, with a working disk, tidies up and completes.
        index_store.tidy(settings.index_dir)
        index_store.write(settings.index_dir, contents)
        assert _snapshot(settings.index_dir) == new
        leftovers = [p.name for p in settings.index_dir.iterdir() if p.name.startswith((".current.", "..previous."))]
        assert not leftovers and not list((settings.index_dir / "builds").glob(".*.partial"))
    assert outcomes == {"old", "new"}  # failures before the swap keep the old index, after it the new


@pytest.mark.parametrize("error, message", [
    (errno.ENOSPC, "the disk is full"),
    (errno.EROFS, "read-only"),
    (errno.EACCES, "permission denied"),
])
def test_ingest_turns_an_os_error_into_one_sentence_and_keeps_the_old_index(small_corpus, monkeypatch, error, message):
    ingest(small_corpus)
    old = _snapshot(small_corpus.index_dir)
    make_pdf(small_corpus.corpus_dir / "added.pdf", [["# Learning", words(150, seed=4)]])
    with monkeypatch.context() as m:
        _Faults(m, fail_at=3, error=error)
        with pytest.raises(StorageError, match=f"Could not update the index: .*{message}"):
            ingest(small_corpus)
    assert _snapshot(small_corpus.index_dir) == old
    assert Searcher(small_corpus).search("bruise", k=3)

"""Crash safety: SIGKILL ``python -m dscb_assistant ingest`` at every step that touches the index.

``tests/crash_hook.py`` runs the real CLI and kills its whole process group just before the
N-th operation that changes the index folder (or just after a worker result or an embedding
batch, named rather than numbered, since embedding runs in a thread alongside the reading). A first run counts the steps; then, for each step, a fresh copy of the previous index
is updated and killed there. After every kill:

* the index on disk is either exactly the previous one - it loads and answers the same
  questions with the same passages and scores - or exactly the complete new one;
* the next ingest (in process) completes, and its index is consistent and identical to a
  clean build of the same corpus: no duplicated or orphaned passages; passage, vector,
  FAISS and BM25 rows aligned; no half-written ``.partial`` build or stray symlink left.

Set DSCB_TEST_CRASH_ALL=1 to kill at every step; by default a run of identical consecutive
steps (the eleven fsyncs of one build) is killed at its first and last only.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dscb_assistant import index as index_store
from dscb_assistant.ingest import ingest
from dscb_assistant.search import Searcher
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT, Settings

from .conftest import build_small_corpus, write_reports_csv
from .pdfs import make_pdf, words

QUESTIONS = ("bruise on a non-mobile baby", "county lines exploitation missing", "MARAC domestic abuse police",
             "review panel records", "dental neglect missed appointments")


def answers(settings: Settings) -> list[list[tuple[str, float]]]:
    searcher = Searcher(settings)
    return [[(h.passage.id, round(h.score, 6)) for h in searcher.search(q, k=5)] for q in QUESTIONS]


def snapshot(index_dir: Path) -> dict:
    """Everything a user can observe of an index, to compare two builds."""
    contents = index_store.read(index_dir)
    return {
        "passages": [p.to_dict() for p in contents.passages],
        "vectors": contents.vectors.round(6).tolist(),
        "reports": {f: r.to_dict() for f, r in contents.reports.items()},
    }


def assert_consistent(settings: Settings, reference: dict, reference_answers, *, tidy: bool) -> None:
    index_dir = settings.index_dir
    contents = index_store.read(index_dir)
    vector_index, bm25 = index_store.open_search_structures(contents)  # raises unless rows align
    n = len(contents.passages)
    assert n == len(contents.vectors) == vector_index.ntotal == int(bm25.scores["num_docs"]) > 0
    ids = [p.id for p in contents.passages]
    assert len(set(ids)) == n, "duplicated passages"
    indexed = {f for f, e in contents.manifest["files"].items() if e["status"] == "indexed"}
    assert {p.file for p in contents.passages} == set(contents.reports) == indexed, "orphaned passages or reports"
    for file in indexed:
        assert contents.manifest["files"][file]["passages"] == sum(p.file == file for p in contents.passages)
    assert contents.manifest["counts"]["passages"] == n
    assert snapshot(index_dir) == reference
    assert answers(settings) == reference_answers
    if tidy:
        builds = list((index_dir / index_store.BUILDS).iterdir())
        assert not [b.name for b in builds if b.name.endswith(".partial")], "half-written build left behind"
        assert len(builds) <= 2, [b.name for b in builds]  # the live build and the one before it
        assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith(f".{index_store.CURRENT}")) == []


def run_hook(settings: Settings, kill_at: int | str | None, steps_file: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSCB_", "DSCB_TEST_"))}
    env.update(
        DSCB_EMBEDDER=HASH_EMBEDDER, DSCB_CORPUS_DIR=str(settings.corpus_dir), DSCB_INDEX_DIR=str(settings.index_dir),
        DSCB_WORKERS="1", DSCB_TEST_STEPS=str(steps_file), PYTHONPATH=str(PROJECT_ROOT), HF_HUB_OFFLINE="1",
    )
    if kill_at is not None:
        env["DSCB_TEST_KILL_AT"] = str(kill_at)
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_hook", "ingest", "--quiet"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120, start_new_session=True,  # its own group: killpg spares pytest
    )


def kill_points(steps: list[str]) -> list[int]:
    """1-based steps to kill at: all of them, or each run of identical steps at its first and last."""
    if os.environ.get("DSCB_TEST_CRASH_ALL"):
        return list(range(1, len(steps) + 1))
    chosen = []
    for i, step in enumerate(steps):
        first = i == 0 or steps[i - 1] != step
        last = i == len(steps) - 1 or steps[i + 1] != step
        if first or last:
            chosen.append(i + 1)
    return chosen


def kind(step: str) -> str:
    return step if step.startswith("read result") else step.split(" ", 1)[0]


@dataclasses.dataclass
class Scenario:
    before: Settings | None  # the previous index (None: the very first ingest)
    after: Settings  # the corpus the killed ingest reads; its index dir is replaced per kill
    reference: dict
    reference_answers: list
    previous_answers: list | None
    previous_build: str | None


def make_scenario(tmp_path: Path, change) -> Scenario:
    """A previous index of the small corpus (unless ``change`` is None: first ingest), a corpus changed by
    ``change``, and a clean reference build of the changed corpus."""
    base = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "base-index", embedder=HASH_EMBEDDER,
                    workers=1, file_timeout=60)
    build_small_corpus(base.corpus_dir)
    before = None
    if change is not None:
        ingest(base)
        # Same bytes, new timestamp: a second build, so the killed ingest also has an old build to delete.
        os.utime(base.corpus_dir / "domestic.pdf", ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
        assert ingest(base).changed
        before = base
        change(base.corpus_dir)
    after = dataclasses.replace(base, index_dir=tmp_path / "index")
    reference_settings = dataclasses.replace(base, index_dir=tmp_path / "reference-index")
    ingest(reference_settings, rebuild=True)
    return Scenario(
        before=before,
        after=after,
        reference=snapshot(reference_settings.index_dir),
        reference_answers=answers(reference_settings),
        previous_answers=answers(before) if before else None,
        previous_build=index_store.build_id(before.index_dir) if before else None,
    )


def remove_and_retitle(corpus: Path) -> None:
    """Nothing to read: only a rewrite of the index (the write path is what gets killed)."""
    (corpus / "domestic.pdf").unlink()
    write_reports_csv(corpus, [{"file": "baby-bruise.pdf", "title": "Learning Review: Baby A (revised)",
                                "board": "Testshire", "year": "2020", "review_type": "learning review", "url": ""}])


def add_two_reports(corpus: Path) -> None:
    """Two new PDFs to read and embed (the reading and embedding are what gets killed)."""
    make_pdf(corpus / "new-dental.pdf", [["# Summary", "Dental neglect and missed appointments. " + words(80, 4)]])
    make_pdf(corpus / "new-sub" / "other.pdf", [["# Findings", "The review panel records were incomplete. " + words(90, 8)]])


def reset_index(scenario: Scenario) -> None:
    shutil.rmtree(scenario.after.index_dir, ignore_errors=True)
    if scenario.before is not None:
        shutil.copytree(scenario.before.index_dir, scenario.after.index_dir, symlinks=True)


def check_kill(scenario: Scenario, kill_at: int | str, expected_step: str, steps_file: Path) -> str:
    """Kill at one step, check what is left and the recovery; return which index the kill left live."""
    reset_index(scenario)
    result = run_hook(scenario.after, kill_at, steps_file)
    taken = steps_file.read_text().split("\n")[:-1]
    assert result.returncode == -signal.SIGKILL, (kill_at, result.returncode, result.stderr[-2000:])
    assert kind(taken[-1]) == kind(expected_step), (kill_at, taken[-1], expected_step)

    live = index_store.build_id(scenario.after.index_dir)
    if live is None:
        assert scenario.before is None, f"killed at {taken[-1]!r}: the previous index is gone"
        outcome = "none"
    elif live == scenario.previous_build:
        assert answers(scenario.after) == scenario.previous_answers, f"killed at {taken[-1]!r}: answers changed"
        outcome = "previous"
    else:  # killed after the swap: the new build must be complete
        assert_consistent(scenario.after, scenario.reference, scenario.reference_answers, tidy=False)
        outcome = "new"

    ingest(scenario.after)
    assert_consistent(scenario.after, scenario.reference, scenario.reference_answers, tidy=True)
    assert ingest(scenario.after).changed is False, "a completed ingest must leave nothing to redo"
    return outcome


def count_steps(scenario: Scenario, steps_file: Path) -> list[str]:
    reset_index(scenario)
    result = run_hook(scenario.after, None, steps_file)
    assert result.returncode == 0, result.stderr
    assert_consistent(scenario.after, scenario.reference, scenario.reference_answers, tidy=True)
    return steps_file.read_text().split("\n")[:-1]


def test_killed_while_writing_the_index(tmp_path):
    scenario = make_scenario(tmp_path, remove_and_retitle)
    steps = count_steps(scenario, tmp_path / "steps")
    for op in ("open", "faiss.write_index", "fsync", "rename", "symlink", "replace", "rmtree"):
        assert any(kind(s) == op for s in steps), (op, steps)
    points = kill_points(steps)
    assert len(points) >= 15
    outcomes = [check_kill(scenario, point, steps[point - 1], tmp_path / "steps") for point in points]
    assert {"previous", "new"} <= set(outcomes), outcomes  # kills landed on both sides of the swap


def test_killed_while_reading_and_embedding_new_reports(tmp_path):
    scenario = make_scenario(tmp_path, add_two_reports)
    steps = count_steps(scenario, tmp_path / "steps")
    named = ["read result new-dental.pdf", "encoded", "read result new-sub/other.pdf"]
    assert all(any(s.startswith(n) for s in steps) for n in named), steps
    for name in named:
        check_kill(scenario, name, name, tmp_path / "steps")


def test_killed_during_the_very_first_ingest(tmp_path):
    scenario = make_scenario(tmp_path, None)
    steps = count_steps(scenario, tmp_path / "steps")
    outcomes = []
    for name in ("read result domestic.pdf", "rename", "replace"):
        assert any(s.startswith(name) for s in steps), (name, steps)
        outcomes.append(check_kill(scenario, name, name, tmp_path / "steps"))
    assert outcomes == ["none", "none", "none"]  # before the swap, there is simply no index yet


@pytest.mark.parametrize("leftover", ["partial", "tmp-link"])
def test_leftovers_of_a_crash_are_cleared_by_the_next_ingest(small_corpus, leftover):
    ingest(small_corpus)
    index_dir = small_corpus.index_dir
    if leftover == "partial":
        (index_dir / index_store.BUILDS / ".20200101T000000-deadbeef.partial").mkdir()
    else:
        os.symlink("builds/nowhere", index_dir / f".{index_store.CURRENT}.999999.tmp")
    make_pdf(small_corpus.corpus_dir / "new.pdf", [["# Summary", words(90, 6)]])
    ingest(small_corpus)
    names = [p.name for p in index_dir.iterdir()] + [p.name for p in (index_dir / index_store.BUILDS).iterdir()]
    assert not [n for n in names if n.endswith((".partial", ".tmp"))], names

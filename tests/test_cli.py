"""The command-line contract other tools and our checks rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

from .conftest import build_small_corpus


def run(args, tmp_path, **env):
    environment = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_WORKERS": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "dscb_assistant", *args],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )


def test_ingest_then_search_json(tmp_path):
    corpus, index = build_small_corpus(tmp_path / "corpus"), tmp_path / "index"
    done = run(["ingest", str(corpus), "--index", str(index), "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Indexed 3 reports" in done.stdout and "passages" in done.stdout

    found = run(["search", "MARAC domestic abuse", "--index", str(index), "-k", "2", "--json"], tmp_path)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(hits) == 2
    required = {"rank", "score", "file", "title", "board", "year", "review_type", "page", "section", "text", "link"}
    assert required <= set(hits[0])
    assert hits[0]["file"] == "domestic.pdf" and hits[0]["rank"] == 1
    assert hits[0]["link"].endswith("#page=1")
    assert "MARAC" in hits[0]["text"]

    human = run(["search", "county lines", "--index", str(index), "-k", "1"], tmp_path)
    assert "Thematic review: exploitation" in human.stdout and "#page=" in human.stdout

    again = run(["ingest", str(corpus), "--index", str(index), "--quiet"], tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_ingest_reports_bad_file_and_still_exits_zero(tmp_path):
    corpus = build_small_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    done = run(["ingest", str(corpus), "--index", str(tmp_path / "index"), "--quiet"], tmp_path)
    assert done.returncode == 0
    assert "broken.pdf:" in done.stdout and "Indexed 3 reports" in done.stdout


def test_search_without_index_says_how_to_build(tmp_path):
    done = run(["search", "bruising", "--index", str(tmp_path / "nothing")], tmp_path)
    assert done.returncode == 1
    assert "python -m dscb_assistant ingest" in done.stderr
    assert "Traceback" not in done.stderr


def test_empty_query_and_unknown_option_are_user_errors(tmp_path):
    corpus, index = build_small_corpus(tmp_path / "corpus"), tmp_path / "index"
    run(["ingest", str(corpus), "--index", str(index), "--quiet"], tmp_path)
    empty = run(["search", "   ", "--index", str(index)], tmp_path)
    assert empty.returncode == 1 and "Type a question" in empty.stderr and "Traceback" not in empty.stderr
    unknown = run(["search", "x", "--colour"], tmp_path)
    assert unknown.returncode == 2 and "unrecognized arguments: --colour" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_missing_corpus_folder(tmp_path):
    done = run(["ingest", str(tmp_path / "nope"), "--index", str(tmp_path / "index")], tmp_path)
    assert done.returncode == 1 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_file_name_with_a_newline_stays_on_one_line():
    from dscb_assistant.cli import format_summary
    from dscb_assistant.records import IngestSummary, Problem
    from dscb_assistant.settings import Settings

    text = format_summary(IngestSummary(reports=1, pages=1, passages=1, problems=(Problem("bad\nname.pdf", "it is empty"),)),
                          Settings())
    assert "  bad\\nname.pdf: it is empty" in text.splitlines()

"""Shared fixtures: tiny corpora built at test time, and settings that use the fast fake embedder."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from dscb_assistant.settings import HASH_EMBEDDER, Settings

from .pdfs import make_pdf, words

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BOARD = "Testshire Safeguarding Children Partnership"


def write_reports_csv(corpus: Path, rows: list[dict[str, str]]) -> None:
    with (corpus / "reports.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "title", "board", "year", "review_type", "url"])
        writer.writeheader()
        writer.writerows(rows)


def build_small_corpus(corpus: Path) -> Path:
    """Three short reports on different themes, with running headers and footers."""
    make_pdf(
        corpus / "baby-bruise.pdf",
        [
            ["# 1. Introduction", "1.1 " + words(70), "# 2. Findings",
             "2.1 The health visitor saw a bruise on the non-mobile baby and accepted that he rolled off the sofa. "
             "No referral was made for a medical assessment and the bruising protocol was not followed. " + words(40)],
            ["# 3. Recommendations", "3.1 Practitioners should refer any bruise on a baby who is not yet mobile. " + words(60)],
            ["3.2 " + words(80)],
        ],
        header=f"{BOARD}  Learning Review Baby A",
        footer="Fictional test document",
        page_numbers=True,
    )
    make_pdf(
        corpus / "sub" / "county-lines.pdf",
        [
            ["# Summary", "Child B went missing repeatedly and was exploited through county lines drug dealing. "
             "Return home interviews were not completed after missing episodes. " + words(60)],
            ["# Learning", "Professionals saw the boy as making choices rather than as a victim of criminal exploitation. " + words(70)],
            [words(90)],
        ],
        header=f"{BOARD}  Thematic review",
        page_numbers=True,
    )
    make_pdf(
        corpus / "domestic.pdf",
        [
            ["# Background", "The mother was referred to MARAC after a high risk domestic abuse incident. "
             "The father's violence was known to police but not shared with the school. " + words(60)],
            ["# Analysis", "Information sharing between police and health was weak. " + words(80)],
            [words(80)],
        ],
        header=f"{BOARD}  Serious Case Review Child C",
        page_numbers=True,
    )
    write_reports_csv(
        corpus,
        [
            {"file": "baby-bruise.pdf", "title": "Learning Review: Baby A", "board": BOARD, "year": "2019",
             "review_type": "learning review", "url": ""},
            {"file": "sub/county-lines.pdf", "title": "Thematic review: exploitation", "board": "Otherton LSCB",
             "year": "2015", "review_type": "thematic review", "url": "https://example.org/reviews/county-lines.pdf"},
            {"file": "domestic.pdf", "title": "Serious Case Review: Child C", "board": BOARD, "year": "2012",
             "review_type": "serious case review", "url": ""},
        ],
    )
    return corpus


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh corpus and index under tmp_path, with the fast fake embedder."""
    return Settings(
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        embedder=HASH_EMBEDDER,
        workers=1,
        file_timeout=60,
        # The test PDFs pad passages with the same filler words, which folding rightly treats as
        # copies; folding is tested on text of its own (test_rank, test_app, test_end_to_end).
        dedupe=False,
    )


@pytest.fixture
def small_corpus(settings: Settings) -> Settings:
    build_small_corpus(settings.corpus_dir)
    return settings

"""Sentence windows: the sentence model reads each run of two sentences of a passage besides the whole,
so a question about one point of a long paragraph finds it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dscb_assistant import index as index_store
from dscb_assistant.chunk import windows
from dscb_assistant.clean import search_text
from dscb_assistant.embed import HashEmbedder
from dscb_assistant.errors import IndexMismatchError
from dscb_assistant.ingest import ingest
from dscb_assistant.search import Searcher

from .conftest import write_reports_csv
from .pdfs import make_pdf, words

TARGET = "The health visitor accepted the explanation for the bruise without any question at all."
# Eight sentences about other things, each of its own words, then the one that answers the question.
OTHER_MATTERS = (
    "Housing officers arranged a move to a larger flat in the spring. "
    "The school nurse recorded attendance problems during the winter term. "
    "Police attended a neighbour dispute concerning parking outside the property. "
    "A tenancy officer visited about rent arrears and left a leaflet. "
    "The family received a food bank voucher from the community centre. "
    "An interpreter was booked for one appointment but did not arrive. "
    "The GP surgery changed its appointment system during that year. "
    "Nursery staff described the older sibling as settled and sociable. "
)


def test_windows_are_overlapping_pairs_of_the_passages_own_sentences():
    sentences = ["Mr. Smith saw the baby on 3 May.", "The bruise was not explained to anyone.",
                 "Nobody asked the father about it.", "He was never seen by any agency."]
    text = "  ".join(sentences[:2]) + "\n" + " ".join(sentences[2:])
    assert windows(text) == [f"{a} {b}" for a, b in zip(sentences, sentences[1:])]
    assert windows(" ".join(sentences[:2])) == []  # two sentences: the passage itself is the window
    # Headings and list stubs of fewer than four words are not read as sentences of their own.
    assert windows("Findings. " + " ".join(sentences[:2])) == []


def test_every_window_is_stored_with_its_own_vector_in_passage_order(small_corpus):
    ingest(small_corpus)
    contents = index_store.read(small_corpus.index_dir)
    starts = contents.window_starts
    assert len(starts) == len(contents.passages) + 1 and starts[-1] == len(contents.window_vectors) > 0
    assert contents.manifest["windows"]["count"] == len(contents.window_vectors)
    model = HashEmbedder()
    for row, passage in enumerate(contents.passages):
        texts = windows(search_text(passage.text))
        assert starts[row + 1] - starts[row] == len(texts)
        flat = " ".join(passage.text.split())
        for text in texts:  # each window is two of the passage's own sentences
            assert " ".join(text.split()[:4]) in " ".join(search_text(flat).split())
        if texts:  # the vector is the model's reading of that window's text, not of another's
            np.testing.assert_allclose(contents.window_vectors[starts[row]:starts[row + 1]], model.encode(texts), atol=1e-6)
    assert (small_corpus.index_dir / "current" / index_store.WINDOWS_FAISS).exists()


@pytest.fixture
def one_sentence_corpus(settings):
    corpus = settings.corpus_dir
    make_pdf(corpus / "long.pdf", [["# Findings", "4.1 " + OTHER_MATTERS + TARGET]], footer="Fictional test document")
    make_pdf(corpus / "short.pdf", [["# Summary", "5.1 The health visitor noted a bruise. The mother gave an explanation "
                                     "which was recorded in the notes."]], footer="Fictional test document")
    make_pdf(corpus / "filler.pdf", [["# Background", words(120)]], footer="Fictional test document")
    write_reports_csv(corpus, [{"file": f, "title": f, "board": "Test board", "year": "2020", "review_type": "", "url": ""}
                               for f in ("long.pdf", "short.pdf", "filler.pdf")])
    return settings


def test_a_question_about_one_sentence_of_a_long_paragraph_finds_that_paragraph(one_sentence_corpus):
    ingest(one_sentence_corpus)
    searcher = Searcher(one_sentence_corpus)
    question = "health visitor accepted the explanation for the bruise"
    hits = searcher.search(question, k=3, mode="dense")
    assert hits[0].report.file == "long.pdf" and TARGET in " ".join(hits[0].passage.text.split())
    # The premise: read only as a whole, the long paragraph's other matters drown that sentence.
    searcher.window_index = None
    assert searcher.search(question, k=3, mode="dense")[0].report.file != "long.pdf"


def test_an_index_built_before_windows_gets_them_without_reading_a_report_again(small_corpus):
    first = ingest(small_corpus)
    build = small_corpus.index_dir / "current"
    # Make the live build look like one written before windows existed.
    manifest = json.loads((build / index_store.MANIFEST).read_text())
    manifest["windows"] = None
    (build / index_store.MANIFEST).write_text(json.dumps(manifest))
    for name in (index_store.WINDOWS, index_store.WINDOW_STARTS, index_store.WINDOWS_FAISS):
        (build / name).unlink()
    older = Searcher(small_corpus)  # still searchable, by whole passages
    assert older.window_index is None and older.search("baby bruise", k=1)

    upgraded = ingest(small_corpus)
    assert upgraded.changed and upgraded.added == upgraded.updated == ()
    assert any("sentence windows were added" in note for note in upgraded.notes)
    contents = index_store.read(small_corpus.index_dir)
    distinct_windows = {t for p in contents.passages for t in windows(search_text(p.text))}
    assert upgraded.embedded == len(distinct_windows) < first.embedded  # only the windows, no passage again
    assert ingest(small_corpus).changed is False  # and then the index is up to date


def test_an_unchanged_report_keeps_its_window_vectors_when_another_is_added(small_corpus):
    ingest(small_corpus)
    make_pdf(small_corpus.corpus_dir / "new.pdf", [["# Learning", "6.1 " + OTHER_MATTERS]], footer="Fictional test document")
    summary = ingest(small_corpus)
    new_texts = [t for p in index_store.read(small_corpus.index_dir).passages if p.file == "new.pdf"
                 for t in (search_text(p.text), *windows(search_text(p.text)))]
    assert summary.embedded == len(set(new_texts))  # the new report's passages and windows, nothing else


def test_windows_that_do_not_line_up_with_the_passages_are_reported_as_damage(small_corpus):
    ingest(small_corpus)
    build = small_corpus.index_dir / "current"
    starts = np.load(build / index_store.WINDOW_STARTS)
    np.save(build / index_store.WINDOW_STARTS, starts[:-1])
    with pytest.raises(IndexMismatchError, match="sentence windows do not line up"):
        index_store.read(small_corpus.index_dir)


def test_windows_made_by_another_version_are_embedded_again_never_reused(small_corpus):
    ingest(small_corpus)
    build = small_corpus.index_dir / "current"
    manifest = json.loads((build / index_store.MANIFEST).read_text())
    manifest["windows"]["version"] = -1  # as if windows() had changed since this build
    stale = np.load(build / index_store.WINDOWS)
    np.save(build / index_store.WINDOWS, -stale)  # and its vectors are not the current windows' readings
    (build / index_store.MANIFEST).write_text(json.dumps(manifest))

    summary = ingest(small_corpus)
    contents = index_store.read(small_corpus.index_dir)
    distinct_windows = {t for p in contents.passages for t in windows(search_text(p.text))}
    assert summary.changed and summary.embedded == len(distinct_windows)
    starts, model = contents.window_starts, HashEmbedder()
    for row, passage in enumerate(contents.passages):
        texts = windows(search_text(passage.text))
        if texts:
            np.testing.assert_allclose(contents.window_vectors[starts[row]:starts[row + 1]], model.encode(texts), atol=1e-6)

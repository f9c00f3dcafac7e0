"""The weak-match rule and long questions: the rule's logic, question preparation, and the CLI contract (fake embedder)."""

from __future__ import annotations

import json

import pytest

from dscb_assistant import confidence, query
from dscb_assistant.confidence import Evidence
from dscb_assistant.errors import QueryError
from dscb_assistant.ingest import ingest
from dscb_assistant.search import Searcher

from .test_cli import run

MARAC_SENTENCE = "The mother was referred to MARAC after a high risk domestic abuse incident."  # in domestic.pdf


# -- the rule ------------------------------------------------------------------------------------
def test_strength_is_the_cosine_raised_by_the_words_found():
    assert confidence.strength(Evidence(cosine=0.40, coverage=0.5)) == pytest.approx(0.40 + 0.2 * 0.5)
    # None of the question's words: only a passage very close in meaning counts.
    assert confidence.strength(Evidence(cosine=0.45, coverage=0.0)) == 0.0
    assert confidence.strength(Evidence(cosine=0.60, coverage=0.0)) == pytest.approx(0.60)


def test_a_question_nothing_answers_has_every_hit_weak():
    near_miss = Evidence(cosine=0.40, coverage=0.3)  # 0.46: just under the bar
    assert confidence.weak_flags([near_miss, Evidence(0.2, 0.9)]) == [True, True]


def test_an_answered_question_flags_only_its_poor_hits():
    good, middling, poor = Evidence(0.55, 0.5), Evidence(0.35, 0.2), Evidence(0.15, 0.3)
    assert confidence.weak_flags([middling, good, poor]) == [False, False, True]
    # A strong passage ranked but not shown (capped per report) still says the question is answered.
    assert confidence.weak_flags([middling], best=[good]) == [False]


def test_coverage_weights_each_question_word_by_its_rarity():
    idf = {"bruis": 3.0, "babi": 1.0, "sofa": 2.0}.get
    assert confidence.coverage(["bruis", "babi", "sofa"], ["babi", "sofa", "other"], idf) == pytest.approx(3.0 / 6.0)
    assert confidence.coverage([], ["babi"], idf) == 0.0


def test_none_match_needs_hits_and_all_of_them_weak():
    class H:
        def __init__(self, weak):
            self.weak = weak

    assert confidence.none_match([H(True), H(True)])
    assert not confidence.none_match([H(True), H(False)])
    assert not confidence.none_match([])


# -- preparing a question ------------------------------------------------------------------------
def test_prepare_tidies_whitespace_and_refuses_nothing():
    question = query.prepare("  bruise \n\n on a   baby ")
    assert question.text == "bruise on a baby" and not question.long and question.note == ""
    for empty in ("", "   \n\t "):
        with pytest.raises(QueryError, match="Type a question"):
            query.prepare(empty)


def test_a_paste_past_the_limit_is_cut_and_says_how_much_was_used():
    raw = ("The baby was seen with a bruise. " * 1000)[:31_204]
    question = query.prepare(raw)
    assert question.note == "Used the first 20,000 of 31,204 characters."
    assert len(question.text) <= 20_000 and raw.startswith(question.text.rstrip())
    exact = query.prepare("x" * 20_000)
    assert exact.note == "" and len(exact.text) == 20_000


def test_a_long_question_is_split_into_whole_sentence_pieces():
    sentences = [f"Sentence number {i} talks about the health visitor and the baby." for i in range(300)]
    text = " ".join(sentences)
    question = query.prepare(text)
    assert question.long and 1 < len(question.pieces) <= query.MAX_PIECES
    assert " ".join(question.pieces).split() == text.split()  # every word, in order, once
    assert all(piece.endswith(".") for piece in question.pieces)  # cut between sentences
    # Runs grow past PIECE_WORDS only as far as needed to stay within MAX_PIECES.
    assert all(len(piece.split()) <= 2 * len(text.split()) / query.MAX_PIECES for piece in question.pieces)
    short = query.pieces(" ".join(sentences[:20]))
    assert all(len(piece.split()) <= query.PIECE_WORDS for piece in short) and len(short) == 5  # 4 sentences of 11 words a run
    assert not query.prepare(" ".join(sentences[:3])).long


def test_a_sentence_longer_than_a_piece_is_split_between_words():
    words = [f"w{i}" for i in range(130)]
    pieces = query.pieces(" ".join(words), words=50)
    assert [len(p.split()) for p in pieces] == [50, 50, 30]
    assert " ".join(pieces).split() == words


def test_distinctive_terms_prefer_rare_repeated_words_the_index_holds():
    frequency = {"said": 900, "visit": 400, "bruis": 12, "marac": 3, "unknownword": 0}.get
    terms = ["said"] * 30 + ["visit"] * 5 + ["bruis"] * 4 + ["marac"] + ["unknownword"] * 9
    assert query.distinctive_terms(terms, frequency, 1000, limit=2) == ["bruis", "marac"]
    assert "unknownword" not in query.distinctive_terms(terms, frequency, 1000)


def test_combining_piece_similarities_rewards_several_close_pieces():
    import numpy as np

    echoes_one = np.array([[0.9, 0.1, 0.1, 0.1]])
    like_several = np.array([[0.8, 0.8, 0.8, 0.1]])
    assert query.combine(like_several)[0] > query.combine(echoes_one)[0]
    assert query.combine(np.array([[0.3], [0.7]])).tolist() == pytest.approx([0.3, 0.7])  # one piece: its cosine


# -- the searcher and the CLI (fake embedder) ------------------------------------------------------
def test_search_accepts_long_and_overlong_questions(small_corpus):
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    paste = ("Police were called to a high risk domestic abuse incident and the mother was referred to MARAC. "
             "The father's violence was not shared with the school. ") * 250  # about 38,000 characters
    hits = searcher.search(paste, k=3)
    assert hits and hits[0].passage.file == "domestic.pdf"
    assert all(isinstance(hit.weak, bool) for hit in hits)
    assert searcher.expansions(paste) == ()  # a paste is ranked by its own words, not glossary additions


def test_cli_json_says_weak_and_the_plain_output_says_no_good_match(small_corpus, tmp_path):
    index = small_corpus.index_dir
    assert run(["ingest", str(small_corpus.corpus_dir), "--index", str(index), "--quiet"], tmp_path).returncode == 0

    nonsense = run(["search", "asdfgh qwerty", "--index", str(index), "--json"], tmp_path)
    hits = [json.loads(line) for line in nonsense.stdout.splitlines()]
    assert hits and all(hit["weak"] is True for hit in hits)

    answered = run(["search", MARAC_SENTENCE, "--index", str(index), "--json"], tmp_path)
    hits = [json.loads(line) for line in answered.stdout.splitlines()]
    assert hits[0]["file"] == "domestic.pdf" and hits[0]["weak"] is False
    assert all(isinstance(hit["weak"], bool) for hit in hits)

    plain = run(["search", "asdfgh qwerty", "--index", str(index), "-k", "2"], tmp_path)
    assert plain.returncode == 0
    lines = plain.stdout.splitlines()
    assert lines[0].startswith("No passage matches your question well.")
    assert [line for line in lines if line[:3] in ("1. ", "2. ")] and all(
        line.startswith(("1. [weak match] ", "2. [weak match] ")) for line in lines if line[:3] in ("1. ", "2. "))

    one = run(["search", "asdfgh qwerty", "--index", str(index), "-k", "1"], tmp_path)
    assert one.stdout.splitlines()[0] == ("No passage matches your question well. "
                                          "The closest passage, marked [weak match]:")  # not "the closest 1 passages"

    clear = run(["search", MARAC_SENTENCE, "--index", str(index), "-k", "1"], tmp_path)
    assert "No passage matches" not in clear.stdout and "1. Serious Case Review: Child C" in clear.stdout


def test_cli_says_how_much_of_an_overlong_paste_was_used(small_corpus, tmp_path):
    index = small_corpus.index_dir
    assert run(["ingest", str(small_corpus.corpus_dir), "--index", str(index), "--quiet"], tmp_path).returncode == 0
    paste = (MARAC_SENTENCE + " ") * 400
    assert len(paste.strip()) == 30_399
    plain = run(["search", paste, "--index", str(index), "-k", "1"], tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines()[0] == "Used the first 20,000 of 30,399 characters."
    as_json = run(["search", paste, "--index", str(index), "-k", "1", "--json"], tmp_path)
    assert json.loads(as_json.stdout)["file"] == "domestic.pdf"  # stdout stays one JSON object per line
    assert "Used the first 20,000 of 30,399 characters." in as_json.stderr

"""BM25 scoring of a question and its glossary expansions (dscb_assistant.lexical)."""

from __future__ import annotations

import numpy as np
import pytest

from dscb_assistant import lexical

TEXTS = [
    "CAMHS would not assess him because the placement was only short term.",
    "Child and adolescent mental health services support children's mental health and emotional health.",
    "The placement was planned as long term and the school was told.",
    "Mental health support for parents who misuse drugs.",
]


@pytest.fixture(scope="module")
def bm25():
    return lexical.build(TEXTS)


def test_each_added_word_counts_once(bm25):
    one = lexical.expanded_scores(bm25, "CAMHS short term placement", ["child and adolescent mental health services"], 0.5)
    three = lexical.expanded_scores(bm25, "CAMHS short term placement", [
        "child and adolescent mental health services",
        "child and adolescent mental health service",
        "child and adolescent mental health",
    ], 0.5)
    # the same words spelled three ways are one expansion, not three times "mental health"
    np.testing.assert_allclose(three, one)
    assert int(np.argmax(three)) == 0  # the passage about the rest of the question stays first


def test_the_questions_own_words_are_not_counted_again(bm25):
    plain = lexical.scores(bm25, "short term placement")
    expanded = lexical.expanded_scores(bm25, "short term placement", ["short term placement"], 0.5)
    np.testing.assert_allclose(expanded, plain)


def test_added_words_weigh_what_they_are_told(bm25):
    base = lexical.scores(bm25, "CAMHS")
    added = lexical.term_scores(bm25, lexical.tokenize("child adolescent mental health services"))
    np.testing.assert_allclose(lexical.expanded_scores(bm25, "CAMHS", ["child and adolescent mental health services"], 0.5),
                               base + 0.5 * added)


def test_a_question_of_unknown_words_still_scores_by_its_expansions(bm25):
    values = lexical.expanded_scores(bm25, "zzqx", ["mental health"], 0.5)
    assert values is not None and int(np.argmax(values)) in (1, 3)
    assert lexical.expanded_scores(bm25, "zzqx", [], 0.5) is None

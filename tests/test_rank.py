"""Fusion, filtering and grouping as pure functions."""

from __future__ import annotations

import numpy as np

from dscb_assistant import rank
from dscb_assistant.records import Filters, ReportMeta


def _report(file, year, kind="learning review", board="A Board"):
    return ReportMeta(file=file, title=file, board=board, year=year, review_type=kind, url="", sha256="", pages=1)


def test_rrf_rewards_agreement_between_lists():
    fused = rank.rrf([[1, 2, 3], [3, 1, 4]], k=60)
    order = [row for row, _ in rank.ordered(fused)]
    assert order[0] == 1  # ranks 1 and 2
    assert order[1] == 3  # ranks 3 and 1
    assert fused[4] == 1 / 63


def test_convex_mixes_normalised_scores():
    fused = rank.convex(([1, 2], [0.9, 0.1]), ([2, 3], [10.0, 5.0]), dense_weight=0.5)
    assert fused == {1: 0.5, 2: 0.5, 3: 0.0}


def test_ordered_breaks_ties_by_row():
    assert rank.ordered({5: 1.0, 2: 1.0, 9: 2.0}) == [(9, 2.0), (2, 1.0), (5, 1.0)]


def test_select_caps_each_report_and_still_fills_k_from_the_others():
    ranked = [(0, 9.0), (1, 8.0), (2, 7.0), (3, 6.0), (4, 5.0)]
    files = ["a", "a", "a", "b", "c"]
    capped = rank.select(ranked, files, None, per_report=2, k=4)
    assert [(row, score) for row, score, _ in capped] == [(0, 9.0), (1, 8.0), (3, 6.0), (4, 5.0)]
    assert [(row, score) for row, score, _ in rank.select(ranked, files, None, per_report=0, k=3)] == ranked[:3]


def test_filter_mask_by_year_type_board_and_theme():
    reports = [_report("a", 2012, "serious case review"), _report("b", 2020, board="B Board"), _report("c", None)]
    file_ids = np.array([0, 0, 1, 2])
    themes = rank.theme_rows([("neglect",), ("hidden-men",), ("neglect", "hidden-men"), ()])
    assert rank.filter_mask(file_ids, themes, reports, Filters()) is None
    assert rank.filter_mask(file_ids, themes, reports, Filters(year_from=2015)).tolist() == [False, False, True, False]
    assert rank.filter_mask(file_ids, themes, reports, Filters(review_types=("serious case review",))).tolist() == [True, True, False, False]
    assert rank.filter_mask(file_ids, themes, reports, Filters(boards=("B Board",))).tolist() == [False, False, True, False]
    assert rank.filter_mask(file_ids, themes, reports, Filters(themes=("hidden-men",))).tolist() == [False, True, True, False]
    assert not rank.filter_mask(file_ids, themes, reports, Filters(themes=("no-such-theme",))).any()


def test_theme_filter_works_with_any_number_of_themes():
    """Theme membership was a 64-bit mask per passage: the 64th theme and beyond could not be filtered on."""
    names = [f"theme-{i:03d}" for i in range(200)]
    passages = [tuple(names[i::50]) for i in range(50)]  # passage i carries themes i, i+50, i+100, i+150
    file_ids = np.zeros(len(passages), dtype=np.int64)
    rows = rank.theme_rows(passages)
    reports = [_report("a", 2020)]
    for theme in (names[0], names[63], names[64], names[150], names[199]):
        expected = [theme in p for p in passages]
        assert rank.filter_mask(file_ids, rows, reports, Filters(themes=(theme,))).tolist() == expected, theme
    both = rank.filter_mask(file_ids, rows, reports, Filters(themes=(names[70], names[199])))
    assert np.flatnonzero(both).tolist() == [20, 49]


def test_near_duplicate_ignores_numbering_and_catches_a_copied_paragraph():
    overview = "5.3.2 Mr X was visible to professionals, but not understood. The health visitor recorded him as partner present."
    summary = "ES2.5 Mr X was visible to professionals, but not understood. The health visitor recorded him as partner present."
    other = "5.3.1 Mr X lived with Child D for most of the last year of her life and regularly cared for her alone."
    assert rank.near_duplicate(rank.shingles(overview), rank.shingles(summary))
    assert not rank.near_duplicate(rank.shingles(overview), rank.shingles(other))
    # A summary paragraph that joins a copied paragraph to new text still counts as a copy of it.
    joined = summary + " " + "The review found that nobody asked about the adults in the household at any point."
    assert rank.near_duplicate(rank.shingles(overview), rank.shingles(joined))
    # Chronology entries that differ only in their dates and ages are different events.
    first = "On 3/2/2015 the health visitor saw the baby, aged 6 weeks, at home with Mother; weight 4.1 kg."
    later = "On 9/4/2015 the health visitor saw the baby, aged 14 weeks, at home with Mother; weight 5.2 kg."
    assert not rank.near_duplicate(rank.shingles(first), rank.shingles(later))


def test_select_folds_copies_into_the_better_ranked_passage_and_keeps_k():
    texts = {
        0: "alpha beta gamma delta epsilon zeta eta theta iota kappa",
        1: "something else entirely about fathers who were never assessed by anyone",
        2: "1.2 alpha beta gamma delta epsilon zeta eta theta iota kappa",  # a renumbered copy of 0
        3: "a third distinct passage on information sharing between police and health",
        4: "a fourth distinct passage about the voice of the child in assessments",
    }
    files = ["a.pdf", "a.pdf", "b.pdf", "c.pdf", "a.pdf"]
    ranked = [(0, 9.0), (1, 8.0), (2, 7.0), (3, 6.0), (4, 5.0)]
    chosen = rank.select(ranked, files, texts.__getitem__, per_report=0, k=3)
    assert chosen == [(0, 9.0, (2,)), (1, 8.0, ()), (3, 6.0, ())]
    # A copy of a passage left out by the per-report cap is shown in its own right, not folded away.
    capped = rank.select([(1, 9.0), (4, 8.0), (0, 7.0), (2, 6.0)], files, texts.__getitem__, per_report=2, k=3)
    assert capped == [(1, 9.0, ()), (4, 8.0, ()), (2, 6.0, ())]


def test_fold_words_compares_wordings_not_typography():
    assert rank.fold_words("Children\u2019s  welfare,\nIN between-reviews") == " childrens welfare in between reviews "


def test_phrase_shares_count_the_question_word_pairs_each_text_holds_in_order():
    question = "the IRO should be proactive about the plan"  # 8 words, 7 pairs
    texts = ["The IRO should be proactive about the plan, always.", "plan the about proactive be should IRO the", ""]
    assert rank.phrase_shares(question, texts) == [1.0, 0.0, 0.0]
    assert rank.phrase_shares("IRO between reviews", texts) is None  # too short to be a remembered sentence
    half = rank.phrase_shares("one two three four five six seven", ["one two three four and more"])
    assert half == [3 / 6]


def test_phrase_evidence_lifts_the_quoted_passage_only_when_the_question_quotes_one():
    fused = {1: 0.9, 2: 0.5}
    assert rank.with_phrase_evidence(fused, {1: 0.2, 2: 0.4}) == fused  # nobody holds half the pairs
    lifted = rank.with_phrase_evidence(fused, {1: 0.1, 2: 0.8})
    assert rank.ordered(lifted)[0][0] == 2 and lifted[2] == 0.5 + 0.8


"""The evaluation: matching labels to passages, the metrics, the table, and the labels on real reports."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from dscb_assistant import evaluate
from dscb_assistant.evaluate import Answer, Question, answers_in, score_ranking
from dscb_assistant.records import Passage

REPO = Path(__file__).resolve().parents[1]
REALDEV_PDFS = REPO.parent / "shared" / "realdev" / "pdfs"
needs_realdev = pytest.mark.skipif(not REALDEV_PDFS.is_dir(), reason=f"real development PDFs not at {REALDEV_PDFS}")


def passage(text, file="r.pdf", page=1, page_end=None):
    return Passage(f"{file}:{page}:{hash(text)}", file, page, page_end or page, "", "", "", text)


def test_a_quote_matches_across_line_breaks_apostrophes_and_case():
    p = passage("IROs actively monitor\nchildren's welfare in between reviews, and escalate.")
    assert answers_in(p, [Answer("r.pdf", 1, "IROs actively monitor children\u2019s WELFARE in between")]) == {0}
    assert answers_in(p, [Answer("r.pdf", 1, "IROs actively monitor children in between")]) == set()


def test_a_cut_quote_counts_only_where_the_passage_covers_the_labelled_page():
    quote = "one two three four five six seven eight nine ten"
    start = passage("Text before. one two three four five and the passage ends here", page=4)
    assert answers_in(start, [Answer("r.pdf", 4, quote)]) == {0}
    assert answers_in(start, [Answer("r.pdf", 9, quote)]) == set()  # the same words on another page are not the answer


def test_another_report_counts_only_for_a_long_quote_copied_whole():
    copy = passage("summary: one two three four five six seven eight nine ten", file="summary.pdf")
    assert answers_in(copy, [Answer("r.pdf", 1, "one two three four five six seven eight")]) == {0}
    assert answers_in(copy, [Answer("r.pdf", 1, "one two three four five six seven")]) == set()


def test_score_ranking_against_hand_computed_values():
    good, other = passage("the labelled sentence is here"), passage("nothing to see")
    answers = [Answer("r.pdf", 1, "the labelled sentence is here")]
    scores = score_ranking([other, good], answers, [other, good], k=10)
    assert scores["ndcg"] == pytest.approx(1 / math.log2(3))
    assert scores["mrr"] == 0.5 and scores["recall"] == 1.0


def test_table_gives_each_value_with_its_ratio_to_bm25_and_a_dash_where_not_measured():
    real = {"BM25 alone": {"ndcg": 0.5, "recall": 0.6, "mrr": 0.5, "known": 0.8},
            "final ranking": {"ndcg": 0.55, "recall": 0.6, "mrr": 0.6, "known": 0.96}}
    fiction = {"BM25 alone": {"ndcg": 0.66, "recall": 0.78, "mrr": 0.69},
               "final ranking": {"ndcg": 0.759, "recall": 0.87, "mrr": 0.79}}
    table = evaluate.format_table({"real": (real, "on real PDFs"), "fiction": (fiction, "on the sample")})
    final = next(line for line in table.splitlines() if line.startswith("| final ranking"))
    assert final == ("| final ranking | 0.550 (1.10x) | 0.600 (1.00x) | 0.600 (1.20x) | 0.960 (1.20x) "
                     "| 0.759 (1.15x) | 0.870 (1.12x) | 0.790 (1.14x) | - |")
    assert "- real: on real PDFs" in table and "- fiction: on the sample" in table


def test_halves_split_by_question_number():
    qs = [Question(f"realdev-q{n}", "", "", ()) for n in (1, 2, 3, 10)]
    odd, even = evaluate.split_halves(qs)
    assert [q.id for q in odd] == ["realdev-q1", "realdev-q3"] and [q.id for q in even] == ["realdev-q2", "realdev-q10"]


def test_evaluate_says_clearly_when_the_real_reports_and_the_index_are_absent(tmp_path, capsys):
    status = evaluate.main(["--realdev", str(tmp_path / "nowhere"), "--index", str(tmp_path / "no-index")])
    err = capsys.readouterr().err
    assert status == 1
    assert f"Real reports: NOT EVALUATED. The real development PDFs are not at {tmp_path / 'nowhere'}" in err
    assert "--realdev DIR" in err
    assert "Sample fiction: not evaluated" in err


def test_realdev_labels_are_many_varied_and_name_report_page_and_quote():
    questions = evaluate.load_questions(evaluate.REALDEV_LABELS / "questions.jsonl")
    known = evaluate.load_known_items()
    assert len(questions) >= 80 and len(known) >= 30
    assert {q.persona for q in questions} == {"social worker", "trainer", "new staff"}
    words = " ".join(q.text for q in questions).split()
    for abbreviation in ("LAC", "CAMHS", "EHCP", "PEP", "IRO", "SGO", "CSE", "MARAC", "LADO"):
        assert any(w.strip("?,.-") == abbreviation for w in words), abbreviation
    assert all(a.file.endswith(".pdf") and a.page >= 1 and a.quote for q in questions for a in q.answers)
    assert sum(not k.verbatim for k in known) >= 5  # some are remembered loosely, as people do
    rows = [json.loads(line) for line in (evaluate.REALDEV_LABELS / "questions.jsonl").read_text().splitlines()]
    assert all("passage" not in json.dumps(r) for r in rows)  # never passage ids: labels survive re-chunking


def _checker_module():
    spec = importlib.util.spec_from_file_location("check_eval_labels", REPO / "tools" / "check_eval_labels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_realdev
def test_every_realdev_label_is_on_its_page_in_the_pdf_text():
    checker = _checker_module()
    assert checker.check_realdev(REALDEV_PDFS, set()) == 0


@needs_realdev
def test_the_label_checker_catches_a_wrong_page_and_a_made_up_quote():
    module = _checker_module()
    checker = module.Checker(set(), corpus=REALDEV_PDFS)
    file = "ofsted-ilacs-cambridgeshire-2024.pdf"
    checker.check_quote("right", file, "Children come into care when necessary", 5)
    assert checker.failures == 0
    checker.check_quote("wrong page", file, "Children come into care when necessary", 6)
    checker.check_quote("made up", file, "Children are never left in neglect for long", 4)
    assert checker.failures == 2


@needs_realdev
def test_cut_sentences_are_on_the_page_they_name_in_plain_pdf_text():
    from pypdf import PdfReader

    items = evaluate.cut_sentences(REALDEV_PDFS, n=5, seed=3)
    assert len(items) == 5 and items == evaluate.cut_sentences(REALDEV_PDFS, n=5, seed=3)  # the same every run
    for item in items:
        page = " ".join((PdfReader(REALDEV_PDFS / item.file).pages[item.page - 1].extract_text() or "").split())
        assert item.text in page and len(item.text.split()) >= 8

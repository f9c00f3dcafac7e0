"""Chunking: verbatim passages of sensible size that know their page, section and paragraph number."""

from __future__ import annotations

from dscb_assistant.chunk import chunk_pages, document_text, sentence_spans
from dscb_assistant.records import Page

from .pdfs import words


def _pages(*texts: str) -> list[Page]:
    return [Page(number=i, label="", text=t) for i, t in enumerate(texts, start=1)]


def test_every_passage_is_a_verbatim_slice_of_its_pages():
    pages = _pages(
        "1. Introduction\n\n1.1 " + words(90) + "\n\n1.2 " + words(50),
        "2. Findings\n\n2.1 " + words(450) + "\n\n2.2 " + words(30),
        "2.3 " + words(20),
    )
    passages = chunk_pages(pages, "r.pdf", "ab" * 32)
    assert passages
    for p in passages:
        assert p.text in "\n\n".join(pg.text for pg in pages[p.page - 1 : p.page_end])
        assert p.text == p.text.strip()


def test_sizes_sections_and_paragraph_numbers():
    pages = _pages("1. Introduction\n\n1.1 " + words(90), "2. Findings\n\n2.1 " + words(450))
    passages = chunk_pages(pages, "r.pdf", "cd" * 32, min_words=60, max_words=200)
    assert [p.section for p in passages][0] == "1. Introduction"
    assert passages[0].paragraph == "1.1"
    long_parts = [p for p in passages if p.section == "2. Findings"]
    assert len(long_parts) >= 3
    assert all(len(p.text.split()) <= 200 for p in passages)
    assert all(p.page == 2 for p in long_parts)


def test_long_paragraph_pieces_overlap_by_one_sentence():
    pages = _pages("Findings\n\n" + words(500))
    parts = chunk_pages(pages, "r.pdf", "ef" * 32, overlap_sentences=1)
    assert len(parts) >= 3
    for a, b in zip(parts, parts[1:]):
        last_sentence = a.text[a.text.rstrip(".").rfind(". ") + 2 :]
        assert b.text.startswith(last_sentence)


def test_paragraph_continuing_over_a_page_break_is_one_passage_spanning_pages():
    pages = _pages("Analysis\n\nThe school raised concerns about", "attendance and hunger. " + words(40))
    passages = chunk_pages(pages, "r.pdf", "01" * 32)
    spanning = [p for p in passages if "concerns about" in p.text]
    assert spanning and spanning[0].page == 1 and spanning[0].page_end == 2
    assert spanning[0].text in document_text(pages)


def test_short_paragraphs_are_grouped_under_their_heading():
    pages = _pages("Key learning\n\n- Seek the father.\n\n- See the child alone.\n\n- Check the history.\n\nNext Steps\n\n" + words(70))
    passages = chunk_pages(pages, "r.pdf", "23" * 32)
    assert passages[0].section == "Key learning"
    assert "Seek the father." in passages[0].text and "Check the history." in passages[0].text
    assert passages[1].section == "Next Steps"


def test_sentence_spans_do_not_break_after_titles_or_abbreviations():
    text = "Dr. Smith saw Mr. Jones on 3 May. The GP, e.g. the duty doctor, was told. It ended."
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Dr. Smith saw Mr. Jones on 3 May.", "The GP, e.g. the duty doctor, was told.", "It ended."]


def test_passage_ids_are_unique_and_stable():
    pages = _pages("Intro\n\n" + words(300))
    a = chunk_pages(pages, "r.pdf", "45" * 32)
    b = chunk_pages(pages, "r.pdf", "45" * 32)
    assert [p.id for p in a] == [p.id for p in b]
    assert len({p.id for p in a}) == len(a)


def test_sentence_case_subheading_before_a_numbered_paragraph_becomes_the_section():
    pages = _pages("6. Analysis\n\n6.1 " + words(40) + "\n\nBruising to a baby who was not yet mobile\n\n6.2 " + words(150, 2))
    passages = chunk_pages(pages, "r.pdf", "67" * 32)
    assert passages[-1].section == "Bruising to a baby who was not yet mobile"
    assert all("not yet mobile" not in p.text for p in passages)


def test_footnotes_are_their_own_passages_and_a_paragraph_runs_on_past_them():
    pages = _pages(
        "Analysis\n\n\u00b9 Board protocol on bruising.\n\n\u00b2 A skeletal survey is a series of X-rays.\n\n"
        "6.7 " + words(60) + " The tools must make that",
        "rule unavoidable.\n\nNext Part\n\n" + words(70, 3),
    )
    passages = chunk_pages(pages, "r.pdf", "89" * 32)
    notes = [p for p in passages if p.section == "Footnote"]
    assert [n.text for n in notes] == ["\u00b9 Board protocol on bruising.", "\u00b2 A skeletal survey is a series of X-rays."]
    run_on = next(p for p in passages if "must make that" in p.text)
    assert run_on.text.endswith("rule unavoidable.") and (run_on.page, run_on.page_end) == (1, 2)

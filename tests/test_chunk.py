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


# -- from real layout: headings from type, footnotes out, tables kept together (through the ingest stages) --

def _read(tmp_path, pages, **kwargs):
    from dscb_assistant.ingest import read_report
    from dscb_assistant.settings import Settings

    from .pdfs import make_pdf

    path = make_pdf(tmp_path / "r.pdf", pages, **kwargs)
    return read_report(str(path), "r.pdf", Settings().chunking).passages


def test_sections_come_from_headings_set_in_heading_type_not_from_first_lines(tmp_path):
    passages = _read(tmp_path, [[
        "# ES2 Interpreting",
        "4.2.3 Over the following year the school\nraised concerns about attendance and hunger. " + words(60),
        "# Appendix B: Terms of reference",
        words(70, 2),
    ]])
    assert passages[0].section == "ES2 Interpreting"
    assert passages[0].text.startswith("4.2.3 Over the following year the school raised concerns")  # not a heading
    assert passages[-1].section == "Appendix B: Terms of reference"
    assert all(p.section != " ".join(p.text.split()[: len(p.section.split())]) for p in passages)


def test_footnotes_signatures_and_table_cells_never_become_sections(tmp_path):
    passages = _read(tmp_path, [
        ["# Foreword", words(90), "# Edward Timpson MP", "Parliamentary Under Secretary of State",
         "~ 9 Section 47 of the Children Act 1989"],
        ["# Findings", words(80, 3), "# Yes No", "Yes", "No"],
    ])
    sections = {p.section for p in passages}
    assert "Foreword" in sections and "Findings" in sections
    assert not sections & {"Edward Timpson MP", "Yes No", "9 Section 47 of the Children Act 1989"}
    assert not any("Section 47 of the Children Act" in p.text for p in passages)  # footnotes are not ranked


def test_chronology_rows_stay_together_with_their_column_headings_as_a_table(tmp_path):
    rows = ["Date Agency Event", "19/09/2015 Ambulance service Emergency call at 06:12.",
            "20/09/2015 Police Strategy discussion held.", "21/09/2015 Hospital Skeletal survey."]
    passages = _read(tmp_path, [["# 5. Chronology", words(70)] + rows + [words(70, 4)]])
    tables = [p for p in passages if p.kind == "table"]
    assert len(tables) == 1
    assert tables[0].text.startswith("Date Agency Event") and "21/09/2015" in tables[0].text
    assert all(p.kind == "text" for p in passages if p is not tables[0])
    assert all(len(p.text.split()) >= 12 for p in passages)  # no lone cell such as "19/09/2015"


def test_paragraph_over_a_page_break_is_one_passage_without_the_running_footer(tmp_path):
    passages = _read(tmp_path, [
        [words(150), "The social worker visited the family on the Friday and spoke with the mother about"],
        ["the arrangements for the weekend. " + words(60, 2)],
        [words(80, 3)],
    ], footer="11 to 15 December 2023", page_numbers=True)
    spanning = next(p for p in passages if "mother about" in p.text)
    assert (spanning.page, spanning.page_end) == (1, 2)
    assert "mother about the arrangements for the weekend." in " ".join(spanning.text.split())
    assert "December" not in spanning.text and "Page" not in spanning.text


def test_list_items_stay_with_their_lead_in_and_no_passage_opens_with_a_symbol_font_bullet():
    pages = _pages("Planning\n\n" + words(150) + "\n\nThe pathway plan must:\n\n\uf0b7 set out the support;\n\n"
                   "\uf0b7 name the personal adviser; and\n\n\uf0b7 be reviewed every six months.\n\n\uf0b7 Leaders should check it.")
    passages = chunk_pages(pages, "r.pdf", "ab" * 32, max_words=160)
    lead = next(p for p in passages if "pathway plan must:" in p.text)
    assert "be reviewed every six months." in lead.text
    assert not any(p.text.startswith("\uf0b7") for p in passages)


def test_a_fragment_no_neighbour_can_take_is_marked_and_not_indexed():
    from dscb_assistant.ingest import INDEXED_KINDS

    pages = _pages("Findings\n\n" + words(70) + "\n\nKey Learning\n\n17\n\nNext Steps\n\n" + words(70, 2))
    passages = chunk_pages(pages, "r.pdf", "cd" * 32)
    assert [p.kind for p in passages if p.text == "17"] == ["fragment"]
    assert "fragment" not in INDEXED_KINDS and "footnote" not in INDEXED_KINDS

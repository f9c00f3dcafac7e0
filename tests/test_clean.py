"""Cleaning: running headers and footers, page numbers, contents pages, hyphenation, ligatures, paragraphs."""

from __future__ import annotations

from dscb_assistant.clean import clean_pages, looks_like_heading, search_text
from dscb_assistant.extract import read_pdf

from .pdfs import make_pdf, words

HEADER = "Northmere Safeguarding Children Board Serious Case Review Baby K"
FOOTER = "OFFICIAL"


def _page(body: str, n: int, total: int = 5) -> str:
    return f"{HEADER}\n{body}\n{FOOTER}\nPage {n} of {total}"


def test_running_headers_footers_and_page_numbers_removed():
    bodies = ["The father was not assessed.", "The GP knew of the injury.", "School raised concerns.",
              "The baby was seen at home.", "Police shared the log."]
    cleaned = clean_pages([_page(body, i) for i, body in enumerate(bodies, start=1)])
    assert cleaned == bodies


def test_headers_removed_from_a_real_pdf(tmp_path):
    body = [[f"# {i + 4}. Section", words(120, seed=i)] for i in range(1, 5)]
    path = make_pdf(tmp_path / "r.pdf", body, header="Westshire Safeguarding Children Board", footer="OFFICIAL",
                    page_numbers=True)
    cleaned = clean_pages(read_pdf(path).pages)
    joined = "\n".join(cleaned)
    assert "Westshire" not in joined
    assert "Page " not in joined
    assert "OFFICIAL" not in joined
    assert cleaned[0].startswith("5. Section")


def test_stray_page_number_lines_removed_but_numbers_in_text_kept():
    pages = [f"Text on page {i} mentions 3 visits.\n{i}" for i in range(1, 5)]
    assert clean_pages(pages)[2] == "Text on page 3 mentions 3 visits."


def test_contents_page_with_dot_leaders_removed():
    contents = "Contents\n1. Introduction ........................ 3\n2. Background ............ 5\n3. Findings and\nlearning ............ 9\n4. Recommendations ........ 12"
    cleaned = clean_pages([contents, "1. Introduction\nThe review began in May."])
    assert cleaned[0] == ""
    assert "The review began in May." in cleaned[1]


def test_hyphenation_rejoined_but_real_hyphens_kept():
    page = (
        "The social worker did not consider the safe-\n"
        "guarding needs of the non-\n"
        "mobile baby, and the self-\n"
        "harm was not explored. Safeguarding matters."
    )
    text = clean_pages([page])[0]
    assert "safeguarding needs" in text
    assert "non-mobile baby" in text
    assert "self-harm" in text


def test_shown_text_keeps_ligatures_fractions_and_superscripts_and_search_text_folds_them():
    text = clean_pages(["The ﬁnal report was\u00a0ﬂagged to the GP.\u200b The room was 10m\u00b2, \u00bd full."])[0]
    assert text == "The ﬁnal report was ﬂagged to the GP. The room was 10m\u00b2, \u00bd full."
    assert search_text(text) == "The final report was flagged to the GP. The room was 10m, 1\u20442 full."


def test_line_end_hyphen_kept_unless_the_joined_word_is_printed_and_the_hyphenated_one_is_not():
    page = ("Her well-\nbeing and the risk-\ntaking were noted by the step-\nfather. The inter-\nagency plan and the\n"
            "interagency fee differ; inter-agency meetings were held. The organ-\nisation and the safe-\nguarding lead\n"
            "said safeguarding was shared.")
    text = clean_pages([page])[0]
    assert "well-being" in text and "risk-taking" in text and "step-father" in text and "organ-isation" in text
    assert "inter-agency plan" in text  # "inter-agency" is printed too, so the hyphen is the report's
    assert "safeguarding lead" in text


def test_paragraph_breaks_kept():
    page = (
        "1.1 The first paragraph is about the health visitor and it runs on for quite a long line of text here\n"
        "and ends here.\n"
        "1.2 The second paragraph starts with its own number and is also long enough to wrap onto a line\n"
        "then ends."
    )
    paragraphs = clean_pages([page])[0].split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("1.1 ") and paragraphs[1].startswith("1.2 ")


def test_heading_detection():
    assert looks_like_heading("3. Findings")
    assert looks_like_heading("Information Sharing Between Agencies")
    assert looks_like_heading("KEY LEARNING")
    assert not looks_like_heading("The father was not seen.")
    assert not looks_like_heading("and the school nurse did not know about the referral")


def test_cleaning_never_raises_on_odd_text():
    for odd in ["", "\n\n\n", "-", "\u00ad", "....... 3", "1\n2\n3", "\x00\x01", "ﬁ" * 50]:
        clean_pages([odd, odd, odd])


def test_chapter_running_heads_with_page_numbers_removed():
    heads = ["Chapter 2: Background 4", "Chapter 2: Background 5", "Chapter 3: Findings 6", "Chapter 3: Findings 7",
             "Chapter 4: Recommendations 8"]
    bodies = ["The family moved twice.", "The GP was not told.", "Nobody saw the father.", "Records were lost.",
              "Agencies should share records."]
    cleaned = clean_pages(["x"] * 3 + [f"{h}\n{b}" for h, b in zip(heads, bodies)])
    assert cleaned[3:] == bodies[:4] + ["Chapter 4: Recommendations 8\n\nAgencies should share records."]


def test_running_head_with_printed_page_numbers_offset_from_physical_pages():
    # Cover and contents come first, so printed page 1 is physical page 3.
    bodies = ["The family moved twice.", "The GP was not told.", "Nobody saw the father.", "Records were lost."]
    pages = ["Cover", "Contents"] + [f"Serious Case Review: Child Q | {n}\n{b}" for n, b in enumerate(bodies, start=1)]
    assert clean_pages(pages)[2:] == bodies


def test_numbered_headings_at_the_top_of_pages_are_kept():
    agencies = ["police", "health", "education", "housing", "probation"]
    pages = [f"{n}. Findings: {a}\nThe {a} records were read by the panel." for n, a in zip(range(3, 8), agencies)]
    cleaned = clean_pages(pages)
    assert all(text.startswith(f"{n}. Findings") for n, text in zip(range(3, 8), cleaned))


def test_footnote_markers_and_footnotes():
    pages = [
        "2.1 The protocol was issued in 2013\u00b9 and not followed. The training, supervision and recording tools\n"
        "must make that\n\u00b9 Board protocol on bruising, March 2013.\n\u00b2 A skeletal survey is a series of X-rays.",
        "rule unavoidable.\n2.2 The GP was not told.",
    ]
    first, second = clean_pages(pages)
    assert "2013\u00b9 and not followed" in first  # shown as printed
    assert "2013 and not followed" in search_text(first)  # searched without the marker glued in ("20131")
    # The paragraph runs on to the next page, so the footnotes move to the top of their page.
    assert first.startswith("\u00b9 Board protocol on bruising, March 2013.\n\n\u00b2 A skeletal survey")
    assert first.endswith("must make that")
    assert second.startswith("rule unavoidable.")


def test_footnotes_stay_at_the_bottom_when_the_text_does_not_run_on():
    pages = ["The review ended in May.\n\u00b9 Working Together (2018).", "New Chapter\nThe next page."]
    assert clean_pages(pages)[0] == "The review ended in May.\n\n\u00b9 Working Together (2018)."


def test_lone_short_line_before_numbered_paragraph_is_a_paragraph_of_its_own():
    page = ("Abusive head trauma and the signs that were missed by everyone\n"
            "6.9 Abusive head trauma is the most common cause of death from physical abuse in babies under one year.")
    paragraphs = clean_pages([page])[0].split("\n\n")
    assert paragraphs[0] == "Abusive head trauma and the signs that were missed by everyone"
    assert paragraphs[1].startswith("6.9 ")

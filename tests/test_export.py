"""Exports quote every excerpt verbatim with its full citation, and add nothing else of substance."""

from __future__ import annotations

import io

import pytest

from dscb_assistant.export import HEADING, VERBATIM_NOTE, citation, escape_markdown, published_link, to_docx, to_markdown
from dscb_assistant.records import Hit, Passage, ReportMeta


def make_hit(text: str, *, url: str = "", title: str = "Serious Case Review: Child C", page: int = 4,
             page_end: int | None = None, label: str = "2", pid: str = "p1") -> Hit:
    report = ReportMeta(file="sub/child-c.pdf", title=title, board="Testshire Safeguarding Children Partnership",
                        year=2019, review_type="serious case review", url=url, sha256="0" * 64, pages=12)
    passage = Passage(id=pid, file=report.file, page=page, page_end=page_end or page, page_label=label,
                      section="4. Findings", paragraph="4.2", text=text, themes=("domestic-abuse",))
    return Hit(rank=1, score=1.0, passage=passage, report=report, link="")


def docx_paragraphs(data: bytes) -> list[tuple[str, str]]:
    from docx import Document

    document = Document(io.BytesIO(data))
    return [(p.style.name, p.text) for p in document.paragraphs]


def test_citation_has_every_field():
    hit = make_hit("text", page=4, page_end=5)
    assert citation(hit) == (
        "Serious Case Review: Child C. Testshire Safeguarding Children Partnership, 2019. Serious case review. "
        "Pages 4-5 (printed page 2), section \u201c4. Findings\u201d, paragraph 4.2."
    )


def test_published_link_only_for_web_addresses():
    assert published_link(make_hit("t", url="https://example.org/r.pdf#x")) == "https://example.org/r.pdf#page=4"
    assert published_link(make_hit("t", url="javascript:alert(1)")) == ""
    assert published_link(make_hit("t")) == ""


def test_docx_quotes_verbatim_with_citation_and_link():
    first = "The father's violence was known to police but not shared with the school.\n\nA second paragraph."
    second = "Information sharing between police & health was weak \u2013 see \u00a74."
    data = to_docx([make_hit(first, url="https://example.org/c.pdf"), make_hit(second, pid="p2", page=7, label="")],
                   notice="Fictional sample.")
    paragraphs = docx_paragraphs(data)
    texts = [t for _, t in paragraphs]
    assert texts[0] == HEADING and texts[1] == VERBATIM_NOTE and texts[2] == "Fictional sample."
    quotes = [t for style, t in paragraphs if style == "Quote"]
    assert quotes == ["The father's violence was known to police but not shared with the school.",
                      "A second paragraph.", second]
    assert any(t.startswith("Source: Serious Case Review: Child C. Testshire") for t in texts)
    assert "Link: https://example.org/c.pdf#page=4" in texts
    assert "File: sub/child-c.pdf" in texts  # no published url: the file name, never a made-up link

    from docx import Document

    rels = Document(io.BytesIO(data)).part.rels.values()
    assert "https://example.org/c.pdf#page=4" in [r.target_ref for r in rels if r.is_external]


def test_docx_survives_control_characters_from_pdfs():
    data = to_docx([make_hit("Form\x0cfeed and \x00null \x1b escape.")])
    assert "Formfeed and null  escape." in [t for _, t in docx_paragraphs(data)]


def test_markdown_quotes_and_escapes_so_it_renders_as_written():
    text = "*Not emphasis* and <script>x</script> and [a](link) &amp;\n\n1. not a list\n# not a heading"
    md = to_markdown([make_hit(text, url="https://example.org/c.pdf")])
    assert md.startswith(f"# {HEADING}\n")
    assert "> \\*Not emphasis\\* and \\<script\\>x\\</script\\> and \\[a\\](link) \\&amp;" in md
    assert "> 1\\. not a list" in md and "> \\# not a heading" in md
    assert "Link: <https://example.org/c.pdf#page=4>" in md


@pytest.mark.parametrize("text", ["plain", "a_b*c", "<b>", "# h", "- item", "2) x", "&lt;"])
def test_markdown_escape_renders_back_to_the_text(text):
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt().render(escape_markdown(text))
    import html
    import re

    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == text


# -- the same links, labels and joined paragraphs in every export ----------------------------------
def test_markdown_leaves_paragraph_numbers_alone():
    text = "9.1 The school knew.\n9.1.2 So did the GP.\n2019 was the year.\n#hashtag and -dash and 3)x"
    md = to_markdown([make_hit(text)])
    assert "> 9.1 The school knew." in md and "> 9.1.2 So did the GP." in md
    assert "> #hashtag and -dash and 3)x" in md
    assert "\\." not in md.split("## 1.", 1)[1].split("Source:")[0]


@pytest.mark.parametrize("text", ["9.1 The school", "10.2.3 x", "#tag", "-x", "2019. A year", "---", "==", "+ y",
                                  "1) a", "12. Twelve"])
def test_markdown_escape_renders_back_numbered_and_list_like_lines(text):
    markdown_it = pytest.importorskip("markdown_it")
    import html
    import re

    rendered = markdown_it.MarkdownIt().render(escape_markdown(text))
    assert rendered.startswith("<p>"), rendered  # a paragraph, never a list, heading or rule
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == text


def test_word_author_is_the_app_not_the_library():
    from docx import Document

    properties = Document(io.BytesIO(to_docx([make_hit("text")]))).core_properties
    assert properties.author == "DSCB Learning Assistant"
    assert properties.last_modified_by == "DSCB Learning Assistant"


def test_exports_use_the_link_given_and_label_sample_excerpts():
    from docx import Document

    hits = [make_hit("From the sample."), make_hit("From a real report.", pid="p2", title="Real review")]
    hits[1] = Hit(rank=1, score=1.0, passage=hits[1].passage, report=ReportMeta(
        file="real.pdf", title="Real review", board="B", year=2020, review_type="other", url="", sha256="1" * 64, pages=3),
        link="")
    link = {"sub/child-c.pdf": "http://localhost:8501/app/static/corpus/sub/child-c.pdf#page=4", "real.pdf": ""}
    md = to_markdown(hits, link_for=lambda h: link[h.report.file], sample_files={"sub/child-c.pdf"})
    first, second = md.split("## 2.")
    assert "Link: <http://localhost:8501/app/static/corpus/sub/child-c.pdf#page=4>" in first
    assert "Fictional sample report" in first and "Fictional sample report" not in second
    assert "File: real.pdf" in second
    data = to_docx(hits, link_for=lambda h: link[h.report.file], sample_files={"sub/child-c.pdf"})
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert sum("Fictional sample report" in t for t in texts) == 1
    targets = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert targets == ["http://localhost:8501/app/static/corpus/sub/child-c.pdf#page=4"]


def split_paragraph_hits() -> tuple[Hit, Hit]:
    """Two pieces of one long paragraph as chunking makes them: the second repeats the first's last sentence."""
    first = "4.2 The health visitor saw the bruise. She accepted the account. No referral was made."
    second = "No referral was made. The GP was not told either."
    a = make_hit(first, pid="abcdef123456-0012")
    b = make_hit(second, pid="abcdef123456-0013", page=5, label="3")
    b = Hit(rank=2, score=1.0, passage=Passage(**{**b.passage.to_dict(), "paragraph": "", "themes": ()}),
            report=b.report, link="")
    return a, b


def test_a_paragraph_split_over_two_passages_is_one_quotation():
    from dscb_assistant.export import excerpts

    a, b = split_paragraph_hits()
    joined = excerpts([a, b])
    assert len(joined) == 1
    assert joined[0].passage.text == ("4.2 The health visitor saw the bruise. She accepted the account. "
                                      "No referral was made. The GP was not told either.")
    assert (joined[0].passage.page, joined[0].passage.page_end, joined[0].passage.paragraph) == (4, 5, "4.2")
    md = to_markdown([a, b])
    assert md.count("## ") == 1 and "No referral was made. The GP" in md and md.count("No referral was made") == 1
    quotes = [t for style, t in docx_paragraphs(to_docx([a, b])) if style == "Quote"]
    assert quotes == [joined[0].passage.text]


def test_passages_not_in_sequence_stay_separate():
    from dscb_assistant.export import excerpts

    a, b = split_paragraph_hits()
    assert len(excerpts([b, a])) == 2  # the continuation collected before its start
    other = Hit(rank=3, score=1.0, passage=Passage(**{**b.passage.to_dict(), "id": "abcdef123456-0014"}),
                report=b.report, link="")
    assert len(excerpts([a, other])) == 2  # not the next passage
    numbered = Hit(rank=3, score=1.0, passage=Passage(**{**b.passage.to_dict(), "text": "4.3 A new paragraph.",
                                                           "paragraph": "4.3"}), report=b.report, link="")
    assert len(excerpts([a, numbered])) == 2


# -- the seminar deck --------------------------------------------------------------------------------
def slides(data: bytes) -> list[dict[str, object]]:
    """Each slide's text by shape name, and its hyperlinks."""
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    found = []
    for slide in deck.slides:
        shapes = {shape.name: shape.text_frame.text for shape in slide.shapes if shape.has_text_frame}
        links = [run.hyperlink.address for shape in slide.shapes if shape.has_text_frame
                 for p in shape.text_frame.paragraphs for run in p.runs if run.hyperlink.address]
        found.append({"shapes": shapes, "links": links, "text": " ".join(shapes.values())})
    return found


def test_deck_quotes_cites_links_and_labels_every_sample_slide():
    from pptx import Presentation

    from dscb_assistant.seminar import to_pptx

    sample = make_hit("The father's violence was known to police but not shared with the school.\n\nA second paragraph.",
                      url="https://example.org/c.pdf")
    real = Hit(rank=2, score=1.0, passage=Passage(**{**sample.passage.to_dict(), "id": "p9", "file": "real.pdf",
                                                     "text": "Information sharing was weak.", "page": 7, "page_end": 7}),
               report=ReportMeta(file="real.pdf", title="Real review", board="Realshire", year=2021,
                                 review_type="learning review", url="", sha256="1" * 64, pages=9), link="")
    data = to_pptx([sample, real], notice="Fictional sample.", sample_files={"sub/child-c.pdf"})
    deck = slides(data)
    assert len(deck) == 4  # title, two excerpts, sources
    assert "Fictional sample." in deck[0]["text"]
    first, second = deck[1], deck[2]
    assert first["shapes"]["Quotation"] == sample.passage.text.replace("\n\n", "\n\n")
    assert first["shapes"]["Quotation"].split() == sample.passage.text.split()
    assert first["shapes"]["Citation"] == citation(sample)
    for field in ("Serious Case Review: Child C", "Testshire", "2019", "4. Findings", "paragraph 4.2", "Page 4"):
        assert field in first["shapes"]["Citation"]
    assert first["links"] == ["https://example.org/c.pdf#page=4"]
    assert "Fictional sample report" in first["shapes"]["Sample label"]
    assert second["shapes"]["Quotation"] == "Information sharing was weak."
    assert "Sample label" not in second["shapes"] and second["links"] == []
    assert "File: real.pdf, page 7" in second["shapes"]["Link"]
    assert "Serious Case Review: Child C" in deck[3]["text"] and "Real review. Realshire, 2021." in deck[3]["text"]
    assert deck[3]["links"] == ["https://example.org/c.pdf"]
    assert "Fictional sample report" in deck[3]["shapes"]["Sample label"]
    assert Presentation(io.BytesIO(data)).core_properties.author == "DSCB Learning Assistant"


def test_long_quotation_continues_on_another_slide_with_every_word():
    from dscb_assistant.seminar import QUOTE_SIZES, to_pptx

    text = " ".join(f"Sentence {i} says what the nurse saw and what she did about it." for i in range(60))
    deck = slides(to_pptx([make_hit(text)], sample_files={"sub/child-c.pdf"}))
    quoted = [s for s in deck if "Quotation" in s["shapes"]]
    assert len(quoted) >= 2
    assert " ".join(s["shapes"]["Quotation"] for s in quoted).split() == text.split()  # nothing cut, nothing added
    assert all(s["shapes"]["Quotation"].rstrip().endswith(".") for s in quoted)  # pieces end between sentences
    assert all("Fictional sample report" in s["shapes"]["Sample label"] for s in quoted)
    assert "(1 of" in quoted[0]["text"] and "continues on the next slide" in quoted[0]["text"]
    lengths = [len(s["shapes"]["Quotation"].split()) for s in quoted]
    assert min(lengths) >= 0.5 * max(lengths)  # filled evenly, not a last slide of a few words

    from pptx import Presentation
    from pptx.util import Pt

    sizes = {run.font.size for slide in Presentation(io.BytesIO(to_pptx([make_hit(text)]))).slides
             for shape in slide.shapes if shape.name == "Quotation"
             for p in shape.text_frame.paragraphs for run in p.runs}
    assert sizes == {Pt(QUOTE_SIZES[-1])}  # never smaller than the smallest readable size


def test_medium_quotation_shrinks_to_stay_on_one_slide():
    from pptx import Presentation
    from pptx.util import Pt

    from dscb_assistant.seminar import QUOTE_SIZES, to_pptx

    short, medium = make_hit("A short finding."), make_hit(" ".join(["The review found that"] * 40), pid="p2")
    deck = Presentation(io.BytesIO(to_pptx([short, medium])))
    sizes = [run.font.size for slide in deck.slides for shape in slide.shapes if shape.name == "Quotation"
             for run in shape.text_frame.paragraphs[0].runs]
    assert sizes[0] == Pt(QUOTE_SIZES[0]) and Pt(QUOTE_SIZES[-1]) <= sizes[1] < sizes[0]
    assert len([s for s in deck.slides if any(sh.name == "Quotation" for sh in s.shapes)]) == 2


def test_deck_joins_a_split_paragraph_and_survives_control_characters():
    from dscb_assistant.seminar import to_pptx

    a, b = split_paragraph_hits()
    deck = slides(to_pptx([a, b, make_hit("Form\x0cfeed \x00 here.", pid="p7")]))
    quotes = [s["shapes"]["Quotation"] for s in deck if "Quotation" in s["shapes"]]
    assert quotes == ["4.2 The health visitor saw the bruise. She accepted the account. No referral was made. "
                      "The GP was not told either.", "Formfeed  here."]


def test_deck_opens_in_libreoffice_with_every_word_on_its_slides(tmp_path):
    import shutil
    import subprocess

    from pypdf import PdfReader

    from dscb_assistant.seminar import to_pptx

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-impress to render decks)")
    text = " ".join(f"Sentence {i} says what the nurse saw and what she did about it." for i in range(40))
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(to_pptx([make_hit("A short finding about the school."), make_hit(text, pid="p2")],
                             sample_files={"sub/child-c.pdf"}))
    done = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    pages = [page.extract_text() for page in PdfReader(tmp_path / "deck.pdf").pages]
    quoted = " ".join(p for p in pages if "Sentence" in p)
    assert all(f"Sentence {i} says" in " ".join(quoted.split()) for i in range(40))  # nothing fell off a slide
    assert all("Fictional sample report" in p for p in pages[1:-1])

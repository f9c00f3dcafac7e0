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

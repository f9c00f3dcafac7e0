"""Export: a trainer's collection of excerpts as Word (.docx) or Markdown, quoted verbatim with full citations."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from .records import Hit

HEADING = "Collected excerpts from child safeguarding case reviews"
VERBATIM_NOTE = (
    "Each excerpt is quoted exactly as it appears in the published report, with its source. "
    "Nothing here has been generated or reworded."
)
# Characters XML 1.0 cannot hold; PDF text sometimes carries them (form feeds, stray controls).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])", re.MULTILINE)


def citation(hit: Hit) -> str:
    """The full citation of an excerpt: title, board, year, review type, pages, section and paragraph."""
    report, passage = hit.report, hit.passage
    pages = f"page {passage.page}" if passage.page_end == passage.page else f"pages {passage.page}-{passage.page_end}"
    if passage.page_label and passage.page_label != str(passage.page):
        pages += f" (printed page {passage.page_label})"
    where = [pages]
    if passage.section:
        where.append(f"section \u201c{passage.section}\u201d")
    if passage.paragraph:
        where.append(f"paragraph {passage.paragraph}")
    year = str(report.year) if report.year else "year not known"
    board = report.board or "board not known"
    review_type = report.review_type[:1].upper() + report.review_type[1:] if report.review_type else ""
    parts = [f"{report.title}.", f"{board}, {year}."]
    if review_type:
        parts.append(f"{review_type}.")
    parts.append(", ".join(where)[:1].upper() + ", ".join(where)[1:] + ".")
    return " ".join(parts)


def published_link(hit: Hit) -> str:
    """The published address of the report at the excerpt's page, or "" when only a local copy exists."""
    url = hit.report.url.split("#", 1)[0].strip()
    return f"{url}#page={hit.passage.page}" if url.lower().startswith(("http://", "https://")) else ""


def to_markdown(hits: Sequence[Hit], *, notice: str = "") -> str:
    """The collection as Markdown: a block quote per excerpt, then its citation and link."""
    lines = [f"# {HEADING}", "", f"_{VERBATIM_NOTE}_", ""]
    if notice:
        lines += [f"**{escape_markdown(notice)}**", ""]
    for number, hit in enumerate(hits, start=1):
        lines += [f"## {number}. {escape_markdown(hit.report.title)}", ""]
        for i, paragraph in enumerate(_paragraphs(hit.passage.text)):
            if i:
                lines.append(">")
            lines += [f"> {escape_markdown(line)}" for line in paragraph.split("\n")]
        lines += ["", f"Source: {escape_markdown(citation(hit))}"]
        link = published_link(hit)
        lines.append(f"Link: <{link}>" if link else f"File: {escape_markdown(hit.report.file)}")
        lines.append("")
    return "\n".join(lines)


def to_docx(hits: Sequence[Hit], *, notice: str = "") -> bytes:
    """The collection as a Word document: each excerpt in the Quote style, its citation and a live link below."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = HEADING
    document.add_heading(HEADING, level=1)
    note = document.add_paragraph(VERBATIM_NOTE)
    note.runs[0].italic = True
    if notice:
        document.add_paragraph().add_run(_xml(notice)).bold = True
    for number, hit in enumerate(hits, start=1):
        document.add_heading(_xml(f"{number}. {hit.report.title}"), level=2)
        for paragraph in _paragraphs(hit.passage.text):
            document.add_paragraph(_xml(paragraph), style="Quote")
        source = document.add_paragraph()
        source.add_run("Source: ").bold = True
        source.add_run(_xml(citation(hit)))
        link = published_link(hit)
        where = document.add_paragraph()
        if link:
            where.add_run("Link: ").bold = True
            _add_hyperlink(where, link, link)
        else:
            where.add_run("File: ").bold = True
            where.add_run(_xml(hit.report.file))
        where.paragraph_format.space_after = Pt(18)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()] or [text]


def escape_markdown(text: str) -> str:
    """Escape what Markdown would otherwise read as markup, so the text renders exactly as written."""
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + re.sub(r"([#+\-=.)])", r"\\\1", m.group(2)), text)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add_hyperlink(paragraph, url: str, label: str) -> None:
    # python-docx has no public API for hyperlinks; this is the documented oxml recipe.
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "1F5F8B")
    properties.append(colour)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(underline)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = _xml(label)
    text.set(qn("xml:space"), "preserve")
    run.append(text)
    link.append(run)
    paragraph._p.append(link)

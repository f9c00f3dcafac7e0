"""Export: a trainer's collection of excerpts as Word (.docx) or Markdown, quoted verbatim with full citations.

The seminar deck (``seminar.py``) shares this module's citation, links, labels and the joining of a
paragraph split across two passages, so every export of one collection quotes and cites alike.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from . import links
from .ocr import MACHINE_READ_LABEL, machine_read
from .records import Hit
from .untrusted import markdown_file as escape_markdown  # the one escaper; kept under this name for callers

APP_NAME = "DSCB Learning Assistant"
HEADING = "Collected excerpts from child safeguarding case reviews"
SAMPLE_LABEL = "Fictional sample report: it describes no real child, family or case."
VERBATIM_NOTE = (
    "Each excerpt is quoted exactly as it appears in the published report, with its source. "
    "Nothing here has been generated or reworded."
)
# Characters XML 1.0 cannot hold; PDF text sometimes carries them (form feeds, stray controls).
_URL_SAFE = "%:/?#[]@!$&'()*+,;=~"  # spaces, < and > are quoted, so a link cannot end its <...> early
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
    return links.published_link(hit.report, hit.passage.page)


LinkFor = Callable[[Hit], str]


def excerpts(hits: Sequence[Hit]) -> list[Hit]:
    """The collection as the quotations an export shows: a numbered paragraph that chunking split over two
    passages, collected one after the other, becomes one quotation of the whole paragraph.

    The joined text is still the report's own: the second piece's opening that repeats the end of the
    first (chunking overlaps a sentence) is quoted once.
    """
    result: list[Hit] = []
    for hit in hits:
        if result and _continues(result[-1].passage, hit.passage):
            first = result[-1]
            joined = replace(first.passage, text=_join(first.passage.text, hit.passage.text),
                             page_end=max(first.passage.page_end, hit.passage.page_end),
                             themes=tuple(dict.fromkeys(first.passage.themes + hit.passage.themes)))
            result[-1] = replace(first, passage=joined)
            continue
        result.append(hit)
    return result


def _continues(first, second) -> bool:
    """``second`` is the next passage of ``first``'s report and carries on its numbered paragraph."""
    if first.file != second.file or not first.paragraph or second.paragraph not in ("", first.paragraph):
        return False
    if second.section != first.section or second.page > first.page_end + 1:
        return False
    return _sequence(first.id) is not None and _sequence(second.id) == _sequence(first.id) + 1 \
        and first.id.rsplit("-", 1)[0] == second.id.rsplit("-", 1)[0] and not _starts_paragraph(second.text)


def _sequence(passage_id: str) -> int | None:
    tail = passage_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _starts_paragraph(text: str) -> bool:
    return bool(re.match(r"\d{1,2}(?:\.\d{1,2}){1,3}\.?\s", text))


def _join(first: str, second: str) -> str:
    # The longest end of ``first`` that ``second`` opens with (the overlap chunking repeats), quoted once.
    longest = min(len(first), len(second))
    for size in range(longest, 0, -1):
        if first.endswith(second[:size]) and (size == len(second) or not second[size - 1].isalnum()
                                              or not second[size].isalnum()):
            return first + second[size:]
    return f"{first} {second}"


def to_markdown(hits: Sequence[Hit], *, notice: str = "", link_for: LinkFor = published_link,
                sample_files: Collection[str] = ()) -> str:
    """The collection as Markdown: a block quote per excerpt, then its citation and link.

    Args:
        notice: a line under the heading (the fictional-sample notice).
        link_for: the address that opens an excerpt's report at its page ("" when there is none).
        sample_files: reports that are fictional samples; each excerpt from one says so.
    """
    lines = [f"# {HEADING}", "", f"_{VERBATIM_NOTE}_", ""]
    if notice:
        lines += [f"**{escape_markdown(notice)}**", ""]
    for number, hit in enumerate(excerpts(hits), start=1):
        lines += [f"## {number}. {escape_markdown(hit.report.title)}", ""]
        if hit.report.file in sample_files:
            lines += [f"_{escape_markdown(SAMPLE_LABEL)}_", ""]
        if machine_read(hit.passage, hit.report):
            lines += [f"_{escape_markdown(MACHINE_READ_LABEL)}_", ""]
        for i, paragraph in enumerate(_paragraphs(hit.passage.text)):
            if i:
                lines.append(">")
            lines += [f"> {escape_markdown(line)}" for line in paragraph.split("\n")]
        lines += ["", f"Source: {escape_markdown(citation(hit))}"]
        link = link_for(hit)
        lines.append(f"Link: <{quote(link, safe=_URL_SAFE)}>" if link else f"File: {escape_markdown(hit.report.file)}")
        lines.append("")
    return "\n".join(lines)


def open_label(hit: Hit) -> str:
    """The words of an excerpt's link."""
    return f"Open the report at page {hit.passage.page}"


def to_docx(hits: Sequence[Hit], *, notice: str = "", link_for: LinkFor = published_link,
            sample_files: Collection[str] = ()) -> bytes:
    """The collection as a Word document: each excerpt in the Quote style, its citation and a live link below.

    Arguments as for :func:`to_markdown`.
    """
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = HEADING
    document.core_properties.author = APP_NAME  # not python-docx's own default
    document.core_properties.last_modified_by = APP_NAME
    document.core_properties.comments = VERBATIM_NOTE
    document.add_heading(HEADING, level=1)
    note = document.add_paragraph(VERBATIM_NOTE)
    note.runs[0].italic = True
    if notice:
        document.add_paragraph().add_run(_xml(notice)).bold = True
    for number, hit in enumerate(excerpts(hits), start=1):
        document.add_heading(_xml(f"{number}. {hit.report.title}"), level=2)
        if hit.report.file in sample_files:
            document.add_paragraph().add_run(SAMPLE_LABEL).italic = True
        if machine_read(hit.passage, hit.report):
            document.add_paragraph().add_run(MACHINE_READ_LABEL).italic = True
        for paragraph in _paragraphs(hit.passage.text):
            document.add_paragraph(_xml(paragraph), style="Quote")
        source = document.add_paragraph()
        source.add_run("Source: ").bold = True
        source.add_run(_xml(citation(hit)))
        link = link_for(hit)
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


def xml_safe(text: str) -> str:
    """``text`` without the control characters XML (Word, PowerPoint) cannot hold."""
    return _NOT_XML.sub("", text)


_xml = xml_safe


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

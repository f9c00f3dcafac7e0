"""Seminar pack: a trainer's collection as a PowerPoint deck, one verbatim quotation per slide with its citation.

A title slide, a slide per excerpt (a quotation too long to read at a readable size continues on the
next slide, split between words, never cut), and a closing slide of the sources. Every slide that
quotes a fictional sample report says so.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Collection, Sequence

from .export import (
    APP_NAME,
    HEADING,
    SAMPLE_LABEL,
    VERBATIM_NOTE,
    LinkFor,
    citation,
    excerpts,
    open_label,
    published_link,
    xml_safe,
)
from .ocr import MACHINE_READ_LABEL, machine_read
from .records import Hit

# A 16:9 slide, in inches.
WIDTH, HEIGHT = 13.333, 7.5
MARGIN = 0.6
QUOTE_TOP, QUOTE_HEIGHT = 1.35, 4.05
# Quotation sizes tried largest first; below the smallest the quotation continues on another slide.
QUOTE_SIZES = (28, 24, 22, 20, 18)
SOURCES_PER_SLIDE = 8
_INK = (0x1F, 0x2A, 0x36)
_MUTED = (0x4A, 0x55, 0x60)
_WARN = (0x8A, 0x3B, 0x00)


def to_pptx(hits: Sequence[Hit], *, notice: str = "", link_for: LinkFor = published_link,
            sample_files: Collection[str] = (), today: dt.date | None = None) -> bytes:
    """The collection as a .pptx deck.

    Args:
        notice: shown on the title slide (the fictional-sample notice).
        link_for: the address that opens an excerpt's report at its page ("" when there is none).
        sample_files: reports that are fictional samples; every slide quoting one carries the label.
        today: the date on the title slide (default: today).
    """
    from pptx import Presentation
    from pptx.util import Inches

    items = excerpts(hits)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(WIDTH), Inches(HEIGHT)
    deck.core_properties.title = HEADING
    deck.core_properties.author = APP_NAME
    deck.core_properties.last_modified_by = APP_NAME
    deck.core_properties.comments = VERBATIM_NOTE
    blank = deck.slide_layouts[6]

    reports = list({hit.report.file: hit.report for hit in items}.values())
    samples_quoted = any(r.file in sample_files for r in reports)
    slide = deck.slides.add_slide(blank)
    _text(slide, HEADING, top=1.6, height=1.4, size=36, bold=True)
    day = today or dt.date.today()
    when = f"{day.day} {day:%B %Y}"
    counts = f"{len(items)} excerpt{'s' if len(items) != 1 else ''} from {len(reports)} report{'s' if len(reports) != 1 else ''}"
    _text(slide, f"{counts} \u00b7 {when}", top=3.1, height=0.6, size=20, colour=_MUTED)
    _text(slide, VERBATIM_NOTE, top=3.9, height=1.0, size=18, colour=_MUTED, italic=True)
    if notice or samples_quoted:
        _label(slide, notice or SAMPLE_LABEL)

    for number, hit in enumerate(items, start=1):
        pieces, size = fit_quotation(hit.passage.text)
        for part, piece in enumerate(pieces, start=1):
            slide = deck.slides.add_slide(blank)
            heading = f"{number}. {hit.report.title}"
            if len(pieces) > 1:
                heading += f" ({part} of {len(pieces)})"
            _text(slide, heading, top=0.35, height=0.9, size=24, bold=True)
            body = _text(slide, piece, top=QUOTE_TOP, height=QUOTE_HEIGHT, size=size, quote=True)
            body.name = "Quotation"
            if part < len(pieces):
                _text(slide, "The quotation continues on the next slide.", top=QUOTE_TOP + QUOTE_HEIGHT,
                      height=0.4, size=14, colour=_MUTED, italic=True)
            cited = _text(slide, citation(hit), top=5.85, height=0.65, size=14, colour=_MUTED)
            cited.name = "Citation"
            _link(slide, hit, link_for(hit))
            labels = [SAMPLE_LABEL] if hit.report.file in sample_files else []
            if machine_read(hit.passage, hit.report):
                labels.append(MACHINE_READ_LABEL)
            if labels:
                _label(slide, " ".join(labels))

    for start in range(0, len(reports), SOURCES_PER_SLIDE):
        slide = deck.slides.add_slide(blank)
        title = "Sources" if start == 0 else "Sources (continued)"
        _text(slide, title, top=0.35, height=0.9, size=28, bold=True)
        chunk = reports[start : start + SOURCES_PER_SLIDE]
        box = _text(slide, "", top=1.35, height=5.3, size=16)
        box.name = "Sources"
        frame = box.text_frame
        for i, report in enumerate(chunk):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            year = str(report.year) if report.year else "year not known"
            run = paragraph.add_run()
            run.text = xml_safe(f"{report.title}. {report.board or 'Board not known'}, {year}.")
            _style(run, 16)
            url = _report_link(report, items, link_for)
            extra = paragraph.add_run()
            if url:
                extra.text = " Open the report"
                extra.hyperlink.address = url
            else:
                extra.text = xml_safe(f" File: {report.file}")
            _style(extra, 16, colour=_MUTED)
        if any(r.file in sample_files for r in chunk):
            _label(slide, SAMPLE_LABEL)

    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def fit_quotation(text: str) -> tuple[list[str], int]:
    """The pieces a quotation is shown in, and their font size in points.

    The largest size of ``QUOTE_SIZES`` at which the whole quotation fits one slide; when even the
    smallest is too big, the text is split between words into pieces that fit at that size. Joined
    with whitespace, the pieces are the quotation exactly.
    """
    for size in QUOTE_SIZES:
        if _lines_needed(text, size) <= _lines_available(size):
            return [text], size
    size = QUOTE_SIZES[-1]
    # As many slides as needed, filled evenly: not two full slides and a third of three lines.
    slides = math.ceil(_lines_needed(text, size) / _lines_available(size))
    budget = min(_lines_available(size), math.ceil(_lines_needed(text, size) / slides) + 1)
    pieces, rest = [], text.strip()
    while _lines_needed(rest, size) > _lines_available(size):
        cut = _cut(rest, size, budget)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces, size


def _chars_per_line(size: int) -> int:
    # An average character of a sans-serif face is about half its size wide; a little margin for wide words.
    return int((WIDTH - 2 * MARGIN - 0.3) * 72 / (size * 0.52))


def _lines_available(size: int) -> int:
    return int((QUOTE_HEIGHT - 0.2) * 72 / (size * 1.25))


def _lines_needed(text: str, size: int) -> int:
    width = _chars_per_line(size)
    lines = 0
    for paragraph in text.split("\n"):
        line = 0
        lines += 1
        for word in paragraph.split():
            if line and line + 1 + len(word) > width:
                lines += 1
                line = 0
            line += (1 if line else 0) + len(word)
    return lines


def _cut(text: str, size: int, budget: int) -> int:
    """Where to end a piece: the last sentence end, else the last space, within ``budget`` lines."""
    spaces = [i for i, c in enumerate(text) if c.isspace()]
    fitting = [i for i in spaces if _lines_needed(text[:i], size) <= budget] or spaces[:1]
    if not fitting:
        return len(text)  # one unbroken run of characters: shown whole (the box shrinks it)
    last = fitting[-1]
    sentence_ends = [i for i in fitting if i > last * 0.6 and text[i - 1] in ".!?;:"]
    return sentence_ends[-1] if sentence_ends else last


def _report_link(report, items: Sequence[Hit], link_for: LinkFor) -> str:
    first = next(h for h in items if h.report.file == report.file)
    return link_for(first).split("#", 1)[0]


def _text(slide, text: str, *, top: float, height: float, size: int, bold: bool = False, italic: bool = False,
          colour: tuple[int, int, int] = _INK, quote: bool = False):
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(MARGIN), Inches(top), Inches(WIDTH - 2 * MARGIN), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    # The size is chosen to fit; the shrink setting is a safety net for a face wider than reckoned.
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE if quote else MSO_AUTO_SIZE.NONE
    for i, line in enumerate(xml_safe(text).split("\n") if text else [""]):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if not line and not text:
            continue
        run = paragraph.add_run()
        run.text = line
        _style(run, size, bold=bold, italic=italic, colour=colour)
    return box


def _style(run, size: int, *, bold: bool = False, italic: bool = False, colour: tuple[int, int, int] = _INK) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = RGBColor(*colour)


def _link(slide, hit: Hit, url: str) -> None:
    box = _text(slide, "", top=6.5, height=0.45, size=14)
    box.name = "Link"
    run = box.text_frame.paragraphs[0].add_run()
    if url:
        run.text = open_label(hit)
        run.hyperlink.address = url
        _style(run, 14, colour=(0x1F, 0x5F, 0x8B))
    else:
        run.text = xml_safe(f"File: {hit.report.file}, page {hit.passage.page}")
        _style(run, 14, colour=_MUTED)


def _label(slide, text: str) -> None:
    box = _text(slide, text, top=6.9, height=0.55, size=12, bold=True, colour=_WARN)
    box.name = "Sample label"

"""Rendering: one page of a report as a PNG, with the area of a passage highlighted (pypdfium2)."""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import DscbError

# PDFium is not thread-safe, and Streamlit runs each browser session in its own thread.
_PDFIUM_LOCK = threading.Lock()
_PIECE = 40  # characters of normalised passage text matched at a time
HIGHLIGHT = (255, 214, 0, 90)
OUTLINE = (196, 140, 0, 255)


@dataclass(frozen=True)
class PageImage:
    """A rendered page: PNG bytes, its size in pixels, and whether the passage was found on it."""

    png: bytes
    width: int
    height: int
    highlighted: bool


def render_page(pdf_path: Path | str, page: int, passage_text: str = "", *, width: int = 1000) -> PageImage:
    """Render physical page ``page`` (1-based) of a PDF, highlighting where ``passage_text`` sits on it.

    The passage is found by matching its letters and digits against the page's text layer, so
    line breaks, hyphenation and ligatures in the PDF do not stop the match. A passage that runs
    on to the next page is highlighted to the end of its text on this page. Nothing is
    highlighted when the page has no text layer or the passage cannot be found.

    Raises:
        DscbError: the file is missing or unreadable, or it has no such page.
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    path = Path(pdf_path)
    if not path.is_file():
        raise DscbError(f"The report's PDF is not at {path}; it may have been moved or deleted. Run ingest again.")
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise DscbError(f"The PDF {path.name} could not be opened ({exc}).") from None
        try:
            if not 1 <= page <= len(document):
                raise DscbError(f"{path.name} has {len(document)} pages; there is no page {page}.")
            pdf_page = document[page - 1]
            left, bottom, right, top = pdf_page.get_bbox()
            scale = width / max(1.0, right - left)
            rotation = pdf_page.get_rotation()
            rects = _passage_rects(pdf_page, passage_text) if passage_text and rotation == 0 else []
            image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        finally:
            document.close()

    if rects:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        pad = max(1, round(1.5 * scale))
        boxes = [
            ((l - left) * scale - pad, (top - t) * scale - pad, (r - left) * scale + pad, (top - b) * scale + pad)
            for l, b, r, t in rects
        ]
        for box in boxes:
            draw.rectangle(box, fill=HIGHLIGHT)
        # A bar in the margin shows the passage's extent at a glance, even on a phone-sized image.
        x = max(2, min(b[0] for b in boxes) - 8 * scale / 1.5)
        draw.rectangle((x - 3 * scale / 1.5, min(b[1] for b in boxes), x, max(b[3] for b in boxes)), fill=OUTLINE)
        image = Image.alpha_composite(image, overlay)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=True)
    return PageImage(buffer.getvalue(), image.width, image.height, bool(rects))


def _passage_rects(pdf_page, passage_text: str) -> list[tuple[float, float, float, float]]:
    text_page = pdf_page.get_textpage()
    try:
        chars = _page_chars(text_page)
        span = locate(chars, passage_text)
        if span is None:
            return []
        first, last = span
        count = text_page.count_rects(first, last - first + 1)
        return [text_page.get_rect(i) for i in range(count)]
    finally:
        text_page.close()


def _page_chars(text_page) -> list[str]:
    import pypdfium2.raw as pdfium_c

    return [chr(pdfium_c.FPDFText_GetUnicode(text_page, i) or 32) for i in range(text_page.count_chars())]


def _normalise(chars) -> tuple[str, list[int]]:
    """Lower-case letters and digits only (ligatures unfolded), with each one's index in ``chars``."""
    out, where = [], []
    for index, char in enumerate(chars):
        for piece in unicodedata.normalize("NFKC", char):
            if piece.isalnum():
                out.append(piece.lower())
                where.append(index)
    return "".join(out), where


def locate(page_chars, passage_text: str) -> tuple[int, int] | None:
    """First and last index in ``page_chars`` of the passage's text on this page, or None.

    The passage is matched piece by piece (``_PIECE`` letters at a time), each piece searched a
    little beyond the previous one, so a footnote marker or a running footer breaks nothing; three
    pieces in a row not found end the match (the passage went on to the next page).
    """
    page, where = _normalise(page_chars)
    wanted, _ = _normalise(passage_text)
    if not page or not wanted:
        return None
    start = -1
    for length in (60, 30, 15):  # the opening words; shorter if they straddle something odd
        start = page.find(wanted[:length])
        if start >= 0:
            break
    if start < 0:
        return None
    cursor, end, matched, misses = start, start, 0, 0
    for offset in range(0, len(wanted), _PIECE):
        piece = wanted[offset : offset + _PIECE]
        found = page.find(piece, cursor, cursor + len(piece) + 200)
        if found < 0:
            misses += 1
            if misses == 3:
                break
            cursor += len(piece)
            continue
        misses = 0
        cursor = end = found + len(piece)
        matched = offset + len(piece)
    # The piece that ran off the page was not found whole; take the letters of it that are here.
    while end < len(page) and matched < len(wanted) and page[end] == wanted[matched]:
        end, matched = end + 1, matched + 1
    end = max(end, start + 1)
    return where[start], where[min(end, len(where)) - 1]

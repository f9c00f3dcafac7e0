"""OCR: read the pages of a PDF that have no text layer (scanned images) with ocrmypdf and Debian's tesseract,
only when the user asks for it, and say wherever such text is quoted that a machine read it.

Text read by OCR may hold misread words; it is still never reworded, but every card and export that
quotes it carries :data:`MACHINE_READ_LABEL` so nobody takes it for the publisher's own text layer.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .errors import DscbError
from .extract import RawDocument
from .records import Passage, ReportMeta

MACHINE_READ_LABEL = "Machine-read (OCR) from a scanned page: check the wording against the page itself."
LANGUAGE = "eng"
SECONDS_PER_PAGE = 60  # a generous allowance per scanned page on a busy machine (about 10 s measured here)
_SKIPPED = re.compile(r"^\s*\[OCR skipped on page\(s\) (\d+)(?:-(\d+))?\]\s*$")


class OcrUnavailableError(DscbError):
    """ocrmypdf or tesseract is not installed."""


def unavailable() -> str:
    """Why OCR cannot run here ("" when it can), in words an IT colleague can act on."""
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return "the ocrmypdf package is not installed (make install, or pip install -r requirements.txt)"
    if shutil.which("tesseract") is None:
        return "Debian's tesseract-ocr is not installed (make ocr, or apt-get install tesseract-ocr)"
    return ""


def with_ocr_text(raw: RawDocument, pdf: str | Path) -> tuple[RawDocument, tuple[int, ...]]:
    """``raw`` with the text OCR reads on its scanned pages, and the pages it read text on (those stay in
    ``scanned_pages`` only where OCR found nothing)."""
    read = {page: text for page, text in read_scanned(pdf, raw.scanned_pages).items() if text.strip()}
    if not read:
        return raw, ()
    texts = tuple(read.get(number, text) for number, text in enumerate(raw.pages, start=1))
    still_scanned = tuple(p for p in raw.scanned_pages if p not in read)
    return replace(raw, pages=texts, scanned_pages=still_scanned), tuple(sorted(read))


def read_scanned(pdf: str | Path, pages: Sequence[int]) -> dict[int, str]:
    """The text tesseract reads on ``pages`` (1-based) of ``pdf``, page number -> text ("" where it read none).

    Raises:
        OcrUnavailableError: ocrmypdf or tesseract is missing.
        DscbError: OCR failed on this file (the reason is given).
    """
    if not pages:
        return {}
    reason = unavailable()
    if reason:
        raise OcrUnavailableError(f"OCR was asked for but {reason}")
    import logging

    import ocrmypdf

    logging.getLogger("ocrmypdf").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="dscb-ocr-") as work:
        sidecar = Path(work) / "text.txt"
        try:
            ocrmypdf.ocr(
                str(pdf), str(Path(work) / "out.pdf"), pages=",".join(map(str, sorted(pages))), skip_text=True,
                sidecar=str(sidecar), output_type="pdf", progress_bar=False, language=[LANGUAGE], optimize=0,
                jobs=1, use_threads=True,
            )
        except Exception as exc:  # noqa: BLE001 - ocrmypdf raises many kinds; one line names the file's problem
            raise DscbError(f"OCR of its scanned pages failed ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})") from None
        text = sidecar.read_text(encoding="utf-8", errors="replace")
    read = sidecar_pages(text)
    return {page: read.get(page, "") for page in pages}


def sidecar_pages(text: str) -> dict[int, str]:
    """ocrmypdf's sidecar text by page: pages are separated by form feeds, and a run of pages it skipped is one
    "[OCR skipped on page(s) 1-17]" entry."""
    result: dict[int, str] = {}
    page = 1
    for chunk in text.split("\f"):
        skipped = _SKIPPED.match(chunk)
        if skipped:
            page = int(skipped.group(2) or skipped.group(1)) + 1
            continue
        result[page] = chunk
        page += 1
    return result


def machine_read(passage: Passage, report: ReportMeta) -> bool:
    """Whether any of the passage's pages was read by OCR (the one test every card and export uses)."""
    return pages_machine_read(report, passage.page, passage.page_end)


def pages_machine_read(report: ReportMeta, first: int, last: int) -> bool:
    """Whether any of ``report``'s pages ``first``..``last`` was read by OCR."""
    return any(first <= page <= last for page in report.ocr_pages)

"""Extraction: read a PDF's raw text page by page with pypdf, and say clearly why when it can't."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ExtractionError

# pypdf logs every recoverable oddity of real-world PDFs as a warning; those are not news to users.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# pypdf refuses streams that unpack to more than its limits (75 MB); a report never needs that much.
_TOO_LARGE = "it unpacks to far more data than any report needs ({}); it may be a decompression bomb"
MIN_TEXT_CHARS = 20  # fewer extracted characters than this on a page with an image: treat as scanned


@dataclass(frozen=True)
class RawDocument:
    """Uncleaned text of each physical page plus what the PDF says about itself."""

    pages: tuple[str, ...]
    labels: tuple[str, ...]
    title: str
    author: str
    scanned_pages: tuple[int, ...]  # 1-based


def read_pdf(path: str | Path) -> RawDocument:
    """Read every page's text from a PDF.

    Opens files encrypted with an empty user password. Pages with no text layer but an image
    are listed in ``scanned_pages`` with empty text.

    Raises:
        ExtractionError: the file is empty, not a PDF, password-protected or too damaged to read.
    """
    path = Path(path)
    _check_looks_like_pdf(path)
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except DependencyError:
                raise ExtractionError(
                    "it is AES-encrypted and the 'cryptography' package is missing (pip install cryptography)"
                ) from None
            if not unlocked:
                raise ExtractionError("it is protected by a password; ask the publisher for an unprotected copy")
        page_objects = list(reader.pages)
    except ExtractionError:
        raise
    except FileNotDecryptedError:
        raise ExtractionError("it is protected by a password; ask the publisher for an unprotected copy") from None
    except LimitReachedError as exc:
        raise ExtractionError(_TOO_LARGE.format(_short(exc))) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ExtractionError(f"it is damaged and could not be opened as a PDF ({_short(exc)})") from None
    except RecursionError:
        raise ExtractionError("its structure is malformed (it loops back on itself)") from None

    if not page_objects:
        raise ExtractionError("it has no pages")

    texts: list[str] = []
    scanned: list[int] = []
    failed_pages = too_large = 0
    for number, page in enumerate(page_objects, start=1):
        try:
            text = page.extract_text() or ""
        except MemoryError:
            raise  # the worker's memory limit: the whole file is reported as too big, not one page skipped
        except LimitReachedError:
            text, failed_pages, too_large = "", failed_pages + 1, too_large + 1
        except RecursionError:
            text, failed_pages = "", failed_pages + 1
        except Exception:  # noqa: BLE001 - one unreadable page must not lose the rest of the report
            text, failed_pages = "", failed_pages + 1
        if len(text.strip()) < MIN_TEXT_CHARS and _has_image(page):
            scanned.append(number)
            text = ""
        texts.append(text)

    if failed_pages == len(page_objects):
        if too_large:
            raise ExtractionError(_TOO_LARGE.format("its pages' contents are too large"))
        raise ExtractionError("no page's text could be read (the content streams are damaged)")

    return RawDocument(
        pages=tuple(texts),
        labels=_page_labels(reader, len(texts)),
        title=_meta(reader, "title"),
        author=_meta(reader, "author"),
        scanned_pages=tuple(scanned),
    )


def _check_looks_like_pdf(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise ExtractionError(f"it could not be opened ({exc.strerror or exc})") from None
    if not head:
        raise ExtractionError("the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        sniff = head.lstrip().lower()
        if sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff[:200]:
            raise ExtractionError("it is a web page saved with a .pdf name, not a PDF; download the PDF itself")
        raise ExtractionError("it is not a PDF (no %PDF header)")


def _has_image(page) -> bool:
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(xobjects[name].get("/Subtype") == "/Image" for name in xobjects)
    except Exception:  # noqa: BLE001 - a damaged resource dictionary just means "no image found"
        return False


def _page_labels(reader, count: int) -> tuple[str, ...]:
    try:
        labels = list(reader.page_labels)
    except Exception:  # noqa: BLE001 - labels are a nicety; damaged label trees are common
        labels = []
    if len(labels) != count:
        return tuple("" for _ in range(count))
    # pypdf returns "1", "2", ... when the PDF defines no labels; that adds nothing to the physical number.
    if all(label == str(i) for i, label in enumerate(labels, start=1)):
        return tuple("" for _ in range(count))
    return tuple(str(label) for label in labels)


def _meta(reader, name: str) -> str:
    try:
        value = getattr(reader.metadata, name, None) if reader.metadata else None
    except Exception:  # noqa: BLE001
        value = None
    return re.sub(r"\s+", " ", str(value)).strip() if value else ""


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__  # one line: reasons are printed one per file
    return text if len(text) < 120 else text[:117] + "..."

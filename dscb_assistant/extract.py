"""Extraction: read a PDF's raw text page by page with pypdf, and say clearly why when it can't."""

from __future__ import annotations

import logging
import math
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
    # Per page, the text (whitespace and hyphens removed) of runs set larger or bolder than the body
    # text (headings), and of runs set smaller (footnotes). Empty where the PDF gives no font sizes.
    emphasised: tuple[tuple[str, ...], ...] = ()
    small: tuple[tuple[str, ...], ...] = ()


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
    runs: list[list[tuple[str, float, bool]]] = []
    scanned: list[int] = []
    failed_pages = too_large = 0
    for number, page in enumerate(page_objects, start=1):
        page_runs: list[tuple[str, float, bool]] = []
        runs.append(page_runs)
        try:
            # The font of each run is only asked for where the page shows text: with a visitor pypdf parses
            # every operator, figures and filler included, and a hostile page of zeros takes minutes.
            visitor = _run_collector(page_runs) if _shows_text(page) else None
            text = page.extract_text(visitor_text=visitor) or ""
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

    emphasised, small = _styled_blocks(runs)
    return RawDocument(
        pages=tuple(texts),
        labels=_page_labels(reader, len(texts)),
        title=_meta(reader, "title"),
        author=_meta(reader, "author"),
        scanned_pages=tuple(scanned),
        emphasised=emphasised,
        small=small,
    )


def fold_for_layout(text: str) -> str:
    """How a cleaned paragraph is looked up among the styled runs: whitespace and hyphens removed."""
    return _LAYOUT_FOLD.sub("", text)


_LAYOUT_FOLD = re.compile(r"[\s\-\u00ad\u2010\u2011]+")
LARGER, SMALLER = 1.12, 0.86  # a run this much larger (or bold) / smaller than the body text is a heading / footnote


def _shows_text(page) -> bool:
    """Whether the page's own content streams hold a text operator (their decoded data is cached on
    the stream objects, so extract_text does not decode them again)."""
    try:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = [item.get_object() for item in contents] if isinstance(contents, list) else [contents]
        for stream in streams:
            data = stream.get_data() if stream is not None and hasattr(stream, "get_data") else b""
            if any(operator in data for operator in (b"Tj", b"TJ", b"'", b'"')):
                return True
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - extract_text meets the same damage and says so
        return False
    return False


def _run_collector(runs: list[tuple[str, float, bool]]):
    """A pypdf text visitor that records each run's text, effective font size and boldness."""

    def visit(text, cm, tm, font, size) -> None:
        if not text:
            return
        try:
            scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
            name = str((font or {}).get("/BaseFont", ""))
        except Exception:  # noqa: BLE001 - odd font dictionaries: the run just counts as body text
            scale, name = 1.0, ""
        runs.append((text, round(float(size or 0) * (scale or 1.0), 1), bool(re.search(r"bold|black|heavy", name, re.I))))

    return visit


def _styled_blocks(runs: list[list[tuple[str, float, bool]]]):
    """Per page, consecutive runs set as headings (larger or bold) and as footnotes (smaller), each
    folded to one string. The body size is the size most of the document's characters are set in."""
    weights: dict[float, int] = {}
    bold_chars = all_chars = 0
    for page_runs in runs:
        for text, size, bold in page_runs:
            weights[size] = weights.get(size, 0) + len(text.strip())
            all_chars += len(text.strip())
            bold_chars += len(text.strip()) if bold else 0
    bold_marks = bold_chars < 0.3 * all_chars  # in a document set mostly in bold, bold marks nothing
    if not weights or max(weights) <= 0:
        return (), ()
    body = max(weights, key=weights.get)
    if body <= 0:
        return (), ()
    emphasised, small = [], []
    for page_runs in runs:
        blocks: dict[str, list[str]] = {"big": [], "small": []}
        current, kind = [], "body"
        for text, size, bold in page_runs:
            if not text.strip():
                continue
            this = "big" if size >= LARGER * body or (bold and bold_marks and size >= 0.95 * body) else "small" if size <= SMALLER * body else "body"
            if this != kind and current and kind != "body":
                blocks[kind].append(fold_for_layout("".join(current)))
            if this != kind:
                current = []
            current.append(text)
            kind = this
        if current and kind != "body":
            blocks[kind].append(fold_for_layout("".join(current)))
        emphasised.append(tuple(b for b in blocks["big"] if b))
        small.append(tuple(b for b in blocks["small"] if b))
    return tuple(emphasised), tuple(small)


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

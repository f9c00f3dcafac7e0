"""Adding reports: check an uploaded or downloaded PDF, store it in the corpus folder, record its metadata in reports.csv."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from . import reports_csv
from .durable import write_atomically
from .errors import DscbError, storage_error
from .fetch import PDF_MAGIC, FetchPolicy, FetchRefused, fetch_pdf
from .ingest import file_sha256
from .metadata import normalise_review_type
from .records import REVIEW_TYPES


class AddError(DscbError):
    """A report could not be added; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class ReportDetails:
    """What an administrator tells us about a report; empty fields are worked out from the PDF at ingest."""

    title: str = ""
    board: str = ""
    year: int | None = None
    review_type: str = ""
    url: str = ""


@dataclass(frozen=True)
class AddedReport:
    """A PDF now in the corpus folder: its path relative to the corpus and whether it was new."""

    file: str
    path: Path
    new: bool


def check_pdf(data: bytes, *, max_mb: int) -> None:
    """Refuse anything that is not a PDF of at most ``max_mb`` megabytes.

    Raises:
        AddError: empty, too large, or not starting with the ``%PDF-`` signature.
    """
    if not data:
        raise AddError("The file is empty.")
    if len(data) > max_mb * 1024 * 1024:
        raise AddError(f"The file is {len(data) / 1024 / 1024:.0f} MB; the limit is {max_mb} MB.")
    # The PDF specification lets the header sit anywhere in the first 1024 bytes.
    if PDF_MAGIC not in data[:1024]:
        raise AddError("This is not a PDF (it does not start with %PDF). Upload the report's PDF file.")


def safe_file_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no ``..``, letters, digits, ``.``, ``-`` and ``_`` only, ending ``.pdf``."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"\.{2,}", ".", stem).strip(".-_")[:120]
    return f"{stem or 'report'}.pdf"


def store_pdf(corpus_dir: Path, data: bytes, name: str, *, max_mb: int) -> AddedReport:
    """Write ``data`` into ``corpus_dir`` under a safe version of ``name``; never outside it, never half-written.

    The same bytes already stored under that name are left alone; other bytes under that name
    get a new name (``-2``, ``-3``...) so an existing report is never overwritten.

    Raises:
        AddError: not a PDF, too large, or the corpus folder cannot be written.
    """
    check_pdf(data, max_mb=max_mb)
    corpus_dir = Path(corpus_dir)
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AddError(str(storage_error(exc, "create the corpus folder"))) from None
    root = corpus_dir.resolve()
    file = safe_file_name(name)
    stem = file[:-4]
    digest = _sha256(data)
    for n in range(1, 1000):
        candidate = file if n == 1 else f"{stem}-{n}.pdf"
        target = (root / candidate).resolve()
        if target.parent != root:  # belt and braces: safe_file_name already removed every separator
            raise AddError(f"Refusing to store {name!r} outside the corpus folder.")
        if target.exists():
            if target.is_file() and file_sha256(target) == digest:
                return AddedReport(candidate, target, new=False)
            continue
        _write_atomically(target, data)
        return AddedReport(candidate, target, new=True)
    raise AddError(f"Too many files named like {file} in the corpus folder; rename the PDF and try again.")


def download_pdf(url: str, *, max_mb: int, policy: FetchPolicy | None = None) -> tuple[bytes, str]:
    """Fetch a PDF over http(s) under the outbound policy (``fetch.py``): public addresses only, at most
    ``max_mb`` megabytes, within the policy's deadline.

    Returns:
        The bytes and a file name for them (from the server's Content-Disposition, else the url).

    Raises:
        AddError: refused by the policy, unreachable, an HTTP error, too large, too slow, or not a PDF.
    """
    policy = replace(policy or FetchPolicy(), max_bytes=max_mb * 1024 * 1024)
    try:
        data, name, _ = fetch_pdf(url, policy)
    except FetchRefused as exc:
        raise AddError(str(exc)) from None
    check_pdf(data, max_mb=max_mb)
    return data, name


def record_details(corpus_dir: Path, file: str, details: ReportDetails) -> None:
    """Add or update the row of ``file`` in ``corpus_dir/reports.csv`` (only the fields given replace old ones).

    Raises:
        AddError: a year that is not four digits, an unknown review type, an existing reports.csv that
            cannot be read, or a corpus folder that cannot be written.
    """
    details = check_details(details)
    given = {
        "title": details.title,
        "board": details.board,
        "year": str(details.year) if details.year else "",
        "review_type": details.review_type,
        "url": details.url,
    }
    try:
        reports_csv.update_row(Path(corpus_dir), file, given)
    except OSError as exc:
        raise AddError(str(storage_error(exc, f"write {reports_csv.CSV_NAME} in the corpus folder"))) from None
    except AddError:
        raise
    except DscbError as exc:  # the existing reports.csv cannot be parsed: say so rather than overwrite it
        raise AddError(str(exc)) from None


def check_details(details: ReportDetails) -> ReportDetails:
    """The details tidied (spaces trimmed, review type in its canonical form), or an AddError naming the bad field."""
    review_type = ""
    if details.review_type.strip():
        review_type = normalise_review_type(details.review_type) or ""
        if not review_type:
            raise AddError(f"Review type {details.review_type!r} is not one of: {', '.join(REVIEW_TYPES)}.")
    year = details.year
    if year is not None and not 1900 <= int(year) <= 2100:
        raise AddError(f"Year {year} does not look like a publication year; give four digits, e.g. 2021.")
    url = details.url.strip()
    if url and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise AddError("The published address must start with https:// (or http://).")
    return ReportDetails(
        title=_one_line(details.title), board=_one_line(details.board), year=year, review_type=review_type, url=url
    )


def add_report(corpus_dir: Path, source: str | Path, details: ReportDetails = ReportDetails(), *, max_mb: int,
               policy: FetchPolicy | None = None) -> AddedReport:
    """Add a PDF from a local path, or from an address (anything with "://"), to the corpus.

    Raises:
        AddError: see :func:`add_from_url`, :func:`store_pdf` and :func:`check_details`.
    """
    if "://" in str(source):
        return add_from_url(corpus_dir, str(source), details, max_mb=max_mb, policy=policy)
    details = check_details(details)
    path = Path(source)
    if not path.is_file():
        raise AddError(f"There is no file at {path}.")
    if path.stat().st_size > max_mb * 1024 * 1024:
        raise AddError(f"{path.name} is {path.stat().st_size / 1024 / 1024:.0f} MB; the limit is {max_mb} MB.")
    return _store_with_details(corpus_dir, path.read_bytes(), path.name, details, max_mb)


def add_from_url(corpus_dir: Path, url: str, details: ReportDetails = ReportDetails(), *, max_mb: int,
                 policy: FetchPolicy | None = None) -> AddedReport:
    """Download a PDF over http(s) into the corpus and record its details.

    The published url defaults to the address it came from, so links open the publisher's copy
    at the right page.

    Raises:
        AddError: see :func:`download_pdf`, :func:`store_pdf` and :func:`check_details`.
    """
    details = check_details(details)
    data, name = download_pdf(url, max_mb=max_mb, policy=policy)
    if not details.url:
        details = ReportDetails(details.title, details.board, details.year, details.review_type, url.strip())
    return _store_with_details(corpus_dir, data, name, details, max_mb)


def _store_with_details(corpus_dir: Path, data: bytes, name: str, details: ReportDetails, max_mb: int) -> AddedReport:
    added = store_pdf(corpus_dir, data, name, max_mb=max_mb)
    if any((details.title, details.board, details.year, details.review_type, details.url)):
        record_details(corpus_dir, added.file, details)
    return added


def _write_atomically(target: Path, data: bytes) -> None:
    # A hidden temporary name: ingest skips dot-files, so it never reads a half-written PDF.
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise AddError(str(storage_error(exc, f"store {target.name} in the corpus folder"))) from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()

"""Report metadata: reports.csv first, then what the PDF says, its first heading, dates in its text, then its file name."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import reports_csv
from .clean import looks_like_heading
from .records import REVIEW_TYPES, DocumentInfo, ReportMeta
from .reports_csv import CSV_COLUMNS, CSV_NAME  # noqa: F401 - callers import them from here too

_BOARD = re.compile(
    r"\b((?:[A-Z][\w'&-]*\s+){1,5}(?:Local\s+)?Safeguarding\s+(?:Children\s+)?(?:Board|Partnership|Partners|"
    r"Arrangements)(?:\s*\([A-Z]{3,6}\))?)"
)
_TITLE_WORDS = re.compile(r"\b(review|report|child|baby|infant|young (?:person|people)|learning|briefing)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_TYPE_CUES = (
    ("child safeguarding practice review", ("child safeguarding practice review", "cspr")),
    ("serious case review", ("serious case review",)),
    ("thematic review", ("thematic review", "thematic learning review")),
    ("learning review", ("learning review", "rapid review", "learning lessons review", "practice learning review")),
)
_TYPE_ALIASES = {
    "scr": "serious case review",
    "cspr": "child safeguarding practice review",
    "lcspr": "child safeguarding practice review",
    "local child safeguarding practice review": "child safeguarding practice review",
    "rapid review": "learning review",
    "thematic": "thematic review",
    "learning": "learning review",
}


def describe_document(pages_text: Sequence[str], pdf_title: str, pdf_author: str, scanned: Sequence[int]) -> DocumentInfo:
    """What can be learned about a report from its own cleaned text and PDF properties."""
    front = "\n\n".join(pages_text[:3])
    head = front[:6000]
    headings = [
        p for p in front.split("\n\n")
        if looks_like_heading(p) and len(p.split()) >= 2 and not p[:1].isdigit() and not _BOARD.fullmatch(p.strip())
    ]
    # Covers often open with the board's name or "Contents"; the report's title names the review or the child.
    first_heading = next((h for h in headings if _TITLE_WORDS.search(h)), headings[0] if headings else "")
    boards = Counter(m.group(1).strip() for m in _BOARD.finditer(" ".join(pages_text[:5])))
    years = [int(y) for y in _YEAR.findall(head)]
    lowered = " ".join(pages_text[:3]).lower()
    detected_type = next((name for name, cues in _TYPE_CUES if any(c in lowered for c in cues)), "")
    return DocumentInfo(
        pdf_title=pdf_title,
        pdf_author=pdf_author,
        first_heading=first_heading,
        detected_board=boards.most_common(1)[0][0] if boards else "",
        detected_year=max(years) if years else None,
        detected_type=detected_type,
        page_count=len(pages_text),
        scanned_pages=tuple(scanned),
    )


def read_reports_csv(corpus_dir: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Rows of ``corpus/reports.csv`` keyed by file path relative to the corpus, and warnings about bad rows.

    Raises:
        DscbError: the CSV exists but cannot be read, or has no ``file`` column.
    """
    table = reports_csv.read(Path(corpus_dir) / CSV_NAME)
    rows: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    for line, cells in zip(table.lines, table.rows):
        row = {k: v.strip() for k, v in cells.items()}
        name = reports_csv.file_key(row.get("file", ""))
        if not name:
            warnings.append(f"{CSV_NAME} line {line}: no file name; row ignored")
            continue
        if row.get("year") and not re.fullmatch(r"\d{4}", row["year"]):
            warnings.append(f"{CSV_NAME} line {line}: year {row['year']!r} is not a four-digit year; ignored")
            row["year"] = ""
        if row.get("review_type") and normalise_review_type(row["review_type"]) is None:
            warnings.append(
                f"{CSV_NAME} line {line}: review_type {row['review_type']!r} is not one of {', '.join(REVIEW_TYPES)}; "
                "using 'other'"
            )
            row["review_type"] = "other"
        if row.get("url") and not re.match(r"https?://", row["url"], re.IGNORECASE):
            warnings.append(f"{CSV_NAME} line {line}: url {row['url']!r} is not an http(s) address; ignored")
            row["url"] = ""
        rows[name] = row
    return rows, warnings


def normalise_review_type(value: str) -> str | None:
    """The canonical review type for a CSV value such as 'SCR' or 'Serious Case Review', or None."""
    key = re.sub(r"\s+", " ", value.strip().lower())
    if key in REVIEW_TYPES:
        return key
    return _TYPE_ALIASES.get(key)


def resolve(file: str, sha256: str, info: DocumentInfo, row: dict[str, str] | None) -> ReportMeta:
    """Combine the CSV row (if any) with what the document says, in the documented order of preference."""
    row = row or {}
    stem = Path(file).stem
    title = row.get("title") or info.pdf_title or info.first_heading or _title_from_name(stem)
    board = row.get("board") or info.detected_board or _board_from_author(info.pdf_author)
    year_text = row.get("year") or ""
    year = int(year_text) if year_text else info.detected_year or _year_from_name(stem)
    review_type = normalise_review_type(row.get("review_type", "")) or info.detected_type or "other"
    return ReportMeta(
        file=file,
        title=title,
        board=board,
        year=year,
        review_type=review_type,
        url=row.get("url", ""),
        sha256=sha256,
        pages=info.page_count,
        scanned_pages=info.scanned_pages,
        ocr_pages=info.ocr_pages,
    )


def _title_from_name(stem: str) -> str:
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def _board_from_author(author: str) -> str:
    return author if re.search(r"safeguarding", author, re.IGNORECASE) else ""


def _year_from_name(stem: str) -> int | None:
    match = re.search(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)", stem)
    return int(match.group(1)) if match else None

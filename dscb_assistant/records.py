"""Small frozen records handed from one pipeline stage to the next."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

REVIEW_TYPES = (
    "serious case review",
    "child safeguarding practice review",
    "learning review",
    "thematic review",
    "other",
)


@dataclass(frozen=True)
class Page:
    """One physical page of a report after cleaning.

    Attributes:
        number: 1-based physical page number (what ``#page=N`` links use).
        label: the printed page label where the PDF defines one ("iv", "12"), else "".
        text: cleaned text; paragraphs separated by a blank line.
        scanned: True when the page had no text layer (an image only).
        headings: paragraphs of ``text`` set as headings (larger or bold type), when ``layout``.
        notes: paragraphs of ``text`` set in footnote type (smaller), when ``layout``.
        layout: True when the PDF told font sizes, so headings come from type, not from wording.
    """

    number: int
    label: str
    text: str
    scanned: bool = False
    headings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    layout: bool = False


@dataclass(frozen=True)
class DocumentInfo:
    """What extraction learned about a PDF, kept so metadata can be re-derived without re-reading it."""

    pdf_title: str = ""
    pdf_author: str = ""
    first_heading: str = ""
    detected_board: str = ""
    detected_year: int | None = None
    detected_type: str = ""
    page_count: int = 0
    scanned_pages: tuple[int, ...] = ()  # no text layer, and not read by OCR: not searchable
    ocr_pages: tuple[int, ...] = ()  # no text layer, read by OCR (ingest --ocr): machine-read text


@dataclass(frozen=True)
class ReportMeta:
    """A report as users see it: citation fields plus where it came from."""

    file: str  # path of the PDF relative to the corpus folder, with forward slashes
    title: str
    board: str
    year: int | None
    review_type: str
    url: str
    sha256: str
    pages: int
    scanned_pages: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # pages whose text OCR read (see ocr.machine_read)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReportMeta":
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Passage:
    """A verbatim run of a report's cleaned text, with where it sits.

    ``text`` is an exact substring of the cleaned text of pages ``page``..``page_end``
    joined by a blank line.
    """

    id: str
    file: str
    page: int
    page_end: int
    page_label: str
    section: str
    paragraph: str
    text: str
    themes: tuple[str, ...] = ()
    # "text", "table" (rows kept with their column headings), "footnote" or "fragment" (under 12 words, not a
    # sentence, no neighbour to join); ingest indexes only text and tables.
    kind: str = "text"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Passage":
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Extracted:
    """Everything one worker produced from one PDF."""

    file: str
    sha256: str
    info: DocumentInfo
    pages: tuple[Page, ...]
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, with a reason a person can act on."""

    file: str
    reason: str


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    rank: int
    score: float
    passage: Passage
    report: ReportMeta
    link: str
    also_in: tuple["Hit", ...] = ()  # near-identical passages elsewhere (e.g. the executive summary), not ranked again
    weak: bool = False  # the passage does not match the question well (confidence.is_weak); shown as such
    named_themes: tuple[str, ...] = ()  # themes the question named ("disguised compliance") that this passage carries

    def to_json(self) -> dict[str, Any]:
        """The flat JSON form of the CLI contract (one object per hit)."""
        r, p = self.report, self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "file": r.file,
            "title": r.title,
            "board": r.board,
            "year": r.year,
            "review_type": r.review_type,
            "page": p.page,
            "page_end": p.page_end,
            "page_label": p.page_label,
            "section": p.section,
            "paragraph": p.paragraph,
            "themes": list(p.themes),
            "text": p.text,
            "link": self.link,
            "passage_id": p.id,
            "weak": self.weak,
            "also_in": [
                {"file": h.report.file, "title": h.report.title, "page": h.passage.page, "link": h.link,
                 "passage_id": h.passage.id}
                for h in self.also_in
            ],
            "named_themes": list(self.named_themes),
        }


@dataclass(frozen=True)
class Filters:
    """Restrictions applied before top-k. Empty values mean 'no restriction'."""

    year_from: int | None = None
    year_to: int | None = None
    review_types: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))


@dataclass(frozen=True)
class IngestSummary:
    """What an ingest did, for the closing summary line."""

    reports: int
    pages: int
    passages: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded: int = 0
    problems: tuple[Problem, ...] = ()
    scanned: tuple[tuple[str, tuple[int, ...]], ...] = ()
    seconds: float = 0.0
    changed: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


def _from_dict(cls, data: dict[str, Any]):
    names = _field_names(cls)
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
    return cls(**kwargs)


@lru_cache(maxsize=None)
def _field_names(cls) -> frozenset[str]:
    """Looked up once per class: dataclasses.fields() per row was a third of loading a large index."""
    return frozenset(f.name for f in fields(cls))

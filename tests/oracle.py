"""An oracle for "the shown text is the PDF's text", built on plain pypdf and nothing of the cleaner.

It reads each page with ``PdfReader(...).pages[i].extract_text()`` and compares passages with that
text after folding only whitespace (removed) and hyphens: a line-end hyphen ("risk-\\ntaking") may
be dropped only where the joined word is printed unhyphenated elsewhere in the document and the
hyphenated form is not; anywhere else it must be shown ("risktaking" is not the report's text). It
also checks two things a fold cannot see:

- a running header or footer (a line at the top or bottom of many pages, numbers masked) at the
  page break inside a passage that crosses pages;
- a passage that starts mid-sentence or with a private-use bullet glyph (:func:`starts_cleanly`).

The measurement tool (``tools/measure_passages.py``) and ``tests/test_oracle.py`` both use it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_FOLD = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
_LINE_END_HYPHEN = re.compile(r"\b([A-Za-z]+)-[ \t]*\n[ \t]*([a-z]+)\b")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


def fold(text: str) -> str:
    """Whitespace (and soft hyphens) removed, hyphen characters made one; nothing else changed."""
    return _FOLD.sub("", text).replace("\u2010", "-").replace("\u2011", "-")


def plain_pages(path: str | Path) -> list[str]:
    """Each page's text exactly as plain pypdf extracts it."""
    from pypdf import PdfReader

    return [(page.extract_text() or "") for page in PdfReader(str(path)).pages]


@dataclass(frozen=True)
class Document:
    """What the oracle knows of one PDF, all from plain pypdf text."""

    pages: tuple[str, ...]
    folded: tuple[str, ...]
    edge_keys: frozenset[str]


def document(pages: Sequence[str]) -> Document:
    pages = tuple(pages)
    kept = _kept_compounds(pages)

    def resolve(match: re.Match) -> str:
        left, right = match.groups()
        return f"{left}-{right}" if (left + right).lower() in kept else left + right

    folded = tuple(fold(_LINE_END_HYPHEN.sub(resolve, page)) for page in pages)
    return Document(pages, folded, _running_edges(pages))


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", fold(text).lower())


def _running_edges(pages: Sequence[str]) -> frozenset[str]:
    """Folded, number-masked lines seen among the first or last two lines of at least three pages
    and a quarter of the pages: running headers and footers ("Page # of #", "# to # December #")."""
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.split("\n") if line.strip()]
        counts.update({_mask(line) for line in lines[:2] + lines[-2:]})
    needed = max(3, len(pages) // 4)
    return frozenset(k for k, n in counts.items() if n >= needed and len(k.replace("#", "")) >= 4)


def _kept_compounds(pages: Sequence[str]) -> frozenset[str]:
    """Joined forms (lower case) of the line-end splits whose hyphen must stay: the joined word is
    not printed elsewhere in the document, or the hyphenated form is."""
    text = "\n".join(pages)
    flat = _LINE_END_HYPHEN.sub(" ", text).lower()  # the document without its line-end splits
    kept = set()
    for left, right in _LINE_END_HYPHEN.findall(text):
        joined, hyphenated = (left + right).lower(), f"{left}-{right}".lower()
        printed_joined = re.search(rf"\b{re.escape(joined)}\b", flat)
        printed_hyphenated = re.search(rf"\b{re.escape(hyphenated)}\b", flat)
        if not printed_joined or printed_hyphenated:
            kept.add(joined)
    return frozenset(kept)


def is_running_edge(text: str, doc: Document) -> bool:
    """Whether ``text`` is one of the document's running headers or footers (numbers masked)."""
    return _mask(text) in doc.edge_keys


def check(passage_text: str, page: int, page_end: int, doc: Document) -> str:
    """"" when the passage is the PDF's own text on pages ``page``..``page_end`` (1-based), else why not."""
    wanted = fold(passage_text)
    if not wanted:
        return "empty passage"
    pieces = _split(wanted, doc.folded[page - 1 : page_end])
    if pieces is None:
        return f"not found on pages {page}-{page_end}"
    for before, after in zip(pieces, pieces[1:]):
        for key in doc.edge_keys:
            if _mask(before).endswith(key) or _mask(after).startswith(key):
                return f"running header or footer at the page break: {key!r}"
    return ""


def _split(wanted: str, pages: Sequence[str]) -> list[str] | None:
    """``wanted`` cut into one contiguous piece per page (in order), or None."""
    if not pages:
        return None
    if len(pages) == 1:
        return [wanted] if wanted in pages[0] else None
    first = pages[0]
    longest = _longest_prefix_in(wanted, first)
    for k in range(longest, max(0, longest - 400), -1):
        rest = _split(wanted[k:], pages[1:])
        if rest is not None and wanted[:k]:
            return [wanted[:k], *rest]
    if not first:  # an empty page in between
        return _split(wanted, pages[1:])
    return None


def _longest_prefix_in(wanted: str, page: str) -> int:
    lo, hi = 0, len(wanted)
    while lo < hi:  # a prefix found in the page means every shorter one is found too
        mid = (lo + hi + 1) // 2
        if wanted[:mid] in page:
            lo = mid
        else:
            hi = mid - 1
    return lo


def starts_cleanly(text: str) -> bool:
    """Starts at a sentence or numbered paragraph: not with a private-use glyph; after any bullet,
    quote or list marker ("\u25fc", "\u201c", "(c)", "b.") a capital letter or a number."""
    text = text.lstrip()
    if not text or _PRIVATE_USE.match(text) or text[0] in ",;:.)]!?":
        return False
    body = re.sub(r"^[^\w,;:.)\]!?]+", "", text)  # bullets, quotes, dashes, brackets opening
    body = re.sub(r"^(?:[a-z]{1,2}|[ivx]{1,5})[.)]\s+", "", body)  # "(b) ", "ii. "
    return bool(body) and (body[0].isupper() or body[0].isdigit())


@lru_cache(maxsize=64)
def document_of(path: str) -> Document:
    return document(plain_pages(path))

"""Where a citation points: the address that opens a report at a page, and how its pages are written.

The one home for both, used by the search results, the command line, the app and the exports.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from .records import ReportMeta

WEB = ("http://", "https://")


def published_link(report: ReportMeta, page: int) -> str:
    """The report's published address at ``page`` (``...#page=N``), or "" when it has none.

    ``reports.csv`` is typed by hand, so only a web address counts: never a ``javascript:`` link.
    """
    url = report.url.split("#", 1)[0].strip()
    return f"{url}#page={page}" if url.lower().startswith(WEB) else ""


def page_link(report: ReportMeta, page: int, *, local_base: str | None = None, corpus_dir: Path | None = None) -> str:
    """Where to open ``report`` at ``page``: its published address, else the local PDF.

    Args:
        local_base: the address a server publishes the corpus under (the app's static folder);
            the PDF's own path is appended.
        corpus_dir: else, the corpus folder on this machine (resolved by the caller, once): a
            ``file://`` address.
    """
    published = published_link(report, page)
    if published:
        return published
    if local_base is not None:
        return f"{local_base}{quote(report.file)}#page={page}"
    folder = Path(corpus_dir) if corpus_dir is not None else Path(".")
    return f"{(folder / report.file).absolute().as_uri()}#page={page}"


def pages_text(page: int, page_end: int | None = None, label: str = "") -> str:
    """"p. 4", "pp. 4–5", with the printed page number when it differs ("p. 5 (printed 3)")."""
    text = f"p. {page}" if not page_end or page_end == page else f"pp. {page}\u2013{page_end}"
    if label and label != str(page):
        text += f" (printed {label})"
    return text

"""The one home for citation links and page wording (dscb_assistant/links.py)."""

from __future__ import annotations

from pathlib import Path

from dscb_assistant.links import page_link, pages_text, published_link
from dscb_assistant.records import ReportMeta


def _report(url="", file="sub/Child D review.pdf"):
    return ReportMeta(file=file, title="t", board="b", year=2020, review_type="other", url=url, sha256="", pages=9)


def test_a_published_web_address_wins_and_its_own_fragment_is_replaced():
    report = _report("https://example.org/r.pdf#view=fit")
    assert published_link(report, 4) == "https://example.org/r.pdf#page=4"
    assert page_link(report, 4, local_base="app/static/corpus/") == "https://example.org/r.pdf#page=4"


def test_anything_but_a_web_address_is_never_used_as_the_published_link():
    for url in ("javascript:alert(1)", "file:///etc/passwd", "", "  "):
        assert published_link(_report(url), 2) == ""


def test_without_a_published_address_the_local_pdf_is_opened_at_the_page(tmp_path):
    report = _report()
    assert page_link(report, 3, local_base="app/static/corpus/") == "app/static/corpus/sub/Child%20D%20review.pdf#page=3"
    assert page_link(report, 3, corpus_dir=tmp_path) == (tmp_path / "sub" / "Child D review.pdf").as_uri() + "#page=3"
    assert page_link(report, 3).startswith(Path.cwd().as_uri())


def test_pages_are_written_one_way():
    assert pages_text(4) == "p. 4" == pages_text(4, 4) == pages_text(4, 4, "4")
    assert pages_text(4, 5) == "pp. 4\u20135"
    assert pages_text(5, 5, "3") == "p. 5 (printed 3)"

"""Extraction: encrypted, damaged, scanned and ordinary PDFs."""

from __future__ import annotations

import pytest

from dscb_assistant.errors import ExtractionError
from dscb_assistant.extract import read_pdf

from .pdfs import make_pdf, words


def test_reads_every_page_in_order(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [["First page text about the GP."], ["Second page text about CAMHS."]])
    doc = read_pdf(path)
    assert len(doc.pages) == 2
    assert "GP" in doc.pages[0] and "CAMHS" in doc.pages[1]


@pytest.mark.parametrize("aes", [False, True], ids=["rc4", "aes"])
def test_opens_pdf_encrypted_with_empty_password(tmp_path, aes):
    path = make_pdf(tmp_path / "locked.pdf", [["The strategy discussion was held without health."]], user_password="", aes=aes)
    assert b"/Encrypt" in path.read_bytes()
    assert "strategy discussion" in read_pdf(path).pages[0]


def test_real_password_gives_clear_reason(tmp_path):
    path = make_pdf(tmp_path / "secret.pdf", [["Hidden text."]], user_password="letmein")
    with pytest.raises(ExtractionError, match="protected by a password"):
        read_pdf(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(ExtractionError, match="empty"):
        read_pdf(path)


def test_html_saved_as_pdf(tmp_path):
    path = tmp_path / "page.pdf"
    path.write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    with pytest.raises(ExtractionError, match="web page"):
        read_pdf(path)


def test_truncated_pdf_is_reported_not_raised_raw(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [[words(200)]] * 3)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good.read_bytes()[:400])
    with pytest.raises(ExtractionError):
        read_pdf(broken)


def test_scanned_page_is_detected_and_others_still_read(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [["Typed page about neglect."], ["SCANNED LETTER"], ["Typed again."]], image_pages=[2])
    doc = read_pdf(path)
    assert doc.scanned_pages == (2,)
    assert doc.pages[1] == ""
    assert "neglect" in doc.pages[0]


def test_pdf_metadata_is_read(tmp_path):
    path = make_pdf(tmp_path / "m.pdf", [["Body."]], title="Serious Case Review: Child Z", author="Testshire LSCB")
    doc = read_pdf(path)
    assert doc.title == "Serious Case Review: Child Z"
    assert doc.author == "Testshire LSCB"


def test_reports_which_text_is_set_as_headings_and_which_as_footnotes(tmp_path):
    path = make_pdf(tmp_path / "t.pdf", [["# ES2 Interpreting", words(80), "~ 9 Section 47 of the Children Act 1989"]])
    doc = read_pdf(path)
    assert doc.emphasised[0] == ("ES2Interpreting",)  # whitespace and hyphens folded away
    assert any("9Section47oftheChildrenAct1989" in block for block in doc.small[0])
    assert not any("Thereviewpanel" in block for block in doc.emphasised[0] + doc.small[0])

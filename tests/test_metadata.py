"""Report metadata: reports.csv first, then the PDF's metadata, its first heading, dates in its text, then the file name."""

from __future__ import annotations

from pypdf import PdfReader, PdfWriter

from dscb_assistant.extract import read_pdf
from dscb_assistant.ingest import ingest
from dscb_assistant import index as index_store
from dscb_assistant.metadata import describe_document, normalise_review_type, read_reports_csv, resolve

from .conftest import write_reports_csv
from .pdfs import make_pdf, words


def test_fallbacks_in_order(tmp_path):
    info = describe_document(
        ["Kingsmead Safeguarding Children Board\n\nLearning Review: Child P\n\nPublished March 2019. " + words(30)],
        pdf_title="", pdf_author="", scanned=(),
    )
    meta = resolve("reviews/child-p.pdf", "0" * 64, info, None)
    assert meta.title == "Learning Review: Child P"
    assert meta.board == "Kingsmead Safeguarding Children Board"
    assert meta.year == 2019
    assert meta.review_type == "learning review"

    titled = describe_document([words(30)], pdf_title="SCR Child Z", pdf_author="", scanned=())
    assert resolve("x.pdf", "0" * 64, titled, None).title == "SCR Child Z"

    bare = describe_document([words(30)], pdf_title="", pdf_author="", scanned=())
    named = resolve("scr_child-w_2014.pdf", "0" * 64, bare, None)
    assert named.title == "Scr child w 2014" and named.year == 2014 and named.review_type == "other"

    row = {"title": "From CSV", "board": "CSV Board", "year": "2011", "review_type": "SCR", "url": "https://x.org/r.pdf"}
    from_csv = resolve("x.pdf", "0" * 64, info, row)
    assert (from_csv.title, from_csv.board, from_csv.year, from_csv.review_type, from_csv.url) == (
        "From CSV", "CSV Board", 2011, "serious case review", "https://x.org/r.pdf")


def test_csv_problems_are_warnings_not_failures(tmp_path):
    write_reports_csv(tmp_path, [
        {"file": "a.pdf", "title": "A", "board": "", "year": "last year", "review_type": "mystery", "url": ""},
        {"file": "", "title": "No file", "board": "", "year": "", "review_type": "", "url": ""},
    ])
    rows, warnings = read_reports_csv(tmp_path)
    assert rows["a.pdf"]["year"] == "" and rows["a.pdf"]["review_type"] == "other"
    assert len(warnings) == 3 and any("four-digit year" in w for w in warnings)


def test_review_type_aliases():
    assert normalise_review_type("CSPR") == "child safeguarding practice review"
    assert normalise_review_type(" Serious  Case Review ") == "serious case review"
    assert normalise_review_type("novel") is None


def test_printed_page_labels_are_kept(tmp_path):
    path = make_pdf(tmp_path / "raw.pdf", [["Cover"], ["Contents"], ["Intro " + words(20)], ["More " + words(20)]])
    writer = PdfWriter(clone_from=PdfReader(str(path)))
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 3, style="/D", start=1)
    labelled = tmp_path / "labelled.pdf"
    writer.write(str(labelled))
    assert read_pdf(labelled).labels == ("i", "ii", "1", "2")


def test_csv_edit_updates_metadata_without_re_reading(small_corpus):
    ingest(small_corpus)
    rows, _ = read_reports_csv(small_corpus.corpus_dir)
    rows["domestic.pdf"]["title"] = "Renamed review"
    write_reports_csv(small_corpus.corpus_dir, [{"file": f, **{k: v for k, v in r.items() if k != "file"}} for f, r in rows.items()])
    summary = ingest(small_corpus)
    assert summary.changed and summary.embedded == 0 and summary.added == () and summary.updated == ()
    assert index_store.read(small_corpus.index_dir).reports["domestic.pdf"].title == "Renamed review"


def test_csv_url_must_be_http(tmp_path):
    write_reports_csv(tmp_path, [{"file": "a.pdf", "title": "A", "board": "", "year": "", "review_type": "",
                                  "url": "javascript:alert(1)"}])
    rows, warnings = read_reports_csv(tmp_path)
    assert rows["a.pdf"]["url"] == "" and any("not an http(s) address" in w for w in warnings)

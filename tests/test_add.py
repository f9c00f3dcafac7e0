"""Adding reports: only PDFs, only inside the corpus folder, downloads bounded in size and time, metadata in reports.csv."""

from __future__ import annotations

import csv
import http.server
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dscb_assistant import cli
from dscb_assistant.add import (
    AddError,
    ReportDetails,
    add_report,
    check_pdf,
    download_pdf,
    record_details,
    safe_file_name,
    store_pdf,
)

from dscb_assistant.fetch import FetchPolicy

from .pdfs import make_pdf, words

# The test servers are on loopback, which the real policy refuses; this test-only switch lets them through.
LOOPBACK = FetchPolicy(allow_loopback=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def read_csv(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "reports.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# -- checks and names ----------------------------------------------------------------------------
@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"<html><body>Not found</body></html>", "not a PDF"),
    (b"MZ\x90\x00" + b"\x00" * 100, "not a PDF"),
    (b"%PDF-1.7" + b"\x00" * (2 * 1024 * 1024), "limit is 1 MB"),
])
def test_check_pdf_refuses(data, message):
    with pytest.raises(AddError, match=message):
        check_pdf(data, max_mb=1)


def test_check_pdf_accepts_header_after_junk():
    check_pdf(b"\xef\xbb\xbf\r\n" + PDF, max_mb=1)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd.pdf"),
    ("..\\..\\Windows\\evil.pdf", "evil.pdf"),
    ("/abs/path/Child D review.PDF", "Child-D-review.pdf"),
    ("Caf\u00e9 r\u00e9view (final) v2.pdf", "Cafe-review-final-v2.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("..pdf", "report.pdf"),
    ("", "report.pdf"),
    ("a" * 300 + ".pdf", "a" * 120 + ".pdf"),
    ("report.pdf\x00.exe", "report.pdf-.exe.pdf"),
])
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected


# -- storing -------------------------------------------------------------------------------------
def test_store_never_leaves_the_corpus_and_never_overwrites(tmp_path):
    corpus = tmp_path / "corpus"
    first = store_pdf(corpus, PDF, "../../outside.pdf", max_mb=1)
    assert first.new and first.file == "outside.pdf" and first.path == (corpus / "outside.pdf").resolve()
    assert not (tmp_path / "outside.pdf").exists()
    again = store_pdf(corpus, PDF, "outside.pdf", max_mb=1)
    assert not again.new and again.file == "outside.pdf"
    other = store_pdf(corpus, PDF + b"% changed\n", "outside.pdf", max_mb=1)
    assert other.new and other.file == "outside-2.pdf"
    assert (corpus / "outside.pdf").read_bytes() == PDF
    assert sorted(p.name for p in corpus.iterdir()) == ["outside-2.pdf", "outside.pdf"]  # no temporary left


def test_store_refuses_non_pdf_and_writes_nothing(tmp_path):
    with pytest.raises(AddError, match="not a PDF"):
        store_pdf(tmp_path, b"GIF89a....", "image.pdf", max_mb=1)
    assert list(tmp_path.iterdir()) == []


# -- reports.csv ---------------------------------------------------------------------------------
def test_record_details_appends_and_updates_keeping_other_rows_and_columns(tmp_path):
    (tmp_path / "reports.csv").write_text("file,title,board,year,review_type,url,notes\nold.pdf,Old,B,2010,other,,keep me\n")
    record_details(tmp_path, "new.pdf", ReportDetails(title="  New\nreview ", year=2021, review_type="CSPR"))
    record_details(tmp_path, "new.pdf", ReportDetails(board="Northmere SCP"))
    rows = read_csv(tmp_path)
    assert rows[0] == {"file": "old.pdf", "title": "Old", "board": "B", "year": "2010", "review_type": "other",
                       "url": "", "notes": "keep me"}
    assert rows[1] == {"file": "new.pdf", "title": "New review", "board": "Northmere SCP", "year": "2021",
                       "review_type": "child safeguarding practice review", "url": "", "notes": ""}


def test_record_details_keeps_spreadsheet_formulas_inert_and_metadata_reads_them_back(tmp_path):
    from dscb_assistant.metadata import read_reports_csv

    record_details(tmp_path, "f.pdf", ReportDetails(title='=HYPERLINK("http://x","click")', board="@Board"))
    raw = (tmp_path / "reports.csv").read_text()
    assert "'=HYPERLINK" in raw and "'@Board" in raw
    rows, _ = read_reports_csv(tmp_path)
    assert rows["f.pdf"]["title"] == '=HYPERLINK("http://x","click")' and rows["f.pdf"]["board"] == "@Board"


@pytest.mark.parametrize("details, message", [
    (ReportDetails(review_type="inquiry"), "Review type"),
    (ReportDetails(year=21), "publication year"),
    (ReportDetails(url="javascript:alert(1)"), "https://"),
])
def test_record_details_refuses_bad_values(tmp_path, details, message):
    with pytest.raises(AddError, match=message):
        record_details(tmp_path, "x.pdf", details)
    assert not (tmp_path / "reports.csv").exists()


# -- downloads -----------------------------------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - the http.server API
        status, headers, body, delay = self.routes.get(self.path, (404, {}, b"missing", 0))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if delay:
            for _ in range(int(delay / 0.1)):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/review.pdf": (200, {"Content-Type": "application/pdf"}, PDF, 0),
        "/get?id=7": (200, {"Content-Type": "application/octet-stream",
                            "Content-Disposition": 'attachment; filename="../Child F SCR.pdf"'}, PDF, 0),
        "/page.html": (200, {"Content-Type": "text/html"}, b"<html></html>", 0),
        "/fake.pdf": (200, {"Content-Type": "application/pdf"}, b"<html>login</html>", 0),
        "/big.pdf": (200, {"Content-Type": "application/pdf", "Content-Length": str(5 * 1024 * 1024)}, PDF, 0),
        "/huge.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-" + b"0" * (2 * 1024 * 1024), 0),
        "/slow.pdf": (200, {"Content-Type": "application/pdf"}, PDF, 3),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b"", 0),
        "/to-pdf": (302, {"Location": "/review.pdf"}, b"", 0),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()


def test_download_pdf(server):
    data, name = download_pdf(f"{server}/review.pdf", max_mb=1, policy=LOOPBACK)
    assert data == PDF and name == "review.pdf"
    data, name = download_pdf(f"{server}/get?id=7", max_mb=1, policy=LOOPBACK)
    assert safe_file_name(name) == "Child-F-SCR.pdf"
    assert download_pdf(f"{server}/to-pdf", max_mb=1, policy=LOOPBACK)[0] == PDF


@pytest.mark.parametrize("path, message", [
    ("/page.html", "web page, not a PDF"),
    ("/fake.pdf", "not a PDF"),
    ("/big.pdf", "limit is 1 MB"),
    ("/huge.pdf", "larger than the limit"),
    ("/nothing.pdf", "answered 404"),
    ("/to-file", "other than a web address"),
])
def test_download_refusals(server, path, message):
    with pytest.raises(AddError, match=message):
        download_pdf(f"{server}{path}", max_mb=1, policy=LOOPBACK)


def test_download_gives_up_after_the_timeout(server):
    started = time.monotonic()
    with pytest.raises(AddError, match="longer than|did not answer"):
        download_pdf(f"{server}/slow.pdf", max_mb=1, policy=replace(LOOPBACK, deadline=0.5))
    assert time.monotonic() - started < 2.5


def test_download_refuses_the_test_server_without_the_test_only_switch(server):
    with pytest.raises(AddError, match="loopback address"):
        download_pdf(f"{server}/review.pdf", max_mb=1)


@pytest.mark.parametrize("url", ["ftp://example.org/x.pdf", "file:///etc/passwd", "javascript:alert(1)", "example.org/x.pdf"])
def test_download_only_http(url):
    with pytest.raises(AddError, match="https://"):
        download_pdf(url, max_mb=1)


def test_unreachable_address_is_a_clear_error():
    with pytest.raises(AddError, match="could not be reached|did not answer"):
        download_pdf("http://127.0.0.1:9/x.pdf", max_mb=1, policy=LOOPBACK)


def test_add_report_from_url_records_its_address(server, tmp_path):
    added = add_report(tmp_path, f"{server}/review.pdf", ReportDetails(year=2020), max_mb=1, policy=LOOPBACK)
    assert added.file == "review.pdf"
    assert read_csv(tmp_path)[0]["url"] == f"{server}/review.pdf"


# -- the CLI -------------------------------------------------------------------------------------
def test_cli_add_stores_records_and_indexes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DSCB_EMBEDDER", "hash-test-embedder")
    monkeypatch.setenv("DSCB_WORKERS", "1")
    pdf = make_pdf(tmp_path / "incoming" / "Neglect review.pdf",
                   [["# Findings", "Chronic neglect and poor home conditions were missed. " + words(80)]])
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    code = cli.main(["add", str(pdf), "--title", "Learning Review: Child N", "--board", "Testshire SCP",
                     "--year", "2022", "--type", "learning review", "--corpus", str(corpus), "--index", str(index),
                     "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Stored:" in out and "Indexed 1 reports" in out
    assert (corpus / "Neglect-review.pdf").is_file()
    assert read_csv(corpus) == [{"file": "Neglect-review.pdf", "title": "Learning Review: Child N", "board": "Testshire SCP",
                                 "year": "2022", "review_type": "learning review", "url": ""}]

    from dscb_assistant.search import Searcher
    from dscb_assistant.settings import Settings

    searcher = Searcher(Settings.from_env(corpus_dir=corpus, index_dir=index))
    assert searcher.search("neglect home conditions")[0].report.title == "Learning Review: Child N"


def test_cli_add_user_mistakes_are_one_line(tmp_path, capsys):
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("hello")
    assert cli.main(["add", str(not_pdf), "--corpus", str(tmp_path / "c"), "--no-ingest"]) == 1
    assert "error: This is not a PDF" in capsys.readouterr().err
    assert cli.main(["add", str(tmp_path / "missing.pdf"), "--corpus", str(tmp_path / "c"), "--no-ingest"]) == 1
    assert "There is no file" in capsys.readouterr().err
    assert cli.main(["add", str(not_pdf), "--type", "inquiry", "--no-ingest"]) == 1
    assert "Review type 'inquiry'" in capsys.readouterr().err

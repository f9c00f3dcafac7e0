"""OCR of scanned pages (ingest --ocr, the Add page's box): the text is read, indexed, and marked as machine-read
on every card and export that quotes it.

The oracle for what OCR read is the sample report's own source text (the scanned page of Baby K is a letter
printed from it), never the code under test; pypdf finds no text on that page at all.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dscb_assistant import ocr
from dscb_assistant.records import Hit, Passage, ReportMeta
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT, Settings

SCANNED = PROJECT_ROOT / "corpus" / "northmere-scr-baby-k-2016.pdf"  # page 18 is an image of a letter
SOURCE = PROJECT_ROOT / "corpus" / "sources" / "northmere-scr-baby-k-2016.txt"
needs_ocr = pytest.mark.skipif(bool(ocr.unavailable()), reason=f"OCR is not installed here: {ocr.unavailable()}")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


# -- pure parts ----------------------------------------------------------------------------------------
def test_sidecar_pages_follow_skipped_runs():
    text = "[OCR skipped on page(s) 1-17]\fLetter text\non two lines\f[OCR skipped on page(s) 19]"
    assert ocr.sidecar_pages(text) == {18: "Letter text\non two lines"}
    assert ocr.sidecar_pages("one\ftwo\f[OCR skipped on page(s) 3]\ffour") == {1: "one", 2: "two", 4: "four"}


def report(ocr_pages=()) -> ReportMeta:
    return ReportMeta(file="k.pdf", title="Serious Case Review: Baby K", board="Northmere", year=2016,
                      review_type="serious case review", url="https://example.org/k.pdf", sha256="0" * 64, pages=19,
                      ocr_pages=tuple(ocr_pages))


def hit(page: int, page_end: int, ocr_pages=(), pid: str = "p1") -> Hit:
    passage = Passage(id=pid, file="k.pdf", page=page, page_end=page_end, page_label="", section="Letter",
                      paragraph="", text="Thank you for agreeing to act as lead reviewer.")
    return Hit(rank=1, score=1.0, passage=passage, report=report(ocr_pages), link="")


def test_machine_read_when_any_page_of_the_passage_was_read_by_ocr():
    assert ocr.machine_read(hit(18, 18, (18,)).passage, report((18,)))
    assert ocr.machine_read(hit(17, 18, (18,)).passage, report((18,)))
    assert not ocr.machine_read(hit(17, 17, (18,)).passage, report((18,)))
    assert not ocr.machine_read(hit(18, 18).passage, report())


def test_every_export_marks_machine_read_text_and_only_that():
    from docx import Document
    from pptx import Presentation

    from dscb_assistant.export import to_docx, to_markdown
    from dscb_assistant.seminar import to_pptx

    read, typed = hit(18, 18, (18,), "p1"), hit(17, 17, (18,), "p2")
    md = to_markdown([read, typed])
    first, second = md.split("## 2.")
    assert ocr.MACHINE_READ_LABEL.split(":")[0] in first and ocr.MACHINE_READ_LABEL.split(":")[0] not in second
    texts = [p.text for p in Document(io.BytesIO(to_docx([read, typed]))).paragraphs]
    assert texts.count(ocr.MACHINE_READ_LABEL) == 1
    deck = Presentation(io.BytesIO(to_pptx([read, typed])))
    labelled = [any(ocr.MACHINE_READ_LABEL in shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
                for slide in deck.slides]
    assert labelled == [False, True, False, False]  # title, the OCR excerpt, the typed one, sources


# -- the real thing -----------------------------------------------------------------------------------------
def run_cli(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_WORKERS": "1"}
    return subprocess.run([sys.executable, "-m", "dscb_assistant", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=900)


@needs_ocr
def test_ingest_ocr_reads_the_scanned_page_and_marks_it(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(SCANNED, corpus / SCANNED.name)
    index = tmp_path / "index"

    plain = run_cli("ingest", str(corpus), "--index", str(index), "--quiet")
    assert plain.returncode == 0, plain.stderr
    assert "not searchable" in plain.stdout and "page 18" in plain.stdout
    before = run_cli("search", "agreeing to act as lead reviewer", "--index", str(index), "--json")
    assert not any(json.loads(line)["page"] == 18 for line in before.stdout.splitlines())

    read = run_cli("ingest", str(corpus), "--index", str(index), "--quiet", "--ocr")  # the unchanged file is read again
    assert read.returncode == 0, read.stderr
    assert "1 scanned page was read by OCR" in read.stdout and "not searchable" not in read.stdout
    found = [json.loads(line) for line in
             run_cli("search", "agreeing to act as lead reviewer", "--index", str(index), "--json").stdout.splitlines()]
    on_page = [h for h in found if h["page"] == 18]
    assert on_page and all(h["machine_read"] for h in on_page)
    assert not any(h["machine_read"] for h in found if h["page"] != 18)

    # What OCR read is the letter the report's source text holds (a misread word or two allowed).
    letter = set(words(SOURCE.read_text(encoding="utf-8")))
    for h in on_page:
        got = words(h["text"])
        assert sum(w in letter for w in got) >= 0.9 * len(got), h["text"]
    assert "agreeing to act as lead reviewer" in " ".join(words(" ".join(h["text"] for h in on_page)))

    human = run_cli("search", "agreeing to act as lead reviewer", "--index", str(index), "-k", "3")
    assert "Machine-read (OCR)" in human.stdout


def test_ingest_ocr_says_what_to_install_when_it_cannot_run(tmp_path, monkeypatch):
    from dscb_assistant.errors import DscbError
    from dscb_assistant.ingest import ingest

    monkeypatch.setattr(ocr, "unavailable", lambda: "Debian's tesseract-ocr is not installed (make ocr)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(DscbError, match="tesseract-ocr is not installed.*Nothing was changed"):
        ingest(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder=HASH_EMBEDDER, ocr=True))
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


# -- the app ------------------------------------------------------------------------------------------------
def _app(monkeypatch, corpus: Path, index: Path, static: Path):
    from streamlit.testing.v1 import AppTest

    from dscb_assistant.ui import resources

    for name, value in {"DSCB_CORPUS_DIR": str(corpus), "DSCB_INDEX_DIR": str(index), "DSCB_EMBEDDER": HASH_EMBEDDER,
                        "DSCB_WORKERS": "1", "DSCB_DEDUPE": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(resources, "STATIC_DIR", static)
    return AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()


@needs_ocr
def test_add_page_ocr_box_reads_the_scan_and_cards_say_machine_read(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    at = _app(monkeypatch, corpus, tmp_path / "index", tmp_path / "static")
    at.switch_page("dscb_assistant/ui/add_reports.py").run()
    box = at.checkbox(key="add-ocr")
    assert not box.disabled and not box.value
    box.check().run()
    at.file_uploader(key="upload-files").set_value((SCANNED.name, SCANNED.read_bytes(), "application/pdf"))
    next(b for b in at.button if b.label == "Add and index").click().run()
    assert not at.exception, at.exception
    assert any("Now searchable" in s.value for s in at.success)
    assert not any("cannot be searched" in i.value for i in at.info)

    at.switch_page("dscb_assistant/ui/ask.py").run()
    at.chat_input(key="ask-input").set_value("agreeing to act as lead reviewer terms of reference").run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown if 'class="dscb-quote"' in m.value]
    letter = [c for c in shown if "p. 18" in c]
    assert letter and all("Machine-read (OCR)" in c for c in letter)
    assert all("Machine-read (OCR)" not in c for c in shown if "p. 18" not in c)


def test_add_page_ocr_box_is_off_with_the_reason_when_ocr_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "unavailable", lambda: "Debian's tesseract-ocr is not installed (make ocr)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    at = _app(monkeypatch, corpus, tmp_path / "index", tmp_path / "static")
    at.switch_page("dscb_assistant/ui/add_reports.py").run()
    box = at.checkbox(key="add-ocr")
    assert box.disabled and "tesseract-ocr is not installed" in box.help

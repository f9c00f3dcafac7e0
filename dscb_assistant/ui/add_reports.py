"""The Add reports page: upload PDFs or give a link, with their details, then index them without restarting."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dscb_assistant import add
from dscb_assistant.fetch import FetchPolicy
from dscb_assistant.ocr import unavailable as ocr_unavailable
from dscb_assistant.records import REVIEW_TYPES
from dscb_assistant.ui.admin import require_adder
from dscb_assistant.ui.indexing import run_ingest, show_summary
from dscb_assistant.ui.layout import PAGES
from dscb_assistant.ui.resources import settings
from dscb_assistant.untrusted import markdown as _md


def render() -> None:
    st.title("Add reports")
    require_adder()  # asked again here: a page reached by its address is no way round the rule
    cfg = settings()
    st.caption("Reports are stored in the library's corpus folder and indexed straight away; "
               "only new and changed files are read. Leave a detail empty to take it from the PDF.")
    cannot = ocr_unavailable()
    use_ocr = st.checkbox(
        "Read scanned pages with OCR", value=cfg.ocr and not cannot, key="add-ocr", disabled=bool(cannot),
        help=f"Not available here: {cannot}." if cannot else
        "Pages that are pictures of paper (no text layer) are read by machine. Slower; the text is marked as "
        "machine-read wherever it is quoted, because it may hold misread words.",
    )
    cfg = replace(cfg, ocr=use_ocr)
    upload, download = st.tabs(["Upload PDFs", "Download from a link"])
    with upload:
        with st.form("upload-form", clear_on_submit=False, enter_to_submit=False):
            limit = min(cfg.max_file_mb, int(st.get_option("server.maxUploadSize")))
            files = st.file_uploader("Review PDFs", type=["pdf"], accept_multiple_files=True, key="upload-files",
                                     help=f"Up to {limit} MB each.")
            details = _details_inputs("upload")
            st.caption("With several files, the title and published address are left to each PDF; "
                       "board, year and type apply to all.")
            submitted = st.form_submit_button("Add and index", type="primary", icon=":material/upload_file:")
        if submitted:
            _add_uploads(cfg, files or [], details)
    with download:
        with st.form("download-form", clear_on_submit=False, enter_to_submit=False):
            url = st.text_input("Address of the PDF", placeholder="https://\u2026/review.pdf", key="download-url")
            details = _details_inputs("download")
            submitted = st.form_submit_button("Download and index", type="primary", icon=":material/download:")
        if submitted:
            _add_download(cfg, url, details)


def _details_inputs(prefix: str) -> add.ReportDetails | str:
    title = st.text_input("Title", key=f"{prefix}-title", placeholder="e.g. Serious Case Review: Child D")
    board = st.text_input("Board or partnership", key=f"{prefix}-board")
    year = st.text_input("Year published", key=f"{prefix}-year", max_chars=4, placeholder="e.g. 2021")
    review_type = st.selectbox("Review type", ["", *REVIEW_TYPES], key=f"{prefix}-type",
                               format_func=lambda t: t.capitalize() if t else "Work it out from the PDF")
    url = "" if prefix == "download" else st.text_input("Published address (optional)", key=f"{prefix}-url",
                                                        placeholder="https://\u2026")
    year = year.strip()
    if year and not (year.isdigit() and len(year) == 4):
        return f"The year must be four digits, e.g. 2021 (got {year!r})."
    return add.ReportDetails(title=title, board=board, year=int(year) if year else None, review_type=review_type, url=url)


def _add_uploads(cfg, files, details) -> None:
    if isinstance(details, str):
        st.error(_md(details))
        return
    if not files:
        st.warning("Choose one or more PDF files first.")
        return
    if len(files) > 1:
        details = add.ReportDetails(board=details.board, year=details.year, review_type=details.review_type)
    try:
        details = add.check_details(details)
    except add.AddError as exc:
        st.error(_md(str(exc)))
        return
    added = []
    for upload in files:
        try:
            stored = add.store_pdf(cfg.corpus_dir, upload.getvalue(), upload.name, max_mb=cfg.max_file_mb)
            if any((details.title, details.board, details.year, details.review_type, details.url)):
                add.record_details(cfg.corpus_dir, stored.file, details)
        except add.AddError as exc:
            st.error(_md(f"{upload.name}: {exc}"))
            continue
        added.append(stored)
        if not stored.new:
            st.info(_md(f"{upload.name} is already in the library as {stored.file}; its details were updated."))
    _index(cfg, added)


def _add_download(cfg, url: str, details) -> None:
    if isinstance(details, str):
        st.error(_md(details))
        return
    try:
        with st.spinner("Downloading\u2026"):
            stored = add.add_from_url(cfg.corpus_dir, url, details, max_mb=cfg.max_file_mb,
                                          policy=FetchPolicy.from_settings(cfg))
    except add.AddError as exc:
        st.error(_md(str(exc)))
        return
    _index(cfg, [stored])


def _index(cfg, added) -> None:
    if not added:
        return
    summary = run_ingest(cfg)
    if summary is None:
        return
    files = tuple(a.file for a in added)
    show_summary(summary, focus=files)
    ok = [f for f in files if f not in {p.file for p in summary.problems}]
    if ok:
        st.success(_md(f"Now searchable: {', '.join(ok)}."))
        st.page_link(PAGES["ask"], label="Ask the reviews", icon=":material/forum:")


if __name__ == "__main__":
    render()

"""Building the index from the app: the no-index empty state, ingest with a progress bar, and its summary."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from dscb_assistant.errors import DscbError, IngestBusyError
from dscb_assistant.settings import Settings
from dscb_assistant.untrusted import markdown as _md

from .layout import PAGES

INGEST_COMMAND = "python -m dscb_assistant ingest"


def no_index(cfg: Settings) -> None:
    """The empty state before any index exists: build it here, or the one command to run."""
    pdfs = _count_pdfs(Path(cfg.corpus_dir))
    st.info("There is no search index yet. It is built once from the review PDFs in the corpus folder.",
            icon=":material/inventory_2:")
    if pdfs:
        st.write(f"The corpus folder holds {pdfs} PDF{'s' if pdfs != 1 else ''}. Building takes about a minute for a dozen reports.")
        if st.button("Build the index now", type="primary", key="build-index"):
            if run_ingest(cfg):
                st.rerun()
    else:
        st.write("The corpus folder has no PDFs yet.")
        st.page_link(PAGES["add"], label="Add reports", icon=":material/upload_file:")
    st.caption("Or run this command in the project folder:")
    st.code(INGEST_COMMAND, language="bash")


WAIT_FOR_OTHER_INGEST = 600.0  # seconds


def run_ingest(cfg: Settings, *, rebuild: bool = False):
    """Bring the index up to date with a progress bar; the summary, or None after showing the problem."""
    from dscb_assistant.ingest import ingest

    bar = st.progress(0.0, text="Starting\u2026")
    owner = threading.current_thread()
    embedded = [0]

    def progress(stage: str, done: int, total: int) -> None:
        # Ingest embeds in a background thread; only the script's own thread may touch the page.
        if stage == "embed":
            embedded[0] = done
        if threading.current_thread() is not owner:
            return
        if stage == "read":
            note = f" \u00b7 {embedded[0]} passages embedded" if embedded[0] else ""
            text = f"Reading PDFs: {done} of {total}{note}" if done < total else "Embedding the last passages\u2026"
            bar.progress(min(0.05 + 0.75 * done / max(total, 1), 0.8), text=text)
        elif stage == "embed":
            bar.progress(0.85, text=f"Embedding passages: {done}")
        elif stage == "write":
            bar.progress(0.9 + 0.1 * min(done, 1), text="Writing the index")

    try:
        # Another session adding a report at the same moment: wait for its update, then include this one.
        summary = ingest(cfg, rebuild=rebuild, progress=progress, wait_seconds=WAIT_FOR_OTHER_INGEST)
    except IngestBusyError as exc:
        bar.empty()
        st.warning(_md(str(exc)))
        return None
    except DscbError as exc:
        bar.empty()
        st.error(_md(str(exc)))
        return None
    bar.progress(1.0, text="Done")
    return summary


def show_summary(summary, focus: tuple[str, ...] = ()) -> None:
    """The outcome of an ingest in plain words; problems with the files in ``focus`` (or all) as warnings."""
    if summary.changed:
        st.success(
            f"Indexed {summary.reports} reports, {summary.pages} pages, {summary.passages} passages "
            f"({len(summary.added)} new, {len(summary.updated)} changed, {len(summary.removed)} removed)."
        )
    else:
        st.success(f"The index is up to date: {summary.reports} reports, {summary.passages} passages.")
    for problem in summary.problems:
        if not focus or problem.file in focus:
            st.warning(_md(f"{problem.file} was not indexed: {problem.reason}"))
    for file, pages in summary.scanned:
        if not focus or file in focus:
            listed = ", ".join(map(str, pages))
            st.info(_md(f"{file}: page{'s' if len(pages) > 1 else ''} {listed} are scanned images with no text, so they cannot be searched (Read scanned pages with OCR, on the Add reports page, reads them)."))
    for note in summary.notes:
        st.caption(_md(note))


def _count_pdfs(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and not p.name.startswith("."))

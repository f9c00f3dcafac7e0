"""What every page shares: settings, the cached index and model, session state, banners and empty states.

Heavy modules (numpy, faiss, torch) are imported inside the cached loaders, so a page paints its
title before they load.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from dscb_assistant.errors import DscbError, IndexMismatchError, IndexMissingError, IngestBusyError
from dscb_assistant.records import Filters, Hit
from dscb_assistant.settings import Settings

# Streamlit serves <folder of app.py>/static/ at app/static/ when server.enableStaticServing is on.
STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "corpus"
LOCAL_BASE = "app/static/corpus/"
INGEST_COMMAND = "python -m dscb_assistant ingest"
PAGES = {
    "ask": "dscb_assistant/ui/ask.py",
    "themes": "dscb_assistant/ui/themes.py",
    "reports": "dscb_assistant/ui/reports.py",
    "collection": "dscb_assistant/ui/collection.py",
    "add": "dscb_assistant/ui/add_reports.py",
}
SAMPLE_NOTICE = (
    "These are fictional sample reports, written to show how the assistant works. "
    "They describe no real children, families or cases."
)


@dataclass
class Turn:
    """One exchange on the Ask page: a question (or "more like this" passage) and the hits it got."""

    query: str
    source: Hit | None = None  # set for "more like this"
    hits: list[Hit] = field(default_factory=list)
    asked_with: tuple = ()  # (filters, k, build) the hits were found with
    expansions: tuple[str, ...] = ()  # glossary phrases searched besides the question's own words
    error: str = ""


# -- settings and loaded resources ----------------------------------------------------------------
def settings() -> Settings:
    """Settings from the environment; a bad DSCB_* value stops the page with the reason."""
    try:
        return Settings.from_env()
    except ValueError as exc:
        st.error(f"The app's settings are not usable: {exc}")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=1)
def _load_searcher(index_dir: str, embedder: str, build: str, corpus_dir: str, _settings: Settings):
    from dscb_assistant import serve
    from dscb_assistant.search import Searcher

    searcher = Searcher(_settings, local_base=LOCAL_BASE)  # checks the index first: a mismatch loads no model
    searcher.search("warm up", k=1)  # loads the model and pays first-call costs before the first question
    try:
        served = serve.publish(Path(corpus_dir), STATIC_DIR, [r.file for r in searcher.report_list() if not r.url])
    except OSError:
        served = set()
    return searcher, frozenset(served)


def searcher_or_stop():
    """The loaded index for the current build (reloaded when an ingest swaps a new one in).

    With no index, or a damaged one, renders the empty state and stops the page.
    """
    from dscb_assistant.index import build_id

    cfg = settings()
    build = build_id(cfg.index_dir)
    if build is None:
        no_index(cfg)
        st.stop()
    try:
        with st.spinner("Loading the reports and the search model\u2026"):
            searcher, served = _load_searcher(str(cfg.index_dir), cfg.embedder, build, str(cfg.corpus_dir), cfg)
    except IndexMissingError:
        no_index(cfg)
        st.stop()
    except IndexMismatchError as exc:
        st.error(str(exc))
        if st.button("Rebuild the index now", type="primary"):
            if run_ingest(cfg, rebuild=True):
                st.rerun()
        st.stop()
    except DscbError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["_served"] = served
    return searcher


def served_locally(file: str) -> bool:
    return file in st.session_state.get("_served", frozenset())


@st.cache_resource(show_spinner=False)
def themes() -> dict:
    """Theme id -> Theme, in the data file's order; empty (with a warning) when the file is unusable."""
    from dscb_assistant.themes import load_themes

    try:
        return {t.id: t for t in load_themes()}
    except DscbError:
        return {}  # theme ids still show, as words; search is unaffected


def theme_name(theme_id: str) -> str:
    theme = themes().get(theme_id)
    return theme.name if theme else theme_id.replace("-", " ").capitalize()


@st.cache_data(show_spinner=False, max_entries=64)
def page_image(pdf_path: str, sha256: str, page: int, passage_text: str) -> tuple[bytes, bool]:
    """PNG of a report page with the passage highlighted (cached: the same card is shown on every rerun)."""
    from dscb_assistant.render import render_page

    image = render_page(pdf_path, page, passage_text)
    return image.png, image.highlighted


# -- banners and empty states ---------------------------------------------------------------------
def style() -> None:
    """The app's few styles: cards, marks, chips, and phone-width spacing."""
    st.html(
        """<style>
.dscb-title{font-weight:600;font-size:1.05rem;line-height:1.35;margin:0 0 .1rem}
.dscb-meta{color:#4a5560;font-size:.86rem;line-height:1.4;margin:0 0 .45rem}
.dscb-quote{border-left:3px solid #c7d7e4;padding:.1rem 0 .1rem .8rem;margin:.2rem 0 .5rem;line-height:1.6;
  overflow-wrap:anywhere;font-size:1rem;color:inherit}
.dscb-quote mark{background:#ffec99;color:inherit;padding:0 .08em;border-radius:2px}
.dscb-best{font-weight:600}
.dscb-chips{margin:.1rem 0 .35rem}
.dscb-chip{display:inline-block;border:1px solid #c9d6e2;background:#f1f6fa;color:#1f4a6b;border-radius:999px;
  padding:.02rem .6rem;font-size:.78rem;margin:0 .3rem .3rem 0;white-space:nowrap}
.dscb-open a{font-weight:600}
.dscb-open{margin:.1rem 0 .2rem}
.dscb-also{color:#4a5560;font-size:.86rem;margin:.1rem 0 .2rem}
@media (max-width:640px){
  .dscb-quote{padding-left:.55rem;font-size:.98rem}.dscb-title{font-size:1rem}
  [data-testid="stChatMessage"] [data-testid^="stChatMessageAvatar"]{display:none}
  [data-testid="stChatMessage"]{padding-left:.5rem;padding-right:.5rem}
}
</style>"""
    )


def sample_banner(searcher) -> None:
    from dscb_assistant.browse import is_sample_corpus

    if is_sample_corpus(searcher.report_list(), searcher.settings.corpus_dir):
        st.warning(f"**Sample library.** {SAMPLE_NOTICE}", icon=":material/info:")


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
        st.write(f"The corpus folder `{cfg.corpus_dir}` has no PDFs yet.")
        st.page_link(PAGES["add"], label="Add reports", icon=":material/upload_file:")
    st.caption("Or run this command in the project folder:")
    st.code(INGEST_COMMAND, language="bash")


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
        summary = ingest(cfg, rebuild=rebuild, progress=progress)
    except IngestBusyError as exc:
        bar.empty()
        st.warning(str(exc))
        return None
    except DscbError as exc:
        bar.empty()
        st.error(str(exc))
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
            st.warning(f"{problem.file} was not indexed: {problem.reason}")
    for file, pages in summary.scanned:
        if not focus or file in focus:
            listed = ", ".join(map(str, pages))
            st.info(f"{file}: page{'s' if len(pages) > 1 else ''} {listed} are scanned images with no text, so they cannot be searched.")
    for note in summary.notes:
        st.caption(note)


def _count_pdfs(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and not p.name.startswith("."))


# -- session state --------------------------------------------------------------------------------
def turns() -> list[Turn]:
    return st.session_state.setdefault("turns", [])


def collection() -> list[Hit]:
    """The trainer's collected excerpts, in their chosen order; lives as long as the browser session."""
    return st.session_state.setdefault("collection", [])


def in_collection(passage_id: str) -> bool:
    return any(h.passage.id == passage_id for h in collection())


def collect(hit: Hit) -> None:
    if not in_collection(hit.passage.id):
        collection().append(hit)


def uncollect(passage_id: str) -> None:
    st.session_state["collection"] = [h for h in collection() if h.passage.id != passage_id]


def move(passage_id: str, step: int) -> None:
    items = collection()
    index = next((i for i, h in enumerate(items) if h.passage.id == passage_id), None)
    if index is None:
        return
    target = min(max(index + step, 0), len(items) - 1)
    items.insert(target, items.pop(index))


def ask_more_like(hit: Hit) -> None:
    """Queue a "more like this" turn on the Ask page (pages other than Ask switch to it)."""
    label = " ".join(hit.passage.text.split()[:14])
    turns().append(Turn(query=label, source=hit))
    st.session_state["_go_ask"] = True
    st.session_state["_scroll_up"] = True


def filters_summary(filters: Filters) -> str:
    parts, open_end = [], "\u2026"
    if filters.year_from or filters.year_to:
        parts.append(f"{filters.year_from or open_end}\u2013{filters.year_to or open_end}")
    parts += list(filters.review_types) + list(filters.boards) + [theme_name(t) for t in filters.themes]
    return " \u00b7 ".join(parts)

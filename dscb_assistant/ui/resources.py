"""What the pages load once and share: settings, the cached index and model, themes, page images.

Heavy modules (numpy, faiss, torch) are imported inside the cached loaders, so a page paints its
title before they load.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dscb_assistant.errors import DscbError, IndexMismatchError, IndexMissingError, storage_error
from dscb_assistant.settings import Settings
from dscb_assistant.untrusted import markdown as _md

from . import indexing, links

# Streamlit serves <folder of app.py>/static/ at app/static/ when server.enableStaticServing is on.
STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "corpus"


def settings() -> Settings:
    """Settings from the environment; a bad DSCB_* value stops the page with the reason."""
    try:
        return Settings.from_env()
    except ValueError as exc:
        st.error(f"The app's settings are not usable: {_md(str(exc))}")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=1)
def _load_searcher(index_dir: str, embedder: str, build: str, corpus_dir: str, _settings: Settings):
    from dscb_assistant import serve
    from dscb_assistant.search import Searcher

    searcher = Searcher(_settings, local_base=links.LOCAL_BASE)  # checks the index first: a mismatch loads no model
    # The question box must not wait for the model (seconds on a cold start): it loads in the background
    # and questions asked meanwhile are answered from the words alone, labelled as such.
    searcher.search("warm up", k=1, mode="keywords")  # first-call costs of the word index, before the first question
    searcher.load_meaning_model(background=True)
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
        indexing.no_index(cfg)
        st.stop()
    try:
        with st.spinner("Loading the reports and the search model\u2026"):
            searcher, served = _load_searcher(str(cfg.index_dir), cfg.embedder, build, str(cfg.corpus_dir), cfg)
    except IndexMissingError:
        indexing.no_index(cfg)
        st.stop()
    except IndexMismatchError as exc:
        st.error(_md(str(exc)))
        if st.button("Rebuild the index now", type="primary"):
            if indexing.run_ingest(cfg, rebuild=True):
                st.rerun()
        st.stop()
    except DscbError as exc:
        st.error(_md(str(exc)))
        st.stop()
    except OSError as exc:  # the index folder cannot be read (permissions, a disk gone): a message, not a traceback
        st.error(_md(str(storage_error(exc, "read the index"))))
        st.stop()
    links.remember_served(served)
    return searcher


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

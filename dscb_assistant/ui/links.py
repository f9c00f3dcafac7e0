"""How a card points at its report: the page label and the "open at page" address the app may show."""

from __future__ import annotations

import streamlit as st

from dscb_assistant.links import pages_text
from dscb_assistant.records import Hit

# Local PDFs are published to static/corpus/ (resources.STATIC_DIR), which Streamlit serves here.
LOCAL_BASE = "app/static/corpus/"


def safe_link(hit: Hit) -> str:
    """The card's "open at page" address, only if it is a web address or a PDF the app itself serves."""
    link = hit.link or ""
    if link.lower().startswith(("https://", "http://")):
        return link
    if link.startswith(LOCAL_BASE) and served_locally(hit.report.file):
        return link
    return ""


def remember_served(files: frozenset[str]) -> None:
    """Record which local PDFs the app publishes, so their links may be shown this run."""
    st.session_state["_served"] = files


def served_locally(file: str) -> bool:
    return file in st.session_state.get("_served", frozenset())


def pages_label(hit: Hit) -> str:
    """"p. 4", "pp. 4–5", with the printed page number when it differs from the physical one."""
    return pages_text(hit.passage.page, hit.passage.page_end, hit.passage.page_label)

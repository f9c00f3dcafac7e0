"""The Ask page's conversation for this browser session: its turns, and "more like this" from any page."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from dscb_assistant.records import Hit


@dataclass
class Turn:
    """One exchange on the Ask page: a question (or "more like this" passage) and the hits it got."""

    query: str
    source: Hit | None = None  # set for "more like this"
    hits: list[Hit] = field(default_factory=list)
    asked_with: tuple = ()  # (filters, k, build) the hits were found with
    expansions: tuple[str, ...] = ()  # glossary phrases searched besides the question's own words
    error: str = ""
    keywords_only: bool = False  # answered while the meaning model was still loading


def turns() -> list[Turn]:
    return st.session_state.setdefault("turns", [])


def ask(query: str) -> None:
    turns().append(Turn(query=query))


def ask_more_like(hit: Hit) -> None:
    """Queue a "more like this" turn on the Ask page (pages other than Ask switch to it)."""
    label = " ".join(hit.passage.text.split()[:14])
    turns().append(Turn(query=label, source=hit))
    st.session_state["_go_ask"] = True
    st.session_state["_scroll_up"] = True


def reopen(index: int) -> None:
    items = turns()
    items.append(items.pop(index))


def forget() -> None:
    st.session_state["turns"] = []
    st.session_state["_pages_shown"] = set()

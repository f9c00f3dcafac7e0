"""The trainer's collection: the excerpts chosen from any page, in their chosen order."""

from __future__ import annotations

import streamlit as st

from dscb_assistant.records import Hit


def collection() -> list[Hit]:
    """The collected excerpts, in their chosen order; lives as long as the browser session."""
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


def empty() -> None:
    st.session_state["collection"] = []

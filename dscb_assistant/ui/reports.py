"""The Reports library page: every indexed report, and one report's passages with its learning sections first."""

from __future__ import annotations

import html

import streamlit as st

from dscb_assistant import browse
from dscb_assistant.records import Hit
from dscb_assistant.ui import cards, resources
from dscb_assistant.ui.links import safe_link
from dscb_assistant.ui.resources import theme_name
from dscb_assistant.untrusted import html as _html, markdown as _md

PAGE_SIZE = 10


def render() -> None:
    st.title("Reports library")
    searcher = resources.searcher_or_stop()
    passages_by_file: dict[str, list] = {}
    for passage in searcher.passages:
        passages_by_file.setdefault(passage.file, []).append(passage)
    opened = st.session_state.get("report-open")
    if opened in searcher.reports:
        _report(searcher, searcher.reports[opened], passages_by_file.get(opened, []))
    else:
        _library(searcher, passages_by_file)


def _library(searcher, passages_by_file: dict[str, list]) -> None:
    reports = sorted(searcher.report_list(), key=lambda r: (-(r.year or 0), r.title.lower()))
    st.caption(f"{len(reports)} reports, {sum(r.pages for r in reports)} pages, {len(searcher.passages)} passages. "
               "Newest first.")
    wanted = st.text_input("Find a report", placeholder="Title, board or year", key="report-find").strip().lower()
    if wanted:
        reports = [r for r in reports if wanted in f"{r.title} {r.board} {r.year or ''} {r.review_type}".lower()]
        if not reports:
            st.info("No report's title, board or year contains that.", icon=":material/search_off:")
    limit = st.session_state.get("report-limit", 25)
    for report in reports[:limit]:
        with st.container(border=True):
            themes = browse.report_theme_ids(passages_by_file.get(report.file, []))
            st.markdown(_summary_html(searcher, report, themes), unsafe_allow_html=True)
            st.button("Read its learning", key=f"open-{report.file}", icon=":material/menu_book:",
                      on_click=_open, args=(report.file,))
    if len(reports) > limit:
        st.button(f"Show more reports ({len(reports) - limit} more)", key="report-more",
                  on_click=lambda: st.session_state.__setitem__("report-limit", limit + 25))


def _report(searcher, report, passages: list) -> None:
    st.button("All reports", key="report-close", icon=":material/arrow_back:", on_click=_open, args=(None,))
    st.subheader(_md(report.title), anchor=False)
    theme_ids = browse.report_theme_ids(passages)
    st.markdown(_summary_html(searcher, report, theme_ids, title=False), unsafe_allow_html=True)
    if report.scanned_pages:
        st.caption(f"Scanned pages with no text (not searchable): {', '.join(map(str, report.scanned_pages))}")
    ordered = browse.learning_first(passages)
    st.subheader("Its passages, learning and findings first", anchor=False)
    limit_key = f"report-limit-{report.file}"
    limit = st.session_state.get(limit_key, PAGE_SIZE)
    section = None
    for number, passage in enumerate(ordered[:limit], start=1):
        if passage.section != section:
            section = passage.section
            st.markdown(f"**{_md(section or 'Untitled section')}**")
        cards.excerpt_card(_hit(searcher, report, passage, number), key=f"report-{number}", show_title=False)
    if len(ordered) > limit:
        st.button(f"Show more passages ({len(ordered) - limit} more)", key=f"{limit_key}-more",
                  on_click=lambda: st.session_state.__setitem__(limit_key, limit + PAGE_SIZE))


def _summary_html(searcher, report, theme_ids: list[str], *, title: bool = True) -> str:
    meta = [report.board or "Board not known", str(report.year or "Year not known"), report.review_type.capitalize(),
            f"{report.pages} pages"]
    parts = [f'<div class="dscb-title">{_html(report.title)}</div>'] if title else []
    parts.append(f'<div class="dscb-meta">{" &middot; ".join(_html(m) for m in meta if m)}</div>')
    if theme_ids:
        chips = "".join(f'<span class="dscb-chip">{_html(theme_name(t))}</span>' for t in theme_ids[:6])
        parts.append(f'<div class="dscb-chips" role="group" aria-label="Themes">{chips}</div>')
    link = safe_link(_hit(searcher, report, None, 1))
    if link:
        parts.append(f'<div class="dscb-open"><a href="{html.escape(link, quote=True)}" target="_blank" '
                     f'rel="noopener noreferrer">Open the report</a></div>')
    return "".join(parts)


def _open(file: str | None) -> None:
    st.session_state["report-open"] = file


def _hit(searcher, report, passage, rank: int) -> Hit:
    """A card for a passage met by browsing, not by a search (its score means nothing)."""
    from dscb_assistant.records import Passage

    if passage is None:
        passage = Passage(id="", file=report.file, page=1, page_end=1, page_label="", section="", paragraph="", text="")
    return Hit(rank=rank, score=0.0, passage=passage, report=report, link=searcher.link(report, passage.page))


if __name__ == "__main__":
    render()

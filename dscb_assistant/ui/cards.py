"""Excerpt cards: the verbatim passage (escaped, then emphasised), its citation, theme chips and actions."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import streamlit as st

from dscb_assistant.confidence import WEAK_LABEL
from dscb_assistant.highlight import highlight_html
from dscb_assistant.ocr import MACHINE_READ_LABEL, machine_read
from dscb_assistant.records import Hit
from dscb_assistant.untrusted import html as _html, markdown as _md

from .collected import collect, in_collection, uncollect
from .conversation import ask_more_like
from .links import pages_label, safe_link
from .resources import page_image, settings, theme_name


WEAK_CARD = f"{WEAK_LABEL.capitalize()}: this passage may not answer your question"


def card_html(hit: Hit, query: str = "", *, mark_words: bool = True, number: int | None = None,
              extra_terms: tuple[str, ...] = (), show_title: bool = True) -> str:
    """The card's body as HTML. Every piece of report text is escaped before markup is added."""
    report, passage = hit.report, hit.passage
    title = _html(report.title)
    if number is not None:
        title = f"{number}. {title}"
    meta = [
        report.board or "Board not known",
        str(report.year) if report.year else "Year not known",
        report.review_type.capitalize() if report.review_type else "",
        pages_label(hit),
        passage.section,
    ]
    excerpt = highlight_html(passage.text, query, extra_terms=extra_terms, mark_words=mark_words) if query else _html(passage.text)
    chips = "".join(f'<span class="dscb-chip">{_html(theme_name(t))}</span>' for t in passage.themes)
    parts = [
        f'<div class="dscb-weak">{WEAK_CARD}</div>' if hit.weak else "",
        f'<div class="dscb-title">{title}</div>' if show_title else "",
        f'<div class="dscb-meta">{" &middot; ".join(_html(m) for m in meta if m)}</div>',
        f'<div class="dscb-quote">{excerpt}</div>',
    ]
    if machine_read(passage, report):
        parts.append(f'<div class="dscb-also">{MACHINE_READ_LABEL}</div>')
    if chips:
        parts.append(f'<div class="dscb-chips" role="group" aria-label="Themes">{chips}</div>')
    if hit.named_themes:  # the question named the idea ("disguised compliance"); the report may use other words
        named = "; ".join(_html(theme_name(t)) for t in hit.named_themes)
        parts.append(f'<div class="dscb-named">Found through the theme you named: {named}</div>')
    link = safe_link(hit)
    if link:
        parts.append(
            f'<div class="dscb-open"><a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"Open the report at page {passage.page}</a></div>"
        )
    if hit.also_in:
        parts.append(f'<div class="dscb-also">{also_in_html(hit)}</div>')
    return "".join(parts)


def also_in_html(hit: Hit) -> str:
    """"Also in": where the same passage appears again (an executive summary repeating its overview
    report), each a link to that page when the app can open it. Shown once, not as another card."""
    places = []
    for copy in hit.also_in:
        label = _html(f"{copy.report.title}, p. {copy.passage.page}")
        link = safe_link(copy)
        places.append(f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'
                      if link else label)
    return "Nearly the same text is also in: " + "; ".join(places)


def excerpt_card(hit: Hit, *, key: str, query: str = "", mark_words: bool = True, number: int | None = None,
                 more: bool = True, collectable: bool = True, extra_terms: tuple[str, ...] = (),
                 show_title: bool = True) -> None:
    """One result card with its actions.

    Args:
        show_title: False under a heading that already names the report (theme and report pages).
    """
    with st.container(border=True):
        st.markdown(card_html(hit, query, mark_words=mark_words, number=number, extra_terms=extra_terms,
                              show_title=show_title), unsafe_allow_html=True)
        if not safe_link(hit):
            _download_fallback(hit, key)
        shown = st.session_state.setdefault("_pages_shown", set())
        page_key = f"{key}:{hit.passage.id}"
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Hide the page" if page_key in shown else "Show the page",
                key=f"{key}-page",
                icon=":material/description:",
                on_click=_toggle,
                args=(shown, page_key),
            )
            if more:
                st.button("More like this", key=f"{key}-more", icon=":material/manage_search:",
                          on_click=ask_more_like, args=(hit,))
            if collectable:
                if in_collection(hit.passage.id):
                    st.button("In collection \u2013 remove", key=f"{key}-collect", icon=":material/bookmark_remove:",
                              on_click=uncollect, args=(hit.passage.id,))
                else:
                    st.button("Add to collection", key=f"{key}-collect", icon=":material/bookmark_add:",
                              on_click=collect, args=(hit,))
        if page_key in shown:
            show_page(hit, key)


def show_page(hit: Hit, key: str = "page") -> None:
    """The original page as an image, with the passage's area highlighted."""
    from dscb_assistant.errors import DscbError

    path = Path(settings().corpus_dir) / hit.report.file
    try:
        with st.spinner("Drawing the page\u2026"):
            png, highlighted = page_image(str(path), hit.report.sha256, hit.passage.page, hit.passage.text)
    except DscbError as exc:
        st.warning(_md(str(exc)))
        return
    caption = f"Page {hit.passage.page} of {_md(hit.report.title, one_line=True)}"
    if not highlighted:
        caption += " (the passage could not be marked on this page)"
    alt = f"Page {hit.passage.page} of the report, drawn as an image" + (", the passage marked in yellow" if highlighted else "")
    st.image(png, caption=caption, width="stretch", alt=alt)
    if st.toggle("Full size, to read on a small screen", key=f"{key}-zoom"):
        # The page at its drawn size in a box that scrolls both ways: readable on a phone, and keyboard
        # users can scroll it because it takes focus.
        st.html(
            f'<div class="dscb-zoom" role="region" tabindex="0" '
            f'aria-label="{_html(f"Page {hit.passage.page} of {hit.report.title}, full size")}">'
            f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{_html(alt)}"></div>'
        )


def _toggle(shown: set, key: str) -> None:
    shown.symmetric_difference_update({key})


def _download_fallback(hit: Hit, key: str) -> None:
    # Only when the app cannot serve the PDF itself (read-only static folder): offer the file instead.
    path = Path(settings().corpus_dir) / hit.report.file
    if path.is_file():
        st.download_button(
            f"Download the report (see page {hit.passage.page})",
            data=lambda: path.read_bytes(),
            file_name=path.name,
            mime="application/pdf",
            key=f"{key}-pdf",
            on_click="ignore",
        )


"""The Collection page: the excerpts a trainer has gathered, to reorder, prune and export as a seminar deck,
Word or Markdown."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

import streamlit as st

from dscb_assistant import export, seminar
from dscb_assistant.browse import is_sample_corpus
from dscb_assistant.ui import cards, collected
from dscb_assistant.ui.layout import PAGES, SAMPLE_NOTICE
from dscb_assistant.ui.links import safe_link
from dscb_assistant.ui.resources import settings


def render() -> None:
    st.title("Collection")
    st.caption("Excerpts you add from any page stay here while this browser tab is open. "
               "Put them in order, then download them for a training session.")
    items = collected.collection()
    if not items:
        st.info("Nothing collected yet. Use **Add to collection** on any excerpt.", icon=":material/bookmarks:")
        st.page_link(PAGES["ask"], label="Ask the reviews", icon=":material/forum:")
        return

    cfg = settings()
    notice = SAMPLE_NOTICE if is_sample_corpus([h.report for h in items], cfg.corpus_dir) else ""
    if notice:
        st.caption("These excerpts quote the fictional sample reports; the downloads say so too.")
    stamp = dt.date.today().isoformat()
    samples = frozenset(h.report.file for h in items if is_sample_corpus([h.report], cfg.corpus_dir))
    made_with = {"notice": notice, "link_for": _export_link, "sample_files": samples}
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Download seminar pack (.pptx)",
            data=seminar.to_pptx(items, **made_with),
            file_name=f"case-review-seminar-{stamp}.pptx",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            icon=":material/slideshow:",
            type="primary",
            key="export-pptx",
            on_click="ignore",
        )
        st.download_button(
            "Download Word (.docx)",
            data=export.to_docx(items, **made_with),
            file_name=f"case-review-excerpts-{stamp}.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            icon=":material/download:",
            key="export-docx",
            on_click="ignore",
        )
        st.download_button(
            "Download Markdown (.md)",
            data=export.to_markdown(items, **made_with),
            file_name=f"case-review-excerpts-{stamp}.md",
            mime="text/markdown",
            icon=":material/download:",
            key="export-md",
            on_click="ignore",
        )
        st.button("Empty the collection", key="collection-clear", on_click=collected.empty, icon=":material/delete:")

    st.markdown(f"**{len(items)} excerpt{'s' if len(items) != 1 else ''}**")
    for position, hit in enumerate(list(items)):
        pid = hit.passage.id
        with st.container(border=True):
            st.markdown(cards.card_html(hit, number=position + 1), unsafe_allow_html=True)
            with st.container(horizontal=True, gap="small"):
                st.button("Move up", key=f"up-{pid}", icon=":material/arrow_upward:", disabled=position == 0,
                          on_click=collected.move, args=(pid, -1))
                st.button("Move down", key=f"down-{pid}", icon=":material/arrow_downward:",
                          disabled=position == len(items) - 1, on_click=collected.move, args=(pid, 1))
                st.button("Remove", key=f"remove-{pid}", icon=":material/close:", on_click=collected.uncollect, args=(pid,))


def _export_link(hit) -> str:
    """The published report at the excerpt's page, else the copy this app serves, as a full address (a
    downloaded file has no page to resolve a relative link against); "" when neither exists."""
    link = export.published_link(hit) or safe_link(hit)
    if link and not link.lower().startswith(("http://", "https://")):
        base = st.context.url
        link = urljoin(base, link) if base and base.lower().startswith(("http://", "https://")) else ""
    return link


if __name__ == "__main__":
    render()

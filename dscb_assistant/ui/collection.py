"""The Collection page: named collections of excerpts, kept in this browser, to reorder, prune, export as a
seminar deck, Word or Markdown, and move between browsers as a file."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

import streamlit as st

from dscb_assistant import export, seminar
from dscb_assistant.browse import is_sample_corpus
from dscb_assistant.ui import cards, collected, resources
from dscb_assistant.ui.layout import PAGES, SAMPLE_NOTICE
from dscb_assistant.ui.links import safe_link
from dscb_assistant.ui.resources import settings
from dscb_assistant.untrusted import markdown as _md

CONFIRM = "_collection_confirm"  # ("empty" | "delete", collection name) awaiting a yes


def render() -> None:
    st.title("Collection")
    st.caption("Excerpts you add from any page are kept in this browser, after a reload or a restart too, and "
               "never on the server. Put them in order, then download them for a training session.")
    _collections_bar()
    _confirmation()
    chosen = collected.collection()
    if not chosen:
        st.info("Nothing collected yet. Use **Add to collection** on any excerpt.", icon=":material/bookmarks:")
        st.page_link(PAGES["ask"], label="Ask the reviews", icon=":material/forum:")
        return

    searcher = resources.searcher_or_stop()
    items, missing = collected.resolve(searcher, chosen)
    for gone in missing:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.warning(f"No longer in the library: {_md(gone.title or gone.file, one_line=True)}, page {gone.page}"
                       + (f", {_md(gone.section, one_line=True)}" if gone.section else "")
                       + ". It may have been removed or replaced.", icon=":material/link_off:")
            st.button("Remove", key=f"remove-gone-{gone.id}", on_click=collected.uncollect, args=(gone.id,))
    if not items:
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
        st.button("Empty the collection", key="collection-clear", on_click=_ask_first,
                  args=("empty", collected.active_name()), icon=":material/delete:")

    st.markdown(f"**{len(items)} excerpt{'s' if len(items) != 1 else ''}**")
    for position, hit in enumerate(items):
        pid = hit.passage.id
        with st.container(border=True):
            st.markdown(cards.card_html(hit, number=position + 1), unsafe_allow_html=True)
            with st.container(horizontal=True, gap="small"):
                st.button("Move up", key=f"up-{pid}", icon=":material/arrow_upward:", disabled=position == 0,
                          on_click=collected.move, args=(pid, -1))
                st.button("Move down", key=f"down-{pid}", icon=":material/arrow_downward:",
                          disabled=position == len(items) - 1, on_click=collected.move, args=(pid, 1))
                st.button("Remove", key=f"remove-{pid}", icon=":material/close:", on_click=collected.uncollect, args=(pid,))


def _collections_bar() -> None:
    """Which collection excerpts go to; make a new one; delete one; carry them to another browser as a file."""
    names = list(collected.collections())
    active = collected.active_name()
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        picked = st.selectbox("Adding to", names, index=names.index(active), key=f"collection-pick-{active}")
        with st.popover("New collection", icon=":material/add:"):
            with st.form("collection-new", clear_on_submit=True, border=False):
                name = st.text_input("Name of the new collection", max_chars=collected.MAX_NAME, key="collection-new-name",
                                     placeholder="e.g. Seminar on non-mobile babies")
                if st.form_submit_button("Create", type="primary"):
                    try:
                        collected.create(name)
                    except collected.CollectionFileError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
        with st.popover("Import or export", icon=":material/swap_vert:"):
            st.download_button("Export every collection (.json)", data=collected.to_json(),
                               file_name=f"case-review-collections-{dt.date.today().isoformat()}.json",
                               mime="application/json", icon=":material/download:", key="collections-export",
                               on_click="ignore")
            st.caption("The file holds each excerpt's report, page and section: no questions.")
            upload = st.file_uploader("Import collections from a file exported here", type=["json"],
                                      key="collections-import")
            if upload is not None and st.button("Import", key="collections-import-go", icon=":material/upload:"):
                try:
                    added = collected.import_file(upload.getvalue())
                except collected.CollectionFileError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["_collection_imported"] = added
                    st.rerun()
        if len(names) > 1 or collected.collection():
            st.button("Delete this collection", key="collection-delete", icon=":material/delete_forever:",
                      on_click=_ask_first, args=("delete", active))
    if picked != active:
        collected.choose(picked)
        st.rerun()
    imported = st.session_state.pop("_collection_imported", None)
    if imported:
        st.success("Imported: " + ", ".join(_md(n, one_line=True) for n in imported) + ".")


def _confirmation() -> None:
    pending = st.session_state.get(CONFIRM)
    if not pending or pending[1] not in collected.collections():
        return
    what, name = pending
    count = len(collected.collections()[name])
    excerpts = f"{count} excerpt{'s' if count != 1 else ''}"
    if what == "empty":
        question, yes = f"Remove all {excerpts} from **{_md(name, one_line=True)}**?", "Yes, empty it"
    else:
        question, yes = f"Delete the collection **{_md(name, one_line=True)}** and its {excerpts}?", "Yes, delete it"
    with st.container(border=True):
        st.warning(f"{question} This cannot be undone; export it first to keep a copy.", icon=":material/warning:")
        with st.container(horizontal=True, gap="small"):
            st.button(yes, key="collection-confirm-yes", type="primary", on_click=_confirmed)
            st.button("Cancel", key="collection-confirm-no", on_click=st.session_state.pop, args=(CONFIRM, None))


def _ask_first(what: str, name: str) -> None:
    st.session_state[CONFIRM] = (what, name)


def _confirmed() -> None:
    what, name = st.session_state.pop(CONFIRM)
    if what == "empty":
        collected.choose(name)
        collected.empty()
    else:
        collected.delete(name)


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

"""The Browse themes page: every learning theme with how many reports and passages carry it, and its strongest passages."""

from __future__ import annotations

import streamlit as st

from dscb_assistant import browse
from dscb_assistant.errors import DscbError
from dscb_assistant.ui import cards, filters, layout, resources
from dscb_assistant.ui.resources import theme_name
from dscb_assistant.untrusted import html as _html, markdown as _md


def render() -> None:
    st.title("Browse themes")
    st.caption("The learning themes that recur in case reviews. Choose one to read the passages that discuss it most directly.")
    searcher = resources.searcher_or_stop()
    layout.sample_banner(searcher)
    chosen, k = filters.sidebar(searcher, show_themes=False)
    themes = resources.themes()
    counts = browse.theme_counts(searcher.passages)
    if not counts:
        st.info(
            "No passage in this index carries a theme yet. Rebuild the index to tag them: "
            "`python -m dscb_assistant ingest --rebuild`",
            icon=":material/label_off:",
        )
        return

    ordered = [t for t in themes if t in counts] + sorted(t for t in counts if t not in themes)
    ordered += [t for t in themes if t not in counts]  # themes with nothing yet, listed last so none is hidden

    def label(theme_id: str) -> str:
        count = counts.get(theme_id)
        return f"{theme_name(theme_id)} \u00b7 {count.reports}" if count else f"{theme_name(theme_id)} \u00b7 0"

    st.caption("The number after each theme is how many reports discuss it.")
    picked = st.pills("Themes", ordered, format_func=label, key="theme-pick", label_visibility="collapsed",
                      persist_state="session")
    if not picked:
        _overview(ordered, counts)
        return

    theme = themes.get(picked)
    count = counts.get(picked)
    st.subheader(_md(theme_name(picked)), anchor=False)
    if theme is not None and theme.description:
        description = theme.description[:1].upper() + theme.description[1:]
        st.markdown(f"<p>{_html(description)}</p>", unsafe_allow_html=True)
    if count is None:
        st.info("No passage in the library carries this theme.")
        return
    st.markdown(f"**{count.passages} passages in {count.reports} report{'s' if count.reports != 1 else ''}** carry this theme. "
                "The strongest are below, grouped by report.")
    summary = filters.summary(chosen)
    if summary:
        st.caption(f"Filtered: {_md(summary, one_line=True)}")
    cues = (theme.strong_cues + theme.cues) if theme is not None else ()
    try:
        groups = browse.strongest_for_theme(searcher, picked, browse.theme_query(theme_name(picked), cues),
                                            filters=chosen, k=max(k, 10))
    except DscbError as exc:
        st.warning(_md(str(exc)))
        return
    if not groups:
        st.info("No passages with this theme match the filters. Try removing a filter.", icon=":material/search_off:")
        return
    for report, hits in groups:
        st.subheader(_md(report.title), anchor=False)
        for hit in hits:
            cards.excerpt_card(hit, key=f"theme-{picked}-{hit.rank}", query=browse.theme_query(theme_name(picked), cues),
                               show_title=False)


def _overview(ordered: list[str], counts: dict) -> None:
    rows = [
        {
            "Theme": theme_name(t),
            "Reports": counts[t].reports if t in counts else 0,
            "Passages": counts[t].passages if t in counts else 0,
        }
        for t in ordered
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


if __name__ == "__main__":
    render()

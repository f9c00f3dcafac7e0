"""The Browse themes page: every learning theme with how many reports and passages carry it, how that changes
over the years, and its strongest passages (of one year, by clicking it on the chart)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dscb_assistant import browse
from dscb_assistant.errors import DscbError
from dscb_assistant.ui import cards, filters, resources
from dscb_assistant.ui.resources import theme_name
from dscb_assistant.untrusted import html as _html, markdown as _md


def render() -> None:
    st.title("Browse themes")
    st.caption("The learning themes that recur in case reviews. Choose one to read the passages that discuss it most directly.")
    searcher = resources.searcher_or_stop()
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
    by_year = browse.theme_years(searcher.passages, searcher.reports)
    if not picked:
        _overview_chart(by_year, ordered)
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
    event = _theme_chart(by_year, picked)
    years = selected_years(event)
    if years:
        chosen = replace(chosen, year_from=min(years), year_to=max(years))
        st.caption(f"Passages from {_year_words(years)} only, chosen on the chart. Click the bar again to show every year.")
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


def _overview_chart(by_year: list[browse.ThemeYear], ordered: list[str]) -> None:
    """How many reports carry each theme, year by year; clicking a cell opens that theme."""
    import altair as alt

    rows = [{"theme_id": r.theme_id, "Theme": theme_name(r.theme_id), "Year": r.year, "Reports": r.reports,
             "All reports": r.all_reports} for r in by_year]
    if len({r["Year"] for r in rows}) < 2:
        return  # one year (or none known) makes no picture of change
    names = [theme_name(t) for t in ordered if any(r["theme_id"] == t for r in rows)]
    pick = alt.selection_point(name="cell", fields=["theme_id"], on="click")
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("Year:O", title="Year published", axis=alt.Axis(labelAngle=-45, labelOverlap=False)),
            y=alt.Y("Theme:N", sort=names, title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
            color=alt.Color("Reports:Q", title="Reports", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(format="d", tickMinStep=1)),
            tooltip=["Theme:N", "Year:O", "Reports:Q", "All reports:Q"],
        )
        .add_params(pick)
        .properties(height=max(160, 20 * len(names)), title="How many reports carry each theme, year by year")
    )
    st.altair_chart(chart, on_select=_open_theme_from_chart, selection_mode="cell", key="theme-map",
                    width="stretch", height=max(160, 20 * len(names)) + 130)
    st.caption("Each square counts the reports of that year in which the theme appears. Click one to open the theme.")


def _open_theme_from_chart() -> None:
    picked = (st.session_state.get("theme-map") or {}).get("selection", {}).get("cell") or []
    if picked and picked[0].get("theme_id"):
        st.session_state["theme-pick"] = picked[0]["theme_id"]


def _theme_chart(by_year: list[browse.ThemeYear], theme_id: str):
    """A chosen theme year by year against all reports of each year; a year can be clicked."""
    import altair as alt

    rows = []
    for r in by_year:
        if r.theme_id == theme_id:
            rows.append({"Year": r.year, "Reports": r.reports, "Of": r.all_reports, "Which": "Carry this theme", "order": 0})
            rows.append({"Year": r.year, "Reports": r.all_reports - r.reports, "Of": r.all_reports,
                         "Which": "Other reports", "order": 1})
    if len({r["Year"] for r in rows}) < 2:
        return None
    pick = alt.selection_point(name="year", fields=["Year"], on="click")
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("Year:O", title="Year published", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Reports:Q", title="Reports", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("Which:N", title=None, scale=alt.Scale(domain=["Carry this theme", "Other reports"],
                                                                   range=["#1f5f8b", "#d5dde5"]),
                            legend=alt.Legend(orient="top")),
            order=alt.Order("order:Q"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["Year:O", "Which:N", "Reports:Q", alt.Tooltip("Of:Q", title="All reports that year")],
        )
        .add_params(pick)
        .properties(height=200, title="Reports carrying this theme, against all reports, year by year")
    )
    return st.altair_chart(chart, on_select="rerun", selection_mode="year", key=f"theme-years-{theme_id}",
                           width="stretch", height=320)


def selected_years(event) -> list[int]:
    """The years clicked on the theme's chart (none: every year)."""
    if not event:
        return []
    chosen = (event.get("selection") or {}).get("year") or []
    return sorted({int(point["Year"]) for point in chosen if isinstance(point, dict) and point.get("Year") is not None})


def _year_words(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}\u2013{years[-1]}"


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

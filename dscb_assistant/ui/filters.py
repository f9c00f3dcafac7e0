"""The sidebar filters (years, review type, board, themes) and the number of results, kept for the whole session."""

from __future__ import annotations

import streamlit as st

from dscb_assistant.records import Filters

from .resources import theme_name, themes

RESULT_CHOICES = (5, 10, 15, 20, 30)
GENERATION = "_filters_generation"


def sidebar(searcher, *, show_themes: bool = True) -> tuple[Filters, int]:
    """Render the filters and return what they select, plus how many results to show."""
    reports = searcher.report_list()
    years = sorted({r.year for r in reports if r.year})
    types = sorted({r.review_type for r in reports if r.review_type})
    boards = sorted({r.board for r in reports if r.board})
    theme_ids = [t for t in themes() if t in searcher.theme_order]
    theme_ids += [t for t in searcher.theme_order if t not in theme_ids]
    # Keys carry the options' shape, so a rebuilt index with other options starts from clean widgets,
    # and a generation that "Clear filters" moves on: new keys are new widgets at their defaults. Writing
    # the old keys' values instead is refused for a widget created with a default (a Session State
    # warning) and lost when an open dropdown sends its own value in the same click.
    gen = st.session_state.get(GENERATION, 0)
    year_key = f"f-years-{years[0]}-{years[-1]}-g{gen}" if years else f"f-years-g{gen}"
    keys = {"years": year_key, "types": f"f-types-{len(types)}-g{gen}", "boards": f"f-boards-{len(boards)}-g{gen}",
            "themes": f"f-themes-{len(theme_ids)}-g{gen}"}

    with st.sidebar:
        st.subheader("Filters")
        year_range = None
        if len(years) > 1:
            year_range = st.slider("Years published", years[0], years[-1], (years[0], years[-1]), key=keys["years"],
                                   persist_state="session")
        chosen_types = st.multiselect("Review type", types, key=keys["types"], persist_state="session",
                                      placeholder="Any type", format_func=str.capitalize)
        chosen_boards = st.multiselect("Board", boards, key=keys["boards"], persist_state="session",
                                       placeholder="Any board")
        chosen_themes: list[str] = []
        if show_themes and theme_ids:
            chosen_themes = st.multiselect("Themes", theme_ids, key=keys["themes"], persist_state="session",
                                           placeholder="Any theme", format_func=theme_name)
        elif not show_themes:
            chosen_themes = list(st.session_state.get(keys["themes"], []))
        k = st.select_slider("Number of results", RESULT_CHOICES, value=_default_k(searcher), key="f-k",
                             persist_state="session")
        st.button("Clear filters", key="f-clear", on_click=clear, icon=":material/filter_alt_off:")

    filters = Filters(
        year_from=year_range[0] if year_range and year_range[0] > years[0] else None,
        year_to=year_range[1] if year_range and year_range[1] < years[-1] else None,
        review_types=tuple(chosen_types),
        boards=tuple(chosen_boards),
        themes=tuple(chosen_themes) if show_themes else (),
    )
    return filters, int(k)


def summary(filters: Filters) -> str:
    """The chosen filters in a few words, for a "Filtered: ..." caption; empty when none is chosen."""
    parts, open_end = [], "\u2026"
    if filters.year_from or filters.year_to:
        parts.append(f"{filters.year_from or open_end}\u2013{filters.year_to or open_end}")
    parts += list(filters.review_types) + list(filters.boards) + [theme_name(t) for t in filters.themes]
    return " \u00b7 ".join(parts)


def clear() -> None:
    """Reset every filter (the sidebar button and the "no results" state): the next run draws fresh widgets."""
    gen = st.session_state.get(GENERATION, 0)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("f-") and k.endswith(f"-g{gen}")]:
        del st.session_state[key]
    st.session_state[GENERATION] = gen + 1


def _default_k(searcher) -> int:
    k = searcher.settings.k
    return min(RESULT_CHOICES, key=lambda choice: abs(choice - k))

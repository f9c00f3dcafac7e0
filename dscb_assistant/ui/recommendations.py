"""The Recommendations page: every recommendation in every report, verbatim, filtered by agency, theme and
years, with the near-identical ones other reviews made gathered together ("made in 2011, 2016 and 2023")."""

from __future__ import annotations

import html

import streamlit as st

from dscb_assistant import recommendations as recs
from dscb_assistant.ocr import MACHINE_READ_LABEL, pages_machine_read
from dscb_assistant.records import Hit, Passage
from dscb_assistant.ui import links, resources
from dscb_assistant.ui.resources import theme_name
from dscb_assistant.untrusted import html as _html, markdown as _md

GROUPS_PER_PAGE = 25


@st.cache_resource(show_spinner=False, max_entries=1)
def _found(build: str, _searcher) -> list[recs.Recommendation]:
    """The index's recommendations, found once per build (a second of work on a large library)."""
    return recs.find_recommendations(_searcher.passages, _searcher.reports)


def render() -> None:
    st.title("Recommendations across reviews")
    st.caption("Every recommendation the reviews make, quoted exactly as written. Recommendations that ask for "
               "nearly the same thing in different reviews are shown together, so you can see what keeps being asked.")
    searcher = resources.searcher_or_stop()
    found = _found(searcher.build, searcher)
    reports = searcher.reports
    if not found:
        st.info("No recommendations were found in these reports: none has a section headed *Recommendations* "
                "(or *Areas for improvement*), a numbered recommendation or a sentence such as "
                "*The Board should ...*.", icon=":material/checklist:")
        return

    wanted, repeated_only = _filters(found, reports)
    chosen = recs.select(found, reports, wanted)
    gathered = recs.groups(chosen, reports)
    repeated = [g for g in gathered if len({m.file for m in g}) > 1]
    if repeated_only:
        gathered = repeated
    made = len({r.file for r in chosen})
    st.markdown(f"**{len(chosen)} recommendation{'s' if len(chosen) != 1 else ''} from {made} "
                f"report{'s' if made != 1 else ''}**; {len(repeated)} made again in another review.")
    if not gathered:
        st.info("No recommendation matches these filters. Try removing one.", icon=":material/search_off:")
        return
    limit = st.session_state.get("recs-limit", GROUPS_PER_PAGE)
    for members in gathered[:limit]:
        with st.container(border=True):
            files = {m.file for m in members}
            if len(files) > 1:
                st.markdown(f":material/repeat: **Made in {_md(recs.years_made(members, reports))}**, "
                            f"by {len(files)} reviews")
            for position, member in enumerate(members):
                card = recommendation_html(searcher, member)
                st.markdown(f'<div style="margin-top:.9rem">{card}</div>' if position else card, unsafe_allow_html=True)
    if len(gathered) > limit:
        st.button(f"Show more ({len(gathered) - limit} more)", key="recs-more",
                  on_click=lambda: st.session_state.__setitem__("recs-limit", limit + GROUPS_PER_PAGE))


def _filters(found: list[recs.Recommendation], reports) -> tuple[recs.RecommendationFilter, bool]:
    kinds = [name for name, _ in recs.AGENCY_KINDS if any(name in r.agency_kinds for r in found)]
    if any(r.agency_kinds == ("Other",) for r in found):
        kinds.append("Other")
    theme_ids = sorted({t for r in found for t in r.themes}, key=theme_name)
    years = sorted({reports[r.file].year for r in found if r.file in reports and reports[r.file].year})
    with st.container(horizontal=True, gap="small"):
        agencies = st.multiselect("Addressed to", kinds, key="recs-agency", placeholder="Any agency")
        themes = st.multiselect("Themes", theme_ids, format_func=theme_name, key="recs-theme", placeholder="Any theme")
    year_from = year_to = None
    if len(years) > 1:
        year_from, year_to = st.slider("Years", years[0], years[-1], (years[0], years[-1]), key="recs-years")
        if (year_from, year_to) == (years[0], years[-1]):
            year_from = year_to = None
    repeated_only = st.toggle("Only recommendations made again in another review", key="recs-repeated")
    return recs.RecommendationFilter(agency_kinds=tuple(agencies), themes=tuple(themes), year_from=year_from,
                                     year_to=year_to), repeated_only


def recommendation_html(searcher, recommendation: recs.Recommendation) -> str:
    """One recommendation as HTML: its report and place, who it is addressed to, and the words themselves.

    Every piece of report text is escaped before markup is added.
    """
    report = searcher.reports[recommendation.file]
    pages = (f"p. {recommendation.page}" if recommendation.page == recommendation.page_end
             else f"pp. {recommendation.page}\u2013{recommendation.page_end}")
    meta = [report.board or "Board not known", str(report.year or "Year not known"), pages, recommendation.section]
    parts = [
        f'<div class="dscb-title">{_html(report.title, one_line=True)}</div>',
        f'<div class="dscb-meta">{" &middot; ".join(_html(m, one_line=True) for m in meta if m)}</div>',
    ]
    if recommendation.agency:
        parts.append(f'<div class="dscb-meta">Addressed to: {_html(recommendation.agency, one_line=True)}</div>')
    if recommendation.lead_in:
        parts.append(f'<div class="dscb-also">{_html(recommendation.lead_in)}</div>')
    parts.append(f'<div class="dscb-quote">{_html(recommendation.text)}</div>')
    if pages_machine_read(report, recommendation.page, recommendation.page_end):
        parts.append(f'<div class="dscb-also">{MACHINE_READ_LABEL}</div>')
    if recommendation.themes:
        chips = "".join(f'<span class="dscb-chip">{_html(theme_name(t))}</span>' for t in recommendation.themes)
        parts.append(f'<div class="dscb-chips">{chips}</div>')
    link = links.safe_link(_hit(searcher, report, recommendation))
    if link:
        parts.append(f'<div class="dscb-open"><a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">'
                     f"Open the report at page {recommendation.page}</a></div>")
    return "".join(parts)


def _hit(searcher, report, recommendation: recs.Recommendation) -> Hit:
    """A stand-in hit so the one rule for which links may be shown decides this one too."""
    passage = Passage(id=recommendation.id, file=report.file, page=recommendation.page, page_end=recommendation.page_end,
                      page_label="", section=recommendation.section, paragraph=recommendation.paragraph,
                      text=recommendation.text)
    return Hit(rank=0, score=0.0, passage=passage, report=report, link=searcher.link(report, recommendation.page))


if __name__ == "__main__":
    render()

"""The Ask page: a question in, ranked verbatim excerpts out, as a chat for the session."""

from __future__ import annotations

import streamlit as st

from dscb_assistant.confidence import NO_GOOD_MATCH, none_match
from dscb_assistant.errors import DscbError
from dscb_assistant.query import is_long, prepare
from dscb_assistant.ui import cards, conversation, filters, layout, resources
from dscb_assistant.ui.conversation import Turn
from dscb_assistant.untrusted import html as _html, markdown as _md

PREVIEW_CHARS = 600  # a pasted case summary is shown as its opening lines
KEYWORDS_ONLY = "Keyword matches only: the meaning model is still loading."
EXAMPLES = (
    "Bruising in babies who are not yet mobile",
    "Was the child seen and spoken to alone?",
    "Information sharing between police and health",
    "Fathers and male carers not known to services",
    "Missing episodes and return home interviews",
)


def render() -> None:
    st.title("Ask the reviews", anchor="ask")
    st.caption("Every answer is a set of passages quoted word for word from published case reviews, best match first.")

    # The question box sits at the top, like a search box: each answer is read from its first card
    # down, and a chat box pinned to the bottom would keep scrolling the page to the last card.
    # No max_chars: the browser silently ignores a paste that would pass it (a 3,000-character case
    # summary did nothing at all). The library uses the first 20,000 characters and the answer says so.
    with st.container():
        question = st.chat_input("Ask about practice, or paste a case summary", key="ask-input")
    # The box is drawn before the index is loaded, so it is there to type in while the rest arrives.
    searcher = resources.searcher_or_stop()
    chosen, k = filters.sidebar(searcher)
    if question and question.strip():
        conversation.ask(question.strip())
    turns = conversation.turns()
    layout.warn_before_leaving(bool(turns))  # app.py asked before this run's question was added
    if not turns:
        _welcome()
        return

    *earlier, latest = turns
    # Filters apply to the current question too: re-ask it whenever they (or the index) change.
    # ... and once the meaning model is ready, so a keywords-only answer gets the full ranking.
    asked_with = (chosen, k, searcher.build, searcher.meaning_ready())
    if latest.asked_with != asked_with:
        _ask(searcher, latest, chosen, k)
        latest.asked_with = asked_with
    with st.chat_message("user", avatar=":material/person:"):
        if latest.source is not None:
            st.markdown(f"**More like this passage** from *{_md(latest.source.report.title)}*, page {latest.source.passage.page}:")
            st.markdown(f"<span>\u201c{_html(latest.query)}\u2026\u201d</span>", unsafe_allow_html=True)
        else:
            _show_question(latest.query)
    with st.chat_message("assistant", avatar=":material/menu_book:"):
        summary = filters.summary(chosen)
        if summary:
            st.caption(f"Filtered: {_md(summary, one_line=True)}")
        _answer(latest, key=f"t{len(turns)}", latest=True, searcher=searcher)
        st.markdown("[Ask another question \u2191](#ask)")
    if earlier:
        # Earlier answers are listed, not redrawn: a page of old cards would slow every rerun.
        st.subheader("Earlier in this session", anchor=False)
        for number in range(len(earlier), 0, -1):
            turn = earlier[number - 1]
            with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                st.markdown(_md(_short(turn)))
                st.button("Show again", key=f"again-{number}", icon=":material/history:", on_click=conversation.reopen,
                          args=(number - 1,), type="tertiary")
        st.button("Clear the conversation", key="clear-turns", on_click=conversation.forget, icon=":material/delete_sweep:")
    if st.session_state.pop("_scroll_up", False):
        _scroll_to_question()


def _scroll_to_question() -> None:
    # "More like this" is pressed far down the page; its answer starts at the top.
    st.html(
        '<script>setTimeout(function () { var top = document.getElementById("ask"); '
        'if (top) { top.scrollIntoView({block: "start"}); } }, 100);</script>',
        unsafe_allow_javascript=True,
    )


def _show_question(query: str) -> None:
    """The question as asked; a long paste as its opening lines, the whole of it one click away."""
    if len(query) <= PREVIEW_CHARS:
        st.markdown(f"<span>{_html(query)}</span>", unsafe_allow_html=True)
        return
    st.markdown(f"<span>{_html(query[:PREVIEW_CHARS])}\u2026</span>", unsafe_allow_html=True)
    note = prepare(query).note
    st.caption(f"Pasted text of {len(query):,} characters." + (f" {note}" if note else ""))
    with st.expander("Show all of it"):
        st.text(query)


def _ask(searcher, turn: Turn, chosen, k: int) -> None:
    turn.error = ""
    try:
        if turn.source is not None:
            turn.hits = searcher.more_like(turn.source.passage.id, k=k, filters=chosen)
        else:
            turn.keywords_only = not searcher.meaning_ready()
            turn.hits = searcher.search(turn.query, k=k, filters=chosen, mode="keywords" if turn.keywords_only else "hybrid")
            turn.expansions = searcher.expansions(turn.query)
    except DscbError as exc:  # an empty or overlong question, or a passage gone after re-indexing
        turn.hits, turn.error = [], str(exc)


def _answer(turn: Turn, *, key: str, latest: bool = False, searcher=None) -> None:
    if turn.error:
        st.warning(_md(turn.error))
        return
    if not turn.hits:
        st.info("No matches with these filters.", icon=":material/search_off:")
        if latest:
            st.write("Try removing a filter, widening the years, or using fewer or other words.")
            st.button("Clear filters and search again", key=f"{key}-loosen", on_click=filters.clear)
        return
    if turn.keywords_only:
        st.info(f"{KEYWORDS_ONLY} The full ranking replaces these as soon as it is ready.",
                icon=":material/hourglass_top:")
        if latest:
            _rerun_when_ready(searcher)
    reports = len({h.report.file for h in turn.hits})
    counted = f"{len(turn.hits)} passage{'s' if len(turn.hits) != 1 else ''} from {reports} report{'s' if reports != 1 else ''}"
    if turn.source is None and none_match(turn.hits):
        st.warning(f"**{NO_GOOD_MATCH}** The closest passages are below, each marked as a weak match: they may "
                   "not answer it. Try other words, or fewer filters.", icon=":material/help:")
    st.markdown(f"**{counted}**")
    if turn.expansions:
        st.caption("Also searched for: " + "; ".join(_md(t) for t in turn.expansions))
    query = turn.source.passage.text if turn.source is not None else turn.query
    # For "more like this" or a pasted text the question is many sentences: emphasise the closest
    # sentences of each passage, mark no words (nearly every word would be marked).
    mark_words = turn.source is None and not is_long(query)
    for hit in turn.hits:
        cards.excerpt_card(hit, key=f"{key}-{hit.rank}", query=query, mark_words=mark_words, number=hit.rank,
                           extra_terms=turn.expansions)


@st.fragment(run_every=1.0)
def _rerun_when_ready(searcher) -> None:
    # Polls only while a keywords-only answer is shown; the rerun asks the question again with the model.
    if searcher is not None and searcher.meaning_ready():
        st.rerun(scope="app")


def _welcome() -> None:
    st.markdown("Ask a question as you would ask a colleague, or type a few words. Try one of these:")
    with st.container(horizontal=True, gap="small"):
        for i, example in enumerate(EXAMPLES):
            st.button(example, key=f"example-{i}", on_click=conversation.ask, args=(example,))


def _short(turn: Turn) -> str:
    prefix = "More like: " if turn.source is not None else ""
    text = turn.query if len(turn.query) <= 70 else turn.query[:67] + "\u2026"
    return f"{prefix}{text} ({len(turn.hits)} passages)"


if __name__ == "__main__":
    render()

"""DSCB Learning Assistant: search published child safeguarding case reviews; every answer is a verbatim excerpt.

Run with ``python -m streamlit run app.py``. The pages live in ``dscb_assistant/ui/``; this script
only sets up the page and the navigation, so the first paint never waits for the model.
"""

import streamlit as st

st.set_page_config(page_title="DSCB Learning Assistant", page_icon="📘", layout="centered")

from dscb_assistant.ui import state  # noqa: E402  (set_page_config must come first)

state.style()
collected = len(state.collection())
pages = [
    st.Page(state.PAGES["ask"], title="Ask", icon=":material/forum:", default=True),
    st.Page(state.PAGES["themes"], title="Browse themes", icon=":material/label:"),
    st.Page(state.PAGES["reports"], title="Reports library", icon=":material/library_books:"),
    st.Page(state.PAGES["collection"], title=f"Collection ({collected})" if collected else "Collection",
            icon=":material/bookmarks:"),
]
if state.settings().allow_adding:
    pages.append(st.Page(state.PAGES["add"], title="Add reports", icon=":material/upload_file:", url_path="add"))
page = st.navigation(pages)
if st.session_state.pop("_go_ask", False) and page.url_path not in ("", "ask"):
    st.switch_page(pages[0])  # "More like this" pressed on a browsing page: answer on the Ask page
page.run()

"""DSCB Learning Assistant: search published child safeguarding case reviews; every answer is a verbatim excerpt.

Run with ``python -m streamlit run app.py``. The pages live in ``dscb_assistant/ui/``; this script
only sets up the page and the navigation, so the first paint never waits for the model.
"""

# pandas whole before any thread can see it: the meaning model loads in a background thread, and
# Altair's chart code looks pandas up in sys.modules, where a half-imported module raised
# "partially initialized module 'pandas' has no attribute 'Timestamp'" on the themes page.
import pandas  # noqa: F401
import streamlit as st

st.set_page_config(page_title="DSCB Learning Assistant", page_icon="📘", layout="centered")

from dscb_assistant.access import CLOSED  # noqa: E402  (set_page_config must come first)
from dscb_assistant.ui import admin, collected, conversation, layout  # noqa: E402
from dscb_assistant.ui.layout import PAGES  # noqa: E402
from dscb_assistant.ui.resources import settings  # noqa: E402

cfg = settings()
layout.style()
layout.sample_banner(cfg.corpus_dir)  # every page, the add page and an empty collection too
collected.sync()  # the collections the browser keeps, before the navigation counts them
collected_count = len(collected.collection())
pages = [
    st.Page(PAGES["ask"], title="Ask", icon=":material/forum:", default=True),
    st.Page(PAGES["themes"], title="Browse themes", icon=":material/label:"),
    st.Page(PAGES["reports"], title="Reports library", icon=":material/library_books:"),
    st.Page(PAGES["recommendations"], title="Recommendations", icon=":material/checklist:"),
    st.Page(PAGES["collection"], title=f"Collection ({collected_count})" if collected_count else "Collection",
            icon=":material/bookmarks:"),
]
if admin.access().mode != CLOSED:  # open on a loopback-bound server; admins only, or closed, on a shared one
    pages.append(st.Page(PAGES["add"], title="Add reports", icon=":material/upload_file:", url_path="add"))
page = st.navigation(pages)
if st.session_state.pop("_go_ask", False) and page.url_path not in ("", "ask"):
    st.switch_page(pages[0])  # "More like this" pressed on a browsing page: answer on the Ask page
layout.warn_before_leaving(bool(conversation.turns()))
page.run()

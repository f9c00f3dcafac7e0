"""What frames every page: the page table, the app's styles and the fictional-sample banner."""

from __future__ import annotations

import streamlit as st

PAGES = {
    "ask": "dscb_assistant/ui/ask.py",
    "themes": "dscb_assistant/ui/themes.py",
    "reports": "dscb_assistant/ui/reports.py",
    "recommendations": "dscb_assistant/ui/recommendations.py",
    "collection": "dscb_assistant/ui/collection.py",
    "add": "dscb_assistant/ui/add_reports.py",
}
SAMPLE_NOTICE = (
    "These are fictional sample reports, written to show how the assistant works. "
    "They describe no real children, families or cases."
)


def style() -> None:
    """The app's few styles: cards, marks, chips, and phone-width spacing."""
    st.html(
        """<style>
.dscb-title{font-weight:600;font-size:1.05rem;line-height:1.35;margin:0 0 .1rem}
.dscb-meta{color:#4a5560;font-size:.86rem;line-height:1.4;margin:0 0 .45rem}
.dscb-quote{border-left:3px solid #c7d7e4;padding:.1rem 0 .1rem .8rem;margin:.2rem 0 .5rem;line-height:1.6;
  overflow-wrap:anywhere;font-size:1rem;color:inherit}
.dscb-quote mark{background:#ffec99;color:inherit;padding:0 .08em;border-radius:2px}
.dscb-best{font-weight:600}
.dscb-chips{margin:.1rem 0 .35rem}
.dscb-chip{display:inline-block;border:1px solid #c9d6e2;background:#f1f6fa;color:#1f4a6b;border-radius:999px;
  padding:.02rem .6rem;font-size:.78rem;margin:0 .3rem .3rem 0;white-space:nowrap}
.dscb-open a{font-weight:600}
.dscb-open{margin:.1rem 0 .2rem}
.dscb-also{color:#4a5560;font-size:.86rem;margin:.1rem 0 .2rem}
.dscb-weak{color:#7a4a00;background:#fff4dc;border-radius:.3rem;display:inline-block;font-size:.82rem;
  font-weight:600;padding:.05rem .5rem;margin:0 0 .3rem}
.dscb-zoom{overflow:auto;max-height:80vh;border:1px solid #c7d7e4}
.dscb-zoom img{display:block;max-width:none;width:auto}
.dscb-zoom:focus{outline:3px solid #1f5f8b;outline-offset:2px}
@media (max-width:640px){
  .dscb-quote{padding-left:.55rem;font-size:.98rem}.dscb-title{font-size:1rem}
  [data-testid="stChatMessage"] [data-testid^="stChatMessageAvatar"]{display:none}
  [data-testid="stChatMessage"]{padding-left:.5rem;padding-right:.5rem}
}
</style>"""
    )


def sample_banner(corpus_dir) -> None:
    """The fictional-sample notice, drawn by app.py above every page while the corpus holds the samples."""
    from dscb_assistant.browse import corpus_has_samples

    if corpus_has_samples(corpus_dir):
        st.warning(f"**Sample library.** {SAMPLE_NOTICE}", icon=":material/info:")


def warn_before_leaving(conversation: bool) -> None:
    """Ask the browser to confirm a reload or close while there is a conversation it would lose."""
    # Runs in the page itself (not an iframe): the browser only asks for a page the user has interacted with.
    st.html(
        "<script>window.dscbKeep = %s; if (!window.dscbKeepHooked) { window.dscbKeepHooked = true; "
        "window.addEventListener('beforeunload', function (event) { if (window.dscbKeep) { "
        "event.preventDefault(); event.returnValue = ''; } }); }</script>" % ("true" if conversation else "false"),
        unsafe_allow_javascript=True,
    )

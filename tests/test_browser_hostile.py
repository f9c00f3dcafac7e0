"""A crafted PDF cannot make the browser fetch anything or render markup: every page, in real Chromium.

The PDF's title, author (which becomes the board name), headings and body carry Markdown images
that point at an outside host, HTML, ``$...$`` maths and ``:red[...]`` directives. The test visits
every page of the app (and filters by the hostile board, so it reaches the "Filtered: ..." caption),
records every request the browser makes, and checks that none went anywhere but the app itself and
that the hostile text is shown literally.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dscb_assistant.settings import HASH_EMBEDDER, Settings

from .app_sandbox import CHROMIUM, CHROMIUM_ARGS, copy_app, running_app, require_chromium
from .pdfs import make_pdf, words

pytestmark = [pytest.mark.browser]

OUTSIDE = "outside.example"
TITLE = f"Review of Baby Q ![t](http://{OUTSIDE}/title.png) $x^2$ :red[title] <img src=http://{OUTSIDE}/t.png>"
AUTHOR = f"North Safeguarding ![b](http://{OUTSIDE}/board.png) :red[board] $y$ <b>bold</b>"
HEADING = f"Findings :red[heading] ![h](http://{OUTSIDE}/heading.png) $z$"
BODY = (f"The health visitor saw a bruise on the baby who was not yet mobile. ![body](http://{OUTSIDE}/body.png) "
        f"<img src=\"http://{OUTSIDE}/body2.png\"> costs $5 and $a+b$ and :red[red words] and "
        f"<script>fetch('http://{OUTSIDE}/s')</script> [link](http://{OUTSIDE}/l) www.{OUTSIDE}/w ")
RECOMMENDATION = (f"The Board should ensure that every bruise on a non-mobile baby is referred ![r](http://{OUTSIDE}/rec.png) "
                  f":red[now] $r$.")
LITERAL = [":red[red words]", "$a+b$", f"![body](http://{OUTSIDE}/body.png)", f"<img src=\"http://{OUTSIDE}/body2.png\">"]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    require_chromium()
    from dscb_assistant.ingest import ingest

    root = tmp_path_factory.mktemp("hostile-browser")
    corpus = root / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "hostile.pdf", [
        [f"# {HEADING}", BODY + words(80, seed=1)],
        ["# Recommendations", RECOMMENDATION, words(60, seed=2)],
    ], title=TITLE, author=AUTHOR, page_numbers=True)
    make_pdf(corpus / "plain.pdf", [["# Learning review: Child P", "The school nurse noticed weight loss. " + words(120, seed=3)]],
             title="Learning review: Child P", author="South Safeguarding Partnership")
    index = root / "index"
    summary = ingest(Settings(corpus_dir=corpus, index_dir=index, embedder=HASH_EMBEDDER, workers=1, file_timeout=120))
    assert summary.reports == 2, summary
    env = {**os.environ, "DSCB_INDEX_DIR": str(index), "DSCB_CORPUS_DIR": str(corpus), "DSCB_EMBEDDER": HASH_EMBEDDER}
    with running_app(copy_app(root / "app"), env, root / "streamlit.log") as (base, _):
        yield base


def _settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_timeout(300)


def _assert_inert(page, base: str, where: str) -> str:
    """No image, script, maths or coloured directive came from the reports; returns the page's text."""
    sources = page.evaluate("() => [...document.querySelectorAll('img, script, iframe, source, video, audio')]"
                            ".map(e => e.src || '')")
    assert all(s.startswith((base, "data:", "blob:")) or not s for s in sources), (where, sources)
    assert page.locator(".katex").count() == 0, where
    links = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)")
    assert not [h for h in links if OUTSIDE in h], (where, links)
    text = page.locator("section.main, [data-testid=stMain]").first.inner_text()
    assert "red words" not in text or ":red[red words]" in text, where
    return text


def test_hostile_pdf_text_is_shown_literally_and_fetches_nothing(hostile_app, tmp_path):
    from playwright.sync_api import sync_playwright

    base = hostile_app
    requests: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 1600})
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.set_default_timeout(90_000)

        # Ask, filtered by the hostile board: its name reaches the "Filtered: ..." caption.
        page.goto(base)
        page.get_by_placeholder("Ask about practice", exact=False).wait_for()
        board = page.get_by_role("combobox", name=re.compile("Board"))
        board.click()
        page.get_by_role("option", name=re.compile("North Safeguarding")).click()
        page.keyboard.press("Escape")
        _settle(page)
        box = page.get_by_placeholder("Ask about practice", exact=False)
        box.click()
        page.keyboard.type(f"bruise on a baby ![q](http://{OUTSIDE}/q.png) :red[question] $q$")
        page.keyboard.press("Enter")
        page.locator(".dscb-title").first.wait_for()
        _settle(page)
        text = _assert_inert(page, base, "ask")
        assert f"Filtered: {AUTHOR}" in text
        assert TITLE in text and HEADING in text
        assert all(piece in text for piece in LITERAL), [p for p in LITERAL if p not in text]
        assert f"![q](http://{OUTSIDE}/q.png) :red[question] $q$" in text
        page.screenshot(path=str(tmp_path / "ask.png"))
        page.get_by_role("button", name="Show the page").first.click()
        page.locator("[data-testid=stImage] img").first.wait_for()
        _settle(page)
        assert f"Page 1 of {TITLE}" in _assert_inert(page, base, "page image")
        page.get_by_role("button", name="Add to collection").first.click()
        page.get_by_role("button", name="In collection").first.wait_for()

        # Browse themes, filtered by the same board: the caption again, and the theme's passages.
        page.get_by_role("link", name="Browse themes").click()
        page.get_by_role("heading", name="Browse themes").wait_for()
        _settle(page)
        page.get_by_role("radio", name=re.compile("non-mobile babies", re.I)).first.click()
        page.locator(".dscb-quote").first.wait_for()
        _settle(page)
        text = _assert_inert(page, base, "themes")
        assert f"Filtered: {AUTHOR}" in text and TITLE in text

        # Reports library, then the hostile report's own page with its sections.
        page.get_by_role("link", name="Reports library").click()
        page.get_by_role("heading", name="Reports library").wait_for()
        _settle(page)
        assert TITLE in _assert_inert(page, base, "library")
        page.locator(".dscb-title", has_text="Review of Baby Q").locator("xpath=ancestor::*[@data-testid='stVerticalBlock'][1]") \
            .get_by_role("button", name="Read its learning").click()
        page.locator(".dscb-quote").first.wait_for()
        _settle(page)
        text = _assert_inert(page, base, "report")
        assert TITLE in text and HEADING in text and all(p in text for p in LITERAL)

        # Recommendations.
        page.get_by_role("link", name="Recommendations").click()
        page.get_by_role("heading", name="Recommendations across reviews").wait_for()
        page.locator(".dscb-quote").first.wait_for()
        _settle(page)
        text = _assert_inert(page, base, "recommendations")
        assert f"![r](http://{OUTSIDE}/rec.png) :red[now] $r$" in text

        # Collection, and its Markdown export.
        page.get_by_role("link", name=re.compile(r"Collection")).click()
        page.get_by_role("heading", name="Collection").wait_for()
        page.locator(".dscb-title").first.wait_for()
        _settle(page)
        assert TITLE in _assert_inert(page, base, "collection")

        # Add reports (served on loopback here, so open): no server path shown.
        page.get_by_role("link", name="Add reports").click()
        page.get_by_role("heading", name="Add reports").wait_for()
        _settle(page)
        text = _assert_inert(page, base, "add")
        assert "/tmp/" not in text and "corpus" in text.lower()
        page.get_by_role("tab", name="Download from a link").click()
        page.get_by_label("Address of the PDF").fill("http://169.254.169.254/latest/meta-data/")
        page.get_by_role("button", name="Download and index").click()
        page.get_by_text("link-local address", exact=False).wait_for()
        context.close()
        chromium.close()

    outside = sorted({u for u in requests if not u.startswith((base, "data:", "blob:"))})
    assert not outside, outside
    assert requests  # the recorder saw the app's own traffic

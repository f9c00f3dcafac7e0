"""The app in a real browser: `streamlit run app.py` on a free port, driven by Playwright in Debian's headless Chromium.

Screenshots (desktop and phone width) are saved under test-artifacts/ for people to look at.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dscb_assistant.settings import PROJECT_ROOT, Settings

from .app_sandbox import CHROMIUM, CHROMIUM_ARGS, free_port, running_app, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.model]

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"  # pinned in package.json; `npm ci` (make test)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
QUESTION = "health visitor saw bruising on a baby who could not roll yet"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served from the project folder, over an index of the real sample corpus built with the real model."""
    require_chromium()
    from dscb_assistant.ingest import ingest

    index = tmp_path_factory.mktemp("browser-index")
    ingest(Settings.from_env(corpus_dir=PROJECT_ROOT / "corpus", index_dir=index))
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    env = {**os.environ, "DSCB_INDEX_DIR": str(index), "DSCB_CORPUS_DIR": str(PROJECT_ROOT / "corpus")}
    with running_app(PROJECT_ROOT, env, log, start_timeout=60) as (base, _):
        yield base, log, index


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


def _page(browser, base: str, width: int, height: int, requests: list[str]):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)  # the first visit waits for the model to load
    page.on("request", lambda request: requests.append(request.url))
    return context, page


def _ask(page, question: str) -> None:
    box = page.get_by_placeholder("Ask about practice", exact=False)
    box.click()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.wait_for_selector(".dscb-title")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")


def _shot(page, name: str) -> None:
    """Screenshot once the script run has finished (no "Running" widget) and the page has drawn."""
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_ask_open_show_collect_export_on_desktop(server, browser):
    base, log, index = server
    requests: list[str] = []
    context, page = _page(browser, base, 1280, 900, requests)
    page.goto(base)
    page.get_by_role("button", name="Bruising in babies who are not yet mobile").wait_for()
    _shot(page, "01-desktop-ask-empty")

    _ask(page, QUESTION)
    titles = page.locator(".dscb-title").all_inner_texts()
    assert len(titles) >= 5 and "Baby K" in titles[0]
    assert page.locator(".dscb-quote mark").count() > 0 and page.locator(".dscb-best").count() > 0
    assert page.get_by_text("fictional sample reports").is_visible()
    _shot(page, "02-desktop-answer")

    # The source link opens the PDF at the page: served by the app itself, as a PDF.
    link = page.get_by_role("link", name="Open the report at page").first
    href = link.get_attribute("href")
    assert "#page=" in href and link.get_attribute("target") == "_blank"
    response = page.request.get(f"{base}/{href.split('#')[0]}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"

    # "Show the page", from the keyboard: focus the button and press Enter.
    page.get_by_role("button", name="Show the page").first.focus()
    page.keyboard.press("Enter")
    image = page.locator("[data-testid=stImage] img").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=image.element_handle())
    image.scroll_into_view_if_needed()
    _shot(page, "03-desktop-page-image")

    page.get_by_role("button", name="Add to collection").first.click()
    page.get_by_role("button", name="In collection").first.wait_for()
    page.get_by_role("link", name="Collection (1)").click()
    page.get_by_role("heading", name="Collection").wait_for()
    page.locator(".dscb-title").first.wait_for()
    _shot(page, "04-desktop-collection")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Word (.docx)").click()
    from docx import Document

    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and any(p.text.startswith("Source: Serious Case Review: Baby K.") for p in document.paragraphs)

    page.get_by_role("link", name="Browse themes").click()
    page.get_by_role("radio", name="Injuries to non-mobile babies", exact=False).click()
    page.get_by_role("button", name="Show the page").first.wait_for()
    page.get_by_text("The strongest are below", exact=False).evaluate("e => e.scrollIntoView({block: 'start'})")
    _shot(page, "05-desktop-theme")
    page.get_by_role("link", name="Reports library").click()
    page.get_by_role("button", name="Read its learning").first.click()
    page.locator(".dscb-quote").first.wait_for()
    _shot(page, "06-desktop-report")
    context.close()

    # Nothing left the machine, and the question was neither logged nor written anywhere.
    outside = [u for u in requests if not u.startswith((base, "data:", "blob:"))]
    assert not outside, outside
    assert QUESTION not in log.read_text()
    for path in index.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            assert QUESTION.encode() not in path.read_bytes(), path


def test_phone_width_is_readable(server, browser):
    base, _, _ = server
    context, page = _page(browser, base, 390, 844, [])
    page.goto(base)
    _ask(page, "return home interviews after missing episodes")
    _shot(page, "07-phone-answer")
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('.dscb-quote, .dscb-title, [data-testid=stChatInput]')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
    )
    assert overflow == 0
    page.get_by_role("button", name="Show the page").first.click()
    page.locator("[data-testid=stImage] img").first.wait_for()
    page.locator("[data-testid=stImage]").first.scroll_into_view_if_needed()
    _shot(page, "08-phone-page-image")
    # Fitted to 390 px an A4 page's text is about 6 px high; full size it can be read, scrolling the page.
    fitted = page.locator("[data-testid=stImage] img").first.bounding_box()["width"]
    page.get_by_text("Full size, to read on a small screen").first.click()
    zoomed = page.locator(".dscb-zoom img").first
    zoomed.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=zoomed.element_handle())
    box = page.locator(".dscb-zoom").first
    box.evaluate("e => { const m = e.querySelector('img'); e.scrollLeft = m.width * 0.1; e.scrollIntoView(); }")
    _shot(page, "08b-phone-page-full-size")
    width = zoomed.bounding_box()["width"]
    assert width >= 900 and width >= 2.5 * fitted, (width, fitted)  # about 1.5 CSS px per point: 11 pt text at 16 px
    assert box.evaluate("e => e.scrollWidth > e.clientWidth && e.getBoundingClientRect().right <= window.innerWidth + 1")
    assert zoomed.get_attribute("alt")
    context.close()


def test_clear_filters_works_on_the_first_click_with_a_dropdown_open(server, browser):
    base, _, _ = server
    context, page = _page(browser, base, 1280, 900, [])
    page.goto(base)
    _ask(page, QUESTION)
    sidebar = page.locator("[data-testid=stSidebar]")
    types = sidebar.locator("[data-testid=stMultiSelect]").first
    types.click()
    page.get_by_role("option", name="Serious case review").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_selector("text=Filtered: serious case review")
    types.click()  # the dropdown is open when "Clear filters" is pressed
    page.get_by_role("listbox").first.wait_for()
    sidebar.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_timeout(500)
    _shot(page, "09-filters-cleared")
    assert page.locator("text=Filtered:").count() == 0
    assert "Serious case review" not in types.inner_text()
    assert page.locator("text=Session State").count() == 0
    context.close()


def test_reloading_asks_first_only_when_there_is_a_conversation(server, browser):
    base, _, _ = server
    context, page = _page(browser, base, 1280, 900, [])
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(base)
    page.get_by_placeholder("Ask about practice", exact=False).click()
    page.reload()
    page.get_by_placeholder("Ask about practice", exact=False).wait_for()
    assert dialogs == []  # nothing to lose yet
    _ask(page, QUESTION)
    page.reload()
    page.get_by_placeholder("Ask about practice", exact=False).wait_for()
    assert dialogs == ["beforeunload"]
    context.close()


def _axe(page, name: str) -> list[str]:
    """The serious and critical WCAG 2.2 A/AA violations axe-core finds on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in the project folder (make test does)")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_timeout(500)
    _shot(page, f"axe-{name}")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # into the page itself: nothing is fetched from anywhere
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)",
        WCAG_AA,
    )
    return [f"{name}: {v}" for v in found]


def test_every_page_has_no_serious_accessibility_violations(server, browser):
    base, _, _ = server
    context, page = _page(browser, base, 1280, 900, [])
    page.goto(base)
    page.get_by_placeholder("Ask about practice", exact=False).wait_for()
    found = _axe(page, "ask-first-visit")
    _ask(page, QUESTION)
    assert page.locator(".dscb-chips").count() > 0  # theme chips are on the page being checked
    found += _axe(page, "ask-answers")
    page.get_by_role("button", name="Show the page").first.click()
    page.locator("[data-testid=stImage] img").first.wait_for()
    found += _axe(page, "ask-page-image")
    page.get_by_text("Full size, to read on a small screen").first.click()
    page.locator(".dscb-zoom img").first.wait_for()
    found += _axe(page, "ask-page-image-full-size")
    page.get_by_role("button", name="Add to collection").first.click()
    page.get_by_role("button", name="In collection").first.wait_for()

    page.get_by_role("link", name="Browse themes").click()
    page.get_by_role("heading", name="Browse themes").wait_for()
    found += _axe(page, "themes")
    page.get_by_role("radio", name="Injuries to non-mobile babies", exact=False).click()
    page.get_by_role("button", name="Show the page").first.wait_for()
    found += _axe(page, "theme-passages")
    page.get_by_role("link", name="Reports library").click()
    page.get_by_role("button", name="Read its learning").first.wait_for()
    found += _axe(page, "reports")
    page.get_by_role("button", name="Read its learning").first.click()
    page.locator(".dscb-quote").first.wait_for()
    found += _axe(page, "report-open")
    page.get_by_role("link", name="Recommendations").click()
    page.get_by_role("heading", name="Recommendations", exact=False).first.wait_for()
    found += _axe(page, "recommendations")
    page.get_by_role("link", name="Collection (1)").click()
    page.locator(".dscb-title").first.wait_for()
    found += _axe(page, "collection-with-items")
    page.get_by_role("link", name="Add reports").click()
    page.get_by_role("heading", name="Add reports").wait_for()
    found += _axe(page, "add-reports")
    context.close()
    assert not found, "\n".join(found)


def _tab_to(page, test: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element passes ``test`` (a JS function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


def test_keyboard_only_ask_open_the_page_and_collect(server, browser):
    base, _, _ = server
    context, page = _page(browser, base, 1280, 900, [])
    page.goto(base)
    page.get_by_placeholder("Ask about practice", exact=False).wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    _tab_to(page, "e => e.tagName === 'TEXTAREA' && (e.placeholder || '').startsWith('Ask about practice')")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_selector(".dscb-title")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    _tab_to(page, "e => e.tagName === 'BUTTON' && e.innerText.includes('Show the page')")
    page.keyboard.press("Enter")
    image = page.locator("[data-testid=stImage] img").first
    image.wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    _tab_to(page, "e => e.tagName === 'BUTTON' && e.innerText.includes('Add to collection')")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="In collection").first.wait_for()
    _shot(page, "10-keyboard-collected")
    page.get_by_role("link", name="Collection (1)").wait_for()  # the navigation counts it
    # The focused control shows where it is (WCAG 2.4.7): an outline or a ring drawn by the theme.
    visible = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                            "return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }")
    assert visible
    context.close()


def test_a_collection_survives_a_reload_and_a_restart_and_moves_as_a_file(server, browser, tmp_path):
    """Kept in the browser's storage, not on the server: a reload, a restarted server (same address), then
    another browser importing the exported file, all see it."""
    _, _, index = server
    env = {**os.environ, "DSCB_INDEX_DIR": str(index), "DSCB_CORPUS_DIR": str(PROJECT_ROOT / "corpus")}
    port = free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while a conversation exists
    with running_app(PROJECT_ROOT, env, tmp_path / "first.log", start_timeout=60, port=port) as (base, _):
        page.goto(base)
        _ask(page, QUESTION)
        title = page.locator(".dscb-title").first.inner_text()
        page.get_by_role("button", name="Add to collection").first.click()
        page.get_by_role("link", name="Collection (1)").wait_for()
        stored = page.evaluate("() => localStorage.getItem('dscb.collections.v1')")
        assert stored and QUESTION not in stored  # the passage, never the question
        page.reload()
        page.get_by_role("link", name="Collection (1)").wait_for()
    with running_app(PROJECT_ROOT, env, tmp_path / "second.log", start_timeout=60, port=port) as (base, _):
        page.goto(base)
        page.get_by_role("link", name="Collection (1)").click()
        page.locator(".dscb-title").first.wait_for()
        assert page.locator(".dscb-title").first.inner_text().split(". ", 1)[1] == title.split(". ", 1)[1]
        _shot(page, "11-collection-after-restart")
        page.get_by_role("button", name="Import or export").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Export every collection (.json)").click()
        saved = tmp_path / "collections.json"
        download.value.save_as(saved)
        context.close()

        other = browser.new_context(viewport={"width": 1280, "height": 900})  # another browser: nothing stored
        page = other.new_page()
        page.set_default_timeout(90_000)
        page.goto(base)
        page.get_by_role("link", name="Collection", exact=True).click()
        page.get_by_text("Nothing collected yet").wait_for()
        page.get_by_role("button", name="Import or export").click()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(saved))
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_role("link", name="Collection (1)").wait_for()
        page.locator(".dscb-title").first.wait_for()
        _shot(page, "12-collection-imported")
        other.close()


def test_a_long_paste_is_asked_and_nonsense_says_no_good_match(server, browser):
    """A paste of 5,000 characters used to do nothing at all: the box's max_chars made the browser drop it."""
    from pypdf import PdfReader

    base, _, _ = server
    context, page = _page(browser, base, 1280, 900, [])
    page.goto(base)
    box = page.get_by_placeholder("Ask about practice", exact=False)
    box.wait_for()
    pages = [p.extract_text() for p in PdfReader(PROJECT_ROOT / "corpus" / "northmere-scr-baby-k-2016.pdf").pages]
    paste = (pages[8] + "\n" + pages[9])[:5000].strip()  # page 9 and the start of page 10, as copied from a viewer
    assert len(paste) >= 4990
    box.fill(paste)  # one input event carrying the whole text, as a paste is
    assert box.input_value() == paste
    page.keyboard.press("Enter")
    page.get_by_text(f"Pasted text of {len(paste):,} characters.").wait_for()
    page.wait_for_selector(".dscb-title")
    # The first answer may be keywords only while the meaning model loads; the full one replaces it.
    page.wait_for_function("() => !document.body.innerText.includes('Keyword matches only')")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    metas = page.locator(".dscb-meta").all_inner_texts()[:3]
    assert any("p. 9" in m or "pp. 9" in m or "\u20139" in m for m in metas), metas
    assert page.locator(".dscb-weak").count() == 0
    _shot(page, "13-desktop-long-paste")

    _ask(page, "asdfgh qwerty")
    page.get_by_text("No passage matches your question well").wait_for()
    # The previous answer's cards may still be on the page for a moment while the new ones draw.
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_function(
        "() => { const t = document.querySelectorAll('.dscb-title').length;"
        " return t > 0 && document.querySelectorAll('.dscb-weak').length === t; }", timeout=30_000)
    assert page.locator(".dscb-weak").count() == page.locator(".dscb-title").count() > 0
    _shot(page, "14-desktop-no-good-match")
    context.close()

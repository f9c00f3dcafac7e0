"""For trainers, in a real browser: the theme charts answer clicks, and a collection downloads as a seminar pack and a
Word file whose links open the report at the excerpt's page (served by the app) and whose slides say "fictional".

`streamlit run` on a free loopback port over the sample corpus (fast fake embedder), Debian's headless Chromium.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT, Settings

from .app_sandbox import CHROMIUM, CHROMIUM_ARGS, copy_app, running_app, require_chromium

pytestmark = pytest.mark.browser
CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    require_chromium()
    from playwright.sync_api import sync_playwright

    from dscb_assistant.ingest import ingest

    root = tmp_path_factory.mktemp("trainers-browser")
    index = root / "index"
    ingest(Settings(corpus_dir=CORPUS, index_dir=index, embedder=HASH_EMBEDDER, workers=1, file_timeout=120))
    env = {**os.environ, "DSCB_INDEX_DIR": str(index), "DSCB_CORPUS_DIR": str(CORPUS), "DSCB_EMBEDDER": HASH_EMBEDDER}
    with running_app(copy_app(root / "app"), env, root / "streamlit.log") as (base, _), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        yield base, tab
        chromium.close()


def _settled(tab) -> None:
    tab.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")


def _click_until(tab, x: float, y: float, shown) -> None:
    """Click at (x, y) until ``shown`` appears: a click that lands while the chart is still drawing is not seen."""
    for _ in range(3):
        tab.mouse.click(x, y)
        try:
            shown.wait_for(timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; the assertion below reports it
            continue
    assert shown.is_visible()


def test_theme_map_opens_a_theme_and_a_year_filters_its_passages(page):
    base, tab = page
    years = sorted({int(line.split(",")[-3]) for line in (CORPUS / "reports.csv").read_text().splitlines()[1:]
                    if line.split(",")[-3].isdigit()})
    tab.goto(f"{base}/themes")
    chart = tab.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for()
    _settled(tab)
    box = chart.bounding_box()
    # Any square of the map opens its theme: the chart gives way to the theme's own year-by-year chart.
    _click_until(tab, box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3,
                 tab.get_by_text("against all reports, year by year", exact=False).first)
    _settled(tab)
    chart = tab.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for()
    tab.locator(".dscb-meta").first.wait_for()
    box = chart.bounding_box()
    # The first bar is the earliest year: the plot starts after the y axis (about 60 px) and the bars share
    # the rest evenly; aim at the middle of the first band, low down where every bar is drawn.
    band = (box["width"] - 60) / len(years)
    _click_until(tab, box["x"] + 60 + band / 2, box["y"] + box["height"] * 0.72,
                 tab.get_by_text(f"Passages from {years[0]} only"))
    # The page redraws its cards after the caption: wait for them, then check every one.
    only_that_year = ("year => { const m = [...document.querySelectorAll('.dscb-meta')].map(e => e.innerText);"
                      " return m.length > 0 && m.every(t => t.includes(' ' + year + ' ')); }")
    try:
        tab.wait_for_function(only_that_year, arg=str(years[0]), timeout=30_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError; the assertion below shows what was there
        pass
    metas = tab.locator(".dscb-meta").all_inner_texts()
    assert metas and all(f"\u00b7 {years[0]} \u00b7" in m for m in metas), metas


def test_seminar_pack_and_word_file_link_to_the_page_and_say_fictional(page):
    from docx import Document
    from pptx import Presentation

    base, tab = page
    tab.goto(f"{base}/")
    box = tab.get_by_placeholder("Ask about practice", exact=False)
    box.click()
    tab.keyboard.type("bruise on a baby who is not mobile")
    tab.keyboard.press("Enter")
    tab.locator(".dscb-title").first.wait_for()
    _settled(tab)
    tab.get_by_role("button", name="Add to collection").first.click()
    tab.get_by_role("button", name="In collection").first.wait_for()
    tab.get_by_role("link", name="Collection (1)").click()
    tab.get_by_role("heading", name="Collection").wait_for()
    _settled(tab)
    with tab.expect_download() as pptx_download:
        tab.get_by_role("button", name="Download seminar pack (.pptx)").click()
    with tab.expect_download() as docx_download:
        tab.get_by_role("button", name="Download Word (.docx)").click()

    deck = Presentation(io.BytesIO(Path(pptx_download.value.path()).read_bytes()))
    excerpt = next(s for s in deck.slides if any(shape.name == "Quotation" for shape in s.shapes))
    links = [run.hyperlink.address for shape in excerpt.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for run in p.runs if run.hyperlink.address]
    assert len(links) == 1 and links[0].startswith(base) and "#page=" in links[0]
    response = tab.request.get(links[0].split("#")[0])  # the report itself, served by the app
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    assert all("Fictional sample report" in shape.text_frame.text for s in list(deck.slides)[1:-1]
               for shape in s.shapes if shape.name == "Sample label")

    document = Document(io.BytesIO(Path(docx_download.value.path()).read_bytes()))
    assert document.core_properties.author == "DSCB Learning Assistant"
    targets = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert targets == links

"""Load: several browser sessions ask questions at once against ``streamlit run app.py`` on loopback.

Bounded: CLIENTS headless Chromium sessions (one browser, separate contexts, so separate
Streamlit sessions) ask questions back to back for DURATION seconds. Asserts no error anywhere
(exceptions or error alerts on a page, page script errors, tracebacks in the server log, a
question left unanswered) and prints the p50/p95 answer time and the server's memory before and
after. The index is the small test corpus with the fast hash embedder, so the figures measure
the app and its sharing of one loaded index across sessions, not the model; set
DSCB_TEST_LOAD_MODEL=1 to measure with the real model instead.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import pytest

from dscb_assistant.ingest import ingest
from dscb_assistant.settings import HASH_EMBEDDER, MINILM, Settings

from .app_sandbox import CHROMIUM, CHROMIUM_ARGS, copy_app, running_app, require_chromium
from .conftest import build_small_corpus

pytestmark = pytest.mark.browser

CLIENTS = 4
DURATION = 30.0  # seconds of asking, after every session has loaded the page
EMBEDDER = MINILM if os.environ.get("DSCB_TEST_LOAD_MODEL") else HASH_EMBEDDER
QUESTIONS = (
    "bruise on a baby who is not yet mobile",
    "county lines exploitation and missing episodes",
    "MARAC referral after domestic abuse",
    "information sharing between police and health",
    "return home interviews were not completed",
    "the health visitor accepted the explanation",
)


def _rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    require_chromium("playwright.async_api")
    root = tmp_path_factory.mktemp("load")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder=EMBEDDER, workers=2)
    build_small_corpus(settings.corpus_dir)
    ingest(settings)
    app_dir = copy_app(root / "app")
    log = root / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSCB_", "STREAMLIT_"))}
    env.update(DSCB_EMBEDDER=EMBEDDER, DSCB_CORPUS_DIR=str(settings.corpus_dir),
               DSCB_INDEX_DIR=str(settings.index_dir), PYTHONPATH=str(app_dir))
    with running_app(app_dir, env, log) as (base, process):
        yield base, process, log


async def _ask(page, question: str) -> float:
    """Type a question, return the seconds until its answer is drawn and the script run is over."""
    box = page.get_by_placeholder("Ask about practice", exact=False)
    await box.click()
    await box.fill(question)
    started = time.perf_counter()
    await box.press("Enter")
    await page.wait_for_function(
        """q => !document.querySelector('[data-testid=stStatusWidget]')
               && [...document.querySelectorAll('[data-testid=stChatMessage]')].some(m => m.innerText.includes(q))
               && document.querySelector('.dscb-title')""",
        arg=question,
    )
    return time.perf_counter() - started


async def _session(browser, base: str, number: int, ready: asyncio.Barrier, out: dict) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda error: out["errors"].append(f"client {number}: page error {error}"))
    await page.goto(base)
    await page.get_by_placeholder("Ask about practice", exact=False).wait_for()
    await ready.wait()  # every session has its page: from here on, ask for DURATION seconds
    until = out.setdefault("until", time.monotonic() + DURATION)
    asked = 0
    while time.monotonic() < until:
        question = f"{QUESTIONS[(number + asked) % len(QUESTIONS)]} ({number}.{asked})"  # unique, to see its answer
        out["times"].append(await _ask(page, question))
        asked += 1
    for selector in ("[data-testid=stException]", "[data-testid=stAlertContentError]"):
        found = await page.locator(selector).count()
        if found:
            out["errors"].append(f"client {number}: {found} x {selector}")
    out["asked"][number] = asked
    await context.close()


async def _load(base: str, server_pid: int) -> dict:
    from playwright.async_api import async_playwright

    out = {"times": [], "errors": [], "asked": {}}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        warm = await browser.new_page()  # the first visit loads the index into the shared cache
        await warm.goto(base)
        await _ask(warm, QUESTIONS[0])
        await warm.close()
        out["rss_before"] = _rss_mb(server_pid)
        ready = asyncio.Barrier(CLIENTS)
        await asyncio.wait_for(
            asyncio.gather(*(_session(browser, base, n, ready, out) for n in range(CLIENTS))), DURATION + 240
        )
        out["rss_after"] = _rss_mb(server_pid)
        await browser.close()
    return out


def test_concurrent_sessions_answer_without_errors(app_server):
    base, process, log = app_server
    out = asyncio.run(_load(base, process.pid))
    times = sorted(out["times"])
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(
        f"\nload ({EMBEDDER}): {CLIENTS} browser sessions for {DURATION:.0f} s: {len(times)} answers "
        f"(per session {sorted(out['asked'].values())}); answer time p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {times[-1]:.2f} s; server RSS {out['rss_before']:.0f} MB before, {out['rss_after']:.0f} MB after"
    )
    assert out["errors"] == []
    assert len(out["asked"]) == CLIENTS and all(n >= 1 for n in out["asked"].values()), out["asked"]
    server_log = log.read_text()
    assert "Traceback" not in server_log and "Error" not in server_log, server_log[-3000:]
    assert not [q for q in QUESTIONS if q in server_log], "questions must not be logged"
    assert process.poll() is None, "the server died under load"
    # Sessions keep their own answers; the index is loaded once. Growth stays far below one index copy per
    # question (a leak would grow with the ~hundred answers given).
    assert out["rss_after"] < out["rss_before"] + 300, (out["rss_before"], out["rss_after"])

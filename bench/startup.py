"""Cold starts: the one-shot CLI search, and the app from launch to first painted page and to first answer."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dscb_assistant.embed import QUERY_MODELS

from .machine import ROOT, Wall, python, run

QUESTION = "health visitor saw a bruise on a baby who was not yet crawling"


def cli_search(index: Path, *, embedder: str, rounds: int) -> dict:
    """Wall time of ``python -m dscb_assistant search`` from nothing loaded to printed results.

    When ingest saved the ONNX query encoder, the same search on a copy of the index without it (the
    question then goes through torch, as before the export) gives the before/after ratio.
    """
    walls = _cli_walls(index, embedder, rounds)
    result = {"wall_s": walls, "median_s": Wall(walls).median}
    if (index / QUERY_MODELS).is_dir():
        without = index.parent / f"{index.name}-torch-questions"
        shutil.rmtree(without, ignore_errors=True)
        shutil.copytree(index, without, symlinks=True, ignore=shutil.ignore_patterns(QUERY_MODELS, ".ingest.lock"))
        try:
            torch_walls = _cli_walls(without, embedder, rounds)
        finally:
            shutil.rmtree(without, ignore_errors=True)
        result["torch"] = {"wall_s": torch_walls, "median_s": Wall(torch_walls).median}
        result["speedup"] = Wall(torch_walls).median / max(Wall(walls).median, 1e-9)
    return result


def _cli_walls(index: Path, embedder: str, rounds: int) -> list[float]:
    argv = python("-m", "dscb_assistant", "search", QUESTION, "--index", str(index), "--json")
    return [run(argv, env={"DSCB_EMBEDDER": embedder})[0] for _ in range(rounds)]


def app(index: Path, corpus: Path, *, embedder: str, rounds: int = 3, timeout: float = 180) -> dict:
    """Launch ``streamlit run app.py`` ``rounds`` times and drive it in headless Chromium; the median of each time.

    One launch on a shared 2-core machine swings by a second; the median of three says more.
    """
    runs = [_launch(index, corpus, embedder=embedder, timeout=timeout) for _ in range(rounds)]
    failed = next((r for r in runs if "skipped" in r or "error" in r), None)
    if failed is not None:
        return failed
    keys = [k for k in runs[0] if k.endswith("_s")]
    return {**{k: statistics.median(r[k] for r in runs) for k in keys}, "runs": runs}


def _launch(index: Path, corpus: Path, *, embedder: str, timeout: float) -> dict:
    """One launch. Times, from the moment the server process is started: the server answering its
    health check, the page's HTML and scripts loaded in the browser, the Ask page's title painted,
    the question box ready (index and model loaded), and the first answer after a question is typed.
    """
    app_py = ROOT / "app.py"
    if not app_py.exists() or "chat_input" not in _app_source():
        return {"skipped": "app.py with st.chat_input is not there yet"}
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (pip install -r requirements-dev.txt)"}
    if browser is None:
        return {"skipped": "no chromium on PATH (make browser)"}
    port = _free_port()
    env = {"DSCB_INDEX_DIR": str(index), "DSCB_CORPUS_DIR": str(corpus), "DSCB_EMBEDDER": embedder}
    result: dict = {}
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser,  # before the clock starts
                                     args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = chromium.new_page()
        started = time.perf_counter()
        server = subprocess.Popen(
            python("-m", "streamlit", "run", str(app_py), "--server.headless", "true", "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"),
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            while time.perf_counter() - started < timeout:
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            result["server_s"] = time.perf_counter() - started
            page.goto(url, timeout=timeout * 1000)
            result["page_loaded_s"] = time.perf_counter() - started
            page.get_by_text("Ask the reviews").first.wait_for(timeout=timeout * 1000)
            result["first_paint_s"] = time.perf_counter() - started
            box = page.locator("[data-testid='stChatInputTextArea'], [data-testid='stChatInput'] textarea").first
            box.wait_for(timeout=timeout * 1000)
            result["ready_s"] = time.perf_counter() - started
            asked = time.perf_counter()
            box.fill(QUESTION)
            box.press("Enter")
            page.get_by_text(" passages from ").first.wait_for(timeout=timeout * 1000)
            result["first_answer_s"] = time.perf_counter() - started
            result["answer_after_typing_s"] = time.perf_counter() - asked
        except Exception as exc:  # noqa: BLE001 - a broken app is reported in the table, not a crash of the suite
            result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        finally:
            chromium.close()
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    return result


def _app_source() -> str:
    found = [(ROOT / "app.py").read_text(encoding="utf-8")]
    found.extend(p.read_text(encoding="utf-8") for p in (ROOT / "dscb_assistant" / "ui").glob("*.py"))
    return "\n".join(found)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":  # quick manual check: python -m bench.startup INDEX CORPUS
    print(app(Path(sys.argv[1]), Path(sys.argv[2]), embedder="all-MiniLM-L6-v2"))

"""A throwaway copy of the app for tests that start it, so they never touch the project's own folders.

The app mirrors the corpus's PDFs into ``static/corpus`` beside its package (and deletes what
is not in the corpus); run against a test corpus from the real project folder, it would empty
the project's mirror. The copy holds app.py, the package and .streamlit/ - the source only.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dscb_assistant.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
# Debian's chromium, never a downloaded browser; the guide's flags (no background connections out).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium(api: str = "playwright.sync_api") -> None:
    """Skip, with the reason, where Playwright or Debian's chromium is missing."""
    pytest.importorskip(api)
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs Debian's chromium)")


def copy_app(destination: Path) -> Path:
    """Copy the app's source into ``destination``; returns the folder to run ``app.py`` from."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(APP, destination / "app.py")
    shutil.copytree(PROJECT_ROOT / "dscb_assistant", destination / "dscb_assistant", ignore=ignore)
    shutil.copytree(PROJECT_ROOT / ".streamlit", destination / ".streamlit", ignore=ignore)
    for extra in ("pages",):
        if (PROJECT_ROOT / extra).is_dir():
            shutil.copytree(PROJECT_ROOT / extra, destination / extra, ignore=ignore)
    (destination / "static").mkdir(exist_ok=True)
    return destination


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(app_dir: Path, env: dict[str, str], log: Path, *, start_timeout: float = 90,
                port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run app.py`` from ``app_dir`` on a free loopback port, output in ``log``; yields the base
    url once the server answers its health check, and stops the server afterwards. ``port`` (default: a
    free one) lets a test restart the app at the same address, as the browser's storage is per address."""
    port = port or free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

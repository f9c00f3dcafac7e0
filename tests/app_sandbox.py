"""A throwaway copy of the app for tests that start it, so they never touch the project's own folders.

The app mirrors the corpus's PDFs into ``static/corpus`` beside its package (and deletes what
is not in the corpus); run against a test corpus from the real project folder, it would empty
the project's mirror. The copy holds app.py, the package and .streamlit/ - the source only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dscb_assistant.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"


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

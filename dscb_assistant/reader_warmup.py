"""Imported only by the fork server that starts PDF reader processes: do once what every reader needs.

Each PDF is read in a fresh process forked from that server (see :mod:`dscb_assistant.isolation`),
so what the server has loaded, every reader starts with: pypdf, and the themes with their cue
patterns compiled (about 0.1 s of CPU that each file would otherwise pay again).
"""

from __future__ import annotations

import pypdf  # noqa: F401 - imported for the readers' sake

from .themes import load_themes, tag_text

try:
    tag_text("", load_themes())
except Exception:  # noqa: BLE001 - never stop the fork server: an unusable themes file is reported by each reader
    pass

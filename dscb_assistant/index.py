"""Indexing: the index folder (vectors, BM25, passages, reports, manifest), written aside and swapped in atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import lexical
from .chunk import WINDOW_SENTENCES, WINDOWS_VERSION
from .clean import search_text
from .durable import fsync_dir, write_atomically
from .errors import IndexMismatchError, IndexMissingError, IngestBusyError, storage_error
from .records import DocumentInfo, Passage, ReportMeta

FORMAT_VERSION = 2  # 2: passages show the PDF's own text; BM25 and vectors read its folded search text
CURRENT = "current"  # symlink to the live build; replaced atomically
BUILDS = "builds"
LOCK = ".ingest.lock"
MANIFEST = "manifest.json"
REPORTS = "reports.json"
PASSAGES = "passages.jsonl"
VECTORS = "vectors.npy"
FAISS = "vectors.faiss"
# Vectors of each passage's sentence windows (chunk.windows), in passage order; passage i owns rows
# window_starts[i]..window_starts[i+1]. An index built before windows has none and searches without them.
WINDOWS = "windows.npy"
WINDOW_STARTS = "window_starts.npy"
WINDOWS_FAISS = "windows.faiss"
BM25 = "bm25"
# From this many passages on, vectors go in an IVF index (approximate) instead of a flat one (exact).
# Exact search reads every vector for every question: 7 ms at 100k passages on this 2-core machine
# when quiet, 25-50 ms when busy, 70 ms and more at 1M. IVF reads the lists nearest the question:
# about 6 ms at 1M, with recall@10 against exact search of 0.99 at 100k and 1M on the benchmark's
# vectors (BENCHMARKS.md). IVF rather than HNSW because every ingest rebuilds the index and IVF builds
# several times faster (HNSW also needed efSearch >= 128 to reach 0.95 recall).
APPROXIMATE_FROM = 50_000
IVF_TRAIN_PER_LIST = 40  # k-means sample: enough points per centroid, far fewer than 1M
REBUILD_HINT = "Rebuild it with: python -m dscb_assistant ingest --rebuild"


@dataclass
class IndexContents:
    """Everything stored in one build, rows aligned: passage i, vector i and BM25 document i
    (and, when present, window vectors ``window_starts[i]`` to ``window_starts[i + 1]``)."""

    manifest: dict[str, Any]
    reports: dict[str, ReportMeta]
    infos: dict[str, DocumentInfo]
    passages: list[Passage]
    vectors: np.ndarray
    build: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    window_vectors: np.ndarray | None = None
    window_starts: np.ndarray | None = None
    window_index: Any = None  # their FAISS index, opened by load_live with the other search structures


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live build, or None when nothing has been built yet."""
    link = Path(index_dir) / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if (target / MANIFEST).exists() else None


def build_id(index_dir: Path) -> str | None:
    """A short name of the live build; changes whenever an ingest swaps in a new one."""
    build = current_build(index_dir)
    return build.name if build else None


@contextlib.contextmanager
def ingest_lock(index_dir: Path, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; a second ingest waits up to ``wait_seconds`` (two people adding
    reports at once), then gets a clear error instead of a race."""
    index_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with (index_dir / LOCK).open("w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IngestBusyError(
                        f"Another ingest is already updating {index_dir}. Wait for it to finish, then try again."
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(index_dir: Path, contents: IndexContents) -> Path:
    """Write a new build beside the live one, then atomically point ``current`` at it.

    A crash at any moment leaves ``current`` pointing at a complete build.
    """
    _check_aligned(contents.passages, contents.vectors)
    if contents.window_vectors is not None:
        _check_windows(len(contents.passages), contents.window_vectors, contents.window_starts)
    builds = index_dir / BUILDS
    if not builds.is_dir():
        builds.mkdir(parents=True, exist_ok=True)
        fsync_dir(index_dir)
    name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    staging = builds / f".{name}.partial"
    staging.mkdir()

    with (staging / PASSAGES).open("w", encoding="utf-8") as handle:
        for passage in contents.passages:
            handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
    _write_json(
        staging / REPORTS,
        {
            "reports": [r.to_dict() for r in contents.reports.values()],
            "documents": {f: _info_dict(i) for f, i in contents.infos.items()},
        },
    )
    np.save(staging / VECTORS, contents.vectors.astype(np.float32))
    vector_index = _vector_index(contents.vectors)
    import faiss

    faiss.write_index(vector_index, str(staging / FAISS))
    windows_described = None
    if contents.window_vectors is not None:
        np.save(staging / WINDOWS, np.asarray(contents.window_vectors, dtype=np.float32))
        np.save(staging / WINDOW_STARTS, np.asarray(contents.window_starts, dtype=np.int64))
        window_index = _vector_index(np.asarray(contents.window_vectors, dtype=np.float32).reshape(-1, contents.vectors.shape[1]))
        faiss.write_index(window_index, str(staging / WINDOWS_FAISS))
        windows_described = {"count": int(len(contents.window_vectors)), "sentences": WINDOW_SENTENCES, "version": WINDOWS_VERSION,
                             "vector_index": _describe_vector_index(window_index)}
    lexical.save(lexical.build([_lexical_text(p, contents.reports) for p in contents.passages]), staging / BM25)
    manifest = dict(contents.manifest)
    manifest.update(
        format=FORMAT_VERSION,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        counts={
            "reports": len(contents.reports),
            "passages": len(contents.passages),
            "pages": sum(r.pages for r in contents.reports.values()),
        },
        vector_index=_describe_vector_index(vector_index),
        windows=windows_described,
        files_in_build=sorted(p.name for p in staging.iterdir()),
    )
    _write_json(staging / MANIFEST, manifest)  # written last: a build without a manifest is never loaded
    _fsync_tree(staging)

    final = builds / name
    os.rename(staging, final)
    fsync_dir(builds)  # the build's new name is on disk before anything points at it
    _point_current(index_dir, final)
    _remove_stale_builds(builds, keep={final.name, *(_previous(index_dir))})
    return final


def prepare_write() -> None:
    """Import what :func:`write` needs (FAISS, bm25s: seconds on a busy machine), e.g. while waiting for PDFs."""
    import bm25s  # noqa: F401
    import faiss  # noqa: F401

    lexical.tokenize("warm")


def read(index_dir: Path, *, model: str | None = None) -> IndexContents:
    """Load the live build (without the BM25 and FAISS structures, see :func:`open_search_structures`).

    Raises:
        IndexMissingError: nothing has been built in ``index_dir``.
        IndexMismatchError: the build was made by another model or format, or its files disagree.
    """
    index_dir = Path(index_dir)
    build = current_build(index_dir)
    if build is None:
        raise IndexMissingError(
            f"No index has been built in {index_dir} yet. Build it with: python -m dscb_assistant ingest"
        )
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"The index in {index_dir} was written in format {manifest.get('format')}, this version reads "
                f"format {FORMAT_VERSION}. {REBUILD_HINT}"
            )
        built_with = manifest.get("model", {}).get("name")
        if model is not None and built_with != model:
            raise IndexMismatchError(
                f"The index in {index_dir} was built with the embedding model {built_with!r}, but the current "
                f"setting is {model!r}. {REBUILD_HINT}"
            )
        stored = json.loads((build / REPORTS).read_text(encoding="utf-8"))
        reports = {r["file"]: ReportMeta.from_dict(r) for r in stored["reports"]}
        infos = {f: DocumentInfo(**{k: tuple(v) if isinstance(v, list) else v for k, v in i.items()})
                 for f, i in stored["documents"].items()}
        with (build / PASSAGES).open(encoding="utf-8") as handle:
            passages = [Passage.from_dict(json.loads(line)) for line in handle]
        # Mapped, not read: pages come in as search touches them, and are shared between processes.
        vectors = np.load(build / VECTORS, mmap_mode="r")
        window_vectors = window_starts = None
        if manifest.get("windows"):
            window_vectors = np.load(build / WINDOWS, mmap_mode="r")
            window_starts = np.load(build / WINDOW_STARTS)
    except IndexMismatchError:
        raise
    except OSError as exc:
        if exc.errno is not None and not isinstance(exc, FileNotFoundError):  # permissions, I/O: not the index's fault
            raise storage_error(exc, "read the index") from None
        if build_id(index_dir) != build.name:  # published over while we read: load the new live build
            return read(index_dir, model=model)
        raise IndexMismatchError(f"The index in {index_dir} is damaged ({exc}). {REBUILD_HINT}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexMismatchError(f"The index in {index_dir} is damaged ({exc}). {REBUILD_HINT}") from None
    if vectors.ndim != 2 or vectors.shape[1] != manifest.get("model", {}).get("dim"):
        raise IndexMismatchError(f"The vectors in {index_dir} do not match the model's dimension. {REBUILD_HINT}")
    _check_aligned(passages, vectors, where=index_dir)
    if window_vectors is not None:
        _check_windows(len(passages), window_vectors, window_starts, where=index_dir)
    return IndexContents(manifest, reports, infos, passages, vectors, build,
                         window_vectors=window_vectors, window_starts=window_starts)


def load_live(index_dir: Path, *, model: str | None = None, attempts: int = 5):
    """The live build with its FAISS and BM25 structures: ``(contents, vector_index, bm25)``, and
    ``contents.window_index`` opened (None for a build without sentence windows).

    A publish keeps only the live build and the one before it, so a reader slow enough to see two
    publishes while it loads finds its build's files gone; it then loads the new live build. Only a
    file missing from a build that is still live is damage.

    Raises:
        IndexMissingError, IndexMismatchError: as :func:`read`.
    """
    for attempt in range(attempts):
        contents = read(index_dir, model=model)
        try:
            structures = open_search_structures(contents)
            contents.window_index = open_window_index(contents)  # a publish may remove its build too: same retry
            return (contents, *structures)
        except Exception:  # noqa: BLE001 - FAISS reports a vanished file as RuntimeError
            if attempt == attempts - 1 or build_id(index_dir) == contents.build.name:
                raise
    raise AssertionError("unreachable")


def open_search_structures(contents: IndexContents):
    """The FAISS index and the BM25 index of a loaded build, checked to have one row per passage."""
    import faiss

    assert contents.build is not None
    # Flat vectors are mapped from the file rather than copied into memory (a second copy of vectors.npy).
    flags = faiss.IO_FLAG_MMAP_IFC if contents.manifest.get("vector_index", {}).get("type", "flat") == "flat" else 0
    vector_index = faiss.read_index(str(contents.build / FAISS), flags)
    retriever = lexical.load(contents.build / BM25)
    n = len(contents.passages)
    if vector_index.ntotal != n or lexical.document_count(retriever) != n:
        raise IndexMismatchError(
            f"The index in {contents.build.parent.parent} is damaged: {n} passages, {vector_index.ntotal} vectors, "
            f"{lexical.document_count(retriever)} BM25 rows. {REBUILD_HINT}"
        )
    return vector_index, retriever


def open_window_index(contents: IndexContents):
    """The FAISS index of a loaded build's window vectors, or None for a build without them."""
    if contents.window_vectors is None or contents.build is None:
        return None
    import faiss

    described = contents.manifest["windows"].get("vector_index", {})
    flags = faiss.IO_FLAG_MMAP_IFC if described.get("type", "flat") == "flat" else 0
    window_index = faiss.read_index(str(contents.build / WINDOWS_FAISS), flags)
    if window_index.ntotal != len(contents.window_vectors):
        raise IndexMismatchError(
            f"The index in {contents.build.parent.parent} is damaged: {len(contents.window_vectors)} window vectors, "
            f"{window_index.ntotal} in their search index. {REBUILD_HINT}"
        )
    return window_index


def _lexical_text(passage: Passage, reports: dict[str, ReportMeta]) -> str:
    # The section heading and report title carry words the paragraph itself often leaves out.
    report = reports.get(passage.file)
    return search_text(" ".join(filter(None, [report.title if report else "", passage.section, passage.text])))


def _vector_index(vectors: np.ndarray):
    import faiss

    n = len(vectors)
    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else 1
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if n < APPROXIMATE_FROM:
        index = faiss.IndexFlatIP(dim)
        if n:
            index.add(vectors)
        return index
    lists = ivf_lists(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 12  # k-means converges well before the default 25 for sentence vectors
    sample = np.random.default_rng(0).choice(n, size=min(n, IVF_TRAIN_PER_LIST * lists), replace=False)
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    index.nprobe = ivf_probes(lists)  # stored in the file: loading reproduces the setting that was measured
    return index


def ivf_lists(n: int) -> int:
    """Number of IVF lists for ``n`` vectors: about 4 sqrt(n), a power of two (1,024 at 100k, 4,096 at 1M)."""
    return int(2 ** round(np.log2(4 * np.sqrt(max(n, 1)))))


def ivf_probes(lists: int) -> int:
    """Lists searched per question: 1/16 of them, at least 32 (64 of 1,024; 256 of 4,096)."""
    return max(32, lists // 16)


def _describe_vector_index(index) -> dict[str, Any]:
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return {"type": "ivf", "lists": int(index.nlist), "probes": int(index.nprobe)}
    return {"type": "flat"}


def _check_aligned(passages: Sequence[Passage], vectors: np.ndarray, where: Path | None = None) -> None:
    if len(passages) != len(vectors):
        place = f" in {where}" if where else ""
        raise IndexMismatchError(
            f"The index{place} is damaged: {len(passages)} passages but {len(vectors)} vectors. {REBUILD_HINT}"
        )


def _check_windows(n: int, window_vectors: np.ndarray, window_starts: np.ndarray | None, where: Path | None = None) -> None:
    starts = np.asarray(window_starts if window_starts is not None else [], dtype=np.int64)
    if len(starts) != n + 1 or starts[0] != 0 or starts[-1] != len(window_vectors) or np.any(np.diff(starts) < 0):
        place = f" in {where}" if where else ""
        raise IndexMismatchError(
            f"The index{place} is damaged: its sentence windows do not line up with its {n} passages. {REBUILD_HINT}"
        )


def _point_current(index_dir: Path, build: Path) -> None:
    link = index_dir / CURRENT
    previous = link.resolve().name if link.is_symlink() else None
    temporary = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    for stale in index_dir.glob(f".{CURRENT}.*.tmp"):  # left by an ingest killed mid-swap; we hold the lock
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    os.symlink(os.path.join(BUILDS, build.name), temporary)
    # Named before the swap: killed between the two, the kept "previous" is still a real build.
    write_atomically(index_dir / ".previous", (previous or "").encode("utf-8"))
    os.replace(temporary, link)
    fsync_dir(index_dir)


def _previous(index_dir: Path) -> set[str]:
    try:
        name = (index_dir / ".previous").read_text(encoding="utf-8").strip()
    except OSError:
        return set()
    return {name} if name else set()


def tidy(index_dir: Path) -> None:
    """Remove what an ingest killed after its swap left behind: superseded builds and temporary links.

    Call only while holding :func:`ingest_lock`. Does nothing when there is no live build.
    """
    live = current_build(index_dir)
    if live is None:
        return
    for stale in [*index_dir.glob(f".{CURRENT}.*.tmp"), *index_dir.glob("..previous.*.part")]:
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    _remove_stale_builds(index_dir / BUILDS, keep={live.name, *_previous(index_dir)})


def _remove_stale_builds(builds: Path, keep: set[str]) -> None:
    """Drop old and half-written builds; the previous one stays for readers still loading it."""
    for child in builds.iterdir():
        if child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def _info_dict(info: DocumentInfo) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(info)


def _fsync_tree(folder: Path) -> None:
    # Files first, then every folder's entries (bm25/ included), deepest first.
    paths = sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True)
    for path in paths:
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in paths:
        if path.is_dir():
            fsync_dir(path)
    fsync_dir(folder)

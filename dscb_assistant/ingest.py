"""Ingest: bring the index in line with the corpus folder, re-reading only new and changed PDFs."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import index as index_store
from .chunk import WINDOWS_VERSION, chunk_pages, windows
from .clean import clean_pages, paragraph_roles, search_text
from .errors import DscbError, IndexMismatchError, IndexMissingError, storage_error
from .extract import read_pdf
from .isolation import Failed, run_isolated
from .metadata import CSV_NAME, describe_document, read_reports_csv, resolve
from .records import Extracted, IngestSummary, Page, Passage, Problem
from .settings import MINILM, Settings
from .themes import tag_passages, themes_file_hash

INDEXED_KINDS = ("text", "table")
POOL_BATCHES = 8  # the embedding thread picks each batch from this many batches' worth of texts
Progress = Callable[[str, int, int], None]  # (stage, done, total); always called from the ingest's own thread


@dataclass(frozen=True)
class SourceFile:
    file: str  # relative to the corpus, forward slashes
    path: Path
    size: int
    mtime_ns: int
    regular: bool = True  # False for a pipe, device or socket named .pdf: reading it could block forever


def read_report(path: str, file: str, chunking: dict[str, int], ocr: bool = False) -> Extracted:
    """Extract, clean and chunk one PDF (runs in a worker process); with ``ocr``, scanned pages are read by OCR."""
    raw = read_pdf(path)
    ocr_pages: tuple[int, ...] = ()
    if ocr and raw.scanned_pages:
        from .ocr import with_ocr_text

        try:
            raw, ocr_pages = with_ocr_text(raw, path)
        except DscbError:
            pass  # OCR failed on this file: its text layer is still indexed, its scans listed as not searchable
    cleaned = clean_pages(raw.pages, raw.emphasised, raw.small)
    pages = tuple(
        Page(number=i + 1, label=raw.labels[i], text=text, scanned=(i + 1) in raw.scanned_pages + ocr_pages,
             **_layout(raw, i, text))
        for i, text in enumerate(cleaned)
    )
    sha = file_sha256(Path(path))
    # Footnotes and fragments no neighbour could take ("17", a caption) are kept out of the index and ranking.
    passages = tag_passages([p for p in chunk_pages(pages, file, sha, **chunking) if p.kind in INDEXED_KINDS])
    info = replace(describe_document(cleaned, raw.title, raw.author, raw.scanned_pages), ocr_pages=ocr_pages)
    if not passages:
        if raw.scanned_pages:
            raise DscbError("it has no text layer (every page with text is a scanned image); it needs OCR first")
        raise DscbError("no readable text was found in it")
    return Extracted(file=file, sha256=sha, info=info, pages=pages, passages=tuple(passages))


def _layout(raw, index: int, text: str) -> dict:
    """Headings and footnotes of one page from the type they were set in, where the PDF says."""
    if not any(raw.emphasised):
        return {}
    headings, notes = paragraph_roles(text, raw.emphasised[index], raw.small[index], index == len(raw.pages) - 1)
    return {"headings": headings, "notes": notes, "layout": True}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_corpus(corpus_dir: Path) -> list[SourceFile]:
    """Every PDF under the corpus folder, subfolders included, hidden folders skipped, sorted by path."""
    found = []
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(".pdf") and not name.startswith("."):
                path = Path(root) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append(SourceFile(path.relative_to(corpus_dir).as_posix(), path, stat.st_size, stat.st_mtime_ns,
                                        path.is_file()))
    return found


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embedder=None,
    wait_seconds: float = 0.0,
) -> IngestSummary:
    """Update the index in ``settings.index_dir`` from the PDFs in ``settings.corpus_dir``.

    Unchanged files keep their passages and vectors; only new and changed files are read and
    embedded; removed files are dropped. The new index is swapped in only when complete.

    Raises:
        DscbError: the corpus folder is missing, or another ingest still holds the index after
            ``wait_seconds`` (0: do not wait).
        StorageError: the disk is full, a folder is read-only or not ours to write; the previous
            index is still the one in use.
    """
    try:
        return _ingest(settings, rebuild=rebuild, progress=progress, embedder=embedder, wait_seconds=wait_seconds)
    except OSError as exc:
        raise storage_error(exc, "update the index") from None


def _ingest(settings: Settings, *, rebuild: bool, progress: Progress | None, embedder, wait_seconds: float) -> IngestSummary:
    started = time.monotonic()
    corpus_dir, index_dir = Path(settings.corpus_dir), Path(settings.index_dir)
    if not corpus_dir.is_dir():
        raise DscbError(f"The corpus folder {corpus_dir} does not exist. Put the review PDFs there, or name another folder.")
    notes: list[str] = []
    if settings.ocr:
        from .ocr import unavailable

        if unavailable():
            raise DscbError(f"OCR was asked for, but {unavailable()}. Nothing was changed.")
    with index_store.ingest_lock(index_dir, wait_seconds=wait_seconds):
        old = None if rebuild else _previous_index(index_dir, settings, notes)
        old_files = old.manifest.get("files", {}) if old else {}
        csv_rows, csv_warnings = read_reports_csv(corpus_dir)
        notes.extend(csv_warnings)
        csv_path = corpus_dir / CSV_NAME
        csv_hash = file_sha256(csv_path) if csv_path.exists() else ""
        themes_hash = themes_file_hash()
        retag = old is not None and old.manifest.get("themes_sha256") != themes_hash

        sources = scan_corpus(corpus_dir)
        plan = _plan(sources, old_files)
        if settings.ocr and old is not None:
            _read_scans_again(plan, old.infos)
        changed = (
            old is None
            or plan.to_read
            or plan.removed
            or plan.stat_refreshed
            or csv_hash != old.manifest.get("reports_csv_sha256", "")
            or retag
            or _windows_outdated(old)  # built before sentence windows, or with other windows: embed them
        )
        if not changed:
            index_store.tidy(index_dir)  # an ingest killed after its swap may have left an old build behind
            _export_query_model(settings, notes)  # an index built before questions were encoded without torch
            return _summary_unchanged(old, plan, started, notes)

        extracted: dict[str, Extracted] = {}
        vectors = _VectorCache(settings, old, embedder, progress)
        problems = list(plan.problems)
        total = len(plan.to_read)
        jobs = [(s.file, (str(s.path), s.file, settings.chunking, settings.ocr)) for s in plan.to_read]
        if jobs:
            vectors.start()  # the model loads while the first PDFs are read
        try:
            for done, (file, result) in enumerate(
                run_isolated(read_report, jobs, workers=settings.workers, timeout=_timeout(settings),
                             memory_mb=settings.file_memory_mb, preload=("dscb_assistant.reader_warmup",)),
                start=1,
            ):
                if isinstance(result, Failed):
                    problems.append(Problem(file, result.reason))
                else:
                    extracted[file] = result
                    vectors.add_passages(result.passages)  # embedded by a thread while the workers read on
                if progress:
                    progress("read", done, total)
                    vectors.report()
        finally:
            vectors.close()

        duplicates = _drop_copies(extracted, plan, problems)
        problems.sort(key=lambda p: p.file)  # workers finish in any order; the report should not
        if not plan.kept and not extracted:
            # Nothing readable (BM25 cannot index zero passages). Wiping a working index because every file
            # failed, or the folder looks empty (a drive not mounted), would be worse than keeping it.
            if old is not None:
                notes.append(f"nothing could be indexed, so the previous index ({len(old.reports)} reports) is still in use")
            return IngestSummary(reports=0, pages=0, passages=0, problems=tuple(problems),
                                 seconds=time.monotonic() - started, notes=tuple(notes))
        if old is not None:  # kept reports of an index built before sentence windows: only their windows are new
            vectors.add_passages((p for p in old.passages if p.file in plan.kept), windows_only=True)
        vectors.flush()
        vectors.report()
        if old is not None and _windows_outdated(old):
            notes.append("sentence windows were added to the index (the reports were not read again)")
        if retag:
            notes.append("the themes file changed: every passage was tagged again (no re-embedding)")
        read_by_ocr = sum(len(e.info.ocr_pages) for e in extracted.values())
        if read_by_ocr:
            notes.append(f"{read_by_ocr} scanned page{'s were' if read_by_ocr > 1 else ' was'} read by OCR; "
                         "wherever that text is quoted it is marked as machine-read")
        hashes = {"reports_csv_sha256": csv_hash, "themes_sha256": themes_hash}
        return _assemble_and_write(settings, old, plan, extracted, problems, csv_rows, hashes, notes, started, progress,
                                   vectors, duplicates, retag)


def _drop_copies(extracted: dict[str, Extracted], plan: "_Plan", problems: list[Problem]) -> dict[str, str]:
    """Index each document once: an indexed file keeps it, else the first path in sorted order (whichever
    worker finished first). Returns {copy: original}, remembered so a copy is re-read if its original goes."""
    duplicates = dict(plan.duplicates)
    owner = {entry["sha256"]: f for f, entry in plan.kept.items()}
    for file in sorted(extracted):
        original = owner.setdefault(extracted[file].sha256, file)
        if original != file:
            del extracted[file]
            duplicates[file] = original
            problems.append(Problem(file, f"it is the same document as {original}; indexed once"))
    return duplicates


@dataclass
class _Plan:
    kept: dict[str, dict]  # unchanged files: manifest entries
    to_read: list[SourceFile]
    removed: list[str]
    problems: list[Problem]
    stat_refreshed: bool
    sources: dict[str, SourceFile]
    duplicates: dict[str, str] = field(default_factory=dict)  # unchanged copies: {copy: indexed original}


def _plan(sources: list[SourceFile], old_files: dict[str, dict]) -> _Plan:
    kept, to_read, problems, refreshed = {}, [], [], False
    copies: list[tuple[SourceFile, dict]] = []
    for source in sources:
        if not source.regular:
            problems.append(Problem(source.file, "it is not a regular file (a pipe or device named .pdf); skipped"))
            continue
        entry = old_files.get(source.file)
        if entry and entry.get("size") == source.size and entry.get("mtime_ns") == source.mtime_ns:
            if entry.get("status") == "indexed":
                kept[source.file] = entry
            elif entry.get("duplicate_of"):
                copies.append((source, entry))
            else:
                problems.append(Problem(source.file, entry.get("reason", "it could not be read") + " (unchanged since the last ingest)"))
            continue
        if entry and source.size > 0 and entry.get("sha256") == _safe_sha(source.path):
            # Same bytes, new timestamp (a copy or a fresh clone): nothing to re-read.
            refreshed = True
            if entry.get("status") == "indexed":
                kept[source.file] = {**entry, "mtime_ns": source.mtime_ns}
            else:
                problems.append(Problem(source.file, entry.get("reason", "it could not be read")))
            continue
        to_read.append(source)
    duplicates = {}
    for source, entry in copies:
        if entry["duplicate_of"] in kept:
            duplicates[source.file] = entry["duplicate_of"]
            problems.append(Problem(source.file, entry.get("reason", "") + " (unchanged since the last ingest)"))
        else:  # its original changed or is gone: this copy may now be the only one
            to_read.append(source)
    present = {s.file for s in sources}
    removed = sorted(f for f in old_files if f not in present)
    return _Plan(kept, to_read, removed, problems, refreshed, {s.file: s for s in sources}, duplicates)


def _read_scans_again(plan: _Plan, infos: dict) -> None:
    """With OCR asked for, unchanged files whose scanned pages were not read by OCR are read again."""
    for file in [f for f in plan.kept if f in infos and infos[f].scanned_pages and f in plan.sources]:
        del plan.kept[file]
        plan.to_read.append(plan.sources[file])


def _timeout(settings: Settings) -> float:
    """Seconds one file may take: OCR of a scanned report takes far longer than reading a text layer."""
    if not settings.ocr:
        return settings.file_timeout
    from .ocr import SECONDS_PER_PAGE

    return max(settings.file_timeout, 20 * SECONDS_PER_PAGE)


def _safe_sha(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def _previous_index(index_dir: Path, settings: Settings, notes: list[str]):
    try:
        old = index_store.read(index_dir, model=settings.embedder)
    except IndexMissingError:
        return None
    except IndexMismatchError as exc:
        notes.append(f"rebuilding everything: {exc}".replace(index_store.REBUILD_HINT, "").strip())
        return None
    if old.manifest.get("chunking") != settings.chunking:
        notes.append("rebuilding everything: the passage settings changed")
        return None
    return old


def _assemble_and_write(settings, old, plan, extracted, problems, csv_rows, hashes, notes, started, progress, cache,
                        duplicates, retag):
    old_rows: dict[str, list[int]] = {}
    if old is not None:
        for row, passage in enumerate(old.passages):
            old_rows.setdefault(passage.file, []).append(row)
    files = sorted(set(plan.kept) | set(extracted))
    passages: list[Passage] = []
    vectors_from_old: list[int | None] = []
    infos, reports = {}, {}
    pages_total = 0
    for file in files:
        if file in extracted:
            item = extracted[file]
            infos[file] = item.info
            sha = item.sha256
            file_passages = list(item.passages)
            rows = [None] * len(file_passages)
        else:
            infos[file] = old.infos[file]
            sha = plan.kept[file]["sha256"]
            rows = old_rows.get(file, [])
            file_passages = [old.passages[r] for r in rows]
            if retag:
                file_passages = tag_passages(file_passages)
        reports[file] = resolve(file, sha, infos[file], csv_rows.get(file))
        pages_total += infos[file].page_count
        passages.extend(file_passages)
        vectors_from_old.extend(rows)

    vectors = cache.stack(passages, vectors_from_old)
    window_vectors, window_starts = cache.stack_windows(passages)

    manifest_files = {}
    for file in files:
        source = plan.sources[file]
        manifest_files[file] = {
            "status": "indexed",
            "sha256": reports[file].sha256,
            "size": source.size,
            "mtime_ns": source.mtime_ns,
            "passages": sum(1 for p in passages if p.file == file),
        }
    for problem in problems:
        source = plan.sources.get(problem.file)
        if source is not None:
            manifest_files[problem.file] = {
                "status": "failed",
                "reason": problem.reason.replace(" (unchanged since the last ingest)", ""),
                "sha256": "",
                "size": source.size,
                "mtime_ns": source.mtime_ns,
            }
            if problem.file in (duplicates or {}):
                manifest_files[problem.file]["duplicate_of"] = duplicates[problem.file]
    dim = vectors.shape[1]
    manifest = {
        "model": {"name": settings.embedder, "dim": int(dim), "precision": cache.precision()},
        "chunking": settings.chunking,
        "files": manifest_files,
        **hashes,
        "problems": [{"file": p.file, "reason": p.reason} for p in problems],
    }
    contents = index_store.IndexContents(manifest, reports, infos, passages, vectors.reshape(-1, dim),
                                         window_vectors=window_vectors.reshape(-1, dim), window_starts=window_starts)
    if progress:
        progress("write", 0, 1)
    index_store.write(Path(settings.index_dir), contents)
    _export_query_model(settings, notes)
    if progress:
        progress("write", 1, 1)
    return IngestSummary(
        reports=len(reports),
        pages=pages_total,
        passages=len(passages),
        added=tuple(sorted(f for f in extracted if old is None or f not in old.manifest.get("files", {}))),
        updated=tuple(sorted(f for f in extracted if old is not None and f in old.manifest.get("files", {}))),
        removed=tuple(plan.removed),
        unchanged=len(plan.kept),
        embedded=cache.embedded,
        problems=tuple(problems),
        scanned=tuple((f, infos[f].scanned_pages) for f in files if infos[f].scanned_pages),
        seconds=time.monotonic() - started,
        changed=True,
        notes=tuple(notes),
    )


def _windows_outdated(old) -> bool:
    """True when the old build has no sentence windows, or windows that :func:`chunk.windows` no longer makes."""
    return old.window_vectors is None or (old.manifest.get("windows") or {}).get("version") != WINDOWS_VERSION


def embedded_texts(passages) -> set[str]:
    """Every distinct text ingest embeds for ``passages``: each one's search text and its sentence windows
    (what the benchmarks' model-only floor must encode too)."""
    return {text for passage in passages for text in _texts_to_embed(passage, windows)}


def _texts_to_embed(passage: Passage, windows_of, *, windows_only: bool = False) -> list[str]:
    """The passage's search text (unless ``windows_only``) and its sentence windows, as ``windows_of`` splits them."""
    text = search_text(passage.text)
    return ([] if windows_only else [text]) + windows_of(text)


class _VectorCache:
    """Vectors by passage text: reused from the old index, or embedded once, in length-matched batches.

    After :meth:`start`, a thread loads the model and embeds while the worker processes go on
    reading PDFs (torch releases the GIL while it computes); :meth:`flush` waits for it. Without
    :meth:`start`, :meth:`flush` embeds everything in the calling thread.

    A batch costs as much as its longest text times its size, so the thread keeps a pool of
    texts (:data:`POOL_BATCHES` batches' worth) and embeds the batch of most similar lengths in
    it, instead of each report's passages as they come: batching one report at a time computed
    16% more padded tokens than one global sort (the model-only floor); the pool gets within 2-3%.
    """

    def __init__(self, settings: Settings, old, embedder, progress: Progress | None) -> None:
        self._settings, self._old, self._model, self._progress = settings, old, embedder, progress
        self._known: dict[str, np.ndarray] = {}
        self._windows: dict[str, list[str]] = {}  # search text -> its windows, split once per ingest
        if old is not None:
            # Keyed as new passages are looked up (their search text, which is what was embedded), so an
            # unchanged paragraph of a changed report is not embedded again. Each folded once, for both loops.
            old_texts = [search_text(passage.text) for passage in old.passages]
            for row, text in enumerate(old_texts):
                self._known.setdefault(text, old.vectors[row])
            if not _windows_outdated(old):  # each window's vector, found again from its passage
                starts = old.window_starts
                for row, text in enumerate(old_texts):
                    texts = self.windows_of(text)
                    if len(texts) == starts[row + 1] - starts[row]:  # else the windows changed: embed them anew
                        self._known.update((t, old.window_vectors[starts[row] + i]) for i, t in enumerate(texts)
                                           if t not in self._known)
        self._queued: set[str] = set()  # every text ever added and not already known: embedded once
        self._pending: list[str] = []
        self._pool = POOL_BATCHES * max(1, settings.batch_size)
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.embedded = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._embed_in_background, name="dscb-embed", daemon=True)
            self._thread.start()

    def add_passages(self, passages, *, windows_only: bool = False) -> None:
        """Queue the passages' search texts and their sentence windows (:func:`chunk.windows`)."""
        self.add([text for passage in passages for text in _texts_to_embed(passage, self.windows_of, windows_only=windows_only)])

    def windows_of(self, text: str) -> list[str]:
        found = self._windows.get(text)
        if found is None:
            found = self._windows[text] = windows(text)
        return found

    def add(self, texts) -> None:
        with self._wake:
            for text in texts:
                if text not in self._known and text not in self._queued:
                    self._queued.add(text)
                    self._pending.append(text)
            self._wake.notify()

    def close(self) -> None:
        """No more texts will be added; the thread embeds what it has, then ends."""
        with self._wake:
            self._closed = True
            self._wake.notify()

    def flush(self) -> None:
        """Return once every added text has its vector."""
        self.close()
        if self._thread is not None:
            self._thread.join()
            if self._error is not None:
                raise self._error
        self._embed(self._take())

    def _take(self) -> list[str]:
        texts, self._pending = self._pending, []
        return sorted(texts, key=len)  # similar lengths in one batch: little padding to compute

    def _take_batch(self) -> list[str]:
        """The batch of closest lengths in the pool (character length stands in for tokens)."""
        size = self._settings.batch_size
        self._pending.sort(key=len)
        lengths = [len(t) for t in self._pending]
        start = min(range(len(lengths) - size + 1), key=lambda i: lengths[i + size - 1] - lengths[i])
        batch = self._pending[start:start + size]
        del self._pending[start:start + size]
        return batch

    def _embed(self, texts: list[str]) -> None:
        if not texts:
            return
        vectors = self.model.encode(texts, batch_size=self._settings.batch_size)
        with self._wake:
            self._known.update(zip(texts, vectors))
            self.embedded += len(texts)

    def report(self) -> None:
        """Tell the progress callback how far embedding is; called from the ingest thread only, because
        callers such as Streamlit pages may not be updated from another thread."""
        if self._progress and self._queued:
            self._progress("embed", self.embedded, len(self._queued))

    def _embed_in_background(self) -> None:
        try:
            self.model  # noqa: B018 - load it now, while the workers read
            writer_ready = False
            while True:
                if not writer_ready:
                    with self._wake:
                        idle = len(self._pending) < self._pool and not self._closed
                    if idle:  # nothing to embed yet: import what writing the index will need meanwhile
                        index_store.prepare_write()
                        writer_ready = True
                        continue
                with self._wake:
                    while len(self._pending) < self._pool and not self._closed:
                        self._wake.wait()
                    if not self._pending:
                        return
                    texts = self._take() if self._closed else self._take_batch()
                self._embed(texts)
        except BaseException as exc:  # noqa: BLE001 - handed to the ingest thread by flush()
            self._error = exc

    @property
    def model(self):
        if self._model is None:
            from .embed import get_embedder

            self._model = get_embedder(self._settings.embedder)
        return self._model

    def precision(self) -> str:
        """The arithmetic the vectors were computed in ("bf16", "fp32"; both joined by "+" when an
        incremental ingest added vectors in another precision to reused ones)."""
        used = []
        if self._old is not None:
            used.extend(p for p in self._old.manifest.get("model", {}).get("precision", "").split("+") if p)
        if self.embedded:
            used.append(getattr(self._model, "precision", "fp32"))
        return "+".join(dict.fromkeys(used)) or "not recorded"  # only vectors from an index built before this was kept

    def dim(self) -> int:
        return self._old.vectors.shape[1] if self._old is not None else self.model.dim

    def stack(self, passages: list[Passage], rows_from_old: list[int | None]) -> np.ndarray:
        if not passages:
            return np.zeros((0, self.dim()), dtype=np.float32)
        return np.stack(
            [self._old.vectors[row] if row is not None else self._known[search_text(p.text)]
             for p, row in zip(passages, rows_from_old)]
        ).astype(np.float32)

    def stack_windows(self, passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of every passage's windows, in passage order, and where each passage's begin
        (``starts[i]`` to ``starts[i + 1]``: passage i's)."""
        vectors, starts = [], [0]
        for passage in passages:
            texts = self.windows_of(search_text(passage.text))
            vectors.extend(self._known[t] for t in texts)
            starts.append(starts[-1] + len(texts))
        stacked = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, self.dim()), dtype=np.float32)
        return stacked, np.asarray(starts, dtype=np.int64)


def _summary_unchanged(old, plan, started, notes) -> IngestSummary:
    counts = old.manifest.get("counts", {})
    return IngestSummary(
        reports=counts.get("reports", len(old.reports)),
        pages=counts.get("pages", 0),
        passages=counts.get("passages", len(old.passages)),
        unchanged=len(plan.kept),
        problems=tuple(plan.problems),
        scanned=tuple((f, i.scanned_pages) for f, i in old.infos.items() if i.scanned_pages),
        seconds=time.monotonic() - started,
        changed=False,
        notes=tuple(notes),
    )


def _export_query_model(settings: Settings, notes: list[str]) -> None:
    """Save the model as ONNX beside the index once, so a search need not import torch to encode a question."""
    if settings.embedder != MINILM:
        return
    from .embed import export_query_model

    try:
        export_query_model(Path(settings.index_dir))
    except (OSError, RuntimeError, ImportError, ValueError) as exc:
        notes.append(f"questions will be encoded with torch, slower to start: the model could not be saved as ONNX ({exc})")

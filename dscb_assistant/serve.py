"""Serving local PDFs: mirror the corpus's PDFs into the app's static folder so "Open the report at page N" works offline."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def publish(corpus_dir: Path, static_dir: Path, files: Iterable[str]) -> set[str]:
    """Make each corpus-relative ``file`` available as ``static_dir/file``; drop anything else in ``static_dir``.

    Streamlit's static serving refuses symbolic links that lead outside its folder, so each PDF
    is hard-linked (no extra disk space) or, across file systems, copied. Paths that would leave
    either folder are skipped.

    Returns:
        The files now served.
    """
    corpus_root, static_root = Path(corpus_dir).resolve(), Path(static_dir).resolve()
    static_root.mkdir(parents=True, exist_ok=True)
    served: set[str] = set()
    for file in files:
        source, target = (corpus_root / file).resolve(), (static_root / file).resolve()
        if not (source.is_relative_to(corpus_root) and target.is_relative_to(static_root)) or not source.is_file():
            continue
        if not _same(source, target):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.unlink(missing_ok=True)
            try:
                os.link(source, temporary)
            except OSError:
                shutil.copy2(source, temporary)
            os.replace(temporary, target)
        served.add(Path(file).as_posix())
    for path in sorted(static_root.rglob("*"), reverse=True):
        relative = path.relative_to(static_root).as_posix()
        if path.is_file() and relative not in served:
            path.unlink(missing_ok=True)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return served


def _same(source: Path, target: Path) -> bool:
    try:
        if os.path.samefile(source, target):
            return True
        a, b = source.stat(), target.stat()
        return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns
    except OSError:
        return False

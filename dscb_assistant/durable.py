"""Durable writes: a file replaced whole (temporary, fsync, rename, fsync of its folder), never half-written.

A rename is only on disk once the folder holding the name is fsynced; without that, a power cut
can leave a durable pointer (``current``, ``reports.csv``) to a name that never reached the disk.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path | str) -> None:
    """Make the entries of ``folder`` (names created, renamed or removed there) durable."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path | str, data: bytes) -> None:
    """Replace ``target`` with ``data``: readers see the old file or the new one, before and after a power cut.

    The temporary file is hidden (a leading dot) so nothing that lists the folder reads it half-written.

    Raises:
        OSError: the folder cannot be written (full disk, read-only, no permission); ``target`` is unchanged.
    """
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)

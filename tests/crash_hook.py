"""Run the CLI and SIGKILL it at a chosen step, to test crash safety (used by tests/test_crash.py).

    DSCB_TEST_KILL_AT=N python -m tests.crash_hook ingest --quiet

A *step* is one moment just before an operation that changes the index folder (opening a file
there for writing, mkdir, rename, replace, symlink, unlink, rmtree, fsync, FAISS write), or just
after the ingest receives a worker's result or the embedder returns a batch. At step N (1-based),
or at the first step whose label starts with DSCB_TEST_KILL_AT when that is not a number (e.g.
"encoded"; embedding runs in a thread, so its step number varies), the whole process group -
the CLI and its reader workers - gets SIGKILL, like a power cut.
Without DSCB_TEST_KILL_AT nothing is killed; with DSCB_TEST_STEPS=path the steps taken are
written there, one per line, so a test can enumerate them. The library itself has no hook:
everything is wrapped from outside, in this process only.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import sys
from pathlib import Path


class _Steps:
    def __init__(self, index_dir: Path, kill_at: int | str | None, record: Path | None) -> None:
        self.index_dir, self.kill_at, self.record = str(index_dir.resolve()), kill_at, record
        self.taken: list[str] = []

    def step(self, what: str) -> None:
        self.taken.append(what)
        if isinstance(self.kill_at, int) and len(self.taken) >= self.kill_at or (
            isinstance(self.kill_at, str) and what.startswith(self.kill_at)
        ):
            self.save()
            if os.getpgid(0) == os.getpid():  # started in its own session: take the reader workers down too
                os.killpg(0, signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

    def save(self) -> None:
        if self.record:
            with self.record.open("w", encoding="utf-8") as handle:  # outside the index: not a step
                handle.write("\n".join(self.taken) + "\n")

    def in_index(self, path) -> bool:
        try:
            return os.path.abspath(os.fsdecode(path)).startswith(self.index_dir)
        except TypeError:  # a file descriptor
            return False

    def label(self, op: str, path) -> str:
        return f"{op} {os.path.relpath(os.path.abspath(os.fsdecode(path)), self.index_dir)}"


def install(steps: _Steps) -> None:
    real_open = builtins.open

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and steps.in_index(file):
            steps.step(steps.label("open", file))
        return real_open(file, mode, *args, **kwargs)

    builtins.open = io.open = open_

    def path_op(name: str):
        real = getattr(os, name)

        def wrapped(*args, **kwargs):
            target = args[1] if name in ("rename", "replace", "symlink") else args[0]
            if steps.in_index(target):
                steps.step(steps.label(name, target))
            return real(*args, **kwargs)

        setattr(os, name, wrapped)

    for name in ("mkdir", "rename", "replace", "symlink", "unlink", "rmdir"):
        path_op(name)

    real_fsync = os.fsync

    def fsync(fd):
        steps.step("fsync")
        return real_fsync(fd)

    os.fsync = fsync

    real_rmtree = shutil.rmtree

    def rmtree(path, *args, **kwargs):
        if steps.in_index(path):
            steps.step(steps.label("rmtree", path))
        return real_rmtree(path, *args, **kwargs)

    shutil.rmtree = rmtree

    import faiss

    real_write_index = faiss.write_index

    def write_index(index, path):
        steps.step(steps.label("faiss.write_index", path))
        return real_write_index(index, path)

    faiss.write_index = write_index

    from dscb_assistant import ingest

    real_run = ingest.run_isolated

    def run_isolated(*args, **kwargs):
        for key, result in real_run(*args, **kwargs):
            steps.step(f"read result {key}")
            yield key, result

    ingest.run_isolated = run_isolated

    from dscb_assistant import embed

    for embedder in (embed.HashEmbedder, embed.MiniLMEmbedder):
        def encode(self, texts, *args, _real=embedder.encode, **kwargs):
            vectors = _real(self, texts, *args, **kwargs)
            steps.step(f"encoded {len(texts)}")
            return vectors

        embedder.encode = encode


def main() -> int:
    from dscb_assistant.cli import main as cli_main
    from dscb_assistant.settings import Settings

    kill_at = os.environ.get("DSCB_TEST_KILL_AT")
    record = os.environ.get("DSCB_TEST_STEPS")
    if kill_at and kill_at.isdigit():
        kill_at = int(kill_at)
    steps = _Steps(Path(Settings.from_env().index_dir), kill_at or None, Path(record) if record else None)
    install(steps)
    try:
        return cli_main(sys.argv[1:])
    finally:
        steps.save()


if __name__ == "__main__":
    sys.exit(main())

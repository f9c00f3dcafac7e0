"""Run one job per file in a separate process, bounded in time and memory, so no file can hang or crash an ingest."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any




@dataclass(frozen=True)
class Failed:
    """Why a job produced no result."""

    reason: str


def _child(conn: Connection, func: Callable[..., Any], args: tuple, memory_mb: int) -> None:
    try:
        if memory_mb:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            conn.send(("ok", func(*args)))
        except MemoryError:
            conn.send(("error", f"reading it needs more than {memory_mb} MB of memory (it may be a decompression bomb)"))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as this file's problem
            conn.send(("error", _describe(exc)))
    finally:
        conn.close()


def _describe(exc: BaseException) -> str:
    from .errors import DscbError

    text = " ".join(str(exc).split())  # one line: reasons are printed one per file
    if isinstance(exc, DscbError):
        return text
    return f"it could not be read ({type(exc).__name__}: {text[:150]})" if text else f"it could not be read ({type(exc).__name__})"


def run_isolated(
    func: Callable[..., Any],
    jobs: Iterable[tuple[Any, tuple]],
    *,
    workers: int = 2,
    timeout: float = 120.0,
    memory_mb: int = 2048,
    preload: Sequence[str] = (),
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(key, result)`` for each ``(key, args)`` job as it finishes, in completion order.

    ``result`` is ``func(*args)`` or a :class:`Failed` naming why: an exception it raised,
    a timeout, a memory limit, or a crash of the process. ``preload`` names modules the fork
    server imports once, so every child starts with them loaded (and whatever they did on import).
    """
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the job's module (and ``preload``) once; every child forked from it starts
    # with them loaded instead of spending ~0.3 s of CPU importing them per file.
    # Takes effect when this process starts its fork server, i.e. on the first call.
    context.set_forkserver_preload(["__main__", func.__module__, *preload])
    pending = list(jobs)
    pending.reverse()
    running: dict[Connection, tuple[Any, Any, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                key, args = pending.pop()
                parent, child = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(child, func, args, memory_mb), daemon=True)
                process.start()
                child.close()
                running[parent] = (key, process, time.monotonic() + timeout)
            ready = wait(list(running), timeout=0.25)
            for conn in ready:
                key, process, _ = running.pop(conn)
                try:
                    status, value = conn.recv()
                    result = value if status == "ok" else Failed(value)
                except (EOFError, OSError):
                    process.join(5)
                    code = process.exitcode
                    result = Failed(
                        "reading it used more memory than allowed" if code in (-9, 137)
                        else f"the reader crashed on it (exit code {code})"
                    )
                finally:
                    conn.close()
                process.join(5)
                if process.is_alive():
                    process.kill()
                yield key, result
            now = time.monotonic()
            for conn, (key, process, deadline) in list(running.items()):
                if now > deadline:
                    process.kill()
                    process.join(5)
                    conn.close()
                    del running[conn]
                    yield key, Failed(f"reading it took longer than {timeout:g} seconds; skipped")
    finally:
        for conn, (_, process, _) in running.items():
            process.kill()
            conn.close()

"""What the benchmarks ran on, and small measuring helpers shared by them."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"


def describe() -> dict[str, str]:
    """CPU, cores, memory, OS and the versions that matter for speed."""
    cpu = platform.processor() or ""
    flags = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), cpu)
        flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    versions = []
    for name in ("torch", "sentence-transformers", "faiss-cpu", "bm25s", "pypdf", "numpy", "onnxruntime"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if f" {f}" in flags]
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "simd": " ".join(simd) or "-",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": ", ".join(versions),
    }


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


@dataclass
class Wall:
    """Wall time of repeated runs of one thing."""

    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 3600) -> tuple[float, str, str]:
    """Run a command; return its wall time, stdout and stderr. Raises if it fails."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout, done.stderr


def python(*args: str) -> list[str]:
    return [sys.executable, *args]

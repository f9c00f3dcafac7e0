"""Every module the project imports is provided by a requirement it declares.

A fresh clone installs exactly requirements.txt and requirements-dev.txt into .venv; a module that
only a transitive dependency, or the developer's own machine, happens to provide fails there.
"""
from __future__ import annotations

import ast
import importlib.metadata as md
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ("dscb_assistant", "tests", "bench", "tools")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_requirements() -> set[str]:
    names = set()
    for path in ROOT.glob("requirements*.txt"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "-")):
                continue
            match = re.match(r"([A-Za-z0-9_.\-]+)", line)
            if match:
                names.add(_norm(match.group(1)))
    return names


def local_modules() -> set[str]:
    names = {p.name for p in ROOT.iterdir() if p.is_dir()}
    names |= {p.stem for p in ROOT.glob("*.py")}
    for folder in FOLDERS:
        names |= {p.stem for p in (ROOT / folder).glob("*.py")}
    return names


def imported_modules() -> dict[str, set[str]]:
    """Top-level module name -> files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    files = [ROOT / "app.py"] + [p for f in FOLDERS for p in (ROOT / f).rglob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def undeclared(imports, declared, local, distributions) -> list[str]:
    problems = []
    for top, files in sorted(imports.items()):
        if top in sys.stdlib_module_names or top in local or top == "__future__":
            continue
        dists = {_norm(d) for d in distributions.get(top, [])}
        if not dists:
            problems.append(f"{top}: not installed by any declared requirement ({', '.join(sorted(files))})")
        elif not dists & declared:
            problems.append(f"{top}: comes from {', '.join(sorted(dists))}, which no requirements file names "
                            f"({', '.join(sorted(files))})")
    return problems


def test_every_import_is_declared():
    problems = undeclared(imported_modules(), declared_requirements(), local_modules(),
                          md.packages_distributions())
    assert not problems, "imports no requirements file provides:\n" + "\n".join(problems)


def test_the_check_catches_an_undeclared_import():
    """The oracle itself: a transitive-only module and an uninstalled one are both reported."""
    distributions = {"psutil": ["psutil"], "yaml": ["PyYAML"], "numpy": ["numpy"]}
    imports = {"psutil": {"t.py"}, "yaml": {"t.py"}, "numpy": {"t.py"}, "nosuchmodule": {"t.py"},
               "json": {"t.py"}, "dscb_assistant": {"t.py"}}
    problems = undeclared(imports, {"numpy", "psutil"}, {"dscb_assistant"}, distributions)
    assert [p.split(":")[0] for p in problems] == ["nosuchmodule", "yaml"]

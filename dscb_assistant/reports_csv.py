"""reports.csv: the one reader and writer of the corpus's report details.

Ingest (through ``metadata``), the Add reports page and the CLI all go through here, so a header
written "File,Title,Board" by a spreadsheet is the same column as "file" for both reading and
writing; quoting, commas and line breaks inside a cell survive a round trip.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .durable import write_atomically
from .errors import DscbError

CSV_NAME = "reports.csv"
CSV_COLUMNS = ("file", "title", "board", "year", "review_type", "url")
_LOCK = ".reports.csv.lock"
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ReportsTable:
    """The table as read: column names (lower case, trimmed, in the file's order) and rows in file order.

    Each row maps every column to its cell text exactly as written (a spreadsheet guard apostrophe
    removed); ``lines`` holds the line each row starts on, for messages.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...] = ()


def column_name(name: str | None) -> str:
    """How a header cell names its column: "File ", "FILE" and "file" are one column."""
    return (name or "").strip().lower()


def file_key(name: str) -> str:
    """The corpus-relative path a ``file`` cell names: forward slashes, no leading "./" or "/"."""
    key = (name or "").strip().replace("\\", "/")
    while key.startswith(("./", "/")):
        key = key[2:] if key.startswith("./") else key[1:]
    return key


def read(path: Path) -> ReportsTable:
    """The table in ``path`` (empty when there is no file).

    Raises:
        DscbError: the file cannot be decoded or parsed, or its first row names no ``file`` column.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # not read_text: it would turn a "\r" inside a cell into "\n"
    except FileNotFoundError:
        return ReportsTable(CSV_COLUMNS, ())
    except UnicodeDecodeError as exc:
        raise DscbError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        columns = [column_name(c) for c in header]
        if "file" not in columns:
            raise DscbError(
                f"{path}: the first row must name the columns, starting with 'file' ({', '.join(CSV_COLUMNS)})"
            )
        rows, lines = [], []
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                row: dict[str, str] = {}
                for name, cell in zip(columns, cells):
                    if name and name not in row:  # a repeated column: the first one counts
                        row[name] = _unguard(cell)
                rows.append({c: row.get(c, "") for c in dict.fromkeys(c for c in columns if c)})
                lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DscbError(f"{path} line {reader.line_num}: {exc}; fix the file or remove it.") from None
    return ReportsTable(tuple(dict.fromkeys(c for c in columns if c)), tuple(rows), tuple(lines))


def render(table: ReportsTable) -> bytes:
    """The table as CSV bytes: the known columns first, then any others the file had."""
    columns = list(CSV_COLUMNS) + [c for c in table.columns if c not in CSV_COLUMNS]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in table.rows:
        writer.writerow([_guard(row.get(c, "")) for c in columns])
    return out.getvalue().encode("utf-8")


def write(path: Path, table: ReportsTable) -> None:
    """Replace ``path`` with ``table`` durably (temporary file, fsync, rename, fsync of the folder).

    Raises:
        OSError: the corpus folder cannot be written; the old file is unchanged.
    """
    write_atomically(Path(path), render(table))


def update_row(corpus_dir: Path, file: str, values: Mapping[str, str]) -> None:
    """Set the non-empty ``values`` on the row of ``file`` (adding the row if there is none).

    Two sessions or processes adding reports at once each hold the corpus's lock while they read,
    change and replace the file, so neither loses the other's row.

    Raises:
        DscbError: the existing file cannot be read. OSError: it cannot be written.
    """
    path = Path(corpus_dir) / CSV_NAME
    key = file_key(file)
    with locked(Path(corpus_dir)):
        table = read(path)
        rows = [dict(r) for r in table.rows]
        given = {column_name(k): v for k, v in values.items() if v}
        for row in rows:
            if file_key(row.get("file", "")) == key:
                row.update(given)
                break
        else:
            rows.append({"file": key, **given})
        columns = tuple(dict.fromkeys([*table.columns, *given]))
        write(path, ReportsTable(columns, tuple(rows)))


@contextlib.contextmanager
def locked(corpus_dir: Path) -> Iterator[None]:
    """Hold the corpus's reports.csv lock (between threads and processes alike)."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    with open(corpus_dir / _LOCK, "a") as handle:  # a new open file description per holder: flock excludes threads too
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _guarded(value: str) -> bool:
    """A value a spreadsheet would run as a formula, or one that would read back as such a guard."""
    return value.lstrip("'")[:1] in _FORMULA_START


def _guard(value: str) -> str:
    # Excel runs "=HYPERLINK(...)" typed into a cell; a leading apostrophe makes it text.
    return "'" + value if _guarded(value) else value


def _unguard(value: str) -> str:
    return value[1:] if value[:1] == "'" and _guarded(value[1:]) else value

#!/usr/bin/env python3
"""Check the evaluation files against the rendered sample corpus and the real development PDFs.

For every ``eval/questions/*.jsonl`` answer and ``eval/theme_labels/*.jsonl``
label (sample corpus), and every ``eval/realdev/questions.jsonl`` answer and
``eval/realdev/known_items.jsonl`` item (the real PDFs in
``../shared/realdev/pdfs``, skipped with a message when that folder is absent),
this checks that

* the JSON fields are present and well-typed (see ``corpus/sources/FORMAT.md``),
* theme ids are known (read from ``dscb_assistant/data/themes.toml`` if it
  exists, otherwise from the table in ``../shared/themes.md``),
* the named file exists in ``corpus/`` (or the realdev folder),
* the quote occurs in the pypdf-extracted text of the stated page (questions,
  known items) or of some page (theme labels),
* a known item marked ``verbatim`` occurs itself on its page.

Text is compared after collapsing whitespace, dropping soft hyphens (U+00AD),
making curly quotes and dashes plain and joining words hyphenated at line ends. Each failure is printed with the
page(s) where the quote really is, if any. Exit status 1 on any failure.

Usage::

    python tools/check_eval_labels.py               # all eval files
    python tools/check_eval_labels.py baby-k ...    # only eval files whose name contains these
    python tools/check_eval_labels.py --realdev DIR # the real PDFs are somewhere else
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
REALDEV_DIR = ROOT.parent / "shared" / "realdev" / "pdfs"
EVAL_DIR = ROOT / "eval"
THEMES_TOML = ROOT / "dscb_assistant" / "data" / "themes.toml"
THEMES_MD = ROOT.parent / "shared" / "themes.md"
PERSONAS = {"social worker", "trainer", "new staff"}
QUOTE_WORDS = (6, 15)
SOFT_HYPHEN = "\u00ad"


# --------------------------------------------------------------------------
# Theme ids
# --------------------------------------------------------------------------


def _ids_from_toml(data: object) -> list[str]:
    """Collect every ``id = "..."`` value in a parsed TOML document."""
    found: list[str] = []
    if isinstance(data, dict):
        if isinstance(data.get("id"), str):
            found.append(data["id"])
        for value in data.values():
            found.extend(_ids_from_toml(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(_ids_from_toml(value))
    return found


def _ids_from_markdown(text: str) -> list[str]:
    """First cell of each row of the markdown table whose header starts with ``id``."""
    ids: list[str] = []
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.strip().startswith("|"):
            in_table = False
            continue
        if cells and cells[0].lower() == "id":
            in_table = True
            continue
        if in_table and cells and not set(cells[0]) <= set("-: "):
            ids.append(cells[0].strip("`"))
    return ids


def load_theme_ids() -> tuple[set[str], Path]:
    """Theme ids from the project's data file, else from the shared markdown table."""
    if THEMES_TOML.exists():
        ids = _ids_from_toml(tomllib.loads(THEMES_TOML.read_text(encoding="utf-8")))
        if not ids:  # a table keyed by id, e.g. [themes.neglect]
            data = tomllib.loads(THEMES_TOML.read_text(encoding="utf-8"))
            ids = list(data.get("themes", {}))
        if ids:
            return set(ids), THEMES_TOML
    ids = _ids_from_markdown(THEMES_MD.read_text(encoding="utf-8"))
    if not ids:
        raise SystemExit(f"no theme ids found in {THEMES_MD}")
    return set(ids), THEMES_MD


# --------------------------------------------------------------------------
# Text matching
# --------------------------------------------------------------------------


_QUOTE_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _collapse(text: str) -> str:
    """Whitespace collapsed, soft hyphens dropped, curly quotes and dashes made plain."""
    return re.sub(r"\s+", " ", text.replace(SOFT_HYPHEN, "").translate(_QUOTE_MARKS)).strip()


def page_variants(text: str) -> tuple[str, str]:
    """Normalised page text, once with line-end hyphens joined away, once kept.

    ``safe-\\nguarding`` (a soft hyphen used at a line end) must match
    ``safeguarding``; ``multi-\\nagency`` (a real hyphen at a line end) must
    match ``multi-agency``. Comparing against both variants covers both.
    """
    text = text.replace(SOFT_HYPHEN, "")
    joined = re.sub(r"(\w)-[ \t]*\n\s*(?=\w)", r"\1", text)
    kept = re.sub(r"(\w-)[ \t]*\n\s*(?=\w)", r"\1", text)
    return _collapse(joined), _collapse(kept)


def normalise_quote(quote: str) -> str:
    return _collapse(quote)


class Pages(Sequence):
    """Normalised text variants of each page of a PDF, each page extracted when first asked for
    (a label names its page, so a 244-page guidance document is not read whole to check one)."""

    def __init__(self, path: Path) -> None:
        self._pages = PdfReader(path).pages
        self._text: dict[int, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._text:
            self._text[i] = page_variants(self._pages[i].extract_text() or "")
        return self._text[i]


@lru_cache(maxsize=None)
def pdf_pages(name: str, folder: Path = CORPUS_DIR) -> Pages | None:
    """Normalised text variants of each page of <folder>/<name>, or None if missing."""
    path = Path(folder) / name
    if not path.is_file():
        return None
    return Pages(path)


def pages_with(quote: str, pages: tuple[tuple[str, str], ...]) -> list[int]:
    """1-based pages whose text contains the quote."""
    q = normalise_quote(quote)
    return [n for n, variants in enumerate(pages, 1) if any(q in v for v in variants)]


def near_pages(quote: str, pages: tuple[tuple[str, str], ...]) -> list[int]:
    """Pages holding the quote's first or last five words (a hint when it is not found)."""
    words = normalise_quote(quote).split()
    hits: set[int] = set()
    for part in (" ".join(words[:5]), " ".join(words[-5:])):
        hits.update(pages_with(part, pages))
    return sorted(hits)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


class Checker:
    """Collects failures while checking eval files."""

    def __init__(self, theme_ids: set[str], corpus: Path = CORPUS_DIR) -> None:
        self.theme_ids = theme_ids
        self.corpus = corpus
        self.failures = 0
        self.checked = 0

    def fail(self, where: str, message: str) -> None:
        self.failures += 1
        print(f"FAIL {where}: {message}")

    def check_quote(self, where: str, file: object, quote: object, page: object | None) -> None:
        """File exists, quote is a 6-15 word string found on ``page`` (or any page)."""
        self.checked += 1
        if not isinstance(file, str) or not file:
            return self.fail(where, "'file' must be a non-empty string")
        if not isinstance(quote, str) or not quote.strip():
            return self.fail(where, "'quote' must be a non-empty string")
        n_words = len(quote.split())
        if not QUOTE_WORDS[0] <= n_words <= QUOTE_WORDS[1]:
            self.fail(where, f"quote has {n_words} words (want {QUOTE_WORDS[0]}-{QUOTE_WORDS[1]})")
        pages = pdf_pages(file, self.corpus)
        if pages is None:
            return self.fail(where, f"{self.corpus / file} does not exist")
        if isinstance(page, int) and 1 <= page <= len(pages) and any(normalise_quote(quote) in v for v in pages[page - 1]):
            return None  # on its page: no need to read the others
        found = pages_with(quote, pages)
        if page is None:
            if not found:
                hint = near_pages(quote, pages)
                self.fail(where, f"quote not found in {file}"
                          + (f" (start/end of it is on page {hint})" if hint else "")
                          + f": {quote!r}")
            return None
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            return self.fail(where, "'page' must be a positive integer")
        if page > len(pages):
            self.fail(where, f"page {page} > {len(pages)} pages in {file}")
        if page not in found:
            if found:
                self.fail(where, f"quote is not on page {page} but on page(s) {found}: {quote!r}")
            else:
                hint = near_pages(quote, pages)
                self.fail(where, f"quote not found anywhere in {file}"
                          + (f" (start/end of it is on page {hint}; crosses a page "
                             "break, a footnote marker or a line-end hyphen?)" if hint else "")
                          + f": {quote!r}")
        return None

    def check_id(self, where: str, rid: object, prefix: str, seen: set[str]) -> None:
        """An id is ``prefix`` and a number, once per file."""
        if not isinstance(rid, str) or not re.fullmatch(rf"{re.escape(prefix)}\d+", rid):
            self.fail(where, f"'id' should look like '{prefix}1', got {rid!r}")
        elif rid in seen:
            self.fail(where, f"duplicate id {rid}")
        seen.add(str(rid))

    def check_question_file(self, path: Path, slug: str | None = None) -> None:
        slug = slug or path.stem
        seen: set[str] = set()
        for lineno, rec in read_jsonl(path, self):
            where = f"{path.relative_to(ROOT)}:{lineno}"
            self.check_id(where, rec.get("id"), f"{slug}-q", seen)
            if not isinstance(rec.get("question"), str) or not rec["question"].strip():
                self.fail(where, "'question' must be a non-empty string")
            if rec.get("persona") not in PERSONAS:
                self.fail(where, f"'persona' must be one of {sorted(PERSONAS)}")
            extra = set(rec) - {"id", "question", "persona", "answers"}
            if extra:
                self.fail(where, f"unexpected keys {sorted(extra)}")
            answers = rec.get("answers")
            if not isinstance(answers, list) or not answers:
                self.fail(where, "'answers' must be a non-empty list")
                continue
            for k, ans in enumerate(answers, 1):
                awhere = f"{where} answer {k}"
                if not isinstance(ans, dict):
                    self.fail(awhere, "answer must be an object")
                    continue
                extra = set(ans) - {"file", "page", "quote"}
                if extra:
                    self.fail(awhere, f"unexpected keys {sorted(extra)}")
                if "page" not in ans:
                    self.fail(awhere, "'page' is missing")
                    continue
                self.check_quote(awhere, ans.get("file"), ans.get("quote"), ans.get("page"))

    def check_known_item_file(self, path: Path, slug: str) -> None:
        """A remembered sentence or phrase: its quote is on its page, and so is the query when ``verbatim``."""
        seen: set[str] = set()
        for lineno, rec in read_jsonl(path, self):
            where = f"{path.relative_to(ROOT)}:{lineno}"
            self.check_id(where, rec.get("id"), f"{slug}-k", seen)
            extra = set(rec) - {"id", "query", "file", "page", "quote", "verbatim"}
            if extra:
                self.fail(where, f"unexpected keys {sorted(extra)}")
            query = rec.get("query")
            if not isinstance(query, str) or not query.strip():
                self.fail(where, "'query' must be a non-empty string")
                continue
            if not isinstance(rec.get("verbatim"), bool):
                self.fail(where, "'verbatim' must be true or false")
            self.check_quote(where, rec.get("file"), rec.get("quote"), rec.get("page"))
            if rec.get("verbatim") is True:
                pages = pdf_pages(str(rec.get("file")), self.corpus) or ()
                page = rec.get("page")
                on_page = isinstance(page, int) and 1 <= page <= len(pages) and any(
                    normalise_quote(query) in v for v in pages[page - 1])
                if not on_page:
                    self.fail(where, f"query marked verbatim is not on page {rec.get('page')}: {query!r}")

    def check_label_file(self, path: Path) -> None:
        for lineno, rec in read_jsonl(path, self):
            where = f"{path.relative_to(ROOT)}:{lineno}"
            extra = set(rec) - {"file", "quote", "themes"}
            if extra:
                self.fail(where, f"unexpected keys {sorted(extra)}")
            themes = rec.get("themes")
            if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
                self.fail(where, "'themes' must be a list of theme ids")
            else:
                unknown = [t for t in themes if t not in self.theme_ids]
                if unknown:
                    self.fail(where, f"unknown theme id(s) {unknown}")
                if len(set(themes)) != len(themes):
                    self.fail(where, "repeated theme id")
            self.check_quote(where, rec.get("file"), rec.get("quote"), None)


def read_jsonl(path: Path, checker: Checker):
    """Yield (line number, object) for each non-blank line; report bad JSON."""
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            checker.fail(f"{path.relative_to(ROOT)}:{lineno}", f"invalid JSON: {exc}")
            continue
        if not isinstance(rec, dict):
            checker.fail(f"{path.relative_to(ROOT)}:{lineno}", "line is not a JSON object")
            continue
        yield lineno, rec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*",
                        help="check only eval files whose name contains one of these")
    parser.add_argument("--realdev", type=Path, default=REALDEV_DIR,
                        help=f"folder of the real development PDFs (default {REALDEV_DIR})")
    args = parser.parse_args(argv)
    theme_ids, source = load_theme_ids()
    checker = Checker(theme_ids)
    real_failures = check_realdev(args.realdev, theme_ids) if not args.only or "realdev" in args.only else 0
    if args.only == ["realdev"]:
        return 1 if real_failures else 0

    def wanted(path: Path) -> bool:
        return not args.only or any(s in path.name for s in args.only)

    qfiles = [p for p in sorted((EVAL_DIR / "questions").glob("*.jsonl")) if wanted(p)]
    lfiles = [p for p in sorted((EVAL_DIR / "theme_labels").glob("*.jsonl")) if wanted(p)]
    for path in qfiles:
        checker.check_question_file(path)
    for path in lfiles:
        checker.check_label_file(path)
    print(f"{len(qfiles)} question file(s), {len(lfiles)} label file(s), "
          f"{checker.checked} quote(s) checked, {len(theme_ids)} theme ids from "
          f"{source}; {checker.failures} failure(s)")
    return 1 if checker.failures or real_failures else 0


def check_realdev(folder: Path, theme_ids: set[str]) -> int:
    """Check eval/realdev against the real PDFs; the number of failures (0, with a note, when the PDFs are absent)."""
    questions = EVAL_DIR / "realdev" / "questions.jsonl"
    known = EVAL_DIR / "realdev" / "known_items.jsonl"
    if not Path(folder).is_dir():
        print(f"SKIP eval/realdev: the real development PDFs are not at {folder} (give --realdev DIR)")
        return 0
    checker = Checker(theme_ids, corpus=Path(folder))
    if questions.exists():
        checker.check_question_file(questions, slug="realdev")
    if known.exists():
        checker.check_known_item_file(known, slug="realdev")
    print(f"eval/realdev against {folder}: {checker.checked} quote(s) checked; {checker.failures} failure(s)")
    return checker.failures


if __name__ == "__main__":
    sys.exit(main())

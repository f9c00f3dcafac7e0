"""Measure how faithful the passages are, on the sample corpus and the real development PDFs.

    .venv/bin/python -m tools.measure_passages [FOLDER ...] [--show N] [--sample N --sample-out FILE]

For each folder (default: ``corpus/`` and ``../shared/realdev/pdfs/``) it runs the pipeline up to
passages (extract, clean, chunk; no embedding) and prints: files, pages, passages, the share the
plain-pypdf oracle (``tests/oracle.py``) finds on their cited pages, the share that start at a
sentence or numbered paragraph, and the passages under 12 words (with how many are fragments:
not a whole sentence). ``--sample`` writes a random sample of passages (seeded) as TSV for a hand
check of their sections.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from dscb_assistant.ingest import read_report  # noqa: E402
from dscb_assistant.settings import Settings  # noqa: E402
from tests.oracle import check, document_of, starts_cleanly  # noqa: E402

REALDEV = PROJECT.parent / "shared" / "realdev" / "pdfs"
SHORT = 12


def is_fragment(text: str) -> bool:
    """Under 12 words and not a whole sentence (capital or number first, closing punctuation last)."""
    return len(text.split()) < SHORT and not (starts_cleanly(text) and re.search(r"[.!?:][\"'\u201d\u2019)]*$", text))


def measure(folder: Path, show: int = 0) -> tuple[dict, list]:
    chunking = Settings().chunking
    totals = dict(files=0, pages=0, passages=0, found=0, clean=0, short=0, fragments=0, own_words=0)
    passages_all = []
    for path in sorted(folder.glob("*.pdf")):
        extracted = read_report(str(path), path.name, chunking)
        doc = document_of(str(path))
        totals["files"] += 1
        totals["pages"] += len(extracted.pages)
        for p in extracted.passages:
            totals["passages"] += 1
            why = check(p.text, p.page, p.page_end, doc)
            totals["found"] += not why
            clean = starts_cleanly(p.text)
            totals["clean"] += clean
            short = len(p.text.split()) < SHORT
            totals["short"] += short
            totals["fragments"] += is_fragment(p.text)
            section = " ".join(p.section.split())
            totals["own_words"] += bool(section) and " ".join(p.text.split()).startswith(section)
            passages_all.append(p)
            if show and (why or not clean or is_fragment(p.text)):
                show -= 1
                reason = why or ("bad start" if not clean else "fragment")
                print(f"  {path.name} p{p.page}-{p.page_end} [{reason}] {p.section[:40]!r}: {p.text[:110]!r}")
    return totals, passages_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print up to N failing passages")
    parser.add_argument("--sample", type=int, default=0, help="write N random passages for a hand check")
    parser.add_argument("--sample-out", type=Path, default=PROJECT / "eval" / "realdev_sections_check.tsv")
    args = parser.parse_args(argv)
    folders = args.folders or [PROJECT / "corpus", REALDEV]
    print("| corpus | files | pages | passages | found by the oracle | start cleanly | under 12 words "
          "| fragments under 12 words | section = own first words |")
    print("|---|---|---|---|---|---|---|---|---|")
    for folder in folders:
        if not folder.is_dir():
            print(f"| {folder} | absent |  |  |  |  |  |  |  |")
            continue
        t, passages = measure(folder, args.show)
        n = max(t["passages"], 1)
        name = "realdev" if folder.resolve() == REALDEV.resolve() else folder.name
        print(f"| {name} | {t['files']} | {t['pages']} | {t['passages']} | {t['found']} ({100 * t['found'] / n:.1f}%) "
              f"| {t['clean']} ({100 * t['clean'] / n:.1f}%) | {t['short']} | {t['fragments']} | {t['own_words']} |")
        if args.sample and folder.resolve() == REALDEV.resolve() and args.sample_out.exists():
            print(f"{args.sample_out} exists (it holds hand-checked verdicts); not overwritten", file=sys.stderr)
        elif args.sample and folder.resolve() == REALDEV.resolve():
            chosen = random.Random(11).sample(passages, min(args.sample, len(passages)))
            with args.sample_out.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
                writer.writerow(["file", "page", "section", "first_words", "verdict"])
                for p in sorted(chosen, key=lambda p: (p.file, p.page)):
                    writer.writerow([p.file, p.page, p.section, " ".join(p.text.split()[:12]), ""])
    checked = args.sample_out
    if checked.exists():
        with checked.open(encoding="utf-8") as handle:
            verdicts = [row["verdict"] for row in csv.DictReader(handle, delimiter="\t") if row.get("verdict")]
        if verdicts:
            yes, partial = verdicts.count("yes"), verdicts.count("partial")
            print(f"\nSections hand-checked in {checked.relative_to(PROJECT)}: {yes} of {len(verdicts)} real headings "
                  f"({100 * yes / len(verdicts):.1f}%), {partial} more real but cut or run together with another line")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

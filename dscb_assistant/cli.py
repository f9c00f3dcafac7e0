"""Command line: ``python -m dscb_assistant ingest|add|search``; turns the library's errors into one clear line."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from .errors import DscbError, storage_error
from .links import pages_text
from .records import REVIEW_TYPES, Filters, IngestSummary
from .settings import Settings
from .untrusted import terminal


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # a user mistake: usage and one line, exit 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m dscb_assistant",
        description="Search the learning in published child safeguarding case reviews. Quotes reports verbatim; "
        "never writes text of its own.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    ingest = commands.add_parser("ingest", help="read the PDFs in a corpus folder and (re)build the index")
    ingest.add_argument("corpus", nargs="?", type=Path, help="folder of review PDFs (default: corpus/)")
    ingest.add_argument("--index", type=Path, help="index folder (default: index/)")
    ingest.add_argument("--rebuild", action="store_true", help="re-read every PDF instead of only new and changed ones")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.add_argument("--ocr", action="store_true", default=None,
                        help="read scanned pages (no text layer) with OCR; their text is marked as machine-read")

    add = commands.add_parser("add", help="add a review PDF (a file or an http(s) address) to the corpus and index it")
    add.add_argument("source", metavar="FILE_OR_URL", help="path of a PDF, or its https:// address to download")
    add.add_argument("--title", default="", help="report title (default: taken from the PDF)")
    add.add_argument("--board", default="", help="safeguarding board or partnership")
    add.add_argument("--year", type=int, help="year published")
    add.add_argument("--type", dest="review_type", default="", metavar="TYPE",
                     help=f"review type: {', '.join(REVIEW_TYPES)} (or SCR, CSPR)")
    add.add_argument("--url", default="", help="published address (a downloaded report defaults to its address)")
    add.add_argument("--corpus", type=Path, help="corpus folder to store it in (default: corpus/)")
    add.add_argument("--index", type=Path, help="index folder (default: index/)")
    add.add_argument("--no-ingest", action="store_true", help="only store the PDF and its details; index later")
    add.add_argument("--quiet", action="store_true", help="no progress bar")

    search = commands.add_parser("search", help="ask a question; prints the best verbatim passages with citations")
    search.add_argument("query", help="the question, in quotes")
    search.add_argument("--index", type=Path, help="index folder (default: index/)")
    search.add_argument("-k", type=int, default=None, help="number of passages (default 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per passage per line")
    search.add_argument("--year-from", type=int)
    search.add_argument("--year-to", type=int)
    search.add_argument("--type", dest="review_types", action="append", choices=REVIEW_TYPES, metavar="TYPE",
                        help=f"review type (repeatable): {', '.join(REVIEW_TYPES)}")
    search.add_argument("--board", dest="boards", action="append", metavar="BOARD", help="board name (repeatable)")
    search.add_argument("--theme", dest="themes", action="append", metavar="THEME", help="theme id (repeatable)")
    search.add_argument("--per-report", type=int, default=None, help="at most this many passages per report (0: no cap)")
    search.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid", help=argparse.SUPPRESS)

    recs = commands.add_parser("recommendations", help="every recommendation in every report, verbatim, grouped "
                               "with the near-identical ones of other reviews")
    recs.add_argument("--index", type=Path, help="index folder (default: index/)")
    recs.add_argument("--json", action="store_true", help="one JSON object per recommendation per line")
    recs.add_argument("--agency", dest="agency_kinds", action="append", metavar="KIND",
                      help="kind of agency addressed (repeatable), e.g. Police, Health")
    recs.add_argument("--theme", dest="themes", action="append", metavar="THEME", help="theme id (repeatable)")
    recs.add_argument("--year-from", type=int)
    recs.add_argument("--year-to", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            corpus_dir=getattr(args, "corpus", None), index_dir=getattr(args, "index", None), ocr=getattr(args, "ocr", None)
        )
        if args.command == "ingest":
            return _ingest(settings, args)
        if args.command == "add":
            return _add(settings, args)
        if args.command == "recommendations":
            return _recommendations(settings, args)
        return _search(settings, args)
    except DscbError as exc:
        print(f"error: {terminal(str(exc), one_line=True)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a disk or permission problem the library did not name: one line, no traceback
        what = f"read or write {exc.filename}" if exc.filename else "read or write a file"
        print(f"error: {terminal(str(storage_error(exc, what)), one_line=True)}", file=sys.stderr)
        return 1
    except ValueError as exc:  # bad DSCB_* environment values
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index is unchanged", file=sys.stderr)
        return 130


def _ingest(settings: Settings, args) -> int:
    from .ingest import ingest

    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        # One bar over the files; embedding and writing show as its postfix.
        nonlocal bar
        if args.quiet:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=0, desc="Reading PDFs", unit=" file", file=sys.stderr, leave=False)
        if stage == "read":
            bar.total = total
            bar.n = done
        elif stage == "embed":
            bar.set_postfix_str(f"{done} passages embedded", refresh=False)
        elif stage == "write":
            bar.set_description("Writing index", refresh=False)
        bar.refresh()

    try:
        summary = ingest(settings, rebuild=args.rebuild, progress=progress, wait_seconds=getattr(args, "wait", 0.0))
    finally:
        if bar is not None:
            bar.close()
    print(format_summary(summary, settings))
    return 0 if summary.reports else 1


def _add(settings: Settings, args) -> int:
    from .add import ReportDetails, add_report
    from .fetch import FetchPolicy

    details = ReportDetails(title=args.title, board=args.board, year=args.year, review_type=args.review_type, url=args.url)
    added = add_report(settings.corpus_dir, args.source, details, max_mb=settings.max_file_mb,
                       policy=FetchPolicy.from_settings(settings))
    where = Path(settings.corpus_dir) / added.file
    print(f"{'Stored' if added.new else 'Already stored'}: {where}")
    if args.no_ingest:
        print("Not indexed yet; run: python -m dscb_assistant ingest")
        return 0
    # Someone else adding a report at the same moment: wait for their update rather than fail.
    status = _ingest(settings, argparse.Namespace(rebuild=False, quiet=args.quiet, wait=600.0))
    return status or (0 if _indexed(settings, added.file) else 1)


def _indexed(settings: Settings, file: str) -> bool:
    """Whether the live index holds ``file`` (ingest lists a file it skipped, with the reason)."""
    from . import index

    build = index.current_build(Path(settings.index_dir))
    if build is None:
        return False
    manifest = json.loads((build / index.MANIFEST).read_text(encoding="utf-8"))
    return manifest.get("files", {}).get(file, {}).get("status") == "indexed"


def format_summary(summary: IngestSummary, settings: Settings) -> str:
    lines = []
    if summary.changed:
        lines.append(
            f"Indexed {summary.reports} reports, {summary.pages} pages, {summary.passages} passages in "
            f"{summary.seconds:.1f} s ({len(summary.added)} new, {len(summary.updated)} changed, "
            f"{len(summary.removed)} removed, {summary.unchanged} unchanged; {summary.embedded} passages embedded)."
        )
    else:
        lines.append(
            f"Index is up to date: {summary.reports} reports, {summary.pages} pages, {summary.passages} passages "
            f"(checked in {summary.seconds:.1f} s; nothing to re-read)."
        )
    lines.append(f"Index: {Path(settings.index_dir).resolve()}")
    for file, pages in summary.scanned:
        listed = ", ".join(map(str, pages))
        lines.append(f"Scanned pages with no text layer, not searchable (ingest --ocr reads them): {file}: page{'s' if len(pages) > 1 else ''} {listed}")
    if summary.problems:
        lines.append(f"Skipped {len(summary.problems)} file{'s' if len(summary.problems) > 1 else ''}:")
        lines.extend(f"  {_printable(p.file)}: {terminal(p.reason, one_line=True)}" for p in summary.problems)
    lines.extend(f"Note: {terminal(note, one_line=True)}" for note in summary.notes)
    if not summary.reports:
        lines.append(f"No report could be indexed. Put review PDFs in {Path(settings.corpus_dir).resolve()} and run ingest again.")
    return "\n".join(lines)


def _printable(name: str) -> str:
    """A file name on one line: control characters (a newline in a name) are shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _search(settings: Settings, args) -> int:
    from .confidence import NO_GOOD_MATCH, WEAK_LABEL, none_match
    from .ocr import MACHINE_READ_LABEL, machine_read
    from .query import prepare
    from .search import Searcher

    filters = Filters(
        year_from=args.year_from,
        year_to=args.year_to,
        review_types=tuple(args.review_types or ()),
        boards=tuple(args.boards or ()),
        themes=tuple(args.themes or ()),
    )
    searcher = Searcher(settings)
    note = prepare(args.query).note  # a paste past the limit: say how much of it was used
    hits = searcher.search(args.query, k=args.k, filters=filters, per_report=args.per_report, mode=args.mode)
    if args.json:
        if note:
            print(f"note: {note}", file=sys.stderr)
        for hit in hits:
            print(json.dumps({**hit.to_json(), "machine_read": machine_read(hit.passage, hit.report)}, ensure_ascii=False))
        return 0
    if note:
        print(note)
    if not hits:
        print("No passages matched." + (" Try fewer filters." if filters.active else ""))
        return 0
    reports = len({h.report.file for h in hits})
    found = f"{len(hits)} passage{'s' if len(hits) != 1 else ''} from {reports} report{'s' if reports != 1 else ''}"
    if none_match(hits):
        closest = "The closest passage, marked" if len(hits) == 1 else f"The closest {found}, each marked"
        print(f"{NO_GOOD_MATCH} {closest} [{WEAK_LABEL}]:\n")
    else:
        print(f"{found}\n")
    for hit in hits:
        r, p = hit.report, hit.passage
        year = r.year if r.year else "year unknown"
        pages = pages_text(p.page, p.page_end, p.page_label)
        where = " | ".join(filter(None, [pages, p.section, f"para {p.paragraph}" if p.paragraph else ""]))
        print(f"{hit.rank}. {f'[{WEAK_LABEL}] ' if hit.weak else ''}{terminal(r.title, one_line=True)}")
        print(terminal(f"   {r.board or 'board unknown'}, {year}, {r.review_type}", one_line=True))
        print(f"   {terminal(where, one_line=True)}")
        quoted = terminal(p.text, one_line=True)
        print(textwrap.fill(f"\u201c{quoted}\u201d", width=100, initial_indent="   ", subsequent_indent="   "))
        if machine_read(p, r):
            print(f"   [{MACHINE_READ_LABEL}]")
        print(f"   {terminal(hit.link, one_line=True)}")
        for copy in hit.also_in:
            print(terminal(f"   nearly the same text is also in: {copy.report.title}, p. {copy.passage.page} ({copy.link})", one_line=True))
        print()
    return 0


def _recommendations(settings: Settings, args) -> int:
    from .recommendations import AGENCY_KINDS, RecommendationFilter, find_recommendations, groups, select, years_made
    from .search import Searcher

    kinds = {name.lower(): name for name, _ in AGENCY_KINDS}
    unknown = [k for k in args.agency_kinds or () if k.lower() not in kinds]
    if unknown:
        print(f"error: unknown agency kind {unknown[0]!r}; choose from: {', '.join(kinds.values())}", file=sys.stderr)
        return 2
    searcher = Searcher(settings)  # for the index and its one rule for links
    reports = searcher.reports
    found = find_recommendations(searcher.passages, reports)
    wanted = RecommendationFilter(agency_kinds=tuple(kinds[k.lower()] for k in args.agency_kinds or ()),
                                  themes=tuple(args.themes or ()), year_from=args.year_from, year_to=args.year_to)
    chosen = select(found, reports, wanted)
    if args.json:
        for recommendation in chosen:
            link = searcher.link(reports[recommendation.file], recommendation.page)
            print(json.dumps(recommendation.to_json(reports[recommendation.file], link), ensure_ascii=False))
        return 0
    if not chosen:
        print("No recommendations found." + (" Try fewer filters." if wanted != RecommendationFilter() else ""))
        return 0
    gathered = groups(chosen, reports)
    print(f"{len(chosen)} recommendations from {len({r.file for r in chosen})} reports; "
          f"{sum(1 for g in gathered if len({m.file for m in g}) > 1)} made again in other reviews\n")
    for members in gathered:
        if len({m.file for m in members}) > 1:
            print(f"Made in {years_made(members, reports)}:")
        for recommendation in members:
            report = reports[recommendation.file]
            pages = pages_text(recommendation.page, recommendation.page_end)
            print(f"- {terminal(report.title, one_line=True)} ({report.year or 'year unknown'}), {pages}")
            if recommendation.agency:
                print(f"  To: {terminal(recommendation.agency, one_line=True)}")
            if recommendation.lead_in:
                print(textwrap.fill(terminal(recommendation.lead_in, one_line=True), width=100,
                                    initial_indent="  ", subsequent_indent="  "))
            quoted = terminal(recommendation.text, one_line=True)
            print(textwrap.fill(f"\u201c{quoted}\u201d", width=100, initial_indent="  ", subsequent_indent="  "))
            print(f"  {terminal(searcher.link(report, recommendation.page), one_line=True)}")
        print()
    return 0

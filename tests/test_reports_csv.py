"""reports.csv has one reader and one writer: header names in any case, quoting and line breaks survive, no row is lost."""

from __future__ import annotations

import csv
import io
import multiprocessing
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dscb_assistant import reports_csv
from dscb_assistant.add import ReportDetails, record_details
from dscb_assistant.metadata import read_reports_csv
from dscb_assistant.reports_csv import CSV_COLUMNS, ReportsTable

# Cells full of what breaks CSV and spreadsheets: quotes, commas, both kinds of line break, formula starts.
CELL = st.lists(st.sampled_from(list("ab ,\"'\n\r\t=+-@;é\u2028") + ["\r\n", "x y"]), max_size=12).map("".join)
EXTRA_COLUMN = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(lambda c: c not in CSV_COLUMNS)


def _case_variant(name: str, how: int) -> str:
    return [name, name.upper(), name.title(), f" {name.capitalize()} "][how % 4]


@st.composite
def tables(draw):
    extras = draw(st.lists(EXTRA_COLUMN, unique=True, max_size=3))
    columns = list(CSV_COLUMNS) + extras
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        row = {c: draw(CELL) for c in columns}
        row["file"] = draw(CELL.filter(lambda s: s.strip())) + ".pdf"
        if reports_csv.file_key(row["file"]) not in {reports_csv.file_key(r["file"]) for r in rows}:
            rows.append(row)
    header = [_case_variant(c, draw(st.integers(0, 3))) for c in columns]
    return columns, header, rows


@given(tables())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_through_the_writer_and_reader(tmp_path, table):
    columns, _, rows = table
    path = tmp_path / "reports.csv"
    reports_csv.write(path, ReportsTable(tuple(columns), tuple(rows)))
    back = reports_csv.read(path)
    assert list(back.columns) == columns
    assert [dict(r) for r in back.rows] == rows


@given(tables())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_spreadsheet_file_with_any_header_case_is_read_and_extended_without_losing_a_row(tmp_path, table):
    columns, header, rows = table
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    # Written by the standard csv module as a spreadsheet would save it, not by the code under test.
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[r[c] for c in columns] for r in rows])
    (corpus / "reports.csv").write_text("\ufeff" + out.getvalue(), encoding="utf-8", newline="")

    reports_csv.update_row(corpus, "added/new report.pdf", {"title": "Added, \"quoted\"\nreport", "Board": "B"})
    back = reports_csv.read(corpus / "reports.csv")
    text = (corpus / "reports.csv").read_text(encoding="utf-8")
    assert text.lower().count("file,title,board") == 1  # one header, however the old one was written
    unguarded = [{c: (v[1:] if v.startswith("'") and v.lstrip("'")[:1] in ("=", "+", "-", "@") else v) for c, v in r.items()} for r in rows]
    expected = {reports_csv.file_key(r["file"]): r for r in unguarded}
    got = {reports_csv.file_key(r["file"]): r for r in back.rows}
    assert len(back.rows) == len(rows) + 1
    for key, row in expected.items():
        assert {c: got[key][c] for c in columns} == row
    assert got["added/new report.pdf"]["title"] == "Added, \"quoted\"\nreport"
    assert got["added/new report.pdf"]["board"] == "B"


def test_capitalised_header_then_adding_a_report_keeps_the_old_rows_metadata(tmp_path):
    """The bug in the issue: the writer appended a second header and the old rows lost their details."""
    (tmp_path / "reports.csv").write_text(
        "File,Title,Board,Year,Review_Type,URL\r\nold.pdf,Old review,Old Board,2019,SCR,https://example.org/old.pdf\r\n",
        encoding="utf-8",
    )
    record_details(tmp_path, "new.pdf", ReportDetails(title="New review", year=2023))
    rows, warnings = read_reports_csv(tmp_path)
    assert warnings == []
    assert rows["old.pdf"]["title"] == "Old review" and rows["old.pdf"]["board"] == "Old Board"
    assert rows["old.pdf"]["url"] == "https://example.org/old.pdf" and rows["old.pdf"]["year"] == "2019"
    assert rows["new.pdf"]["title"] == "New review" and rows["new.pdf"]["year"] == "2023"
    lines = (tmp_path / "reports.csv").read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if line.lower().startswith("file,")) == 1


def test_updating_a_row_named_differently_changes_that_row(tmp_path):
    (tmp_path / "reports.csv").write_text("FILE,TITLE\r\n./sub\\a.pdf,A\r\n", encoding="utf-8")
    reports_csv.update_row(tmp_path, "sub/a.pdf", {"board": "North"})
    rows, _ = read_reports_csv(tmp_path)
    assert list(rows) == ["sub/a.pdf"] and rows["sub/a.pdf"]["title"] == "A" and rows["sub/a.pdf"]["board"] == "North"


# -- two sessions adding reports at once ---------------------------------------------------------
def _add_many(corpus, prefix: str, count: int) -> None:
    for i in range(count):
        record_details(corpus, f"{prefix}-{i}.pdf", ReportDetails(title=f"{prefix} {i}", year=2000 + i % 20))


def test_threads_adding_at_once_lose_no_row(tmp_path):
    threads = [threading.Thread(target=_add_many, args=(tmp_path, f"t{n}", 15)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows, warnings = read_reports_csv(tmp_path)
    assert warnings == []
    assert set(rows) == {f"t{n}-{i}.pdf" for n in range(4) for i in range(15)}
    assert all(rows[f"t{n}-{i}.pdf"]["title"] == f"t{n} {i}" for n in range(4) for i in range(15))


def test_two_processes_adding_at_once_lose_no_row(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_many, args=(tmp_path, f"p{n}", 20)) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    rows, _ = read_reports_csv(tmp_path)
    assert set(rows) == {f"p{n}-{i}.pdf" for n in range(2) for i in range(20)}

"""Learning over time: how many reports carry each theme year by year (the themes page's charts, a year
clicked filters the passages), and a report's page with findings, learning and recommendations first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dscb_assistant import browse
from dscb_assistant.records import Passage, ReportMeta
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT, Settings

from .conftest import write_reports_csv
from .pdfs import make_pdf, words

APP = str(PROJECT_ROOT / "app.py")


def passage(pid: str, file: str, section: str, themes: tuple[str, ...] = ()) -> Passage:
    return Passage(id=pid, file=file, page=1, page_end=1, page_label="", section=section, paragraph="", text="t",
                   themes=themes)


def report(file: str, year: int | None) -> ReportMeta:
    return ReportMeta(file=file, title=file, board="B", year=year, review_type="other", url="", sha256="", pages=1)


# -- the counts behind the charts -----------------------------------------------------------------------
def test_theme_years_counts_reports_not_passages_and_keeps_empty_years():
    reports = {f: report(f, y) for f, y in (("a", 2011), ("b", 2011), ("c", 2016), ("d", None))}
    passages = [passage("1", "a", "", ("neglect",)), passage("2", "a", "", ("neglect",)),
                passage("3", "b", "", ("neglect", "domestic-abuse")), passage("4", "c", "", ("domestic-abuse",)),
                passage("5", "d", "", ("neglect",))]
    rows = {(r.theme_id, r.year): (r.reports, r.all_reports) for r in browse.theme_years(passages, reports)}
    assert rows == {("neglect", 2011): (2, 2), ("neglect", 2016): (0, 1),
                    ("domestic-abuse", 2011): (1, 2), ("domestic-abuse", 2016): (1, 1)}


def test_selected_years_reads_the_charts_selection():
    from dscb_assistant.ui.themes import selected_years

    assert selected_years(None) == []
    assert selected_years({"selection": {"year": []}}) == []
    assert selected_years({"selection": {"year": [{"Year": 2016}, {"Year": 2011}]}}) == [2011, 2016]


# -- a report's page: what it learned first, what each agency did last ----------------------------------
def test_agency_summaries_and_chronologies_come_after_the_learning():
    sections = ["1. Introduction", "2. Summary of agency involvement", "3. Executive summary", "4. Analysis",
                "5. Findings", "Date Agency Event", "6. Recommendations", "7. Lessons learned"]
    passages = [passage(str(i), "a", s) for i, s in enumerate(sections)]
    ordered = [p.section for p in browse.learning_first(passages)]
    assert ordered == ["5. Findings", "6. Recommendations", "7. Lessons learned", "3. Executive summary",
                       "1. Introduction", "4. Analysis", "2. Summary of agency involvement", "Date Agency Event"]


# -- the pages -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(tmp_path_factory) -> tuple[Path, Path]:
    from dscb_assistant.ingest import ingest

    root = tmp_path_factory.mktemp("over-time")
    corpus = root / "corpus"
    neglect = "The children were neglected: the home was dirty, there was no food and the school saw poor hygiene."
    make_pdf(corpus / "early.pdf", [
        ["# 1. Introduction", "1.1 " + words(60)],
        ["# 2. Summary of agency involvement", "2.1 The health visitor visited in May. " + words(60)],
        ["# 3. Findings", "3.1 " + neglect + " " + words(40)],
        ["# 4. Recommendations", "4.1 The Board should relaunch its neglect screening tool. " + words(40)],
    ], page_numbers=True)
    make_pdf(corpus / "late.pdf", [["# Learning", neglect + " " + words(60)]], page_numbers=True)
    make_pdf(corpus / "other.pdf", [["# Background", "The family moved house twice. " + words(70)]], page_numbers=True)
    write_reports_csv(corpus, [
        {"file": "early.pdf", "title": "Review of the A children", "board": "Testshire", "year": "2012",
         "review_type": "serious case review", "url": ""},
        {"file": "late.pdf", "title": "Review of the B children", "board": "Testshire", "year": "2020",
         "review_type": "learning review", "url": ""},
        {"file": "other.pdf", "title": "Review of C", "board": "Testshire", "year": "2020",
         "review_type": "learning review", "url": ""},
    ])
    ingest(Settings(corpus_dir=corpus, index_dir=root / "index", embedder=HASH_EMBEDDER, workers=1, file_timeout=60))
    return corpus, root / "index"


@pytest.fixture
def app(library, monkeypatch, tmp_path):
    from dscb_assistant.ui import resources

    corpus, index = library
    for name, value in {"DSCB_CORPUS_DIR": str(corpus), "DSCB_INDEX_DIR": str(index), "DSCB_EMBEDDER": HASH_EMBEDDER,
                        "DSCB_WORKERS": "1", "DSCB_DEDUPE": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static" / "corpus")
    return AppTest.from_file(APP, default_timeout=60).run()


def charts(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]


def test_themes_page_charts_every_theme_by_year_then_one_theme_against_all_reports(app, library):
    app.switch_page("dscb_assistant/ui/themes.py").run()
    assert not app.exception
    overview = charts(app)
    assert len(overview) == 1
    spec = overview[0]
    assert spec["mark"]["type"] == "rect" and spec["encoding"]["x"]["field"] == "Year"
    assert spec["encoding"]["color"]["field"] == "Reports" and spec["params"][0]["name"] == "cell"

    # The counts, from the index's own files (an oracle independent of browse.theme_years).
    build = (library[1] / "current").resolve()
    years = {r["file"]: r["year"] for r in json.loads((build / "reports.json").read_text())["reports"]}
    with (build / "passages.jsonl").open() as handle:
        carried = {(t, years[p["file"]], p["file"]) for p in map(json.loads, handle) for t in p["themes"]}
    assert {("neglect", 2012, "early.pdf"), ("neglect", 2020, "late.pdf")} <= carried
    expected = {(t, y): sum(1 for c in carried if c[:2] == (t, y)) for t, y, _ in carried}
    from dscb_assistant.search import Searcher

    searcher = Searcher(Settings(corpus_dir=library[0], index_dir=library[1], embedder=HASH_EMBEDDER))
    got = {(r.theme_id, r.year): r.reports for r in browse.theme_years(searcher.passages, searcher.reports) if r.reports}
    assert got == expected

    app.button_group(key="theme-pick").set_value("neglect").run()
    assert not app.exception
    theme = charts(app)
    assert len(theme) == 1 and theme[0]["params"][0]["name"] == "year"
    assert theme[0]["encoding"]["x"]["field"] == "Year" and "against all reports" in theme[0]["title"]


def test_report_page_puts_findings_and_recommendations_first_and_agency_summary_last(app):
    app.switch_page("dscb_assistant/ui/reports.py").run()
    app.button(key="open-early.pdf").click().run()
    assert not app.exception
    sections = [m.value for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert sections == ["**3\\. Findings**", "**4\\. Recommendations**", "**1\\. Introduction**",
                        "**2\\. Summary of agency involvement**"]

"""Recommendations across reviews: found from each report's structure, quoted verbatim from their pages, grouped.

The verbatim checks read the PDFs again with plain pypdf (an oracle independent of cleaning and chunking)
and fold only whitespace and hyphens; the completeness check reads the sample reports' own source text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from dscb_assistant.recommendations import (
    RecommendationFilter,
    agency_kinds,
    find_recommendations,
    groups,
    select,
    years_made,
)
from dscb_assistant.records import Passage, ReportMeta
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

REALDEV = PROJECT_ROOT.parent / "shared" / "realdev" / "pdfs"
SAMPLE = PROJECT_ROOT / "corpus"


def passage(file: str, n: int, text: str, section: str, page: int = 3, page_end: int | None = None) -> Passage:
    return Passage(id=f"{file[:6]}aaaaaa-{n:04d}", file=file, page=page, page_end=page_end or page, page_label="",
                   section=section, paragraph="", text=text)


def report(file: str, year: int) -> ReportMeta:
    return ReportMeta(file=file, title=f"Review {file}", board="Testshire Board", year=year,
                      review_type="learning review", url="", sha256="0" * 64, pages=9)


# -- found from the report's structure ----------------------------------------------------------------
def test_numbered_recommendations_in_their_section_and_not_the_introduction():
    found = find_recommendations([
        passage("a.pdf", 0, "4.1 The health visitor should have referred the baby.", "4. Findings"),
        passage("a.pdf", 1, "7.1 The Panel makes the following recommendations to the Testshire LSCB.\n\n"
                "7.2 Testshire Police should ensure that DASH risk assessments are completed at every incident.\n\n"
                "7.3 The reviewer thanks the family for taking part in this review.", "7. Recommendations"),
    ], themes=())
    assert [r.text for r in found] == [
        "7.2 Testshire Police should ensure that DASH risk assessments are completed at every incident."]
    assert found[0].agency == "Testshire Police" and found[0].agency_kinds == ("Police",)
    assert found[0].paragraph == "7.2" and found[0].page == 3


def test_bullets_take_the_agency_of_their_introduction_and_the_lead_in_of_their_list():
    found = find_recommendations([
        passage("b.pdf", 0, "In order to improve services, the local authority should take the following action.\n\n"
                "Immediately:\n\n\u2022 ensure all children have a care plan that records their views\n\n"
                "\u2022 review the supervision of every social worker each month", "Areas for improvement"),
    ], themes=())
    assert [r.text for r in found] == ["ensure all children have a care plan that records their views",
                                       "review the supervision of every social worker each month"]
    assert {r.lead_in for r in found} == {"Immediately:"}
    assert {r.agency for r in found} == {"The local authority"}
    assert found[0].agency_kinds == ("Children's social care",)


def test_a_finding_labelled_recommendation_and_a_board_sentence_outside_the_section():
    found = find_recommendations([
        passage("c.pdf", 0, "6.1 Finding 1: Return home interviews are not offered. Recommendation: the Partnership "
                "should commission return home interviews from an independent service.", "6. Findings"),
        passage("c.pdf", 1, "The review heard from staff. The Board should publish a briefing on information sharing. "
                "Staff welcomed this.", "Conclusion"),
        passage("c.pdf", 2, "It is recommended by many that schools try harder, which they should.", "Background"),
    ], themes=())
    assert [r.text for r in found] == [
        "Recommendation: the Partnership should commission return home interviews from an independent service.",
        "The Board should publish a briefing on information sharing."]
    assert found[0].agency == "The Partnership"


def test_recommendations_under_their_own_headings_and_other_ways_of_asking():
    found = find_recommendations([
        passage("e.pdf", 0, "The review identified the following recommendations.", "Recommendations"),
        passage("e.pdf", 1, "The Safeguarding Partnership to ensure that the escalation policy is understood by schools.",
                "Recommendation 1"),
        passage("e.pdf", 2, "That the ICB seeks assurance that GPs record who lives in the household. The review "
                "recommends that the ICB reports back in six months.", "Recommendation 2"),
        passage("e.pdf", 3, "In order to improve practice, staff were trained.", "5. Analysis"),
    ], themes=())
    assert [(r.section, r.agency) for r in found] == [("Recommendation 1", "The Safeguarding Partnership"),
                                                      ("Recommendation 2", "")]
    assert found[1].text.startswith("That the ICB seeks assurance")


def test_an_inspections_numbered_actions_under_subheadings_and_not_its_strengths():
    section = "3. Leadership, management and governance"
    found = find_recommendations([
        passage("f.pdf", 0, "Children's services are inadequate because social work practice is weak.\n\n"
                "What does the local authority need to improve?", section),
        passage("f.pdf", 1, "Priority and immediate action Leadership, management and governance\n\n"
                "1. Secure effective leadership across children's services.\n\n"
                "2. Carry out effective performance management and quality assurance.", section, page=4),
        passage("f.pdf", 2, "3. Significantly strengthen the oversight of work on child sexual exploitation.\n\n"
                "Assessment, planning and reviewing children's progress\n\n"
                "4. Ensure that children's files are up to date.", "Management oversight", page=4),
        passage("f.pdf", 3, "5. Early help services are well established and coordinated.\n\n"
                "6. Ensure nothing: this paragraph comes after the strengths, and is not read.", "Strengths", page=6),
    ], themes=())
    assert [r.text[:2] for r in found] == ["1.", "2.", "3.", "4."]
    assert found[0].text == "1. Secure effective leadership across children's services."


def test_a_paragraph_split_over_two_passages_is_one_recommendation():
    first = "9.3 The Board should agree a protocol. It should cover every notification of domestic abuse."
    second = "It should cover every notification of domestic abuse. Police and health should both sign it."
    found = find_recommendations([passage("d.pdf", 0, first, "9. Recommendations", page=5),
                                  passage("d.pdf", 1, second, "9. Recommendations", page=6)], themes=())
    assert [r.text for r in found] == [
        "9.3 The Board should agree a protocol. It should cover every notification of domestic abuse. "
        "Police and health should both sign it."]
    assert (found[0].page, found[0].page_end) == (5, 6)


@pytest.mark.parametrize("agency, kinds", [
    ("Northmere General Hospital NHS Foundation Trust", ("Health",)),
    ("Children's Services, police and health", ("Police", "Health", "Children's social care")),
    ("All agencies", ("All agencies",)),
    ("The HFSCP", ("Safeguarding partnership or board",)),
    ("The Coroner's officer", ("Other",)),
    ("", ()),
])
def test_agency_kinds(agency, kinds):
    assert agency_kinds(agency) == kinds


# -- grouped across reviews -----------------------------------------------------------------------------
def test_near_identical_recommendations_of_different_years_share_a_group():
    section = "Recommendations"
    passages = [
        passage("r2011.pdf", 0, "5. All agencies should establish the identity and role of every adult living in "
                "or regularly caring for a child, and record this information.", section),
        passage("r2016.pdf", 0, "7.6 All agencies should ensure that assessments identify every adult who has a "
                "significant role in a child's life and record their identity and role.", section),
        passage("r2023.pdf", 0, "3. Schools should record the identity and role of every adult caring for a child "
                "who collects them, and establish it at enrolment.", section),
        passage("r2023.pdf", 1, "4. The Board should relaunch its protocol for bruising in non-mobile babies.", section),
    ]
    reports = {f: report(f, int(f[1:5])) for f in ("r2011.pdf", "r2016.pdf", "r2023.pdf")}
    found = find_recommendations(passages, reports, themes=())
    assert len(found) == 4
    assert found[0].group == found[1].group == found[2].group != found[3].group
    gathered = groups(found, reports)
    assert [len(g) for g in gathered] == [3, 1]
    assert years_made(gathered[0], reports) == "2011, 2016 and 2023"


def test_select_by_agency_theme_and_years():
    passages = [
        passage("r2011.pdf", 0, "1. Testshire Police should record every child present at a domestic abuse incident.",
                "Recommendations"),
        passage("r2016.pdf", 0, "2. The health visiting service should discuss coping with crying with both parents.",
                "Recommendations"),
    ]
    reports = {"r2011.pdf": report("r2011.pdf", 2011), "r2016.pdf": report("r2016.pdf", 2016)}
    found = find_recommendations(passages, reports)
    assert [r.file for r in select(found, reports, RecommendationFilter(agency_kinds=("Police",)))] == ["r2011.pdf"]
    assert [r.file for r in select(found, reports, RecommendationFilter(year_from=2012))] == ["r2016.pdf"]
    assert "domestic-abuse" in found[0].themes
    assert [r.file for r in select(found, reports, RecommendationFilter(themes=("domestic-abuse",)))] == ["r2011.pdf"]


# -- verbatim from their pages, on real PDFs --------------------------------------------------------------
def fold(text: str) -> str:
    """Whitespace and hyphens folded away (a line-end hyphen and a wrapped line are the same text)."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", unicodedata.normalize("NFKC", text)).lower()


def on_its_pages(text: str, pages: list[str]) -> bool:
    """``text`` is on these pages in order: each part between page breaks on one of them, none skipped back."""
    folded = [fold(p) for p in pages]
    at = 0
    for part in filter(str.strip, re.split(r"\n\n", text)):
        while at < len(folded) and fold(part) not in folded[at]:
            at += 1
        if at == len(folded):
            return False
    return True


def run_cli(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DSCB_EMBEDDER": HASH_EMBEDDER, "DSCB_WORKERS": "1"}
    return subprocess.run([sys.executable, "-m", "dscb_assistant", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=600)


def recommendations_of(corpus: Path, index: Path) -> list[dict]:
    done = run_cli("ingest", str(corpus), "--index", str(index), "--quiet")
    assert done.returncode == 0, done.stderr
    listed = run_cli("recommendations", "--index", str(index), "--json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def assert_verbatim(found: list[dict], corpus: Path) -> None:
    from pypdf import PdfReader

    texts: dict[str, list[str]] = {}
    for item in found:
        if item["file"] not in texts:
            texts[item["file"]] = [page.extract_text() or "" for page in PdfReader(corpus / item["file"]).pages]
        pages = texts[item["file"]][item["page"] - 1 : item["page_end"]]
        assert on_its_pages(item["text"], pages), (item["file"], item["page"], item["text"])
        assert not item["lead_in"] or on_its_pages(item["lead_in"], pages)


@pytest.fixture(scope="module")
def sample_recommendations(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("sample")
    return recommendations_of(SAMPLE, root / "index")


def test_sample_recommendations_are_verbatim_and_complete(sample_recommendations):
    found = sample_recommendations
    required = {"file", "title", "year", "page", "page_end", "text", "agency", "themes", "group"}
    assert found and all(required <= set(item) for item in found)
    assert_verbatim(found, SAMPLE)
    # Every "should" paragraph in a recommendations section of the reports' own source text is found.
    expected = []
    for source in sorted((SAMPLE / "sources").glob("*.txt")):
        inside = False
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                inside = "recommendation" in line.lower()
            elif inside and " should " in line and not re.match(r"^\S+ (Finding|Learning point)", line):
                expected.append(re.sub(r"^- ", "", line).replace("\\-", ""))
    assert len(expected) >= 40
    texts = [fold(item["text"]) for item in found]
    missing = [line for line in expected if not any(fold(line)[-60:] in text for text in texts)]
    assert not missing, missing
    by_agency = [item for item in found if item["agency"]]
    assert len(by_agency) >= 0.8 * len(found)


def test_sample_groups_recommendations_made_again(sample_recommendations):
    by_group: dict[int, list[dict]] = {}
    for item in sample_recommendations:
        by_group.setdefault(item["group"], []).append(item)
    repeated = [members for members in by_group.values() if len({m["file"] for m in members}) > 1]
    assert repeated
    identity = next(g for g in repeated if any("every adult" in m["text"] for m in g))
    assert {m["year"] for m in identity} == {2011, 2013, 2016}  # the sample repeats this one on purpose
    online = next(g for g in repeated if any("online" in m["text"] for m in g))
    assert {m["file"] for m in online} == {"castlebridge-cspr-child-j-2022.pdf", "harlow-fen-thematic-suicide-2024.pdf"}
    for members in repeated:  # never the same request twice in one group only because of one shared word
        words = [set(re.findall(r"[a-z]{5,}", m["text"].lower())) for m in members]
        assert len(set.intersection(*words)) >= 2


def test_recommendations_text_output_and_filters(sample_recommendations, tmp_path_factory):
    index = next(Path(p) for p in tmp_path_factory.getbasetemp().glob("sample*/index"))
    human = run_cli("recommendations", "--index", str(index), "--agency", "police")
    assert human.returncode == 0, human.stderr
    assert "Kingsmead Police should ensure that DASH risk assessments" in " ".join(human.stdout.split())
    assert "#page=" in human.stdout
    police = [r for r in sample_recommendations if "Police" in r["agency_kinds"]]
    assert human.stdout.count("\n- ") == len(police)
    wrong = run_cli("recommendations", "--index", str(index), "--agency", "wizards")
    assert wrong.returncode == 2 and "unknown agency kind" in wrong.stderr


def test_realdev_recommendations_are_verbatim(tmp_path):
    if not REALDEV.is_dir():
        pytest.skip(f"the real development PDFs are not at {REALDEV}")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    chosen = ["ofsted-sif-rotherham-2014-with-lscb-review.pdf",
              "ofsted-lac-services-inspection-norfolk-2013.pdf", "ofsted-cqc-area-send-gloucestershire-2024.pdf",
              "ofsted-ilacs-cambridgeshire-2024.pdf", "pfd-2023-0128-joseph-maunick-suffolk.pdf",
              "pfd-2023-0130-peter-lawrence-berkshire.pdf"]
    for name in chosen:
        shutil.copyfile(REALDEV / name, corpus / name)  # a temporary copy outside the project
    found = recommendations_of(corpus, tmp_path / "index")
    assert_verbatim(found, corpus)
    per_file = {name: [r for r in found if r["file"] == name] for name in chosen}
    assert len(per_file["ofsted-lac-services-inspection-norfolk-2013.pdf"]) >= 12  # "Areas for improvement" bullets
    rotherham = [r["text"] for r in per_file["ofsted-sif-rotherham-2014-with-lscb-review.pdf"]]
    assert len(rotherham) >= 20 and any(t.startswith("1. Secure effective leadership") for t in rotherham)
    assert not any("Early help services are well established" in t for t in rotherham)  # a strength, not an action
    gloucestershire = [r["text"] for r in per_file["ofsted-cqc-area-send-gloucestershire-2024.pdf"]]
    assert not any(t.startswith("Parents and school leaders rightly describe") for t in gloucestershire)  # a finding
    assert any("record-keeping" in r["text"] for r in per_file["pfd-2023-0130-peter-lawrence-berkshire.pdf"])
    assert any(r["text"].startswith("1) A national care shortage")
               for r in per_file["pfd-2023-0128-joseph-maunick-suffolk.pdf"])  # a coroner's matters of concern
    assert any("stability and capacity of the workforce" in r["text"]
               for r in per_file["ofsted-ilacs-cambridgeshire-2024.pdf"])  # "What needs to improve?"
    assert not any("action should be taken to prevent future deaths" in r["text"] for r in found)  # the form's words


# -- the app's page ---------------------------------------------------------------------------------------
HOSTILE = 'The Board should stop <img src=x onerror=alert(1)> and *this* [link](javascript:alert(1)) at once.'


@pytest.fixture(scope="module")
def page_library(tmp_path_factory) -> tuple[Path, Path]:
    from dscb_assistant.ingest import ingest
    from dscb_assistant.settings import Settings

    from .conftest import write_reports_csv
    from .pdfs import make_pdf, words

    root = tmp_path_factory.mktemp("recs-app")
    corpus = root / "corpus"
    make_pdf(corpus / "old.pdf", [
        ["# 1. Findings", "1.1 " + words(60)],
        ["# 2. Recommendations", "2.1 Testshire Police should record the name and date of birth of every adult living "
         "in a household where a baby is at risk.", "2.2 " + HOSTILE],
    ], page_numbers=True)
    make_pdf(corpus / "new.pdf", [
        ["# 5. Recommendations", "5.1 Health visitors should record the name and date of birth of every adult living "
         "in the household of a new baby.", "5.2 Schools should teach pupils about online safety every term."],
    ], page_numbers=True)
    write_reports_csv(corpus, [
        {"file": "old.pdf", "title": "Review of Baby One", "board": "Testshire", "year": "2012",
         "review_type": "serious case review", "url": "https://example.org/old.pdf"},
        {"file": "new.pdf", "title": "Review of Baby Two", "board": "Testshire", "year": "2021",
         "review_type": "learning review", "url": ""},
    ])
    ingest(Settings(corpus_dir=corpus, index_dir=root / "index", embedder=HASH_EMBEDDER, workers=1, file_timeout=60))
    return corpus, root / "index"


@pytest.fixture
def recommendations_page(page_library, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from dscb_assistant.ui import resources

    corpus, index = page_library
    monkeypatch.setenv("DSCB_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DSCB_INDEX_DIR", str(index))
    monkeypatch.setenv("DSCB_EMBEDDER", HASH_EMBEDDER)
    monkeypatch.setenv("DSCB_WORKERS", "1")
    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static" / "corpus")
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    app.switch_page("dscb_assistant/ui/recommendations.py").run()
    assert not app.exception, app.exception
    return app


def quotes(app) -> list[str]:
    import html

    return [html.unescape(re.search(r'class="dscb-quote">(.*?)</div>', m.value, re.S).group(1))
            for m in app.markdown if 'class="dscb-quote"' in m.value]


def test_page_quotes_every_recommendation_and_gathers_the_repeated_one(recommendations_page):
    app = recommendations_page
    shown = quotes(app)
    assert len(shown) == 4
    assert "2.1 Testshire Police should record the name and date of birth of every adult living in a household where " \
           "a baby is at risk." in shown
    assert any(m.value.startswith(":material/repeat: **Made in 2012 and 2021**") for m in app.markdown)
    assert any('href="https://example.org/old.pdf#page=2"' in m.value for m in app.markdown)
    assert any("Addressed to: Testshire Police" in m.value for m in app.markdown)


def test_page_escapes_report_text(recommendations_page):
    cards = [m.value for m in recommendations_page.markdown if 'class="dscb-quote"' in m.value]
    hostile = next(c for c in cards if "onerror" in c)
    assert "<img" not in hostile and "&lt;img src=x onerror=alert(1)&gt;" in hostile
    assert "javascript:" not in hostile and "*this*" not in hostile  # no live link, no emphasis
    assert f"2.2 {HOSTILE}" in quotes(recommendations_page)  # and still shown exactly as written


def test_page_filters_by_agency_years_and_repetition(recommendations_page):
    app = recommendations_page
    app.multiselect(key="recs-agency").set_value(["Police"]).run()
    assert [q[:30] for q in quotes(app)] == ["2.1 Testshire Police should re"]
    app.multiselect(key="recs-agency").set_value([]).run()
    app.slider(key="recs-years").set_value((2020, 2021)).run()
    assert len(quotes(app)) == 2 and all(q.startswith("5.") for q in quotes(app))
    app.slider(key="recs-years").set_value((2012, 2021)).run()
    app.toggle(key="recs-repeated").set_value(True).run()
    assert sorted(q[:3] for q in quotes(app)) == ["2.1", "5.1"]

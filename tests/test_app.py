"""The Streamlit app driven through AppTest: every page and interaction, on a tiny corpus with the fast fake embedder."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dscb_assistant.settings import HASH_EMBEDDER, Settings
from dscb_assistant.untrusted import STREAMLIT_SEPARATOR

from .conftest import build_small_corpus
from .pdfs import make_pdf, words

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {name: f"dscb_assistant/ui/{name}.py" for name in ("ask", "themes", "reports", "recommendations", "collection",
                                                                "add_reports")}
HOSTILE = ('The parent said <img src=x onerror=alert(1)> and <script>alert("x")</script> about the baby bruise; '
           "*not emphasis* and [a link](javascript:alert(1)) cost $5 and $6.")


def _ingest(corpus: Path, index: Path) -> None:
    from dscb_assistant.ingest import ingest

    ingest(Settings(corpus_dir=corpus, index_dir=index, embedder=HASH_EMBEDDER, workers=1, file_timeout=60))


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> tuple[Path, Path]:
    """The small corpus plus a report whose text tries to become markup, indexed once for the module."""
    root = tmp_path_factory.mktemp("app")
    corpus = build_small_corpus(root / "corpus")
    make_pdf(corpus / "hostile.pdf", [["# Findings", HOSTILE + " " + words(60)]], page_numbers=True)
    _ingest(corpus, root / "index")
    return corpus, root / "index"


@pytest.fixture
def app(library, monkeypatch, tmp_path):
    """A fresh app session on the module's index; local PDFs are published to a temporary static folder."""
    corpus, index = library
    _env(monkeypatch, corpus, index)
    from dscb_assistant.ui import resources

    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static" / "corpus")
    return AppTest.from_file(APP, default_timeout=60).run()


def _env(monkeypatch, corpus: Path, index: Path, *, dedupe: bool = False) -> None:
    monkeypatch.setenv("DSCB_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DSCB_INDEX_DIR", str(index))
    monkeypatch.setenv("DSCB_EMBEDDER", HASH_EMBEDDER)
    monkeypatch.setenv("DSCB_WORKERS", "1")
    # The fixtures pad passages with the same filler words, which folding rightly treats as copies;
    # it is tested on its own corpus of distinct text.
    monkeypatch.setenv("DSCB_DEDUPE", "1" if dedupe else "0")


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="ask-input").set_value(question).run()
    assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="dscb-quote"' in m.value]


def widget(collection, label: str):
    return next(w for w in collection if w.label == label)


# -- Ask -----------------------------------------------------------------------------------------
def test_ask_answers_with_cited_verbatim_cards(app):
    assert not app.exception
    assert app.chat_input(key="ask-input")  # the question box
    assert any("Try one of these" in m.value for m in app.markdown)  # examples for a first visit
    ask(app, "bruise on a baby who is not mobile")
    shown = cards(app)
    assert shown and "Learning Review: Baby A" in shown[0]
    assert re.search(r"\d+ passages? from \d+ reports?", " ".join(m.value for m in app.markdown))
    first = shown[0]
    assert "<mark>bruise</mark>" in first and '<strong class="dscb-best">' in first
    assert "Testshire Safeguarding Children Partnership" in first and "2019" in first and "Learning review" in first
    assert re.search(r'href="app/static/corpus/baby-bruise\.pdf#page=\d+"', first)
    assert re.search(r"Open the report at page \d+", first)
    labels = {b.label for b in app.button}
    assert {"Show the page", "More like this", "Add to collection"} <= labels


def test_a_paragraph_repeated_in_a_summary_is_one_card_that_says_where_else(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shared = ("The health visitor saw bruising on the baby and accepted the account that he had rolled off the sofa, "
              "although he could not yet roll. She did not know that the protocol applied to a bruise seen at a home "
              "visit, and no referral was made for a paediatric opinion on the same day. The baby was next seen by "
              "the GP a week later with vomiting, and the earlier bruising was not mentioned to the doctor.")
    other = ("The family moved twice during the period under review and each move meant a new school, a new GP and "
             "a new health visitor. Records followed slowly and the cumulative picture of concern was lost. ")
    summary = ("This executive summary sets out the main learning for practitioners. The full overview report holds "
               "the chronology and the analysis of each agency's involvement with the family. ")
    make_pdf(corpus / "overview.pdf", [["# Findings", shared, other * 3]], page_numbers=True)
    make_pdf(corpus / "summary <b>.pdf", [["# Summary", summary * 3], ["# Key findings", shared]], page_numbers=True)
    _ingest(corpus, tmp_path / "index")
    _env(monkeypatch, corpus, tmp_path / "index", dedupe=True)
    from dscb_assistant.ui import resources

    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static" / "corpus")
    at = ask(AppTest.from_file(APP, default_timeout=60).run(), "bruising baby rolled off the sofa")
    with_copy = [c for c in cards(at) if "accepted the account" in c]
    assert len(with_copy) == 1, "the repeated paragraph should be shown once"
    assert "Nearly the same text is also in:" in with_copy[0]
    assert re.search(r"p\. 2|p\. 1", with_copy[0].split("also in:")[1])
    assert "<b>" not in with_copy[0].split("also in:")[1]  # a file name never becomes markup


def test_published_reports_link_to_their_url_at_the_page(app):
    ask(app, "county lines exploitation missing episodes")
    card = next(c for c in cards(app) if "Thematic review: exploitation" in c)
    assert re.search(r'href="https://example\.org/reviews/county-lines\.pdf#page=\d+"', card)


def test_pdf_text_never_becomes_markup(app):
    ask(app, "parent said baby bruise alert")
    card = next(c for c in cards(app) if "onerror" in c)
    assert "<img" not in card and "<script" not in card
    assert "&lt;img src=x onerror=" in card and "&lt;script&gt;" in card
    assert 'href="javascript' not in card


def test_filters_apply_to_the_current_question_and_loosening_brings_results_back(app):
    ask(app, "police information sharing")
    assert len({re.search(r'dscb-title">\d+\. ([^<]+)<', c).group(1) for c in cards(app)}) > 1
    types = app.sidebar.multiselect[0]
    assert types.label == "Review type"
    types.set_value(["serious case review"]).run()
    assert cards(app) and all("Serious case review" in c for c in cards(app))
    assert any("Filtered: serious case review" in c.value for c in app.caption)

    years = widget(app.sidebar.slider, "Years published")
    years.set_value((2015, 2019)).run()  # no serious case review from those years
    assert not cards(app)
    assert any("No matches with these filters" in i.value for i in app.info)
    widget(app.button, "Clear filters and search again").click().run()
    assert not app.exception
    assert len(cards(app)) > 1


def test_clear_filters_in_the_sidebar_resets_every_filter_on_one_click(app):
    ask(app, "police information sharing")
    everything = len(cards(app))
    app.sidebar.multiselect[0].set_value(["serious case review"]).run()
    widget(app.sidebar.multiselect, "Board").set_value(["Otherton LSCB"]).run()
    widget(app.sidebar.slider, "Years published").set_value((2015, 2019)).run()
    assert not cards(app)
    widget(app.sidebar.button, "Clear filters").click().run()
    assert not app.exception
    assert [m.value for m in app.sidebar.multiselect] == [[], [], []]
    years = widget(app.sidebar.slider, "Years published")
    assert years.value == (years.min, years.max)
    assert len(cards(app)) == everything
    assert not any("Filtered:" in c.value for c in app.caption)
    assert not [w for w in app.warning if "Session State" in w.value]


def test_a_question_asked_while_the_model_loads_is_answered_from_keywords_and_says_so(tmp_path, monkeypatch, library):
    from dscb_assistant.search import Searcher
    from dscb_assistant.ui import resources

    shutil.copytree(library[1], tmp_path / "index", symlinks=True)  # its own searcher, not the cached one
    _env(monkeypatch, library[0], tmp_path / "index")
    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static" / "corpus")
    gate = threading.Event()
    load = Searcher.load_meaning_model

    def slow_model(self, *, background=False):  # the model takes as long as the test says
        if background:
            threading.Thread(target=lambda: (gate.wait(60), load(self)), daemon=True).start()
        else:
            load(self)

    monkeypatch.setattr(Searcher, "load_meaning_model", slow_model)
    at = ask(AppTest.from_file(APP, default_timeout=60).run(), "county lines exploitation")
    assert any("Keyword matches only: the meaning model is still loading" in i.value for i in at.info)
    assert cards(at) and "Thematic review: exploitation" in cards(at)[0]
    assert at.session_state["turns"][-1].keywords_only
    gate.set()
    for _ in range(120):  # the next run after the model is ready asks again with the full ranking
        at.run()
        if not at.session_state["turns"][-1].keywords_only:
            break
        time.sleep(0.25)
    assert not any("Keyword matches only" in i.value for i in at.info)
    assert cards(at)


def test_number_of_results(app):
    ask(app, "review panel records agency")
    assert len(cards(app)) > 5
    widget(app.sidebar.select_slider, "Number of results").set_value(5).run()
    assert len(cards(app)) == 5


def test_more_like_this_searches_with_the_passage_and_excludes_it(app):
    ask(app, "bruise baby")
    source_id = app.session_state["turns"][-1].hits[0].passage.id
    app.button(key="t1-1-more").click().run()
    assert not app.exception
    latest = app.session_state["turns"][-1]
    assert latest.source is not None and latest.source.passage.id == source_id
    assert latest.hits and source_id not in {h.passage.id for h in latest.hits}
    assert any("More like this passage" in m.value for m in app.markdown)
    assert any(m.value.startswith("bruise baby") for m in app.markdown)  # the first question, listed below
    app.button(key="again-1").click().run()  # and brought back
    assert app.session_state["turns"][-1].source is None and app.session_state["turns"][-1].query == "bruise baby"
    assert any("More like: " in m.value for m in app.markdown)


def test_show_the_page_renders_the_page_image(app):
    ask(app, "bruise baby")
    app.button(key="t1-1-page").click().run()
    assert not app.exception
    images = app.get("image")
    assert len(images) == 1
    assert app.button(key="t1-1-page").label == "Hide the page"


def test_odd_questions_never_show_a_traceback(app):
    # No limit in the box: the browser silently drops a paste longer than max_chars; the library cuts at 20,000.
    assert not app.chat_input(key="ask-input").max_chars
    for question in ("?!", "<script>", "a" * 1999):
        ask(app, question)
    assert not app.exception


# -- Collection and export -----------------------------------------------------------------------
def test_collect_reorder_remove_and_export(app, monkeypatch):
    from dscb_assistant import export, seminar

    made = {}  # what the page last offered for download

    def keep(name, real):
        def wrapper(hits, **kwargs):
            made[name] = real(hits, **kwargs)
            return made[name]
        return wrapper

    monkeypatch.setattr(export, "to_docx", keep("docx", export.to_docx))
    monkeypatch.setattr(export, "to_markdown", keep("md", export.to_markdown))
    monkeypatch.setattr(seminar, "to_pptx", keep("pptx", seminar.to_pptx))

    ask(app, "bruise baby referral")
    first, second = app.session_state["turns"][-1].hits[:2]
    app.button(key="t1-1-collect").click().run()
    app.button(key="t1-2-collect").click().run()
    assert app.button(key="t1-1-collect").label.startswith("In collection")

    app.switch_page(PAGES["themes"]).run()
    app.switch_page(PAGES["collection"]).run()  # survives moving between pages
    assert not app.exception
    assert collected_ids(app) == [first.passage.id, second.passage.id]
    app.button(key=f"down-{first.passage.id}").click().run()
    assert collected_ids(app) == [second.passage.id, first.passage.id]

    from docx import Document

    document = Document(io.BytesIO(made["docx"]))
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes[0].split()[:8] == second.passage.text.split()[:8]  # verbatim, in the new order
    assert " ".join(" ".join(quotes).split()) == " ".join(f"{second.passage.text} {first.passage.text}".split())
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith(f"Source: {second.report.title}.") and str(second.passage.page) in t for t in texts)
    assert "> " in made["md"] and first.report.title in made["md"]
    assert {b.label for b in app.download_button} == {"Download seminar pack (.pptx)", "Download Word (.docx)",
                                                      "Download Markdown (.md)", "Export every collection (.json)"}
    from pptx import Presentation

    deck = Presentation(io.BytesIO(made["pptx"]))
    quoted = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.name == "Quotation"]
    assert " ".join(" ".join(quoted).split()) == " ".join(f"{second.passage.text} {first.passage.text}".split())
    assert deck.core_properties.author == Document(io.BytesIO(made["docx"])).core_properties.author == "DSCB Learning Assistant"

    app.button(key=f"remove-{second.passage.id}").click().run()
    assert collected_ids(app) == [first.passage.id]


def test_empty_collection_says_how_to_fill_it(app):
    app.switch_page(PAGES["collection"]).run()
    assert any("Nothing collected yet" in i.value for i in app.info)


def collected_ids(at: AppTest, name: str | None = None) -> list[str]:
    """The passage ids in a collection (the active one by default), as the session holds them."""
    found = at.session_state["collections"]
    if name is None:
        try:
            name = at.session_state["collection-active"]
        except KeyError:
            name = next(iter(found))
    return [c.id for c in found[name]]


def test_named_collections_keep_passages_not_questions_and_ask_before_emptying(app, monkeypatch):
    from dscb_assistant.ui import collected

    exported = []
    real = collected.to_json
    monkeypatch.setattr(collected, "to_json", lambda: exported.append(real()) or exported[-1])
    question = "bruise baby referral"
    ask(app, question)
    first, second = app.session_state["turns"][-1].hits[:2]
    app.button(key="t1-1-collect").click().run()
    app.switch_page(PAGES["collection"]).run()
    assert not app.exception
    app.text_input(key="collection-new-name").set_value("Seminar: bruising <b>")
    widget(app.button, "Create").click().run()
    assert not app.exception
    assert app.session_state["collection-active"] == "Seminar: bruising <b>" and collected_ids(app) == []
    app.switch_page(PAGES["ask"]).run()
    app.button(key="t1-2-collect").click().run()
    assert collected_ids(app) == [second.passage.id]
    assert collected_ids(app, "My collection") == [first.passage.id]

    app.switch_page(PAGES["collection"]).run()
    assert len(cards(app)) == 1 and second.report.title in cards(app)[0]
    stored = json.loads(exported[-1])  # what the export offers, and what the browser keeps
    assert [c["name"] for c in stored["collections"]] == ["My collection", "Seminar: bruising <b>"]
    kept = stored["collections"][1]["items"][0]
    assert kept["id"] == second.passage.id and kept["file"] == second.report.file and kept["page"] == second.passage.page
    assert kept["title"] == second.report.title and second.passage.text.startswith(kept["opening"].split()[0])
    assert question not in exported[-1] and "turns" not in exported[-1]

    # Emptying asks first; Cancel keeps everything.
    app.button(key="collection-clear").click().run()
    assert collected_ids(app) == [second.passage.id]
    assert any("Remove all 1 excerpt from" in w.value for w in app.warning)
    app.button(key="collection-confirm-no").click().run()
    assert collected_ids(app) == [second.passage.id] and not any("Remove all" in w.value for w in app.warning)
    app.button(key="collection-clear").click().run()
    app.button(key="collection-confirm-yes").click().run()
    assert collected_ids(app) == []
    assert any("Nothing collected yet" in i.value for i in app.info)
    # Deleting a collection asks too; the other one becomes the one excerpts are added to.
    app.button(key="collection-delete").click().run()
    assert any("Delete the collection" in w.value for w in app.warning)
    app.button(key="collection-confirm-yes").click().run()
    assert list(app.session_state["collections"]) == ["My collection"]
    assert collected_ids(app) == [first.passage.id]
    assert not app.exception


def test_a_collections_file_round_trips_and_a_bad_one_is_refused_with_the_reason():
    from dscb_assistant.ui import collected

    item = {"id": "abc#3", "file": "baby.pdf", "page": 4, "title": "Review: Baby K", "section": "6. Findings",
            "paragraph": "6.4", "opening": "Bruising is the most common"}
    good = json.dumps({"format": "dscb-collections", "version": 1, "active": "B",
                       "collections": [{"name": "A", "items": [item, item]}, {"name": "  B  ", "items": []}]})
    found, active = collected.parse(good.encode())
    assert list(found) == ["A", "B"] and active == "B"
    assert found["A"] == [collected.Chosen(**item)]  # a repeated excerpt is kept once
    bad = {
        b"\xff\xfe": "not text",
        b"{nope": "not JSON",
        json.dumps({"format": "other"}).encode(): "not a collections file",
        json.dumps({"format": "dscb-collections", "version": 7, "collections": []}).encode(): "another version",
        json.dumps({"format": "dscb-collections", "version": 1,
                    "collections": [{"name": "A", "items": [{**item, "page": "4"}]}]}).encode(): "page",
        json.dumps({"format": "dscb-collections", "version": 1,
                    "collections": [{"name": "A", "items": [{**item, "id": ""}]}]}).encode(): "no id",
        b" " * (collected.MAX_FILE_BYTES + 1): "larger than",
    }
    for data, reason in bad.items():
        with pytest.raises(collected.CollectionFileError, match=reason):
            collected.parse(data)


def test_a_collected_passage_is_found_again_after_the_library_is_re_indexed(library):
    from dscb_assistant.records import Passage
    from dscb_assistant.search import Searcher
    from dscb_assistant.ui import collected

    corpus, index = library
    searcher = Searcher(Settings(corpus_dir=corpus, index_dir=index, embedder=HASH_EMBEDDER))
    passage = next(p for p in searcher.passages if p.file == "baby-bruise.pdf")
    report = searcher.reports[passage.file]
    from dscb_assistant.records import Hit

    chosen = collected.Chosen.of(Hit(rank=1, score=0.0, passage=passage, report=report, link=""))
    renamed = collected.Chosen(**{**chosen.__dict__, "id": "an id from an older index"})
    gone = collected.Chosen(id="x", file="removed.pdf", page=2, title="Gone")
    hits, missing = collected.resolve(searcher, [chosen, renamed, gone])
    assert [h.passage.id for h in hits] == [passage.id, passage.id]
    assert hits[0].passage.text == passage.text and hits[0].report.title == report.title
    assert missing == [gone]
    assert isinstance(hits[0].passage, Passage)


# -- Browse --------------------------------------------------------------------------------------
def test_themes_page_counts_and_strongest_passages(app):
    app.switch_page(PAGES["themes"]).run()
    assert not app.exception
    pills = app.pills[0]
    assert "domestic-abuse" in pills.options or any("Domestic abuse" in o for o in pills.options)
    pills.set_value("domestic-abuse").run()
    assert not app.exception
    assert any(re.search(r"\d+ passages in \d+ reports?", m.value) for m in app.markdown)
    shown = cards(app)
    assert shown and all("Domestic abuse" in c for c in shown)


def test_more_like_this_from_a_browsing_page_answers_on_the_ask_page(app):
    app.switch_page(PAGES["themes"]).run()
    app.pills[0].set_value("domestic-abuse").run()
    more = next(b for b in app.button if b.label == "More like this")
    more.click().run()
    assert not app.exception
    assert app.title[0].value == "Ask the reviews"
    assert any("More like this passage" in m.value for m in app.markdown) and cards(app)


def test_reports_page_lists_reports_and_opens_one_learning_first(app):
    app.switch_page(PAGES["reports"]).run()
    assert not app.exception
    listed = [m.value for m in app.markdown if 'class="dscb-title"' in m.value]
    assert len(listed) == 4 and "Learning Review: Baby A" in listed[0]  # newest first
    assert "https://example.org/reviews/county-lines.pdf#page=1" in " ".join(listed)
    app.text_input(key="report-find").set_value("otherton").run()
    assert [m.value for m in app.markdown if 'class="dscb-title"' in m.value][0].count("exploitation")
    app.text_input(key="report-find").set_value("").run()
    app.button(key="open-baby-bruise.pdf").click().run()
    assert not app.exception
    shown = cards(app)
    assert shown and all(re.search(r"2019 &middot; Learning review &middot; pp?\. ", c) for c in shown)
    assert not any('class="dscb-title"' in c for c in shown)  # the heading above already names the report
    sections = [m.value for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert sections == ["**2\\. Findings**", "**3\\. Recommendations**", "**1\\. Introduction**"]
    app.button(key="report-close").click().run()
    assert app.button(key="open-baby-bruise.pdf")


# -- Empty states and banners --------------------------------------------------------------------
def test_no_index_offers_to_build_it_then_answers(tmp_path, monkeypatch):
    corpus = build_small_corpus(tmp_path / "corpus")
    _env(monkeypatch, corpus, tmp_path / "index")
    from dscb_assistant.ui import resources

    monkeypatch.setattr(resources, "STATIC_DIR", tmp_path / "static")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert any("no search index yet" in i.value for i in at.info)
    assert any("python -m dscb_assistant ingest" in c.value for c in at.code)
    at.button(key="build-index").click().run()
    assert not at.exception
    ask(at, "county lines")
    assert cards(at)


def test_index_built_with_another_model_says_how_to_rebuild(library, monkeypatch):
    _env(monkeypatch, *library)
    monkeypatch.setenv("DSCB_EMBEDDER", "all-MiniLM-L6-v2")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("built with the embedding model 'hash-test-embedder'" in e.value for e in at.error)
    assert widget(at.button, "Rebuild the index now")


def test_sample_corpus_banner(tmp_path, monkeypatch, library):
    corpus = tmp_path / "corpus"
    shutil.copytree(library[0], corpus)
    (corpus / "sources").mkdir()
    (corpus / "sources" / "baby-bruise.txt").write_text("fiction")
    shutil.copytree(library[1], tmp_path / "index", symlinks=True)
    _env(monkeypatch, corpus, tmp_path / "index")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("fictional sample reports" in w.value for w in at.warning)
    for page in ("themes", "reports", "recommendations", "collection", "add_reports"):  # the add page too
        at.switch_page(PAGES[page]).run()
        assert not at.exception
        assert [w for w in at.warning if "fictional sample reports" in w.value], page


def test_real_corpus_has_no_sample_banner(app):
    assert not any("fictional" in w.value for w in app.warning)


# -- Add reports ---------------------------------------------------------------------------------
def test_upload_a_pdf_and_it_becomes_searchable(tmp_path, monkeypatch, library):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(library[0], corpus)
    shutil.copytree(library[1], index, symlinks=True)
    _env(monkeypatch, corpus, index)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGES["add_reports"]).run()
    assert not at.exception

    pdf = make_pdf(tmp_path / "upload.pdf", [["# Learning", "The young carer looked after her mother and "
                                              "nobody asked about her caring responsibilities. " + words(70)]])
    at.file_uploader(key="upload-files").set_value(("../Young carer review.pdf", pdf.read_bytes(), "application/pdf"))
    at.text_input(key="upload-title").set_value("Learning Review: Child Y")
    at.text_input(key="upload-year").set_value("2024")
    at.selectbox(key="upload-type").set_value("learning review")
    widget(at.button, "Add and index").click().run()
    assert not at.exception, at.exception
    assert any("Now searchable: Young-carer-review.pdf" in s.value for s in at.success)
    assert (corpus / "Young-carer-review.pdf").is_file() and not (tmp_path / "Young carer review.pdf").exists()

    at.switch_page(PAGES["ask"]).run()
    ask(at, "young carer caring responsibilities")
    assert "Learning Review: Child Y" in cards(at)[0]  # the new build was loaded without a restart


def test_upload_mistakes_are_messages(tmp_path, monkeypatch, library):
    _env(monkeypatch, *library)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGES["add_reports"]).run()
    at.file_uploader(key="upload-files").set_value(("notes.pdf", b"<html>not a pdf</html>", "application/pdf"))
    at.text_input(key="upload-year").set_value("20x4")
    widget(at.button, "Add and index").click().run()
    assert not at.exception
    assert any("four digits" in e.value for e in at.error)
    at.text_input(key="upload-year").set_value("")
    widget(at.button, "Add and index").click().run()
    assert any("not a PDF" in e.value for e in at.error)
    assert not (library[0] / "notes.pdf").exists()

    at.text_input(key="download-url").set_value("ftp://example.org/review.pdf")
    widget(at.button, "Download and index").click().run()
    assert not at.exception
    # Messages go through the Markdown escaper (they can quote a file name or an address); read them as shown.
    shown = [re.sub(r"\\(.)", r"\1", e.value.replace(STREAMLIT_SEPARATOR, "")) for e in at.error]
    assert any("starting with https://" in m for m in shown), shown


def test_adding_reports_can_be_turned_off_for_shared_servers(tmp_path, monkeypatch, library):
    _env(monkeypatch, *library)
    monkeypatch.setenv("DSCB_ALLOW_ADDING", "0")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES["add_reports"])  # not in the navigation, so not reachable by any address
    at.switch_page(PAGES["ask"]).run()
    assert not at.exception
